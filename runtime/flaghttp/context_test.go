package flaghttp

import (
	"testing"

	"github.com/flaggen/flaggen/runtime"
)

// TestParseContextLikeEval checks the OFREP context parser against
// runtime.Spec.ParseContext, which flaggen eval uses, on the same
// attributes: both accept or refuse alike and agree on every value. A name
// given twice takes its last value in both.
func TestParseContextLikeEval(t *testing.T) {
	s := start(t, Config{}, false)
	h := s.h.(*handler)
	sp := s.c.Spec()
	for _, ctx := range []string{
		`{"region":7,"region":"US"}`,
		`{"region":"US","region":7}`,
		`{"region":"US","region":"EU"}`,
		`{"region":"US","region":null}`,
		`{"user_id":"x","zzz":1,"user_id":5}`,
		`{"region":"U\u0053"}`,
		"{\"region\":\"\xff\xfe\"}",
		`{"region":"a\ud800b"}`,
		`{"user_id":007}`,
		`{"user_id":1.0}`,
		`{"user_id":-0}`,
		`{"cart_total":1e308}`,
		`{"cart_total":-0}`,
		`{"beta_program":null,"beta_program":true}`,
		`{"device":"ios","device":null}`,
	} {
		vals := make([]runtime.Value, len(sp.Attributes()))
		e := h.parseContext([]byte(`{"context":`+ctx+`}`), vals, false)
		want, err := sp.ParseContext([]byte(ctx))
		switch {
		case (e == nil) != (err == nil):
			t.Errorf("%s: OFREP error %v, eval error %v", ctx, e, err)
		case e == nil:
			for i := range vals {
				if !vals[i].Equal(want[i]) {
					t.Errorf("%s: attribute %s: OFREP %s, eval %s", ctx, sp.Attributes()[i], vals[i].GoString(), want[i].GoString())
				}
			}
		}
	}
	// Over HTTP too.
	if code, out, _ := s.do(t, "POST", "/ofrep/v1/evaluate/flags", serverKey, []byte(`{"context":{"region":7,"region":"US"}}`)); code != 200 {
		t.Errorf("a duplicate attribute, the last valid: %d %s", code, out)
	}
}
