package admin

import (
	"net/http"
	"strconv"
	"strings"
	"unicode"

	"github.com/flaggen/flaggen/internal/ops"
	"github.com/flaggen/flaggen/runtime/store"
)

// DefaultAuditLimit is how many audit entries a request without ?limit=
// gets.
const DefaultAuditLimit = 100

// shownFlag returns f with a stored live patch that is not JSON shown as
// ops.InvalidJSON, so that the answer always encodes.
func shownFlag(f *ops.FlagInfo) ops.FlagInfo {
	out := *f
	out.Live = ops.JSONShown(out.Live)
	return out
}

// shownAudit is ops.JSONShownMap over every patch of entries.
func shownAudit(entries []store.AuditEntry) []store.AuditEntry {
	out := make([]store.AuditEntry, len(entries))
	for i, e := range entries {
		e.Flags, e.Before = ops.JSONShownMap(e.Flags), ops.JSONShownMap(e.Before)
		out[i] = e
	}
	return out
}

// etag is the entity tag of a live state: its version, after its epoch
// (its letters and digits) when the store has epochs, within which
// versions count.
func etag(st store.State) string {
	v := strconv.FormatUint(st.Version, 10)
	epoch := strings.Map(func(r rune) rune {
		if r < 0x80 && (unicode.IsLetter(r) || unicode.IsDigit(r)) {
			return r
		}
		return -1
	}, st.Epoch)
	if epoch == "" {
		return `"` + v + `"`
	}
	return `"` + epoch + ":" + v + `"`
}

// inspect inspects the live state, or answers with the failure.
func (rq *request) inspect() (*ops.Inspection, bool) {
	in, err := rq.s.Inspect()
	if err != nil {
		rq.fail(err, false)
		return nil, false
	}
	return in, true
}

// flagArg checks the flag the path names, or answers 404.
func (rq *request) flagArg() bool {
	if err := ops.CheckFlag(rq.s.Spec, rq.arg); err != nil {
		writeError(rq.w, notFound(err))
		return false
	}
	return true
}

// releaseArg checks the release the path names, or answers 404.
func (rq *request) releaseArg() bool {
	if err := ops.CheckRelease(rq.s.Spec, rq.arg); err != nil {
		writeError(rq.w, notFound(err))
		return false
	}
	return true
}

func (h *handler) listFlags(rq *request) {
	in, ok := rq.inspect()
	if !ok {
		return
	}
	ctx, cancel := rq.s.Ctx()
	defer cancel()
	exps, warnings, err := rq.s.Exposures(ctx)
	if err != nil {
		rq.fail(err, false)
		return
	}
	out := flagsOutput{Inspection: *in, Exposure: map[string][]ops.EnvExposure{}, ExposureWarnings: warnings}
	out.Flags = make([]ops.FlagInfo, len(in.Flags))
	for i := range in.Flags {
		out.Flags[i] = shownFlag(&in.Flags[i])
		out.Exposure[in.Flags[i].Flag] = ops.EnvExposures(exps[in.Flags[i].Flag])
	}
	out.Unknown = ops.JSONShownMap(in.Unknown)
	out.OrphanSegments = ops.JSONShownMap(in.OrphanSegments)
	if out.Releases == nil {
		out.Releases = []ops.ReleaseInfo{}
	}
	rq.w.Header().Set("ETag", etag(rq.s.State))
	writeJSON(rq.w, http.StatusOK, out)
}

// flagsOutput is GET /admin/v1/flags: the inspection, and each flag's
// evaluations per environment (runtime.WithExposure; [] when never
// counted).
type flagsOutput struct {
	ops.Inspection
	Exposure map[string][]ops.EnvExposure `json:"exposure"`
	// ExposureWarnings names each malformed exposure entry in Redis, left
	// out of Exposure.
	ExposureWarnings []string `json:"exposure_warnings,omitempty"`
}

// flagOutput is one flag as GET /admin/v1/flags/{name} shows it.
type flagOutput struct {
	ops.FlagInfo
	Version    uint64            `json:"version"`
	Counters   map[string]int64  `json:"counters"`
	LastChange *store.AuditEntry `json:"last_change,omitempty"`
	// Exposure is the flag's evaluations per environment
	// (runtime.WithExposure; [] when never counted).
	Exposure []ops.EnvExposure `json:"exposure"`
	// ExposureWarnings names each malformed entry of the flag's exposure
	// in Redis, left out of Exposure.
	ExposureWarnings []string `json:"exposure_warnings,omitempty"`
}

func (h *handler) getFlag(rq *request) {
	if !rq.flagArg() {
		return
	}
	in, ok := rq.inspect()
	if !ok {
		return
	}
	ctx, cancel := rq.s.Ctx()
	defer cancel()
	counters, err := rq.s.Live.Counters(ctx, rq.arg)
	if err != nil {
		rq.fail(rq.s.RedisError(err), false)
		return
	}
	if counters == nil {
		counters = map[string]int64{}
	}
	trail, err := rq.s.Live.Audit(ctx, rq.arg, 1)
	if err != nil {
		rq.fail(rq.s.RedisError(err), false)
		return
	}
	exps, warnings, err := rq.s.Exposure(ctx, rq.arg)
	if err != nil {
		rq.fail(err, false)
		return
	}
	out := flagOutput{FlagInfo: shownFlag(in.Flag(rq.arg)), Version: in.Version, Counters: counters, Exposure: ops.EnvExposures(exps),
		ExposureWarnings: warnings}
	rq.w.Header().Set("ETag", etag(rq.s.State))
	if len(trail) == 1 {
		out.LastChange = &shownAudit(trail)[0]
	}
	writeJSON(rq.w, http.StatusOK, out)
}

func (h *handler) listReleases(rq *request) {
	in, ok := rq.inspect()
	if !ok {
		return
	}
	rs := in.Releases
	if rs == nil {
		rs = []ops.ReleaseInfo{}
	}
	writeJSON(rq.w, http.StatusOK, struct {
		Version  uint64            `json:"version"`
		Releases []ops.ReleaseInfo `json:"releases"`
	}{in.Version, rs})
}

func (h *handler) getRelease(rq *request) {
	if !rq.releaseArg() {
		return
	}
	in, ok := rq.inspect()
	if !ok {
		return
	}
	writeJSON(rq.w, http.StatusOK, ops.StatusOf(in, rq.arg))
}

// audit serves the audit trail of the flag the path names, else of
// ?flag=, else of every flag.
func (h *handler) audit(rq *request) {
	q := rq.r.URL.Query()
	flag := rq.arg
	if flag == "" {
		flag = q.Get("flag")
	} else if q.Has("flag") {
		writeError(rq.w, &apiError{http.StatusBadRequest, "bad_request", "the flag is in the path: no ?flag= here", "flag"})
		return
	}
	limit := DefaultAuditLimit
	if v := q.Get("limit"); q.Has("limit") {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > store.MaxAuditEntries {
			writeError(rq.w, &apiError{http.StatusBadRequest, "bad_request", "limit must be a whole number from 1 to " + strconv.Itoa(store.MaxAuditEntries) + ", not " + strconv.Quote(v), "limit"})
			return
		}
		limit = n
	}
	if flag != "" {
		rq.arg = flag
		if !rq.flagArg() {
			return
		}
	}
	ctx, cancel := rq.s.Ctx()
	defer cancel()
	trail, err := rq.s.Live.Audit(ctx, flag, limit)
	if err != nil {
		rq.fail(rq.s.RedisError(err), false)
		return
	}
	writeJSON(rq.w, http.StatusOK, struct {
		Entries []store.AuditEntry `json:"entries"`
	}{shownAudit(trail)})
}

// feedback serves the feedback about the flag the path names, else
// ?flag=, else every flag with some, by flag.
func (h *handler) feedback(rq *request) {
	flag := rq.arg
	if flag == "" {
		flag = rq.r.URL.Query().Get("flag")
	}
	flags := rq.s.Spec.FlagNames()
	if flag != "" {
		rq.arg = flag
		if !rq.flagArg() {
			return
		}
		flags = []string{flag}
	}
	ctx, cancel := rq.s.Ctx()
	defer cancel()
	out := map[string][]store.Feedback{}
	for _, f := range flags {
		fbs, err := rq.s.Live.Feedback(ctx, f)
		if err != nil {
			rq.fail(rq.s.RedisError(err), false)
			return
		}
		if len(fbs) > 0 || flag != "" {
			if fbs == nil {
				fbs = []store.Feedback{}
			}
			out[f] = fbs
		}
	}
	writeJSON(rq.w, http.StatusOK, struct {
		Feedback map[string][]store.Feedback `json:"feedback"`
	}{out})
}

// health reports whether the store answers and is in step with its
// backend: 200 {"status": "ok"}, else 503 {"status": "degraded"}.
func (h *handler) health(rq *request) {
	type health struct {
		Status  string `json:"status"`
		Store   string `json:"store"`
		Version uint64 `json:"version"`
		Flags   int    `json:"flags"`
		Error   string `json:"error,omitempty"`
	}
	out := health{Status: "ok", Store: rq.s.Where, Flags: len(rq.s.Spec.FlagNames())}
	ctx, cancel := rq.s.Ctx()
	defer cancel()
	st, err := rq.s.Live.Load(ctx)
	if err == nil {
		err = rq.s.StoreHealth()
	}
	out.Version = st.Version
	if err != nil {
		out.Status, out.Error = "degraded", rq.s.RedisError(err).Error()
		writeJSON(rq.w, http.StatusServiceUnavailable, out)
		return
	}
	writeJSON(rq.w, http.StatusOK, out)
}

// listSegments serves every segment with its users (ops.SegmentInfo).
func (h *handler) listSegments(rq *request) {
	in, ok := rq.inspect()
	if !ok {
		return
	}
	segs := make([]ops.SegmentInfo, len(in.Segments))
	for i, g := range in.Segments {
		g.Live = ops.JSONShown(g.Live)
		segs[i] = g
	}
	rq.w.Header().Set("ETag", etag(rq.s.State))
	writeJSON(rq.w, http.StatusOK, struct {
		Version  uint64            `json:"version"`
		Segments []ops.SegmentInfo `json:"segments"`
	}{in.Version, segs})
}

// getSegment serves the segment the path names, or answers 404.
func (h *handler) getSegment(rq *request) {
	if err := ops.CheckSegment(rq.s.Spec, rq.arg); err != nil {
		writeError(rq.w, notFound(err))
		return
	}
	in, ok := rq.inspect()
	if !ok {
		return
	}
	g := *in.Segment(rq.arg)
	g.Live = ops.JSONShown(g.Live)
	rq.w.Header().Set("ETag", etag(rq.s.State))
	writeJSON(rq.w, http.StatusOK, struct {
		ops.SegmentInfo
		Version uint64 `json:"version"`
	}{g, in.Version})
}
