package cli

import (
	"encoding/json"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/flaggen/flaggen/internal/lint"
	"github.com/flaggen/flaggen/internal/ops"
	"github.com/flaggen/flaggen/internal/redistest"
)

// terminalSafe reports what in out could act on a terminal or forge
// output: a control character other than newline and tab, a bidi
// control, or a byte that is not UTF-8 ("" when there is none).
func terminalSafe(out string) string {
	for i, r := range out {
		if (r != '\n' && r != '\t' && ops.ControlRune(r)) || r == 0xfffd {
			return strconv.QuoteRune(r) + " at byte " + strconv.Itoa(i)
		}
	}
	return ""
}

// TestAuditTextRefused: an actor that is blank, or an actor or reason
// with a control character, is refused before anything is written, with
// a message naming the option; the message itself is terminal-safe.
func TestAuditTextRefused(t *testing.T) {
	srv := opsEnv(t)
	mustRun(t, "ls")
	before := liveMark(t, srv, "default")
	bad := []struct {
		opts []string
		says string
	}{
		{[]string{"-actor", ""}, "-actor must name who makes the change"},
		{[]string{"-actor", "  \t"}, "-actor must name who makes the change"},
		{[]string{"-actor=", "-reason", "x"}, "-actor must name who makes the change"},
		{[]string{"-actor", "eve\nv99  2099-01-01T00:00:00Z  root  \"forged\""}, "-actor holds the control character U+000A"},
		{[]string{"-actor", "\x1b[31mred"}, "-actor holds the control character U+001B"},
		{[]string{"-actor", "bob\u202egnp.exe"}, "-actor holds the control character U+202E"},
		{[]string{"-actor", "bob\x9b"}, "-actor is not valid UTF-8"},
		{[]string{"-actor", "bob\u0085"}, "-actor holds the control character U+0085"},
		{[]string{"-actor", "bob", "-reason", "fix\nv42  forged line"}, "-reason holds the control character U+000A"},
		{[]string{"-actor", "bob", "-reason", "x\x1b]0;pwned\a"}, "-reason holds the control character U+001B"},
		{[]string{"-actor", "bob", "-reason", "del\x7f"}, "-reason holds the control character U+007F"},
	}
	for _, cmd := range [][]string{
		{"disable", "new_ui", "-reason", "why"},
		{"enable", "new_ui"},
		{"rollout", "new_ui", "10"},
		{"patch", "new_ui", `{"active": false}`},
		{"reset", "new_ui"},
		{"release", "disable", "winter_launch", "-reason", "why"},
	} {
		for _, b := range bad {
			args := append(append([]string{}, cmd...), b.opts...)
			code, out, errs := run(t, args...)
			if code != 2 || !strings.Contains(errs, b.says) || out != "" {
				t.Errorf("flaggen %q: exit %d, stdout %q, stderr %q; want exit 2 saying %q", args, code, out, errs, b.says)
			}
			if bad := terminalSafe(errs); bad != "" {
				t.Errorf("flaggen %q: stderr shows %s: %q", args, bad, errs)
			}
		}
	}
	// A blank $USER without -actor is refused too.
	t.Setenv("USER", " ")
	if code, _, errs := run(t, "disable", "new_ui", "-reason", "x"); code != 2 || !strings.Contains(errs, "$USER") {
		t.Errorf("blank $USER: exit %d, %q", code, errs)
	}
	t.Setenv("USER", "eve\x1b[2J")
	if code, _, errs := run(t, "disable", "new_ui", "-reason", "x"); code != 2 || !strings.Contains(errs, "$USER holds the control character U+001B") {
		t.Errorf("$USER with an escape: exit %d, %q", code, errs)
	}
	if after := liveMark(t, srv, "default"); after != before {
		t.Errorf("refused writes changed the live state: %s → %s", before, after)
	}
	// Plain text, tabs aside, with any letters, still goes through.
	t.Setenv("USER", "tester")
	mustRun(t, "disable", "new_ui", "-actor", "Zoë O'Brien", "-reason", "checkout errors ↑ 5× — see INC-42")
}

// TestStoredTextEscaped: text already stored in Redis (written by hand or
// by an older flaggen) with newlines, escapes and bidi controls prints
// escaped, one audit entry a line, in audit, ls, get, feedback, release
// status and after a write.
func TestStoredTextEscaped(t *testing.T) {
	srv := opsEnv(t)
	mustRun(t, "ls")
	do := func(args ...string) {
		t.Helper()
		if _, err := redistest.Do(srv.Addr(), args...); err != nil {
			t.Fatalf("%q: %v", args, err)
		}
	}
	now := strconv.FormatInt(time.Now().UnixMicro(), 10)
	do("XADD", "flaggen:{default}:audit", "*", "version", "7", "time", now,
		"actor", "eve\nv99  2099-01-01T00:00:00Z  root \x1b[2J", "reason", "r\x1b[31m\u202e",
		"flags", `{"new_ui\nv98 forged":{"active":false},"new_ui":{"active":false,"tripped":"a\u001b[31m"}}`)
	do("HSET", "flaggen:{default}:patches", "new_ui", `{"tripped":"boom\nforged line \u001b[2J\u202e"}`)
	do("HSET", "flaggen:{default}:patches", "ghost\x1b[31m\nforged", `{"active":false}`)
	do("RPUSH", "flaggen:{default}:feedback:new_ui", `{"time":"2026-01-01T00:00:00Z","user":"u\u001b[1m","text":"hi\u001b[2J\nforged \u202eline","variant":"on\u001b[2J\nforged"}`)

	for _, tc := range []struct {
		args  []string
		lines int // lines of stdout, when known
	}{
		{[]string{"audit"}, 0}, // one line an entry: checked below
		{[]string{"ls"}, 0},
		{[]string{"get", "new_ui"}, 0},
		{[]string{"feedback", "new_ui"}, 2}, // the variant's heading, the entry
		{[]string{"release", "status", "winter_launch"}, 0},
		{[]string{"reset", "new_ui"}, 1},
	} {
		code, out, errs := run(t, tc.args...)
		if code != 0 {
			t.Errorf("flaggen %q: exit %d\n%s%s", tc.args, code, out, errs)
		}
		for name, s := range map[string]string{"stdout": out, "stderr": errs} {
			if bad := terminalSafe(s); bad != "" {
				t.Errorf("flaggen %q: %s shows %s:\n%q", tc.args, name, bad, s)
			}
			if strings.Contains(s, "\nforged") || strings.Contains(s, "\nv9") {
				t.Errorf("flaggen %q: %s has a forged line:\n%s", tc.args, name, s)
			}
		}
		if tc.args[0] == "audit" {
			entries := strings.Count(mustRun(t, "audit", "-json"), `"version"`)
			if n := strings.Count(out, "\n"); n != entries {
				t.Errorf("audit: %d lines for %d entries:\n%s", n, entries, out)
			}
		} else if tc.lines > 0 && strings.Count(out, "\n") != tc.lines {
			t.Errorf("flaggen %q: %d lines, want %d:\n%s", tc.args, strings.Count(out, "\n"), tc.lines, out)
		}
	}
	// The escapes are shown, so that an operator sees what is stored.
	if out := mustRun(t, "audit"); !strings.Contains(out, `eve\nv99`) || !strings.Contains(out, `\x1b[2J`) {
		t.Errorf("audit does not show the stored actor escaped:\n%s", out)
	}
	if out := mustRun(t, "feedback", "new_ui"); !strings.Contains(out, `hi\x1b[2J\nforged \u202eline`) || !strings.Contains(out, `variant on\x1b[2J\nforged: 1 of 1`) {
		t.Errorf("feedback does not show the stored text escaped:\n%s", out)
	}
}

// TestGetJSONBadStoredPatch: a stored live patch that is not valid JSON
// shows in get -json (and ls -json, for a name the spec lacks) as
// {"invalid_json": RAW, "error": WHY}, exit 0, as in the text form.
func TestGetJSONBadStoredPatch(t *testing.T) {
	srv := opsEnv(t)
	mustRun(t, "ls")
	const raw = `{"active": fals` + "\x1b" + `e`
	for _, f := range []string{"new_ui", "ghost"} {
		if _, err := redistest.Do(srv.Addr(), "HSET", "flaggen:{default}:patches", f, raw); err != nil {
			t.Fatal(err)
		}
	}
	if out := mustRun(t, "get", "new_ui"); !strings.Contains(out, `live patch:  {"active": fals\x1be`) {
		t.Errorf("get shows the stored patch as:\n%s", out)
	}
	var got struct {
		Flag    string      `json:"flag"`
		Live    invalidJSON `json:"live"`
		Problem string      `json:"problem"`
	}
	out := mustRun(t, "get", "new_ui", "-json")
	if err := json.Unmarshal([]byte(out), &got); err != nil {
		t.Fatalf("get -json: %v\n%s", err, out)
	}
	if got.Flag != "new_ui" || got.Live.InvalidJSON != raw || !strings.Contains(got.Live.Error, "invalid character") || got.Problem == "" {
		t.Errorf("get -json = %+v, want live {invalid_json: %q, error: …} and the problem", got, raw)
	}
	var ls struct {
		Unknown map[string]invalidJSON `json:"unknown"`
	}
	out = mustRun(t, "ls", "-json")
	if err := json.Unmarshal([]byte(out), &ls); err != nil {
		t.Fatalf("ls -json: %v\n%s", err, out)
	}
	if ls.Unknown["ghost"].InvalidJSON != raw {
		t.Errorf("ls -json unknown = %+v", ls.Unknown)
	}
}

// TestLintFindingsEscaped: a lint finding quotes stored text (the actor of
// the last live change); it prints on one line, escaped.
func TestLintFindingsEscaped(t *testing.T) {
	var out strings.Builder
	d := lint.Diagnostic{File: "a.go", Line: 3, Message: "ready to remove; last live change 2026-01-01 by eve\nb.go:1: forged \x1b[2J"}
	err := printLint(&Env{Stdout: &out}, []lint.Diagnostic{d}, nil, true)
	if want := `a.go:3: ready to remove; last live change 2026-01-01 by eve\nb.go:1: forged \x1b[2J` + "\n"; err != nil || out.String() != want {
		t.Errorf("printLint = %q, %v; want %q", out.String(), err, want)
	}
}
