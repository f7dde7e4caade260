package cli

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestComplete: 'flaggen __complete' completes commands, each command's
// options, and the flag and release names of the spec (-spec on the
// line, else $FLAGGEN_SPEC), one a line.
func TestComplete(t *testing.T) {
	t.Setenv(envSpec, demoSpec)
	demoFlags := "advanced_search checkout_button discount_rate legacy_export maintenance_mode max_results native_share new_ui search_engine"
	for _, tc := range []struct {
		words []string
		want  string
	}{
		{[]string{""}, "audit completion disable enable eval exposure feedback generate get help lint ls patch release remove reset reset-live rollout schema segment segments serve validate version"},
		{[]string{"re"}, "release remove reset reset-live"},
		{[]string{"help", "v"}, "validate version"},
		{[]string{"disable", "-"}, "-actor -force -namespace -reason -redis -spec -timeout"},
		{[]string{"disable", "-re"}, "-reason -redis"},
		{[]string{"disable", "n"}, "native_share new_ui"},
		{[]string{"get", ""}, demoFlags},
		{[]string{"disable", "-reason", "x", "-force", "m"}, "maintenance_mode max_results"},
		{[]string{"disable", "new_ui", ""}, ""},  // one NAME only
		{[]string{"disable", "-reason", ""}, ""}, // free text
		{[]string{"get", "-spec", "../../testdata/seed/flags.json", ""}, "advanced_search new_ui"},
		{[]string{"get", "-spec=../../testdata/seed/flags.json", "a"}, "advanced_search"},
		{[]string{"get", "-spec", "missing.json", ""}, ""},
		{[]string{"eval", "-flag", "new"}, "new_ui"},
		{[]string{"eval", "-explain", "-flag", "new"}, "new_ui"},
		{[]string{"release", ""}, "disable enable ls status"},
		{[]string{"release", "enable", ""}, "winter_launch"},
		{[]string{"release", "ls", ""}, ""},
		{[]string{"patch", "new_ui", "-revert", "regions,u"}, "regions,users"},
		{[]string{"rollout", "new_ui", "-5", "-n"}, "-namespace"},
		{[]string{"generate", "-spec", ""}, completeFiles},
		{[]string{"generate", "-spec", "x", "-out", "fl"}, completeFiles},
		{[]string{"generate", "-accessors", ""}, "funcs methods"},
		{[]string{"generate", "-accessors", "f"}, "funcs"},
		{[]string{"lint", "-spec", "x", "./"}, completeFiles},
		{[]string{"completion", ""}, "bash fish zsh"},
		{[]string{"nope", ""}, ""},
	} {
		code, out, errs := run(t, append([]string{completeCmd}, tc.words...)...)
		if got := strings.Join(strings.Fields(out), " "); code != 0 || errs != "" || got != tc.want {
			t.Errorf("__complete %q: exit %d, stderr %q, got %q; want %q", tc.words, code, errs, got, tc.want)
		}
	}
	if _, out, _ := run(t, "help"); strings.Contains(out, completeCmd) {
		t.Errorf("help lists the hidden %s:\n%s", completeCmd, out)
	}
}

// TestCompletionScripts: each shell's script is valid for that shell
// (bash -n, zsh -n, fish -n where installed) and calls __complete; an
// unknown shell is a usage error.
func TestCompletionScripts(t *testing.T) {
	for _, sh := range []string{"bash", "zsh", "fish"} {
		code, script, errs := run(t, "completion", sh)
		if code != 0 || errs != "" || !strings.Contains(script, "flaggen "+completeCmd) {
			t.Errorf("completion %s: exit %d, stderr %q:\n%s", sh, code, errs, script)
		}
		path, err := exec.LookPath(sh)
		if err != nil {
			t.Logf("%s not installed: its script's syntax is not checked", sh)
			continue
		}
		file := filepath.Join(t.TempDir(), "flaggen."+sh)
		writeFile(t, file, script)
		if out, err := exec.Command(path, "-n", file).CombinedOutput(); err != nil {
			t.Errorf("%s -n: %v\n%s", sh, err, out)
		}
	}
	if code, _, errs := run(t, "completion", "tcsh"); code != 2 || !strings.Contains(errs, `unknown shell "tcsh": want bash, zsh or fish`) {
		t.Errorf("completion tcsh: exit %d, %q", code, errs)
	}
	if code, _, errs := run(t, "completion"); code != 2 || !strings.Contains(errs, "missing SHELL") {
		t.Errorf("completion: exit %d, %q", code, errs)
	}
}

// TestCompletionInShells runs the bash, zsh and fish scripts in their
// shells (where installed), against this test binary installed as flaggen on
// PATH, as the shell does on TAB.
func TestCompletionInShells(t *testing.T) {
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	bin := t.TempDir()
	if err := os.Symlink(self, filepath.Join(bin, "flaggen")); err != nil {
		t.Fatal(err)
	}
	spec, err := filepath.Abs(demoSpec)
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct{ line, want string }{
		{"flaggen di", "disable"},
		{"flaggen disable n", "native_share new_ui"},
		{"flaggen release status ", "winter_launch"},
		{"flaggen validate -spec " + filepath.Dir(spec) + "/fl", spec},
	}
	for _, sh := range []struct {
		name string
		args func(script, line string) []string
	}{
		{"bash", func(script, line string) []string {
			return []string{"--norc", "--noprofile", "-c", script + `
read -ra COMP_WORDS <<< "$1"; [[ $1 == *' ' ]] && COMP_WORDS+=('')
COMP_CWORD=$(( ${#COMP_WORDS[@]} - 1 )); _flaggen; printf '%s\n' "${COMPREPLY[@]}"`, "bash", line}
		}},
		// zsh completes only inside its line editor: compadd and _files
		// are stubs that print what they are given.
		{"zsh", func(script, line string) []string {
			return []string{"-f", "-c", `compdef() {}
compadd() { [[ $1 == -- ]] && shift; print -l -- "$@" }
_files() { print -l -- ${words[CURRENT]}* }
` + script + `
words=(${(z)1}); [[ $1 == *' ' ]] && words+=('')
CURRENT=${#words}; _flaggen`, "zsh", line}
		}},
		{"fish", func(script, line string) []string {
			return []string{"--no-config", "-c", script + `
complete -C "$argv[1]"`, line}
		}},
	} {
		path, err := exec.LookPath(sh.name)
		if err != nil {
			t.Logf("%s not installed: its script is not run", sh.name)
			continue
		}
		_, script, _ := run(t, "completion", sh.name)
		for _, tc := range cases {
			cmd := exec.Command(path, sh.args(script, tc.line)...)
			cmd.Env = append(os.Environ(), asFlaggen+"=1", "PATH="+bin+string(os.PathListSeparator)+os.Getenv("PATH"), envSpec+"="+spec)
			out, err := cmd.CombinedOutput()
			if got := strings.Join(strings.Fields(string(out)), " "); err != nil || got != tc.want {
				t.Errorf("%s completion of %q: %v, got %q; want %q", sh.name, tc.line, err, out, tc.want)
			}
		}
	}
}
