package flaghttp

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/flaggen/flaggen/generated/demo"
	"github.com/flaggen/flaggen/internal/bridge"
	"github.com/flaggen/flaggen/internal/demotest"
	"github.com/flaggen/flaggen/internal/evalmap"
	"github.com/flaggen/flaggen/runtime"
)

// randomContext returns an OFREP context over the demo spec's attributes:
// each attribute present or not, with values that hit and miss the demo's
// targeting; full makes every attribute present with a non-zero user id
// (what a generated Context holds).
func randomContext(r *rand.Rand, full bool) map[string]any {
	pick := func(xs ...any) any { return xs[r.IntN(len(xs))] }
	m := map[string]any{}
	maybe := func(name string, v any) {
		if full || r.IntN(3) > 0 {
			m[name] = v
		}
	}
	if full || r.IntN(4) > 0 {
		m["targetingKey"] = strconv.Itoa(int(pick(123, 456, 789, 1, 42).(int)) + r.IntN(5000)*int(pick(0, 1).(int)))
	}
	maybe("region", pick("US", "RO", "DE", ""))
	maybe("account_type", pick("free", "premium", "enterprise"))
	maybe("beta_program", pick(true, false))
	maybe("device", pick("ios", "android", "web"))
	maybe("app_version", pick("2.2.9", "2.3.0", "2.4.1", "10.0.0"))
	maybe("signup_date", pick("2023-01-01", "2025-06-30"))
	maybe("cart_total", pick(0.0, 10.5, 49.99, 50.0, 120.0))
	return m
}

// evalContext is the context as `flaggen eval` takes it: the targetingKey
// under the key attribute's name.
func evalContext(m map[string]any) []byte {
	e := map[string]any{}
	for k, v := range m {
		if k == "targetingKey" {
			n, _ := strconv.Atoi(v.(string))
			e["user_id"] = n
			continue
		}
		e[k] = v
	}
	b, _ := json.Marshal(e)
	return b
}

// sameValue compares an OFREP JSON value (json.Number for numbers) with a
// Go value (bool, string, int64, float64).
func sameValue(got, want any) bool {
	if n, ok := got.(json.Number); ok {
		switch w := want.(type) {
		case int64:
			i, err := n.Int64()
			return err == nil && i == w
		case float64:
			f, err := n.Float64()
			return err == nil && f == w
		}
		return false
	}
	return got == want
}

// wantReason is the OFREP reason an explanation's step maps to.
func wantReason(e runtime.Explanation, constant bool) string {
	switch e.Step {
	case "pinned":
		return "STATIC"
	case "active", "activation_date", "environments", "tripped":
		return "DISABLED"
	case "users", "empty_context":
		return "TARGETING_MATCH"
	case "targeting":
		if constant {
			return "STATIC"
		}
		return "TARGETING_MATCH"
	case "rollout", "variants":
		return "SPLIT"
	}
	return "DEFAULT"
}

// TestDifferential evaluates random contexts over OFREP (bulk and single)
// and checks every flag's value and reason against Client.ExplainName (what
// `flaggen eval` prints) and, for complete contexts, the generated
// accessors.
func TestDifferential(t *testing.T) {
	s := start(t, Config{}, false)
	// Live state too: a rollout changed live.
	if err := s.c.Set(context.Background(), "advanced_search", json.RawMessage(`{"percentage_rollout":50}`), "test", "differential"); err != nil {
		t.Fatal(err)
	}
	spec := s.c.Spec()
	names := spec.FlagNames()
	r := rand.New(rand.NewPCG(1, 2))
	seen := map[string]bool{}
	for n := range 300 {
		full := n%3 == 0
		m := randomContext(r, full)
		body, _ := json.Marshal(map[string]any{"context": m})
		vals, err := spec.ParseContext(evalContext(m))
		if err != nil {
			t.Fatal(err)
		}
		code, out, _ := s.do(t, "POST", "/ofrep/v1/evaluate/flags", serverKey, body)
		if code != 200 {
			t.Fatalf("bulk %s: %d %s", body, code, out)
		}
		resp := decode[bulkResponse](t, out)
		if len(resp.Flags) != len(names) {
			t.Fatalf("bulk returned %d flags, want %d", len(resp.Flags), len(names))
		}
		var gc *demo.Context
		if full {
			uid, _ := strconv.Atoi(m["targetingKey"].(string))
			gc = &demo.Context{UserID: int64(uid), Region: m["region"].(string), AccountType: mustParse(t, demo.ParseAccountType, m["account_type"]),
				BetaProgram: m["beta_program"].(bool), Device: mustParse(t, demo.ParseDevice, m["device"]), AppVersion: m["app_version"].(string),
				SignupDate: m["signup_date"].(string), CartTotal: m["cart_total"].(float64)}
		}
		for i, name := range names {
			item := resp.Flags[i]
			if item["key"] != name {
				t.Fatalf("bulk item %d is %v, want %s", i, item["key"], name)
			}
			e := s.c.ExplainName(context.Background(), name, vals)
			_, keyed := m["targetingKey"]
			noKey := !keyed && strings.Contains(e.Reason, "user_id absent")
			code, one, _ := s.do(t, "POST", "/ofrep/v1/evaluate/flags/"+name, serverKey, body)
			single := decode[map[string]any](t, one)
			if noKey {
				if item["errorCode"] != "TARGETING_KEY_MISSING" || code != 400 || single["errorCode"] != "TARGETING_KEY_MISSING" {
					t.Errorf("%s %s: bulk %v, single %d %v, want TARGETING_KEY_MISSING (%v)", name, body, item, code, single, e)
				}
				seen["TARGETING_KEY_MISSING"] = true
				continue
			}
			if code != 200 {
				t.Fatalf("single %s %s: %d %s", name, body, code, one)
			}
			delete(single, "cacheable")
			if fmt.Sprint(single) != fmt.Sprint(item) {
				t.Errorf("%s: single %v, bulk %v", name, single, item)
			}
			if !sameValue(item["value"], e.Value) {
				t.Errorf("%s %s: OFREP value %v, ExplainName %v (%v)", name, body, item["value"], e.Value, e)
			}
			d := bridge.EvaluatorOf[runtime.Value](s.c).Decide(context.Background(), i, vals)
			if want := wantReason(e, d.Const); item["reason"] != want {
				t.Errorf("%s %s: reason %v, want %s for %v", name, body, item["reason"], want, e)
			}
			seen[item["reason"].(string)] = true
			if gc != nil {
				if a := demotest.Accessor(s.flags, name, gc); !sameValue(item["value"], a) {
					t.Errorf("%s %s: OFREP value %v, accessor %v", name, body, item["value"], a)
				}
			}
		}
	}
	for _, r := range []string{"STATIC", "TARGETING_MATCH", "SPLIT", "DISABLED", "DEFAULT", "TARGETING_KEY_MISSING"} {
		if !seen[r] {
			t.Errorf("no evaluation gave %s: widen the random contexts", r)
		}
	}
}

// TestErrors checks the OFREP error bodies and statuses.
func TestErrors(t *testing.T) {
	s := start(t, Config{MaxBodyBytes: 512, MaxContextAttrs: 4}, false)
	for _, c := range []struct {
		path, body string
		code       int
		errCode    string
		mention    string
	}{
		{"/ofrep/v1/evaluate/flags/new_ui", `{"context":`, 400, "PARSE_ERROR", ""},
		{"/ofrep/v1/evaluate/flags/new_ui", `not json`, 400, "PARSE_ERROR", ""},
		{"/ofrep/v1/evaluate/flags/new_ui", `{"context":[1]}`, 400, "INVALID_CONTEXT", "object"},
		{"/ofrep/v1/evaluate/flags/new_ui", `{"context":{"planet":"mars"}}`, 400, "INVALID_CONTEXT", `"planet"`},
		{"/ofrep/v1/evaluate/flags/new_ui", `{"context":{"region":7}}`, 400, "INVALID_CONTEXT", "region"},
		{"/ofrep/v1/evaluate/flags/new_ui", `{"context":{"account_type":"gold"}}`, 400, "INVALID_CONTEXT", "account_type"},
		{"/ofrep/v1/evaluate/flags/new_ui", `{"context":{"targetingKey":"abc"}}`, 400, "INVALID_CONTEXT", "targetingKey"},
		{"/ofrep/v1/evaluate/flags/new_ui", `{"context":{"targetingKey":5}}`, 400, "INVALID_CONTEXT", "targetingKey"},
		{"/ofrep/v1/evaluate/flags/new_ui", `{"context":{"targetingKey":"5","user_id":6}}`, 400, "INVALID_CONTEXT", "differ"},
		{"/ofrep/v1/evaluate/flags/new_ui", `{"context":{"a":1,"b":2,"c":3,"d":4,"e":5}}`, 400, "INVALID_CONTEXT", "limit"},
		{"/ofrep/v1/evaluate/flags/new_ui", `{"context":{"region":"US","account_type":"premium","beta_program":true}}`, 400, "TARGETING_KEY_MISSING", "targetingKey"},
		{"/ofrep/v1/evaluate/flags/nope", `{}`, 404, "FLAG_NOT_FOUND", "nope"},
		{"/ofrep/v1/evaluate/flags/new_ui", `{"context":{"region":"` + strings.Repeat("x", 600) + `"}}`, 413, "PARSE_ERROR", "larger"},
		{"/ofrep/v1/evaluate/flags", `{"context":{"region":7}}`, 400, "INVALID_CONTEXT", "region"},
		{"/ofrep/v1/evaluate/flags", `{"context"`, 400, "PARSE_ERROR", ""},
	} {
		code, out, _ := s.do(t, "POST", c.path, serverKey, []byte(c.body))
		got := decode[map[string]any](t, out)
		if code != c.code || got["errorCode"] != c.errCode || !strings.Contains(fmt.Sprint(got["errorDetails"]), c.mention) {
			t.Errorf("POST %s %s: %d %s, want %d %s mentioning %q", c.path, c.body, code, out, c.code, c.errCode, c.mention)
		}
		if !strings.HasSuffix(c.path, "/flags") && got["key"] == nil {
			t.Errorf("POST %s %s: failure without key: %s", c.path, c.body, out)
		}
	}
	// The same flag with the key: fine; a string user id is accepted
	// for the int key attribute; an empty targetingKey is absent.
	for _, body := range []string{`{"context":{"targetingKey":"123"}}`, `{"context":{"targetingKey":"123","user_id":123}}`, ``, `{}`, `{"context":null}`, `{"context":{"targetingKey":""}}`} {
		if code, out, _ := s.do(t, "POST", "/ofrep/v1/evaluate/flags/new_ui", serverKey, []byte(body)); code != 200 {
			t.Errorf("body %q: %d %s", body, code, out)
		}
	}
	if code, _, hdr := s.do(t, "GET", "/ofrep/v1/evaluate/flags", serverKey, nil); code != http.StatusMethodNotAllowed || hdr.Get("Allow") != "POST" {
		t.Errorf("GET bulk: %d Allow %q", code, hdr.Get("Allow"))
	}
}

// TestClientKeys checks that a client key sees only the flags marked
// "client": true, and only their key, value, variant and reason.
func TestClientKeys(t *testing.T) {
	s := start(t, Config{}, false)
	code, out, _ := s.do(t, "POST", "/ofrep/v1/evaluate/flags", clientKey, []byte(`{"context":{"targetingKey":"7","device":"ios","app_version":"2.4.0"}}`))
	if code != 200 {
		t.Fatalf("bulk with a client key: %d %s", code, out)
	}
	resp := decode[bulkResponse](t, out)
	var keys []string
	for _, f := range resp.Flags {
		keys = append(keys, f["key"].(string))
		for k := range f {
			if !slices.Contains([]string{"key", "value", "variant", "reason"}, k) {
				t.Errorf("client response has field %q: %v", k, f)
			}
		}
	}
	if want := s.c.Spec().ClientFlags(); !slices.Equal(keys, want) || len(want) == 0 {
		t.Errorf("client key saw %v, want %v", keys, want)
	}
	// No other flag's name, no rule, no allow-list anywhere in the body.
	for _, name := range s.c.Spec().FlagNames() {
		if !slices.Contains(keys, name) && strings.Contains(string(out), name) {
			t.Errorf("client response names flag %s: %s", name, out)
		}
	}
	for _, leak := range []string{"semver", "2.3.0", "Mobile Team", "rules", "users"} {
		if strings.Contains(string(out), leak) {
			t.Errorf("client response contains %q: %s", leak, out)
		}
	}
	code, out, _ = s.do(t, "POST", "/ofrep/v1/evaluate/flags", serverKey, []byte(`{}`))
	if code != 200 || len(decode[bulkResponse](t, out).Flags) != len(s.c.Spec().FlagNames()) {
		t.Errorf("server key: %d %s", code, out)
	}
}

// TestETag checks the bulk ETag: 304 for a matching If-None-Match, and a
// new tag after a live change, for another context and another key class.
func TestETag(t *testing.T) {
	s := start(t, Config{}, false)
	body := []byte(`{"context":{"targetingKey":"123","region":"US"}}`)
	code, out, hdr := s.do(t, "POST", "/ofrep/v1/evaluate/flags", serverKey, body)
	tag := hdr.Get("ETag")
	if code != 200 || !strings.HasPrefix(tag, `"`) {
		t.Fatalf("bulk: %d ETag %q %s", code, tag, out)
	}
	evals := evaluations(s)
	code, out, hdr = s.do(t, "POST", "/ofrep/v1/evaluate/flags", serverKey, body, "If-None-Match", `"other", W/`+tag)
	if code != http.StatusNotModified || len(out) != 0 || hdr.Get("ETag") != tag {
		t.Errorf("If-None-Match with the tag: %d %q ETag %q, want 304", code, out, hdr.Get("ETag"))
	}
	if n := evaluations(s); n != evals {
		t.Errorf("the 304 evaluated %v flags, want none", n-evals)
	}
	for what, req := range map[string][]string{
		"another context": {serverKey, `{"context":{"targetingKey":"124","region":"US"}}`},
		"a client key":    {clientKey, string(body)},
	} {
		code, _, hdr := s.do(t, "POST", "/ofrep/v1/evaluate/flags", req[0], []byte(req[1]), "If-None-Match", tag)
		if code != 200 || hdr.Get("ETag") == tag {
			t.Errorf("%s: %d ETag %q, want 200 and a new tag", what, code, hdr.Get("ETag"))
		}
	}
	if err := s.c.Set(context.Background(), "new_ui", json.RawMessage(`{"active":false}`), "test", "etag"); err != nil {
		t.Fatal(err)
	}
	code, out, hdr = s.do(t, "POST", "/ofrep/v1/evaluate/flags", serverKey, body, "If-None-Match", tag)
	if code != 200 || hdr.Get("ETag") == tag {
		t.Errorf("after a live change: %d ETag %q, want 200 and a new tag", code, hdr.Get("ETag"))
	}
	if !strings.Contains(string(out), `{"key":"new_ui","value":false,"reason":"DISABLED","variant":"off"}`) {
		t.Errorf("after switching new_ui off: %s", out)
	}
	// A test pin changes the answer, so the tag too.
	tag = hdr.Get("ETag")
	runtime.ToggleAs(t, s.c, demo.NewUI, true)
	if code, _, hdr = s.do(t, "POST", "/ofrep/v1/evaluate/flags", serverKey, body, "If-None-Match", tag); code != 200 || hdr.Get("ETag") == tag {
		t.Errorf("after a pin: %d ETag %q", code, hdr.Get("ETag"))
	}
	// Configuration has its own ETag.
	code, _, hdr = s.do(t, "GET", "/ofrep/v1/configuration", clientKey, nil)
	if code != 200 {
		t.Fatal(code)
	}
	if code, _, _ = s.do(t, "GET", "/ofrep/v1/configuration", clientKey, nil, "If-None-Match", hdr.Get("ETag")); code != 304 {
		t.Errorf("configuration If-None-Match: %d, want 304", code)
	}
}

func TestConfiguration(t *testing.T) {
	s := start(t, Config{}, false)
	code, out, _ := s.do(t, "GET", "/ofrep/v1/configuration", serverKey, nil)
	got := decode[map[string]any](t, out)
	caps, _ := got["capabilities"].(map[string]any)
	if code != 200 || got["name"] != "flaggen" || caps["cacheInvalidation"] == nil || caps["flagEvaluation"] == nil {
		t.Errorf("configuration: %d %s", code, out)
	}
}

// evaluations returns how many evaluations s's handler has counted.
func evaluations(s *testServer) float64 {
	var n float64
	e := s.h.(*handler).m.evals
	for i := range e.flags {
		for r := range evalmap.Reasons {
			n += float64(e.count(i, evalmap.Reason(r)))
		}
	}
	return n
}

// mustParse converts x, a string member of a context, with a generated
// Parse function, the way an app takes an enum attribute from a request.
func mustParse[T any](t *testing.T, parse func(string) (T, error), x any) T {
	t.Helper()
	v, err := parse(x.(string))
	if err != nil {
		t.Fatal(err)
	}
	return v
}
