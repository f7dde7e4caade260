package jsonx

import (
	"encoding/json"
	"fmt"
	"testing"
)

func TestMarshalCompactKeepsHTMLAndSortsKeys(t *testing.T) {
	b, err := MarshalCompact(map[string]any{"team": "R&D <ops>", "a": 1})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := string(b), `{"a":1,"team":"R&D <ops>"}`; got != want {
		t.Fatalf("MarshalCompact = %s, want %s", got, want)
	}
}

func TestEqual(t *testing.T) {
	for _, c := range []struct {
		a, b string
		want bool
	}{
		{`{"a":1,"b":[true,null]}`, ` { "b":[true, null], "a":1.0 }`, true},
		{`{"a":1}`, `{"a":2}`, false},
		{`"x"`, `"x" `, true},
		{`{bad`, `{bad`, true}, // neither parses: bytes compared
		{`{bad`, `{bad }`, false},
		{`1`, `{bad`, false},
	} {
		if got := Equal(json.RawMessage(c.a), json.RawMessage(c.b)); got != c.want {
			t.Errorf("Equal(%s, %s) = %v, want %v", c.a, c.b, got, c.want)
		}
	}
}

func TestCloneMapCopiesAndIsolatesValues(t *testing.T) {
	in := map[string]json.RawMessage{"a": json.RawMessage(`{"x":1}`), "b": json.RawMessage(`null`), "n": nil}
	out := CloneMap(in)
	if len(out) != len(in) {
		t.Fatalf("CloneMap has %d entries, want %d", len(out), len(in))
	}
	for k, v := range in {
		if string(out[k]) != string(v) || (v == nil) != (out[k] == nil) {
			t.Errorf("CloneMap[%q] = %q, want %q", k, out[k], v)
		}
	}
	in["a"][1] = 'X'
	if string(out["a"]) != `{"x":1}` {
		t.Errorf("the copy shares bytes with the original: %s", out["a"])
	}
	// Appending to one value must not run into another's bytes.
	grown := append(out["a"], "zzzz"...)
	_ = grown
	if string(out["b"]) != "null" {
		t.Errorf("appending to one copy changed another: %s", out["b"])
	}
}

func TestCloneMapFromStrings(t *testing.T) {
	out := CloneMap(map[string]string{"a": `{"active":true}`, "e": ""})
	if string(out["a"]) != `{"active":true}` || out["e"] == nil || len(out["e"]) != 0 || cap(out["e"]) != 0 {
		t.Fatalf("CloneMap = %q (e: len %d cap %d)", out, len(out["e"]), cap(out["e"]))
	}
}

func TestAppendString(t *testing.T) {
	for _, s := range []string{"", "plain", "quote\" back\\ slash", "ctl\x00\x01\x1f\n\r\t", "<html>&amp;", "bad\xffutf8", "line\u2028sep\u2029", "héllo wörld ✓"} {
		want, err := json.Marshal(s)
		if err != nil {
			t.Fatal(err)
		}
		if got := AppendString(nil, s); string(got) != string(want) {
			t.Errorf("AppendString(%q) = %s, want %s", s, got, want)
		}
	}
}

func FuzzAppendString(f *testing.F) {
	f.Add("a\"b\\c\x00<\u2028\xff")
	f.Fuzz(func(t *testing.T, s string) {
		want, _ := json.Marshal(s)
		if got := AppendString(nil, s); string(got) != string(want) {
			t.Fatalf("AppendString(%q) = %s, want %s", s, got, want)
		}
	})
}

// FuzzNumberLen checks NumberLen against encoding/json: a prefix it
// measures is a JSON number, and a whole input that is a JSON number is
// measured whole.
func FuzzNumberLen(f *testing.F) {
	for _, s := range []string{"0", "-0", "01", "12.5e-3x", "1.", ".5", "-", "1e", "1E+9", "+1", "9223372036854775808", "0x10", "-.5"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		n := NumberLen([]byte(s))
		if n > 0 {
			var x json.Number
			if err := json.Unmarshal([]byte(s[:n]), &x); err != nil || string(x) != s[:n] {
				t.Fatalf("NumberLen(%q) = %d, but %q is not a JSON number: %v", s, n, s[:n], err)
			}
		}
		var x json.Number
		if json.Unmarshal([]byte(s), &x) == nil && string(x) == s && n != len(s) {
			t.Fatalf("NumberLen(%q) = %d, want %d", s, n, len(s))
		}
	})
}

// BenchmarkAppendString measures a string with nothing to escape (a flag
// name, a variant: most strings the OFREP handler writes) and one with.
func BenchmarkAppendString(b *testing.B) {
	for _, s := range []string{"checkout_button", "quote\" and <tag>"} {
		b.Run(fmt.Sprint(len(s)), func(b *testing.B) {
			buf := make([]byte, 0, 64)
			for b.Loop() {
				buf = AppendString(buf[:0], s)
			}
		})
	}
}
