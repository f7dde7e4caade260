package generated_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/flaggen/flaggen/generated/demo"
	"github.com/flaggen/flaggen/generated/demofuncs"
	"github.com/flaggen/flaggen/runtime"
)

// demoContexts are the contexts the funcs tests evaluate the demo spec for:
// the empty context, and contexts that match and miss its targeting.
var demoContexts = []demo.Context{
	{},
	{UserID: 42, Region: "US", AccountType: demo.AccountTypePremium, BetaProgram: true, Device: demo.DeviceIos, AppVersion: "2.4.0", CartTotal: 80},
	{UserID: 7, Region: "RO", AccountType: demo.AccountTypeFree, Device: demo.DeviceAndroid, AppVersion: "1.0.0"},
	{UserID: 123456, Region: "US", AccountType: demo.AccountTypePremium, Device: demo.DeviceWeb, AppVersion: "3.0.0", CartTotal: 10},
}

// funcsContext is c as the demofuncs Context (same spec, same fields, and
// the same numbering of each enum's constants).
func funcsContext(c demo.Context) *demofuncs.Context {
	return &demofuncs.Context{UserID: c.UserID, Region: c.Region, AccountType: demofuncs.AccountType(c.AccountType), BetaProgram: c.BetaProgram,
		Device: demofuncs.Device(c.Device), AppVersion: c.AppVersion, CartTotal: c.CartTotal}
}

// TestFuncsEqualMethods evaluates every flag of the demo spec through the
// methods of package demo and the functions of package demofuncs (the same
// spec generated with -accessors=funcs), each flag also through Explain and
// its handle, and its strategy factories, for several contexts: the two
// styles must agree on every value.
func TestFuncsEqualMethods(t *testing.T) {
	m, f := demo.MustNew(), demofuncs.MustNew()
	defer m.Close()
	defer f.Close()
	ctx := context.Background()
	mFac, err := demo.NewSearchServiceFactory(m, demo.SearchServiceImpls[string]{New: "new", Old: "old"})
	if err != nil {
		t.Fatal(err)
	}
	fFac, err := demofuncs.NewSearchServiceFactory(f, demofuncs.SearchServiceImpls[string]{New: "new", Old: "old"})
	if err != nil {
		t.Fatal(err)
	}
	for i, dc := range demoContexts {
		c, fc := &dc, funcsContext(dc)
		for _, tc := range []struct {
			name           string
			method, funcs  any
			mExpl, fExpl   any
			mHandle, fName string
		}{
			{"advanced_search", m.AdvancedSearch(ctx, c), demofuncs.AdvancedSearch(f, ctx, fc),
				m.Explain(ctx, demo.AdvancedSearch, c).Value, f.Explain(ctx, demofuncs.AdvancedSearchFlag, fc).Value, demo.AdvancedSearch.Name(), demofuncs.AdvancedSearchFlag.Name()},
			{"checkout_button", m.CheckoutButton(ctx, c), demofuncs.CheckoutButton(f, ctx, fc),
				m.Explain(ctx, demo.CheckoutButton, c).Value, f.Explain(ctx, demofuncs.CheckoutButtonFlag, fc).Value, demo.CheckoutButton.Name(), demofuncs.CheckoutButtonFlag.Name()},
			{"discount_rate", m.DiscountRate(ctx, c), demofuncs.DiscountRate(f, ctx, fc),
				m.Explain(ctx, demo.DiscountRate, c).Value, f.Explain(ctx, demofuncs.DiscountRateFlag, fc).Value, demo.DiscountRate.Name(), demofuncs.DiscountRateFlag.Name()},
			//lint:ignore SA1019 both styles of the expired flag's accessor must agree too
			{"legacy_export", m.LegacyExport(ctx, c), demofuncs.LegacyExport(f, ctx, fc),
				m.Explain(ctx, demo.LegacyExport, c).Value, f.Explain(ctx, demofuncs.LegacyExportFlag, fc).Value, demo.LegacyExport.Name(), demofuncs.LegacyExportFlag.Name()},
			{"maintenance_mode", m.MaintenanceMode(ctx, c), demofuncs.MaintenanceMode(f, ctx, fc),
				m.Explain(ctx, demo.MaintenanceMode, c).Value, f.Explain(ctx, demofuncs.MaintenanceModeFlag, fc).Value, demo.MaintenanceMode.Name(), demofuncs.MaintenanceModeFlag.Name()},
			{"max_results", m.MaxResults(ctx, c), demofuncs.MaxResults(f, ctx, fc),
				m.Explain(ctx, demo.MaxResults, c).Value, f.Explain(ctx, demofuncs.MaxResultsFlag, fc).Value, demo.MaxResults.Name(), demofuncs.MaxResultsFlag.Name()},
			{"native_share", m.NativeShare(ctx, c), demofuncs.NativeShare(f, ctx, fc),
				m.Explain(ctx, demo.NativeShare, c).Value, f.Explain(ctx, demofuncs.NativeShareFlag, fc).Value, demo.NativeShare.Name(), demofuncs.NativeShareFlag.Name()},
			{"new_ui", m.NewUI(ctx, c), demofuncs.NewUI(f, ctx, fc),
				m.Explain(ctx, demo.NewUI, c).Value, f.Explain(ctx, demofuncs.NewUIFlag, fc).Value, demo.NewUI.Name(), demofuncs.NewUIFlag.Name()},
			{"search_engine", string(m.SearchEngine(ctx, c)), string(demofuncs.SearchEngine(f, ctx, fc)),
				m.Explain(ctx, demo.SearchEngine, c).Value, f.Explain(ctx, demofuncs.SearchEngineFlag, fc).Value, demo.SearchEngine.Name(), demofuncs.SearchEngineFlag.Name()},
			{"SearchServiceFactory.Get", mFac.Get(ctx, c), fFac.Get(ctx, fc), nil, nil, "", ""},
		} {
			if tc.method != tc.funcs {
				t.Errorf("context %d: %s: method %v, function %v", i, tc.name, tc.method, tc.funcs)
			}
			if tc.mExpl != tc.fExpl || fmt.Sprint(tc.fExpl) != fmt.Sprint(tc.funcs) && tc.fExpl != nil {
				t.Errorf("context %d: %s: Explain %v (methods) and %v (funcs), function %v", i, tc.name, tc.mExpl, tc.fExpl, tc.funcs)
			}
			if tc.mHandle != tc.fName || tc.fName != "" && tc.fName != tc.name {
				t.Errorf("%s: handle names %q (methods) and %q (funcs)", tc.name, tc.mHandle, tc.fName)
			}
		}
	}
}

// TestFuncsToggleAs pins flags of a funcs-mode package through their
// handles (NewUIFlag): the functions, a factory and Explain see the pins,
// a hook sees the ctx passed, and the pins end with the test.
func TestFuncsToggleAs(t *testing.T) {
	r := &recorder{}
	f := demofuncs.MustNew(runtime.WithHook(r))
	defer f.Close()
	ctx := context.WithValue(context.Background(), ctxKey{}, "mine")
	c := funcsContext(demoContexts[2]) // new_ui off: not premium
	if demofuncs.NewUI(f, ctx, c) {
		t.Fatal("new_ui is on for a free account before the pin")
	}
	if seen := r.take(); len(seen) != 1 || seen[0].mark != "mine" || seen[0].e.Flag != "new_ui" {
		t.Errorf("hook saw %+v, want new_ui's evaluation with the ctx passed", seen)
	}
	t.Run("pinned", func(t *testing.T) {
		runtime.ToggleAs(t, f, demofuncs.NewUIFlag, true)
		runtime.ToggleAs(t, f, demofuncs.SearchEngineFlag, demofuncs.SearchEngineHybrid)
		runtime.ToggleAs(t, f, demofuncs.AdvancedSearchFlag, false)
		r.take()
		if !demofuncs.NewUI(f, ctx, c) || demofuncs.SearchEngine(f, ctx, c) != demofuncs.SearchEngineHybrid {
			t.Error("pins not applied to the functions")
		}
		fac, err := demofuncs.NewSearchServiceFactory(f, demofuncs.SearchServiceImpls[string]{New: "new", Old: "old"})
		if err != nil {
			t.Fatal(err)
		}
		if got := fac.Get(ctx, c); got != "old" {
			t.Errorf("factory Get = %q with advanced_search pinned off, want old", got)
		}
		if v := f.Explain(ctx, demofuncs.NewUIFlag, c).Value; v != true {
			t.Errorf("Explain(NewUIFlag).Value = %v, want true", v)
		}
		seen := r.take()
		if len(seen) != 4 {
			t.Fatalf("hook saw %d evaluations, want 4", len(seen))
		}
		for _, s := range seen {
			if s.mark != "mine" || s.e.Step != "pinned" {
				t.Errorf("hook saw %s with mark %v, step %q: want the ctx passed, step pinned", s.e.Flag, s.mark, s.e.Step)
			}
		}
	})
	if demofuncs.NewUI(f, ctx, c) {
		t.Error("new_ui still pinned on after the subtest")
	}
}

// TestFuncsAllocs: the functions allocate nothing, like the methods, on a
// constant flag and on a rollout.
func TestFuncsAllocs(t *testing.T) {
	f := demofuncs.MustNew()
	defer f.Close()
	ctx := context.Background()
	c := funcsContext(demoContexts[1])
	for name, eval := range map[string]func(){
		"MaintenanceMode": func() { sinkBool = demofuncs.MaintenanceMode(f, ctx, c) },
		"NewUI":           func() { sinkBool = demofuncs.NewUI(f, ctx, c) },
		"CheckoutButton":  func() { sinkString = demofuncs.CheckoutButton(f, ctx, c) },
		"SearchEngine":    func() { sinkString = string(demofuncs.SearchEngine(f, ctx, c)) },
	} {
		if n := testing.AllocsPerRun(100, eval); n != 0 {
			t.Errorf("%s: %v allocs per call, want 0", name, n)
		}
	}
}
