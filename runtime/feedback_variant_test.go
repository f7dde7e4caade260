package runtime_test

import (
	"context"
	"log/slog"
	"strings"
	"testing"

	"github.com/redis/go-redis/v9"

	"github.com/flaggen/flaggen/generated/demo"
	"github.com/flaggen/flaggen/internal/demotest"
	"github.com/flaggen/flaggen/internal/redistest"
	"github.com/flaggen/flaggen/runtime"
)

// TestFeedbackVariantOverRedis collects feedback with the variant each
// user was served, over a real Redis: from the Explanation of the user's
// full context (one key, two regions, two variants), from an explicit
// variant, and without one (Collect, and an entry stored before variants
// were recorded); bad variants and flags are refused with nothing written.
// Another instance reads every entry back.
func TestFeedbackVariantOverRedis(t *testing.T) {
	srv := redistest.Start(t)
	ctx := context.Background()
	quiet := runtime.WithLogger(slog.New(slog.DiscardHandler))
	f := demotest.RedisFlags(t, srv.Addr(), "fb", quiet)
	other := demotest.RedisFlags(t, srv.Addr(), "fb", quiet)
	fc := runtime.NewFeedbackCollector(f.Runtime())

	// One user key, two regions: new_ui targets US, not DE.
	us := &demo.Context{UserID: 4242, Region: "US", AccountType: demo.AccountTypePremium, BetaProgram: true}
	de := &demo.Context{UserID: 4242, Region: "DE", AccountType: demo.AccountTypePremium, BetaProgram: true}
	eUS, eDE := f.Explain(ctx, demo.NewUI, us), f.Explain(ctx, demo.NewUI, de)
	if !f.NewUI(ctx, us) || f.NewUI(ctx, de) || eUS.Variant != "on" || eDE.Variant != "off" {
		t.Fatalf("new_ui for user 4242: US %v %q, DE %v %q: want on in US, off in DE", f.NewUI(ctx, us), eUS.Variant, f.NewUI(ctx, de), eDE.Variant)
	}
	if err := fc.CollectExplained(ctx, eUS, "4242", "love it"); err != nil {
		t.Fatal(err)
	}
	if err := fc.CollectExplained(ctx, eDE, "4242", "where is it?"); err != nil {
		t.Fatal(err)
	}
	if err := fc.Collect(ctx, demo.NewUI, "7", "no idea what I saw"); err != nil {
		t.Fatal(err)
	}
	// An entry written before entries carried a variant.
	rdb := redis.NewClient(&redis.Options{Addr: srv.Addr()})
	defer rdb.Close()
	if err := rdb.RPush(ctx, "flaggen:{fb}:feedback:new_ui", `{"time":"2025-01-01T00:00:00Z","user":"8","text":"old"}`).Err(); err != nil {
		t.Fatal(err)
	}
	eBtn := f.Explain(ctx, demo.CheckoutButton, us)
	if want := string(f.CheckoutButton(ctx, us)); eBtn.Variant != want {
		t.Fatalf("checkout_button: explanation's variant %q, accessor's %q", eBtn.Variant, want)
	}
	if err := fc.CollectVariant(ctx, demo.CheckoutButton, "green", "9", "greener"); err != nil {
		t.Fatal(err)
	}

	for _, bad := range []struct {
		do   func() error
		want string
	}{
		{func() error { return fc.CollectVariant(ctx, demo.CheckoutButton, "purple", "9", "x") }, `flag checkout_button has no variant "purple" (its variants: blue, green)`},
		{func() error { return fc.CollectVariant(ctx, demo.NewUI, "", "9", "x") }, `flag new_ui has no variant "" (its variants: on, off)`},
		{func() error {
			e := eUS
			e.Variant = "green"
			return fc.CollectExplained(ctx, e, "9", "x")
		}, `flag new_ui has no variant "green"`},
		{func() error {
			return fc.CollectExplained(ctx, f.Runtime().ExplainName(ctx, "no_such_flag", nil), "9", "x")
		}, `flag "no_such_flag" of the explanation is not in this client's spec`},
	} {
		if err := bad.do(); err == nil || !strings.Contains(err.Error(), bad.want) {
			t.Errorf("got %v, want an error with %q", err, bad.want)
		}
	}

	ofc := runtime.NewFeedbackCollector(other.Runtime())
	got, err := ofc.Get(ctx, demo.NewUI)
	if err != nil {
		t.Fatal(err)
	}
	var saw []string
	for _, fb := range got {
		saw = append(saw, fb.User+":"+fb.Variant+":"+fb.Text)
	}
	if want := "4242:on:love it|4242:off:where is it?|7::no idea what I saw|8::old"; strings.Join(saw, "|") != want {
		t.Errorf("new_ui feedback read by another instance:\n%s\nwant\n%s", strings.Join(saw, "|"), want)
	}
	if got, err := ofc.Get(ctx, demo.CheckoutButton); err != nil || len(got) != 1 || got[0].Variant != "green" {
		t.Errorf("checkout_button feedback: %+v, %v (want one, green)", got, err)
	}
}
