package ops

import (
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"
)

// This file keeps text that others wrote (actors, reasons, flag names,
// live patches, feedback: anything read from Redis) from acting on the
// terminal or forging lines of output: it is refused at write time and
// escaped at display time.

// ControlRune reports whether r must never reach a terminal as it is: a
// C0 control (newline and tab included), DEL, a C1 control, a line or
// paragraph separator, or a bidirectional formatting character (which
// reorders what the reader sees, as in "Trojan Source").
func ControlRune(r rune) bool {
	switch {
	case r < 0x20, r == 0x7f, r >= 0x80 && r < 0xa0:
		return true
	case r == 0x061c, r == 0x200e, r == 0x200f, r == 0x2028, r == 0x2029,
		r >= 0x202a && r <= 0x202e, r >= 0x2066 && r <= 0x2069:
		return true
	}
	return false
}

// CheckAuditText refuses text for the audit trail (-actor, -reason) that
// holds a control character (ControlRune) or is not UTF-8, saying which
// and where.
func CheckAuditText(option, s string) error {
	for i, r := range s {
		if r == utf8.RuneError {
			if _, size := utf8.DecodeRuneInString(s[i:]); size == 1 {
				return Usagef("%s is not valid UTF-8 (byte %d): the audit trail records text", option, i+1)
			}
		}
		if ControlRune(r) {
			return Usagef("%s holds the control character %U at byte %d (%s): the audit trail records one line of plain text", option, r, i+1, Shown(s))
		}
	}
	return nil
}

// Shown returns s with each control character (ControlRune) and each byte
// that is not UTF-8 escaped as in a Go string literal (\n, \x1b, \u202e),
// for display: stored text then prints on its own line, as text.
func Shown(s string) string { return escapeControls(s, false) }

// ShownLines is Shown for a message of several lines: it keeps the
// newlines (and tabs) the message's own layout uses.
func ShownLines(s string) string { return escapeControls(s, true) }

func escapeControls(s string, keepLayout bool) string {
	clean := true
	for _, r := range s {
		if r == utf8.RuneError || ControlRune(r) {
			clean = false
			break
		}
	}
	if clean {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			fmt.Fprintf(&b, `\x%02x`, s[i])
		case keepLayout && (r == '\n' || r == '\t'):
			b.WriteRune(r)
		case ControlRune(r):
			q := strconv.QuoteRuneToASCII(r) // e.g. '\n', '\x1b', '\u202e'
			b.WriteString(q[1 : len(q)-1])
		default:
			b.WriteString(s[i : i+size])
		}
		i += size
	}
	return b.String()
}
