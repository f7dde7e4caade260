package flaghttp

import (
	"bytes"
	"context"
	"encoding/json"
	"math/rand/v2"
	"testing"

	"github.com/flaggen/flaggen/internal/evalmap"
	"github.com/flaggen/flaggen/internal/jsonx"
	"github.com/flaggen/flaggen/runtime"
)

// TestFragments checks that the bulk response's objects, formatted from
// a snapshot's fragments, are byte for byte what formatting each decision
// writes, over random contexts and several live states (each a new
// snapshot, so new fragments), and that every decision found its outcome.
func TestFragments(t *testing.T) {
	s := start(t, Config{}, false)
	h := s.h.(*handler)
	spec := s.c.Spec()
	r := rand.New(rand.NewPCG(3, 4))
	patches := []struct{ flag, patch string }{
		{"", ""},
		{"advanced_search", `{"percentage_rollout":50}`},
		{"new_ui", `{"active":false}`},
		{"checkout_button", `{"default":"green"}`},
		{"discount_rate", `{"active":false}`},
		{"pin", ""}, // pinned flags: a bool one and a variant one
	}
	for _, p := range patches {
		if p.flag == "pin" {
			runtime.ToggleNameAs(t, s.flags, "native_share", true)
			runtime.ToggleNameAs(t, s.flags, "max_results", int64(50))
		} else if p.flag != "" {
			if err := s.c.Set(context.Background(), p.flag, json.RawMessage(p.patch), "test", "fragments"); err != nil {
				t.Fatal(err)
			}
		}
		snap := h.ev.Snapshot()
		f := h.fragmentsOf(snap)
		if h.fragmentsOf(snap) != f {
			t.Fatal("fragments built again for the same snapshot")
		}
		if !f.whole {
			t.Fatal("the demo's fragments are not whole objects")
		}
		ec := h.m.evals.shard()
		split := h.buildFragments(snap, false)
		if n := wholeSize(split); n != len(f.buf) {
			t.Errorf("wholeSize gives %d bytes, the whole objects take %d", n, len(f.buf))
		}
		for range 200 {
			vals, err := spec.ParseContext(evalContext(randomContext(r, r.IntN(3) == 0)))
			if err != nil {
				t.Fatal(err)
			}
			for i := range h.flags {
				d := h.ev.DecideOn(context.Background(), snap, i, vals)
				if d.NoKey {
					continue
				}
				if f.find(i, &d) == nil || split.find(i, &d) == nil {
					t.Errorf("%s: no fragment for %#v variant %q", h.flags[i].name, d.Value, evalmap.Variant(d))
				}
				// The object as formatted before fragments.
				want := append([]byte(nil), h.flags[i].prefix...)
				want = d.Value.AppendJSON(want)
				want = append(want, `,"reason":"`+evalmap.ReasonOf(d).String()+`"`...)
				if v := evalmap.Variant(d); v != "" {
					want = append(want, `,"variant":`...)
					want = jsonx.AppendString(want, v)
				}
				want = append(want, '}')
				for _, f := range []*fragments{f, split, nil} {
					if got := h.appendDecided(nil, ec, f, i, &d); !bytes.Equal(got, want) {
						t.Errorf("%s: fragments (%v) give %s, formatting %s", h.flags[i].name, f != nil && f.whole, got, want)
					}
				}
			}
		}
	}
}
