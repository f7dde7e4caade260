package runtime

import (
	"fmt"
	"reflect"
	"strings"

	"github.com/flaggen/flaggen/internal/spec"
)

// FlagValue is the set of flag value types: bool, string (and named string
// types for enum flags), int64 and float64.
type FlagValue interface {
	~bool | ~string | ~int64 | ~float64
}

// Flag is a typed handle of one flag of a Spec, made by generated code, for
// ToggleAs, Explain and monitors. Its zero value is not usable.
type Flag[T FlagValue] struct {
	s     *Spec
	index int
	name  string
}

// Handle is any Flag[T].
type Handle interface {
	Name() string
	Index() int
	handleSpec() *Spec
}

// NewFlag returns the handle of flag index of s. It panics when the flag at
// index is not named name or its type does not match T: generated code
// never does that.
func NewFlag[T FlagValue](s *Spec, index int, name string) Flag[T] {
	if index < 0 || index >= len(s.m.Flags) || s.m.Flags[index].Name != name {
		panic(fmt.Sprintf("runtime.NewFlag: flag %d of the spec is not %q (regenerate the code)", index, name))
	}
	f := s.m.Flags[index]
	if err := checkKind(f, reflect.TypeFor[T]().Kind()); err != nil {
		panic("runtime.NewFlag: " + err.Error())
	}
	return Flag[T]{s: s, index: index, name: name}
}

// checkKind reports whether Go values of kind k can hold flag f's values.
func checkKind(f *spec.Flag, k reflect.Kind) error {
	want := map[spec.Type]reflect.Kind{"": reflect.Bool, spec.Bool: reflect.Bool, spec.String: reflect.String, spec.Enum: reflect.String, spec.Int: reflect.Int64, spec.Float: reflect.Float64}[f.Type]
	if k != want {
		t := f.Type
		if t == "" {
			t = spec.Bool
		}
		return fmt.Errorf("flag %q is a %s flag (Go %s), not %s", f.Name, t, want, k)
	}
	return nil
}

// Name returns the flag's name.
func (f Flag[T]) Name() string { return f.name }

// Index returns the flag's index in its spec.
func (f Flag[T]) Index() int { return f.index }

func (f Flag[T]) handleSpec() *Spec { return f.s }

// String returns the flag's name.
func (f Flag[T]) String() string { return f.name }

// MissingImpls checks a strategy factory's implementations at construction
// time: it returns an error naming every implementation that is missing (a
// nil interface, pointer, func, map, chan or slice), or nil.
func MissingImpls(strategy string, names []string, impls []any) error {
	var missing []string
	for i, x := range impls {
		name := fmt.Sprint(i)
		if i < len(names) {
			name = names[i]
		}
		if isNil(x) {
			missing = append(missing, name)
		}
	}
	if len(missing) == 0 {
		return nil
	}
	return fmt.Errorf("%s: missing implementation(s): %s (set every field of %sImpls)", strategy, strings.Join(missing, ", "), strategy)
}

func isNil(x any) bool {
	if x == nil {
		return true
	}
	v := reflect.ValueOf(x)
	switch v.Kind() {
	case reflect.Pointer, reflect.Interface, reflect.Func, reflect.Map, reflect.Chan, reflect.Slice:
		return v.IsNil()
	}
	return false
}
