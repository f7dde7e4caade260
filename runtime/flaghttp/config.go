package flaghttp

import (
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"path"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// Defaults of the Config limits.
const (
	DefaultMaxBodyBytes    = 64 << 10 // 64 KiB
	DefaultMaxContextAttrs = 64
	DefaultKeepAlive       = 25 * time.Second
	DefaultPollInterval    = 30 * time.Second
	DefaultMaxStreams      = 10000
	DefaultReadTimeout     = 10 * time.Second
)

// Config configures the handler New returns. Its zero value serves a
// loopback address with no keys.
type Config struct {
	// ServerKeys see every flag; ClientKeys only the flags marked
	// "client": true. Accepted as "Authorization: Bearer KEY" or
	// "X-API-Key: KEY", compared in constant time. A key may not be empty,
	// hold white space or be in both lists.
	ServerKeys, ClientKeys []string
	// AdminTokens maps each admin token to its name, the actor of the
	// changes made with it. Without any, the admin API refuses every
	// request.
	AdminTokens map[string]string
	// Admin, when set, serves /admin/v1/ and everything below it (it sees
	// the whole path) to requests with an admin token, whose name
	// AdminName returns; nil: /admin/v1/ is not found.
	Admin http.Handler
	// Logger receives one access log line per request (method, path,
	// status, duration, key class, never a key); nil: no access log.
	Logger *slog.Logger
	// Registry is where the handler's metrics are registered and what
	// /metrics serves; nil: a registry of the handler's own, with the Go
	// and process collectors.
	Registry *prometheus.Registry
	// MaxBodyBytes limits request bodies (default DefaultMaxBodyBytes);
	// a larger body gets 413.
	MaxBodyBytes int64
	// MaxContextAttrs limits the attributes of an evaluation context
	// (default DefaultMaxContextAttrs); more get INVALID_CONTEXT.
	MaxContextAttrs int
	// KeepAlive is how often the event stream sends a comment line when
	// nothing changes (default DefaultKeepAlive).
	KeepAlive time.Duration
	// PollInterval is the minimum polling interval /ofrep/v1/configuration
	// advertises (default DefaultPollInterval).
	PollInterval time.Duration
	// MaxStreams limits the event streams of server keys (and of the
	// server stream token) open at once, MaxClientStreams those of client
	// keys (and of the client stream token, which every client bulk
	// response shows); both default to DefaultMaxStreams. The budgets are
	// separate, so that browsers cannot take the servers' streams. One
	// more stream than its budget gets 503 with Retry-After.
	MaxStreams, MaxClientStreams int
	// ReadTimeout bounds the time to read a request's body, from when the
	// handler gets the request (default DefaultReadTimeout); a body still
	// unread then gets 400 and the connection closes. The event stream
	// reads no body and is not bounded. An http.Server whose own
	// ReadTimeout is no longer bounds the body already (from when it began
	// to read the request): the handler then sets no deadline of its own,
	// which saves a timer per request, so give the server serving the
	// handler alone ReadTimeout = this ReadTimeout (as flaggen serve does).
	ReadTimeout time.Duration
	// AllowedOrigins lists the web origins ("https://app.example.com")
	// whose pages may call the OFREP routes from a browser (CORS); "*"
	// allows any. Default: none (same-origin pages and non-browser
	// clients only). Each is written as browsers send it in the Origin
	// header (CheckOrigin), else New refuses it.
	AllowedOrigins []string
	// PublicURL is the URL clients reach the handler at
	// ("https://flags.example.com", or with the path prefix a proxy
	// serves it under: "https://example.com/flags"), from which bulk
	// answers give the event stream's URL. Default: the request's Host,
	// over https when the request came over TLS. Behind a proxy that ends
	// TLS or adds a path prefix, set it (CheckPublicURL), or browsers are
	// sent to a URL that is not the proxy's.
	PublicURL string
}

// open reports whether the OFREP routes need no key: no server and no
// client key is configured.
func (c Config) open() bool { return len(c.ServerKeys) == 0 && len(c.ClientKeys) == 0 }

// CheckAddr returns an error when a server listening on addr (HOST:PORT)
// would serve flags to anyone: addr is not a loopback address (an empty
// host listens on every interface) and c has no server and no client key.
func (c Config) CheckAddr(addr string) error {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return fmt.Errorf("address %q: %v", addr, err)
	}
	if loopback(host) || !c.open() {
		return nil
	}
	return fmt.Errorf("address %q is not a loopback address and no server or client key is set: refusing to serve flags to anyone (set $FLAGGEN_SERVER_KEYS or $FLAGGEN_CLIENT_KEYS, or listen on 127.0.0.1)", addr)
}

// loopback reports whether host names only the local machine.
func loopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(strings.Trim(host, "[]"))
	return ip != nil && ip.IsLoopback()
}

// validate checks the keys and tokens of c.
func (c Config) validate() error {
	seen := map[string]string{}
	check := func(kind, k string) error {
		if k == "" {
			return fmt.Errorf("flaghttp: an empty %s", kind)
		}
		if strings.ContainsFunc(k, func(r rune) bool { return r <= ' ' || r == 0x7f }) {
			return fmt.Errorf("flaghttp: a %s holds white space or a control character", kind)
		}
		if prev, ok := seen[k]; ok && prev != kind {
			return fmt.Errorf("flaghttp: the same secret is both a %s and a %s", prev, kind)
		}
		seen[k] = kind
		return nil
	}
	for _, k := range c.ServerKeys {
		if err := check("server key", k); err != nil {
			return err
		}
	}
	for _, k := range c.ClientKeys {
		if err := check("client key", k); err != nil {
			return err
		}
	}
	for t, name := range c.AdminTokens {
		if err := check("admin token", t); err != nil {
			return err
		}
		if name == "" {
			return errors.New("flaghttp: an admin token without a name")
		}
	}
	for _, o := range c.AllowedOrigins {
		if err := CheckOrigin(o); err != nil {
			return fmt.Errorf("flaghttp: allowed origins: %w", err)
		}
	}
	if c.PublicURL != "" {
		if err := CheckPublicURL(c.PublicURL); err != nil {
			return fmt.Errorf("flaghttp: public URL: %w", err)
		}
	}
	if c.MaxBodyBytes < 0 || c.MaxContextAttrs < 0 || c.KeepAlive < 0 || c.PollInterval < 0 || c.MaxStreams < 0 || c.MaxClientStreams < 0 || c.ReadTimeout < 0 {
		return errors.New("flaghttp: negative limit")
	}
	return nil
}

// CheckOrigin returns an error unless origin is "*" or a web origin
// written as browsers send it in the Origin header, the only form that
// can match: SCHEME://HOST or SCHEME://HOST:PORT, in lower case, host in
// ASCII (an international name in its punycode form), without the
// scheme's default port, a path, a trailing slash, a query or user
// information, with an IP address in its canonical form and a port in
// decimal without leading zeros. Where it can, the error gives the form to
// write instead. "null", the origin of sandboxed frames and local files,
// is refused: any page can put itself in a sandboxed frame.
func CheckOrigin(origin string) error {
	if origin == "*" {
		return nil
	}
	if origin == "null" {
		return errors.New(`origin "null" is what sandboxed frames and local files send: any page can be one, so it is not allowed (use "*" to allow every origin)`)
	}
	for i := 0; i < len(origin); i++ {
		if c := origin[i]; c <= ' ' || c >= 0x7f {
			return fmt.Errorf("origin %q: write the host in ASCII (an international name in its punycode form, xn--…), without spaces", origin)
		}
	}
	u, err := url.Parse(origin)
	if err != nil || u.Scheme == "" || u.Host == "" || u.Opaque != "" {
		return fmt.Errorf("origin %q: want SCHEME://HOST[:PORT], e.g. https://app.example.com", origin)
	}
	if u.User != nil || u.RawQuery != "" || u.ForceQuery || u.Fragment != "" || (u.Path != "" && u.Path != "/") {
		return fmt.Errorf("origin %q: an origin has no path, query or user: write %s://%s", origin, u.Scheme, u.Host)
	}
	want, err := browserOrigin(u)
	if err != nil {
		return err
	}
	if want != origin {
		return fmt.Errorf("origin %q never matches: browsers send it as %s", origin, want)
	}
	return nil
}

// CheckPublicURL returns an error unless u is an absolute http or https
// URL, with a host and at most a path: no user information, query or
// fragment, no empty path segment (//), and no character JSON or a URL
// would need to escape (spaces, quotes, backslashes, non-ASCII:
// percent-encode them).
func CheckPublicURL(u string) error {
	for i := 0; i < len(u); i++ {
		if c := u[i]; c <= ' ' || c >= 0x7f || c == '"' || c == '\\' || c == '<' || c == '>' {
			return fmt.Errorf("%q: byte %d (%q) must be percent-encoded", u, i+1, c)
		}
	}
	p, err := url.Parse(u)
	if err != nil {
		return fmt.Errorf("%q: %v", u, err)
	}
	if p.Scheme != "http" && p.Scheme != "https" || p.Host == "" || p.Opaque != "" {
		return fmt.Errorf("%q: want http(s)://HOST[:PORT][/PATH], e.g. https://flags.example.com", u)
	}
	if p.User != nil || p.RawQuery != "" || p.ForceQuery || p.Fragment != "" || strings.Contains(u, "#") {
		return fmt.Errorf("%q: a public URL has no user, query or fragment", u)
	}
	if strings.Contains(p.EscapedPath(), "//") {
		// The stream URL is the path with one trailing slash dropped and
		// /ofrep/v1/events added: "//" would stay in it.
		return fmt.Errorf("%q: an empty path segment (//): write %s", u, p.Scheme+"://"+p.Host+path.Clean("/"+p.EscapedPath()))
	}
	return nil
}

// ParseKeys splits a comma-separated list of keys (as in
// $FLAGGEN_SERVER_KEYS), trimming white space around each and dropping
// empty entries.
func ParseKeys(s string) []string {
	var out []string
	for k := range strings.SplitSeq(s, ",") {
		if k = strings.TrimSpace(k); k != "" {
			out = append(out, k)
		}
	}
	return out
}

// ParseAdminTokens parses "name:token,name:token" (as in
// $FLAGGEN_ADMIN_TOKENS) into a map from token to name. An entry without a
// colon, with an empty name or token, or a token given twice is an error
// naming the entry by its position and name, never by its token.
func ParseAdminTokens(s string) (map[string]string, error) {
	out := map[string]string{}
	n := 0
	for e := range strings.SplitSeq(s, ",") {
		if e = strings.TrimSpace(e); e == "" {
			continue
		}
		n++
		name, tok, ok := strings.Cut(e, ":")
		name, tok = strings.TrimSpace(name), strings.TrimSpace(tok)
		switch {
		case !ok:
			return nil, fmt.Errorf("admin tokens: entry %d: want name:token", n)
		case name == "":
			return nil, fmt.Errorf("admin tokens: entry %d: empty name", n)
		case tok == "":
			return nil, fmt.Errorf("admin tokens: entry %d (%s): empty token", n, name)
		}
		if prev, dup := out[tok]; dup {
			return nil, fmt.Errorf("admin tokens: entry %d (%s): same token as %s", n, name, prev)
		}
		out[tok] = name
	}
	return out, nil
}

// ReadKeyFile reads keys from a file: one or more per line, separated by
// commas, with blank lines and lines starting with # ignored.
func ReadKeyFile(path string) ([]string, error) {
	lines, err := readLines(path)
	if err != nil {
		return nil, err
	}
	var out []string
	for _, l := range lines {
		out = append(out, ParseKeys(l)...)
	}
	return out, nil
}

// ReadAdminTokenFile reads admin tokens from a file, name:token entries
// one or more per line as ParseAdminTokens takes them, with blank lines
// and lines starting with # ignored.
func ReadAdminTokenFile(path string) (map[string]string, error) {
	lines, err := readLines(path)
	if err != nil {
		return nil, err
	}
	m, err := ParseAdminTokens(strings.Join(lines, ","))
	if err != nil {
		return nil, fmt.Errorf("%s: %v", path, err)
	}
	return m, nil
}

// readLines returns the lines of a key file that are neither blank nor
// comments.
func readLines(path string) ([]string, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var out []string
	for l := range strings.SplitSeq(string(b), "\n") {
		if l = strings.TrimSpace(l); l != "" && !strings.HasPrefix(l, "#") {
			out = append(out, l)
		}
	}
	return out, nil
}
