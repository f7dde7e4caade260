package flaghttp

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"math"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/flaggen/flaggen/runtime"
)

// edgeSpec has variants with quotes, backslashes, control characters,
// unicode (U+2028 included), NaN-like strings, float edge values and
// int extremes.
const edgeSpec = `{"context": {"user_id": {"type": "int", "key": true}, "region": {"type": "string"}},
 "flags": {
  "s": {"type": "string", "active": true, "client": true, "default": "q\"uote",
        "variants": {"q\"uote": 20, "back\\slash": 20, "ctl\u0001\n": 20, "é\u2028\u2029</script>": 20, "NaN": 20}},
  "f": {"type": "float", "active": true, "default": "z",
        "variants": {"z": {"value": -0.0, "weight": 25}, "big": {"value": 1e300, "weight": 25}, "tiny": {"value": 5e-324, "weight": 25}, "int": {"value": 3, "weight": 25}}},
  "i": {"type": "int", "active": true, "default": "min",
        "variants": {"min": {"value": -9223372036854775808, "weight": 50}, "max": {"value": 9223372036854775807, "weight": 50}}},
  "b": {"active": true, "percentage_rollout": 50},
  "off": {"type": "string", "active": false, "default": "a\"b", "variants": {"a\"b": 50, "c": 50}}
 }}`

func edgeServer(t testing.TB, src string) (*runtime.Client, *handler) {
	t.Helper()
	sp, err := runtime.LoadSpec("edge.json", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	c, err := runtime.NewClient(sp)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	h, err := New(c, Config{ServerKeys: []string{serverKey}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { h.(interface{ Close() error }).Close() })
	return c, h.(*handler)
}

func edgePost(h *handler, path, body string) (int, []byte) {
	req := httptest.NewRequest("POST", path, strings.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+serverKey)
	w := httptest.NewRecorder()
	h.ServeHTTP(w, req)
	return w.Code, w.Body.Bytes()
}

// TestFragsSpecialValues checks that every object of a bulk
// response, served from fragments, is byte for byte the single-flag
// endpoint's answer (formatted per evaluation, unchanged by fragments)
// for the same context, with and without pins, whole and split.
func TestFragsSpecialValues(t *testing.T) {
	c, h := edgeServer(t, edgeSpec)
	check := func(label string) {
		t.Helper()
		for k := range 300 {
			body := fmt.Sprintf(`{"context":{"targetingKey":"%d","region":"US"}}`, k)
			code, bulk := edgePost(h, "/ofrep/v1/evaluate/flags", body)
			if code != 200 {
				t.Fatalf("%s: bulk %d %s", label, code, bulk)
			}
			if !json.Valid(bulk) {
				t.Fatalf("%s: bulk response not JSON: %s", label, bulk)
			}
			var resp struct{ Flags []json.RawMessage }
			json.Unmarshal(bulk, &resp)
			for n, name := range h.allIdx {
				_ = name
				fname := h.flags[h.allIdx[n]].name
				code, one := edgePost(h, "/ofrep/v1/evaluate/flags/"+fname, body)
				if code != 200 {
					t.Fatalf("%s: single %s %d %s", label, fname, code, one)
				}
				if !bytes.Equal(bytes.TrimSpace(one), []byte(resp.Flags[n])) {
					t.Errorf("%s: %s: bulk %s, single %s", label, fname, resp.Flags[n], one)
				}
			}
		}
	}
	check("whole")
	f := h.frags.Load()
	if f == nil || !f.whole {
		t.Fatal("no whole fragments")
	}
	// The split form, on the same snapshot.
	h.frags.Store(h.buildFragments(f.snap, false))
	check("split")
	runtime.ToggleNameAs(t, c, "s", "pin\"ned\u2028")
	runtime.ToggleNameAs(t, c, "f", math.Copysign(0, -1))
	runtime.ToggleNameAs(t, c, "i", int64(math.MinInt64))
	runtime.ToggleNameAs(t, c, "b", false)
	check("pinned")
}

// TestFragsConcurrent builds and reads fragments from many
// goroutines while live state and pins change, checking that each object
// served from the fragments of a request's snapshot is the one formatted
// for its decision (run with -race).
func TestFragsConcurrent(t *testing.T) {
	c, h := edgeServer(t, edgeSpec)
	ctx := context.Background()
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for g := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			vals := *h.getVals()
			for k := 0; ; k++ {
				select {
				case <-stop:
					return
				default:
				}
				clear(vals)
				if err := h.parseContext([]byte(fmt.Sprintf(`{"context":{"targetingKey":"%d"}}`, k*7+g)), vals, false); err != nil {
					t.Error(err)
					return
				}
				snap := h.ev.Snapshot()
				f := h.fragmentsOf(snap)
				ec := h.m.evals.shard()
				if f != nil && f.snap != snap {
					t.Error("fragments of another snapshot")
					return
				}
				for i := range h.flags {
					d := h.ev.DecideOn(ctx, snap, i, vals)
					if d.NoKey {
						continue
					}
					got, want := h.appendDecided(nil, ec, f, i, &d), h.appendDecided(nil, ec, nil, i, &d)
					if !bytes.Equal(got, want) {
						t.Errorf("%s: fragments %s, formatting %s", h.flags[i].name, got, want)
						return
					}
				}
			}
		}()
	}
	for k := range 200 {
		w := k % 100
		if err := c.Set(ctx, "s", json.RawMessage(fmt.Sprintf(`{"active":%v}`, w%2 == 0)), "t", "r"); err != nil {
			t.Fatal(err)
		}
		if err := c.Set(ctx, "b", json.RawMessage(fmt.Sprintf(`{"percentage_rollout":%d}`, w)), "t", "r"); err != nil {
			t.Fatal(err)
		}
	}
	close(stop)
	wg.Wait()
	if h.building.Load() {
		t.Error("building left set")
	}
}

// TestFragsStaleSnapshotKeepsLatestFragments: a request that loaded its
// snapshot before a live change (a slow request, or one descheduled
// between Snapshot and fragmentsOf) must not replace the current
// snapshot's fragments with its stale snapshot's: if it does, the next
// request on the current snapshot builds them all again, and the stale
// snapshot (with its fragments) stays reachable until then.
func TestFragsStaleSnapshotKeepsLatestFragments(t *testing.T) {
	c, h := edgeServer(t, edgeSpec)
	old := h.ev.Snapshot()
	if err := c.Set(context.Background(), "b", json.RawMessage(`{"percentage_rollout":10}`), "t", "r"); err != nil {
		t.Fatal(err)
	}
	cur := h.ev.Snapshot()
	if cur == old {
		t.Fatal("the live change made no new snapshot")
	}
	fcur := h.fragmentsOf(cur) // a request on the current snapshot
	h.fragmentsOf(old)         // the late request on the old one
	if got := h.frags.Load(); got != fcur {
		t.Errorf("a request on a stale snapshot replaced the current snapshot's fragments (now those of the stale one: %v)", got.snap == old)
	}
}

// manyVariantsSpec is one string flag with n variants of equal weight.
func manyVariantsSpec(n int) string {
	var b strings.Builder
	b.WriteString(`{"context": {"user_id": {"type": "int", "key": true}}, "flags": {"many": {"type": "string", "active": true, "default": "v000001", "variants": {`)
	for k := range n {
		if k > 0 {
			b.WriteByte(',')
		}
		w := 0
		if k >= n-min(n, 100) {
			w = 100 / min(n, 100)
		}
		if k == n-1 {
			w += 100 % min(n, 100)
		}
		fmt.Fprintf(&b, `"v%06d": %d`, k, w)
	}
	b.WriteString(`}}}}`)
	return b.String()
}

// TestFragsManyVariants: a flag of more variants than maxFlagOutcomes has
// no fragments (its answers are formatted as they come, so that neither
// building nor finding grows with its variants), and its bulk answers
// are the single-flag endpoint's.
func TestFragsManyVariants(t *testing.T) {
	_, h := edgeServer(t, manyVariantsSpec(10000))
	for k := range 200 {
		body := fmt.Sprintf(`{"context":{"targetingKey":"%d"}}`, k)
		_, bulk := edgePost(h, "/ofrep/v1/evaluate/flags", body)
		_, one := edgePost(h, "/ofrep/v1/evaluate/flags/many", body)
		var resp struct{ Flags []json.RawMessage }
		if err := json.Unmarshal(bulk, &resp); err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(bytes.TrimSpace(one), resp.Flags[0]) {
			t.Fatalf("bulk %s, single %s", resp.Flags[0], one)
		}
	}
	f := h.frags.Load()
	if f == nil || len(f.flags[0]) != 0 || len(f.buf) != 0 {
		t.Fatalf("fragments %+v: want them built, with none for the flag of 10,000 variants", f)
	}
	// At the bound, a flag keeps its fragments.
	_, h = edgeServer(t, manyVariantsSpec(maxFlagOutcomes))
	edgePost(h, "/ofrep/v1/evaluate/flags", `{"context":{"targetingKey":"1"}}`)
	if f := h.frags.Load(); f == nil || len(f.flags[0]) != maxFlagOutcomes {
		t.Fatalf("a flag of %d variants has fragments %+v, want all of them", maxFlagOutcomes, f)
	}
}
