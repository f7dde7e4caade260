package admin

import (
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"testing"

	"github.com/flaggen/flaggen/internal/ops"
)

// TestSegments: GET /admin/v1/segments lists every segment with its
// include and exclude lists and the flags that use it, live patches
// applied; GET /admin/v1/segments/{name} shows one, 404 for a name the
// spec lacks.
func TestSegments(t *testing.T) {
	file := filepath.Join(t.TempDir(), "flags.json")
	src := `{"segments": {"eu": {"regions": ["RO"], "include": [1]}, "staff": {"include": [2], "segments": ["eu"]}},
  "flags": {"f": {"active": true, "segments": ["eu"]}, "g": {"active": true, "segments": ["eu", "staff"]}, "h": {"active": true}}}`
	if err := os.WriteFile(file, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	a := startAPIWith(t, "memory", file)
	if _, err := a.s.WriteSegment(ops.FlagWrite{Flag: "eu", Actor: "alice", Plan: ops.SegmentKeys("eu", "include", []json.RawMessage{json.RawMessage("7")}, false)}); err != nil {
		t.Fatal(err)
	}
	var list struct {
		Version  uint64
		Segments []struct {
			Segment string
			Include []int64
			Flags   []string
			UsedBy  []string `json:"used_by"`
			Live    json.RawMessage
		}
	}
	a.want(a.do(http.MethodGet, "/admin/v1/segments", ""), http.StatusOK).decode(t, &list)
	if len(list.Segments) != 2 {
		t.Fatalf("segments %+v", list)
	}
	eu := list.Segments[0]
	if eu.Segment != "eu" || len(eu.Include) != 2 || eu.Include[1] != 7 || len(eu.Flags) != 2 || eu.Flags[0] != "f" || eu.Flags[1] != "g" ||
		len(eu.UsedBy) != 1 || eu.UsedBy[0] != "staff" || string(eu.Live) != `{"include":[1,7]}` {
		t.Errorf("eu %+v", eu)
	}
	var one struct {
		Segment    string
		Definition json.RawMessage
		Version    uint64
	}
	a.want(a.do(http.MethodGet, "/admin/v1/segments/staff", ""), http.StatusOK).decode(t, &one)
	if one.Segment != "staff" || string(one.Definition) != `{"include":[2],"segments":["eu"]}` || one.Version != list.Version {
		t.Errorf("staff %+v", one)
	}
	a.wantErr(a.do(http.MethodGet, "/admin/v1/segments/stuff", ""), http.StatusNotFound, "not_found", "", `unknown segment "stuff" (did you mean staff?)`)

	// Writes: merge, refusals (nothing written), revert.
	r := a.want(a.do(http.MethodPatch, "/admin/v1/segments/staff", `{"patch": {"include": [2, 5]}, "reason": "new hire"}`), http.StatusOK)
	var w struct {
		Wrote   bool
		Segment struct{ Include []int64 }
	}
	r.decode(t, &w)
	if !w.Wrote || len(w.Segment.Include) != 2 || w.Segment.Include[1] != 5 {
		t.Errorf("PATCH staff: %s", r.body)
	}
	n := a.auditLen()
	a.wantErr(a.do(http.MethodPatch, "/admin/v1/segments/eu", `{"patch": {"include": ["x"]}}`), http.StatusUnprocessableEntity, "invalid", "/patch/include/0",
		`live change refused: segment "eu": patch:1:13: /include/0: must be an integer, got string (key attribute "user_id" is int)`)
	a.wantErr(a.do(http.MethodPatch, "/admin/v1/segments/eu", `{"patch": {"segments": ["staff"]}}`), http.StatusUnprocessableEntity, "invalid", "/patch/segments/0",
		`live change refused: segment "eu": patch:1:30: /segments/0: segment cycle eu → staff → eu`)
	a.wantErr(a.do(http.MethodPatch, "/admin/v1/segments/eu", `{"revert": ["users"]}`), http.StatusUnprocessableEntity, "invalid", "/revert/0",
		`"users" is not a segment field (one of description, include, exclude, regions, account_types, beta_program, rules, segments)`)
	a.wantErr(a.do(http.MethodPatch, "/admin/v1/segments/nope", `{"patch": {}}`), http.StatusNotFound, "not_found", "", `unknown segment "nope" (segments: eu, staff)`)
	if a.auditLen() != n {
		t.Error("a refused segment write was audited")
	}
	r = a.want(a.do(http.MethodPatch, "/admin/v1/segments/eu", `{"revert": ["include"]}`), http.StatusOK)
	r.decode(t, &w)
	if !w.Wrote || len(w.Segment.Include) != 1 || w.Segment.Include[0] != 1 {
		t.Errorf("revert eu include: %s", r.body)
	}
}

// TestSegmentIfMatch: a segment write with If-Match is made only over the
// live state the client read (the ETag of GET segments/{name}), else 412
// and nothing written, for stores of both kinds.
func TestSegmentIfMatch(t *testing.T) {
	file := filepath.Join(t.TempDir(), "flags.json")
	src := `{"segments": {"eu": {"include": [1]}}, "flags": {"f": {"active": true, "segments": ["eu"]}}}`
	if err := os.WriteFile(file, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, kind := range []string{"memory", "redis"} {
		t.Run(kind, func(t *testing.T) {
			a := startAPIWith(t, kind, file)
			tag := a.want(a.do(http.MethodGet, "/admin/v1/segments/eu", ""), http.StatusOK).header.Get("ETag")
			if tag == "" {
				t.Fatal("GET segments/eu: no ETag")
			}
			h := map[string]string{"Authorization": "Bearer tok-alice", "Content-Type": "application/json", "If-Match": tag}
			r := a.want(a.doWith(http.MethodPatch, "/admin/v1/segments/eu", `{"patch": {"include": [1, 2]}, "replace": true}`, h), http.StatusOK)
			if got := r.header.Get("ETag"); got == tag || got == "" {
				t.Errorf("ETag after the write: %q (before: %q)", got, tag)
			}
			n := a.auditLen()
			// A second editor who read before the first write.
			a.wantErr(a.doWith(http.MethodPatch, "/admin/v1/segments/eu", `{"patch": {"include": [3]}, "replace": true}`, h), http.StatusPreconditionFailed,
				"precondition_failed", "", "the live state changed: If-Match "+tag)
			a.wantErr(a.doWith(http.MethodPatch, "/admin/v1/segments/eu", `{"revert": ["include"]}`, h), http.StatusPreconditionFailed,
				"precondition_failed", "", "read the segment again")
			if a.auditLen() != n {
				t.Error("a segment write refused by If-Match was audited")
			}
			var g struct{ Segment struct{ Include []int64 } }
			a.want(a.do(http.MethodGet, "/admin/v1/segments/eu", ""), http.StatusOK).decode(t, &g.Segment)
			if len(g.Segment.Include) != 2 {
				t.Errorf("include after the refused writes: %v, want [1 2]", g.Segment.Include)
			}
			h["If-Match"] = r.header.Get("ETag")
			a.want(a.doWith(http.MethodPatch, "/admin/v1/segments/eu", `{"revert": ["include"]}`, h), http.StatusOK)
			h["If-Match"] = "*"
			a.want(a.doWith(http.MethodPatch, "/admin/v1/segments/eu", `{"patch": {"include": [4]}}`, h), http.StatusOK)
		})
	}
}
