package evalmap

import (
	"strings"
	"testing"

	"github.com/flaggen/flaggen/generated/demo"
	"github.com/flaggen/flaggen/internal/bridge"
	"github.com/flaggen/flaggen/runtime"
)

func TestReasonOf(t *testing.T) {
	for _, c := range []struct {
		d    bridge.Decision
		want string
	}{
		{bridge.Decision{Step: "pinned"}, "STATIC"},
		{bridge.Decision{Step: "tripped"}, "DISABLED"},
		{bridge.Decision{Step: "users"}, "TARGETING_MATCH"},
		{bridge.Decision{Step: "targeting", Const: true}, "STATIC"},
		{bridge.Decision{Step: "targeting"}, "TARGETING_MATCH"},
		{bridge.Decision{Step: "variants"}, "SPLIT"},
		{bridge.Decision{Step: "rules[0]"}, "DEFAULT"},
		{bridge.Decision{Step: "depends_on"}, "DEFAULT"},
	} {
		if got := ReasonOf(c.d).String(); got != c.want {
			t.Errorf("ReasonOf(%+v) = %s, want %s", c.d, got, c.want)
		}
	}
}

// TestContext maps the same context given as JSON and as Go values.
func TestContext(t *testing.T) {
	m := NewMapper(demo.Spec, 4)
	attrs := demo.Spec.Attributes()
	for _, c := range []struct {
		json map[string]string
		goes map[string]any
		want string // the values, or the error's text
	}{
		{map[string]string{"targetingKey": `"42"`, "region": `"US"`, "cart_total": `50`},
			map[string]any{"targetingKey": "42", "region": "US", "cart_total": 50},
			`user_id=42 region="US" cart_total=50`},
		{map[string]string{"targetingKey": `"42"`, "user_id": `42`},
			map[string]any{"targetingKey": "42", "user_id": int64(42)},
			`user_id=42`},
		{map[string]string{"targetingKey": `""`}, map[string]any{"targetingKey": ""}, ``},
		{map[string]string{"targetingKey": `"x"`, "region": `1`},
			map[string]any{"targetingKey": "x", "region": 1},
			`context: region: want a string, got a number; context: targetingKey: want a decimal integer (the key attribute user_id is an int), got "x"`},
		{map[string]string{"targetingKey": `"5"`, "user_id": `6`},
			map[string]any{"targetingKey": "5", "user_id": 6},
			`context: targetingKey 5 and user_id 6 differ`},
		{map[string]string{"targetingKey": `5`}, map[string]any{"targetingKey": 5}, `context: targetingKey: want a string`},
		{map[string]string{"a": `1`, "b": `1`, "c": `1`, "d": `1`, "e": `1`},
			map[string]any{"a": 1, "b": 1, "c": 1, "d": 1, "e": 1},
			`context: 5 attributes, more than the limit of 4`},
	} {
		for _, form := range []string{"json", "go"} {
			vals := make([]runtime.Value, len(attrs))
			cb := m.Begin(vals)
			if form == "json" {
				for k, v := range c.json {
					cb.JSON([]byte(k), []byte(v))
				}
			} else {
				for k, v := range c.goes {
					cb.Go(k, v)
				}
			}
			var got string
			if err := cb.Finish(); err != nil {
				got = err.Error()
			} else {
				var parts []string
				for i, v := range vals {
					if !v.IsAbsent() {
						parts = append(parts, attrs[i]+"="+v.GoString())
					}
				}
				got = strings.Join(parts, " ")
			}
			if got != c.want && (c.want == "" || !strings.HasPrefix(got, c.want)) {
				t.Errorf("%s %v: %s, want %s", form, c.json, got, c.want)
			}
		}
	}
}
