package cli

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"

	"github.com/flaggen/flaggen/internal/redisurl"
)

// Command is one flaggen command. Each command lives in its own file of this
// package and adds itself to the table from an init function with Register.
type Command struct {
	// Name is the word that selects the command: "flaggen NAME".
	Name string
	// Args is the synopsis after the name, e.g. "-spec FILE -out DIR [-check]".
	Args string
	// Short is a one-line summary, lower case, for the command list.
	Short string
	// Long is the full description printed by -h and "flaggen help NAME",
	// above the options. Paragraphs separated by blank lines.
	Long string
	// Setup declares the command's options on fs and returns the function
	// that runs the command once they are parsed; args are the remaining
	// positional arguments. Run returns nil for success, a UsageError (exit
	// 2), an error from Fail or Positioned, or any other error (printed
	// with the "flaggen: " prefix, exit 1).
	Setup func(fs *flag.FlagSet) (run func(env *Env, args []string) error)
}

// Env is what a command runs with: the standard streams.
type Env struct {
	Stdin          io.Reader
	Stdout, Stderr io.Writer
}

var commands = map[string]*Command{}

// Register adds c to the command table. It panics on a duplicate or
// incomplete command: that is a programming error.
func Register(c *Command) {
	if c.Name == "" || c.Short == "" || c.Setup == nil {
		panic(fmt.Sprintf("cli: incomplete command %+v", c))
	}
	if _, dup := commands[c.Name]; dup || c.Name == "help" {
		panic("cli: duplicate command " + c.Name)
	}
	commands[c.Name] = c
}

// Commands returns the registered commands sorted by name.
func Commands() []*Command {
	cs := make([]*Command, 0, len(commands))
	for _, c := range commands {
		cs = append(cs, c)
	}
	sort.Slice(cs, func(i, j int) bool { return cs[i].Name < cs[j].Name })
	return cs
}

// UsageError is a command-line mistake: Main prints it with the command's
// synopsis and exits 2.
type UsageError struct{ Msg string }

func (e *UsageError) Error() string { return e.Msg }

// Usagef returns a UsageError.
func Usagef(format string, args ...any) error {
	return &UsageError{Msg: fmt.Sprintf(format, args...)}
}

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
	}
	c := commands[args[0]]
	if c == nil {
		fmt.Fprintf(stderr, "flaggen: unknown command %q\nRun 'flaggen help' for usage.\n", args[0])
		return 2
	}
	fs := flag.NewFlagSet("flaggen "+c.Name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.Usage = func() {}
	run := c.Setup(fs)
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
		fmt.Fprintln(stderr, shownLines(strings.TrimRight(pe.Error(), "\n")))
		return 1
	default:
		fmt.Fprintf(stderr, "flaggen: %s\n", shownLines(err.Error()))
		return 1
	}
}

func usageFailure(w io.Writer, c *Command, err error) int {
	fmt.Fprintf(w, "flaggen %s: %s\nusage: flaggen %s %s\nRun 'flaggen %s -h' for details.\n", c.Name, shownLines(err.Error()), c.Name, c.Args, c.Name)
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
	fmt.Fprintf(w, "  %-*s  %s\n", width, "help", "show the documentation of a command")
	fmt.Fprint(w, "\nRun 'flaggen help COMMAND' or 'flaggen COMMAND -h' for a command's options.\n")
}

func help(env *Env, args []string) int {
	switch len(args) {
	case 0:
		usage(env.Stdout)
		return 0
	case 1:
		if c := commands[args[0]]; c != nil {
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
