package promhook_test

import (
	"context"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/flaggen/flaggen/generated/demo"
	"github.com/flaggen/flaggen/runtime"
	"github.com/flaggen/flaggen/runtime/hooks/promhook"
)

// TestCounts evaluates flags from several goroutines (run it with -race)
// and compares the collected counters with the evaluations made.
func TestCounts(t *testing.T) {
	evals := promhook.New(demo.Spec)
	reg := prometheus.NewPedanticRegistry()
	reg.MustRegister(evals)
	f := demo.MustNew(runtime.WithHook(evals))
	defer f.Close()
	runtime.ToggleAs(t, f, demo.NewUI, true)

	const workers, each = 4, 50
	var mu sync.Mutex
	buttons := map[string]int{}
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			ctx := context.Background()
			for i := range each {
				c := &demo.Context{UserID: int64(1 + w*each + i), Region: "US"}
				b := f.CheckoutButton(ctx, c)
				f.MaintenanceMode(ctx, c)
				f.NewUI(ctx, c)
				mu.Lock()
				buttons[b]++
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	f.Runtime().Evaluate(context.Background(), "no_such_flag", nil)

	n := workers * each
	var want strings.Builder
	want.WriteString(`# HELP flaggen_flag_evaluations_total Flag evaluations by flag, variant served and OpenFeature reason.
# TYPE flaggen_flag_evaluations_total counter
`)
	for _, b := range []string{"blue", "green"} {
		if buttons[b] > 0 {
			want.WriteString(`flaggen_flag_evaluations_total{flag="checkout_button",reason="SPLIT",variant="` + b + `"} ` + strconv.Itoa(buttons[b]) + "\n")
		}
	}
	want.WriteString(`flaggen_flag_evaluations_total{flag="maintenance_mode",reason="DISABLED",variant="off"} ` + strconv.Itoa(n) + "\n")
	want.WriteString(`flaggen_flag_evaluations_total{flag="new_ui",reason="STATIC",variant=""} ` + strconv.Itoa(n) + "\n")
	want.WriteString(`# HELP flaggen_flag_unknown_evaluations_total Evaluations of flag names the spec lacks.
# TYPE flaggen_flag_unknown_evaluations_total counter
flaggen_flag_unknown_evaluations_total 1
`)
	if err := testutil.GatherAndCompare(reg, strings.NewReader(want.String())); err != nil {
		t.Error(err)
	}
	if buttons["blue"] == 0 || buttons["green"] == 0 {
		t.Errorf("checkout_button served %v: want both variants among %d users", buttons, n)
	}
}

// TestDoesNotAllocate checks that counting an evaluation allocates nothing
// once its counter is resolved.
func TestDoesNotAllocate(t *testing.T) {
	evals := promhook.New(demo.Spec)
	f := demo.MustNew(runtime.WithHook(evals))
	defer f.Close()
	ctx := context.Background()
	c := &demo.Context{UserID: 42, Region: "US"}
	f.CheckoutButton(ctx, c)
	f.NewUI(ctx, c)
	if n := testing.AllocsPerRun(100, func() { f.CheckoutButton(ctx, c); f.NewUI(ctx, c) }); n != 0 {
		t.Errorf("%v allocs per evaluation, want 0", n)
	}
	if got := testutil.CollectAndCount(evals, "flaggen_flag_evaluations_total"); got != 2 {
		t.Errorf("collected %d series, want 2 (one per flag evaluated)", got)
	}
}
