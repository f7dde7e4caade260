package admin

import (
	"encoding/json"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/flaggen/flaggen/internal/ops"
	"github.com/flaggen/flaggen/internal/spec"
)

// reasonBody is the body of enable, disable, reset and the release
// switch.
type reasonBody struct {
	Reason string `json:"reason"`
}

// rolloutBody is the body of rollout.
type rolloutBody struct {
	Percentage *float64 `json:"percentage"`
	Reason     string   `json:"reason"`
}

// patchBody is the body of PATCH /admin/v1/flags/{name}.
type patchBody struct {
	Patch   map[string]json.RawMessage `json:"patch"`
	Replace bool                       `json:"replace"`
	Revert  []string                   `json:"revert"`
	Reason  string                     `json:"reason"`
}

// writeOutput is the answer to a write.
type writeOutput struct {
	Wrote   bool               `json:"wrote"`
	Version uint64             `json:"version"`
	Flag    *ops.FlagInfo      `json:"flag,omitempty"`
	Release *ops.ReleaseStatus `json:"release,omitempty"`
	Segment *ops.SegmentInfo   `json:"segment,omitempty"`
}

// checkReason refuses a reason the audit trail cannot record (control
// characters, not UTF-8), or a blank one when required.
func checkReason(reason string, required bool) *apiError {
	if required {
		if err := ops.RequireReason("reason", reason); err != nil {
			return invalid("/reason", "%v", err)
		}
	}
	if err := ops.CheckAuditText("reason", reason); err != nil {
		return invalid("/reason", "%v", err)
	}
	return nil
}

// writeFlag writes w for the request's flag, by its actor, and answers
// with the flag's state after it.
func (rq *request) writeFlag(w ops.FlagWrite) {
	w.Flag, w.Actor = rq.arg, rq.actor
	rq.ifMatch(&w, "flag")
	wrote, err := rq.s.WriteFlag(w)
	in, ok := rq.wrote(err)
	if !ok {
		return
	}
	f := shownFlag(in.Flag(rq.arg))
	rq.w.Header().Set("ETag", etag(rq.s.State))
	writeJSON(rq.w, http.StatusOK, writeOutput{Wrote: wrote, Version: in.Version, Flag: &f})
}

// ifMatch makes w's plan fail with 412 unless the live state it is
// computed from is the one the request's If-Match names (absent or "*":
// any). The check runs over the very state the write is computed from,
// so that it holds until the write lands (or the plan runs again). what
// names the thing written, for the message.
func (rq *request) ifMatch(w *ops.FlagWrite, what string) {
	want := rq.r.Header.Get("If-Match")
	if want == "" || want == "*" {
		return
	}
	plan := w.Plan
	w.Plan = func(s *ops.Session, stored map[string]json.RawMessage, f *ops.FlagInfo) (map[string]json.RawMessage, bool, bool, error) {
		if got := etag(s.State); got != want {
			return nil, false, false, &apiError{http.StatusPreconditionFailed, "precondition_failed",
				"the live state changed: If-Match " + want + ", now " + got + " (read the " + what + " again)", ""}
		}
		return plan(s, stored, f)
	}
}

// wrote answers with err, the failure of a write, or inspects the live
// state after it.
func (rq *request) wrote(err error) (*ops.Inspection, bool) {
	if err != nil {
		rq.fail(err, true)
		return nil, false
	}
	return rq.inspect()
}

// flagBody decodes the body of a write to the request's flag, which must
// exist, and checks its reason; it answers with the error if any.
func (h *handler) flagBody(rq *request, v any, reason *string, required bool) bool {
	if err := h.decode(rq, v); err != nil {
		writeError(rq.w, err)
		return false
	}
	if !rq.flagArg() {
		return false
	}
	if err := checkReason(*reason, required); err != nil {
		writeError(rq.w, err)
		return false
	}
	return true
}

func (h *handler) setActive(rq *request, on bool) {
	var b reasonBody
	if h.flagBody(rq, &b, &b.Reason, !on) {
		rq.writeFlag(ops.FlagWrite{Reason: b.Reason, Plan: ops.SetActive(on)})
	}
}

func (h *handler) enable(rq *request)  { h.setActive(rq, true) }
func (h *handler) disable(rq *request) { h.setActive(rq, false) }

func (h *handler) rollout(rq *request) {
	var b rolloutBody
	if !h.flagBody(rq, &b, &b.Reason, false) {
		return
	}
	if b.Percentage == nil {
		writeError(rq.w, invalid("/percentage", "percentage is required: a number from 0 to 100"))
		return
	}
	val, err := ops.ParseRollout("percentage", strconv.FormatFloat(*b.Percentage, 'f', -1, 64))
	if err != nil {
		writeError(rq.w, invalid("/percentage", "%v", err))
		return
	}
	rq.writeFlag(ops.FlagWrite{Reason: b.Reason, Plan: ops.SetField("percentage_rollout", val)})
}

func (h *handler) reset(rq *request) {
	var b reasonBody
	if !h.flagBody(rq, &b, &b.Reason, false) {
		return
	}
	if b.Reason == "" {
		b.Reason = "operator reset"
	}
	rq.writeFlag(ops.FlagWrite{Reason: b.Reason, Plan: ops.Reset(rq.arg)})
}

func (h *handler) patch(rq *request) {
	var b patchBody
	if !h.flagBody(rq, &b, &b.Reason, false) {
		return
	}
	switch {
	case b.Revert != nil && (b.Patch != nil || b.Replace):
		writeError(rq.w, invalid("/revert", "revert does not go with patch or replace: send one or the other"))
	case b.Revert != nil:
		if len(b.Revert) == 0 {
			writeError(rq.w, invalid("/revert", "revert needs at least one field"))
			return
		}
		for i, f := range b.Revert {
			if err := ops.CheckPatchField("revert", f); err != nil {
				writeError(rq.w, invalid("/revert/"+strconv.Itoa(i), "%v", err))
				return
			}
		}
		rq.writeFlag(ops.FlagWrite{Reason: b.Reason, Plan: ops.Revert(b.Revert)})
	case b.Patch == nil:
		writeError(rq.w, invalid("/patch", `want {"patch": {FIELD: VALUE, ...}} (a JSON object of fields) or {"revert": [FIELD, ...]}`))
	default:
		rq.writeFlag(ops.FlagWrite{Reason: b.Reason, Plan: ops.MergePatch(b.Patch, b.Replace), Replace: b.Replace})
	}
}

// patchSegment changes the live patch of the segment the path names, as
// patch does a flag's: merge (or replace) "patch", or "revert" fields to
// the spec. Every flag that lists the segment follows.
func (h *handler) patchSegment(rq *request) {
	var b patchBody
	if err := h.decode(rq, &b); err != nil {
		writeError(rq.w, err)
		return
	}
	if err := ops.CheckSegment(rq.s.Spec, rq.arg); err != nil {
		writeError(rq.w, notFound(err))
		return
	}
	if err := checkReason(b.Reason, false); err != nil {
		writeError(rq.w, err)
		return
	}
	w := ops.FlagWrite{Flag: rq.arg, Actor: rq.actor, Reason: b.Reason, Plan: ops.MergePatch(b.Patch, b.Replace), Replace: b.Replace}
	switch {
	case b.Revert != nil && (b.Patch != nil || b.Replace):
		writeError(rq.w, invalid("/revert", "revert does not go with patch or replace: send one or the other"))
		return
	case b.Revert != nil:
		for i, f := range b.Revert {
			if !slices.Contains(spec.SegmentFields(), f) {
				writeError(rq.w, invalid("/revert/"+strconv.Itoa(i), "%q is not a segment field (one of %s)", f, strings.Join(spec.SegmentFields(), ", ")))
				return
			}
		}
		if len(b.Revert) == 0 {
			writeError(rq.w, invalid("/revert", "revert needs at least one field"))
			return
		}
		w.Plan = ops.Revert(b.Revert)
	case b.Patch == nil:
		writeError(rq.w, invalid("/patch", `want {"patch": {FIELD: VALUE, ...}} (a JSON object of segment fields) or {"revert": [FIELD, ...]}`))
		return
	}
	rq.ifMatch(&w, "segment")
	wrote, err := rq.s.WriteSegment(w)
	in, ok := rq.wrote(err)
	if !ok {
		return
	}
	g := *in.Segment(rq.arg)
	g.Live = ops.JSONShown(g.Live)
	rq.w.Header().Set("ETag", etag(rq.s.State))
	writeJSON(rq.w, http.StatusOK, writeOutput{Wrote: wrote, Version: in.Version, Segment: &g})
}

func (h *handler) setRelease(rq *request, on bool) {
	if rq.r.Header.Get("If-Match") != "" {
		writeError(rq.w, &apiError{http.StatusBadRequest, "bad_request", "If-Match applies to the writes of a flag or a segment, not to a release switch", ""})
		return
	}
	var b reasonBody
	if err := h.decode(rq, &b); err != nil {
		writeError(rq.w, err)
		return
	}
	if !rq.releaseArg() {
		return
	}
	if err := checkReason(b.Reason, !on); err != nil {
		writeError(rq.w, err)
		return
	}
	wrote, _, err := rq.s.SetRelease(rq.arg, on, rq.actor, b.Reason, false)
	in, ok := rq.wrote(err)
	if !ok {
		return
	}
	writeJSON(rq.w, http.StatusOK, writeOutput{Wrote: wrote, Version: in.Version, Release: ops.StatusOf(in, rq.arg)})
}

func (h *handler) releaseOn(rq *request)  { h.setRelease(rq, true) }
func (h *handler) releaseOff(rq *request) { h.setRelease(rq, false) }

// exposureResetBody is the body of POST /admin/v1/flags/{name}/exposure/reset.
type exposureResetBody struct {
	Env    string `json:"env"`
	Reason string `json:"reason"`
}

// exposureResetOutput is the answer to an exposure reset: the flag's
// exposure after it, which counts afresh since Since in Env ("": every
// environment).
type exposureResetOutput struct {
	Flag             string            `json:"flag"`
	Env              string            `json:"env"`
	Since            time.Time         `json:"since"`
	Exposure         []ops.EnvExposure `json:"exposure"`
	ExposureWarnings []string          `json:"exposure_warnings,omitempty"`
}

// resetExposure makes the exposure counts of the flag the path names
// start afresh (ops.Session.ResetExposure) in the body's env ("": every
// environment), by the request's actor, for the body's reason (required),
// and answers with the flag's exposure after it.
func (h *handler) resetExposure(rq *request) {
	if rq.r.Header.Get("If-Match") != "" {
		writeError(rq.w, &apiError{http.StatusBadRequest, "bad_request", "If-Match applies to the writes of a flag or a segment, not to an exposure reset", ""})
		return
	}
	var b exposureResetBody
	if !h.flagBody(rq, &b, &b.Reason, true) {
		return
	}
	if err := ops.CheckAuditText("env", b.Env); err != nil {
		writeError(rq.w, invalid("/env", "%v", err))
		return
	}
	if err := ops.CheckEnv(rq.s.Spec.Environments(), b.Env); err != nil {
		writeError(rq.w, invalid("/env", "%v", err))
		return
	}
	at, err := rq.s.ResetExposure(ops.ExposureReset{Flag: rq.arg, Env: b.Env, Actor: rq.actor, Reason: b.Reason})
	if err != nil {
		rq.fail(err, true)
		return
	}
	ctx, cancel := rq.s.Ctx()
	defer cancel()
	exps, warnings, err := rq.s.Exposure(ctx, rq.arg)
	if err != nil {
		rq.fail(err, false)
		return
	}
	writeJSON(rq.w, http.StatusOK, exposureResetOutput{Flag: rq.arg, Env: b.Env, Since: at, Exposure: ops.EnvExposures(exps), ExposureWarnings: warnings})
}
