package gen

import (
	"strings"
	"unicode"

	"github.com/dave/jennifer/jen"
)

// commentWidth is the width doc comment paragraphs are wrapped to, not
// counting the "// " prefix.
const commentWidth = 76

// clean makes spec text safe and tidy inside a // comment: it keeps one
// paragraph (every run of white space, line breaks included, becomes one
// space), drops control and bidirectional-format characters (no Trojan
// Source), drops "*/" and "/*" (no comment breakout should the text ever end
// up in a block comment) and replaces invalid UTF-8.
func clean(s string) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	for _, pair := range []string{"*/", "/*"} {
		for strings.Contains(s, pair) {
			s = strings.ReplaceAll(s, pair, "")
		}
	}
	var b strings.Builder
	space := false
	for _, r := range s {
		switch {
		case unicode.IsSpace(r) || unicode.In(r, unicode.Zl, unicode.Zp):
			space = b.Len() > 0
			continue
		case unicode.IsControl(r) || unicode.In(r, unicode.Cf, unicode.Bidi_Control, unicode.Co, unicode.Cs):
			continue
		}
		if space {
			b.WriteByte(' ')
			space = false
		}
		b.WriteRune(r)
	}
	out := b.String()
	// Removing characters may have joined a new "*/" or "/*".
	if out != s && (strings.Contains(out, "*/") || strings.Contains(out, "/*")) {
		return clean(out)
	}
	return out
}

// sentence cleans s, keeps it from reading as a deprecation notice (see
// defuse) and ends it with a full stop unless it already ends with
// punctuation.
func sentence(s string) string {
	s = defuse(clean(s))
	if s == "" {
		return s
	}
	switch s[len(s)-1] {
	case '.', '!', '?', ':', ')':
		return s
	}
	return s + "."
}

// doc renders paragraphs as a doc comment (each wrapped, separated by an
// empty comment line) followed by a line break, ready to precede a
// declaration. Empty paragraphs are skipped.
func doc(paragraphs ...string) *jen.Statement {
	s := jen.Null()
	for i, lines := range wrapParagraphs(paragraphs) {
		if i > 0 {
			s.Comment("//").Line()
		}
		for _, line := range lines {
			s.Comment(commentLine(line)).Line()
		}
	}
	return s
}

// wrapParagraphs wraps each non-empty paragraph (see wrap) to commentWidth;
// empty paragraphs are skipped.
func wrapParagraphs(paragraphs []string) [][]string {
	var out [][]string
	for _, p := range paragraphs {
		if p != "" {
			out = append(out, wrap(p, commentWidth))
		}
	}
	return out
}

// commentLine renders one line of comment text as a // comment line. The
// text always follows "// ", so that no text can make the line a directive
// (//go:generate, //go:build, //line, //export …: jen.Comment would emit
// text that starts with "//" as it is); the text itself never starts with
// "+build" (see wrap and defuse), which would make it a build constraint.
func commentLine(text string) string {
	return "// " + text
}

// wrap splits a one-line paragraph into lines of at most width bytes where
// word breaks allow. A line never starts with a "+build" word, which would
// make "// +build …" a build constraint (go vet reports one after the
// package clause): that word stays on the line before, however long.
func wrap(p string, width int) []string {
	var lines []string
	var cur strings.Builder
	for _, w := range strings.Fields(p) {
		if cur.Len() > 0 && cur.Len()+1+len(w) > width && !plusBuild(w) {
			lines = append(lines, cur.String())
			cur.Reset()
		}
		if cur.Len() > 0 {
			cur.WriteByte(' ')
		}
		cur.WriteString(w)
	}
	if cur.Len() > 0 {
		lines = append(lines, cur.String())
	}
	return lines
}

// defuse keeps spec text from starting a paragraph that Go tools read as
// more than text: a "Deprecated:" paragraph, which gopls, staticcheck and
// pkg.go.dev read as a deprecation notice (the generator alone decides that
// a flag is deprecated: its expiry has passed), or a "+build" line, a build
// constraint. Such text (for the former, "Deprecated" and a colon in any
// case) is labelled as the spec's description instead.
func defuse(s string) string {
	rest, ok := cutPrefixFold(s, "deprecated")
	if ok && strings.HasPrefix(strings.TrimLeft(rest, " "), ":") || plusBuild(s) {
		return "Description: " + s
	}
	return s
}

// plusBuild reports whether a comment line starting with s would be a
// "// +build" constraint line: s starts with the word "+build".
func plusBuild(s string) bool {
	rest, ok := strings.CutPrefix(s, "+build")
	return ok && (rest == "" || rest[0] == ' ' || rest[0] == '\t')
}

// cutPrefixFold is strings.CutPrefix ignoring ASCII case.
func cutPrefixFold(s, prefix string) (string, bool) {
	if len(s) < len(prefix) || !strings.EqualFold(s[:len(prefix)], prefix) {
		return s, false
	}
	return s[len(prefix):], true
}
