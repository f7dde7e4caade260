package webui

import (
	"html"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/flaggen/flaggen/internal/ops"
)

// A release name holding "/", ".." and "?" (the spec accepts them) is one
// escaped path segment of the releases form's formaction: "All on" of
// that release cannot post to another action of the page.
func TestReleaseFormactionEscapesName(t *testing.T) {
	src, err := os.ReadFile(demoSpec)
	if err != nil {
		t.Fatal(err)
	}
	name := `w/../../flags/maintenance_mode/enable?x=`
	s := strings.Replace(string(src), `"winter_launch"`, strconv.Quote(name), 1)
	f := filepath.Join(t.TempDir(), "flags.json")
	if err := os.WriteFile(f, []byte(s), 0o644); err != nil {
		t.Fatal(err)
	}
	sf, err := ops.LoadSpecFile(f, "-spec")
	if err != nil {
		t.Fatal(err)
	}
	ts := startSpec(t, sf)
	hc := ts.client(t)
	ts.login(t, hc, aliceToken)
	before := ts.flagState(t, "maintenance_mode")
	_, body := get(t, hc, ts.URL+"/admin/releases")
	const m = `formaction="`
	i := strings.Index(body, m)
	if i < 0 {
		t.Fatal("no formaction in the releases page")
	}
	action := body[i+len(m):]
	action = html.UnescapeString(action[:strings.IndexByte(action, '"')])
	base, _ := url.Parse(ts.URL + "/admin/releases")
	ref, err := url.Parse(action)
	if err != nil {
		t.Fatal(err)
	}
	target := base.ResolveReference(ref) // as a browser resolves it
	if want := "/admin/releases/" + url.PathEscape(name) + "/on"; target.EscapedPath() != want || target.RawQuery != "" {
		t.Errorf("All on posts to %s?%s, want %s", target.EscapedPath(), target.RawQuery, want)
	}
	res, err := hc.PostForm(target.String(), url.Values{"csrf": {csrfOf(t, body)}, "reason": {"switch the release on"}})
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	// The admin API routes on the unescaped path, so it finds no release
	// of that name (404); what matters here is that nothing else ran.
	if loc := res.Header.Get("Location"); strings.HasPrefix(loc, "/admin/flags/") {
		t.Errorf("All on redirected to %s", loc)
	}
	if got := ts.flagState(t, "maintenance_mode"); got != before {
		t.Errorf("All on of the release switched maintenance_mode %s → %s", before, got)
	}
}
