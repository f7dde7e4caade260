package engine

import (
	"encoding/json"
	"math"
	"testing"
)

// TestAppendJSON checks that every Value encodes as valid JSON of its
// value, floats with a fraction or an exponent.
func TestAppendJSON(t *testing.T) {
	for _, c := range []struct {
		v    Value
		want string
	}{
		{Value{}, `null`},
		{Undeclared(), `null`},
		{String(`a"b<`), `"a\"b\u003c"`},
		{Int(-42), `-42`},
		{Float(50), `50.0`},
		{Float(0), `0.0`},
		{Float(0.1), `0.1`},
		{Float(1e21), `1e+21`},
		{Float(-2.5e-7), `-2.5e-07`},
		{Float(math.MaxFloat64), `1.7976931348623157e+308`},
		{Bool(true), `true`},
	} {
		got := string(c.v.AppendJSON(nil))
		if got != c.want || !json.Valid([]byte(got)) {
			t.Errorf("AppendJSON(%s) = %s, want %s", c.v.GoString(), got, c.want)
		}
	}
}

// TestUndeclared: an undeclared value is present (the context holding it is
// not empty) but is no key and no Go value, and explanations name it.
func TestUndeclared(t *testing.T) {
	u := Undeclared()
	if u.IsAbsent() || isEmpty([]Value{{}, u}) {
		t.Error("an undeclared value counts as absent")
	}
	if !u.failsAll() || u.Any() != nil || u.GoString() != "undeclared" {
		t.Errorf("Undeclared: failsAll %v, Any %v, GoString %q", u.failsAll(), u.Any(), u.GoString())
	}
	if _, ok := Bucket(u, "salt"); ok {
		t.Error("an undeclared value has a bucket")
	}
}
