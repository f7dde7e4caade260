package cli

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/flaggen/flaggen/internal/gen"
	"github.com/flaggen/flaggen/schema"
)

const validSpec = `{
    "flags": {
        "new_ui": {"active": true, "regions": ["US"], "metadata": {"description": "New UI."}},
        "old_api": {"active": true, "expires": "2024-06-30"}
    }
}
`

const invalidSpec = `{
    "flags": {
        "a": {"active": "yes"},
        "b": {"active": true, "depends_on": ["missing"]}
    }
}
`

// run runs Main and returns the exit code and output.
func run(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errb bytes.Buffer
	code = Main(args, strings.NewReader(""), &out, &errb)
	return code, out.String(), errb.String()
}

func writeFile(t *testing.T, path, data string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o777); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(data), 0o666); err != nil {
		t.Fatal(err)
	}
}

func TestUsage(t *testing.T) {
	for _, tc := range []struct {
		args         []string
		code         int
		stdout, errs string
	}{
		{nil, 2, "", "Commands:"},
		{[]string{"help"}, 0, "Commands:", ""},
		{[]string{"-h"}, 0, "Commands:", ""},
		{[]string{"help", "generate"}, 0, "usage: flaggen generate [-spec FILE]", ""},
		{[]string{"help", "nope"}, 2, "", `flaggen help: unknown command "nope"`},
		{[]string{"help", "help"}, 0, "usage: flaggen help [COMMAND]\n\nHelp lists the commands", ""},
		{[]string{"nope"}, 2, "", `flaggen: unknown command "nope"`},
		{[]string{"generate"}, 2, "", "flaggen generate: -spec is required (or set $FLAGGEN_SPEC)\nusage: flaggen generate [-spec FILE]"},
		{[]string{"generate", "-spec", "x.json"}, 2, "", "-out is required"},
		{[]string{"generate", "-bogus"}, 2, "", "flag provided but not defined: -bogus"},
		{[]string{"generate", "-spec", "x", "-out", "o", "extra"}, 2, "", `unexpected argument "extra"`},
		{[]string{"generate", "-spec", "x", "-out", "o", "-now", "tomorrow"}, 2, "", `-now: "tomorrow" is not a date (want 2006-01-02, 2006-01-02T15:04:05 in UTC, or RFC 3339`},
		// -now takes every date form a spec takes (spec.ParseDate): this one gets past it.
		{[]string{"generate", "-spec", filepath.Join(t.TempDir(), "missing.json"), "-out", "o", "-now", "2025-01-01T10:00:00"}, 1, "", "flaggen: open "},
		{[]string{"generate", "-spec", "x", "-out", "o", "-pkg", "my-flags"}, 2, "", "flaggen generate: -pkg: \"my-flags\" is not a valid Go package name\nusage: flaggen generate "},
		{[]string{"generate", "-spec", "x", "-out", "o", "-pkg", "func"}, 2, "", `-pkg: "func" is not a valid Go package name`},
		{[]string{"validate"}, 2, "", "-spec is required"},
		{[]string{"validate", "-spec", filepath.Join(t.TempDir(), "missing.json")}, 1, "", "flaggen: open "},
	} {
		code, stdout, stderr := run(t, tc.args...)
		if code != tc.code || !strings.Contains(stdout, tc.stdout) || !strings.Contains(stderr, tc.errs) || (tc.errs == "") != (stderr == "") {
			t.Errorf("flaggen %s: exit %d, stdout %q, stderr %q; want exit %d, stdout with %q, stderr with %q",
				strings.Join(tc.args, " "), code, stdout, stderr, tc.code, tc.stdout, tc.errs)
		}
	}
}

// TestHelpDocumentsEveryOption checks -h of every registered command: exit
// 0, help on stdout, every option listed.
func TestHelpDocumentsEveryOption(t *testing.T) {
	cmds := Commands()
	if len(cmds) < 2 {
		t.Fatalf("only %d commands registered", len(cmds))
	}
	for _, c := range cmds {
		code, stdout, stderr := run(t, c.Name, "-h")
		if code != 0 || stderr != "" {
			t.Errorf("%s -h: exit %d, stderr %q", c.Name, code, stderr)
		}
		if !strings.HasPrefix(stdout, "usage: flaggen "+c.Name+" ") {
			t.Errorf("%s -h does not start with its synopsis:\n%s", c.Name, stdout)
		}
		fs := flag.NewFlagSet(c.Name, flag.ContinueOnError)
		c.Setup(fs)
		fs.VisitAll(func(f *flag.Flag) {
			if !strings.Contains(stdout, "  -"+f.Name) {
				t.Errorf("%s -h does not document -%s:\n%s", c.Name, f.Name, stdout)
			}
			if strings.TrimSpace(f.Usage) == "" {
				t.Errorf("%s: -%s has no usage text", c.Name, f.Name)
			}
			if !strings.Contains(c.Args, "-"+f.Name) {
				t.Errorf("%s: synopsis %q omits -%s", c.Name, c.Args, f.Name)
			}
		})
		if _, top, _ := run(t, "help"); !strings.Contains(top, "  "+c.Name+" ") {
			t.Errorf("flaggen help does not list %s:\n%s", c.Name, top)
		}
	}
}

// TestSchema: flaggen schema prints the embedded schema, byte for byte, and
// a spec pointing at a saved copy with "$schema" validates.
func TestSchema(t *testing.T) {
	code, stdout, stderr := run(t, "schema")
	if code != 0 || stderr != "" || stdout != string(schema.Source) {
		t.Fatalf("schema: exit %d, stderr %q, stdout the embedded schema: %v", code, stderr, stdout == string(schema.Source))
	}
	if !json.Valid([]byte(stdout)) {
		t.Error("schema output is not JSON")
	}
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "flags.schema.json"), stdout)
	specFile := filepath.Join(dir, "flags.json")
	writeFile(t, specFile, `{"$schema": "./flags.schema.json", "flags": {"a": {"active": true}}}`)
	if code, _, stderr := run(t, "validate", "-spec", specFile); code != 0 {
		t.Errorf("validate a spec with a local $schema: exit %d: %s", code, stderr)
	}
	if code, _, stderr := run(t, "schema", "extra"); code != 2 || !strings.Contains(stderr, `unexpected argument "extra"`) {
		t.Errorf("schema extra: exit %d, stderr %q", code, stderr)
	}
}

func TestGenerateWritesAndIsIdempotent(t *testing.T) {
	dir := t.TempDir()
	specFile := filepath.Join(dir, "spec", "flags.json")
	writeFile(t, specFile, validSpec)
	out := filepath.Join(dir, "my-flags")
	args := []string{"generate", "-spec", specFile, "-out", out, "-now", "2025-01-01"}
	if code, stdout, stderr := run(t, args...); code != 0 || stdout != "" || stderr != "" {
		t.Fatalf("exit %d, stdout %q, stderr %q", code, stdout, stderr)
	}
	target := filepath.Join(out, gen.FileName)
	src, err := os.ReadFile(target)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"package myflags\n", `flagimpl.MustLoadSpec("flags.json", `, "// Deprecated: flag \"old_api\" expired after 2024-06-30; remove it."} {
		if !bytes.Contains(src, []byte(want)) {
			t.Errorf("generated file lacks %q", want)
		}
	}
	entries, _ := os.ReadDir(out)
	if len(entries) != 1 {
		t.Errorf("out dir holds %d entries, want just %s (no temporary files left)", len(entries), gen.FileName)
	}
	old := time.Now().Add(-time.Hour).Truncate(time.Second)
	if err := os.Chtimes(target, old, old); err != nil {
		t.Fatal(err)
	}
	if code, _, stderr := run(t, args...); code != 0 {
		t.Fatalf("second run: exit %d: %s", code, stderr)
	}
	if fi, err := os.Stat(target); err != nil || !fi.ModTime().Equal(old) {
		t.Errorf("an unchanged file was rewritten (mtime %v, want %v)", fi.ModTime(), old)
	}
	// An earlier -now: the flag has not expired, so the file changes.
	if code, _, stderr := run(t, "generate", "-spec", specFile, "-out", out, "-now", "2024-01-01"); code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	if src2, _ := os.ReadFile(target); bytes.Contains(src2, []byte("Deprecated")) {
		t.Errorf("flag marked deprecated before its expiry")
	}
}

func TestGenerateCheck(t *testing.T) {
	dir := t.TempDir()
	specFile := filepath.Join(dir, "flags.json")
	writeFile(t, specFile, validSpec)
	out := filepath.Join(dir, "flags")
	check := []string{"generate", "-check", "-spec", specFile, "-out", out, "-now", "2025-01-01"}

	code, _, stderr := run(t, check...)
	if code != 1 || !strings.Contains(stderr, gen.FileName+" is missing") || !strings.Contains(stderr, "regenerate with: go generate ./... (or: go tool flaggen generate -spec "+specFile+" -out "+out+" -now 2025-01-01)\n") {
		t.Errorf("missing file: exit %d, stderr %q", code, stderr)
	}
	// The hint keeps -pkg and -now, quoting what a shell would split.
	spaced := filepath.Join(dir, "my flags")
	code, _, stderr = run(t, "generate", "-check", "-spec", specFile, "-out", spaced, "-pkg", "ff", "-now", "2025-01-01T10:00:00")
	if want := "regenerate with: go generate ./... (or: go tool flaggen generate -spec " + specFile + " -out '" + spaced + "' -pkg ff -now 2025-01-01T10:00:00)\n"; code != 1 || !strings.Contains(stderr, want) {
		t.Errorf("hint: exit %d, stderr %q, want it to contain %q", code, stderr, want)
	}
	if _, err := os.Stat(out); !os.IsNotExist(err) {
		t.Errorf("-check created %s", out)
	}

	if code, _, stderr := run(t, check[0:1][0], "-spec", specFile, "-out", out, "-now", "2025-01-01"); code != 0 {
		t.Fatalf("generate: exit %d: %s", code, stderr)
	}
	if code, stdout, stderr := run(t, check...); code != 0 || stdout != "" || stderr != "" {
		t.Errorf("fresh: exit %d, stdout %q, stderr %q", code, stdout, stderr)
	}

	target := filepath.Join(out, gen.FileName)
	good, _ := os.ReadFile(target)
	stale := bytes.ReplaceAll(good, []byte("New UI."), []byte("Old text."))
	if bytes.Equal(stale, good) {
		t.Fatal("description not found in the generated file")
	}
	if err := os.WriteFile(target, stale, 0o666); err != nil {
		t.Fatal(err)
	}
	code, _, stderr = run(t, check...)
	if code != 1 {
		t.Errorf("stale: exit %d, want 1", code)
	}
	for _, want := range []string{gen.FileName + " is stale:", "--- ", "+++ ", "@@ -", "\n-// Old text.\n", "\n+// New UI.\n"} {
		if !strings.Contains(stderr, want) {
			t.Errorf("stale: stderr lacks %q:\n%s", want, stderr)
		}
	}
	if now, _ := os.ReadFile(target); !bytes.Equal(now, stale) {
		t.Errorf("-check rewrote the stale file")
	}
}

// TestGenerateCheckFuncs: -check of a package generated with
// -accessors=funcs passes with the option, names it in the regeneration
// hint when stale, and fails without it (the file records its style) rather
// than report every line as stale.
func TestGenerateCheckFuncs(t *testing.T) {
	dir := t.TempDir()
	specFile := filepath.Join(dir, "flags.json")
	writeFile(t, specFile, validSpec)
	out := filepath.Join(dir, "flags")
	gen := []string{"generate", "-spec", specFile, "-out", out, "-now", "2025-01-01", "-accessors=funcs"}
	if code, _, stderr := run(t, gen...); code != 0 {
		t.Fatalf("generate: exit %d: %s", code, stderr)
	}
	check := append([]string{"generate", "-check"}, gen[1:]...)
	if code, stdout, stderr := run(t, check...); code != 0 || stdout != "" || stderr != "" {
		t.Errorf("fresh: exit %d, stdout %q, stderr %q", code, stdout, stderr)
	}
	code, _, stderr := run(t, check[:len(check)-1]...)
	if code != 1 || !strings.Contains(stderr, "was generated with -accessors=funcs: give -accessors=funcs") || strings.Contains(stderr, "stale") {
		t.Errorf("-check without -accessors: exit %d, stderr %q", code, stderr)
	}
	if code, _, stderr := run(t, append(check[:len(check)-1:len(check)-1], "-accessors=methods")...); code != 1 || !strings.Contains(stderr, "is stale") {
		t.Errorf("-check -accessors=methods: exit %d, stderr %q, want stale", code, stderr)
	}
	if err := os.Remove(filepath.Join(out, "flags_gen.go")); err != nil {
		t.Fatal(err)
	}
	code, _, stderr = run(t, check...)
	if want := "(or: go tool flaggen generate -spec " + specFile + " -out " + out + " -accessors funcs -now 2025-01-01)\n"; code != 1 || !strings.Contains(stderr, want) {
		t.Errorf("missing: exit %d, stderr %q, want it to contain %q", code, stderr, want)
	}
	if code, _, stderr := run(t, "generate", "-spec", specFile, "-out", out, "-accessors", "fns"); code != 2 || !strings.Contains(stderr, `-accessors: unknown accessor style "fns"`) {
		t.Errorf("bad -accessors: exit %d, stderr %q", code, stderr)
	}
}

var positionLine = regexp.MustCompile(`^.+:\d+:\d+: /\S*: .+$`)

func TestInvalidSpecWritesNothing(t *testing.T) {
	dir := t.TempDir()
	specFile := filepath.Join(dir, "flags.json")
	writeFile(t, specFile, invalidSpec)
	out := filepath.Join(dir, "flags")
	target := filepath.Join(out, gen.FileName)
	writeFile(t, target, "previous content")

	for _, args := range [][]string{
		{"generate", "-spec", specFile, "-out", out},
		{"generate", "-check", "-spec", specFile, "-out", out},
		{"validate", "-spec", specFile},
	} {
		code, stdout, stderr := run(t, args...)
		if code != 1 || stdout != "" {
			t.Errorf("%v: exit %d, stdout %q", args, code, stdout)
		}
		lines := strings.Split(strings.TrimSuffix(stderr, "\n"), "\n")
		if len(lines) < 2 {
			t.Errorf("%v: want every error (at least 2), got:\n%s", args, stderr)
		}
		for _, l := range lines {
			if !positionLine.MatchString(l) || !strings.HasPrefix(l, specFile+":") {
				t.Errorf("%v: error line %q is not FILE:LINE:COL: /pointer: message", args, l)
			}
		}
		if data, _ := os.ReadFile(target); string(data) != "previous content" {
			t.Errorf("%v: output file touched", args)
		}
		if entries, _ := os.ReadDir(out); len(entries) != 1 {
			t.Errorf("%v: out dir holds %d entries, want 1", args, len(entries))
		}
	}
}

func TestValidateValid(t *testing.T) {
	specFile := filepath.Join(t.TempDir(), "flags.json")
	writeFile(t, specFile, validSpec)
	if code, stdout, stderr := run(t, "validate", "-spec", specFile); code != 0 || stdout != "" || stderr != "" {
		t.Errorf("exit %d, stdout %q, stderr %q", code, stdout, stderr)
	}
}

// TestSpecFromEnv: validate and generate read $FLAGGEN_SPEC when -spec is
// absent, as every other command does; -spec wins over it.
func TestSpecFromEnv(t *testing.T) {
	dir := t.TempDir()
	good, bad := filepath.Join(dir, "flags.json"), filepath.Join(dir, "bad.json")
	writeFile(t, good, validSpec)
	writeFile(t, bad, invalidSpec)
	t.Setenv(envSpec, bad)
	if code, _, stderr := run(t, "validate"); code != 1 || !strings.Contains(stderr, bad+":") {
		t.Errorf("validate with $FLAGGEN_SPEC=%s: exit %d, stderr %q", bad, code, stderr)
	}
	if code, _, stderr := run(t, "validate", "-spec", good); code != 0 {
		t.Errorf("validate -spec over $FLAGGEN_SPEC: exit %d, stderr %q", code, stderr)
	}
	t.Setenv(envSpec, good)
	out := filepath.Join(dir, "flags")
	if code, _, stderr := run(t, "generate", "-out", out); code != 0 {
		t.Fatalf("generate with $FLAGGEN_SPEC: exit %d, stderr %q", code, stderr)
	}
	if _, err := os.Stat(filepath.Join(out, gen.FileName)); err != nil {
		t.Error(err)
	}
}

func TestPackageName(t *testing.T) {
	dir := t.TempDir()
	specFile := filepath.Join(dir, "flags.json")
	writeFile(t, specFile, validSpec)
	pkgOf := func(out string, extra ...string) string {
		t.Helper()
		args := append([]string{"generate", "-spec", specFile, "-out", out}, extra...)
		if code, _, stderr := run(t, args...); code != 0 {
			t.Fatalf("%v: exit %d: %s", args, code, stderr)
		}
		src, _ := os.ReadFile(filepath.Join(out, gen.FileName))
		m := regexp.MustCompile(`(?m)^package (\w+)$`).FindSubmatch(src)
		if m == nil {
			t.Fatalf("no package clause in:\n%s", src)
		}
		return string(m[1])
	}
	// The package the directory already holds wins over its name; test
	// files and files excluded by build constraints do not count.
	existing := filepath.Join(dir, "internal", "featureflags")
	writeFile(t, filepath.Join(existing, "doc.go"), "// Package flags ...\npackage flags\n")
	writeFile(t, filepath.Join(existing, "x_test.go"), "package flags_test\n")
	writeFile(t, filepath.Join(existing, "gen.go"), "//go:build ignore\n\npackage main\n")
	if got := pkgOf(existing); got != "flags" {
		t.Errorf("existing package: got %s, want flags", got)
	}
	if got := pkgOf(filepath.Join(dir, "Feature-Flags")); got != "featureflags" {
		t.Errorf("from dir name: got %s, want featureflags", got)
	}
	if got := pkgOf(filepath.Join(dir, "x"), "-pkg", "custom"); got != "custom" {
		t.Errorf("-pkg: got %s, want custom", got)
	}
	if code, _, stderr := run(t, "generate", "-spec", specFile, "-out", filepath.Join(dir, "2fa")); code != 2 || !strings.Contains(stderr, "use -pkg") {
		t.Errorf("underivable name: exit %d, stderr %q", code, stderr)
	}
	if code, _, stderr := run(t, "generate", "-spec", specFile, "-out", dir, "-pkg", "not-valid"); code != 2 || !strings.Contains(stderr, `-pkg: "not-valid" is not a valid Go package name`) {
		t.Errorf("bad -pkg: exit %d, stderr %q", code, stderr)
	}
}

// TestRelativePaths runs generate the way go generate does: from the
// package directory, with -out . and a relative spec.
func TestRelativePaths(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "specs", "flags.json"), validSpec)
	pkg := filepath.Join(dir, "app", "flags")
	writeFile(t, filepath.Join(pkg, "doc.go"), "package flags\n\n//go:generate go run github.com/flaggen/flaggen/cmd/flaggen generate -spec ../../specs/flags.json -out .\n")
	t.Chdir(pkg)
	if code, _, stderr := run(t, "generate", "-spec", "../../specs/flags.json", "-out", "."); code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	src, err := os.ReadFile(gen.FileName)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(src, []byte("package flags\n")) || !bytes.Contains(src, []byte(`flagimpl.MustLoadSpec("flags.json", `)) {
		t.Errorf("unexpected package or recorded spec name:\n%.600s", src)
	}
}

// TestPackageNameRefusals: generate refuses, with exit 2 and a message
// naming the directory, the reason and the fix, an output directory whose
// package would not build or could not be imported (issue 9, item 9).
func TestPackageNameRefusals(t *testing.T) {
	dir := t.TempDir()
	specFile := filepath.Join(dir, "flags.json")
	writeFile(t, specFile, validSpec)
	writeFile(t, filepath.Join(dir, "go.mod"), "module example.com/app\n\ngo 1.26\n")
	holds := filepath.Join(dir, "holds")
	writeFile(t, filepath.Join(holds, "doc.go"), "package flags\n")
	for _, tc := range []struct {
		name string
		args []string
		want []string
	}{
		{"dir main", []string{"-out", filepath.Join(dir, "main")}, []string{"main: package main is a command", "use -pkg NAME or another -out directory"}},
		{"dir Main", []string{"-out", filepath.Join(dir, "cmd", "Main")}, []string{"package main is a command"}},
		{"-pkg main", []string{"-out", filepath.Join(dir, "x"), "-pkg", "main"}, []string{"package main is a command", "use another -pkg NAME"}},
		{"digit", []string{"-out", filepath.Join(dir, "1flags")}, []string{`cannot derive a package name from ` + filepath.Join(dir, "1flags") + `: "1flags" is not a Go identifier`, "use -pkg NAME"}},
		{"keyword", []string{"-out", filepath.Join(dir, "func")}, []string{`"func" is not a Go identifier`}},
		{"blank", []string{"-out", filepath.Join(dir, "_")}, []string{`"_" is not a Go identifier`}},
		{"non-ASCII path", []string{"-out", filepath.Join(dir, "flägs")}, []string{"flägs: no Go code could import the generated package", "invalid char", "use another -out directory"}},
		{"space in path", []string{"-out", filepath.Join(dir, "my flags", "ff")}, []string{"no Go code could import the generated package"}},
		{"-pkg differs", []string{"-out", holds, "-pkg", "other"}, []string{"-pkg other: " + holds + " already holds package flags", "use -pkg flags"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			for _, check := range []bool{false, true} {
				args := append([]string{"generate", "-spec", specFile, "-now", "2025-01-01"}, tc.args...)
				if check {
					args = append(args, "-check")
				}
				code, _, stderr := run(t, args...)
				if code != 2 {
					t.Errorf("%v: exit %d, want 2; stderr %q", args, code, stderr)
				}
				for _, w := range tc.want {
					if !strings.Contains(stderr, w) {
						t.Errorf("%v: stderr %q lacks %q", args, stderr, w)
					}
				}
			}
			out := tc.args[1]
			if _, err := os.Stat(filepath.Join(out, gen.FileName)); err == nil {
				t.Errorf("%s written", filepath.Join(out, gen.FileName))
			}
		})
	}
	// A command generating into its own directory keeps package main; a
	// matching -pkg is accepted.
	cmd := filepath.Join(dir, "cmd", "tool")
	writeFile(t, filepath.Join(cmd, "main.go"), "package main\n\nfunc main() {}\n")
	for _, extra := range [][]string{nil, {"-pkg", "main"}} {
		args := append([]string{"generate", "-spec", specFile, "-out", cmd, "-now", "2025-01-01"}, extra...)
		if code, _, stderr := run(t, args...); code != 0 {
			t.Errorf("%v: exit %d: %s", args, code, stderr)
		}
	}
	if code, _, stderr := run(t, "generate", "-spec", specFile, "-out", holds, "-pkg", "flags", "-now", "2025-01-01"); code != 0 {
		t.Errorf("matching -pkg: exit %d: %s", code, stderr)
	}
}
