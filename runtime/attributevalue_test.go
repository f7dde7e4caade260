package runtime

import (
	"encoding/json"
	"math"
	"strings"
	"testing"
)

// TestAttributeValue checks the Go-value form of ParseAttribute: the same
// per-type checks and enums, Go integers and floats taken by value.
func TestAttributeValue(t *testing.T) {
	s := demoSpec(t)
	type T struct{}
	for _, c := range []struct {
		name string
		x    any
		want string // the value's GoString, or "error: …" text
	}{
		{"region", "US", `"US"`},
		{"region", 7, `error: context: region: want a string, got a number`},
		{"region", nil, `absent`},
		{"user_id", 42, `42`},
		{"user_id", int8(-3), `-3`},
		{"user_id", uint32(7), `7`},
		{"user_id", uint64(math.MaxUint64), `error: context: user_id: want an int, got 18446744073709551615`},
		{"user_id", 42.0, `42`},
		{"user_id", 4.5, `error: context: user_id: want an int, got 4.5`},
		{"user_id", math.Pow(2, 63), `error: context: user_id: want an int`},
		{"user_id", json.Number("12"), `12`},
		{"user_id", "12", `error: context: user_id: want an int, got a string`},
		{"cart_total", 3, `3`},
		{"cart_total", float32(0.5), `0.5`},
		{"cart_total", math.NaN(), `error: context: cart_total: want a number, got NaN`},
		{"cart_total", math.Inf(1), `error: context: cart_total: want a number`},
		{"beta_program", true, `true`},
		{"beta_program", []any{true}, `error: context: beta_program: want a bool, got an array`},
		{"beta_program", map[string]any{}, `error: context: beta_program: want a bool, got an object`},
		{"beta_program", T{}, `error: context: beta_program: want a bool, got a value of Go type runtime.T`},
		{"account_type", "gold", `error: context: account_type: "gold" is not one of`},
		{"account_type", "premium", `"premium"`},
		{"planet", "mars", `error: context: undeclared attribute "planet"`},
	} {
		_, v, err := s.AttributeValue(c.name, c.x)
		got := v.GoString()
		if err != nil {
			got = "error: " + err.Error()
		}
		if !strings.HasPrefix(got, c.want) {
			t.Errorf("AttributeValue(%s, %#v) = %s, want %s…", c.name, c.x, got, c.want)
		}
	}
}
