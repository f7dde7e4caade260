package runtime

import (
	"fmt"
	"reflect"

	"github.com/flaggen/flaggen/internal/spec"
)

// FlagValue is the set of flag value types: bool, string (and named string
// types for enum flags), int64 and float64.
type FlagValue interface {
	~bool | ~string | ~int64 | ~float64
}

// Flag is a typed handle of one flag of a Spec, declared by generated code,
// for ToggleAs, Explain and monitors. Its zero value is not usable.
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

// newFlag returns the handle of flag index of s. It panics when the flag at
// index is not named name or its type does not match T: generated code,
// which makes handles through runtime/flagimpl.NewFlag, never does that.
func newFlag[T FlagValue](s *Spec, index int, name string) Flag[T] {
	var f Flag[T]
	f.init(s, index, name)
	return f
}

// init sets f to the handle of flag index of s, as newFlag describes.
func (f *Flag[T]) init(s *Spec, index int, name string) {
	if index < 0 || index >= len(s.m.Flags) || s.m.Flags[index].Name != name {
		panic(fmt.Sprintf("flagimpl.NewFlag: flag %d of the spec is not %q (regenerate the code)", index, name))
	}
	if err := checkKind(s.m.Flags[index], reflect.TypeFor[T]().Kind()); err != nil {
		panic("flagimpl.NewFlag: " + err.Error())
	}
	*f = Flag[T]{s: s, index: index, name: name}
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
