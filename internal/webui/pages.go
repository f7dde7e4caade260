package webui

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"html/template"
	"io/fs"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/flaggen/flaggen/internal/ops"
	"github.com/flaggen/flaggen/internal/spec"
	"github.com/flaggen/flaggen/runtime/store"
)

// page is what every template gets.
type page struct {
	Title  string
	Nav    string // the current section: flags, releases, segments or audit
	User   string // the logged-in admin; "" on the login page
	CSRF   string
	Health health
	// Version is the live state's version the page shows.
	Version uint64
	Notice  string // the outcome of the last write
	// Self is the page's own URL, which a live update fetches (a page
	// shown after a refused write has the write's URL).
	Self string
	Data any
}

// WritesOff returns why writes are off, or "" when they are on.
func (p *page) WritesOff() string {
	if p.User == "" || p.Health.Status == "ok" {
		return ""
	}
	return "The store is degraded, so writes are off: " + p.Health.Error
}

// parsePages parses each page template with the layout.
func parsePages() (map[string]*template.Template, error) {
	funcs := template.FuncMap{
		"json":       shownJSON,
		"when":       func(t time.Time) string { return t.UTC().Format("2006-01-02 15:04:05 UTC") },
		"icon":       stateIcon,
		"pct":        pct,
		"join":       strings.Join,
		"flagURL":    flagURL,
		"releaseURL": releaseURL,
		"flagsOf":    func(e store.AuditEntry) []string { return sortedKeys(boolSet(e.Flags)) },
		"change": func(e store.AuditEntry, f string) string {
			return shownJSON(e.Before[f]) + " → " + shownJSON(e.Flags[f])
		},
		"hasPath": func(e *formError, field string) bool { return e != nil && e.Field == field },
		"ok":      func(s string) bool { return s == "on" },
	}
	base, err := template.New("layout").Funcs(funcs).ParseFS(files, "templates/layout.html")
	if err != nil {
		return nil, err
	}
	names, err := fs.Glob(files, "templates/*.html")
	if err != nil {
		return nil, err
	}
	out := map[string]*template.Template{}
	for _, n := range names {
		name := strings.TrimSuffix(strings.TrimPrefix(n, "templates/"), ".html")
		if name == "layout" {
			continue
		}
		t, err := template.Must(base.Clone()).ParseFS(files, n)
		if err != nil {
			return nil, err
		}
		out[name] = t
	}
	return out, nil
}

func boolSet[V any](m map[string]V) map[string]bool {
	out := make(map[string]bool, len(m))
	for k := range m {
		out[k] = true
	}
	return out
}

// flagURL is the page of the flag name; name is one escaped path segment,
// whatever characters the spec let into it.
func flagURL(name string) string { return Prefix + "/flags/" + url.PathEscape(name) }

// releaseURL is the URL of the release name's action ("on" or "off"),
// name escaped as one path segment.
func releaseURL(name, action string) string {
	return Prefix + "/releases/" + url.PathEscape(name) + "/" + action
}

// shownJSON shows a JSON value compactly; absent is "—".
func shownJSON(raw json.RawMessage) string {
	if len(raw) == 0 {
		return "—"
	}
	var b bytes.Buffer
	if json.Compact(&b, raw) != nil {
		return string(raw)
	}
	return b.String()
}

// stateIcon is the symbol shown with a state's name (never colour alone).
func stateIcon(state string) string {
	switch state {
	case "on":
		return "●"
	case "off":
		return "○"
	case "tripped":
		return "⚠"
	case "scheduled":
		return "◷"
	case "expired":
		return "⊘"
	}
	return "?"
}

func pct(p *float64) string {
	if p == nil {
		return "—"
	}
	return strconv.FormatFloat(*p, 'f', -1, 64) + "%"
}

// render writes the page named name.
func (u *UI) render(w http.ResponseWriter, status int, name string, p *page) {
	var b bytes.Buffer
	if err := u.pages[name].ExecuteTemplate(&b, "layout", p); err != nil {
		http.Error(w, "rendering the page: "+err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	w.Write(b.Bytes())
}

// newPage starts the page of a logged-in admin.
func (u *UI) newPage(r *http.Request, ss *session, title, nav string) *page {
	return &page{Title: title, Nav: nav, User: ss.name, CSRF: ss.csrf, Health: u.health(r.Context(), ss), Notice: u.notice(r.URL.Query())}
}

// flagActions are the actions of POST /admin/flags/{name}/{action};
// reset-exposure makes the flag's exposure counts start afresh.
var flagActions = []string{"enable", "disable", "rollout", "patch", "revert", "reset", "reset-exposure"}

// doneQuery is the query of the redirect after a write: ?done=ACTION
// (or ACTION-nochange when nothing was written) and what the write was
// about: a release's name (release=), an exposure reset's environment
// (env=), which notice shows only when the spec declares it. No text of
// the query is shown as it is, so that a link cannot put words in the
// page's success notice.
func doneQuery(action string, wrote bool, about string) string {
	key := "release"
	if action == "reset-exposure" {
		key = "env"
	}
	if !wrote {
		action += "-nochange"
	}
	q := url.Values{"done": {action}}
	if about != "" {
		q.Set(key, about)
	}
	return "?" + q.Encode()
}

// notice is the success notice of q's "done" code (doneQuery), or "".
func (u *UI) notice(q url.Values) string {
	code := q.Get("done")
	if code == "" {
		return ""
	}
	action, same := strings.CutSuffix(code, "-nochange")
	var done string
	switch {
	case action == "reset-exposure":
		done = "exposure counts reset in every environment: done"
		if env := q.Get("env"); env != "" {
			done = "exposure counts reset: done"
			if slices.Contains(u.session.Spec.Environments(), env) {
				done = "exposure counts reset in " + env + ": done"
			}
		}
	case slices.Contains(flagActions, action):
		done = action + ": done"
	case action == "on" || action == "off":
		done = "release switched " + action
		if name := q.Get("release"); slices.ContainsFunc(u.model.Releases, func(r *spec.Release) bool { return r.Name == name }) {
			done = "release " + name + " " + action
		}
	default:
		return ""
	}
	if same {
		done = strings.TrimSuffix(done, ": done") + ": nothing to change, nothing written"
	}
	return done
}

// refuseDegraded refuses a write, writing nothing, while the store is
// degraded (the page then shows its writes disabled, but a form posted
// anyway must not write either); it reports whether it did.
func (u *UI) refuseDegraded(w http.ResponseWriter, r *http.Request, ss *session) bool {
	p := u.newPage(r, ss, "Writes are off", "")
	off := p.WritesOff()
	if off == "" {
		return false
	}
	p.Data = off
	u.render(w, http.StatusServiceUnavailable, "error", p)
	return true
}

// fail renders an error the admin API answered a read with.
func (u *UI) fail(w http.ResponseWriter, p *page, err error) {
	status := http.StatusInternalServerError
	if ae, ok := err.(*apiError); ok {
		status = ae.Status
	}
	p.Data = err.Error()
	u.render(w, status, "error", p)
}

// flagRow is one line of the flags list, ready to show (the list has a
// thousand of them: the template does no lookups).
type flagRow struct {
	Flag, URL, State, Icon, StateReason, Type string
	Rollout                                   string
	RolloutValue                              *float64
	Releases                                  []string
	Problem                                   string
	Owner, Kind, Description                  string
	Expired                                   bool
	Changed, ChangedBy                        string // when and by whom (and why) it last changed
	// EvalsPerMin and LastEval are the flag's evaluations per minute and
	// its last evaluation, per environment ("—" and "never" when never
	// counted: runtime.WithExposure).
	EvalsPerMin, LastEval string
}

// listedFlag is a flag of the admin API's list, read without decoding
// the fields the list does not show.
type listedFlag struct {
	ops.FlagInfo
	Fields ignored `json:"fields"`
	Live   ignored `json:"live"`
}

// ignored decodes any JSON value into nothing.
type ignored struct{}

func (*ignored) UnmarshalJSON([]byte) error { return nil }

type flagsData struct {
	Rows                  []flagRow
	Shown, Total          int
	Q, State, Owner, Kind string
	States, Owners, Kinds []string
	// RowsHTML is Rows rendered (rowsHTML); Table is the list, rendered
	// ("table" of flags.html).
	RowsHTML template.HTML
	Table    template.HTML
	version  uint64
}

// states lists the states a flag can be shown in.
var states = []string{"on", "off", "tripped", "scheduled", "expired"}

// listCache keeps the rendered lists of one live state, by filter: the
// list of a thousand flags is rendered once per change, not once per
// viewer.
type listCache struct {
	mu    sync.Mutex
	key   string                // the live state's epoch and version, and which flags are expired
	lists map[string]*flagsData // by filter
}

// maxCachedLists bounds the filters a listCache keeps.
const maxCachedLists = 64

func (c *listCache) get(key, filter string) *flagsData {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.key != key {
		return nil
	}
	return c.lists[filter]
}

func (c *listCache) put(key, filter string, d *flagsData) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.key != key || len(c.lists) >= maxCachedLists {
		c.key, c.lists = key, map[string]*flagsData{}
	}
	c.lists[filter] = d
}

// listKey names the live state a list shows: its epoch and version, the
// minute (for the evaluation figures), and which flags are expired now.
func (u *UI) listKey(ctx context.Context) (string, uint64, error) {
	ctx, cancel := context.WithTimeout(ctx, u.session.Timeout())
	defer cancel()
	st, err := u.session.Live.Load(ctx)
	if err != nil {
		return "", 0, err
	}
	var b strings.Builder
	now := u.now()
	// The minute too: the list shows evaluation figures (evals/min, last
	// evaluated), which change without the live state.
	fmt.Fprintf(&b, "%q:%d:%d:", st.Epoch, st.Version, now.Unix()/60)
	for _, f := range u.model.Flags {
		if f.Expired(now) {
			b.WriteString(f.Name)
			b.WriteByte(0)
		}
	}
	return b.String(), st.Version, nil
}

func (u *UI) flagsPage(w http.ResponseWriter, r *http.Request, ss *session) {
	p := u.newPage(r, ss, "Flags", "flags")
	q := r.URL.Query()
	d := &flagsData{Q: strings.TrimSpace(q.Get("q")), State: q.Get("state"), Owner: q.Get("owner"), Kind: q.Get("kind")}
	filter := strings.Join([]string{d.Q, d.State, d.Owner, d.Kind}, "\x00")
	key, version, err := u.listKey(r.Context())
	if err == nil {
		if c := u.lists.get(key, filter); c != nil {
			d = c
		} else if err = u.listFlags(r.Context(), ss, d); err == nil && d.version == version {
			u.lists.put(key, filter, d)
		}
	}
	if err != nil {
		u.fail(w, p, err)
		return
	}
	p.Version, p.Data = d.version, d
	u.render(w, http.StatusOK, "flags", p)
}

// listFlags fills d with the flags its filters let through.
func (u *UI) listFlags(ctx context.Context, ss *session, d *flagsData) error {
	var in struct {
		Version  uint64                       `json:"version"`
		Flags    []listedFlag                 `json:"flags"`
		Exposure map[string][]ops.EnvExposure `json:"exposure"`
	}
	if err := u.call(ctx, ss, "GET", "flags", nil, &in); err != nil {
		return err
	}
	last, err := u.session.Fork().LastChanges()
	if err != nil {
		return err
	}
	d.version, d.Total, d.States, d.Owners, d.Kinds = in.Version, len(in.Flags), states, u.owners, u.kinds
	now := u.now()
	needle := strings.ToLower(d.Q)
	d.Rows = make([]flagRow, 0, len(in.Flags))
	for _, f := range in.Flags {
		row := flagRow{Flag: f.Flag, State: f.State, StateReason: f.StateReason, Type: f.Type, RolloutValue: f.Rollout, Releases: f.Releases, Problem: f.Problem}
		if m := u.model.Flag(f.Flag); m != nil {
			row.Owner, row.Kind, row.Description, row.Expired = m.Owner, m.Kind, m.Description, m.Expired(now)
		}
		switch {
		case d.State == "expired" && !row.Expired,
			d.State != "" && d.State != "expired" && d.State != f.State,
			d.Owner != "" && d.Owner != row.Owner,
			d.Kind != "" && d.Kind != row.Kind,
			needle != "" && !strings.Contains(strings.ToLower(f.Flag+"\x00"+row.Description+"\x00"+row.Owner), needle):
			continue
		}
		row.URL, row.Icon, row.Rollout = flagURL(f.Flag), stateIcon(f.State), pct(f.Rollout)
		row.EvalsPerMin, row.LastEval = exposureCells(in.Exposure[f.Flag], now)
		if e, ok := last[f.Flag]; ok {
			row.Changed, row.ChangedBy = e.Time.UTC().Format("2006-01-02 15:04:05 UTC"), e.Actor
			if e.Reason != "" {
				row.ChangedBy += ": " + e.Reason
			}
		}
		d.Rows = append(d.Rows, row)
	}
	d.Shown, d.RowsHTML = len(d.Rows), rowsHTML(d.Rows)
	var b bytes.Buffer
	if err := u.pages["flags"].ExecuteTemplate(&b, "table", d); err != nil {
		return err
	}
	d.Table, d.Rows, d.RowsHTML = template.HTML(b.String()), nil, ""
	return nil
}

// exposureCells are a flag's evals/min and last evaluation cells in the
// list: "ENV RATE" and "ENV AGE" per environment.
func exposureCells(exps []ops.EnvExposure, now time.Time) (perMin, last string) {
	if len(exps) == 0 {
		return "—", "never"
	}
	var rates, lasts []string
	for _, e := range exps {
		rates = append(rates, e.Env+" "+strconv.FormatFloat(e.PerMinute, 'f', 1, 64))
		lasts = append(lasts, e.Env+" "+ops.Ago(e.Last, now))
	}
	return strings.Join(rates, ", "), strings.Join(lasts, ", ")
}

// flagOutput is the admin API's GET /admin/v1/flags/{name}.
type flagOutput struct {
	ops.FlagInfo
	Version    uint64            `json:"version"`
	Counters   map[string]int64  `json:"counters"`
	LastChange *store.AuditEntry `json:"last_change"`
	Exposure   []ops.EnvExposure `json:"exposure"`
}

// evalView is one environment's evaluations on the flag page.
type evalView struct {
	Env, PerMin, Last string
	// Since is when the counts start: "since the reset at T", "since T"
	// when counting began without a reset, "" when unknown.
	Since string
	Total int64
	Split []shareView
}

// shareView is one variant's share of an environment's evaluations.
type shareView struct {
	Variant, Percent string
	Count            int64
	Width            float64 // Percent as a number, for the bar
}

// formError is the admin API's refusal of a form, shown next to its field.
type formError struct {
	Form    string // the form's action
	Field   string // "reason", "confirm", "env" or "value"
	Message string
	Path    string // the JSON pointer the admin API named
}

type flagData struct {
	flagOutput
	Owner, Kind, Description, Expires string
	Expired                           bool
	DependsOn, Dependents             []string
	Audit                             []store.AuditEntry
	Feedback                          []store.Feedback
	// Evals is the flag's evaluations per environment.
	Evals []evalView
	// ETag is the live state's entity tag the page shows: a patch that
	// replaces the whole live patch is made only over that state.
	ETag        string
	PatchText   string // the patch editor's text
	RolloutText string // the rollout field's text
	// ResetEnv and ResetReason are the exposure reset form's environment
	// ("": every environment) and reason.
	ResetEnv, ResetReason string
	Err                   *formError
}

// ErrFor returns the form error when it is about form.
func (d *flagData) ErrFor(form string) *formError {
	if d.Err != nil && d.Err.Form == form {
		return d.Err
	}
	return nil
}

func (u *UI) flagPage(w http.ResponseWriter, r *http.Request, ss *session) {
	u.showFlag(w, r, ss, r.PathValue("name"), http.StatusOK, nil, nil)
}

// showFlag renders the flag page; ferr and form, after a refused write,
// show the refusal and what was typed.
func (u *UI) showFlag(w http.ResponseWriter, r *http.Request, ss *session, name string, status int, ferr *formError, form url.Values) {
	p := u.newPage(r, ss, name, "flags")
	p.Self = flagURL(name)
	ctx := r.Context()
	esc := "flags/" + url.PathEscape(name)
	d := &flagData{Err: ferr}
	var in ops.Inspection
	hdr, err := u.callHeader(ctx, ss, "GET", esc, nil, nil, &d.flagOutput)
	if err == nil {
		d.ETag = hdr.Get("ETag")
		err = u.call(ctx, ss, "GET", "flags", nil, &in)
	}
	var audit struct {
		Entries []store.AuditEntry `json:"entries"`
	}
	if err == nil {
		err = u.call(ctx, ss, "GET", esc+"/audit?limit=50", nil, &audit)
	}
	var fb struct {
		Feedback map[string][]store.Feedback `json:"feedback"`
	}
	if err == nil {
		err = u.call(ctx, ss, "GET", esc+"/feedback", nil, &fb)
	}
	if err != nil {
		u.fail(w, p, err)
		return
	}
	p.Title, p.Version = d.Flag, d.Version
	d.Audit, d.Feedback = audit.Entries, fb.Feedback[d.Flag]
	if m := u.model.Flag(d.Flag); m != nil {
		d.Owner, d.Kind, d.Description, d.Expired = m.Owner, m.Kind, m.Description, m.Expired(u.now())
		if m.Expires != nil {
			d.Expires = m.Expires.UTC().Format("2006-01-02")
		}
	}
	var order []string // the flag's variants, in the spec's order
	for _, sh := range ops.SplitAsked(u.session.Spec, &d.FlagInfo).Shares {
		order = append(order, sh.Variant)
	}
	now := u.now()
	for _, e := range d.Exposure {
		ev := evalView{Env: e.Env, PerMin: strconv.FormatFloat(e.PerMinute, 'f', 1, 64), Last: "never", Total: e.Total}
		if e.Last != nil {
			ev.Last = e.Last.UTC().Format("2006-01-02 15:04:05 UTC") + " (" + ops.Ago(e.Last, now) + ")"
		}
		if e.Since != nil {
			ev.Since = "since " + e.Since.UTC().Format("2006-01-02 15:04:05 UTC")
			if e.Reset {
				ev.Since = "since the reset at " + e.Since.UTC().Format("2006-01-02 15:04:05 UTC")
			}
		}
		for _, sh := range ops.ServedSplit(e, order) {
			ev.Split = append(ev.Split, shareView{Variant: sh.Variant, Count: sh.Count, Percent: strconv.FormatFloat(sh.Percent, 'f', 1, 64) + "%", Width: sh.Percent})
		}
		d.Evals = append(d.Evals, ev)
	}
	d.DependsOn = dependsOn(&d.FlagInfo)
	for i := range in.Flags {
		if slices.Contains(dependsOn(&in.Flags[i]), d.Flag) {
			d.Dependents = append(d.Dependents, in.Flags[i].Flag)
		}
	}
	d.PatchText = "{}"
	if len(d.Live) > 0 && string(d.Live) != "null" {
		var b bytes.Buffer
		if json.Indent(&b, d.Live, "", "  ") == nil {
			d.PatchText = b.String()
		}
	}
	if d.Rollout != nil {
		d.RolloutText = strconv.FormatFloat(*d.Rollout, 'f', -1, 64)
	}
	if form != nil {
		if v, ok := form["patch"]; ok {
			d.PatchText = v[0]
		}
		if v, ok := form["etag"]; ok && form.Get("replace") == "yes" {
			d.ETag = v[0] // the refused write's, so that a retry does not skip the check
		}
		if v, ok := form["percentage"]; ok {
			d.RolloutText = v[0]
		}
		if r.PathValue("action") == "reset-exposure" {
			d.ResetEnv, d.ResetReason = form.Get("env"), form.Get("reason")
		}
	}
	p.Data = d
	u.render(w, status, "flag", p)
}

// dependsOn returns a flag's effective depends_on.
func dependsOn(f *ops.FlagInfo) []string {
	for _, fi := range f.Fields {
		if fi.Field == "depends_on" {
			var names []string
			json.Unmarshal(fi.Value, &names)
			return names
		}
	}
	return nil
}

// flagWrite forwards a flag form to the admin API as its JSON write.
func (u *UI) flagWrite(w http.ResponseWriter, r *http.Request, ss *session) {
	name, action := r.PathValue("name"), r.PathValue("action")
	if u.refuseDegraded(w, r, ss) {
		return
	}
	reason := r.PostFormValue("reason")
	body := map[string]any{"reason": reason}
	refuse := func(field, msg, path string) {
		u.showFlag(w, r, ss, name, http.StatusUnprocessableEntity, &formError{Form: action, Field: field, Message: msg, Path: path}, r.PostForm)
	}
	switch action {
	case "enable", "reset":
	case "disable":
		if r.PostFormValue("confirm") != "yes" {
			refuse("confirm", "Tick the confirmation: switching the flag off takes it away from everyone.", "")
			return
		}
	case "rollout":
		text := strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(r.PostFormValue("percentage")), "%"))
		if json.Valid([]byte(text)) && text != "" && (text[0] == '-' || (text[0] >= '0' && text[0] <= '9')) {
			body["percentage"] = json.RawMessage(text)
		} else {
			body["percentage"] = text // the admin API refuses it, saying where
		}
	case "patch":
		text := r.PostFormValue("patch")
		if !json.Valid([]byte(text)) {
			var v any
			err := json.Unmarshal([]byte(text), &v)
			refuse("value", fmt.Sprintf("the patch is not JSON: %v", err), "/patch")
			return
		}
		body["patch"] = json.RawMessage(text)
		body["replace"] = r.PostFormValue("replace") == "yes"
	case "revert":
		body["revert"] = []string{r.PostFormValue("field")}
	case "reset-exposure":
		if r.PostFormValue("confirm") != "yes" {
			refuse("confirm", "Tick the confirmation: the counts start again from 0, and the ones counted so far are gone.", "")
			return
		}
		body["env"] = r.PostFormValue("env")
	default:
		http.NotFound(w, r)
		return
	}
	path := "flags/" + url.PathEscape(name)
	method := "POST"
	switch action {
	case "patch", "revert":
		method = "PATCH"
	case "reset-exposure":
		path += "/exposure/reset"
	default:
		path += "/" + action
	}
	var hdr http.Header
	if action == "patch" && body["replace"] == true {
		// Replacing the whole patch overwrites no change the editor did not show.
		hdr = http.Header{"If-Match": {r.PostFormValue("etag")}}
	}
	var out struct {
		Wrote bool `json:"wrote"`
	}
	if action == "reset-exposure" {
		out.Wrote = true // a reset answers with no "wrote": it always writes
	}
	if _, err := u.callHeader(r.Context(), ss, method, path, body, hdr, &out); err != nil {
		ae, ok := err.(*apiError)
		if !ok || ae.Status == http.StatusNotFound && ae.Path == "" && u.model.Flag(name) == nil {
			http.Error(w, err.Error(), http.StatusNotFound)
			return
		}
		field := "value"
		switch ae.Path {
		case "/reason":
			field = "reason"
		case "/env":
			field = "env"
		}
		u.showFlag(w, r, ss, name, ae.Status, &formError{Form: action, Field: field, Message: ae.Message, Path: ae.Path}, r.PostForm)
		return
	}
	var about string
	if action == "reset-exposure" {
		about = r.PostFormValue("env")
	}
	http.Redirect(w, r, flagURL(name)+doneQuery(action, out.Wrote, about), http.StatusSeeOther)
}

type releasesData struct {
	Releases []ops.ReleaseInfo
	States   map[string]string // flag → state
	Err      *formError
	Release  string // the release Err is about
}

func (u *UI) releasesPage(w http.ResponseWriter, r *http.Request, ss *session) {
	u.showReleases(w, r, ss, http.StatusOK, "", nil)
}

func (u *UI) showReleases(w http.ResponseWriter, r *http.Request, ss *session, status int, release string, ferr *formError) {
	p := u.newPage(r, ss, "Releases", "releases")
	p.Self = Prefix + "/releases"
	var in ops.Inspection
	if err := u.call(r.Context(), ss, "GET", "flags", nil, &in); err != nil {
		u.fail(w, p, err)
		return
	}
	p.Version = in.Version
	d := &releasesData{Releases: in.Releases, States: map[string]string{}, Err: ferr, Release: release}
	for _, f := range in.Flags {
		d.States[f.Flag] = f.State
	}
	p.Data = d
	u.render(w, status, "releases", p)
}

func (u *UI) releaseWrite(w http.ResponseWriter, r *http.Request, ss *session) {
	name, action := r.PathValue("name"), r.PathValue("action")
	if action != "on" && action != "off" {
		http.NotFound(w, r)
		return
	}
	if u.refuseDegraded(w, r, ss) {
		return
	}
	var out struct {
		Wrote bool `json:"wrote"`
	}
	err := u.call(r.Context(), ss, "POST", "releases/"+url.PathEscape(name)+"/"+action, map[string]any{"reason": r.PostFormValue("reason")}, &out)
	if err != nil {
		ae, ok := err.(*apiError)
		if !ok {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		field := "value"
		if ae.Path == "/reason" {
			field = "reason"
		}
		u.showReleases(w, r, ss, ae.Status, name, &formError{Form: action, Field: field, Message: ae.Message, Path: ae.Path})
		return
	}
	http.Redirect(w, r, Prefix+"/releases"+doneQuery(action, out.Wrote, name), http.StatusSeeOther)
}

type auditData struct {
	Entries       []store.AuditEntry
	Flag, Actor   string
	Flags, Actors []string
}

func (u *UI) auditPage(w http.ResponseWriter, r *http.Request, ss *session) {
	p := u.newPage(r, ss, "Audit trail", "audit")
	q := r.URL.Query()
	d := &auditData{Flag: q.Get("flag"), Actor: q.Get("actor"), Flags: u.session.Spec.FlagNames()}
	path := "audit?limit=" + strconv.Itoa(store.MaxAuditEntries)
	if d.Flag != "" {
		path += "&flag=" + url.QueryEscape(d.Flag)
	}
	var audit struct {
		Entries []store.AuditEntry `json:"entries"`
	}
	if err := u.call(r.Context(), ss, "GET", path, nil, &audit); err != nil {
		u.fail(w, p, err)
		return
	}
	actors := map[string]bool{}
	for _, e := range audit.Entries {
		actors[e.Actor] = true
		if d.Actor == "" || e.Actor == d.Actor {
			if len(d.Entries) < 500 {
				d.Entries = append(d.Entries, e)
			}
		}
	}
	d.Actors = sortedKeys(actors)
	if len(audit.Entries) > 0 {
		p.Version = audit.Entries[0].Version
	}
	p.Data = d
	u.render(w, http.StatusOK, "audit", p)
}
