package admin

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/flaggen/flaggen/internal/ops"
	"github.com/flaggen/flaggen/internal/redistest"
	"github.com/flaggen/flaggen/runtime/memstore"
	"github.com/flaggen/flaggen/runtime/store"
)

const demoSpec = "../../testdata/demo/flags.json"

// testActor is the test's stand-in for the server's authentication: a
// bearer token names its admin.
func testActor(r *http.Request) string {
	switch r.Header.Get("Authorization") {
	case "Bearer tok-alice":
		return "alice"
	case "Bearer tok-bob":
		return "bob"
	}
	return ""
}

// api is an admin API served on loopback over a store.
type api struct {
	t     *testing.T
	url   string
	s     *ops.Session
	redis *redistest.Server // nil over the memory store
}

// startAPI serves the admin API over a fresh store: "memory" or "redis".
// before, when not nil, runs on the new Redis's address first.
func startAPI(t *testing.T, kind string, before ...func(addr string)) *api {
	t.Helper()
	return startAPIWith(t, kind, demoSpec, before...)
}

// startAPIWith is startAPI over the spec file specFile.
func startAPIWith(t *testing.T, kind, specFile string, before ...func(addr string)) *api {
	t.Helper()
	sf, err := ops.LoadSpecFile(specFile, "-spec")
	if err != nil {
		t.Fatal(err)
	}
	a := &api{t: t}
	cfg := ops.Config{Timeout: 5 * time.Second, Spec: sf}
	switch kind {
	case "memory":
		st := memstore.New()
		t.Cleanup(func() { st.Close() })
		a.s, err = ops.OpenStore(st, "the embedded memory store", cfg)
	case "redis":
		a.redis = redistest.Start(t)
		for _, f := range before {
			f(a.redis.Addr())
		}
		cfg.RedisURL, cfg.Timeout = "redis://"+a.redis.Addr(), time.Second
		a.s, err = ops.Open(cfg)
	}
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(a.s.Close)
	// As an app does at start-up: writes to a namespace where no app
	// recorded its spec are refused.
	if err := a.s.Live.(store.SpecRecorder).RecordSpec(context.Background(), "flags.json", sf.Src); err != nil {
		t.Fatal(err)
	}
	h, err := New(Config{Session: a.s, Actor: testActor})
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.Handle(Prefix, h)
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	a.url = srv.URL
	return a
}

// forStores runs f over the memory store and over a real Redis.
func forStores(t *testing.T, f func(t *testing.T, a *api)) {
	for _, kind := range []string{"memory", "redis"} {
		t.Run(kind, func(t *testing.T) { f(t, startAPI(t, kind)) })
	}
}

// reply is an answer of the API.
type reply struct {
	status int
	body   []byte
	header http.Header
}

func (r reply) decode(t *testing.T, v any) {
	t.Helper()
	if err := json.Unmarshal(r.body, v); err != nil {
		t.Fatalf("answer %d %s: %v", r.status, r.body, err)
	}
}

// apiErr is the error an answer carries.
func (r reply) apiErr(t *testing.T) (code, message, path string) {
	t.Helper()
	var e struct {
		Error struct{ Code, Message, Path string }
	}
	r.decode(t, &e)
	return e.Error.Code, e.Error.Message, e.Error.Path
}

// do sends a request as alice, with a JSON body when body is not "".
func (a *api) do(method, path, body string) reply {
	return a.doWith(method, path, body, map[string]string{"Authorization": "Bearer tok-alice", "Content-Type": "application/json"})
}

func (a *api) doWith(method, path, body string, header map[string]string) reply {
	a.t.Helper()
	req, err := http.NewRequest(method, a.url+path, strings.NewReader(body))
	if err != nil {
		a.t.Fatal(err)
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		a.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		a.t.Fatal(err)
	}
	if ct := resp.Header.Get("Content-Type"); ct != "application/json" {
		a.t.Errorf("%s %s: Content-Type %q, want application/json", method, path, ct)
	}
	return reply{resp.StatusCode, b, resp.Header}
}

// want checks an answer's status.
func (a *api) want(r reply, status int) reply {
	a.t.Helper()
	if r.status != status {
		a.t.Fatalf("status %d, want %d: %s", r.status, status, r.body)
	}
	return r
}

// wantErr checks an error answer's status, code and path, and that its
// message holds msg.
func (a *api) wantErr(r reply, status int, code, path, msg string) {
	a.t.Helper()
	if r.status != status {
		a.t.Errorf("status %d, want %d: %s", r.status, status, r.body)
		return
	}
	c, m, p := r.apiErr(a.t)
	if c != code || p != path || !strings.Contains(m, msg) {
		a.t.Errorf("error %s %q at %q, want %s %q at %q", c, m, p, code, msg, path)
	}
}

// auditLen is the number of entries of the audit trail.
func (a *api) auditLen() int {
	a.t.Helper()
	var trail struct{ Entries []json.RawMessage }
	a.want(a.do("GET", "/admin/v1/audit?limit=10000", ""), 200).decode(a.t, &trail)
	return len(trail.Entries)
}

type flagAnswer struct {
	Flag     string
	State    string
	Live     json.RawMessage
	Version  uint64
	Counters map[string]int64
	Fields   []struct {
		Field  string
		Value  json.RawMessage
		Source string
		Spec   json.RawMessage
	}
	LastChange *struct{ Actor, Reason string } `json:"last_change"`
}

func (f flagAnswer) field(name string) (value, source string) {
	for _, fi := range f.Fields {
		if fi.Field == name {
			return string(fi.Value), fi.Source
		}
	}
	return "", ""
}

type writeAnswer struct {
	Wrote   bool
	Version uint64
	Flag    flagAnswer
	Release struct {
		Release        string
		Enabled, Total int
		States         []struct{ Flag, State string }
	}
}

func TestReads(t *testing.T) {
	forStores(t, func(t *testing.T, a *api) {
		var list struct {
			Version  uint64
			Flags    []flagAnswer
			Releases []struct{ Release string }
		}
		a.want(a.do("GET", "/admin/v1/flags", ""), 200).decode(t, &list)
		if len(list.Flags) != len(a.s.Spec.FlagNames()) || len(list.Releases) != 1 || list.Releases[0].Release != "winter_launch" {
			t.Errorf("GET flags: %+v", list)
		}
		var f flagAnswer
		a.want(a.do("GET", "/admin/v1/flags/new_ui", ""), 200).decode(t, &f)
		if v, src := f.field("percentage_rollout"); f.Flag != "new_ui" || f.State != "on" || v != "90" || src != "spec" {
			t.Errorf("GET flags/new_ui: %+v (percentage_rollout %s from %s)", f, v, src)
		}
		if f.Counters == nil || string(f.Live) != "null" || f.LastChange != nil {
			t.Errorf("GET flags/new_ui before any write: counters %v, live %s, last change %v", f.Counters, f.Live, f.LastChange)
		}
		var rel struct {
			Release        string
			Enabled, Total int
			States         []struct{ Flag, State string }
		}
		a.want(a.do("GET", "/admin/v1/releases/winter_launch", ""), 200).decode(t, &rel)
		if rel.Total != 2 || len(rel.States) != 2 || rel.States[0].Flag != "new_ui" {
			t.Errorf("GET releases/winter_launch: %+v", rel)
		}
		var rels struct{ Releases []struct{ Release string } }
		a.want(a.do("GET", "/admin/v1/releases", ""), 200).decode(t, &rels)
		if len(rels.Releases) != 1 {
			t.Errorf("GET releases: %+v", rels)
		}
		var trail struct{ Entries []json.RawMessage }
		a.want(a.do("GET", "/admin/v1/audit?limit=5", ""), 200).decode(t, &trail)
		if trail.Entries == nil {
			t.Errorf("GET audit: entries must be [], not null")
		}
		var fb struct{ Feedback map[string][]json.RawMessage }
		a.want(a.do("GET", "/admin/v1/feedback", ""), 200).decode(t, &fb)
		a.want(a.do("GET", "/admin/v1/flags/new_ui/feedback", ""), 200).decode(t, &fb)
		if fb.Feedback["new_ui"] == nil {
			t.Errorf("GET flags/new_ui/feedback: %+v", fb)
		}
		var h struct{ Status, Store string }
		a.want(a.do("GET", "/admin/v1/health", ""), 200).decode(t, &h)
		if h.Status != "ok" || h.Store != a.s.Where {
			t.Errorf("GET health: %+v", h)
		}
		// A mux that strips the prefix gets the same routes.
		if r := a.do("GET", "/admin/v1/flags/new_ui/audit", ""); r.status != 200 {
			t.Errorf("GET flags/new_ui/audit: %d %s", r.status, r.body)
		}
	})
}

func TestWrites(t *testing.T) {
	forStores(t, func(t *testing.T, a *api) {
		var w writeAnswer
		a.wantErr(a.do("POST", "/admin/v1/flags/new_ui/disable", `{}`), 422, "invalid", "/reason", "reason is required")
		a.want(a.do("POST", "/admin/v1/flags/new_ui/disable", `{"reason": "incident 42"}`), 200).decode(t, &w)
		if !w.Wrote || w.Flag.State != "off" || string(w.Flag.Live) != `{"active":false}` {
			t.Errorf("disable: %+v", w)
		}
		a.want(a.do("POST", "/admin/v1/flags/new_ui/disable", `{"reason": "again"}`), 200).decode(t, &w)
		if w.Wrote {
			t.Errorf("disable of a flag that is off wrote: %+v", w)
		}
		var f flagAnswer
		a.want(a.do("GET", "/admin/v1/flags/new_ui", ""), 200).decode(t, &f)
		if f.LastChange == nil || f.LastChange.Actor != "alice" || f.LastChange.Reason != "incident 42" {
			t.Errorf("last change %+v, want alice's incident 42", f.LastChange)
		}
		a.want(a.doWith("POST", "/admin/v1/flags/new_ui/enable", "", map[string]string{"Authorization": "Bearer tok-bob", "Content-Type": "application/json"}), 200).decode(t, &w)
		if !w.Wrote || w.Flag.State != "on" {
			t.Errorf("enable: %+v", w)
		}

		a.want(a.do("POST", "/admin/v1/flags/new_ui/rollout", `{"percentage": 12.5}`), 200).decode(t, &w)
		if v, src := w.Flag.field("percentage_rollout"); v != "12.5" || src != "live" {
			t.Errorf("rollout 12.5: percentage_rollout %s from %s", v, src)
		}
		a.wantErr(a.do("POST", "/admin/v1/flags/new_ui/rollout", `{"percentage": 150}`), 422, "invalid", "/percentage", "from 0 to 100")
		a.wantErr(a.do("POST", "/admin/v1/flags/new_ui/rollout", `{"percentage": "50"}`), 422, "invalid", "/percentage", "must be a number")
		a.wantErr(a.do("POST", "/admin/v1/flags/new_ui/rollout", `{}`), 422, "invalid", "/percentage", "required")

		a.want(a.do("PATCH", "/admin/v1/flags/new_ui", `{"patch": {"regions": ["US", "CA"]}, "reason": "Canada beta"}`), 200).decode(t, &w)
		if v, _ := w.Flag.field("regions"); v != `["US","CA"]` || string(w.Flag.Live) != `{"percentage_rollout":12.5,"regions":["US","CA"]}` && string(w.Flag.Live) != `{"active":true,"percentage_rollout":12.5,"regions":["US","CA"]}` {
			t.Errorf("patch: regions %s, live %s", v, w.Flag.Live)
		}
		a.wantErr(a.do("PATCH", "/admin/v1/flags/new_ui", `{"patch": {"percentage_rollout": "lots"}}`), 422, "invalid", "/patch/percentage_rollout", "")
		a.wantErr(a.do("PATCH", "/admin/v1/flags/new_ui", `{"revert": ["regoins"]}`), 422, "invalid", "/revert/0", "did you mean regions?")
		a.wantErr(a.do("PATCH", "/admin/v1/flags/new_ui", `{"revert": ["regions"], "patch": {}}`), 422, "invalid", "/revert", "")
		a.wantErr(a.do("PATCH", "/admin/v1/flags/new_ui", `{}`), 422, "invalid", "/patch", "")
		a.want(a.do("PATCH", "/admin/v1/flags/new_ui", `{"revert": ["regions", "percentage_rollout"]}`), 200).decode(t, &w)
		if v, src := w.Flag.field("regions"); !w.Wrote || src != "spec" || v != `["US","RO"]` {
			t.Errorf("revert: regions %s from %s (wrote %v)", v, src, w.Wrote)
		}
		a.want(a.do("PATCH", "/admin/v1/flags/new_ui", `{"patch": {}, "replace": true}`), 200).decode(t, &w)
		if string(w.Flag.Live) != "{}" {
			t.Errorf("replace with {}: live %s", w.Flag.Live)
		}

		a.want(a.do("POST", "/admin/v1/flags/new_ui/reset", ``), 200).decode(t, &w)
		if w.Wrote {
			t.Errorf("reset of a flag that is not tripped wrote: %+v", w)
		}
		a.want(a.do("PATCH", "/admin/v1/flags/new_ui", `{"patch": {"tripped": "error_threshold 100 exceeded"}}`), 200)
		a.want(a.do("POST", "/admin/v1/flags/new_ui/reset", ``), 200).decode(t, &w)
		if !w.Wrote || w.Flag.State != "on" {
			t.Errorf("reset of a tripped flag: %+v", w)
		}

		a.wantErr(a.do("POST", "/admin/v1/releases/winter_launch/off", `{}`), 422, "invalid", "/reason", "reason is required")
		a.want(a.do("POST", "/admin/v1/releases/winter_launch/off", `{"reason": "rollback"}`), 200).decode(t, &w)
		if !w.Wrote || w.Release.Enabled != 0 || w.Release.Total != 2 {
			t.Errorf("release off: %+v", w)
		}
		a.want(a.do("POST", "/admin/v1/releases/winter_launch/on", ``), 200).decode(t, &w)
		if !w.Wrote || w.Release.Enabled != 2 {
			t.Errorf("release on: %+v", w)
		}
		a.want(a.do("POST", "/admin/v1/releases/winter_launch/on", ``), 200).decode(t, &w)
		if w.Wrote {
			t.Errorf("release on twice wrote: %+v", w)
		}

		var trail struct {
			Entries []struct {
				Actor, Reason string
				Flags         map[string]json.RawMessage
			}
		}
		a.want(a.do("GET", "/admin/v1/audit?flag=new_ui&limit=100", ""), 200).decode(t, &trail)
		// disable, enable, rollout, patch, revert, replace, trip, reset, release off, release on
		if len(trail.Entries) != 10 || trail.Entries[9].Actor != "alice" || trail.Entries[8].Actor != "bob" || trail.Entries[1].Reason != "rollback" {
			t.Errorf("audit of new_ui: %+v", trail.Entries)
		}
		a.want(a.do("GET", "/admin/v1/flags/new_ui/audit?limit=2", ""), 200).decode(t, &trail)
		if len(trail.Entries) != 2 {
			t.Errorf("audit limit=2: %d entries", len(trail.Entries))
		}
	})
}

// TestRefused: every bad request is refused with the status and error
// that fit, and writes nothing.
func TestRefused(t *testing.T) {
	forStores(t, func(t *testing.T, a *api) {
		hdr := map[string]string{"Authorization": "Bearer tok-alice", "Content-Type": "application/json"}
		with := func(k, v string) map[string]string {
			h := map[string]string{}
			for k, v := range hdr {
				h[k] = v
			}
			if v == "" {
				delete(h, k)
			} else {
				h[k] = v
			}
			return h
		}
		disable := "/admin/v1/flags/new_ui/disable"
		a.wantErr(a.doWith("GET", "/admin/v1/flags", "", nil), 401, "unauthorized", "", "admin token")
		a.wantErr(a.doWith("POST", disable, `{"reason": "x"}`, with("Authorization", "Bearer wrong")), 401, "unauthorized", "", "")
		a.wantErr(a.doWith("POST", disable, "reason=x", with("Content-Type", "application/x-www-form-urlencoded")), 415, "unsupported_media_type", "", "application/json")
		a.wantErr(a.doWith("POST", disable, `{"reason": "x"}`, with("Content-Type", "")), 415, "unsupported_media_type", "", "")
		a.wantErr(a.doWith("POST", disable, `{"reason": "x"}`, with("Sec-Fetch-Site", "cross-site")), 403, "forbidden", "", "cross-origin")
		a.wantErr(a.doWith("POST", disable, `{"reason": "x"}`, with("Origin", "https://evil.example")), 403, "forbidden", "", "cross-origin")
		a.wantErr(a.do("POST", disable, `{"reason": `), 400, "bad_request", "", "not JSON")
		a.wantErr(a.do("POST", disable, `{"reason": "x"} {}`), 400, "bad_request", "", "trailing data")
		a.wantErr(a.do("POST", disable, `["x"]`), 400, "bad_request", "", "JSON object")
		a.wantErr(a.do("POST", disable, `{"reason": 7}`), 422, "invalid", "/reason", "must be a string")
		a.wantErr(a.do("POST", disable, `{"reason": "x", "actor": "mallory"}`), 422, "invalid", "/actor", "unknown field")
		a.wantErr(a.do("POST", disable, `{"reason": "line one\nflaggen: forged line"}`), 422, "invalid", "/reason", "control character U+000A")
		a.wantErr(a.do("POST", disable, `{"reason": "\u202eevil"}`), 422, "invalid", "/reason", "control character U+202E")
		a.wantErr(a.do("POST", disable, `{"reason": "\u001b[31mred"}`), 422, "invalid", "/reason", "control character U+001B")
		a.wantErr(a.do("POST", disable, `{"reason": "`+strings.Repeat("x", DefaultMaxBody)+`"}`), 413, "too_large", "", "exceeds")
		a.wantErr(a.do("POST", "/admin/v1/flags/new-ui/disable", `{"reason": "x"}`), 404, "not_found", "", "did you mean new_ui?")
		a.wantErr(a.do("GET", "/admin/v1/flags/nope%1b%5b31m", ""), 404, "not_found", "", `unknown flag "nope\x1b[31m"`)
		a.wantErr(a.do("GET", "/admin/v1/releases/summer", ""), 404, "not_found", "", "releases: winter_launch")
		a.wantErr(a.do("GET", "/admin/v1/nothing", ""), 404, "not_found", "", "no such admin route")
		r := a.do("DELETE", "/admin/v1/flags/new_ui", "")
		a.wantErr(r, 405, "method_not_allowed", "", "GET or PATCH")
		if r.header.Get("Allow") != "GET, PATCH" {
			t.Errorf("Allow: %q", r.header.Get("Allow"))
		}
		a.wantErr(a.do("GET", disable, ""), 405, "method_not_allowed", "", "")
		a.wantErr(a.do("GET", "/admin/v1/audit?limit=0", ""), 400, "bad_request", "limit", "from 1 to")
		a.wantErr(a.do("GET", "/admin/v1/audit?limit=x", ""), 400, "bad_request", "limit", "")
		if n := a.auditLen(); n != 0 {
			t.Errorf("refused requests wrote %d audit entries", n)
		}
	})
}

// TestIfMatch: a flag write with If-Match is made only over the live
// state the client read (its ETag), else 412.
func TestIfMatch(t *testing.T) {
	forStores(t, func(t *testing.T, a *api) {
		tag := a.want(a.do("GET", "/admin/v1/flags/new_ui", ""), 200).header.Get("ETag")
		if tag == "" {
			t.Fatal("GET flags/new_ui: no ETag")
		}
		h := map[string]string{"Authorization": "Bearer tok-alice", "Content-Type": "application/json", "If-Match": tag}
		r := a.want(a.doWith("POST", "/admin/v1/flags/new_ui/rollout", `{"percentage": 10}`, h), 200)
		if r.header.Get("ETag") == tag || r.header.Get("ETag") == "" {
			t.Errorf("ETag after the write: %q (before: %q)", r.header.Get("ETag"), tag)
		}
		a.wantErr(a.doWith("POST", "/admin/v1/flags/new_ui/rollout", `{"percentage": 20}`, h), 412, "precondition_failed", "", "the live state changed")
		h["If-Match"] = r.header.Get("ETag")
		a.want(a.doWith("POST", "/admin/v1/flags/new_ui/rollout", `{"percentage": 20}`, h), 200)
		a.wantErr(a.doWith("POST", "/admin/v1/releases/winter_launch/on", ``, h), 400, "bad_request", "", "If-Match")
		if n := a.auditLen(); n != 2 {
			t.Errorf("%d audit entries, want 2 (the 412 wrote nothing)", n)
		}
	})
}

// TestConcurrentWrites: concurrent patches of different fields of one
// flag all land (each write is recomputed over the newer live state when
// another got in first), each with its own audit entry.
func TestConcurrentWrites(t *testing.T) {
	forStores(t, func(t *testing.T, a *api) {
		// Version 0 (a store never written) cannot be written on
		// condition (store.Change.IfVersion 0 is unconditional): apps
		// register their flags first, which bumps it.
		a.want(a.do("POST", "/admin/v1/flags/advanced_search/disable", `{"reason": "first write"}`), 200)
		fields := map[string]string{
			"regions":               `["US"]`,
			"users":                 `[1, 2]`,
			"account_types":         `["free"]`,
			"error_threshold":       `7`,
			"beta_program":          `false`,
			"performance_threshold": `9`,
		}
		var wg sync.WaitGroup
		for f, v := range fields {
			wg.Go(func() {
				r := a.do("PATCH", "/admin/v1/flags/new_ui", fmt.Sprintf(`{"patch": {%q: %s}, "reason": "set %s"}`, f, v, f))
				if r.status != 200 {
					t.Errorf("patch %s: %d %s", f, r.status, r.body)
				}
			})
		}
		wg.Wait()
		var f flagAnswer
		a.want(a.do("GET", "/admin/v1/flags/new_ui", ""), 200).decode(t, &f)
		var live map[string]json.RawMessage
		if err := json.Unmarshal(f.Live, &live); err != nil {
			t.Fatal(err)
		}
		for name, v := range fields {
			var want bytes.Buffer
			json.Compact(&want, []byte(v))
			if string(live[name]) != want.String() {
				t.Errorf("after concurrent patches, %s = %s, want %s (live %s)", name, live[name], v, f.Live)
			}
		}
		if n := a.auditLen(); n != len(fields)+1 {
			t.Errorf("%d audit entries, want %d", n, len(fields)+1)
		}
	})
}

// TestStoreDown: with Redis stopped, reads and writes answer 503 and
// health says degraded.
func TestStoreDown(t *testing.T) {
	a := startAPI(t, "redis")
	a.redis.Stop()
	for _, r := range []reply{
		a.do("GET", "/admin/v1/flags", ""),
		a.do("POST", "/admin/v1/flags/new_ui/disable", `{"reason": "outage"}`),
		a.do("PATCH", "/admin/v1/flags/new_ui", `{"patch": {"active": false}}`),
		a.do("POST", "/admin/v1/releases/winter_launch/off", `{"reason": "outage"}`),
		a.do("GET", "/admin/v1/audit", ""),
	} {
		a.wantErr(r, 503, "store_unavailable", "", "")
	}
	var h struct{ Status, Error string }
	a.want(a.do("GET", "/admin/v1/health", ""), 503).decode(t, &h)
	if h.Status != "degraded" || h.Error == "" {
		t.Errorf("health with Redis down: %+v", h)
	}
}

// TestRefusedStoredPatch: a stored patch that is not valid JSON (written
// to Redis directly) is shown as {"invalid_json": ...}, and a replace or
// disable repairs it.
func TestRefusedStoredPatch(t *testing.T) {
	a := startAPI(t, "redis", func(addr string) {
		if _, err := redistest.Do(addr, "HSET", "flaggen:{default}:patches", "new_ui", "{nope"); err != nil {
			t.Fatal(err)
		}
	})
	var f struct {
		Live struct {
			InvalidJSON string `json:"invalid_json"`
		}
	}
	a.want(a.do("GET", "/admin/v1/flags/new_ui", ""), 200).decode(t, &f)
	if r := a.do("GET", "/admin/v1/flags/new_ui", ""); f.Live.InvalidJSON != "{nope" {
		t.Errorf("a stored patch that is not JSON: %s", r.body)
	}
	a.want(a.do("GET", "/admin/v1/flags", ""), 200)
	var w writeAnswer
	a.want(a.do("POST", "/admin/v1/flags/new_ui/disable", `{"reason": "repair"}`), 200).decode(t, &w)
	if !w.Wrote || string(w.Flag.Live) != `{"active":false}` {
		t.Errorf("disable over a patch that is not JSON: %+v", w)
	}
}

// TestNewChecksConfig: the handler needs a session and an actor.
func TestNewChecksConfig(t *testing.T) {
	if _, err := New(Config{Actor: testActor}); err == nil {
		t.Error("New without a session: no error")
	}
	if _, err := New(Config{Session: &ops.Session{}}); err == nil {
		t.Error("New without Actor: no error")
	}
}

// FuzzHandler: no request panics the handler or answers anything but one
// JSON object with a status from the documented list.
func FuzzHandler(f *testing.F) {
	for _, s := range [][3]string{
		{"GET", "/admin/v1/flags", ""},
		{"GET", "/admin/v1/flags/new_ui", ""},
		{"POST", "/admin/v1/flags/new_ui/disable", `{"reason": "x"}`},
		{"POST", "/admin/v1/flags/new_ui/rollout", `{"percentage": 1e400}`},
		{"PATCH", "/admin/v1/flags/new_ui", `{"patch": {"regions": ["US"], "users": null}}`},
		{"PATCH", "/admin/v1/flags/advanced_search", `{"patch": {"depends_on": ["advanced_search"]}, "replace": true}`},
		{"PATCH", "/admin/v1/flags/new_ui", `{"revert": ["regions"]}`},
		{"POST", "/admin/v1/releases/winter_launch/off", `{"reason": "\u0000"}`},
		{"GET", "/admin/v1/audit?flag=new_ui&limit=-1", ""},
		{"GET", "/admin/v1/feedback?flag=%00", ""},
	} {
		f.Add(s[0], s[1], s[2])
	}
	sf, err := ops.LoadSpecFile(demoSpec, "-spec")
	if err != nil {
		f.Fatal(err)
	}
	st := memstore.New()
	defer st.Close()
	s, err := ops.OpenStore(st, "the embedded memory store", ops.Config{Timeout: 5 * time.Second, Spec: sf})
	if err != nil {
		f.Fatal(err)
	}
	h, err := New(Config{Session: s, Actor: testActor, MaxBody: 4 << 10})
	if err != nil {
		f.Fatal(err)
	}
	statuses := map[int]bool{200: true, 400: true, 412: true, 403: true, 404: true, 405: true, 409: true, 413: true, 415: true, 422: true}
	f.Fuzz(func(t *testing.T, method, path, body string) {
		if !strings.HasPrefix(path, "/") || strings.ContainsAny(path, " \r\n") {
			path = "/" + strings.NewReplacer(" ", "%20", "\r", "%0D", "\n", "%0A").Replace(path)
		}
		req, err := http.NewRequest(method, "http://localhost"+path, strings.NewReader(body))
		if err != nil {
			return // not a request a server could read
		}
		req.Header.Set("Authorization", "Bearer tok-alice")
		req.Header.Set("Content-Type", "application/json")
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		var v map[string]any
		if err := json.Unmarshal(rec.Body.Bytes(), &v); err != nil {
			t.Fatalf("%s %q: answer is not a JSON object: %v: %s", method, path, err, rec.Body)
		}
		if !statuses[rec.Code] {
			t.Fatalf("%s %q %q: status %d: %s", method, path, body, rec.Code, rec.Body)
		}
	})
}

// TestWriteWhereNoAppRecorded: as with the CLI, a write to live state
// where no app ever recorded its spec is refused (409 not_recorded), and
// nothing is written.
func TestWriteWhereNoAppRecorded(t *testing.T) {
	sf, err := ops.LoadSpecFile(demoSpec, "-spec")
	if err != nil {
		t.Fatal(err)
	}
	st := memstore.New()
	t.Cleanup(func() { st.Close() })
	s, err := ops.OpenStore(st, "a memory store no app uses", ops.Config{Timeout: 5 * time.Second, Spec: sf})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Close)
	h, err := New(Config{Session: s, Actor: testActor})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	a := &api{t: t, url: srv.URL}
	a.wantErr(a.do("POST", "/admin/v1/flags/new_ui/disable", `{"reason": "test"}`), http.StatusConflict, "not_recorded", "", "no app ever recorded its spec")
	a.wantErr(a.do("POST", "/admin/v1/releases/winter_launch/off", `{"reason": "test"}`), http.StatusConflict, "not_recorded", "", "no app ever recorded its spec")
	if ls, err := st.Load(context.Background()); err != nil || ls.Version != 0 {
		t.Errorf("live state version %d (%v) after refused writes, want 0", ls.Version, err)
	}
}

// TestNameWithSlash: a name holding "/" or ".." (the spec allows them)
// is one path segment, sent escaped; it neither misses its route nor
// reaches another one.
func TestNameWithSlash(t *testing.T) {
	src, err := os.ReadFile(demoSpec)
	if err != nil {
		t.Fatal(err)
	}
	const name = "w/../../flags/maintenance_mode"
	file := filepath.Join(t.TempDir(), "flags.json")
	if err := os.WriteFile(file, bytes.Replace(src, []byte(`"winter_launch"`), []byte(strconv.Quote(name)), 1), 0o666); err != nil {
		t.Fatal(err)
	}
	sf, err := ops.LoadSpecFile(file, "-spec")
	if err != nil {
		t.Fatal(err)
	}
	st := memstore.New()
	t.Cleanup(func() { st.Close() })
	if err := st.RecordSpec(context.Background(), "flags.json", sf.Src); err != nil {
		t.Fatal(err)
	}
	s, err := ops.OpenStore(st, "a memory store", ops.Config{Timeout: 5 * time.Second, Spec: sf})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Close)
	h, err := New(Config{Session: s, Actor: testActor})
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.Handle(Prefix, h)
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	a := &api{t: t, url: srv.URL}
	esc := url.PathEscape(name)
	var rel struct{ Release string }
	a.want(a.do("GET", "/admin/v1/releases/"+esc, ""), 200).decode(t, &rel)
	if rel.Release != name {
		t.Errorf("GET release %q: got %q", name, rel.Release)
	}
	a.want(a.do("POST", "/admin/v1/releases/"+esc+"/off", `{"reason": "postpone"}`), 200)
	in, err := s.Fork().Inspect()
	if err != nil {
		t.Fatal(err)
	}
	if got := in.Flag("maintenance_mode").Live; got != nil && string(got) != "null" {
		t.Errorf("maintenance_mode was written: %s", got)
	}
	if fi := in.Flag("new_ui"); !ops.EffectiveIs(fi, "active", json.RawMessage("false")) {
		t.Errorf("new_ui, a flag of the release, not switched off: %s", fi.Live)
	}
}

// TestExposure: the flag list and a flag's read carry each environment's
// evaluation figures, from counts added to the store ([] for a flag never
// counted), over the memory store and a real Redis.
func TestExposure(t *testing.T) {
	forStores(t, func(t *testing.T, a *api) {
		var f struct{ Exposure []ops.EnvExposure }
		a.want(a.do("GET", "/admin/v1/flags/new_ui", ""), 200).decode(t, &f)
		if f.Exposure == nil || len(f.Exposure) != 0 {
			t.Errorf("before counting: exposure %+v, want []", f.Exposure)
		}
		now := time.Now()
		err := a.s.Live.AddExposure(context.Background(), []store.ExposureDelta{
			{Flag: "new_ui", Env: "production", Variant: "on", Count: 9, Last: now.Add(-time.Minute)},
			{Flag: "new_ui", Env: "production", Variant: "off", Count: 1, Last: now},
		})
		if err != nil {
			t.Fatal(err)
		}
		a.want(a.do("GET", "/admin/v1/flags/new_ui", ""), 200).decode(t, &f)
		if len(f.Exposure) != 1 || f.Exposure[0].Env != "production" || f.Exposure[0].Total != 10 || f.Exposure[0].Variants["on"] != 9 ||
			f.Exposure[0].Last == nil || f.Exposure[0].Last.Sub(now).Abs() > time.Second || f.Exposure[0].PerMinute <= 0 {
			t.Errorf("GET flags/new_ui: exposure %+v", f.Exposure)
		}
		var list struct{ Exposure map[string][]ops.EnvExposure }
		a.want(a.do("GET", "/admin/v1/flags", ""), 200).decode(t, &list)
		if e := list.Exposure["new_ui"]; len(e) != 1 || e[0].Total != 10 {
			t.Errorf("GET flags: new_ui exposure %+v", e)
		}
		if e, ok := list.Exposure["checkout_button"]; !ok || len(e) != 0 {
			t.Errorf("GET flags: checkout_button exposure %+v (present %v), want []", e, ok)
		}
	})
}

// TestMalformedExposureWarns: a bad value under one flag's exposure field
// in Redis fails neither the flag list nor a flag's read: they answer 200
// with the rest, the list naming the key and field in exposure_warnings.
func TestMalformedExposureWarns(t *testing.T) {
	a := startAPI(t, "redis")
	err := a.s.Live.AddExposure(context.Background(), []store.ExposureDelta{
		{Flag: "new_ui", Env: "production", Variant: "on", Count: 9, Last: time.Now()},
	})
	if err != nil {
		t.Fatal(err)
	}
	key, field := "flaggen:{default}:exposure:counts", "10:production15:checkout_button4:blue"
	if _, err := redistest.Do(a.redis.Addr(), "HSET", key, field, "abc"); err != nil {
		t.Fatal(err)
	}
	var list struct {
		Exposure         map[string][]ops.EnvExposure
		ExposureWarnings []string `json:"exposure_warnings"`
	}
	a.want(a.do("GET", "/admin/v1/flags", ""), 200).decode(t, &list)
	if e := list.Exposure["new_ui"]; len(e) != 1 || e[0].Total != 9 {
		t.Errorf("GET flags: new_ui exposure %+v", e)
	}
	if len(list.ExposureWarnings) != 1 || !strings.Contains(list.ExposureWarnings[0], key) || !strings.Contains(list.ExposureWarnings[0], field) {
		t.Errorf("GET flags: exposure_warnings %q, want one naming %s and %s", list.ExposureWarnings, key, field)
	}
	var f struct {
		Exposure         []ops.EnvExposure
		ExposureWarnings []string `json:"exposure_warnings"`
	}
	a.want(a.do("GET", "/admin/v1/flags/new_ui", ""), 200).decode(t, &f)
	if len(f.Exposure) != 1 || len(f.ExposureWarnings) != 0 {
		t.Errorf("GET flags/new_ui: %+v", f)
	}
	a.want(a.do("GET", "/admin/v1/flags/checkout_button", ""), 200).decode(t, &f)
	if len(f.ExposureWarnings) != 1 {
		t.Errorf("GET flags/checkout_button: exposure_warnings %q, want one", f.ExposureWarnings)
	}
}
