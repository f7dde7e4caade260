package remove

import (
	"fmt"
	"slices"
	"strings"

	"github.com/flaggen/flaggen/internal/spec"
)

// memberCut removes child i of the container spanned by parent (children
// are its members or elements): with the separator before it, or else the
// one after it, so that the rest keeps its formatting.
func memberCut(parent spec.Span, children []spec.Span, i int) cut {
	switch {
	case i > 0:
		return cut{from: children[i-1].End, to: children[i].End}
	case len(children) > 1:
		return cut{from: children[i].Start(), to: children[i+1].Start()}
	default: // the only member: leave {} or []
		return cut{from: parent.Off + 1, to: parent.End - 1}
	}
}

// pointerToken escapes a JSON pointer reference token (RFC 6901).
func pointerToken(s string) string {
	return strings.ReplaceAll(strings.ReplaceAll(s, "~", "~0"), "/", "~1")
}

// editSpec returns s's source without flag f: its member of "flags", its
// name in the dependents' depends_on (a depends_on left empty goes) and in
// the releases (a release left empty goes), with notes on what else went.
func editSpec(s *spec.Spec, f *spec.Flag) ([]byte, []string, error) {
	var cuts []cut
	var notes []string
	member := func(parentPtr, key string) error {
		parent, children, ok := s.Spans(parentPtr)
		if !ok {
			return fmt.Errorf("%s: cannot locate %s", s.File, parentPtr)
		}
		me, _, ok := s.Spans(parentPtr + "/" + pointerToken(key))
		if !ok {
			return fmt.Errorf("%s: cannot locate %s/%s", s.File, parentPtr, key)
		}
		i := slices.IndexFunc(children, func(c spec.Span) bool { return c.Off == me.Off })
		cuts = append(cuts, memberCut(parent, children, i))
		return nil
	}
	element := func(arrPtr, name string, values []string) (empty bool, err error) {
		parent, children, ok := s.Spans(arrPtr)
		if !ok || len(children) != len(values) {
			return false, fmt.Errorf("%s: cannot locate %s", s.File, arrPtr)
		}
		i := slices.Index(values, name)
		if len(values) == 1 {
			return true, nil
		}
		cuts = append(cuts, memberCut(parent, children, i))
		return false, nil
	}
	if err := member("/flags", f.Name); err != nil {
		return nil, nil, err
	}
	for _, d := range s.Flags {
		if !slices.Contains(d.DependsOn, f.Name) {
			continue
		}
		ptr := "/flags/" + pointerToken(d.Name)
		empty, err := element(ptr+"/depends_on", f.Name, d.DependsOn)
		if err == nil && empty {
			err = member(ptr, "depends_on")
		}
		if err != nil {
			return nil, nil, err
		}
		notes = append(notes, fmt.Sprintf("%s: flag %q no longer depends on %q", s.File, d.Name, f.Name))
	}
	var emptied []string
	for _, r := range s.Releases {
		if !slices.Contains(r.Flags, f.Name) {
			continue
		}
		ptr := "/releases/" + pointerToken(r.Name)
		empty, err := element(ptr+"/flags", f.Name, r.Flags)
		if err != nil {
			return nil, nil, err
		}
		if empty {
			emptied = append(emptied, r.Name)
			notes = append(notes, fmt.Sprintf("%s: release %q had only flag %q: removed", s.File, r.Name, f.Name))
			continue
		}
		notes = append(notes, fmt.Sprintf("%s: release %q no longer switches %q", s.File, r.Name, f.Name))
	}
	if len(emptied) > 0 {
		if len(emptied) == len(s.Releases) {
			if err := member("", "releases"); err != nil {
				return nil, nil, err
			}
		} else {
			for _, r := range emptied {
				if err := member("/releases", r); err != nil {
					return nil, nil, err
				}
			}
		}
	}
	out, err := applyCuts(s.Source, cuts)
	return out, notes, err
}
