package cli

import (
	"flag"
	"fmt"
	goruntime "runtime"
	"runtime/debug"
	"strings"

	"github.com/flaggen/flaggen/internal/gen"
	"github.com/flaggen/flaggen/runtime/flagimpl"
)

var versionCmd = &Command{
	Name:  "version",
	Args:  "",
	Short: "print flaggen's version, its Go version and the generated code's version",
	Long: `Version prints the version of the flaggen module this command was built
from (as go.mod pins it under go tool, or "(devel)" for a build from a
checkout, with its VCS revision when known), the Go version that built it,
and the version of the generated code's contract with the runtime: the one
this generator writes, which every generated file pins
(flagimpl.EnforceVersion), and the range the runtime/flagimpl package of
this module accepts. E.g.

	flaggen v1.4.0
	go1.26.8
	generated code: version 3 (runtime/flagimpl accepts 3 to 3)`,
	Setup: func(fs *flag.FlagSet) func(*Env, []string) error {
		return func(env *Env, args []string) error {
			if len(args) > 0 {
				return Usagef("unexpected argument %q", args[0])
			}
			fmt.Fprintf(env.Stdout, "flaggen %s\n%s\ngenerated code: version %d (runtime/flagimpl accepts %d to %d)\n",
				moduleVersion(), goruntime.Version(), gen.GenVersion, flagimpl.MinGenVersion, flagimpl.GenVersion)
			return nil
		}
	},
}

// modulePath is the path of the module that holds this package.
const modulePath = "github.com/flaggen/flaggen"

// moduleVersion returns the version of the flaggen module in the build
// (the main module for go install …@VERSION, a dependency under go tool:
// its replacement's version, or "VERSION => DIR" when go.mod replaces it
// by a directory), "(devel)" when it has none, followed by the VCS
// revision of a build from a checkout, when the build recorded one.
func moduleVersion() string {
	info, ok := debug.ReadBuildInfo()
	if !ok {
		return "(devel)"
	}
	v := ""
	mods := append([]*debug.Module{&info.Main}, info.Deps...)
	for _, m := range mods {
		if m.Path != modulePath {
			continue
		}
		v = m.Version
		switch {
		case m.Replace != nil && m.Replace.Version != "" && m.Replace.Version != "(devel)":
			v = m.Replace.Version
		case m.Replace != nil: // a directory, as go.mod's replace gives it
			v += " => " + m.Replace.Path
		}
		break
	}
	if v == "" {
		v = "(devel)"
	}
	var rev, modified string
	for _, s := range info.Settings {
		switch s.Key {
		case "vcs.revision":
			rev = s.Value
		case "vcs.modified":
			modified = s.Value
		}
	}
	if info.Main.Path == modulePath && rev != "" {
		v += " (" + rev[:min(len(rev), 12)]
		if modified == "true" {
			v += ", modified"
		}
		v += ")"
	}
	return strings.TrimSpace(v)
}
