package spec

import (
	"maps"
	"math/rand/v2"
	"reflect"
	"strings"
	"testing"
)

// TestReapply: Reapply of the changed patches over the previous live spec
// gives Apply's result over the whole new set of patches, or refuses what
// Apply refuses (a depends_on cycle, also one that a reverted patch brings
// back from the spec), over random sequences of changes.
func TestReapply(t *testing.T) {
	s, err := Parse("flags.json", []byte(`{"flags": {
		"a": {"active": true, "depends_on": ["b"]},
		"b": {"active": true},
		"c": {"active": true, "depends_on": ["a"]},
		"d": {"active": true}
	}}`))
	if err != nil {
		t.Fatal(err)
	}
	texts := []string{`{}`, `{"active": false}`, `{"depends_on": null}`, `{"depends_on": ["a"]}`, `{"depends_on": ["c"]}`,
		`{"depends_on": ["d"]}`, `{"percentage_rollout": 5}`, `{"percentage_rollout": 500}`}
	rng := rand.New(rand.NewPCG(3, 4))
	cur := map[string]*Patch{}
	live := s
	refused := 0
	for step := range 3000 {
		next := maps.Clone(cur)
		changed := map[string]*Patch{}
		for range 1 + rng.IntN(2) {
			f := s.Flags[rng.IntN(len(s.Flags))].Name
			var p *Patch
			if rng.IntN(4) > 0 {
				ps, errs := DecodePatches(s, map[string][]byte{f: []byte(texts[rng.IntN(len(texts))])})
				if errs != nil {
					continue
				}
				p = ps[f]
			}
			if p == nil {
				delete(next, f)
			} else {
				next[f] = p
			}
			changed[f] = p
		}
		want, werr := s.Apply(next)
		got, gerr := s.Reapply(live, changed)
		if (werr == nil) != (gerr == nil) {
			t.Fatalf("step %d: Reapply = %v, Apply = %v", step, gerr, werr)
		}
		if werr != nil {
			if !strings.Contains(gerr.Error(), "dependency cycle") {
				t.Fatalf("step %d: Reapply refused with %v", step, gerr)
			}
			refused++
			continue
		}
		if !reflect.DeepEqual(got.Flags, want.Flags) {
			t.Fatalf("step %d: Reapply and Apply differ", step)
		}
		cur, live = next, got
	}
	if refused == 0 {
		t.Fatal("no change made a cycle: the test does not test refusals")
	}
	if _, err := s.Reapply(s, map[string]*Patch{"nope": nil}); err == nil || !strings.Contains(err.Error(), `unknown flag "nope"`) {
		t.Fatalf("Reapply of an unknown flag = %v", err)
	}
}
