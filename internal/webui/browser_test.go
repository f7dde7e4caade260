package webui

import (
	"context"
	"flag"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

var update = flag.Bool("update", false, "rewrite testdata/screenshots/flags.png, the README's screenshot")

// browserRequired reports whether a missing browser fails the tests
// rather than skipping them: on CI, or when asked.
func browserRequired() bool {
	return os.Getenv("CI") == "true" || os.Getenv("FLAGGEN_REQUIRE_BROWSER") == "1"
}

// startBrowser starts one headless Debian chromium for a test, or skips
// the test when there is none (fails on CI).
func startBrowser(t *testing.T) context.Context {
	t.Helper()
	var path string
	for _, name := range []string{"chromium", "chromium-browser"} {
		if p, err := exec.LookPath(name); err == nil {
			path = p
			break
		}
	}
	if path == "" {
		if browserRequired() {
			t.Fatal("chromium is not installed, and CI=true or FLAGGEN_REQUIRE_BROWSER=1 asks for the browser tests (apt-get install chromium; .ci/run does)")
		}
		t.Skip("chromium is not installed: skipping the browser tests (apt-get install chromium; set FLAGGEN_REQUIRE_BROWSER=1 to make this a failure)")
	}
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(path),
		chromedp.NoSandbox,
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.WindowSize(1360, 900),
	)
	actx, cancel := chromedp.NewExecAllocator(context.Background(), opts...)
	t.Cleanup(cancel)
	bctx, cancel := chromedp.NewContext(actx)
	t.Cleanup(cancel)
	if err := chromedp.Do(bctx); err != nil {
		t.Fatalf("starting %s: %v", path, err)
	}
	return bctx
}

// tab opens a tab in a new browser context (its own cookies) with a time
// limit for the whole subtest.
func tab(t *testing.T, browser context.Context) context.Context {
	t.Helper()
	ctx, cancel := chromedp.NewContext(browser, chromedp.WithNewBrowserContext())
	t.Cleanup(cancel)
	if err := chromedp.Do(ctx); err != nil {
		t.Fatal(err)
	}
	ctx, cancel = context.WithTimeout(ctx, 20*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// logIn logs the tab in with tok and waits for the flags list.
func logIn(t *testing.T, ctx context.Context, ts *testServer, tok string) {
	t.Helper()
	err := chromedp.Do(ctx,
		chromedp.Navigate(ts.URL+"/admin/flags"),
		chromedp.WaitVisible(chromedp.ID("token")),
		chromedp.SendKeys(chromedp.ID("token"), tok),
		chromedp.Submit(chromedp.ID("token")),
		chromedp.WaitVisible(chromedp.ID("flags")),
	)
	if err != nil {
		t.Fatalf("logging in: %v", err)
	}
}

// text returns the text of the element sel.
func text(t *testing.T, ctx context.Context, sel string) string {
	t.Helper()
	s, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(sel)))
	if err != nil {
		t.Fatalf("text of %s: %v", sel, err)
	}
	return strings.TrimSpace(s)
}

// waitJS waits until the JavaScript expression is true.
func waitJS(t *testing.T, ctx context.Context, expr string) {
	t.Helper()
	if _, err := chromedp.Run(ctx, chromedp.Poll[bool](expr, chromedp.WithPollingTimeout(10*time.Second))); err != nil {
		t.Fatalf("waiting for %s: %v", expr, err)
	}
}

// shot saves a screenshot of the tab's page as a test artifact, in
// $FLAGGEN_SCREENSHOTS when set.
func shot(t *testing.T, ctx context.Context, dir, name string) []byte {
	t.Helper()
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		t.Fatalf("screenshot %s: %v", name, err)
	}
	if err := os.WriteFile(filepath.Join(dir, name+".png"), png, 0o644); err != nil {
		t.Fatal(err)
	}
	return png
}

func TestBrowser(t *testing.T) {
	browser := startBrowser(t)
	ts := startServer(t)
	dir := os.Getenv("FLAGGEN_SCREENSHOTS")
	if dir == "" {
		dir = t.TempDir()
	} else if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	t.Logf("screenshots in %s", dir)

	t.Run("login", func(t *testing.T) {
		ctx := tab(t, browser)
		if err := chromedp.Do(ctx, chromedp.Navigate(ts.URL+"/admin"), chromedp.WaitVisible(chromedp.ID("token"))); err != nil {
			t.Fatal(err)
		}
		shot(t, ctx, dir, "login")
		logIn(t, ctx, ts, aliceToken)
		if got := text(t, ctx, "#actor"); got != "alice" {
			t.Fatalf("signed in as %q, want alice", got)
		}
	})

	t.Run("toggle-and-audit", func(t *testing.T) {
		ctx := tab(t, browser)
		logIn(t, ctx, ts, aliceToken)
		err := chromedp.Do(ctx,
			chromedp.Navigate(ts.URL+"/admin/flags/new_ui"),
			chromedp.WaitVisible(chromedp.ID("disable")),
			chromedp.SendKeys(chromedp.ID("disable-reason"), "incident 7: checkout errors"),
			chromedp.Click(chromedp.ID("confirm-off")),
			chromedp.Click(chromedp.ID("disable")),
			chromedp.WaitVisible(chromedp.ID("enable")),
		)
		if err != nil {
			t.Fatal(err)
		}
		if s := ts.flagState(t, "new_ui"); s != "off" {
			t.Fatalf("new_ui is %s after the kill switch", s)
		}
		if got := text(t, ctx, "#state"); !strings.Contains(got, "off") {
			t.Fatalf("the page shows state %q", got)
		}
		err = chromedp.Do(ctx,
			chromedp.Navigate(ts.URL+"/admin/audit?flag=new_ui"),
			chromedp.WaitVisible(chromedp.ID("audit")),
		)
		if err != nil {
			t.Fatal(err)
		}
		if a, r := text(t, ctx, "#audit tbody td.actor"), text(t, ctx, "#audit tbody tr"); a != "alice" || !strings.Contains(r, "incident 7") {
			t.Fatalf("newest audit entry: actor %q, row %q", a, r)
		}
	})

	t.Run("live-update", func(t *testing.T) {
		watcher, editor := tab(t, browser), tab(t, browser)
		logIn(t, watcher, ts, bobToken)
		logIn(t, editor, ts, aliceToken)
		if err := chromedp.Do(watcher, chromedp.Navigate(ts.URL+"/admin/flags/advanced_search"), chromedp.WaitVisible(chromedp.ID("rollout"))); err != nil {
			t.Fatal(err)
		}
		waitJS(t, watcher, `document.querySelector("#live-dot.on") !== null`)
		// A change made on the page by another operator...
		err := chromedp.Do(editor,
			chromedp.Navigate(ts.URL+"/admin/flags/advanced_search"),
			chromedp.WaitVisible(chromedp.ID("percentage")),
			chromedp.SetValue(chromedp.ID("percentage"), "40"),
			chromedp.SendKeys(chromedp.ID("rollout-reason"), "ramp down"),
			chromedp.Click(chromedp.ID("set-rollout")),
			chromedp.WaitVisible(chromedp.CSS(".notice")),
		)
		if err != nil {
			t.Fatal(err)
		}
		waitJS(t, watcher, `document.querySelector("#rollout").textContent.trim() === "40%"`)
		// ... and one made through the JSON admin API, as the CLI's
		// scripts do.
		req, _ := http.NewRequest("POST", ts.URL+"/admin/v1/flags/advanced_search/rollout", strings.NewReader(`{"percentage": 65, "reason": "api"}`))
		req.Header.Set("Authorization", "Bearer "+aliceToken)
		req.Header.Set("Content-Type", "application/json")
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != http.StatusOK {
			t.Fatalf("admin API rollout: %d", res.StatusCode)
		}
		waitJS(t, watcher, `document.querySelector("#rollout").textContent.trim() === "65%"`)
		waitJS(t, watcher, `document.getElementById("percentage").value === "65"`)
		shot(t, watcher, dir, "flag")
	})

	t.Run("invalid-rollout", func(t *testing.T) {
		ctx := tab(t, browser)
		logIn(t, ctx, ts, aliceToken)
		v := ts.version(t)
		err := chromedp.Do(ctx,
			chromedp.Navigate(ts.URL+"/admin/flags/checkout_button"),
			chromedp.WaitVisible(chromedp.ID("percentage")),
			chromedp.SetValue(chromedp.ID("percentage"), "150"),
			chromedp.Click(chromedp.ID("set-rollout")),
			chromedp.WaitVisible(chromedp.ID("err-rollout")),
		)
		if err != nil {
			t.Fatal(err)
		}
		if msg := text(t, ctx, "#err-rollout"); !strings.Contains(msg, "/percentage") {
			t.Fatalf("inline error %q lacks the JSON pointer", msg)
		}
		inv, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.getElementById("percentage").getAttribute("aria-invalid")`))
		if err != nil || inv != "true" {
			t.Fatalf("the rollout field is not marked invalid: %q %v", inv, err)
		}
		if got := ts.version(t); got != v {
			t.Fatalf("the invalid rollout was written: version %d → %d", v, got)
		}
		shot(t, ctx, dir, "invalid-rollout")
	})

	t.Run("forged-request", func(t *testing.T) {
		ctx := tab(t, browser)
		logIn(t, ctx, ts, aliceToken)
		v := ts.version(t)
		// The session cookie goes along, the CSRF token does not.
		status, err := chromedp.Run(ctx, chromedp.Evaluate[int](`fetch("/admin/flags/checkout_button/disable", {
			method: "POST", credentials: "same-origin",
			headers: {"Content-Type": "application/x-www-form-urlencoded"},
			body: "reason=forged&confirm=yes"}).then(r => r.status)`, chromedp.EvalAwaitPromise))
		if err != nil {
			t.Fatal(err)
		}
		if status != http.StatusForbidden {
			t.Fatalf("forged write: %d, want 403", status)
		}
		if got := ts.version(t); got != v {
			t.Fatalf("the forged write was made: version %d → %d", v, got)
		}
	})

	t.Run("client-key-refused", func(t *testing.T) {
		ctx := tab(t, browser)
		err := chromedp.Do(ctx,
			chromedp.Navigate(ts.URL+"/admin/login"),
			chromedp.WaitVisible(chromedp.ID("token")),
			chromedp.SendKeys(chromedp.ID("token"), clientKey),
			chromedp.Submit(chromedp.ID("token")),
			chromedp.WaitVisible(chromedp.ID("login-err")),
			chromedp.Navigate(ts.URL+"/admin/flags"),
			chromedp.WaitVisible(chromedp.ID("token")),
		)
		if err != nil {
			t.Fatal(err)
		}
		loc, err := chromedp.Run(ctx, chromedp.Location())
		if err != nil || !strings.Contains(loc, "/admin/login") {
			t.Fatalf("with a client key the browser is at %q (%v), want the login page", loc, err)
		}
	})

	t.Run("session-expired", func(t *testing.T) {
		ctx := tab(t, browser)
		logIn(t, ctx, ts, bobToken)
		if err := chromedp.Do(ctx, chromedp.Navigate(ts.URL+"/admin/flags/new_ui"), chromedp.WaitVisible(chromedp.ID("rollout"))); err != nil {
			t.Fatal(err)
		}
		waitJS(t, ctx, `document.querySelector("#live-dot.on") !== null`)
		// The session ends server-side (as at expiry): the open page says
		// so rather than go on showing what may be stale.
		ts.ui.sessions.mu.Lock()
		var ids []string
		for _, ss := range ts.ui.sessions.byName["bob"] {
			ids = append(ids, ss.id)
		}
		ts.ui.sessions.mu.Unlock()
		for _, id := range ids {
			ts.ui.sessions.end(id)
		}
		waitJS(t, ctx, `!document.getElementById("expired").hidden && document.body.classList.contains("expired")`)
		if got := text(t, ctx, "#expired"); !strings.Contains(got, "Session expired") || !strings.Contains(got, "log in again") {
			t.Fatalf("the expiry banner says %q", got)
		}
		shot(t, ctx, dir, "session-expired")
	})

	t.Run("screenshots", func(t *testing.T) {
		ctx := tab(t, browser)
		logIn(t, ctx, ts, aliceToken)
		chromedp.Do(ctx, chromedp.EmulateViewport(1360, 760))
		png := shot(t, ctx, dir, "flags")
		if *update {
			if err := os.WriteFile(filepath.Join("testdata", "screenshots", "flags.png"), png, 0o644); err != nil {
				t.Fatal(err)
			}
		}
		for _, p := range []string{"releases", "audit"} {
			if err := chromedp.Do(ctx, chromedp.Navigate(ts.URL+"/admin/"+p), chromedp.WaitVisible(chromedp.ID("main"))); err != nil {
				t.Fatal(err)
			}
			shot(t, ctx, dir, p)
		}
	})
}
