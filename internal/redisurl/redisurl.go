// Package redisurl hides the credentials of a Redis URL in the URL itself
// and in any message that quotes it, before either is shown to anyone.
package redisurl

import (
	"errors"
	"io"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Mask replaces each hidden credential.
const Mask = "xxxxx"

// A span is a part [from, to) of a raw URL that holds a credential.
type span struct{ from, to int }

// spans returns the parts of raw that hold credentials, in order, without
// parsing it (raw may be malformed, and a malformed URL must not leak
// either):
//
//   - the user information's password: what follows the first ':' before
//     the last '@' of the authority (the part after "://", or from the
//     start without a scheme, up to the first '/', '?' or '#'); the whole
//     user information when it has no ':' (redis://SECRET@HOST is a
//     password in the legacy AUTH form). Usernames with a password stay
//     visible: they say who connects and are no secret.
//   - when the authority holds no '@' but the rest of raw does (an
//     unescaped '/', '?' or '#' in a password), everything from the
//     authority's start to raw's last '@': that fails closed.
//   - the value of every query parameter whose name contains "pass"
//     (password=, sentinel_password=, any case, escaped or not).
func spans(raw string) []span {
	var out []span
	start := 0
	if i := strings.Index(raw, "://"); i >= 0 {
		start = i + len("://")
	}
	end := len(raw)
	if i := strings.IndexAny(raw[start:], "/?#"); i >= 0 {
		end = start + i
	}
	queryFrom := end
	if at := strings.LastIndex(raw[start:end], "@"); at >= 0 {
		info := raw[start : start+at]
		if c := strings.Index(info, ":"); c >= 0 {
			out = append(out, span{start + c + 1, start + at})
		} else if at > 0 {
			out = append(out, span{start, start + at})
		}
	} else if at := strings.LastIndex(raw[end:], "@"); at >= 0 {
		out = append(out, span{start, end + at})
		queryFrom = end + at
	}
	if q := strings.Index(raw[queryFrom:], "?"); q >= 0 {
		pos := queryFrom + q + 1
		for _, kv := range strings.Split(raw[pos:], "&") {
			k, v, hasValue := strings.Cut(kv, "=")
			if name, err := url.QueryUnescape(k); err == nil {
				k = name
			}
			if hasValue && v != "" && strings.Contains(strings.ToLower(k), "pass") {
				from := pos + len(kv) - len(v)
				to := from + len(v)
				if h := strings.IndexByte(v, '#'); h >= 0 {
					to = from + h
				}
				if to > from {
					out = append(out, span{from, to})
				}
			}
			pos += len(kv) + 1
		}
	}
	return out
}

// Redact returns raw with every credential replaced by Mask (see spans for
// which parts are credentials). A URL without credentials is returned
// unchanged.
func Redact(raw string) string {
	var b strings.Builder
	last := 0
	for _, s := range spans(raw) {
		b.WriteString(raw[last:s.from])
		b.WriteString(Mask)
		last = s.to
	}
	b.WriteString(raw[last:])
	return b.String()
}

// secrets returns the credentials of raw as written and as decoded; for a
// span that failed closed (no ':' inside, or an unescaped '/', '?' or '#'),
// also its pieces between those characters, which a parser's error may
// quote one by one (`invalid port ":pa" after host`).
func secrets(raw string) []string {
	var out []string
	add := func(v string) {
		if v == "" {
			return
		}
		out = append(out, v)
		for _, unescape := range []func(string) (string, error){url.PathUnescape, url.QueryUnescape} {
			if d, err := unescape(v); err == nil && d != v {
				out = append(out, d)
			}
		}
	}
	for _, s := range spans(raw) {
		v := raw[s.from:s.to]
		add(v)
		if strings.ContainsAny(v, ":/?#@") {
			for _, piece := range strings.FieldsFunc(v, func(r rune) bool { return strings.ContainsRune(":/?#@", r) }) {
				add(piece)
			}
		}
	}
	return out
}

// minScrubbed is the shortest credential Scrub replaces wherever it finds
// it; a shorter one is replaced only where it stands alone, between
// characters that are not letters or digits (replacing every "pa" would
// leave nothing readable, and a parser quotes it as ":pa").
const minScrubbed = 4

// Scrub returns msg with every copy of raw (as given, Go-quoted, or with
// its scheme rewritten as a client library may have done) replaced by
// Redact(raw), and then every remaining copy of one of raw's credentials
// (as written or decoded, see minScrubbed) replaced by Mask.
func Scrub(msg, raw string) string {
	ss := secrets(raw)
	if len(ss) == 0 {
		return msg
	}
	shown := Redact(raw)
	rest := raw
	if i := strings.Index(raw, "://"); i >= 0 {
		rest = raw[i+len("://"):]
	}
	q := strconv.Quote(rest)
	for _, form := range []string{raw, strconv.Quote(raw)} {
		msg = strings.ReplaceAll(msg, form, shown)
	}
	shownRest := strings.TrimPrefix(Redact("x://"+rest), "x://")
	msg = strings.ReplaceAll(msg, rest, shownRest)
	msg = strings.ReplaceAll(msg, q[1:len(q)-1], shownRest)
	// Longest first, so that a piece does not break up its whole.
	slices.SortFunc(ss, func(a, b string) int { return len(b) - len(a) })
	for _, s := range ss {
		qs := strconv.Quote(s)
		for _, form := range []string{s, qs[1 : len(qs)-1]} {
			if len(form) >= minScrubbed {
				msg = strings.ReplaceAll(msg, form, Mask)
			} else {
				msg = replaceAlone(msg, form)
			}
		}
	}
	return msg
}

// replaceAlone replaces with Mask each copy of s in msg that has no letter
// or digit right before or after it.
func replaceAlone(msg, s string) string {
	var b strings.Builder
	for {
		i := strings.Index(msg, s)
		if i < 0 {
			break
		}
		j := i + len(s)
		before, _ := utf8.DecodeLastRuneInString(msg[:i])
		after, _ := utf8.DecodeRuneInString(msg[j:])
		b.WriteString(msg[:i])
		if isWordRune(before) || isWordRune(after) {
			b.WriteString(s)
		} else {
			b.WriteString(Mask)
		}
		msg = msg[j:]
	}
	b.WriteString(msg)
	return b.String()
}

func isWordRune(r rune) bool { return unicode.IsLetter(r) || unicode.IsDigit(r) }

// Error returns err with its message scrubbed of raw's credentials
// (Scrub). An error that needed scrubbing comes back as a new error with
// the scrubbed text only and nothing to unwrap: its causes still quote
// the credentials. Nil stays nil.
func Error(err error, raw string) error {
	if err == nil {
		return nil
	}
	msg := err.Error()
	if scrubbed := Scrub(msg, raw); scrubbed != msg {
		return errors.New(scrubbed)
	}
	return err
}

// ScrubWriter returns a writer that writes each chunk to w scrubbed (Scrub)
// of the credentials of every URL in raws, for a stream of messages (each
// Write a whole message or line, as fmt.Fprintf and log/slog write them).
// Empty URLs and URLs without credentials are ignored; with none left, w
// itself is returned.
func ScrubWriter(w io.Writer, raws ...string) io.Writer {
	var keep []string
	for _, r := range raws {
		if len(secrets(r)) > 0 {
			keep = append(keep, r)
		}
	}
	if len(keep) == 0 {
		return w
	}
	return &scrubWriter{w: w, raws: keep}
}

type scrubWriter struct {
	w    io.Writer
	raws []string
}

func (s *scrubWriter) Write(p []byte) (int, error) {
	msg := string(p)
	for _, r := range s.raws {
		msg = Scrub(msg, r)
	}
	if _, err := io.WriteString(s.w, msg); err != nil {
		return 0, err
	}
	return len(p), nil
}

// InArgs returns what may be a Redis URL among command-line args: the
// value of the option -NAME (or --NAME; "-NAME URL" or "-NAME=URL"), and
// every argument with "://" (a URL given where another argument belongs).
func InArgs(args []string, name string) []string {
	var urls []string
	for i, a := range args {
		opt, value, hasValue := strings.Cut(strings.TrimLeft(a, "-"), "=")
		isOpt := strings.HasPrefix(a, "-") && opt == name
		switch {
		case isOpt && hasValue:
			urls = append(urls, value)
		case isOpt && i+1 < len(args):
			urls = append(urls, args[i+1])
		case strings.Contains(a, "://"):
			urls = append(urls, a)
		}
	}
	return urls
}
