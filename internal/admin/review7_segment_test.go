package admin

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/flaggen/flaggen/internal/ops"
)

// review7Spec writes a spec of one segment, eu, and one flag using it.
func review7Spec(t *testing.T) string {
	t.Helper()
	file := filepath.Join(t.TempDir(), "flags.json")
	src := `{"segments": {"eu": {"include": [1]}}, "flags": {"f": {"active": true, "segments": ["eu"]}}}`
	if err := os.WriteFile(file, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	return file
}

// TestReview7SegmentIfMatchRace: editors who all read the same ETag and
// save at once: exactly one write lands (one audit entry, one version
// bump), the others get 412; and a weak or listed ETag is refused (412),
// writing nothing. (Over a namespace written once at least: see
// TestReview7IfMatchVersionZero for a fresh one.)
func TestReview7SegmentIfMatchRace(t *testing.T) {
	file := review7Spec(t)
	for _, kind := range []string{"memory", "redis"} {
		t.Run(kind, func(t *testing.T) {
			a := startAPIWith(t, kind, file)
			a.want(a.do(http.MethodPatch, "/admin/v1/segments/eu", `{"patch": {"include": [9]}}`), http.StatusOK)
			tag := a.want(a.do(http.MethodGet, "/admin/v1/segments/eu", ""), http.StatusOK).header.Get("ETag")
			n := a.auditLen()
			const editors = 8
			codes := make([]int, editors)
			var wg sync.WaitGroup
			for i := range editors {
				wg.Go(func() {
					req, err := http.NewRequest(http.MethodPatch, a.url+"/admin/v1/segments/eu", strings.NewReader(fmt.Sprintf(`{"patch": {"include": [%d]}, "replace": true}`, 100+i)))
					if err != nil {
						t.Error(err)
						return
					}
					req.Header.Set("Authorization", "Bearer tok-alice")
					req.Header.Set("Content-Type", "application/json")
					req.Header.Set("If-Match", tag)
					resp, err := http.DefaultClient.Do(req)
					if err != nil {
						t.Error(err)
						return
					}
					io.Copy(io.Discard, resp.Body)
					resp.Body.Close()
					codes[i] = resp.StatusCode
				})
			}
			wg.Wait()
			won := 0
			for _, c := range codes {
				switch c {
				case http.StatusOK:
					won++
				case http.StatusPreconditionFailed:
				default:
					t.Errorf("status %d", c)
				}
			}
			if won != 1 {
				t.Errorf("%d writes over the same ETag landed, want 1: %v", won, codes)
			}
			if got := a.auditLen(); got != n+1 {
				t.Errorf("audit entries: %d after, %d before; want one more", got, n)
			}
			n = a.auditLen()
			now := a.want(a.do(http.MethodGet, "/admin/v1/segments/eu", ""), http.StatusOK).header.Get("ETag")
			h := map[string]string{"Authorization": "Bearer tok-alice", "Content-Type": "application/json"}
			for _, im := range []string{"W/" + now, now + ", " + tag, strings.Trim(now, `"`)} {
				h["If-Match"] = im
				r := a.doWith(http.MethodPatch, "/admin/v1/segments/eu", `{"patch": {"include": [7]}}`, h)
				if r.status != http.StatusPreconditionFailed {
					t.Errorf("If-Match %s: %d %s", im, r.status, r.body)
				}
			}
			if a.auditLen() != n || a.want(a.do(http.MethodGet, "/admin/v1/segments/eu", ""), http.StatusOK).header.Get("ETag") != now {
				t.Error("a write refused by If-Match changed the live state or the audit trail")
			}
		})
	}
}

// TestReview7IfMatchVersionZero: a write with If-Match over a fresh live
// state (version 0, ETag "0": nothing written yet), during which another
// writer gets in (after the plan, before the store write) must be refused
// (412), as it is at any other version. It lands, over the other write:
// the runtime sends the change with IfVersion 0, which both stores take
// as "unconditional" (memstore: IfVersion != 0 &&; the Redis script:
// ARGV[1] ~= '0'), so the conflict is never noticed and the plan never
// runs again. A lost update on the first edits of every new namespace,
// segments and flags alike.
func TestReview7IfMatchVersionZero(t *testing.T) {
	file := review7Spec(t)
	include := func(v string) ops.Plan {
		return func(*ops.Session, map[string]json.RawMessage, *ops.FlagInfo) (map[string]json.RawMessage, bool, bool, error) {
			return map[string]json.RawMessage{"include": json.RawMessage(v)}, true, false, nil
		}
	}
	for _, c := range []struct {
		kind  string
		fresh bool
	}{{"memory", true}, {"memory", false}, {"redis", true}, {"redis", false}} {
		name := c.kind + "/written"
		if c.fresh {
			name = c.kind + "/fresh"
		}
		t.Run(name, func(t *testing.T) {
			a := startAPIWith(t, c.kind, file)
			if !c.fresh {
				a.want(a.do(http.MethodPatch, "/admin/v1/segments/eu", `{"patch": {"include": [9]}}`), http.StatusOK)
			}
			tag := a.want(a.do(http.MethodGet, "/admin/v1/segments/eu", ""), http.StatusOK).header.Get("ETag")
			if c.fresh && tag != `"0"` {
				t.Fatalf("fresh namespace: ETag %s, want \"0\"", tag)
			}
			rq := &request{r: httptest.NewRequest(http.MethodPatch, "/admin/v1/segments/eu", nil), s: a.s.Fork()}
			rq.r.Header.Set("If-Match", tag)
			other := true
			w := ops.FlagWrite{Flag: "eu", Actor: "bob", Plan: func(s *ops.Session, stored map[string]json.RawMessage, f *ops.FlagInfo) (map[string]json.RawMessage, bool, bool, error) {
				if other { // alice saves between bob's plan and his store write
					other = false
					if _, err := a.s.Fork().WriteSegment(ops.FlagWrite{Flag: "eu", Actor: "alice", Plan: include("[2]")}); err != nil {
						t.Fatal(err)
					}
				}
				return include("[3]")(s, stored, f)
			}}
			rq.ifMatch(&w, "segment")
			wrote, err := rq.s.WriteSegment(w)
			var ae *apiError
			if !errors.As(err, &ae) || ae.status != http.StatusPreconditionFailed {
				t.Fatalf("If-Match %s, another write landed meanwhile: wrote %v, err %v; want 412 (alice's write is lost)", tag, wrote, err)
			}
		})
	}
}
