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

// TestContextDuplicates checks that a member given twice takes its last
// value, its earlier error forgotten, as runtime.Spec.ParseContext does.
func TestContextDuplicates(t *testing.T) {
	m := NewMapper(demo.Spec, 0)
	vals := make([]runtime.Value, len(demo.Spec.Attributes()))
	cb := m.Begin(vals)
	cb.JSON([]byte("region"), []byte(`7`))
	cb.JSON([]byte("region"), []byte(`"US"`))
	if err := cb.Finish(); err != nil {
		t.Errorf("region 7 then \"US\": %v", err)
	}
	cb = m.Begin(vals)
	cb.JSON([]byte("region"), []byte(`"US"`))
	cb.JSON([]byte("region"), []byte(`7`))
	if err := cb.Finish(); err == nil || err.Error() != "context: region: want a string, got a number" {
		t.Errorf("region \"US\" then 7: %v", err)
	}
}

// TestContextPublic checks FinishPublic's errors: the members sent that
// are not valid, by name only.
func TestContextPublic(t *testing.T) {
	m := NewMapper(demo.Spec, 0)
	vals := make([]runtime.Value, len(demo.Spec.Attributes()))
	cb := m.Begin(vals)
	cb.JSON([]byte("zzz"), []byte(`1`))
	cb.JSON([]byte("account_type"), []byte(`"x"`))
	cb.JSON([]byte("targetingKey"), []byte(`"abc"`))
	want := `context: "account_type" is not valid; context: "targetingKey" is not valid; context: "zzz" is not valid`
	if err := cb.FinishPublic(); err == nil || err.Error() != want {
		t.Errorf("FinishPublic: %v, want %s", err, want)
	}
}
