package webui

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
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
	"github.com/flaggen/flaggen/runtime/store"
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
// list's columns and the flag page's Evaluations card, with screenshots;
// then resets the counts with the card's form, refused first.
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

	// The "Reset counts" form: a blank reason is refused at its field,
	// resetting nothing; with a reason, production's counts start again
	// from 0 and the card says since when.
	resetProduction := func(reason string, until chromedp.Action[chromedp.Void]) {
		t.Helper()
		err := chromedp.Do(ctx,
			chromedp.SetValue(chromedp.ID("reset-env"), "production"),
			chromedp.SetValue(chromedp.ID("reset-exposure-reason"), reason),
			chromedp.Click(chromedp.ID("confirm-reset-exposure")),
			chromedp.Click(chromedp.ID("reset-counts")),
			until,
		)
		if err != nil {
			t.Fatal(err)
		}
	}
	resetProduction("   ", chromedp.WaitVisible(chromedp.ID("err-reset-exposure")))
	if msg := text(t, ctx, "#err-reset-exposure"); !strings.Contains(msg, "reason is required") || !strings.Contains(msg, "/reason") {
		t.Errorf("the refusal says %q", msg)
	}
	if got := strings.ToLower(text(t, ctx, "#evals")); !strings.Contains(got, "total\n10") {
		t.Errorf("after the refused reset the Evaluations card shows %q", got)
	}
	shot(t, ctx, dir, "exposure-reset-refused")
	resetProduction("new weights", chromedp.WaitVisible(chromedp.CSS(".notice")))
	if got := text(t, ctx, ".notice"); !strings.Contains(got, "exposure counts reset in production") {
		t.Errorf("the notice says %q", got)
	}
	got = strings.ToLower(text(t, ctx, "#evals"))
	for _, want := range []string{"total\n0", "since the reset at 20", "last evaluated\nnever", "nothing served since the reset"} {
		if !strings.Contains(got, want) {
			t.Errorf("after the reset the Evaluations card shows %q, without %q", got, want)
		}
	}
	shot(t, ctx, dir, "exposure-reset")
}

// TestResetExposureForm posts the flag page's "Reset counts" form: a
// reset in one environment redirects with its notice, the page then
// shows that environment's counts at 0 since the reset (and the audit
// trail the reset), and refused resets (no CSRF token, no confirmation,
// a blank reason, an environment the spec lacks) reset nothing and show
// the refusal at its field.
func TestResetExposureForm(t *testing.T) {
	ts, hc, csrf := loggedIn(t)
	if _, page := get(t, hc, ts.URL+"/admin/flags/new_ui"); strings.Contains(page, `action="/admin/flags/new_ui/reset-exposure"`) {
		t.Error("the page of a flag never counted shows the reset form")
	}
	post := func(form url.Values) (*http.Response, string) {
		t.Helper()
		res, err := hc.PostForm(ts.URL+"/admin/flags/new_ui/reset-exposure", form)
		if err != nil {
			t.Fatal(err)
		}
		b := new(strings.Builder)
		_, _ = readBody(b, res)
		return res, b.String()
	}
	if res, _ := post(url.Values{"env": {"production"}, "reason": {"forged"}, "confirm": {"yes"}}); res.StatusCode != http.StatusForbidden {
		t.Errorf("a reset without the CSRF token: %d, want 403", res.StatusCode)
	}
	res, _ := post(url.Values{"csrf": {csrf}, "env": {"production"}, "reason": {"new weights"}, "confirm": {"yes"}})
	if loc := res.Header.Get("Location"); res.StatusCode != http.StatusSeeOther || loc != "/admin/flags/new_ui?done=reset-exposure&env=production" {
		t.Fatalf("reset: %d to %q", res.StatusCode, loc)
	}
	_, page := get(t, hc, ts.URL+res.Header.Get("Location"))
	evals := page[strings.Index(page, `id="evals"`):]
	evals = evals[:strings.Index(evals, "</section>")]
	for _, want := range []string{"exposure counts reset in production: done", "<h3>production</h3>", "<dt>Total</dt><dd>0</dd>",
		`<dt>Counted</dt><dd class="since">since the reset at 20`, `<option value="production">production</option>`} {
		if !strings.Contains(page, want) {
			t.Errorf("after the reset the page lacks %q; evaluations:\n%s", want, evals)
		}
	}
	audit := func() []store.AuditEntry {
		t.Helper()
		entries, err := ts.st.Audit(context.Background(), "new_ui", 100)
		if err != nil {
			t.Fatal(err)
		}
		return entries
	}
	before := audit()
	if len(before) == 0 || before[0].Actor != "alice" || before[0].Reason != "exposure counts reset in production: new weights" {
		t.Fatalf("the newest audit entry of new_ui: %+v", before)
	}
	for _, c := range []struct {
		form url.Values
		want []string
	}{
		{url.Values{"env": {"production"}, "reason": {"again"}}, []string{`id="err-reset-exposure"`, "confirmation", `value="again"`}},
		{url.Values{"env": {"production"}, "reason": {"  "}, "confirm": {"yes"}}, []string{`id="err-reset-exposure"`, "/reason", `aria-invalid="true" aria-describedby="err-reset-exposure"`, `<option value="production" selected>`}},
		{url.Values{"env": {"qa"}, "reason": {"typo"}, "confirm": {"yes"}}, []string{`id="err-reset-exposure"`, "<code>/env</code>", `<select id="reset-env" name="env" aria-invalid="true"`}},
	} {
		c.form.Set("csrf", csrf)
		res, body := post(c.form)
		if res.StatusCode < 400 {
			t.Errorf("%v: %d, want a refusal", c.form, res.StatusCode)
		}
		for _, w := range c.want {
			if !strings.Contains(body, w) {
				t.Errorf("%v: the page lacks %q", c.form, w)
			}
		}
	}
	if after := audit(); len(after) != len(before) {
		t.Errorf("refused resets wrote %d audit entries", len(after)-len(before))
	}
}
