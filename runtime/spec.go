package runtime

import (
	"encoding/json"
	"fmt"
	"maps"
	"math"
	"slices"
	"strings"

	"github.com/flaggen/flaggen/internal/engine"
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
		at := s.m.Attribute(name)
		if at == nil {
			errs = append(errs, fmt.Sprintf("context: undeclared attribute %q (declared: %s)", name, strings.Join(s.Attributes(), ", ")))
			continue
		}
		if string(raw[name]) == "null" {
			continue
		}
		var x any
		dec := json.NewDecoder(strings.NewReader(string(raw[name])))
		dec.UseNumber()
		if err := dec.Decode(&x); err != nil {
			errs = append(errs, fmt.Sprintf("context: %s: %v", name, err))
			continue
		}
		v, err := attrValue(at, x)
		if err != nil {
			errs = append(errs, fmt.Sprintf("context: %s: %v", name, err))
			continue
		}
		out[at.Index] = v
	}
	if errs != nil {
		return nil, fmt.Errorf("%s", strings.Join(errs, "\n"))
	}
	return out, nil
}

// attrValue converts a decoded JSON value to a Value of the attribute's type.
func attrValue(at *spec.Attribute, x any) (Value, error) {
	var v Value
	switch at.Type {
	case spec.String:
		s, ok := x.(string)
		if !ok {
			return v, fmt.Errorf("want a string, got %s", jsonType(x))
		}
		v = String(s)
	case spec.Bool:
		b, ok := x.(bool)
		if !ok {
			return v, fmt.Errorf("want a bool, got %s", jsonType(x))
		}
		v = Bool(b)
	case spec.Int:
		n, ok := x.(json.Number)
		if !ok {
			return v, fmt.Errorf("want an int, got %s", jsonType(x))
		}
		i, err := n.Int64()
		if err != nil {
			return v, fmt.Errorf("want an int, got %s", n)
		}
		v = Int(i)
	case spec.Float:
		n, ok := x.(json.Number)
		if !ok {
			return v, fmt.Errorf("want a number, got %s", jsonType(x))
		}
		f, err := n.Float64()
		if err != nil || math.IsInf(f, 0) {
			return v, fmt.Errorf("want a number, got %s", n)
		}
		v = Float(f)
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

func jsonType(x any) string {
	switch x.(type) {
	case string:
		return "a string"
	case bool:
		return "a bool"
	case json.Number:
		return "a number"
	case nil:
		return "null"
	case []any:
		return "an array"
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
