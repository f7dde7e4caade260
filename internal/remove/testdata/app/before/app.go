// Command app uses every kind of flag that flaggen remove rewrites.
package main

import (
	"context"
	"fmt"
	"io"
	"os"

	"github.com/flaggen/flaggen/removetest/app/flags"
	"github.com/flaggen/flaggen/runtime"
)

// Searcher finds things.
type Searcher interface{ Search(q string) string }

// FastSearch is the indexed search.
type FastSearch struct{ Index string }

// Search implements Searcher.
func (s FastSearch) Search(q string) string { return "fast(" + s.Index + "): " + q }

// SlowSearch scans everything.
type SlowSearch struct{}

// Search implements Searcher.
func (SlowSearch) Search(q string) string { return "slow: " + q }

// Painter paints the page in a theme.
type Painter func(string) string

// App holds the flags and the injected search and painter.
type App struct {
	Flags    *flags.Flags
	Searches *flags.SearcherFactory[Searcher]
	Painters *flags.PainterFactory[Painter]
}

// NewApp wires the app.
func NewApp(f *flags.Flags) (*App, error) {
	searches, err := flags.NewSearcherFactory(f, flags.SearcherImpls[Searcher]{
		Fast: FastSearch{Index: "main"},
		Slow: SlowSearch{},
	})
	if err != nil {
		return nil, err
	}
	painters, err := flags.NewPainterFactory(f, flags.PainterImpls[Painter]{
		Light: func(s string) string { return "light " + s },
		Dark:  func(s string) string { return "dark " + s },
	})
	if err != nil {
		return nil, err
	}
	return &App{Flags: f, Searches: searches, Painters: painters}, nil
}

// watched are the handles the app reports.
var watched = []runtime.Handle{flags.NewCheckout, flags.FastSearch}

// Page writes what user sees.
func (a *App) Page(ctx context.Context, w io.Writer, user *flags.Context, admin bool) {
	if a.Flags.NewCheckout(ctx, user) {
		fmt.Fprintln(w, "new checkout")
	} else {
		fmt.Fprintln(w, "old checkout")
	}
	if !a.Flags.NewCheckout(ctx, user) {
		fmt.Fprintln(w, "legacy banner")
	}
	if admin && a.Flags.NewCheckout(ctx, user) {
		fmt.Fprintln(w, "admin tools")
	}
	if a.Flags.NewCheckout(ctx, user) || admin {
		fmt.Fprintln(w, "receipts")
	}
	if msg := "hello"; a.Flags.NewCheckout(ctx, user) {
		w := io.Discard // shadows w: kept as a block
		fmt.Fprintln(w, msg)
	} else if admin {
		fmt.Fprintln(w, "admin without checkout")
	}
	if admin {
		fmt.Fprintln(w, "admin")
	} else if !a.Flags.NewCheckout(ctx, user) {
		fmt.Fprintln(w, "not admin, old checkout")
	}
	switch {
	case !a.Flags.NewCheckout(ctx, user):
		fmt.Fprintln(w, "switch: old")
	case admin:
		fmt.Fprintln(w, "switch: admin")
	default:
		fmt.Fprintln(w, "switch: default")
	}
	switch a.Flags.Theme(ctx, user) {
	case flags.ThemeDark:
		fmt.Fprintln(w, "dark theme")
	default:
		fmt.Fprintln(w, "light theme")
	}
	var theme flags.ThemeVariant = a.Flags.Theme(ctx, user)
	fmt.Fprintln(w, "theme", theme, "page size", a.Flags.PageSize(ctx, user))
	fmt.Fprintln(w, a.Searches.Get(ctx, user).Search("shoes"))
	fmt.Fprintln(w, a.Painters.Get(ctx, user)("page"))
	for _, h := range watched {
		fmt.Fprintln(w, "watching", h.Name())
	}
	fmt.Fprintln(w, "checkout flag:", flags.NewCheckout.Name())
}

// Feedback records user's feedback on the checkout and returns how many
// pieces there are.
func Feedback(ctx context.Context, fc *runtime.FeedbackCollector, user, text string) (int, error) {
	if err := fc.Collect(ctx, flags.NewCheckout, user, text); err != nil {
		return 0, err
	}
	all, err := fc.Get(ctx, flags.NewCheckout)
	return len(all), err
}

func main() {
	f := flags.MustNew()
	defer f.Close()
	app, err := NewApp(f)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	app.Page(context.Background(), os.Stdout, &flags.Context{UserID: 7}, false)
	admin := &flags.Context{UserID: 1}
	if f.NewCheckout(context.Background(), admin) {
		fmt.Println("the admin has the new checkout")
	}
}
