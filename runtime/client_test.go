package runtime

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/flaggen/flaggen/internal/spec"
)

// seedModel is testdata/seed/flags.json built by hand.
func seedModel(t testing.TB) *spec.Spec {
	t.Helper()
	data, err := os.ReadFile("../testdata/seed/flags.json")
	if err != nil {
		t.Fatal(err)
	}
	var doc struct{ Flags map[string]map[string]any }
	if err := json.Unmarshal(data, &doc); err != nil {
		t.Fatal(err)
	}
	return handModel(t, doc.Flags)
}

// seedCtx mirrors what generated code does: a typed struct whose zero
// fields are absent attributes, turned into a stack array of Values.
type seedCtx struct {
	UserID      int64
	Region      string
	AccountType string
	BetaProgram bool
}

func (c *seedCtx) flagAttrs() (a [4]Value) {
	if c.UserID != 0 {
		a[0] = Int(c.UserID)
	}
	if c.Region != "" {
		a[1] = String(c.Region)
	}
	if c.AccountType != "" {
		a[2] = String(c.AccountType)
	}
	if c.BetaProgram {
		a[3] = Bool(true)
	}
	return
}

// accessor is what a generated bool accessor does.
func accessor(c *Client, i int, ctx context.Context, x seedCtx) bool {
	if v, ok := c.constBool(i); ok {
		return v
	}
	a := x.flagAttrs()
	return c.evalBool(i, a[:])
}

func TestHotPathNoAllocs(t *testing.T) {
	m := seedModel(t)
	m.Flags = append(m.Flags, &spec.Flag{Name: "zz_variant", GoName: "ZzVariant", Type: spec.String, Active: true, DefaultVariant: "blue", Default: "blue",
		Variants: []*spec.Variant{{Name: "blue", Value: "blue", Weight: 50}, {Name: "green", Value: "green", Weight: 50}},
		Rules:    []*spec.Rule{{Attribute: "region", Operator: "matches", Values: []any{"^U"}}}})
	m.Flags[2].Index = 2
	c := newTestClient(t, m)
	ctx := context.Background()
	x := seedCtx{UserID: 5, Region: "US", AccountType: "premium", BetaProgram: true}
	var sink bool
	var ssink string
	n := testing.AllocsPerRun(1000, func() {
		x.UserID++
		sink = accessor(c, 0, ctx, x) != accessor(c, 1, ctx, x)
		a := x.flagAttrs()
		ssink = c.evalString(2, a[:])
	})
	if n != 0 {
		t.Fatalf("evaluation allocates %v times per run", n)
	}
	_, _ = sink, ssink
}

// TestEvaluateWhileSwapping runs evaluations while live changes and pins
// swap snapshots; run with -race.
func TestEvaluateWhileSwapping(t *testing.T) {
	c := newTestClient(t, seedModel(t))
	ctx := context.Background()
	stop := make(chan struct{})
	var evals, writers sync.WaitGroup
	for g := 0; g < 3; g++ {
		evals.Add(1)
		go func() {
			defer evals.Done()
			x := seedCtx{UserID: int64(g), Region: "US", AccountType: "premium", BetaProgram: true}
			for {
				select {
				case <-stop:
					return
				default:
				}
				x.UserID++
				accessor(c, 0, ctx, x)
				accessor(c, 1, ctx, x)
				c.explain(1, nil)
				c.EvaluateAll(ctx, nil)
			}
		}()
	}
	// Live changes, ToggleAs pins and plain rebuilds all swap snapshots
	// while the evaluators run.
	errs := make(chan error, 3)
	writers.Add(3)
	go func() {
		defer writers.Done()
		for i := range 100 {
			patch := fmt.Sprintf(`{"percentage_rollout": %d, "active": %t}`, i%101, i%3 != 0)
			if err := c.Set(ctx, "new_ui", json.RawMessage(patch), "race", "test"); err != nil {
				errs <- err
				return
			}
		}
	}()
	go func() {
		defer writers.Done()
		for i := range 100 {
			tb := &fakeTB{name: fmt.Sprintf("TestPin%d", i)}
			ToggleNameAs(tb, c, "advanced_search", i%2 == 0)
			if tb.fatal != "" {
				errs <- errors.New(tb.fatal)
				return
			}
			tb.done()
		}
	}()
	go func() {
		defer writers.Done()
		for range 100 {
			c.mu.Lock()
			err := c.rebuildLocked()
			c.mu.Unlock()
			if err != nil {
				errs <- err
				return
			}
		}
	}()
	writers.Wait()
	close(stop)
	evals.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	// The last write wins everywhere: new_ui off, so advanced_search (which
	// depends on it) is off too, and no pin is left behind.
	if err := c.Set(ctx, "new_ui", json.RawMessage(`{"active": false}`), "race", "final"); err != nil {
		t.Fatal(err)
	}
	x := seedCtx{UserID: 123, Region: "US", AccountType: "premium", BetaProgram: true}
	if accessor(c, 1, ctx, x) || accessor(c, 0, ctx, x) {
		t.Fatal("after the final write new_ui or advanced_search is still on")
	}
}

func TestConstFolding(t *testing.T) {
	future := time.Now().Add(time.Hour)
	past := time.Now().Add(-time.Hour)
	pct := 50.0
	cases := []struct {
		name      string
		f         spec.Flag
		env       string
		wantConst bool
		wantVal   bool
		wantStep  string
	}{
		{"inactive", spec.Flag{Active: false, Regions: []string{"US"}}, "production", true, false, "active"},
		{"active alone", spec.Flag{Active: true}, "production", true, true, "targeting"},
		{"users alone", spec.Flag{Active: true, Users: spec.IntIDs(1)}, "production", true, true, "targeting"},
		{"env mismatch", spec.Flag{Active: true, Environments: []string{"dev"}, Regions: []string{"US"}}, "production", true, false, "environments"},
		{"env match", spec.Flag{Active: true, Environments: []string{"production"}}, "production", true, true, "targeting"},
		{"future activation", spec.Flag{Active: true, ActivationDate: &future}, "production", true, false, "activation_date"},
		{"past activation", spec.Flag{Active: true, ActivationDate: &past}, "production", true, true, "targeting"},
		{"regions", spec.Flag{Active: true, Regions: []string{"US"}}, "production", false, false, ""},
		{"rollout", spec.Flag{Active: true, PercentageRollout: &pct}, "production", false, false, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			f := tc.f
			f.Name, f.Type = "f", spec.Bool
			m := &spec.Spec{Context: seedContext(), Flags: []*spec.Flag{&f}}
			m.Key = m.Context[0]
			s := mustBuild(t, m, tc.env, time.Now(), nil)
			cb, isConst := s.ConstBool(0)
			if isConst != tc.wantConst {
				t.Fatalf("isConst = %v, want %v", isConst, tc.wantConst)
			}
			if !tc.wantConst {
				return
			}
			if cb != tc.wantVal {
				t.Errorf("value = %v, want %v", cb, tc.wantVal)
			}
			if e := explainIn(s, 0, nil); e.Step != tc.wantStep {
				t.Errorf("step = %q (%s), want %q", e.Step, e.Reason, tc.wantStep)
			}
		})
	}
}

func TestDependencyFolding(t *testing.T) {
	m := handModel(t, map[string]map[string]any{
		"off":  {"active": false},
		"on":   {"active": true},
		"dyn":  {"active": true, "regions": []any{"US"}},
		"a":    {"active": true, "depends_on": []any{"off"}},
		"b":    {"active": true, "depends_on": []any{"on"}},
		"c":    {"active": true, "depends_on": []any{"on", "dyn"}},
		"dev":  {"active": true, "environments": []any{"dev"}},
		"devd": {"active": true, "depends_on": []any{"dev"}},
	})
	sp := newSpec(m)
	for _, env := range []string{"production", "dev"} {
		s := mustBuild(t, m, env, time.Now(), nil)
		get := func(n string) (v, ok bool) { return s.ConstBool(sp.byName[n]) }
		if v, ok := get("a"); !ok || v {
			t.Errorf("%s: a (depends on an off flag) not constant off", env)
		}
		if v, ok := get("b"); !ok || !v {
			t.Errorf("%s: b (depends on an on flag) not constant on", env)
		}
		// c keeps only its context-dependent dependency: on in the US when
		// dyn is, off elsewhere.
		if _, ok := get("c"); ok {
			t.Errorf("%s: c (depends on a context-dependent flag) constant", env)
		}
		if us, fr := []Value{Value{}, String("US")}, []Value{Value{}, String("FR")}; !s.Bool(sp.byName["c"], engineValues(us)) || s.Bool(sp.byName["c"], engineValues(fr)) {
			t.Errorf("%s: c does not follow dyn", env)
		}
		// The dependency is evaluated in the caller's environment.
		if v, ok := get("devd"); !ok || v != (env == "dev") {
			t.Errorf("%s: devd = %v, want %v", env, v, env == "dev")
		}
		e := explainIn(s, sp.byName["a"], nil)
		if e.Reason != "depends_on: off is off" {
			t.Errorf("explain a: %q", e.Reason)
		}
	}
}

func TestExplainReasons(t *testing.T) {
	m := handModel(t, map[string]map[string]any{
		"new_ui":  {"active": true, "regions": []any{"US", "RO"}, "percentage_rollout": 90.0, "users": []any{123.0}},
		"later":   {"active": true, "activation_date": "2030-06-01"},
		"search":  {"active": true, "depends_on": []any{"new_ui"}},
		"betaish": {"active": true, "beta_program": true},
	})
	c := newTestClient(t, m, WithClock(func() time.Time { return time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC) }))
	ctx := context.Background()
	// Find a user whose new_ui bucket is ≥ 90.
	var uid int64
	for uid = 1; bucketInt(uid, "new_ui") < 90; uid++ {
	}
	cases := []struct {
		flag string
		ctx  map[string]any
		want string
	}{
		{"new_ui", map[string]any{"user_id": int(uid), "region": "US"}, "rollout: bucket " + strconv.Itoa(bucketInt(uid, "new_ui")) + " ≥ 90"},
		{"new_ui", map[string]any{"user_id": 123, "region": "FR"}, "users: user_id 123 is allow-listed"},
		{"new_ui", map[string]any{"user_id": 5, "region": "FR"}, `regions: region in ["US", "RO"] fails (region is "FR")`},
		{"new_ui", map[string]any{"user_id": 5}, `regions: region in ["US", "RO"] fails (region is absent)`},
		{"new_ui", map[string]any{}, "empty context: on for everyone who passes steps 1–6"},
		{"later", map[string]any{"user_id": 5}, "activation_date 2030-06-01T00:00:00Z not reached"},
		{"search", map[string]any{"user_id": int(uid), "region": "US"}, "depends_on: new_ui is off"},
		{"betaish", map[string]any{"user_id": 5}, "beta_program: beta_program is true fails (beta_program is absent)"},
		{"nope", nil, `flag "nope" is not in the spec: off`},
	}
	for _, tc := range cases {
		e := c.ExplainName(ctx, tc.flag, attrs(tc.ctx))
		if e.Reason != tc.want {
			t.Errorf("%s %v: reason %q, want %q", tc.flag, tc.ctx, e.Reason, tc.want)
		}
	}
}
