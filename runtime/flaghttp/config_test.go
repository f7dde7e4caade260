package flaghttp

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestCheckAddr(t *testing.T) {
	open := Config{}
	keyed := Config{ClientKeys: []string{"k"}}
	for _, c := range []struct {
		cfg  Config
		addr string
		ok   bool
	}{
		{open, "127.0.0.1:8080", true},
		{open, "localhost:8080", true},
		{open, "[::1]:8080", true},
		{open, ":8080", false},
		{open, "0.0.0.0:8080", false},
		{open, "10.1.2.3:80", false},
		{keyed, ":8080", true},
		{open, "nonsense", false},
	} {
		if err := c.cfg.CheckAddr(c.addr); (err == nil) != c.ok {
			t.Errorf("CheckAddr(%q) with %d keys = %v, want ok %v", c.addr, len(c.cfg.ClientKeys), err, c.ok)
		}
	}
}

func TestParseKeysAndTokens(t *testing.T) {
	if got := ParseKeys(" a, b ,,c "); strings.Join(got, "|") != "a|b|c" {
		t.Errorf("ParseKeys = %q", got)
	}
	m, err := ParseAdminTokens("alice:t1, bob:t2")
	if err != nil || m["t1"] != "alice" || m["t2"] != "bob" || len(m) != 2 {
		t.Errorf("ParseAdminTokens = %v, %v", m, err)
	}
	for _, bad := range []string{"alice", ":s3cr3t", "alice:", "a:s3cr3t,b:s3cr3t"} {
		_, err := ParseAdminTokens(bad)
		if err == nil {
			t.Errorf("ParseAdminTokens(%q) accepted", bad)
			continue
		}
		if strings.Contains(err.Error(), "s3cr3t") {
			t.Errorf("ParseAdminTokens error shows the token: %v", err)
		}
	}
	for _, cfg := range []Config{
		{ServerKeys: []string{""}},
		{ServerKeys: []string{"a b"}},
		{ServerKeys: []string{"k"}, ClientKeys: []string{"k"}},
		{ClientKeys: []string{"k"}, AdminTokens: map[string]string{"k": "x"}},
		{AdminTokens: map[string]string{"t": ""}},
	} {
		if err := cfg.validate(); err == nil {
			t.Errorf("validate accepted %+v", cfg)
		}
	}
}

func TestKeyFiles(t *testing.T) {
	dir := t.TempDir()
	keys := filepath.Join(dir, "keys")
	tokens := filepath.Join(dir, "tokens")
	os.WriteFile(keys, []byte("# server keys\nk1, k2\n\n  k3  \n"), 0o600)
	os.WriteFile(tokens, []byte("# admins\nalice:t1\nbob:t2, carol:t3\n"), 0o600)
	got, err := ReadKeyFile(keys)
	if err != nil || strings.Join(got, "|") != "k1|k2|k3" {
		t.Errorf("ReadKeyFile = %q, %v", got, err)
	}
	m, err := ReadAdminTokenFile(tokens)
	if err != nil || len(m) != 3 || m["t3"] != "carol" {
		t.Errorf("ReadAdminTokenFile = %v, %v", m, err)
	}
	os.WriteFile(tokens, []byte("alice\n"), 0o600)
	if _, err := ReadAdminTokenFile(tokens); err == nil || !strings.Contains(err.Error(), tokens) {
		t.Errorf("bad token file: %v, want an error naming the file", err)
	}
	if _, err := ReadKeyFile(filepath.Join(dir, "missing")); err == nil {
		t.Error("missing key file accepted")
	}
}

// TestCheckOrigin: allowed origins must be written as browsers send them,
// or they never match; the error says what to write.
func TestCheckOrigin(t *testing.T) {
	checkTable(t, "CheckOrigin", CheckOrigin, []string{"*", "https://app.example.com", "http://localhost:3000", "https://xn--bcher-kva.example", "https://app.example.com:8443", "chrome-extension://abcdef"}, map[string]string{
		"null":                        "sandboxed frames",
		"app.example.com":             "want SCHEME://HOST",
		"https://":                    "want SCHEME://HOST",
		"https://app.example.com/":    "browsers send it as https://app.example.com",
		"https://App.Example.com":     "browsers send it as https://app.example.com",
		"HTTPS://app.example.com":     "browsers send it as https://app.example.com",
		"https://app.example.com:443": "browsers send it as https://app.example.com",
		"http://app.example.com:80":   "browsers send it as http://app.example.com",
		"https://app.example.com/x":   "write https://app.example.com",
		"https://u@app.example.com":   "no path, query or user",
		"https://app.example.com?x":   "no path, query or user",
		"https://bücher.example":      "punycode",
		"https://a b":                 "without spaces",
		"":                            "want SCHEME://HOST",
	})
	cfg := Config{AllowedOrigins: []string{"https://ok.example", "https://bad.example/"}}
	if err := cfg.validate(); err == nil || !strings.Contains(err.Error(), "allowed origins") {
		t.Errorf("validate with a bad origin: %v", err)
	}
}

// checkTable checks that check accepts every string of ok and refuses
// every key of bad with an error holding its value.
func checkTable(t *testing.T, name string, check func(string) error, ok []string, bad map[string]string) {
	t.Helper()
	for _, s := range ok {
		if err := check(s); err != nil {
			t.Errorf("%s(%q): %v", name, s, err)
		}
	}
	for s, want := range bad {
		if err := check(s); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s(%q) = %v, want an error with %q", name, s, err, want)
		}
	}
}
