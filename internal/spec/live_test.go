package spec

import (
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strings"
	"testing"
)

func mustDecode(t *testing.T, s *Spec, raws map[string]string) map[string]*Patch {
	t.Helper()
	in := map[string][]byte{}
	for k, v := range raws {
		in[k] = []byte(v)
	}
	ps, errs := DecodePatches(s, in)
	if errs != nil {
		t.Fatal(errs)
	}
	return ps
}

// TestApplyLiveCycleFromNewSpec is issue 9's repro: a live patch makes f0
// depend on f1, then a new spec makes f1 depend on f0. Only f0's patch is
// refused (f0 takes the spec's definition, its kill switch held); f1
// keeps the spec's dependency and f2's kill switch applies.
func TestApplyLiveCycleFromNewSpec(t *testing.T) {
	old := mustParse(t, `{"flags": {"f0": {"active": true}, "f1": {"active": true}, "f2": {"active": true}, "f3": {"active": true}}}`)
	raws := map[string]string{"f0": `{"depends_on": ["f1"], "percentage_rollout": 10}`, "f2": `{"active": false}`, "f3": `{"active": false, "depends_on": ["f1"]}`}
	if live := old.ApplyLive(mustDecode(t, old, raws)); live.Refused() != nil {
		t.Fatalf("the old spec refused %v", live.Refused())
	}
	s := mustParse(t, `{"flags": {"f0": {"active": true}, "f1": {"active": true, "depends_on": ["f0", "f3"]}, "f2": {"active": true}, "f3": {"active": true}}}`)
	live := s.ApplyLive(mustDecode(t, s, raws))
	refused := live.Refused()
	if len(refused) != 2 || !strings.Contains(fmt.Sprint(refused["f0"]), "/depends_on/0: dependency cycle f0 → f1 → f0") ||
		!strings.Contains(fmt.Sprint(refused["f3"]), "dependency cycle f3 → f1 → f3") {
		t.Fatalf("refused %v, want f0 and f3 for their cycles", refused)
	}
	f0, f1, f2, f3 := live.Flag("f0"), live.Flag("f1"), live.Flag("f2"), live.Flag("f3")
	if f0 != s.Flag("f0") || f0.PercentageRollout != nil || len(f0.DependsOn) != 0 {
		t.Errorf("f0 = %+v, want the spec's definition", f0)
	}
	if !slices.Equal(f1.DependsOn, []string{"f0", "f3"}) || f2.Active {
		t.Errorf("f1 depends on %v (want the spec's), f2 active %v (want its kill switch)", f1.DependsOn, f2.Active)
	}
	if f3.Active || len(f3.DependsOn) != 0 {
		t.Errorf("f3 = %+v, want the spec's definition, switched off as its refused patch says", f3)
	}
	if errs := check(live); len(errs) > 0 {
		t.Fatal(ErrorList(errs))
	}
	// Strict Apply still refuses the whole set (writes use it to refuse a
	// new cycle).
	if _, err := s.Apply(mustDecode(t, s, raws)); err == nil {
		t.Fatal("Apply accepted a cycle")
	}
}

// TestApplyLiveRounds: a cycle written by hand refuses the patches of all
// flags whose live dependency closes it; one that the spec's dependency of
// a refused flag closes next refuses in a further round.
func TestApplyLiveRounds(t *testing.T) {
	s := mustParse(t, `{"flags": {"a": {"active": true, "depends_on": ["b"]}, "b": {"active": true}, "c": {"active": true}, "d": {"active": true}}}`)
	live := s.ApplyLive(mustDecode(t, s, map[string]string{
		"a": `{"depends_on": ["c"]}`, "c": `{"depends_on": ["a"]}`, "b": `{"depends_on": ["a"]}`, "d": `{"depends_on": ["d"]}`,
	}))
	want := map[string]string{"a": "a → c → a", "c": "c → a → c", "b": "b → a → b", "d": "d → d"}
	if len(live.Refused()) != len(want) {
		t.Fatalf("refused %v", live.Refused())
	}
	for name, cycle := range want {
		if got := fmt.Sprint(live.Refused()[name]); !strings.HasSuffix(got, "dependency cycle "+cycle) {
			t.Errorf("%s refused for %q, want the cycle %s", name, got, cycle)
		}
	}
	if errs := check(live); len(errs) > 0 {
		t.Fatal(ErrorList(errs))
	}
}

// TestFallback: a refused patch stands as its kill switch alone, read from
// whatever the patch text holds.
func TestFallback(t *testing.T) {
	s := mustParse(t, `{"flags": {"a": {"active": true}, "off": {"active": false}}}`)
	for raw, want := range map[string]string{
		`{"active": false, "percentage_rollout": "lots"}`: `{"active":false}`,
		`{"active": null, "regions": 5}`:                  `{"active":false}`,
		`{"tripped": "errors", "users": {}}`:              `{"tripped":"errors"}`,
		`{"active": true, "percentage_rollout": 500}`:     `<nil>`,
		`{"tripped": 5, "active": "no"}`:                  `<nil>`,
		`not json`:                                        `<nil>`,
		`[1]`:                                             `<nil>`,
	} {
		p := s.Fallback("a", []byte(raw))
		got := "<nil>"
		if p != nil {
			b, err := p.MarshalJSON()
			if err != nil {
				t.Fatal(err)
			}
			got = string(b)
			if live := s.ApplyLive(map[string]*Patch{"a": p}); live.Refused() != nil {
				t.Errorf("fallback %s refused: %v", got, live.Refused())
			}
		}
		if got != want {
			t.Errorf("Fallback(%s) = %s, want %s", raw, got, want)
		}
	}
	if p := s.Fallback("off", []byte(`{"active": false, "x": 1}`)); p != nil {
		t.Errorf("a flag the spec switches off needs no fallback: %+v", p)
	}
}

// TestLiveStateRefusedFields: LiveState reports every refusal, and
// RefusedFields names the fields to revert, or none when the whole patch
// must be replaced.
func TestLiveStateRefusedFields(t *testing.T) {
	s := mustParse(t, `{"flags": {"a": {"active": true}, "b": {"active": true}, "c": {"active": true}, "d": {"active": true}, "e": {"active": true}}}`)
	live, eff, refused := s.LiveState(map[string]json.RawMessage{
		"a":       json.RawMessage(`{"percentage_rollout": 500, "regions": 5, "active": false}`),
		"b":       json.RawMessage(`[1]`),
		"c":       json.RawMessage(`{"depends_on": ["c"]}`),
		"d":       json.RawMessage(`{"bogus": 1}`),
		"e":       json.RawMessage(`{"active": false}`),
		"missing": json.RawMessage(`{"active": false}`), // not in the spec: skipped
	})
	for name, want := range map[string][]string{"a": {"regions", "percentage_rollout"}, "b": nil, "c": {"depends_on"}, "d": nil} {
		if refused[name] == nil {
			t.Errorf("%s not refused", name)
		}
		if got := RefusedFields(refused[name]); !slices.Equal(got, want) {
			t.Errorf("RefusedFields(%s: %v) = %v, want %v", name, refused[name], got, want)
		}
	}
	if len(refused) != 4 || live.Flag("a").Active || live.Flag("e").Active || !live.Flag("b").Active {
		t.Errorf("refused %v; a active %v, b %v, e %v", refused, live.Flag("a").Active, live.Flag("b").Active, live.Flag("e").Active)
	}
	if eff["b"] != nil || eff["c"] != nil || eff["a"] == nil || *eff["a"].Active || eff["e"] == nil || eff["missing"] != nil {
		t.Errorf("effective patches %v", eff)
	}
}

// BenchmarkApplyLive10000 applies a decoded live state of 10,000 flags
// (benchSpec's), as a full reload does after decoding; Cycle adds a
// depends_on patch to every other flag and one cycle to refuse.
func BenchmarkApplyLive10000(b *testing.B) {
	s, raw := benchSpec(b, 10000)
	for _, tc := range []struct {
		name  string
		cycle bool
	}{{"NoDeps", false}, {"Cycle", true}} {
		b.Run(tc.name, func(b *testing.B) {
			in := maps.Clone(raw)
			if tc.cycle {
				for i := 1; i < len(s.Flags); i += 2 {
					in[s.Flags[i].Name] = fmt.Appendf(nil, `{"depends_on": [%q]}`, s.Flags[i-1].Name)
				}
				in[s.Flags[0].Name] = fmt.Appendf(nil, `{"depends_on": [%q]}`, s.Flags[1].Name)
			}
			patches, errs := DecodePatches(s, in)
			if errs != nil {
				b.Fatal(errs)
			}
			b.ReportAllocs()
			for b.Loop() {
				if live := s.ApplyLive(patches); tc.cycle != (len(live.Refused()) == 2) {
					b.Fatalf("refused %v", live.Refused())
				}
			}
		})
	}
}
