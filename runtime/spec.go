package runtime

import (
	"encoding/json"
	"fmt"
	"maps"
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/flaggen/flaggen/internal/engine"
	"github.com/flaggen/flaggen/internal/jsonx"
	"github.com/flaggen/flaggen/internal/spec"
)

// Spec is the runtime's view of a validated spec: the model plus name
// indexes. It is immutable and shared by every Client built from it.
type Spec struct {
	m      *spec.Spec
	byName map[string]int
	key    int // index of the bucketing attribute, -1 when none
}

// newSpec wraps a validated model.
func newSpec(m *spec.Spec) *Spec {
	s := &Spec{m: m, byName: make(map[string]int, len(m.Flags)), key: -1}
	for i, f := range m.Flags {
		s.byName[f.Name] = i
	}
	if m.Key != nil {
		s.key = m.Key.Index
	}
	return s
}

// FlagNames returns the spec's flag names in index order.
func (s *Spec) FlagNames() []string {
	out := make([]string, len(s.m.Flags))
	for i, f := range s.m.Flags {
		out[i] = f.Name
	}
	return out
}

// Attributes returns the declared context attribute names in spec order
// (the order of the []Value the evaluation methods take).
func (s *Spec) Attributes() []string {
	out := make([]string, len(s.m.Context))
	for i, a := range s.m.Context {
		out[i] = a.Name
	}
	return out
}

// ParseContext decodes a JSON object of attribute values (as `flaggen eval`
// takes them) into attribute values in Spec.Attributes order. An undeclared
// attribute, a value of the wrong type or a value outside the attribute's
// enum is an error naming the attribute; null leaves it absent.
func (s *Spec) ParseContext(data []byte) ([]Value, error) {
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(data, &raw); err != nil {
		return nil, fmt.Errorf("context: want a JSON object of attribute values: %v", err)
	}
	out := make([]Value, len(s.m.Context))
	var errs []string
	for _, name := range slices.Sorted(maps.Keys(raw)) {
		i, v, err := s.ParseAttribute(name, raw[name])
		if err != nil {
			errs = append(errs, err.Error())
			continue
		}
		if i >= 0 {
			out[i] = v
		}
	}
	if errs != nil {
		return nil, fmt.Errorf("%s", strings.Join(errs, "\n"))
	}
	return out, nil
}

// ParseAttribute decodes the JSON value of one context attribute as
// ParseContext does, returning its index in Spec.Attributes order: an
// undeclared attribute, a value of the wrong type or outside the enum is an
// error naming the attribute ("context: NAME: …"); null is the absent Value.
func (s *Spec) ParseAttribute(name string, raw []byte) (int, Value, error) {
	at := s.m.Attribute(name)
	if at == nil {
		return -1, Value{}, fmt.Errorf("context: undeclared attribute %q (declared: %s)", name, strings.Join(s.Attributes(), ", "))
	}
	raw = trimJSONSpace(raw)
	if string(raw) == "null" {
		return at.Index, Value{}, nil
	}
	x, err := jsonScalar(raw)
	if err != nil {
		return -1, Value{}, fmt.Errorf("context: %s: %v", name, err)
	}
	v, err := attrValue(at, x)
	if err != nil {
		return -1, Value{}, fmt.Errorf("context: %s: %v", name, err)
	}
	return at.Index, v, nil
}

// AttributeValue converts the Go value of one context attribute (as an
// OpenFeature evaluation context holds it, see runtime/openfeature) with
// ParseAttribute's checks, returning its index in Spec.Attributes order. A
// string attribute takes a string, a bool attribute a bool, an int attribute
// any Go integer (or a whole float64 or json.Number, as decoded JSON holds
// numbers), a float attribute any Go integer or float; then the enum
// applies. nil is the absent Value. An undeclared attribute or a value of
// another type is an error naming the attribute ("context: NAME: …").
func (s *Spec) AttributeValue(name string, x any) (int, Value, error) {
	at := s.m.Attribute(name)
	if at == nil {
		return -1, Value{}, fmt.Errorf("context: undeclared attribute %q (declared: %s)", name, strings.Join(s.Attributes(), ", "))
	}
	if x == nil {
		return at.Index, Value{}, nil
	}
	v, err := attrValue(at, goScalar(x))
	if err != nil {
		return -1, Value{}, fmt.Errorf("context: %s: %v", name, err)
	}
	return at.Index, v, nil
}

// scalar is one JSON or Go value as attrValue takes it.
type scalar struct {
	// '"' string, 'b' bool, '0' number (as JSON text), 'i' Go integer,
	// 'f' Go float, '[' array, '{' object, 'T' another Go type
	kind byte
	s    string // a Go string's value, an escaped JSON string's, a Go type's name
	// The text of a number; a JSON string's value when it has no escapes
	// (not nil then, even for ""), which attrValue copies only when it
	// keeps it: the caller's bytes are not the scalar's.
	text []byte
	b    bool
	i    int64
	f    float64
}

// str returns the value of a string scalar, as a string of its own.
func (x scalar) str() string {
	if x.text != nil {
		return string(x.text)
	}
	return x.s
}

// goScalar classifies a Go value for attrValue.
func goScalar(x any) scalar {
	switch x := x.(type) {
	case string:
		return scalar{kind: '"', s: x}
	case bool:
		return scalar{kind: 'b', b: x}
	case int:
		return scalar{kind: 'i', i: int64(x)}
	case int8:
		return scalar{kind: 'i', i: int64(x)}
	case int16:
		return scalar{kind: 'i', i: int64(x)}
	case int32:
		return scalar{kind: 'i', i: int64(x)}
	case int64:
		return scalar{kind: 'i', i: x}
	case uint8:
		return scalar{kind: 'i', i: int64(x)}
	case uint16:
		return scalar{kind: 'i', i: int64(x)}
	case uint32:
		return scalar{kind: 'i', i: int64(x)}
	case uint:
		return goUint(uint64(x))
	case uint64:
		return goUint(x)
	case float32:
		return scalar{kind: 'f', f: float64(x)}
	case float64:
		return scalar{kind: 'f', f: x}
	case json.Number:
		return scalar{kind: '0', text: []byte(x)}
	case []any, []string:
		return scalar{kind: '['}
	case map[string]any:
		return scalar{kind: '{'}
	}
	return scalar{kind: 'T', s: fmt.Sprintf("%T", x)}
}

// goUint classifies an unsigned Go integer: as JSON text when it is too
// large for an int64, so that the int check reports it.
func goUint(u uint64) scalar {
	if u > math.MaxInt64 {
		return scalar{kind: '0', text: strconv.AppendUint(nil, u, 10)}
	}
	return scalar{kind: 'i', i: int64(u)}
}

// trimJSONSpace returns raw without the white space (as JSON counts it)
// around it.
func trimJSONSpace(raw []byte) []byte {
	for len(raw) > 0 && jsonSpace(raw[0]) {
		raw = raw[1:]
	}
	for len(raw) > 0 && jsonSpace(raw[len(raw)-1]) {
		raw = raw[:len(raw)-1]
	}
	return raw
}

func jsonSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\r' || c == '\n' }

// jsonScalar decodes one JSON value (no surrounding white space). Strings
// without escapes, bools and numbers skip encoding/json, which allocates
// far more, and take no copy of raw: contexts arrive with every OFREP
// request.
func jsonScalar(raw []byte) (scalar, error) {
	switch {
	case plainString(raw):
		return scalar{kind: '"', text: raw[1 : len(raw)-1]}, nil
	case string(raw) == "true" || string(raw) == "false":
		return scalar{kind: 'b', b: raw[0] == 't'}, nil
	case len(raw) > 0 && jsonx.NumberLen(raw) == len(raw):
		return scalar{kind: '0', text: raw}, nil
	case !json.Valid(raw):
		var x any
		return scalar{}, json.Unmarshal(raw, &x) // the syntax error
	case raw[0] == '"':
		var s string
		err := json.Unmarshal(raw, &s)
		return scalar{kind: '"', s: s}, err
	}
	return scalar{kind: raw[0]}, nil // '[', '{' ("null" is the caller's)
}

// plainString reports whether raw is a JSON string without escapes (the
// common case, checked without json.Valid).
func plainString(raw []byte) bool {
	if len(raw) < 2 || raw[0] != '"' || raw[len(raw)-1] != '"' {
		return false
	}
	for _, c := range raw[1 : len(raw)-1] {
		if c < 0x20 || c == '"' || c == '\\' {
			return false
		}
	}
	return true
}

// Key returns the name and type ("int" or "string") of the spec's key
// attribute (the one rollouts and "users" use), or "" when it declares
// none.
func (s *Spec) Key() (name, typ string) {
	if s.m.Key == nil {
		return "", ""
	}
	return s.m.Key.Name, string(s.m.Key.Type)
}

// ClientFlags returns the names of the flags the spec marks "client": true
// (exposed to client-side SDKs), in index order.
func (s *Spec) ClientFlags() []string {
	var out []string
	for _, f := range s.m.Flags {
		if f.Client {
			out = append(out, f.Name)
		}
	}
	return out
}

// attrValue converts a decoded JSON value to a Value of the attribute's type.
func attrValue(at *spec.Attribute, x scalar) (Value, error) {
	var v Value
	switch at.Type {
	case spec.String:
		if x.kind != '"' {
			return v, fmt.Errorf("want a string, got %s", x.what())
		}
		if x.text != nil && len(at.Enum) > 0 {
			// The enum's own string when it is one: no copy of the text.
			for _, e := range at.Enum {
				if e, ok := e.(string); ok && e == string(x.text) {
					return String(e), nil
				}
			}
		}
		v = String(x.str())
	case spec.Bool:
		if x.kind != 'b' {
			return v, fmt.Errorf("want a bool, got %s", x.what())
		}
		v = Bool(x.b)
	case spec.Int:
		switch x.kind {
		case 'i':
			v = Int(x.i)
		case 'f':
			// A whole number in int64's range (2^63 is not).
			if x.f != math.Trunc(x.f) || x.f < math.MinInt64 || x.f >= math.MaxInt64 {
				return v, fmt.Errorf("want an int, got %v", x.f)
			}
			v = Int(int64(x.f))
		case '0':
			i, err := strconv.ParseInt(string(x.text), 10, 64)
			if err != nil {
				return v, fmt.Errorf("want an int, got %s", x.text)
			}
			v = Int(i)
		default:
			return v, fmt.Errorf("want an int, got %s", x.what())
		}
	case spec.Float:
		switch x.kind {
		case 'i':
			v = Float(float64(x.i))
		case 'f':
			if math.IsInf(x.f, 0) || math.IsNaN(x.f) {
				return v, fmt.Errorf("want a number, got %v", x.f)
			}
			v = Float(x.f)
		case '0':
			f, err := strconv.ParseFloat(string(x.text), 64)
			if err != nil || math.IsInf(f, 0) {
				return v, fmt.Errorf("want a number, got %s", x.text)
			}
			v = Float(f)
		default:
			return v, fmt.Errorf("want a number, got %s", x.what())
		}
	default:
		return v, fmt.Errorf("attribute has unsupported type %q", at.Type)
	}
	if len(at.Enum) > 0 {
		for _, e := range at.Enum {
			if v.Equal(Value(engine.ValueOf(e))) {
				return v, nil
			}
		}
		var allowed []string
		for _, e := range at.Enum {
			allowed = append(allowed, engine.ValueOf(e).GoString())
		}
		return Value{}, fmt.Errorf("%s is not one of %s", v.GoString(), strings.Join(allowed, ", "))
	}
	return v, nil
}

// what names the kind of x for errors.
func (x scalar) what() string {
	switch x.kind {
	case '"':
		return "a string"
	case 'b':
		return "a bool"
	case '0', 'i', 'f':
		return "a number"
	case 'T':
		return "a value of Go type " + x.s
	case '[':
		return "an array"
	case 'n':
		return "null"
	}
	return "an object"
}

// closeNames lists the names in all close to name, best first.
func closeNames(name string, all []string) []string { return spec.CloseNames(name, all) }

// CloseFlags returns the spec's flag names closest to name (for "did you
// mean" hints), best first; none when nothing is close.
func (s *Spec) CloseFlags(name string) []string { return closeNames(name, s.FlagNames()) }

// Releases returns the spec's release names, sorted.
func (s *Spec) Releases() []string {
	out := make([]string, len(s.m.Releases))
	for i, r := range s.m.Releases {
		out[i] = r.Name
	}
	return out
}

// FlagsOf lists the flags of release r (nil when the spec lacks it).
func (s *Spec) FlagsOf(release string) []string {
	if r := s.m.Release(release); r != nil {
		return slices.Clone(r.Flags)
	}
	return nil
}

// Environments returns the environment names the spec declares (none: any
// environment is accepted).
func (s *Spec) Environments() []string { return slices.Clone(s.m.Environments) }
