package flaghttp

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"reflect"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"
)

// FuzzOFREP sends arbitrary requests to the handler (in process): no input
// may panic it, every JSON response must be valid JSON, and only the
// statuses the routes document may come back.
func FuzzOFREP(f *testing.F) {
	s := start(f, Config{MaxBodyBytes: 4096, MaxContextAttrs: 8}, false)
	for _, seed := range []struct {
		method, path, key, inm, body string
	}{
		{"POST", "/ofrep/v1/evaluate/flags", serverKey, "", `{"context":{"targetingKey":"123","region":"US"}}`},
		{"POST", "/ofrep/v1/evaluate/flags/new_ui", clientKey, "", `{"context":{"targetingKey":"-9223372036854775808"}}`},
		{"POST", "/ofrep/v1/evaluate/flags/search_engine", serverKey, "", `{"context":{"device":"ios","cart_total":1e400}}`},
		{"POST", "/ofrep/v1/evaluate/flags", serverKey, `"x", W/"y"`, `{"context":{"targetingKey":null,"app_version":"1.2.3"}}`},
		{"GET", "/ofrep/v1/configuration", serverKey, "*", ``},
		{"POST", "/ofrep/v1/evaluate/flags/%00", "wrong", "", `{"context":"x"}`},
		{"GET", "/admin/v1/x", adminToken, "", ``},
		{"PUT", "/readyz", serverKey, "", `{`},
	} {
		f.Add(seed.method, seed.path, seed.key, seed.inm, []byte(seed.body))
	}
	f.Fuzz(func(t *testing.T, method, path, key, inm string, body []byte) {
		if path == "/ofrep/v1/events" && method != "HEAD" {
			return // a stream does not end by itself
		}
		req, err := http.NewRequest(method, "http://flags.test", bytes.NewReader(body))
		if err != nil {
			return
		}
		req.URL.Path = path
		if key != "" {
			req.Header["Authorization"] = []string{"Bearer " + key}
		}
		if inm != "" {
			req.Header["If-None-Match"] = []string{inm}
		}
		w := httptest.NewRecorder()
		s.h.ServeHTTP(w, req)
		switch w.Code {
		case 200, 304, 400, 401, 403, 404, 405, 413, 503:
		default:
			t.Fatalf("%s %q: status %d %s", method, path, w.Code, w.Body)
		}
		if strings.HasPrefix(w.Header().Get("Content-Type"), "application/json") && !json.Valid(w.Body.Bytes()) {
			t.Fatalf("%s %q: invalid JSON %q", method, path, w.Body)
		}
	})
}

// FuzzScanner checks the scanner against encoding/json: a body it takes
// whole is valid JSON, and the context it finds is the one encoding/json
// decodes; and the members contextOf gives on its walk of a body with one
// context object are those a walk of that object alone finds.
func FuzzScanner(f *testing.F) {
	for _, s := range []string{`{"context":{"a":1,"b":"x\"y","c":[1,{"d":null}],"e":-1.5e3}}`, `{"x":1,"context":null}`, `{"context":{}} `, `{"context":"\u00e9"}`, `[1]`, `{"a":01}`, `{"a":"\x01"}`, `{"Context":{"a":1},"context":2,"context":{}}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		type member struct{ name, val string }
		var got, want []member
		ctx, n, ok := contextOf(body, func(name []byte, esc bool, val []byte) bool {
			got = append(got, member{string(name), string(val)})
			return true
		})
		if !ok {
			return
		}
		if n == 1 && len(ctx) > 0 && ctx[0] == '{' {
			sc := scanner{s: ctx}
			sc.object(0, func(name []byte, esc bool, val []byte) bool {
				want = append(want, member{string(name), string(val)})
				return true
			}, nil)
			if !slices.Equal(got, want) {
				t.Fatalf("contextOf gave the members %q, the context object holds %q, in %q", got, want, body)
			}
		}
		if !json.Valid(body) {
			t.Fatalf("scanner took invalid JSON %q", body)
		}
		var req map[string]json.RawMessage
		if err := json.Unmarshal(body, &req); err != nil {
			t.Fatalf("scanner took %q, which encoding/json refuses: %v", body, err)
		}
		if !bytes.Equal(ctx, req["context"]) {
			t.Fatalf("scanner found context %q, encoding/json %q in %q", ctx, req["context"], body)
		}
	})
}

// FuzzParseContext checks parseContext, which takes the usual body on the
// scanner's single walk, against its encoding/json path: the same values
// and the same error for any body. (Context members are at most 8 here, so
// that the member limit, which counts a repeated name each time it is
// sent, stays out of the comparison; so do bodies that are not UTF-8,
// whose member names encoding/json, unlike the scanner, turns into
// U+FFFD in messages.)
func FuzzParseContext(f *testing.F) {
	s := start(f, Config{MaxContextAttrs: 64}, false)
	h := s.h.(*handler)
	for _, b := range []string{string(benchBody), `{"context":{"targetingKey":"1","region":"XX"}}`, `{"context":{"region":"US","region":1}}`, `{"context":{},"context":{"device":"ios"}}`, `{"context":{"cart_total":"x","bogus":1}}`, `{"context":[1]}`, `{"x":{"context":{"device":"web"}}}`, `{"context":{"targetingKey":"7","app_version":"1.2.3"}} x`} {
		f.Add([]byte(b), false)
	}
	f.Fuzz(func(t *testing.T, body []byte, public bool) {
		body = bytes.TrimSpace(body)
		if len(body) == 0 || bytes.Count(body, []byte(":")) > 8 || !utf8.Valid(body) {
			return
		}
		fast, slow := *h.getVals(), *h.getVals()
		ef := h.parseContext(body, fast, public)
		es := h.parseContextSlow(body, slow, public)
		if !reflect.DeepEqual(ef, es) || (ef == nil && !reflect.DeepEqual(fast, slow)) {
			t.Fatalf("%q: scanner %v %v, encoding/json %v %v", body, ef, fast, es, slow)
		}
	})
}
