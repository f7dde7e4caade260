package redisurl

import (
	"errors"
	"net/url"
	"strings"
	"testing"

	"github.com/redis/go-redis/v9"
)

const pw = "s3cr%21t-PW" // escaped: the decoded form is s3cr!t-PW

func TestRedact(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"redis://localhost:6379/0", "redis://localhost:6379/0"},
		{"localhost:6379", "localhost:6379"},
		{"redis://u:" + pw + "@h:1/0", "redis://u:xxxxx@h:1/0"},
		{"rediss://:" + pw + "@h:1", "rediss://:xxxxx@h:1"},
		{"redis://" + pw + "@h:1", "redis://xxxxx@h:1"}, // legacy AUTH: a lone user information is a password
		{"redis://u:" + pw + "@h:badport", "redis://u:xxxxx@h:badport"},
		{"unix://u:" + pw + "@/tmp/redis.sock?db=1", "unix://u:xxxxx@/tmp/redis.sock?db=1"},
		{"redis+cluster://u:" + pw + "@h:1?addr=h:2", "redis+cluster://u:xxxxx@h:1?addr=h:2"},
		{"redis+sentinel://h:1?master_name=m&sentinel_password=" + pw + "&password=" + pw + "&username=app",
			"redis+sentinel://h:1?master_name=m&sentinel_password=xxxxx&password=xxxxx&username=app"},
		{"redis://h:1?PassWord=" + pw + "#frag", "redis://h:1?PassWord=xxxxx#frag"},
		{"redis://h:1?%70assword=" + pw, "redis://h:1?%70assword=xxxxx"},
		{"redis://h:1?password=", "redis://h:1?password="},
		// Malformed: an unescaped '/', '?' or '#' in the password fails closed.
		{"redis://u:pa/ss@h:1", "redis://xxxxx@h:1"},
		{"redis://u:pa?ss@h:1?password=" + pw, "redis://xxxxx@h:1?password=xxxxx"},
		{"redis://u:pa#ss@h:1", "redis://xxxxx@h:1"},
		{"u:" + pw + "@h:1", "u:xxxxx@h:1"},
		{"redis://u:" + pw + "@[::1", "redis://u:xxxxx@[::1"},
	} {
		if got := Redact(tc.in); got != tc.want {
			t.Errorf("Redact(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

// TestScrubLibraryErrors: the errors net/url and go-redis return for bad
// URLs quote them; Scrub leaves no form of the password in them.
func TestScrubLibraryErrors(t *testing.T) {
	for _, raw := range []string{
		"redis://u:" + pw + "@h:badport",
		"redis://u:" + pw + "@[::1",
		"redis://u:pa/" + pw + "@h:1",
		"redis://u:" + pw + "%zz@h:1",
		"redis://u:" + pw + "@h:1/x",
		"redis://h:1?password=" + pw,
		"redis://h:1?sentinel_password=" + pw,
		"foo://u:" + pw + "@h:1",
		"redis://u:\x1b" + pw + "@h:bad",
	} {
		_, err := redis.ParseURL(raw)
		if err == nil {
			t.Fatalf("ParseURL(%q) accepted it", raw)
		}
		for _, e := range []error{err, &url.Error{Op: "parse", URL: raw, Err: errors.New("x")}} {
			got := Error(e, raw).Error()
			for _, secret := range []string{"s3cr", "PW", "s3cr!t"} {
				if strings.Contains(got, secret) {
					t.Errorf("Error(%q) = %q: shows %q", raw, got, secret)
				}
			}
		}
	}
}

func TestScrubShortSecret(t *testing.T) {
	raw := "redis://u:ab@h:bad"
	for msg, want := range map[string]string{
		`invalid port ":ab" after host`: `invalid port ":xxxxx" after host`,
		"dial tcp h: about to fail":     "dial tcp h: about to fail",
		"ab":                            "xxxxx",
	} {
		if got := Scrub(msg, raw); got != want {
			t.Errorf("Scrub(%q) with password ab = %q, want %q", msg, got, want)
		}
	}
	// A malformed URL's password is also hidden piece by piece.
	raw = "redis://u:pa/hunter2@h:1"
	if got := Scrub(`invalid port ":pa" after host; hunter2`, raw); got != `invalid port ":xxxxx" after host; xxxxx` {
		t.Errorf("Scrub with a malformed URL = %q", got)
	}
	if err := Error(nil, raw); err != nil {
		t.Errorf("Error(nil) = %v", err)
	}
	plain := errors.New("plain")
	if err := Error(plain, "redis://h:1"); err != plain {
		t.Errorf("Error without credentials = %v, want the same error", err)
	}
}
