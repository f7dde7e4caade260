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
var watched = []runtime.Handle{flags.FastSearch}

// Page writes what user sees.
func (a *App) Page(ctx context.Context, w io.Writer, user *flags.Context, admin bool) {
	fmt.Fprintln(w, "new checkout")
	if admin {
		fmt.Fprintln(w, "admin tools")
	}
	fmt.Fprintln(w, "receipts")
	{
		msg := "hello"
		w := io.Discard // shadows w: kept as a block
		fmt.Fprintln(w, msg)
	}
	if admin {
		fmt.Fprintln(w, "admin")
	}
	switch {
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
	fmt.Fprintln(w, "checkout flag:", "new_checkout")
}

// Feedback records user's feedback on the checkout and returns how many
// pieces there are.
func Feedback(ctx context.Context, fc *runtime.FeedbackCollector, user, text string) (int, error) {
	if err := fc.CollectName(ctx, "new_checkout", user, text); err != nil {
		return 0, err
	}
	all, err := fc.GetName(ctx, "new_checkout")
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
	fmt.Println("the admin has the new checkout")
}
