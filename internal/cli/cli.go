package cli

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"

	"github.com/flaggen/flaggen/internal/ops"
	"github.com/flaggen/flaggen/internal/redisurl"
)

// Command is one flaggen command. Each command lives in its own file of this
// package, named after it, and is listed in the table of commands.go.
type Command struct {
	// Name is the word that selects the command: "flaggen NAME".
	Name string
	// Args is the synopsis after the name, e.g. "-spec FILE -out DIR [-check]".
	Args string
	// Short is a one-line summary, lower case, for the command list.
	Short string
	// Long is the full description printed by -h and "flaggen help NAME",
	// above the options, and in the manual (cmd/flaggen/doc.go, generated
	// by Manual). Paragraphs separated by blank lines; lines indented by a
	// tab or spaces are examples, printed as they are.
	Long string
	// Topics are the descriptions the command shares with others, printed
	// after Long by -h, and once, as their own sections, in the manual.
	Topics []*Topic
	// Setup declares the command's options on fs and returns the function
	// that runs the command once they are parsed; args are the remaining
	// positional arguments. Run returns nil for success, a UsageError (exit
	// 2), an error from Fail or Positioned, or any other error (printed
	// with the "flaggen: " prefix, exit 1).
	Setup func(fs *flag.FlagSet) (run func(env *Env, args []string) error)
}

// A Topic is help text that several commands share.
type Topic struct {
	// Title is the topic's heading in the manual.
	Title string
	// Text is written as Command.Long is.
	Text string
}

// Env is what a command runs with: the standard streams, and the command
// itself (for its help).
type Env struct {
	Stdin          io.Reader
	Stdout, Stderr io.Writer
	cmd            *Command
}

// Commands returns the commands sorted by name.
func Commands() []*Command {
	cs := slices.Clone(commands)
	slices.SortFunc(cs, func(a, b *Command) int { return strings.Compare(a.Name, b.Name) })
	return cs
}

// lookup returns the command called name, or nil.
func lookup(name string) *Command {
	for _, c := range commands {
		if c.Name == name {
			return c
		}
	}
	return nil
}

// UsageError is a command-line mistake: Main prints it with the command's
// synopsis and exits 2. The operations report theirs as the same type.
type UsageError = ops.UsageError

// Usagef returns a UsageError.
func Usagef(format string, args ...any) error { return ops.Usagef(format, args...) }

// exitError ends a command with a status after the command has already
// printed what the user needs to see.
type exitError struct{ code int }

func (e *exitError) Error() string { return fmt.Sprintf("exit status %d", e.code) }

// Fail returns an error that makes Main exit 1 without printing anything
// more (the command has reported the failure itself).
func Fail() error { return &exitError{code: 1} }

// positioned wraps an error whose text is already one "FILE:LINE:COL: ..."
// line per problem: Main prints it as is, without the "flaggen: " prefix.
type positioned struct{ err error }

func (p *positioned) Error() string { return p.err.Error() }
func (p *positioned) Unwrap() error { return p.err }

// Positioned marks err (typically a spec.ErrorList) as a list of positioned
// errors, printed one per line without the "flaggen: " prefix, exit 1.
func Positioned(err error) error { return &positioned{err: err} }

// Main runs the flaggen command line with args (without the program name)
// and returns the process exit status: 0 success, 1 failure, 2 usage error.
//
// Standard error is scrubbed of the credentials of every Redis URL the
// command may have been given ($FLAGGEN_REDIS_URL, -redis, any argument
// with "://"), whatever prints there: messages, warnings, logs.
func Main(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	stderr = redisurl.ScrubWriter(stderr, append(redisurl.InArgs(args, "redis"), os.Getenv(envRedisURL))...)
	env := &Env{Stdin: stdin, Stdout: stdout, Stderr: stderr}
	if len(args) == 0 {
		usage(stderr)
		return 2
	}
	switch args[0] {
	case "help", "-h", "-help", "--help":
		return help(env, args[1:])
	case completeCmd:
		return runComplete(stdout, args[1:])
	}
	c := lookup(args[0])
	if c == nil {
		fmt.Fprintf(stderr, "flaggen: unknown command %q\nRun 'flaggen help' for usage.\n", args[0])
		return 2
	}
	fs := flag.NewFlagSet("flaggen "+c.Name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.Usage = func() {}
	run := c.Setup(fs)
	env.cmd = c
	if err := fs.Parse(args[1:]); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			commandHelp(stdout, c, fs)
			return 0
		}
		return usageFailure(stderr, c, err)
	}
	err := run(env, fs.Args())
	var ue *UsageError
	var ee *exitError
	var pe *positioned
	switch {
	case err == nil:
		return 0
	case errors.As(err, &ue):
		return usageFailure(stderr, c, err)
	case errors.As(err, &ee):
		return ee.code
	case errors.As(err, &pe):
		fmt.Fprintln(stderr, ops.ShownLines(strings.TrimRight(pe.Error(), "\n")))
		return 1
	default:
		// Errors from the runtime carry their own prefix: print one.
		fmt.Fprintf(stderr, "flaggen: %s\n", ops.ShownLines(strings.TrimPrefix(err.Error(), "flaggen: ")))
		return 1
	}
}

func usageFailure(w io.Writer, c *Command, err error) int {
	fmt.Fprintf(w, "flaggen %s: %s\nusage: flaggen %s %s\nRun 'flaggen %s -h' for details.\n", c.Name, ops.ShownLines(err.Error()), c.Name, c.Args, c.Name)
	return 2
}

func usage(w io.Writer) {
	fmt.Fprint(w, "flaggen turns a feature-flag spec into a typed Go package.\n\nusage: flaggen COMMAND [options]\n\nCommands:\n")
	width := len("help")
	for _, c := range Commands() {
		width = max(width, len(c.Name))
	}
	for _, c := range Commands() {
		fmt.Fprintf(w, "  %-*s  %s\n", width, c.Name, c.Short)
	}
	fmt.Fprintf(w, "  %-*s  %s\n", width, "help", helpShort)
	fmt.Fprint(w, "\nRun 'flaggen help COMMAND' or 'flaggen COMMAND -h' for a command's options.\n")
}

// helpShort and helpHelp describe the help command, which Main runs
// itself rather than through the table.
const (
	helpShort = "show the documentation of a command"
	helpHelp  = `usage: flaggen help [COMMAND]

Help lists the commands, or prints the documentation of COMMAND: its
synopsis, description and options, as 'flaggen COMMAND -h' does.
`
)

func help(env *Env, args []string) int {
	switch len(args) {
	case 0:
		usage(env.Stdout)
		return 0
	case 1:
		if args[0] == "help" {
			fmt.Fprint(env.Stdout, helpHelp)
			return 0
		}
		if c := lookup(args[0]); c != nil {
			fs := flag.NewFlagSet("flaggen "+c.Name, flag.ContinueOnError)
			c.Setup(fs)
			commandHelp(env.Stdout, c, fs)
			return 0
		}
		fmt.Fprintf(env.Stderr, "flaggen help: unknown command %q\nRun 'flaggen help' for usage.\n", args[0])
		return 2
	}
	fmt.Fprintln(env.Stderr, "usage: flaggen help [COMMAND]")
	return 2
}

func commandHelp(w io.Writer, c *Command, fs *flag.FlagSet) {
	fmt.Fprintf(w, "usage: flaggen %s %s\n\n", c.Name, c.Args)
	if long := strings.TrimSpace(c.Long); long != "" {
		fmt.Fprintf(w, "%s\n\n", long)
		for _, t := range c.Topics {
			fmt.Fprintf(w, "%s\n\n", strings.TrimSpace(t.Text))
		}
	} else {
		fmt.Fprintf(w, "%s.\n\n", strings.ToUpper(c.Short[:1])+c.Short[1:])
	}
	n := 0
	fs.VisitAll(func(*flag.Flag) { n++ })
	if n > 0 {
		fmt.Fprintln(w, "Options:")
		fs.SetOutput(w)
		fs.PrintDefaults()
		fs.SetOutput(io.Discard)
	}
}
