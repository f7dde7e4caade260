package cli

import (
	"path/filepath"
	"strings"
	"testing"
)

// lintTestdata is the lint package's fixture tree (a generated package, code
// that uses it, a clean module part and a package that does not compile).
const lintTestdata = "../lint/testdata"

func TestLintUsage(t *testing.T) {
	for _, tc := range []struct {
		args []string
		errs string
	}{
		{[]string{"lint"}, "flaggen lint: -spec is required (or $FLAGGEN_SPEC)\nusage: flaggen lint -spec FILE"},
		{[]string{"lint", "-spec", "f.json", "-now", "soon"}, `-now: "soon" is not a date (want 2006-01-02, 2006-01-02T15:04:05 in UTC, or RFC 3339`},
		{[]string{"lint", "-spec", "f.json", "-stale", "0s"}, "-stale must be positive"},
		{[]string{"lint", "-spec", "f.json", "-stale", "month"}, `invalid value "month" for flag -stale`},
		{[]string{"lint", "-bogus"}, "flag provided but not defined: -bogus"},
	} {
		code, stdout, stderr := run(t, tc.args...)
		if code != 2 || stdout != "" || !strings.Contains(stderr, tc.errs) {
			t.Errorf("flaggen %s: exit %d, stdout %q, stderr %q; want exit 2, stderr with %q",
				strings.Join(tc.args, " "), code, stdout, stderr, tc.errs)
		}
	}
}

func TestLintFindings(t *testing.T) {
	t.Chdir(filepath.Join(lintTestdata, "app"))
	want := []string{
		`app_test.go:18: unknown flag "new_uii" (did you mean "new_ui"?)`,
		`app_test.go:19: unknown flag "dark_mod" (did you mean "dark_mode"?)`,
		`flags/flags.json:9: flag "dark_mode" is used only in tests: use it in the code or remove it from the spec`,
		`flags/flags.json:13: flag "legacy_export" expired after 2024-06-30: remove it`,
		`flags/flags.json:15: flag "forgotten" is never used: remove it from the spec`,
	}
	// Whether "everyone" is reported as ready to remove depends on the
	// fixture's git history (lint's own tests pin it); nothing else may be.
	const maybe = `flags/flags.json:22: flag "everyone" is on for everyone (100% rollout)`
	for _, tc := range []struct {
		warn bool
		code int
	}{{false, 1}, {true, 0}} {
		args := []string{"lint", "-spec", "flags/flags.json", "-now", "2025-01-01"}
		if tc.warn {
			args = append(args, "-warn")
		}
		args = append(args, "./...")
		code, stdout, stderr := run(t, args...)
		if code != tc.code || stderr != "" {
			t.Errorf("-warn=%v: exit %d, stderr %q; want exit %d, no stderr", tc.warn, code, stderr, tc.code)
		}
		var got []string
		for _, l := range strings.Split(strings.TrimSuffix(stdout, "\n"), "\n") {
			if !strings.HasPrefix(l, maybe) {
				got = append(got, l)
			}
		}
		if strings.Join(got, "\n") != strings.Join(want, "\n") {
			t.Errorf("-warn=%v: stdout:\n%s\nwant (besides %q):\n%s", tc.warn, stdout, maybe, strings.Join(want, "\n"))
		}
	}
}

func TestLintClean(t *testing.T) {
	t.Chdir(filepath.Join(lintTestdata, "clean"))
	// Packages default to ./...
	if code, stdout, stderr := run(t, "lint", "-spec", "flags/flags.json", "-now", "2025-01-01"); code != 0 || stdout != "" || stderr != "" {
		t.Errorf("exit %d, stdout %q, stderr %q; want exit 0 and no output", code, stdout, stderr)
	}
	// -spec defaults to $FLAGGEN_SPEC.
	t.Setenv(envSpec, "flags/flags.json")
	if code, stdout, stderr := run(t, "lint", "-now", "2025-01-01"); code != 0 || stdout != "" || stderr != "" {
		t.Errorf("$FLAGGEN_SPEC: exit %d, stdout %q, stderr %q; want exit 0 and no output", code, stdout, stderr)
	}
}

func TestLintFailures(t *testing.T) {
	t.Chdir(lintTestdata)
	code, stdout, stderr := run(t, "lint", "-spec", "clean/flags/flags.json", "./broken")
	if code != 1 || stdout != "" || !strings.HasPrefix(stderr, "flaggen: cannot load packages:") || !strings.Contains(stderr, "broken/broken.go:4:") {
		t.Errorf("load error: exit %d, stdout %q, stderr %q; want exit 1 and the error", code, stdout, stderr)
	}
	bad := filepath.Join(t.TempDir(), "bad.json")
	writeFile(t, bad, invalidSpec)
	code, stdout, stderr = run(t, "lint", "-spec", bad, "./clean")
	if code != 1 || stdout != "" || !strings.HasPrefix(stderr, bad+":3:") {
		t.Errorf("invalid spec: exit %d, stdout %q, stderr %q; want exit 1 and positioned errors", code, stdout, stderr)
	}
	code, _, stderr = run(t, "lint", "-spec", "missing.json")
	if code != 1 || !strings.Contains(stderr, "flaggen: open missing.json") {
		t.Errorf("missing spec: exit %d, stderr %q", code, stderr)
	}
}
