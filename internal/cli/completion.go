package cli

import (
	"flag"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"

	"github.com/flaggen/flaggen/internal/gen"
	"github.com/flaggen/flaggen/internal/ops"
	"github.com/flaggen/flaggen/runtime"
)

var completionCmd = &Command{
	Name:  "completion",
	Args:  "bash|zsh|fish",
	Short: "print the shell completion script for bash, zsh or fish",
	Long: `Completion prints a script that makes the shell complete flaggen's command
line: the commands, each command's options, the flag names of the spec
(-spec on the line, else $` + envSpec + `) where a command takes a flag
NAME (get, enable, disable, rollout, patch, reset, audit, feedback, eval
-flag), the spec's releases after release status|enable|disable, the
fields of patch -revert, and file names for -spec and -out. The script asks
flaggen itself (a hidden "flaggen __complete WORDS…" that prints one
completion a line), so it follows the flaggen on PATH and needs no
update when flaggen gains a command. Install it with:

	# bash (~/.bashrc; or save it as ~/.local/share/bash-completion/completions/flaggen)
	source <(flaggen completion bash)
	# zsh (~/.zshrc, after compinit; or save it as _flaggen in a directory of $fpath)
	source <(flaggen completion zsh)
	# fish
	flaggen completion fish > ~/.config/fish/completions/flaggen.fish`,
	Setup: func(fs *flag.FlagSet) func(*Env, []string) error {
		return func(env *Env, args []string) error {
			if err := wantArgs(args, "SHELL (bash, zsh or fish)"); err != nil {
				return err
			}
			script, ok := completionScripts[args[0]]
			if !ok {
				return Usagef("unknown shell %q: want bash, zsh or fish", args[0])
			}
			_, err := io.WriteString(env.Stdout, script)
			return err
		}
	},
}

// completeCmd is the hidden command the completion scripts call: "flaggen
// __complete WORD... CURRENT" prints the completions of CURRENT, the word
// under the cursor (possibly empty), after the words before it (those
// after "flaggen"), one a line; the single line completeFiles asks the
// shell for file names instead.
const (
	completeCmd   = "__complete"
	completeFiles = ":files"
)

// completionScripts are the scripts of 'flaggen completion SHELL'. Each
// passes the words after "flaggen" up to the cursor to 'flaggen __complete'.
var completionScripts = map[string]string{
	"bash": `# bash completion for flaggen: source <(flaggen completion bash)
_flaggen() {
	local cur=${COMP_WORDS[COMP_CWORD]} IFS=$'\n'
	local -a out
	out=($(flaggen __complete "${COMP_WORDS[@]:1:COMP_CWORD}" 2>/dev/null))
	if [[ ${#out[@]} -eq 1 && ${out[0]} == :files ]]; then
		compopt -o filenames 2>/dev/null
		COMPREPLY=($(compgen -f -- "$cur"))
	else
		COMPREPLY=("${out[@]}")
	fi
}
complete -F _flaggen flaggen
`,
	"zsh": `#compdef flaggen
# zsh completion for flaggen: source <(flaggen completion zsh), after compinit
_flaggen() {
	local -a out
	out=("${(@f)$(flaggen __complete "${(@)words[2,CURRENT]}" 2>/dev/null)}")
	if [[ ${#out} -eq 1 && ${out[1]} == :files ]]; then
		_files
	elif [[ -n ${out[1]} ]]; then
		compadd -- "${out[@]}"
	fi
}
if [[ ${funcstack[1]} == _flaggen ]]; then
	_flaggen "$@"
else
	compdef _flaggen flaggen
fi
`,
	"fish": `# fish completion for flaggen: flaggen completion fish > ~/.config/fish/completions/flaggen.fish
function __flaggen_complete
	set -l tokens (commandline -opc)
	set -e tokens[1]
	set -l cur (commandline -ct)
	set -l out (flaggen __complete $tokens "$cur" 2>/dev/null)
	if test (count $out) -eq 1; and test "$out[1]" = :files
		__fish_complete_path "$cur"
	else
		printf '%s\n' $out
	end
end
complete -c flaggen -f -a '(__flaggen_complete)'
`,
}

// runComplete is 'flaggen __complete WORDS…': it prints the completions
// and never fails (a completion that cannot be computed is none).
func runComplete(w io.Writer, words []string) int {
	for _, c := range complete(words) {
		fmt.Fprintln(w, c)
	}
	return 0
}

// complete returns the completions of the last of words (the words after
// "flaggen", the last one the word under the cursor), those that start
// with it, or the single completeFiles.
func complete(words []string) []string {
	if len(words) == 0 {
		words = []string{""}
	}
	cur, before := words[len(words)-1], words[:len(words)-1]
	if len(before) == 0 {
		names := []string{"help"}
		for _, c := range Commands() {
			names = append(names, c.Name)
		}
		return withPrefix(names, cur)
	}
	if before[0] == "help" {
		if len(before) > 1 {
			return nil
		}
		return complete([]string{cur})
	}
	c := lookup(before[0])
	if c == nil {
		return nil
	}
	fs := flag.NewFlagSet(c.Name, flag.ContinueOnError)
	c.Setup(fs)
	// The positional arguments before cur, and the option whose value cur
	// is, if any.
	var pos []string
	valueOf := ""
	options := true
	for _, w := range before[1:] {
		switch {
		case valueOf != "":
			valueOf = ""
		case !options || w == "-" || !strings.HasPrefix(w, "-") || negativeNumber(w):
			pos = append(pos, w)
		case w == "--":
			options = false
		default:
			name, _, hasValue := strings.Cut(strings.TrimLeft(w, "-"), "=")
			if f := fs.Lookup(name); f != nil && !hasValue && !isBool(f) {
				valueOf = name
			}
		}
	}
	switch {
	case valueOf != "":
		return completeValue(valueOf, cur, words)
	case options && strings.HasPrefix(cur, "-") && !negativeNumber(cur):
		var opts []string
		fs.VisitAll(func(f *flag.Flag) { opts = append(opts, "-"+f.Name) })
		return withPrefix(opts, cur)
	}
	return completePositional(c.Name, pos, cur, words)
}

// completeValue completes the value of option name.
func completeValue(name, cur string, words []string) []string {
	switch name {
	case "spec", "out":
		return []string{completeFiles}
	case "flag":
		return withPrefix(specOf(words).FlagNames(), cur)
	case "env":
		return withPrefix(specOf(words).Environments(), cur)
	case "accessors":
		return withPrefix([]string{string(gen.Methods), string(gen.Funcs)}, cur)
	case "revert": // FIELD[,FIELD...]: the field after the last comma
		done, last := "", cur
		if i := strings.LastIndexByte(cur, ','); i >= 0 {
			done, last = cur[:i+1], cur[i+1:]
		}
		var out []string
		for _, f := range withPrefix(ops.PatchFields(), last) {
			out = append(out, done+f)
		}
		return out
	}
	return nil
}

// completePositional completes the positional argument after pos of
// command name.
func completePositional(name string, pos []string, cur string, words []string) []string {
	switch name {
	case "completion":
		if len(pos) == 0 {
			return withPrefix([]string{"bash", "fish", "zsh"}, cur)
		}
	case "get", "enable", "disable", "rollout", "patch", "reset", "audit", "feedback", "remove":
		if len(pos) == 0 {
			return withPrefix(specOf(words).FlagNames(), cur)
		}
	case "release":
		switch {
		case len(pos) == 0:
			return withPrefix([]string{"disable", "enable", "ls", "status"}, cur)
		case len(pos) == 1 && pos[0] != "ls":
			return withPrefix(specOf(words).Releases(), cur)
		}
	case "segment":
		switch len(pos) {
		case 0:
			return withPrefix(ops.SegmentNames(specOf(words)), cur)
		case 1:
			return withPrefix([]string{"drop", "exclude", "include", "patch"}, cur)
		}
	case "lint":
		return []string{completeFiles}
	}
	return nil
}

// specOf loads the spec that words name with -spec, else $FLAGGEN_SPEC:
// an empty spec when there is none or it does not load.
func specOf(words []string) *runtime.Spec {
	file := os.Getenv(envSpec)
	for i, w := range words {
		name, val, hasValue := strings.Cut(strings.TrimLeft(w, "-"), "=")
		switch {
		case !strings.HasPrefix(w, "-") || name != "spec":
		case hasValue:
			file = val
		case i+1 < len(words)-1: // not the word under the cursor
			file = words[i+1]
		}
	}
	if file != "" {
		if sf, err := ops.LoadSpecFile(file, "-spec"); err == nil {
			return sf.Spec
		}
	}
	sp, err := runtime.LoadSpec("none", []byte(`{"flags": {}}`))
	if err != nil {
		panic(err) // an empty spec always loads
	}
	return sp
}

// isBool reports whether f is a boolean option, which takes no value.
func isBool(f *flag.Flag) bool {
	b, ok := f.Value.(interface{ IsBoolFlag() bool })
	return ok && b.IsBoolFlag()
}

// withPrefix returns the words of all that start with prefix, sorted.
func withPrefix(all []string, prefix string) []string {
	var out []string
	for _, w := range all {
		if strings.HasPrefix(w, prefix) {
			out = append(out, w)
		}
	}
	slices.Sort(out)
	return slices.Compact(out)
}
