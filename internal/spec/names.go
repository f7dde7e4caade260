package spec

import (
	"go/token"
	"strings"
	"unicode"
	"unicode/utf8"
)

// GeneratedNames are the exported names a generated flags package declares
// besides the per-flag ones: package-level Context, Flags, New, MustNew and
// Spec, and the Flags methods Runtime, Explain and Close. A flag, enum or
// strategy whose Go name is one of these is a spec error.
var GeneratedNames = []string{"Context", "Flags", "New", "MustNew", "Spec", "Runtime", "Explain", "Close"}

// initialisms are written all upper case in Go names (golint's list).
var initialisms = map[string]bool{
	"ACL": true, "API": true, "ASCII": true, "CPU": true, "CSS": true, "DNS": true,
	"EOF": true, "GUID": true, "HTML": true, "HTTP": true, "HTTPS": true, "ID": true,
	"IP": true, "JSON": true, "LHS": true, "QPS": true, "RAM": true, "RHS": true,
	"RPC": true, "SLA": true, "SMTP": true, "SQL": true, "SSH": true, "TCP": true,
	"TLS": true, "TTL": true, "UDP": true, "UI": true, "UID": true, "UUID": true,
	"URI": true, "URL": true, "UTF8": true, "VM": true, "XML": true, "XMPP": true,
	"XSRF": true, "XSS": true,
}

// GoName converts a snake_case, kebab-case, dotted or spaced name to an
// exported Go identifier in CamelCase, writing Go initialisms in upper case:
// new_ui → NewUI, user_id → UserID, checkout-button → CheckoutButton,
// api.v2 → APIV2. Characters other than letters, digits and the separators
// are kept, so the result may not be an identifier: check with isIdent.
func GoName(name string) string {
	var b strings.Builder
	for _, part := range strings.FieldsFunc(name, func(r rune) bool {
		return r == '_' || r == '-' || r == '.' || r == ' '
	}) {
		if up := strings.ToUpper(part); initialisms[up] {
			b.WriteString(up)
			continue
		}
		r, size := utf8.DecodeRuneInString(part)
		b.WriteRune(unicode.ToUpper(r))
		b.WriteString(part[size:])
	}
	return b.String()
}

// isExportedIdent reports whether s is an exported Go identifier. Keywords
// and predeclared identifiers are all lower case, so none is exported.
func isExportedIdent(s string) bool {
	return token.IsIdentifier(s) && token.IsExported(s)
}
