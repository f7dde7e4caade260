package flaghttp

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/binary"
	"net/http"
	"strings"
	"unsafe"

	"github.com/flaggen/flaggen/internal/sha256block"
)

// class is what a request's credential lets it do.
type class uint8

const (
	classNone   class = iota // no credential (or none needed: open)
	classWrong               // a credential matching no key
	classClient              // a client key
	classServer              // a server key
	classAdmin               // an admin token
)

// String names the class for access logs and metric labels.
func (c class) String() string {
	switch c {
	case classClient:
		return "client"
	case classServer:
		return "server"
	case classAdmin:
		return "admin"
	case classWrong:
		return "wrong"
	}
	return "none"
}

// article names a credential of the class with its article, for messages:
// "a client key", "an admin token".
func (c class) article() string {
	switch c {
	case classClient:
		return "a client key"
	case classServer:
		return "a server key"
	case classAdmin:
		return "an admin token"
	case classWrong:
		return "a wrong key"
	}
	return "a request without a key"
}

// secret is one configured credential, kept as its SHA-256 so that every
// comparison takes the same time whatever the lengths.
type secret struct {
	sum   [sha256.Size]byte
	class class
	name  string // admin tokens: the actor
}

// keyring holds every configured credential.
type keyring struct{ secrets []secret }

func newKeyring(cfg Config) *keyring {
	k := &keyring{}
	for _, s := range cfg.ServerKeys {
		k.secrets = append(k.secrets, secret{sum: sha256.Sum256([]byte(s)), class: classServer})
	}
	for _, s := range cfg.ClientKeys {
		k.secrets = append(k.secrets, secret{sum: sha256.Sum256([]byte(s)), class: classClient})
	}
	for t, name := range cfg.AdminTokens {
		k.secrets = append(k.secrets, secret{sum: sha256.Sum256([]byte(t)), class: classAdmin, name: name})
	}
	return k
}

// credential returns the request's credential: the Bearer token of its
// Authorization header, else its X-API-Key header. ok is false when both
// are given and differ, or Authorization is not a Bearer token.
func credential(r *http.Request) (tok string, ok bool) {
	auth := headerValue(r.Header, "Authorization")
	key := headerValue(r.Header, "X-Api-Key")
	if auth != "" {
		const p = "bearer "
		if len(auth) <= len(p) || !strings.EqualFold(auth[:len(p)], p) {
			return "", false
		}
		tok = strings.TrimSpace(auth[len(p):])
		if key != "" && key != tok {
			return "", false
		}
		return tok, tok != ""
	}
	return key, true
}

// identify returns the class of the request's credential and, for an admin
// token, its name. Every configured secret is compared, in constant time.
func (k *keyring) identify(r *http.Request) (class, string) {
	tok, ok := credential(r)
	if !ok {
		return classWrong, ""
	}
	if tok == "" {
		return classNone, ""
	}
	// One SHA-NI compression for a key of up to 55 bytes (crypto/sha256
	// otherwise); Sum neither keeps nor modifies the bytes, so the key is
	// not copied.
	sum := sha256block.Sum(unsafe.Slice(unsafe.StringData(tok), len(tok)))
	found := classWrong
	name := ""
	for i := range k.secrets {
		s := &k.secrets[i]
		if equalSums(&sum, &s.sum) {
			found, name = s.class, s.name
		}
	}
	return found, name
}

// equalSums reports whether a and b are equal, in a time that does not
// depend on their contents (as subtle.ConstantTimeCompare, a word at a
// time instead of a byte).
func equalSums(a, b *[sha256.Size]byte) bool {
	var x uint64
	for i := 0; i < sha256.Size; i += 8 {
		x |= binary.LittleEndian.Uint64(a[i:]) ^ binary.LittleEndian.Uint64(b[i:])
	}
	return subtle.ConstantTimeEq(int32(x>>32|x&0xffffffff), 0) == 1
}

type adminKey struct{}

// AdminName returns the name of the admin token that authenticated r (the
// actor of the changes r makes), or "" when none did. The admin handler of
// Config.Admin calls it.
func AdminName(r *http.Request) string {
	name, _ := r.Context().Value(adminKey{}).(string)
	return name
}

// withAdmin returns r carrying the admin token's name for AdminName.
func withAdmin(r *http.Request, name string) *http.Request {
	return r.WithContext(context.WithValue(r.Context(), adminKey{}, name))
}
