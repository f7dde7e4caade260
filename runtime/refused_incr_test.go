package runtime

import (
	"encoding/json"
	"fmt"
	"maps"
	"math/rand/v2"
	"testing"

	"github.com/flaggen/flaggen/runtime/store"
)

// TestChangesMatchFullState: following changes (applyChangesLocked, over
// spec.Spec.ApplyLiveChanges) gives, after every step of 3,000 random ones,
// the values and refusals of applying the whole state (applyStateLocked,
// over spec.Spec.ApplyLiveState): with patches that do not decode, kill switches in
// refused patches, dependency cycles written by hand, and deleted entries.
func TestChangesMatchFullState(t *testing.T) {
	s := mustLoadSpec("flags.json", []byte(`{"flags": {
		"a": {"active": true, "depends_on": ["b"]}, "b": {"active": true}, "c": {"active": true, "depends_on": ["a"]},
		"d": {"active": true, "percentage_rollout": 50}, "e": {"active": true, "depends_on": ["d"]}}}`))
	texts := []string{`{}`, `{"active": false}`, `{"depends_on": null}`, `{"depends_on": ["a"]}`, `{"depends_on": ["c"]}`,
		`{"depends_on": ["e"]}`, `{"depends_on": ["b", "d"]}`, `{"percentage_rollout": 100}`, `{"percentage_rollout": "lots"}`,
		`{"percentage_rollout": 500, "active": false}`, `{"active": false, "depends_on": ["c"]}`, `{"tripped": "errors", "depends_on": ["e"]}`,
		`not json`, `{"depends_on": ["nope"]}`}
	// Closed: they follow no store, only the states given here.
	incr, full := newClient(t, s), newClient(t, s)
	incr.Close()
	full.Close()
	ctxs := [][]Value{nil, {Int(1)}, {Int(7)}, {Int(12345)}}
	rng := rand.New(rand.NewPCG(5, 6))
	state := map[string]json.RawMessage{}
	names := s.FlagNames()
	refusedSteps := 0
	for step := range 3000 {
		changes := map[string]json.RawMessage{}
		for range 1 + rng.IntN(2) {
			name := names[rng.IntN(len(names))]
			if rng.IntN(6) == 0 {
				delete(state, name)
				changes[name] = nil
				continue
			}
			raw := json.RawMessage(texts[rng.IntN(len(texts))])
			state[name], changes[name] = raw, raw
		}
		version := uint64(step + 1)
		incr.mu.Lock()
		incr.applyChangesLocked(store.State{Version: version, Epoch: "e", Flags: changes})
		incr.mu.Unlock()
		full.mu.Lock()
		full.applyStateLocked(store.State{Version: version, Epoch: "e", Flags: maps.Clone(state)})
		full.mu.Unlock()
		if incr.version != version || full.version != version {
			t.Fatalf("step %d: versions %d and %d, want %d", step, incr.version, full.version, version)
		}
		if gi, gf := fmt.Sprint(incr.Health()), fmt.Sprint(full.Health()); gi != gf {
			t.Fatalf("step %d: health from changes %s, from the state %s", step, gi, gf)
		}
		if incr.Health() != nil {
			refusedSteps++
		}
		for _, a := range ctxs {
			for i := range names {
				if gi, gf := incr.explain(i, a), full.explain(i, a); gi != gf {
					t.Fatalf("step %d: %s for %v: from changes %+v, from the state %+v", step, names[i], a, gi, gf)
				}
			}
		}
	}
	if refusedSteps < 300 {
		t.Fatalf("only %d steps had a refused patch", refusedSteps)
	}
}
