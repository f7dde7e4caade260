package gen

import (
	"bytes"
	"cmp"
	"fmt"
	"slices"
	"strings"

	"github.com/flaggen/flaggen/internal/spec"
)

// checkFuncNames checks the one kind of package-level name that Funcs
// accessors add and that spec.Parse does not already keep unique: the
// flag handles, named with a "Flag" suffix (NewUIFlag), which may be any
// other Go name the package declares (spec.Spec.GoNames): another flag's
// (new_ui_flag), an enum variant, an attribute's enum type, its parse
// function or constants. Each clash is an error positioned at the
// handle's flag that names the other owner and where it is.
func checkFuncNames(s *spec.Spec) error {
	owners := s.GoNames()
	var errs spec.ErrorList
	for _, f := range s.Flags {
		h := Funcs.HandleName(f)
		o, taken := owners[h]
		if !taken {
			continue
		}
		p := "/flags/" + pointerToken(f.Name)
		e := position(s, p)
		where := ""
		if o.Pointer != "" {
			at := position(s, o.Pointer)
			at.Pointer = ""
			where = " (" + strings.TrimSuffix(at.Error(), ": ") + ")"
		}
		e.Msg = fmt.Sprintf("with -accessors=funcs, the handle of flag %q is named %s, which is also %s%s: rename one of them",
			f.Name, h, cmp.Or(o.What, "declared by the generated package"), where)
		errs = append(errs, e)
	}
	if len(errs) > 0 {
		slices.SortStableFunc(errs, func(a, b *spec.Error) int { return cmp.Or(cmp.Compare(a.Line, b.Line), cmp.Compare(a.Col, b.Col)) })
		return errs
	}
	return nil
}

// position returns an error without a message located at JSON pointer ptr
// of s: its file, the line and byte column where the member starts (its
// key), and ptr. The position is left out when ptr names nothing.
func position(s *spec.Spec, ptr string) *spec.Error {
	e := &spec.Error{File: s.File, Pointer: ptr}
	sp, _, ok := s.Spans(ptr)
	if !ok {
		return e
	}
	off := sp.Start()
	before := s.Source[:off]
	e.Line = bytes.Count(before, []byte("\n")) + 1
	e.Col = off - bytes.LastIndexByte(before, '\n')
	return e
}

// pointerToken escapes a JSON pointer reference token (RFC 6901).
var pointerToken = strings.NewReplacer("~", "~0", "/", "~1").Replace
