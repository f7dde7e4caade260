package flaghttp

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/flaggen/flaggen/generated/demo"
	"github.com/flaggen/flaggen/runtime"
	"github.com/flaggen/flaggen/runtime/memstore"
)

// hookKey marks the request's ctx, for hooks to find.
type hookKey struct{}

// hookLog records what a Client's hook sees.
type hookLog struct {
	mu   sync.Mutex
	seen []runtime.Evaluation
	ctxs []any // hookKey's value in each evaluation's ctx
}

func (l *hookLog) After(ctx context.Context, e runtime.Evaluation) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.seen = append(l.seen, e)
	l.ctxs = append(l.ctxs, ctx.Value(hookKey{}))
}

// take returns what the hook saw since the last take.
func (l *hookLog) take() ([]runtime.Evaluation, []any) {
	l.mu.Lock()
	defer l.mu.Unlock()
	s, c := l.seen, l.ctxs
	l.seen, l.ctxs = nil, nil
	return s, c
}

// TestHooksSeeOFREP checks that the Client's hooks see every OFREP
// evaluation once, with the request's ctx and the flag, variant and reason
// answered: single and bulk (one per flag answered; a flag answered
// TARGETING_KEY_MISSING is an ERROR with no variant), none for a 304 or a
// request refused before evaluating.
func TestHooksSeeOFREP(t *testing.T) {
	log := &hookLog{}
	f, err := demo.New(runtime.WithHook(log))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	s := serve(t, f, Config{ServerKeys: []string{serverKey}, ClientKeys: []string{clientKey}})
	// send serves one request on the handler directly, so that its ctx
	// carries hookKey.
	send := func(path, key, body, inm string) (int, []byte, http.Header) {
		t.Helper()
		ctx := context.WithValue(context.Background(), hookKey{}, path)
		req := httptest.NewRequestWithContext(ctx, "POST", "http://"+s.srv.Listener.Addr().String()+path, strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+key)
		if inm != "" {
			req.Header.Set("If-None-Match", inm)
		}
		w := httptest.NewRecorder()
		s.h.ServeHTTP(w, req)
		return w.Code, w.Body.Bytes(), w.Header()
	}
	// check compares the hook's evaluations with the answer's flags.
	check := func(path string, answered []map[string]any) {
		t.Helper()
		seen, ctxs := log.take()
		if len(seen) != len(answered) {
			t.Fatalf("%s: hooks saw %d evaluations, want %d (one per flag answered)", path, len(seen), len(answered))
		}
		for n, a := range answered {
			e := seen[n]
			if ctxs[n] != path {
				t.Errorf("%s: %s: hook's ctx is not the request's", path, e.Flag)
			}
			want := runtime.Evaluation{Flag: a["key"].(string), Reason: a["reason"].(string)}
			want.Variant, _ = a["variant"].(string)
			got := runtime.Evaluation{Flag: e.Flag, Reason: e.Reason, Variant: e.Variant}
			if got != want {
				t.Errorf("%s: hook saw %+v, answer says %+v", path, got, want)
			}
			if e.Index < 0 || f.Runtime().Spec().FlagNames()[e.Index] != e.Flag {
				t.Errorf("%s: %s: index %d", path, e.Flag, e.Index)
			}
			if v, ok := a["value"]; ok && !sameValue(v, e.Value.Any()) {
				t.Errorf("%s: %s: hook's value %v, answer's %v", path, e.Flag, e.Value.Any(), v)
			}
		}
	}

	full := `{"context":{"targetingKey":"4242","region":"US","account_type":"premium","beta_program":true,"device":"ios","app_version":"2.4.0","cart_total":75.5}}`
	for _, name := range f.Runtime().Spec().FlagNames() {
		path := "/ofrep/v1/evaluate/flags/" + name
		code, body, _ := send(path, serverKey, full, "")
		if code != 200 {
			t.Fatalf("%s: %d %s", path, code, body)
		}
		check(path, []map[string]any{decode[map[string]any](t, body)})
	}

	// new_ui rolls out by key: without one it answers TARGETING_KEY_MISSING.
	path := "/ofrep/v1/evaluate/flags/new_ui"
	if code, body, _ := send(path, serverKey, `{"context":{"region":"US","account_type":"premium","beta_program":true}}`, ""); code != 400 || !strings.Contains(string(body), "TARGETING_KEY_MISSING") {
		t.Fatalf("%s without a key: %d %s", path, code, body)
	}
	if seen, _ := log.take(); len(seen) != 1 || seen[0].Reason != "ERROR" || seen[0].Variant != "" || seen[0].Flag != "new_ui" {
		t.Errorf("%s without a key: hooks saw %+v, want one ERROR without a variant", path, seen)
	}
	// Refused before evaluating: no hook.
	for _, body := range []string{`{"context":{"region":7}}`, `{"context":`} {
		send(path, serverKey, body, "")
		if seen, _ := log.take(); len(seen) != 0 {
			t.Errorf("%s %s: hooks saw %+v, want none", path, body, seen)
		}
	}
	if code, _, _ := send("/ofrep/v1/evaluate/flags/no_such_flag", serverKey, full, ""); code != 404 {
		t.Errorf("unknown flag: %d", code)
	}
	if seen, _ := log.take(); len(seen) != 0 {
		t.Errorf("unknown flag: hooks saw %+v, want none", seen)
	}

	path = "/ofrep/v1/evaluate/flags"
	for _, c := range []struct{ key, body string }{{serverKey, full}, {clientKey, full}, {serverKey, `{"context":{"region":"US"}}`}} {
		code, body, hdr := send(path, c.key, c.body, "")
		if code != 200 {
			t.Fatalf("bulk: %d %s", code, body)
		}
		answered := decode[bulkResponse](t, body).Flags
		if c.key == clientKey && len(answered) >= len(f.Runtime().Spec().FlagNames()) {
			t.Fatalf("bulk with a client key answered %d flags: the test needs a server-only flag", len(answered))
		}
		for _, a := range answered {
			if _, failed := a["errorCode"]; failed {
				a["reason"] = "ERROR"
			}
		}
		check(path, answered)
		if code, _, _ := send(path, c.key, c.body, hdr.Get("ETag")); code != 304 {
			t.Fatalf("bulk with its ETag: %d, want 304", code)
		}
		if seen, _ := log.take(); len(seen) != 0 {
			t.Errorf("304: hooks saw %d evaluations, want none", len(seen))
		}
	}
}

// TestExposureCountsOFREP checks that a Client counting exposure
// (runtime.WithExposure) counts the evaluations OFREP makes: one per flag
// answered in bulk, by the variant answered.
func TestExposureCountsOFREP(t *testing.T) {
	st := memstore.New()
	defer st.Close()
	f, err := demo.New(runtime.WithStore(st), runtime.WithExposure())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	s := serve(t, f, Config{ServerKeys: []string{serverKey}})
	want := map[string]string{} // flag: variant answered
	for range 3 {
		code, body, _ := s.do(t, "POST", "/ofrep/v1/evaluate/flags", serverKey, []byte(`{"context":{"targetingKey":"4242","region":"US","account_type":"premium","beta_program":true}}`))
		if code != 200 {
			t.Fatalf("bulk: %d %s", code, body)
		}
		for _, a := range decode[bulkResponse](t, body).Flags {
			want[a["key"].(string)], _ = a["variant"].(string)
		}
	}
	if err := f.Runtime().Flush(context.Background()); err != nil {
		t.Fatal(err)
	}
	for flag, v := range want {
		es, err := st.Exposure(context.Background(), flag)
		if err != nil {
			t.Fatal(err)
		}
		if len(es) != 1 || es[0].Variants[v] != 3 || len(es[0].Variants) != 1 {
			t.Errorf("%s: exposure %+v, want 3 evaluations of %q", flag, es, v)
		}
	}
}
