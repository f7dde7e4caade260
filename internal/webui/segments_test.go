package webui

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/flaggen/flaggen/internal/ops"
)

const segmentsSpec = `{
  "segments": {
    "eu_beta": {"description": "Beta testers in the EU", "regions": ["RO", "DE"], "include": [123]},
    "staff": {"include": [1, 2], "segments": ["eu_beta"]}
  },
  "flags": {"new_ui": {"active": true, "segments": ["eu_beta"]}, "search": {"active": true, "segments": ["staff"]}, "plain": {"active": true}}
}`

// startSegments serves segmentsSpec over a fresh memory store.
func startSegments(t *testing.T) *testServer {
	t.Helper()
	file := filepath.Join(t.TempDir(), "flags.json")
	if err := os.WriteFile(file, []byte(segmentsSpec), 0o644); err != nil {
		t.Fatal(err)
	}
	sf, err := ops.LoadSpecFile(file, "-spec")
	if err != nil {
		t.Fatal(err)
	}
	return startSpec(t, sf)
}

// TestSegmentsPage: the segments page lists every segment with its
// include list (live patch applied) and links to the flags that list it.
func TestSegmentsPage(t *testing.T) {
	ts := startSegments(t)
	if _, err := ts.s.WriteSegment(ops.FlagWrite{Flag: "eu_beta", Actor: "alice", Plan: ops.SegmentKeys("eu_beta", "include", []json.RawMessage{json.RawMessage("7")}, false)}); err != nil {
		t.Fatal(err)
	}
	hc := ts.client(t)
	ts.login(t, hc, aliceToken)
	code, body := get(t, hc, ts.URL+"/admin/segments")
	if code != 200 {
		t.Fatalf("GET /admin/segments: %d\n%s", code, body)
	}
	for _, want := range []string{`<h2 id="seg-eu_beta">eu_beta</h2>`, "Beta testers in the EU", `<dd class="seg-include">[123,7]</dd>`,
		`<a href="/admin/flags/new_ui">new_ui</a>`, `<a href="/admin/flags/search">search</a>`, `<dt>Named by</dt><dd>staff</dd>`, `aria-current="page">Segments`} {
		if !strings.Contains(body, want) {
			t.Errorf("segments page lacks %q", want)
		}
	}
	_, body = get(t, hc, ts.URL+"/admin/flags/search")
	if want := `<dd id="segments"><a class="tag" href="/admin/segments#seg-staff">staff</a> </dd>`; !strings.Contains(body, want) {
		t.Errorf("flag page of search lacks %q", want)
	}
}

// TestBrowserSegments: in a browser, the Segments section shows each
// segment's include list, and follows a live change of it.
func TestBrowserSegments(t *testing.T) {
	browser := startBrowser(t)
	ts := startSegments(t)
	ctx := tab(t, browser)
	logIn(t, ctx, ts, aliceToken)
	if err := chromedp.Do(ctx, chromedp.Navigate(ts.URL+"/admin/segments"), chromedp.WaitVisible(chromedp.ID("segments"))); err != nil {
		t.Fatal(err)
	}
	if got := text(t, ctx, "#def-eu_beta .seg-include"); got != "[123]" {
		t.Fatalf("eu_beta include shows %q", got)
	}
	if got := text(t, ctx, "#segflags-staff"); got != "search" {
		t.Errorf("staff's flags show %q", got)
	}
	if _, err := ts.s.Fork().WriteSegment(ops.FlagWrite{Flag: "eu_beta", Actor: "bob", Plan: ops.SegmentKeys("eu_beta", "include", []json.RawMessage{json.RawMessage("7")}, false)}); err != nil {
		t.Fatal(err)
	}
	waitJS(t, ctx, `document.querySelector("#def-eu_beta .seg-include").textContent.trim() === "[123,7]"`)
	dir := os.Getenv("FLAGGEN_SCREENSHOTS")
	if dir == "" {
		dir = t.TempDir()
	} else if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	shot(t, ctx, dir, "segments")
}
