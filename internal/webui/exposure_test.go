package webui

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/redis/go-redis/v9"

	"github.com/flaggen/flaggen/internal/ops"
	"github.com/flaggen/flaggen/internal/redistest"
	"github.com/flaggen/flaggen/runtime"
	"github.com/flaggen/flaggen/runtime/redisstore"
)

// exposureServer serves the demo spec over a real Redis where an app
// counting exposure (runtime.WithExposure) evaluated new_ui ten times, for
// ten users (some of them off by region), and flushed its counts; on is
// how many of those evaluations were on.
func exposureServer(t *testing.T) (ts *testServer, on int) {
	t.Helper()
	srv := redistest.Start(t)
	sf, err := ops.LoadSpecFile(demoSpec, "-spec")
	if err != nil {
		t.Fatal(err)
	}
	open := func() *redisstore.Store {
		rdb := redis.NewClient(&redis.Options{Addr: srv.Addr()})
		t.Cleanup(func() { rdb.Close() })
		st, err := redisstore.New(rdb, redisstore.WithLogger(slog.New(slog.DiscardHandler)))
		if err != nil {
			t.Fatal(err)
		}
		return st
	}
	ts = startStore(t, sf, open(), Config{})
	app, err := runtime.NewClient(sf.Spec, runtime.WithStore(open()), runtime.WithExposure(), runtime.WithLogger(slog.New(slog.DiscardHandler)))
	if err != nil {
		t.Fatal(err)
	}
	defer app.Close()
	ctx := context.Background()
	on = 0
	for i := range 10 {
		region := "US"
		if i%5 == 0 {
			region = "DE"
		}
		a, err := sf.Spec.ParseContext([]byte(`{"user_id": ` + strconv.Itoa(1000+i) + `, "region": "` + region + `", "account_type": "premium", "beta_program": true}`))
		if err != nil {
			t.Fatal(err)
		}
		if app.Evaluate(ctx, "new_ui", a) == true {
			on++
		}
	}
	if err := app.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	return ts, on
}

// TestExposureShown: the flags list shows each flag's evals/min and last
// evaluation per environment ("never" for a flag never evaluated), and the
// flag page its evaluations and the split by variant served.
func TestExposureShown(t *testing.T) {
	ts, on := exposureServer(t)
	if on == 10 || on == 0 {
		t.Fatalf("new_ui on for %d of 10 users: the test needs both variants", on)
	}
	hc := ts.client(t)
	ts.login(t, hc, aliceToken)
	_, list := get(t, hc, ts.URL+"/admin/flags")
	row := func(flag string) string {
		i := strings.Index(list, `href="/admin/flags/`+flag+`"`)
		if i < 0 {
			t.Fatalf("no row for %s", flag)
		}
		return list[i : i+strings.Index(list[i:], "</tr>")]
	}
	if r := row("new_ui"); !regexp.MustCompile(`<td class="small num">production \d+\.\d</td><td class="small">production \d+s ago</td>`).MatchString(r) {
		t.Errorf("new_ui's row:\n%s", r)
	}
	if r := row("checkout_button"); !strings.Contains(r, `<td class="small num">—</td><td class="small">never</td>`) {
		t.Errorf("checkout_button's row:\n%s", r)
	}
	if !strings.Contains(list, `<th scope="col" class="num">Evals/min</th><th scope="col">Last evaluated</th>`) {
		t.Error("the list has no evals/min and last evaluated columns")
	}
	_, page := get(t, hc, ts.URL+"/admin/flags/new_ui")
	evals := page[strings.Index(page, `id="evals"`):]
	evals = evals[:strings.Index(evals, "</section>")]
	for _, want := range []string{"<h3>production</h3>", "<dt>Total</dt><dd>10</dd>",
		fmt.Sprintf(`<th scope="row"><code>on</code></th><td class="num">%d</td>`, on), fmt.Sprintf(`<th scope="row"><code>off</code></th><td class="num">%d</td>`, 10-on),
		fmt.Sprintf("%d.0%%", 10*on), fmt.Sprintf("%d.0%%", 100-10*on)} {
		if !strings.Contains(evals, want) {
			t.Errorf("new_ui's evaluations: no %q in\n%s", want, evals)
		}
	}
	if _, page := get(t, hc, ts.URL+"/admin/flags/checkout_button"); !strings.Contains(page, "Never evaluated") {
		t.Error("checkout_button's page does not say it was never evaluated")
	}
}

// TestBrowserExposure shows the evaluation figures in a real browser: the
// list's columns and the flag page's Evaluations card, with screenshots.
func TestBrowserExposure(t *testing.T) {
	browser := startBrowser(t)
	ts, on := exposureServer(t)
	dir := os.Getenv("FLAGGEN_SCREENSHOTS")
	if dir == "" {
		dir = t.TempDir()
	} else if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	ctx := tab(t, browser)
	logIn(t, ctx, ts, aliceToken)
	if got := strings.ToLower(text(t, ctx, `#flags thead`)); !strings.Contains(got, "evals/min") || !strings.Contains(got, "last evaluated") { // CSS capitalises
		t.Errorf("list header %q", got)
	}
	shot(t, ctx, dir, "exposure-list")
	if err := chromedp.Do(ctx, chromedp.Navigate(ts.URL+"/admin/flags/new_ui"), chromedp.WaitVisible(chromedp.ID("evals"))); err != nil {
		t.Fatal(err)
	}
	got := strings.ToLower(text(t, ctx, "#evals"))
	for _, want := range []string{"production", "total\n10", fmt.Sprintf("on\t%d\t %d.0%%", on, 10*on)} {
		if !strings.Contains(got, want) {
			t.Errorf("the Evaluations card shows %q, without %q", got, want)
		}
	}
	shot(t, ctx, dir, "exposure-flag")
}
