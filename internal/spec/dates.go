package spec

import (
	"fmt"
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
	for _, layout := range dateLayouts {
		if t, err := time.ParseInLocation(layout, s, time.UTC); err == nil {
			return t, nil
		}
	}
	return time.Time{}, fmt.Errorf("%q is not a date (want 2006-01-02, 2006-01-02T15:04:05 in UTC, or RFC 3339 like 2006-01-02T15:04:05+02:00)", s)
}

// validSemver reports whether s is a semantic version 2.0.0:
// MAJOR.MINOR.PATCH with an optional -prerelease and +build.
func validSemver(s string) bool {
	s, build, hasBuild := strings.Cut(s, "+")
	if hasBuild && !dotted(build, false) {
		return false
	}
	core, pre, hasPre := strings.Cut(s, "-")
	if hasPre && !dotted(pre, true) {
		return false
	}
	parts := strings.Split(core, ".")
	if len(parts) != 3 {
		return false
	}
	for _, p := range parts {
		if !numeric(p) {
			return false
		}
	}
	return true
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
	for _, id := range strings.Split(s, ".") {
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
