//go:build unix

package webui

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/flaggen/flaggen/internal/ops"
)

// bigSpec writes a spec of n flags (with owners, kinds, rollouts,
// dependencies and releases) and loads it.
func bigSpec(tb testing.TB, n int) *ops.SpecFile {
	tb.Helper()
	var b strings.Builder
	b.WriteString(`{"flags": {`)
	kinds := []string{"release", "experiment", "ops", "permission", "kill_switch"}
	for i := range n {
		if i > 0 {
			b.WriteString(",")
		}
		fmt.Fprintf(&b, `"flag_%04d": {"active": %t, "percentage_rollout": %d, "regions": ["US", "RO"], "kind": %q, "owner": "team %d"`,
			i, i%7 != 0, i%101, kinds[i%len(kinds)], i%12)
		if i%10 == 1 {
			fmt.Fprintf(&b, `, "depends_on": ["flag_%04d"]`, i-1)
		}
		fmt.Fprintf(&b, `, "metadata": {"description": "Generated flag number %d."}}`, i)
	}
	b.WriteString(`}, "releases": {`)
	for r := range n / 50 {
		if r > 0 {
			b.WriteString(",")
		}
		fmt.Fprintf(&b, `"release_%02d": {"flags": [`, r)
		for j := range 5 {
			if j > 0 {
				b.WriteString(",")
			}
			fmt.Fprintf(&b, `"flag_%04d"`, r*50+j)
		}
		b.WriteString("]}")
	}
	b.WriteString("}}")
	file := filepath.Join(tb.TempDir(), "flags.json")
	if err := os.WriteFile(file, []byte(b.String()), 0o644); err != nil {
		tb.Fatal(err)
	}
	sf, err := ops.LoadSpecFile(file, "-spec")
	if err != nil {
		tb.Fatal(err)
	}
	return sf
}

// BenchmarkFlagsList answers GET /admin/flags with the list of 1,000
// flags to a logged-in admin, over the memory store, through the
// in-process admin API. Budget: 50 ms an operation. "render" renders the
// list each time (the first viewer after a change); "cached" is every
// other viewer of the same live state. cpu-ms/op is the process's CPU
// time, which other processes on the machine do not inflate.
func BenchmarkFlagsList(b *testing.B) {
	ts := startSpec(b, bigSpec(b, 1000))
	ss := ts.ui.sessions.open("bench")
	req := httptest.NewRequest("GET", "/admin/flags", nil)
	req.AddCookie(&http.Cookie{Name: cookieName, Value: ss.id})
	w := httptest.NewRecorder()
	ts.ui.ServeHTTP(w, req)
	if n := strings.Count(w.Body.String(), `class="flagname"`); w.Code != http.StatusOK || n != 1000 {
		b.Fatalf("GET /admin/flags: %d, %d rows", w.Code, n)
	}
	for _, cached := range []bool{false, true} {
		name := "render"
		if cached {
			name = "cached"
		}
		b.Run(name, func(b *testing.B) {
			b.ReportAllocs()
			cpu := cpuTime()
			for b.Loop() {
				if !cached {
					ts.ui.lists.put("", "", nil)
				}
				ts.ui.ServeHTTP(httptest.NewRecorder(), req)
			}
			b.ReportMetric(float64(cpuTime()-cpu)/float64(time.Millisecond)/float64(b.N), "cpu-ms/op")
		})
	}
}

// cpuTime returns the CPU time (user and system) the process has used.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
