package webui

import (
	"net/http"

	"github.com/flaggen/flaggen/internal/ops"
)

// segmentsData is the segments page's data: every segment as GET
// /admin/v1/segments answers.
type segmentsData struct {
	Segments []ops.SegmentInfo
}

// segmentsPage shows every segment with its include and exclude lists,
// its definition and the flags that list it.
func (u *UI) segmentsPage(w http.ResponseWriter, r *http.Request, ss *session) {
	p := u.newPage(r, ss, "Segments", "segments")
	p.Self = Prefix + "/segments"
	var out struct {
		Version  uint64            `json:"version"`
		Segments []ops.SegmentInfo `json:"segments"`
	}
	if err := u.call(r.Context(), ss, "GET", "segments", nil, &out); err != nil {
		u.fail(w, p, err)
		return
	}
	p.Version = out.Version
	p.Data = &segmentsData{Segments: out.Segments}
	u.render(w, http.StatusOK, "segments", p)
}
