package engine

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/flaggen/flaggen/internal/spec"
)

// incrSpec is a spec whose flags depend on each other in chains and
// diamonds, with targeting, variants and activation dates, for
// TestBuildReusesPrevious.
const incrSpec = `{
  "context": {"user_id": {"type": "int", "key": true}, "region": {"type": "string"}},
  "environments": ["production", "staging"],
  "flags": {
    "a": {"active": true},
    "b": {"active": true, "depends_on": ["a"]},
    "c": {"active": true, "depends_on": ["b"], "regions": ["US"]},
    "d": {"active": true, "depends_on": ["a", "c"], "percentage_rollout": 40},
    "e": {"active": true, "users": [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]},
    "f": {"active": true, "depends_on": ["e"]},
    "g": {"type": "string", "active": true, "variants": {"x": 50, "y": 50}, "default": "x", "depends_on": ["d"]},
    "h": {"active": true, "activation_date": "2030-01-01T00:00:00Z"},
    "i": {"active": true, "depends_on": ["h"]},
    "j": {"active": false},
    FILLER
  }
}`

// TestBuildReusesPrevious: a snapshot built from the previous one (only
// the changed flags compiled, dependants folded again) evaluates every
// flag exactly as one built from scratch, over random live changes and
// pins, including changes of depends_on and of activation dates.
func TestBuildReusesPrevious(t *testing.T) {
	// Flags depending on the others, so that a change is a small part of
	// the spec (a large one is built from scratch).
	var filler []string
	for i := range 40 {
		filler = append(filler, fmt.Sprintf(`"z%02d": {"active": true, "depends_on": [%q]}`, i, string(rune('a'+i%6))))
	}
	rs, err := spec.Parse("incr.json", []byte(strings.Replace(incrSpec, "FILLER", strings.Join(filler, ",\n    "), 1)))
	if err != nil {
		t.Fatal(err)
	}
	m := rs
	patches := []string{`{}`, `{"active":false}`, `{"active":true}`, `{"tripped":"errors"}`, `{"tripped":null}`,
		`{"percentage_rollout":100}`, `{"percentage_rollout":0}`, `{"regions":null}`, `{"regions":["RO"]}`,
		`{"depends_on":null}`, `{"depends_on":["j"]}`, `{"depends_on":["a"]}`, `{"environments":["staging"]}`,
		`{"activation_date":"2020-01-01T00:00:00Z"}`, `{"activation_date":"2031-01-01T00:00:00Z"}`, `{"activation_date":null}`,
		`{"users":[1]}`, `{"active":true,"regions":null,"percentage_rollout":null,"depends_on":null}`}
	ctxs := [][]Value{nil, {Int(1), String("US")}, {Int(77), String("RO")}, {Int(12345), Value{}}, {Value{}, String("US")}}
	now := time.Date(2029, 6, 1, 0, 0, 0, 0, time.UTC)
	rng := rand.New(rand.NewPCG(1, 2))
	live := map[string]*spec.Patch{}
	prev, err := Build(Input{Base: rs, ByName: byName(rs), Live: m, Env: "production", Now: now})
	if err != nil {
		t.Fatal(err)
	}
	pins := map[int]*Pin{}
	for step := 0; step < 2000; step++ {
		next := map[string]*spec.Patch{}
		for k, v := range live {
			next[k] = v
		}
		for range 1 + rng.IntN(2) {
			f := m.Flags[rng.IntN(len(m.Flags))]
			raw := patches[rng.IntN(len(patches))]
			if f.Type != spec.Bool && strings.Contains(raw, "depends_on\":[") {
				continue
			}
			ps, errs := spec.DecodePatches(m, map[string][]byte{f.Name: []byte(raw)})
			if errs != nil {
				continue
			}
			next[f.Name] = ps[f.Name]
		}
		lm, err := m.Apply(next)
		if err != nil {
			continue // a cycle: refused
		}
		live = next
		if rng.IntN(10) == 0 { // pin or unpin a bool flag
			i := rng.IntN(len(m.Flags))
			if m.Flags[i].Type == spec.Bool {
				if pins[i] != nil {
					delete(pins, i)
				} else {
					pins[i] = &Pin{Val: Bool(rng.IntN(2) == 0)}
				}
			}
		}
		if rng.IntN(50) == 0 { // time passes an activation date
			now = now.AddDate(1, 0, 0)
		}
		in := Input{Base: rs, ByName: byName(rs), Live: lm, Env: "production", Now: now, Pins: pins, Version: uint64(step)}
		full, err := Build(in)
		if err != nil {
			t.Fatal(err)
		}
		in.Prev = prev
		got, err := Build(in)
		if err != nil {
			t.Fatal(err)
		}
		// The rebuild at an activation date may come early (it then
		// builds from scratch), never late.
		if !full.next.IsZero() && (got.next.IsZero() || got.next.After(full.next)) {
			t.Fatalf("step %d: next rebuild at %v, from scratch %v", step, got.next, full.next)
		}
		for i := range m.Flags {
			g, w := got.flags[i], full.flags[i]
			if g.isConst != w.isConst || g.cverd != w.cverd || g.cb != w.cb || g.cs != w.cs || g.src != w.src || g.pin != w.pin ||
				fmt.Sprint(g.deps) != fmt.Sprint(w.deps) {
				t.Fatalf("step %d: flag %s compiled from the previous snapshot as %+v, from scratch %+v", step, m.Flags[i].Name, *g, *w)
			}
			for _, a := range ctxs {
				if gv, wv := got.decide(i, a), full.decide(i, a); gv != wv {
					t.Fatalf("step %d: flag %s for %v: %+v, from scratch %+v", step, m.Flags[i].Name, a, gv, wv)
				}
			}
		}
		prev = got
	}
}

// TestBuildManyFlags: a spec large enough to be compiled on several
// goroutines compiles every flag, and the snapshot's next rebuild is at the
// earliest future activation date, whichever goroutine compiled it.
func TestBuildManyFlags(t *testing.T) {
	const n = 5000
	var sb strings.Builder
	sb.WriteString(`{"context": {"user_id": {"type": "int", "key": true}, "region": {"type": "string"}}, "flags": {`)
	for i := range n {
		if i > 0 {
			sb.WriteString(",")
		}
		fmt.Fprintf(&sb, `"f%05d": {"active": true, "regions": ["US"], "activation_date": "%d-01-01T00:00:00Z"}`, i, 2030+(i*7919)%n)
	}
	sb.WriteString(`}}`)
	rs, err := spec.Parse("many.json", []byte(sb.String()))
	if err != nil {
		t.Fatal(err)
	}
	var chunks atomic.Int32
	par := func(n int, work func(int)) {
		var wg sync.WaitGroup
		for w := range n {
			wg.Go(func() { chunks.Add(1); work(w) })
		}
		wg.Wait()
	}
	s, err := Build(Input{Base: rs, ByName: byName(rs), Live: rs, Env: "production", Now: time.Date(2029, 1, 1, 0, 0, 0, 0, time.UTC),
		Parallel: par, Workers: 4})
	if err != nil {
		t.Fatal(err)
	}
	if chunks.Load() != 4 {
		t.Errorf("compiled in %d chunks, want 4", chunks.Load())
	}
	if want := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC); !s.next.Equal(want) {
		t.Errorf("next rebuild at %v, want %v", s.next, want)
	}
	for i, f := range rs.Flags {
		if c := s.flags[i]; c.src != f || c.name != f.Name || len(c.rules) != 1 || !c.checkAct || !c.isConst || c.cb {
			t.Fatalf("flag %s compiled as %+v", f.Name, *c)
		}
	}
}

// TestUnpinnedChangedOnce: a flag unpinned while its live definition
// changes is dirty once, not twice (twice, it was compiled twice, and with
// many dirty flags by two goroutines at once).
func TestUnpinnedChangedOnce(t *testing.T) {
	var fl []string
	for i := range 12 {
		fl = append(fl, fmt.Sprintf(`"f%02d": {"active": true}`, i))
	}
	rs, err := spec.Parse("d.json", []byte(`{"flags": {`+strings.Join(fl, ",")+`}}`))
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	prev, err := Build(Input{Base: rs, ByName: byName(rs), Live: rs, Env: "production", Now: now, Pins: map[int]*Pin{0: {Val: Bool(false)}}})
	if err != nil {
		t.Fatal(err)
	}
	ps, errs := spec.DecodePatches(rs, map[string][]byte{"f00": []byte(`{"active":false}`)})
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	live, err := rs.Apply(ps)
	if err != nil {
		t.Fatal(err)
	}
	in := Input{Base: rs, ByName: byName(rs), Live: live, Env: "production", Now: now, Pins: map[int]*Pin{}, Prev: prev}
	dirty, ok := changedSince(in)
	if !ok {
		t.Fatal("changedSince: one flag changed, yet a build from scratch")
	}
	s := &Snapshot{flags: slices.Clone(prev.flags)}
	if dirty = s.unpinned(in, dirty); !slices.Equal(dirty, []int{0}) {
		t.Fatalf("dirty = %v, want [0]", dirty)
	}
}

// byName indexes m's flags by name, as Input.ByName wants.
func byName(m *spec.Spec) map[string]int {
	out := make(map[string]int, len(m.Flags))
	for i, f := range m.Flags {
		out[f.Name] = i
	}
	return out
}
