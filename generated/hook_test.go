package generated_test

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/flaggen/flaggen/generated/demo"
	"github.com/flaggen/flaggen/generated/seed"
	"github.com/flaggen/flaggen/runtime"
)

// ctxKey marks the context a test passes, so a hook can tell it is the one.
type ctxKey struct{}

// recorder is a Hook that keeps every Evaluation with the ctx's mark.
type recorder struct {
	mu   sync.Mutex
	seen []seenEval
}

type seenEval struct {
	mark any
	e    runtime.Evaluation
}

func (r *recorder) After(ctx context.Context, e runtime.Evaluation) {
	r.mu.Lock()
	r.seen = append(r.seen, seenEval{ctx.Value(ctxKey{}), e})
	r.mu.Unlock()
}

// take returns the evaluations seen since the last call.
func (r *recorder) take() []seenEval {
	r.mu.Lock()
	defer r.mu.Unlock()
	s := r.seen
	r.seen = nil
	return s
}

// TestHooksSeeEveryPath checks that a hook sees one evaluation, with the
// ctx passed, the flag, value, variant, reason and step, for each path:
// every accessor type, a factory's Get, Explain, Evaluate and ExplainName.
func TestHooksSeeEveryPath(t *testing.T) {
	r := &recorder{}
	f := demo.MustNew(runtime.WithHook(r))
	defer f.Close()
	ctx := context.WithValue(context.Background(), ctxKey{}, "mine")
	c := &demo.Context{UserID: 42, Region: "US", AccountType: demo.AccountTypePremium, BetaProgram: true, Device: demo.DeviceIos, AppVersion: "2.4.0", CartTotal: 80}
	fac, err := demo.NewSearchServiceFactory(f, demo.SearchServiceImpls[string]{New: "new", Old: "old"})
	if err != nil {
		t.Fatal(err)
	}
	vals, err := f.Runtime().Spec().ParseContext([]byte(`{"user_id": 42, "region": "US"}`))
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name      string
		eval      func() any
		flag      string
		reason    string
		step      string
		wantValue bool // the hook's Value equals what eval returned
	}{
		{"bool const", func() any { return f.MaintenanceMode(ctx, c) }, "maintenance_mode", "DISABLED", "active", true},
		{"bool rollout", func() any { return f.NewUI(ctx, c) }, "new_ui", "SPLIT", "rollout", true},
		{"bool rules", func() any { return f.NativeShare(ctx, c) }, "native_share", "TARGETING_MATCH", "targeting", true},
		{"string", func() any { return f.CheckoutButton(ctx, c) }, "checkout_button", "SPLIT", "variants", true},
		{"enum", func() any { return string(f.SearchEngine(ctx, c)) }, "search_engine", "SPLIT", "variants", true},
		{"int", func() any { return f.MaxResults(ctx, c) }, "max_results", "SPLIT", "variants", true},
		{"float", func() any { return f.DiscountRate(ctx, c) }, "discount_rate", "SPLIT", "variants", true},
		{"factory", func() any { return fac.Get(ctx, c) == "new" }, "advanced_search", "", "", true},
		{"Explain", func() any { return f.Explain(ctx, demo.NewUI, c).Value }, "new_ui", "SPLIT", "rollout", true},
		{"Evaluate", func() any { return f.Runtime().Evaluate(ctx, "checkout_button", vals) }, "checkout_button", "SPLIT", "variants", true},
		{"ExplainName", func() any { return f.Runtime().ExplainName(ctx, "max_results", vals).Value }, "max_results", "SPLIT", "variants", true},
		{"unknown", func() any { return f.Runtime().Evaluate(ctx, "no_such_flag", vals) }, "no_such_flag", "ERROR", "unknown", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := tc.eval()
			seen := r.take()
			if len(seen) != 1 {
				t.Fatalf("hook saw %d evaluations, want 1: %+v", len(seen), seen)
			}
			s := seen[0]
			if s.mark != "mine" {
				t.Errorf("hook's ctx is not the ctx passed (mark %v)", s.mark)
			}
			e := s.e
			if e.Flag != tc.flag {
				t.Errorf("Flag = %q, want %q", e.Flag, tc.flag)
			}
			if tc.reason != "" && (e.Reason != tc.reason || e.Step != tc.step) {
				t.Errorf("Reason, Step = %q, %q, want %q, %q", e.Reason, e.Step, tc.reason, tc.step)
			}
			if tc.flag == "no_such_flag" {
				if e.Index != -1 {
					t.Errorf("Index = %d, want -1", e.Index)
				}
			} else if names := f.Runtime().Spec().FlagNames(); e.Index < 0 || names[e.Index] != tc.flag {
				t.Errorf("Index = %d, not flag %q's", e.Index, tc.flag)
			}
			if tc.name != "factory" && e.Value.Any() != got {
				t.Errorf("hook's Value = %#v, accessor returned %#v", e.Value.Any(), got)
			}
			if tc.name == "factory" && e.Value.Any() != got {
				t.Errorf("hook's Value = %#v, factory picked New = %v", e.Value.Any(), got)
			}
			switch v := e.Value.Any().(type) {
			case bool:
				if want := map[bool]string{true: "on", false: "off"}[v]; tc.flag != "no_such_flag" && e.Variant != want {
					t.Errorf("Variant = %q, want %q", e.Variant, want)
				}
			case string:
				if e.Variant != v {
					t.Errorf("Variant = %q, want the value %q", e.Variant, v)
				}
			default:
				if e.Variant == "" {
					t.Errorf("Variant is empty for %v", v)
				}
			}
		})
	}
}

// TestHooksSeePinnedFlags checks that a flag pinned with ToggleAs is
// reported STATIC, with step "pinned", through its accessor, although a
// constant bool flag's accessor otherwise answers from its bound state.
func TestHooksSeePinnedFlags(t *testing.T) {
	r := &recorder{}
	f := demo.MustNew(runtime.WithHook(r))
	defer f.Close()
	runtime.ToggleAs(t, f, demo.MaintenanceMode, true)
	runtime.ToggleAs(t, f, demo.CheckoutButton, "green")
	ctx := context.Background()
	if !f.MaintenanceMode(ctx, nil) || f.CheckoutButton(ctx, nil) != "green" {
		t.Fatal("pins not applied")
	}
	seen := r.take()
	if len(seen) != 2 {
		t.Fatalf("hook saw %d evaluations, want 2", len(seen))
	}
	for _, s := range seen {
		if s.e.Reason != "STATIC" || s.e.Step != "pinned" {
			t.Errorf("%s: Reason, Step = %q, %q, want STATIC, pinned", s.e.Flag, s.e.Reason, s.e.Step)
		}
	}
	if v := seen[1].e.Variant; v != "" || seen[1].e.Value.Any() != "green" {
		t.Errorf("pinned string flag: Variant %q, Value %#v, want \"\", \"green\" (a pin picks a value, not a variant)", v, seen[1].e.Value.Any())
	}
}

// TestHooksRunInOrder checks that several hooks each see every evaluation,
// in registration order, and that a nil hook is refused.
func TestHooksRunInOrder(t *testing.T) {
	var order []string
	h := func(name string) runtime.Hook {
		return runtime.HookFunc(func(_ context.Context, e runtime.Evaluation) { order = append(order, name+":"+e.Flag) })
	}
	f := demo.MustNew(runtime.WithHook(h("a")), runtime.WithHook(h("b")))
	defer f.Close()
	f.NewUI(context.Background(), nil)
	if got := order; len(got) != 2 || got[0] != "a:new_ui" || got[1] != "b:new_ui" {
		t.Errorf("hooks ran as %q, want [a:new_ui b:new_ui]", got)
	}
	if _, err := demo.New(runtime.WithHook(nil)); err == nil {
		t.Error("New(WithHook(nil)) succeeded, want an error")
	}
}

// TestHooksConcurrent evaluates from several goroutines while a flag is
// pinned and unpinned, under -race, and checks that the hook counted each
// evaluation once.
func TestHooksConcurrent(t *testing.T) {
	var n atomic.Int64
	f := seed.MustNew(runtime.WithHook(runtime.HookFunc(func(context.Context, runtime.Evaluation) { n.Add(1) })))
	defer f.Close()
	const workers, each = 4, 500
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			ctx := context.Background()
			c := &seed.Context{Region: "US", AccountType: "premium", BetaProgram: true}
			for i := range each {
				c.UserID = benchIDs[(w*each+i)&1023]
				f.NewUI(ctx, c)
			}
		})
	}
	wg.Go(func() {
		for i := range 20 {
			runtime.ToggleNameAs(t, f, "new_ui", i%2 == 0) // snapshot swaps under the evaluations
		}
	})
	wg.Wait()
	if got := n.Load(); got != workers*each {
		t.Errorf("hook counted %d evaluations, want %d", got, workers*each)
	}
}

// TestHookedAccessorsDoNotAllocate pins 0 allocs/op with a hook that keeps
// nothing: building and passing the Evaluation allocates nothing.
func TestHookedAccessorsDoNotAllocate(t *testing.T) {
	if testing.Short() {
		t.Skip("short")
	}
	var n atomic.Int64
	hook := runtime.HookFunc(func(_ context.Context, e runtime.Evaluation) { n.Add(int64(len(e.Variant))) })
	df := demo.MustNew(runtime.WithHook(hook))
	defer df.Close()
	ctx := context.Background()
	dc := &demo.Context{Region: "US", AccountType: demo.AccountTypePremium, BetaProgram: true, Device: demo.DeviceIos, AppVersion: "2.4.0", CartTotal: 80}
	var i int
	paths := map[string]func(){
		"OnOff":   func() { sinkBool = df.MaintenanceMode(ctx, dc) },
		"NewUI":   func() { dc.UserID = benchIDs[i&1023]; sinkBool = df.NewUI(ctx, dc) },
		"Variant": func() { dc.UserID = benchIDs[i&1023]; sinkString = df.CheckoutButton(ctx, dc) },
		"Int":     func() { dc.UserID = benchIDs[i&1023]; _ = df.MaxResults(ctx, dc) },
		"Float":   func() { dc.UserID = benchIDs[i&1023]; _ = df.DiscountRate(ctx, dc) },
	}
	for name, fn := range paths {
		if a := testing.AllocsPerRun(200, func() { i++; fn() }); a != 0 {
			t.Errorf("%s: %v allocs per evaluation with a hook, want 0", name, a)
		}
	}
}

// countHook is the cheapest useful hook: it counts evaluations.
type countHook struct{ n atomic.Int64 }

func (h *countHook) After(context.Context, runtime.Evaluation) { h.n.Add(1) }

// BenchmarkHooks measures the cost of hooks per evaluation: the OnOff,
// NewUI and Variant paths of BenchmarkOnOff, BenchmarkNewUI and
// BenchmarkVariant with 0, 1 and 2 counting hooks, and with exposure
// counting (runtime.WithExposure) alone and with one hook. With none, each
// must match its plain benchmark (the OnOff path stays one atomic load).
func BenchmarkHooks(b *testing.B) {
	for _, cfg := range []struct {
		name     string
		hooks    int
		exposure bool
	}{{"hooks=0", 0, false}, {"hooks=1", 1, false}, {"hooks=2", 2, false}, {"exposure", 0, true}, {"exposure+hooks=1", 1, true}} {
		var opts []runtime.Option
		for range cfg.hooks {
			opts = append(opts, runtime.WithHook(&countHook{}))
		}
		if cfg.exposure {
			opts = append(opts, runtime.WithExposure())
		}
		name := cfg.name
		b.Run("OnOff/"+name, func(b *testing.B) {
			f := demo.MustNew(opts...)
			defer f.Close()
			ctx := context.Background()
			c := &demo.Context{UserID: 123, Region: "US", AccountType: demo.AccountTypePremium}
			b.ReportAllocs()
			for b.Loop() {
				sinkBool = f.MaintenanceMode(ctx, c)
			}
		})
		b.Run("NewUI/"+name, func(b *testing.B) {
			f := seed.MustNew(opts...)
			defer f.Close()
			ctx := context.Background()
			c := &seed.Context{Region: "US", AccountType: "premium", BetaProgram: true}
			b.ReportAllocs()
			for i := 0; b.Loop(); i++ {
				c.UserID = benchIDs[i&1023]
				sinkBool = f.NewUI(ctx, c)
			}
		})
		b.Run("Variant/"+name, func(b *testing.B) {
			f := demo.MustNew(opts...)
			defer f.Close()
			ctx := context.Background()
			c := &demo.Context{Region: "US"}
			b.ReportAllocs()
			for i := 0; b.Loop(); i++ {
				c.UserID = benchIDs[i&1023]
				sinkString = f.CheckoutButton(ctx, c)
			}
		})
	}
}
