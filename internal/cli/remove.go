package cli

import (
	"flag"
	"fmt"
	"os"

	"github.com/flaggen/flaggen/internal/remove"
)

var removeCmd = &Command{
	Name:  "remove",
	Args:  "-spec FILE -keep on|off|VARIANT [-dry-run] FLAG [PACKAGES]",
	Short: "remove a finished flag from the spec and the code",
	Long: `Remove deletes flag FLAG from the spec FILE and from the Go PACKAGES that use
it (default ./..., test files included), keeping the state -keep: on or off
for a bool flag, a variant name for a variant flag. It reads the code with
its type information, as lint does, and:

  - replaces each call of the flag's method by the kept value (true, false,
    or the variant's value);
  - keeps only the live branch of an if or switch the flag decides (in a
    block when the branch declares names that could clash, or the statement
    has an init), and simplifies !, && and || around it;
  - replaces a strategy factory by its kept implementation: Get(ctx, c)
    becomes the factory itself, NewXFactory(f, XImpls[T]{...}) becomes the
    kept implementation, *XFactory[T] becomes T, and the implementations no
    longer used are reported;
  - drops the flag's runtime.ToggleAs and ToggleNameAs lines, reporting the
    tests that pinned the state that no longer exists, and its handle from
    lists of handles; Name() becomes the flag's name, and == with the
    handle false (!= true);
  - turns the flag's monitors into plain code: Client.Monitor(h, fn) and
    runtime.MonitorValue(c, h, fn) become fn(), TrafficMonitor.Observe
    reports no trip (false, error(nil)), ReportError and ReportPerformance
    lines go;
  - keeps the feedback on the flag, by name: FeedbackCollector.Collect(ctx,
    h, user, text) becomes CollectName(ctx, "NAME", user, text) and Get(ctx,
    h) GetName(ctx, "NAME"), which work on a name the spec no longer has;
  - deletes the flag from the spec text (the rest keeps its formatting),
    from its dependents' depends_on and from the releases (a depends_on or
    release left empty goes), regenerates the
    generated package as generate does, drops the local variables (with
    side-effect-free values) and imports left unused and gofmts the files
    it changes.

PACKAGES must cover every package that uses the flag: code outside them is
not rewritten.

It refuses, naming every place, when -keep off would leave flags that
depend on FLAG off for good, when a call it would drop has arguments with
side effects (move them to a variable first), when a use cannot be
rewritten (the handle passed to another API, by-name lookups), and when the
rewritten code would not type-check. Nothing is written unless everything
is: every file is computed first, then each written to a temporary file and
renamed into place.

With -dry-run it prints the change as a unified diff and writes nothing.
The notes (what else went, what is left for you to check) go to standard
error.`,
	Setup: setupRemove,
}

func setupRemove(fs *flag.FlagSet) func(*Env, []string) error {
	specFile := fs.String("spec", "", "the spec `FILE` (default $"+envSpec+"; required)")
	keep := fs.String("keep", "", "the `STATE` the code keeps: on or off for a bool flag, a variant name\nfor a variant flag (required)")
	dry := fs.Bool("dry-run", false, "print the change as a unified diff and write nothing")
	return func(env *Env, args []string) error {
		if err := specFromEnv(specFile); err != nil {
			return err
		}
		if len(args) == 0 {
			return Usagef("the FLAG to remove is required")
		}
		if *keep == "" {
			return Usagef("-keep is required: on, off or a variant name")
		}
		wd, err := os.Getwd()
		if err != nil {
			return err
		}
		plan, err := remove.New(remove.Options{Spec: *specFile, Flag: args[0], Keep: *keep, Dir: wd, Patterns: args[1:]})
		if err != nil {
			return err
		}
		for _, n := range plan.Notes {
			fmt.Fprintln(env.Stderr, n)
		}
		if *dry {
			fmt.Fprint(env.Stdout, plan.Diff())
			return nil
		}
		return plan.Apply()
	}
}
