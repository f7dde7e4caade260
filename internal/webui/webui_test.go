package webui

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
)

func TestLoginSession(t *testing.T) {
	ts := startServer(t)
	hc := ts.client(t)
	// No session: every page redirects to the login page (the change
	// stream answers 401: TestLogoutClosesStream).
	for _, p := range []string{"/admin", "/admin/flags", "/admin/flags/new_ui", "/admin/releases", "/admin/segments", "/admin/audit"} {
		res, err := hc.Get(ts.URL + p)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if loc := res.Header.Get("Location"); res.StatusCode != http.StatusSeeOther || !strings.HasPrefix(loc, "/admin/") {
			t.Errorf("GET %s without a session: %d %q, want a redirect", p, res.StatusCode, loc)
		}
	}
	res := ts.login(t, hc, aliceToken)
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("login: %d", res.StatusCode)
	}
	var c *http.Cookie
	for _, ck := range res.Cookies() {
		if ck.Name == cookieName {
			c = ck
		}
	}
	if c == nil || !c.HttpOnly || c.SameSite != http.SameSiteStrictMode || c.Path != "/admin" || c.Secure {
		t.Fatalf("session cookie %+v: want HttpOnly, SameSite=Strict, Path=/admin, not Secure without TLS", c)
	}
	code, body := get(t, hc, ts.URL+"/admin/flags")
	if code != http.StatusOK || !strings.Contains(body, "new_ui") || !strings.Contains(body, "alice") {
		t.Fatalf("flags page: %d\n%s", code, body)
	}
	// Logging out ends the session on the server, not only in the jar.
	csrf := csrfOf(t, body)
	res, err := hc.PostForm(ts.URL+"/admin/logout", url.Values{"csrf": {csrf}})
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	req, _ := http.NewRequest("GET", ts.URL+"/admin/flags", nil)
	req.AddCookie(c)
	res, err = ts.client(t).Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("the ended session still opens the page: %d", res.StatusCode)
	}
}

func TestAPIKeysAreNotAdminTokens(t *testing.T) {
	ts := startServer(t)
	for _, k := range []string{clientKey, serverKey, "", "nonsense"} {
		hc := ts.client(t)
		res := ts.login(t, hc, k)
		if res.StatusCode != http.StatusUnauthorized {
			t.Errorf("login with %q: %d, want 401", k, res.StatusCode)
		}
		// Nor does a key in the request's headers open a page.
		req, _ := http.NewRequest("GET", ts.URL+"/admin/flags", nil)
		req.Header.Set("Authorization", "Bearer "+k)
		req.Header.Set("X-API-Key", k)
		res, err := hc.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != http.StatusSeeOther {
			t.Errorf("GET /admin/flags with key %q: %d, want a redirect to the login", k, res.StatusCode)
		}
	}
}

func TestWritesNeedCSRF(t *testing.T) {
	ts, hc, csrf := loggedIn(t)
	v := ts.version(t)
	for _, form := range []url.Values{
		{"reason": {"forged"}, "confirm": {"yes"}},
		{"reason": {"forged"}, "confirm": {"yes"}, "csrf": {"wrong"}},
		{"reason": {"forged"}, "confirm": {"yes"}, "csrf": {csrf[:len(csrf)-1]}},
	} {
		res, err := hc.PostForm(ts.URL+"/admin/flags/new_ui/disable", form)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != http.StatusForbidden {
			t.Errorf("write with csrf %q: %d, want 403", form.Get("csrf"), res.StatusCode)
		}
	}
	// A cross-origin write is refused even with the token.
	req, _ := http.NewRequest("POST", ts.URL+"/admin/flags/new_ui/disable", strings.NewReader(url.Values{"csrf": {csrf}, "reason": {"x"}, "confirm": {"yes"}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Sec-Fetch-Site", "cross-site")
	res, err := hc.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusForbidden {
		t.Errorf("cross-site write: %d, want 403", res.StatusCode)
	}
	if got := ts.version(t); got != v {
		t.Fatalf("a refused write changed the live state: version %d → %d", v, got)
	}
	// With the token, the write goes through the admin API as alice.
	res, err = hc.PostForm(ts.URL+"/admin/flags/new_ui/disable", url.Values{"csrf": {csrf}, "reason": {"incident 42"}, "confirm": {"yes"}})
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusSeeOther || ts.flagState(t, "new_ui") != "off" {
		t.Fatalf("disable: %d, state %s", res.StatusCode, ts.flagState(t, "new_ui"))
	}
	_, body := get(t, hc, ts.URL+"/admin/audit?actor=alice")
	if !strings.Contains(body, "incident 42") {
		t.Fatalf("the audit page lacks alice's change:\n%s", body)
	}
}

func TestRefusedWritesShowTheError(t *testing.T) {
	ts, hc, csrf := loggedIn(t)
	v := ts.version(t)
	for _, c := range []struct {
		action string
		form   url.Values
		want   []string
	}{
		{"rollout", url.Values{"percentage": {"150"}}, []string{`id="err-rollout"`, "/percentage", `aria-invalid="true"`, `value="150"`}},
		{"rollout", url.Values{"percentage": {"lots"}}, []string{`id="err-rollout"`, "percentage"}},
		{"patch", url.Values{"patch": {`{"regions": "US"}`}}, []string{`id="err-patch"`, "/patch/regions"}},
		{"patch", url.Values{"patch": {`{"regions": [`}}, []string{`id="err-patch"`, "not JSON", "/patch"}},
		{"disable", url.Values{"reason": {"x"}}, []string{`id="err-disable"`, "confirmation"}},
		{"disable", url.Values{"confirm": {"yes"}}, []string{`id="err-disable"`, "/reason"}},
	} {
		c.form.Set("csrf", csrf)
		res, err := hc.PostForm(ts.URL+"/admin/flags/new_ui/"+c.action, c.form)
		if err != nil {
			t.Fatal(err)
		}
		b := new(strings.Builder)
		_, _ = readBody(b, res)
		if res.StatusCode < 400 {
			t.Errorf("%s %v: %d, want an error", c.action, c.form, res.StatusCode)
		}
		for _, w := range c.want {
			if !strings.Contains(b.String(), w) {
				t.Errorf("%s %v: the page lacks %q", c.action, c.form, w)
			}
		}
	}
	if got := ts.version(t); got != v {
		t.Fatalf("refused writes changed the live state: version %d → %d", v, got)
	}
}

func TestFlagsListFilters(t *testing.T) {
	ts := startServer(t)
	hc := ts.client(t)
	ts.login(t, hc, aliceToken)
	_, all := get(t, hc, ts.URL+"/admin/flags")
	_, off := get(t, hc, ts.URL+"/admin/flags?state=off")
	if !strings.Contains(off, "maintenance_mode") || strings.Contains(off, `href="/admin/flags/new_ui"`) {
		t.Errorf("?state=off lists the wrong flags")
	}
	_, kind := get(t, hc, ts.URL+"/admin/flags?kind=kill_switch")
	if !strings.Contains(kind, "maintenance_mode") || strings.Contains(kind, `href="/admin/flags/checkout_button"`) {
		t.Errorf("?kind=kill_switch lists the wrong flags")
	}
	_, q := get(t, hc, ts.URL+"/admin/flags?q=search+team")
	if !strings.Contains(q, "advanced_search") || strings.Contains(q, `href="/admin/flags/new_ui"`) {
		t.Errorf("?q=search+team lists the wrong flags")
	}
	if len(all) <= len(off) {
		t.Errorf("the unfiltered list is not the longest")
	}
}

func TestDegradedStoreBanner(t *testing.T) {
	ts := startServer(t)
	hc := ts.client(t)
	ts.login(t, hc, aliceToken)
	if _, body := get(t, hc, ts.URL+"/admin/flags/new_ui"); strings.Contains(body, "Store degraded") || strings.Contains(body, "<fieldset disabled>") {
		t.Fatal("a healthy store shows the degraded banner or disabled forms")
	}
	ts.st.Close()
	_, body := get(t, hc, ts.URL+"/admin/flags")
	if !strings.Contains(body, "Store degraded") || !strings.Contains(body, "writes are off") {
		t.Fatalf("no degraded banner with the store down:\n%s", body)
	}
}

func TestReleaseSwitch(t *testing.T) {
	ts, hc, csrf := loggedIn(t)
	_, body := get(t, hc, ts.URL+"/admin/releases")
	if !strings.Contains(body, "2 of 2") {
		t.Fatalf("releases page lacks \"2 of 2\":\n%s", body)
	}
	v := ts.version(t)
	res, err := hc.PostForm(ts.URL+"/admin/releases/winter_launch/off", url.Values{"csrf": {csrf}})
	if err != nil {
		t.Fatal(err)
	}
	b := new(strings.Builder)
	readBody(b, res)
	if res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(b.String(), "/reason") || ts.version(t) != v {
		t.Fatalf("release off without a reason: %d, version %d → %d\n%s", res.StatusCode, v, ts.version(t), b)
	}
	res, err = hc.PostForm(ts.URL+"/admin/releases/winter_launch/off", url.Values{"csrf": {csrf}, "reason": {"postpone"}})
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusSeeOther || ts.flagState(t, "new_ui") != "off" || ts.flagState(t, "advanced_search") != "off" {
		t.Fatalf("release off: %d", res.StatusCode)
	}
	if _, body = get(t, hc, ts.URL+"/admin/releases"); !strings.Contains(body, "0 of 2") {
		t.Fatal("releases page lacks \"0 of 2\" after switching the release off")
	}
}

func TestPatchAndRevert(t *testing.T) {
	ts, hc, csrf := loggedIn(t)
	res, err := hc.PostForm(ts.URL+"/admin/flags/new_ui/patch", url.Values{"csrf": {csrf}, "patch": {`{"regions": ["RO"]}`}, "reason": {"RO only"}})
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("patch: %d", res.StatusCode)
	}
	_, body := get(t, hc, ts.URL+"/admin/flags/new_ui")
	if !strings.Contains(body, `[&#34;RO&#34;]`) || !strings.Contains(body, `class="src src-live">live<`) {
		t.Fatalf("the patched field is not shown as live:\n%s", body)
	}
	res, err = hc.PostForm(ts.URL+"/admin/flags/new_ui/revert", url.Values{"csrf": {csrf}, "field": {"regions"}})
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if _, body = get(t, hc, ts.URL+"/admin/flags/new_ui"); res.StatusCode != http.StatusSeeOther || strings.Contains(body, `class="src src-live">live<`) {
		t.Fatalf("revert: %d; a field is still live", res.StatusCode)
	}
}

func TestReplaceOverAChangedStateIsRefused(t *testing.T) {
	ts, hc, _ := loggedIn(t)
	_, page := get(t, hc, ts.URL+"/admin/flags/new_ui")
	csrf := csrfOf(t, page)
	const m = `name="etag" value="`
	i := strings.Index(page, m)
	if i < 0 {
		t.Fatal("the patch editor has no etag field")
	}
	etag := page[i+len(m):]
	etag = strings.ReplaceAll(etag[:strings.IndexByte(etag, '"')], "&#34;", `"`)
	// Another operator changes the live state after the page showed it.
	res, err := hc.PostForm(ts.URL+"/admin/flags/advanced_search/rollout", url.Values{"csrf": {csrf}, "percentage": {"30"}})
	if err == nil && res.StatusCode != http.StatusSeeOther {
		t.Fatalf("rollout: %d", res.StatusCode)
	}
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	res, err = hc.PostForm(ts.URL+"/admin/flags/new_ui/patch", url.Values{"csrf": {csrf}, "etag": {etag}, "replace": {"yes"}, "patch": {`{"regions": ["RO"]}`}})
	if err != nil {
		t.Fatal(err)
	}
	b := new(strings.Builder)
	readBody(b, res)
	if res.StatusCode != http.StatusPreconditionFailed || !strings.Contains(b.String(), `id="err-patch"`) {
		t.Fatalf("replace over a changed state: %d\n%s", res.StatusCode, b)
	}
	// Over the state it shows, the same write goes through.
	_, page = get(t, hc, ts.URL+"/admin/flags/new_ui")
	etag = page[strings.Index(page, m)+len(m):]
	etag = strings.ReplaceAll(etag[:strings.IndexByte(etag, '"')], "&#34;", `"`)
	res, err = hc.PostForm(ts.URL+"/admin/flags/new_ui/patch", url.Values{"csrf": {csrf}, "etag": {etag}, "replace": {"yes"}, "patch": {`{"regions": ["RO"]}`}})
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("replace over the shown state: %d", res.StatusCode)
	}
}

func TestLoginRedirectStaysOnThePage(t *testing.T) {
	for next, want := range map[string]string{
		"/admin/flags/new_ui?x=1": "/admin/flags/new_ui?x=1",
		"/admin/audit":            "/admin/audit",
		"//evil.example/admin/":   "/admin/flags",
		"https://evil.example/":   "/admin/flags",
		"/admin/\\evil":           "/admin/flags",
		"/admin/v1/flags":         "/admin/flags",
		"/metrics":                "/admin/flags",
		"":                        "/admin/flags",
	} {
		if got := safeNext(next); got != want {
			t.Errorf("safeNext(%q) = %q, want %q", next, got, want)
		}
	}
}

func TestRowsHTMLEscapes(t *testing.T) {
	got := string(rowsHTML([]flagRow{{Flag: "f", URL: `/admin/flags/f"x`, State: "off", Icon: "○", StateReason: `"><script>`,
		Description: "<script>alert(1)</script>", Owner: "a&b", Releases: []string{"<r>"}, Changed: "t", ChangedBy: "<i>"}}))
	for _, bad := range []string{"<script>", `"><script`, "<r>", "<i>", `f"x`} {
		if strings.Contains(got, bad) {
			t.Errorf("rowsHTML lets %q through:\n%s", bad, got)
		}
	}
	for _, want := range []string{"&lt;script&gt;alert(1)&lt;/script&gt;", "a&amp;b", `class="state s-off"`, "○</span> off"} {
		if !strings.Contains(got, want) {
			t.Errorf("rowsHTML lacks %q:\n%s", want, got)
		}
	}
}
