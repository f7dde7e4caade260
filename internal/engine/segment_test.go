package engine

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/flaggen/flaggen/internal/spec"
)

// segContext is the context of the segment tests: attribute order user_id,
// region, account_type, beta_program, plan.
const segContext = `"context": {"user_id": {"type": "int", "key": true}, "region": {"type": "string"},
  "account_type": {"type": "string"}, "beta_program": {"type": "bool"}, "plan": {"type": "int"}}`

// never is a rule no context passes: a segment that matches nobody,
// written out.
var never = map[string]any{"attribute": "region", "operator": "in", "values": []any{"never"}}

func buildSpec(t *testing.T, src string) (*spec.Spec, *Snapshot) {
	t.Helper()
	m, err := spec.Parse("seg.json", []byte(src))
	if err != nil {
		t.Fatalf("%v\n%s", err, src)
	}
	s, err := Build(Input{Base: m, ByName: byName(m), Live: m, Env: "production", Now: time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)})
	if err != nil {
		t.Fatal(err)
	}
	return m, s
}

// TestSegmentsDifferential: a flag that lists a segment evaluates exactly
// like the same flag with the segment's checks written out in it, for
// random segments, flags and contexts: like flag "inline" (its checks
// added to the flag's) for a context whose key is in neither list, like
// flag "none" (no segment) when the key is included, and like flag
// "never" (a check nobody passes) when it is excluded. The flags share
// one salt, so they bucket alike.
func TestSegmentsDifferential(t *testing.T) {
	rng := rand.New(rand.NewPCG(16, 2))
	pick := func(vals ...any) any { return vals[rng.IntN(len(vals))] }
	for round := range 300 {
		seg := map[string]any{}
		if rng.IntN(2) == 0 {
			seg["regions"] = [][]string{{"US"}, {"US", "RO"}, {}}[rng.IntN(3)]
		}
		if rng.IntN(2) == 0 {
			seg["account_types"] = []string{pick("free", "premium").(string)}
		}
		if rng.IntN(3) == 0 {
			seg["beta_program"] = rng.IntN(2) == 0
		}
		if rng.IntN(2) == 0 {
			seg["rules"] = []any{map[string]any{"attribute": "plan", "operator": pick("gt", "lte", "eq").(string), "values": []any{rng.IntN(4)}}}
		}
		include, exclude := []int64{}, []int64{}
		for id := range int64(12) {
			switch rng.IntN(5) {
			case 0:
				include = append(include, id)
			case 1:
				exclude = append(exclude, id)
			}
		}
		if rng.IntN(3) > 0 {
			seg["include"] = include
		}
		if rng.IntN(3) > 0 {
			seg["exclude"] = exclude
		}
		own := map[string]any{"active": true, "salt": "s"}
		if rng.IntN(2) == 0 {
			own["regions"] = []string{"US", "DE"}
		}
		switch rng.IntN(3) {
		case 0:
			own["percentage_rollout"] = rng.IntN(101)
		case 1:
			own["type"], own["default"] = "string", "a"
			own["variants"] = map[string]any{"a": 30, "b": 70}
		}
		with := func(extra map[string]any, rules ...any) map[string]any {
			f := map[string]any{}
			for k, v := range own {
				f[k] = v
			}
			for k, v := range extra {
				f[k] = v
			}
			if len(rules) > 0 {
				f["rules"] = rules
			}
			return f
		}
		inline := map[string]any{}
		var inlineRules []any
		for k, v := range seg {
			switch k {
			case "include", "exclude":
			case "rules":
				inlineRules = append(inlineRules, v.([]any)...)
			case "regions":
				if _, clash := own["regions"]; clash {
					// Both must pass: the intersection of the lists.
					var both []string
					for _, r := range v.([]string) {
						if slices.Contains(own["regions"].([]string), r) {
							both = append(both, r)
						}
					}
					inline[k] = append([]string{}, both...)
					continue
				}
				inline[k] = v
			default:
				inline[k] = v
			}
		}
		if bp, ok := inline["beta_program"]; ok && !bp.(bool) {
			delete(inline, "beta_program") // false checks nothing
		}
		doc := map[string]any{
			"segments": map[string]any{"seg": seg},
			"flags": map[string]any{
				"flag":   with(map[string]any{"segments": []string{"seg"}}),
				"inline": with(inline, inlineRules...),
				"none":   with(nil),
				"never":  with(nil, never),
			},
		}
		body, err := json.Marshal(doc)
		if err != nil {
			t.Fatal(err)
		}
		src := "{" + segContext + "," + string(body[1:])
		m, s := buildSpec(t, src)
		g := m.Segment("seg")
		fi, ii, ni, xi := m.Flag("flag").Index, m.Flag("inline").Index, m.Flag("none").Index, m.Flag("never").Index
		if !g.Targets() {
			ii = xi // a segment that targets nothing matches only its include list
		}
		for range 60 {
			a := make([]Value, 5)
			if rng.IntN(8) > 0 {
				a[0] = Int(rng.Int64N(14))
			}
			if r := pick("US", "RO", "DE", ""); r != "" {
				a[1] = String(r.(string))
			}
			if at := pick("free", "premium", ""); at != "" {
				a[2] = String(at.(string))
			}
			if rng.IntN(3) > 0 {
				a[3] = Bool(rng.IntN(2) == 0)
			}
			if rng.IntN(4) > 0 {
				a[4] = Int(rng.Int64N(5))
			}
			want := ii
			if a[0].kind == kindInt {
				switch id := int64(a[0].n); {
				case g.Include != nil && g.Include.HasInt(id):
					want = ni
				case g.Exclude != nil && g.Exclude.HasInt(id):
					want = xi
				}
			}
			got, exp := s.Decide(fi, a), s.Decide(want, a)
			if !got.Value.Equal(exp.Value) {
				_, _, step, reason := s.Explain(fi, a)
				_, _, wstep, wreason := s.Explain(want, a)
				t.Fatalf("round %d: context %v: flag = %v (%s: %s), written out (%s) = %v (%s: %s)\n%s",
					round, a, got.Value.Any(), step, reason, m.Flags[want].Name, exp.Value.Any(), wstep, wreason, src)
			}
		}
	}
}

// TestSegmentsExplain: the explanation names the segment that decided,
// and how.
func TestSegmentsExplain(t *testing.T) {
	src := `{` + segContext + `,
  "segments": {
    "eu": {"regions": ["RO", "DE"], "include": [7], "exclude": [8]},
    "pro": {"account_types": ["premium"], "segments": ["eu"]},
    "staff": {"include": [1]},
    "empty": {"segments": []}
  },
  "flags": {
    "empty": {"active": true, "segments": ["empty"]},
    "f": {"active": true, "segments": ["staff", "eu"]},
    "g": {"active": true, "segments": ["pro"], "percentage_rollout": 100},
    "none": {"active": true, "segments": []}
  }
}`
	m, s := buildSpec(t, src)
	ctx := func(id int64, region, at string) []Value {
		a := make([]Value, 5)
		if id != 0 {
			a[0] = Int(id)
		}
		if region != "" {
			a[1] = String(region)
		}
		if at != "" {
			a[2] = String(at)
		}
		return a
	}
	for _, tc := range []struct {
		flag      string
		a         []Value
		value     bool
		step, why string
		segment   string
	}{
		{"f", ctx(7, "US", ""), true, "targeting", "every targeting check passes; segment eu: user_id 7 is included", "eu"},
		{"f", ctx(1, "US", ""), true, "targeting", "every targeting check passes; segment staff: user_id 1 is included", "staff"},
		{"f", ctx(9, "RO", ""), true, "targeting", "every targeting check passes; segment eu: every targeting check passes", "eu"},
		{"f", ctx(8, "RO", ""), false, "segments", "segments: in none of staff (targets nothing but its include list, which lacks user_id 8), eu (user_id 8 is excluded)", ""},
		{"f", ctx(9, "US", ""), false, "segments", `segments: in none of staff (targets nothing but its include list, which lacks user_id 9), eu (regions: region in ["RO", "DE"] fails (region is "US"))`, ""},
		{"f", ctx(0, "US", ""), false, "segments", `segments: in none of staff (targets nothing but its include list, and user_id is absent), eu (regions: region in ["RO", "DE"] fails (region is "US"))`, ""},
		{"g", ctx(9, "DE", "premium"), true, "rollout", "rollout: bucket 1 < 100; segment pro: every targeting check passes, and it is in segment eu", "pro"},
		{"g", ctx(9, "US", "premium"), false, "segments", "segments: in none of pro (in none of its segments eu)", ""},
		{"none", ctx(9, "US", ""), false, "segments", "segments: in none of its segments (it lists none)", ""},
		{"empty", ctx(9, "US", ""), false, "segments", "segments: in none of empty (in none of its segments (it lists none))", ""},
	} {
		i := m.Flag(tc.flag).Index
		_, value, step, why := s.Explain(i, tc.a)
		if value != tc.value || step != tc.step || why != tc.why {
			t.Errorf("%s %v: %v, %s, %q\n  want %v, %s, %q", tc.flag, tc.a, value, step, why, tc.value, tc.step, tc.why)
		}
		if d := s.Decide(i, tc.a); d.Segment != tc.segment || d.Step != tc.step {
			t.Errorf("%s %v: Decide segment %q step %q, want %q %q", tc.flag, tc.a, d.Segment, d.Step, tc.segment, tc.step)
		}
	}
	// Evaluating a flag with segments allocates nothing.
	a := ctx(9, "DE", "premium")
	if n := testing.AllocsPerRun(100, func() { s.Bool(m.Flag("g").Index, a) }); n != 0 {
		t.Errorf("%v allocs per evaluation, want 0", n)
	}
	// An empty context is on at step 7, before the segments.
	if _, v, step, _ := s.Explain(m.Flag("f").Index, make([]Value, 5)); v != true || step != "empty_context" {
		t.Errorf("empty context: %v at %s", v, step)
	}
}

// TestSegmentChangeRecompiles: a live change of a segment reaches the
// flags that list it when a snapshot is built from the previous one.
func TestSegmentChangeRecompiles(t *testing.T) {
	src := `{` + segContext + `,
  "segments": {"eu": {"regions": ["RO"]}, "x": {"segments": ["eu"]}},
  "flags": {"f": {"active": true, "segments": ["x"]}, "g": {"active": true}}
}`
	m, prev := buildSpec(t, src)
	a := []Value{Int(5), String("US"), {}, {}, {}}
	if prev.Bool(0, a) {
		t.Fatal("f on for US before the change")
	}
	live := *m
	live.Segments = slices.Clone(m.Segments)
	eu := *m.Segment("eu")
	eu.Regions = []string{"RO", "US"}
	live.Segments[0] = &eu
	next, err := Build(Input{Base: m, ByName: byName(m), Live: &live, Env: "production", Prev: prev, Now: time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)})
	if err != nil {
		t.Fatal(err)
	}
	if !next.Bool(0, a) {
		_, _, _, why := next.Explain(0, a)
		t.Fatalf("f off for US after the change: %s", why)
	}
	if next.flags[1].ccomp != prev.flags[1].ccomp {
		t.Error("g, which lists no segment, was compiled again")
	}
	if !strings.Contains(fmt.Sprint(next.segs["x"].segs[0].rules[0].describe()), "US") {
		t.Error("segment x does not see eu's change")
	}
}

// diamondSpec returns a spec of levels levels of segments a_i and b_i,
// each with a passing rule and naming both of the next level; the last
// level's segments fail. Flag f lists a_0.
func diamondSpec(levels int) string {
	var b strings.Builder
	b.WriteString(`{` + segContext + `, "segments": {`)
	for i := range levels {
		for _, n := range []string{"a", "b"} {
			if i > 0 || n == "b" {
				b.WriteString(",")
			}
			if i == levels-1 {
				fmt.Fprintf(&b, `"%s_%d": {"regions": ["never"]}`, n, i)
				continue
			}
			fmt.Fprintf(&b, `"%s_%d": {"regions": ["DE"], "segments": ["a_%d", "b_%d"]}`, n, i, i+1, i+1)
		}
	}
	b.WriteString(`}, "flags": {"f": {"active": true, "segments": ["a_0"]}}}`)
	return b.String()
}

// TestSegmentsDiamond: segments shared through a diamond of nested
// segments are evaluated once per evaluation, not once per path (2^levels).
func TestSegmentsDiamond(t *testing.T) {
	a := []Value{Int(9), String("DE"), {}, {}, {}}
	for _, levels := range []int{26, 600} { // 600: more segments than segMemo holds inline
		m, s := buildSpec(t, diamondSpec(levels))
		c := s.flags[m.Flag("f").Index].ccomp
		var memo segMemo
		memo.init(c.nseg)
		if k, _ := c.matchSegmentsMemo(a, &a[0], &memo); k != -1 {
			t.Fatalf("%d levels: matched segment %d, want none", levels, k)
		}
		if memo.evals != 2*levels-1 {
			t.Errorf("%d levels: %d segment evaluations, want %d (each segment reached once)", levels, memo.evals, 2*levels-1)
		}
		if s.Bool(m.Flag("f").Index, a) {
			t.Errorf("%d levels: f on, want off: the last level fails", levels)
		}
		if _, _, _, why := s.Explain(m.Flag("f").Index, a); !strings.Contains(why, "in none of its segments a_1, b_1") {
			t.Errorf("%d levels: explain: %s", levels, why)
		}
		if levels > 64*memoWords/2 {
			continue
		}
		if n := testing.AllocsPerRun(10, func() { s.Bool(m.Flag("f").Index, a) }); n != 0 {
			t.Errorf("%d levels: %v allocs per evaluation, want 0", levels, n)
		}
	}
}
