package ops

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/flaggen/flaggen/internal/spec"
	"github.com/flaggen/flaggen/runtime"
)

// CheckFlag returns an error naming the closest flags when sp lacks name.
func CheckFlag(sp *runtime.Spec, name string) error {
	if slices.Contains(sp.FlagNames(), name) {
		return nil
	}
	msg := fmt.Sprintf("unknown flag %q", name)
	if seg, ok := strings.CutPrefix(name, spec.SegmentPrefix); ok {
		return fmt.Errorf("%s: it names the live patch of segment %q, which \"flaggen segment %s\" changes", msg, seg, seg)
	}
	if exact := NormalMatch(name, sp.FlagNames()); exact != "" {
		msg += " (did you mean " + exact + "?)"
	} else if close := sp.CloseFlags(NormName(name)); len(close) > 0 {
		msg += " (did you mean " + strings.Join(close, ", ") + "?)"
	} else {
		msg += " (flags: " + strings.Join(sp.FlagNames(), ", ") + ")"
	}
	return errors.New(msg)
}

// CheckRelease returns an error listing the releases when sp lacks name.
func CheckRelease(sp *runtime.Spec, name string) error {
	rs := sp.Releases()
	if slices.Contains(rs, name) {
		return nil
	}
	if len(rs) == 0 {
		return fmt.Errorf("unknown release %q: the spec declares no releases", name)
	}
	return fmt.Errorf("unknown release %q (releases: %s)", name, strings.Join(rs, ", "))
}

// NormName is name as flag and attribute names are usually written:
// lower case, with '_' for '-', '.' and spaces (NEW-UI → new_ui).
func NormName(name string) string {
	return strings.Map(func(r rune) rune {
		switch r {
		case '-', '.', ' ':
			return '_'
		}
		return r
	}, strings.ToLower(strings.TrimSpace(name)))
}

// NormalMatch returns the one name of all that name matches once both are
// normalised (NormName), or "".
func NormalMatch(name string, all []string) string {
	n := NormName(name)
	for _, a := range all {
		if NormName(a) == n {
			return a
		}
	}
	return ""
}
