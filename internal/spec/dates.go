package spec

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// dateLayouts are the accepted date forms. Offset-less forms are UTC (D3).
var dateLayouts = []string{
	"2006-01-02",
	"2006-01-02T15:04:05.999999999",
	time.RFC3339Nano,
}

// ParseDate parses a spec date: "2006-01-02" or "2006-01-02T15:04:05"
// (optionally with fractional seconds) in UTC, or RFC 3339 with an offset.
func ParseDate(s string) (time.Time, error) {
	if t, err := time.ParseInLocation(dateLayout(s), s, time.UTC); err == nil {
		return t, nil
	}
	return time.Time{}, fmt.Errorf("%q is not a date (want 2006-01-02, 2006-01-02T15:04:05 in UTC, or RFC 3339 like 2006-01-02T15:04:05+02:00)", s)
}

// dateLayout picks the one layout of dateLayouts that s can be, by its
// shape, so that parsing a valid date makes one attempt and no error: the
// runtime parses date attributes on every evaluation of a before/after rule.
func dateLayout(s string) string {
	switch {
	case len(s) == len("2006-01-02"):
		return dateLayouts[0]
	case len(s) > len("2006-01-02T15:04:05") && strings.ContainsAny(s[len("2006-01-02T15:04:05"):], "Z+-"):
		return dateLayouts[2]
	}
	return dateLayouts[1]
}

// Semver is a parsed semantic version 2.0.0. Pre and Raw alias the parsed
// string: ParseSemver does not allocate.
type Semver struct {
	Major, Minor, Patch uint64
	Pre                 string // the pre-release, without "-"; "" for a release
	Raw                 string // the whole string, build metadata included
}

// ParseSemver parses a semantic version 2.0.0, strictly:
// MAJOR.MINOR.PATCH with an optional -PRERELEASE and +BUILD, numbers without
// leading zeros, and no leading "v" ("v1.2.3" and "1.2" are not versions).
// Spec rule values and the attribute values the runtime compares with them
// are read by this one parser; an attribute value that is not a version
// fails every semver_* rule.
func ParseSemver(s string) (Semver, bool) {
	v := Semver{Raw: s}
	core, build, hasBuild := strings.Cut(s, "+")
	if hasBuild && !dotted(build, false) {
		return Semver{}, false
	}
	core, pre, hasPre := strings.Cut(core, "-")
	if hasPre && !dotted(pre, true) {
		return Semver{}, false
	}
	v.Pre = pre
	var parts [3]uint64
	for i := range parts {
		num := core
		if i < 2 {
			var ok bool
			num, core, ok = strings.Cut(core, ".")
			if !ok {
				return Semver{}, false
			}
		}
		if !numeric(num) {
			return Semver{}, false
		}
		n, err := strconv.ParseUint(num, 10, 64)
		if err != nil {
			return Semver{}, false
		}
		parts[i] = n
	}
	v.Major, v.Minor, v.Patch = parts[0], parts[1], parts[2]
	return v, true
}

// Compare orders v and w by semver precedence: -1, 0 or +1. Build metadata
// is ignored; a pre-release sorts before its release; pre-release
// identifiers compare numerically when both are numbers, numbers before
// words, else as strings, and a shorter list of equal identifiers first.
func (v Semver) Compare(w Semver) int {
	for _, p := range [3][2]uint64{{v.Major, w.Major}, {v.Minor, w.Minor}, {v.Patch, w.Patch}} {
		if p[0] != p[1] {
			if p[0] < p[1] {
				return -1
			}
			return 1
		}
	}
	switch {
	case v.Pre == w.Pre:
		return 0
	case v.Pre == "":
		return 1
	case w.Pre == "":
		return -1
	}
	a, b := v.Pre, w.Pre
	for a != "" && b != "" {
		var x, y string
		x, a, _ = strings.Cut(a, ".")
		y, b, _ = strings.Cut(b, ".")
		xn, errx := strconv.ParseUint(x, 10, 64)
		yn, erry := strconv.ParseUint(y, 10, 64)
		switch {
		case errx == nil && erry == nil:
			if xn != yn {
				if xn < yn {
					return -1
				}
				return 1
			}
		case errx == nil:
			return -1 // numeric identifiers sort first
		case erry == nil:
			return 1
		default:
			if c := strings.Compare(x, y); c != 0 {
				return c
			}
		}
	}
	switch {
	case a == "" && b == "":
		return 0
	case a == "":
		return -1
	}
	return 1
}

// numeric reports whether p is a number without leading zeros.
func numeric(p string) bool {
	if p == "" || (len(p) > 1 && p[0] == '0') {
		return false
	}
	for _, c := range p {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

// dotted checks dot-separated [0-9A-Za-z-] identifiers; in prereleases a
// numeric identifier has no leading zeros.
func dotted(s string, pre bool) bool {
	for more := true; more; {
		var id string
		id, s, more = strings.Cut(s, ".")
		if id == "" {
			return false
		}
		digits := true
		for _, c := range id {
			switch {
			case c >= '0' && c <= '9':
			case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c == '-':
				digits = false
			default:
				return false
			}
		}
		if pre && digits && !numeric(id) {
			return false
		}
	}
	return true
}
