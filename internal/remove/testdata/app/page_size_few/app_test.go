package main

import (
	"context"
	"strings"
	"testing"

	"github.com/flaggen/flaggen/removetest/app/flags"
	"github.com/flaggen/flaggen/runtime"
)

func newApp(t *testing.T) *App {
	t.Helper()
	f := flags.MustNew()
	t.Cleanup(func() { f.Close() })
	a, err := NewApp(f)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

func page(a *App, admin bool) string {
	var b strings.Builder
	a.Page(context.Background(), &b, &flags.Context{UserID: 7}, admin)
	return b.String()
}

func TestNewCheckout(t *testing.T) {
	a := newApp(t)
	runtime.ToggleAs(t, a.Flags, flags.NewCheckout, true)
	if got := page(a, false); !strings.Contains(got, "new checkout") {
		t.Errorf("page:\n%s", got)
	}
}

func TestOldCheckout(t *testing.T) {
	a := newApp(t)
	runtime.ToggleAs(t, a.Flags, flags.NewCheckout, false)
	runtime.ToggleAs(t, a.Flags, flags.FastSearch, false)
	if got := page(a, false); !strings.Contains(got, "checkout") {
		t.Errorf("page:\n%s", got)
	}
}

func TestDarkTheme(t *testing.T) {
	a := newApp(t)
	runtime.ToggleNameAs(t, a.Flags, "theme", "dark")
	if got := page(a, true); !strings.Contains(got, "dark theme") || !strings.Contains(got, "dark page") {
		t.Errorf("page:\n%s", got)
	}
}

func TestSearch(t *testing.T) {
	a := newApp(t)
	runtime.ToggleAs(t, a.Flags, flags.FastSearch, true)
	if got := page(a, false); !strings.Contains(got, "fast(main): shoes") {
		t.Errorf("page:\n%s", got)
	}
}

func TestFeedback(t *testing.T) {
	a := newApp(t)
	fc := runtime.NewFeedbackCollector(a.Flags.Runtime())
	if n, err := Feedback(context.Background(), fc, "u1", "fast"); n != 1 || err != nil {
		t.Errorf("Feedback = %d, %v", n, err)
	}
	// By name, as the feedback on a removed flag is read.
	if all, err := fc.GetName(context.Background(), "new_checkout"); len(all) != 1 || err != nil {
		t.Errorf("GetName = %+v, %v", all, err)
	}
}
