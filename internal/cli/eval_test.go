package cli

import (
	"bytes"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
)

const (
	seedSpec = "../../testdata/seed/flags.json"
	demoSpec = "../../testdata/demo/flags.json"
	// seedUser is the example user of the spec in testdata/seed.
	seedUser = `{"user_id":123,"region":"US","account_type":"premium","beta_program":true}`
)

// runIn runs Main with stdin and returns the exit code and output.
func runIn(t *testing.T, stdin string, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errb bytes.Buffer
	code = Main(args, strings.NewReader(stdin), &out, &errb)
	return code, out.String(), errb.String()
}

func TestEvalSeedUser(t *testing.T) {
	code, out, errs := run(t, "eval", "-spec", seedSpec, seedUser)
	if code != 0 || errs != "" || out != `{"advanced_search":true,"new_ui":true}`+"\n" {
		t.Fatalf("exit %d, stdout %q, stderr %q", code, out, errs)
	}
	// Options after the context argument, and -flag restricting.
	code, out, errs = run(t, "eval", seedUser, "-flag", "new_ui", "-spec", seedSpec)
	if code != 0 || out != `{"new_ui":true}`+"\n" {
		t.Fatalf("-flag new_ui: exit %d, stdout %q, stderr %q", code, out, errs)
	}
}

func TestEvalExplain(t *testing.T) {
	// User 5 is not allow-listed: the rollout decides, by the
	// SHA-256 bucket of "5"+flag name.
	code, out, errs := run(t, "eval", "-spec", seedSpec, "-explain",
		`{"user_id":5,"region":"US","account_type":"premium","beta_program":true}`)
	want := `{"advanced_search":{"value":true,"step":"rollout","reason":"rollout: bucket 16 < 85"},` +
		`"new_ui":{"value":true,"step":"rollout","reason":"rollout: bucket 65 < 90"}}` + "\n"
	if code != 0 || out != want {
		t.Fatalf("exit %d, stderr %q\nstdout %s\nwant   %s", code, errs, out, want)
	}
	// The allow-list decides for seedUser.
	_, out, _ = run(t, "eval", "-spec", seedSpec, "-explain", "-flag", "new_ui", seedUser)
	var got map[string]struct {
		Value        any
		Step, Reason string
	}
	if err := json.Unmarshal([]byte(out), &got); err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	if e := got["new_ui"]; e.Value != true || e.Step != "users" || e.Reason == "" {
		t.Errorf("new_ui explained as %+v, want step users", e)
	}
}

func TestEvalStdinLines(t *testing.T) {
	in := seedUser + "\n\n" + `{"user_id":5}` + "\n" + `{"user_id":7,"plan":"gold"}` + "\n" + seedUser + "\n"
	code, out, errs := runIn(t, in, "eval", "-spec", seedSpec)
	wantOut := `{"advanced_search":true,"new_ui":true}` + "\n" + `{"advanced_search":false,"new_ui":false}` + "\n"
	if code != 1 || out != wantOut {
		t.Errorf("exit %d, stdout %q; want exit 1 and the two lines before the bad one:\n%s", code, out, wantOut)
	}
	if !strings.HasPrefix(errs, `stdin:4: context: undeclared attribute "plan"`) || strings.Count(errs, "\n") != 1 {
		t.Errorf("stderr %q, want one line starting stdin:4: …", errs)
	}
	for _, tc := range []struct{ in, err string }{
		{`{"user_id":"x"}`, "stdin:1: context: user_id: want an int"},
		{`[1,2]`, "stdin:1: context: want a JSON object"},
		{"{}\n{\"beta_program\": 1}", "stdin:2: context: beta_program"},
	} {
		code, _, errs := runIn(t, tc.in, "eval", "-spec", seedSpec)
		if code != 1 || !strings.HasPrefix(errs, tc.err) {
			t.Errorf("stdin %q: exit %d, stderr %q; want exit 1, %q", tc.in, code, errs, tc.err)
		}
	}
	// A bad argument names the argument.
	code, _, errs = run(t, "eval", "-spec", seedSpec, `{"region": 3}`)
	if code != 1 || !strings.HasPrefix(errs, "argument: context: region") {
		t.Errorf("bad argument: exit %d, stderr %q", code, errs)
	}
	// No input: no output, success.
	if code, out, errs := runIn(t, "", "eval", "-spec", seedSpec); code != 0 || out != "" || errs != "" {
		t.Errorf("empty stdin: exit %d, stdout %q, stderr %q", code, out, errs)
	}
}

func TestEvalEnvAndNow(t *testing.T) {
	file := filepath.Join(t.TempDir(), "flags.json")
	writeFile(t, file, `{
  "environments": ["dev", "production"],
  "flags": {
    "launch": {"active": true, "activation_date": "2030-01-01"},
    "dev_tools": {"active": true, "environments": ["dev"]}
  }
}`)
	for _, tc := range []struct {
		args []string
		want string
	}{
		{nil, `{"dev_tools":false,"launch":false}`},
		{[]string{"-env", "dev"}, `{"dev_tools":true,"launch":false}`},
		{[]string{"-now", "2030-01-01T00:00:01Z"}, `{"dev_tools":false,"launch":true}`},
		{[]string{"-now", "2029-12-31T23:59:59Z", "-env", "dev"}, `{"dev_tools":true,"launch":false}`},
		{[]string{"-now", "2030-06-01"}, `{"dev_tools":false,"launch":true}`},
	} {
		args := append([]string{"eval", "-spec", file}, tc.args...)
		code, out, errs := run(t, append(args, `{"user_id": 1}`)...)
		if code != 0 || out != tc.want+"\n" {
			t.Errorf("%v: exit %d, stdout %q, stderr %q; want %s", tc.args, code, out, errs, tc.want)
		}
	}
	if code, _, errs := run(t, "eval", "-spec", file, "-env", "qa", "{}"); code != 1 || !strings.Contains(errs, `environment "qa" is not declared`) {
		t.Errorf("-env qa: exit %d, stderr %q", code, errs)
	}
}

func TestEvalUsageErrors(t *testing.T) {
	for _, tc := range []struct {
		args []string
		code int
		errs string
	}{
		{[]string{"eval", "{}"}, 2, "-spec is required"},
		{[]string{"eval", "-spec", seedSpec, "-now", "soon", "{}"}, 2, `-now: "soon" is not a date`},
		{[]string{"eval", "-spec", seedSpec, "{}", "{}"}, 2, `unexpected argument "{}"`},
		{[]string{"eval", "-spec", seedSpec, "-namespace", "x", "{}"}, 2, "-namespace needs -redis"},
		{[]string{"eval", "-spec", seedSpec, "-flag", "new_iu", "{}"}, 1, `flaggen: -flag: unknown flag "new_iu" (did you mean new_ui?)`},
		{[]string{"eval", "-spec", "missing.json", "{}"}, 1, "flaggen: open missing.json"},
	} {
		code, out, errs := run(t, tc.args...)
		if code != tc.code || out != "" || !strings.Contains(errs, tc.errs) {
			t.Errorf("%v: exit %d, stdout %q, stderr %q; want exit %d, %q", tc.args, code, out, errs, tc.code, tc.errs)
		}
	}
}

// TestEvalSuggestsAttributes: an undeclared attribute suggests the declared
// one meant, after normalisation or by edit distance.
func TestEvalSuggestsAttributes(t *testing.T) {
	for ctx, want := range map[string]string{
		`{"usr_id": 1}`:                       `(for "usr_id" did you mean user_id?)`,
		`{"USER_ID": 1}`:                      `(for "USER_ID" did you mean user_id?)`,
		`{"user_id": 1, "Account-Type": "x"}`: `(for "Account-Type" did you mean account_type?)`,
	} {
		code, _, errs := run(t, "eval", "-spec", demoSpec, ctx)
		if code != 1 || !strings.Contains(errs, "undeclared attribute") || !strings.Contains(errs, want) {
			t.Errorf("eval %s: exit %d, %q; want %q", ctx, code, errs, want)
		}
	}
}
