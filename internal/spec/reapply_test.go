package spec

import (
	"fmt"
	"maps"
	"math/rand/v2"
	"reflect"
	"slices"
	"strings"
	"testing"
)

// refusedText is live.Refused() as sorted "flag: error" lines.
func refusedText(live *Spec) string {
	var lines []string
	for name, err := range live.Refused() {
		lines = append(lines, name+": "+err.Error())
	}
	slices.Sort(lines)
	return fmt.Sprint(lines)
}

// TestReapply: Reapply of the changed patches over the previous live spec
// gives ApplyLive's result over the whole new set of patches, refusals
// included (depends_on cycles, also ones that a reverted patch brings back
// from the spec, self-dependencies, invalid hand-built patches, with and
// without a kill switch), over random sequences of changes.
func TestReapply(t *testing.T) {
	s, err := Parse("flags.json", []byte(`{"flags": {
		"a": {"active": true, "depends_on": ["b"]},
		"b": {"active": true},
		"c": {"active": true, "depends_on": ["a"]},
		"d": {"active": true},
		"e": {"active": true, "depends_on": ["d"]}
	}}`))
	if err != nil {
		t.Fatal(err)
	}
	texts := []string{`{}`, `{"active": false}`, `{"depends_on": null}`, `{"depends_on": ["a"]}`, `{"depends_on": ["c"]}`,
		`{"depends_on": ["d"]}`, `{"depends_on": ["e"]}`, `{"depends_on": ["b", "e"]}`, `{"percentage_rollout": 5}`,
		`{"active": false, "depends_on": ["c"]}`, `{"tripped": "errors", "depends_on": ["e"]}`, `{"active": null, "depends_on": ["a"]}`}
	rollout := 500.0
	bad := &Patch{PercentageRollout: &rollout} // hand-built, not valid
	off := false
	badOff := &Patch{PercentageRollout: &rollout, Active: &off}
	rng := rand.New(rand.NewPCG(3, 4))
	cur := map[string]*Patch{}
	live := s
	refusedSteps, mixedSteps, invalidSteps := 0, 0, 0
	for step := range 3000 {
		next := maps.Clone(cur)
		changed := map[string]*Patch{}
		for range 1 + rng.IntN(2) {
			f := s.Flags[rng.IntN(len(s.Flags))].Name
			var p *Patch
			switch r := rng.IntN(10); {
			case r == 0:
				p = bad
			case r == 1:
				p = badOff
			case r < 8:
				ps, errs := DecodePatches(s, map[string][]byte{f: []byte(texts[rng.IntN(len(texts))])})
				if errs != nil {
					t.Fatal(errs)
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
		want := s.ApplyLive(next)
		got, err := s.Reapply(live, changed)
		if err != nil {
			t.Fatalf("step %d: %v", step, err)
		}
		if g, w := refusedText(got), refusedText(want); g != w {
			t.Fatalf("step %d: Reapply refused %s, ApplyLive %s", step, g, w)
		}
		if !reflect.DeepEqual(got.Flags, want.Flags) {
			t.Fatalf("step %d: Reapply and ApplyLive differ", step)
		}
		if errs := check(want); len(errs) > 0 {
			t.Fatalf("step %d: the live spec does not pass the spec's checks: %v", step, ErrorList(errs))
		}
		cycle, invalid := false, false
		for name, err := range want.Refused() {
			cycle = cycle || strings.Contains(err.Error(), "dependency cycle")
			invalid = invalid || strings.Contains(err.Error(), "percentage_rollout")
			if next[name] == nil {
				t.Fatalf("step %d: %s refused without a patch", step, name)
			}
		}
		if cycle {
			refusedSteps++
			if len(want.Refused()) < len(next) {
				mixedSteps++
			}
		}
		if invalid {
			invalidSteps++
		}
		cur, live = next, got
	}
	if refusedSteps < 100 || mixedSteps < 100 || invalidSteps < 100 {
		t.Fatalf("%d steps refused a cycle (%d with other patches applied), %d an invalid patch: the test does not test refusals", refusedSteps, mixedSteps, invalidSteps)
	}
	if _, err := s.Reapply(s, map[string]*Patch{"nope": bad}); err != nil {
		t.Fatal(err)
	} else if r, _ := s.Reapply(s, map[string]*Patch{"nope": bad}); !strings.Contains(fmt.Sprint(r.Refused()["nope"]), `unknown flag "nope"`) {
		t.Fatalf("Reapply of an unknown flag refused %v", r.Refused())
	}
}
