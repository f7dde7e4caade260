package cli

import (
	"bufio"
	"bytes"
	"errors"
	"flag"
	"fmt"
	"go/build"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"

	"golang.org/x/mod/modfile"
	"golang.org/x/mod/module"

	"github.com/flaggen/flaggen/internal/gen"
	"github.com/flaggen/flaggen/internal/spec"
	"github.com/flaggen/flaggen/internal/textdiff"
)

var generateCmd = &Command{
	Name:  "generate",
	Args:  "[-spec FILE] -out DIR [-pkg NAME] [-accessors methods|funcs] [-now DATE] [-check]",
	Short: "write the typed Go package of a spec",
	Long: `Generate validates the spec FILE (-spec, default $` + envSpec + `) and writes
DIR/` + gen.FileName + `: a Context struct with one typed field per declared
attribute (every field is present,
its zero value included, except the key at zero; a Context with every field
zero is the empty context), one method per flag on Flags (bool, string,
int64, float64, or the flag's Variant type for enum flags, whose variants
become constants), one handle per flag for runtime.ToggleAs and
Flags.Explain, a factory per strategy (the implementation a flag selects,
without an if at the call site), and the validated spec, embedded. Method
doc comments carry the flag's description, owner, kind and expiry; the
method of a flag past its "expires" date (the flag's last valid day:
"2024-06-30" expires when that day is over in UTC) is marked Deprecated, so
gopls and staticcheck flag every call site.

With -accessors=funcs each flag's accessor is instead a package-level
function taking the Flags (NewUI(f, ctx, c), with the same doc comment),
and its handle is named with a "Flag" suffix (NewUIFlag). A Go type has at
most 65,535 methods, so a spec of more than 65,532 flags needs funcs. A
funcs handle that is also another flag's or a variant's Go name (flags
new_ui and new_ui_flag) is an error that names both. The generated file's
header records funcs, and generate refuses to regenerate such a file as
methods unless -accessors=methods is given.

The package is -pkg, else the package DIR already holds, else DIR's name.
A package that would not build or could not be imported is refused: main
(unless DIR already holds a command), a -pkg other than DIR's package, a
DIR whose name makes no Go identifier or whose import path Go rejects.

An invalid spec is reported one error per line (FILE:LINE:COL: /json/pointer:
message) and nothing is written. Files are written atomically (temporary
file, then rename), and only when their content changes. Relative paths are
relative to the current directory, which is the directory of the file
holding the directive under go generate.

In a module that uses flaggen, add it as a tool, which pins its version in
go.mod and keeps its dependencies there:

	go get -tool github.com/flaggen/flaggen/cmd/flaggen

	//go:generate go tool flaggen generate -spec flags.json -out .

A bare "go run github.com/flaggen/flaggen/cmd/flaggen" directive breaks once
"go mod tidy" drops the generator's dependencies from go.sum: the app does
not import them. Inside the flaggen repository itself go run is the form:

	//go:generate go run github.com/flaggen/flaggen/cmd/flaggen generate -spec flags.json -out .

With -check nothing is written: generate exits 1 and prints a short diff
when a file is missing or differs from what it would write (a CI freshness
check), and the commands that regenerate it:

	flaggen: regenerate with: go generate ./... (or: go tool flaggen generate -spec FILE -out DIR)

(-pkg and -now are kept in the second form). Without -now, -check starts
failing the day after a flag's expiry date, when the regenerated method
gains its Deprecated notice: on purpose, so that CI asks for the flag's
removal (or a new date) the day it expires. Pin -now where a check must not
depend on the calendar.`,
	Setup: setupGenerate,
}

// maxDiffLines bounds the changed lines generate -check shows: a diff
// tells a reader at a glance what changed.
const maxDiffLines = 40

func setupGenerate(fs *flag.FlagSet) func(*Env, []string) error {
	specFile := fs.String("spec", "", "the spec `FILE` to read (default $"+envSpec+"; required); the generated code\nrecords its base name")
	out := fs.String("out", "", "the output directory `DIR`, created if missing (required)")
	pkg := fs.String("pkg", "", "the Go package `NAME` of the generated file (default: the package\nalready in DIR, else DIR's base name lower-cased without characters\nthat cannot appear in a package name)")
	now := addNow(fs, "the `DATE` against which flag expiry is judged, written as in specs\n(2006-01-02, 2006-01-02T15:04:05 in UTC, or RFC 3339): the accessors of\nflags expired by then are marked Deprecated (default: now)")
	accessors := fs.String("accessors", string(gen.Methods), "the `STYLE` of the flag accessors: methods (f.NewUI(ctx, c), handle NewUI)\nor funcs (NewUI(f, ctx, c), handle NewUIFlag; for more than 65,532 flags)")
	check := fs.Bool("check", false, "write nothing; exit 1 and print a diff if DIR is not up to date")
	return func(env *Env, args []string) error {
		if len(args) > 0 {
			return Usagef("unexpected argument %q", args[0])
		}
		if err := specFromEnv(specFile); err != nil {
			return err
		}
		if *out == "" {
			return Usagef("-out is required")
		}
		if *pkg != "" && !gen.ValidPackageName(*pkg) {
			return Usagef("-pkg: %q is not a valid Go package name", *pkg)
		}
		style, err := gen.ParseAccessors(*accessors)
		if err != nil {
			return Usagef("-accessors: %v", err)
		}
		explicit := false
		fs.Visit(func(f *flag.Flag) { explicit = explicit || f.Name == "accessors" })
		if !explicit {
			if err := keepsAccessors(*out); err != nil {
				return err
			}
		}
		when, _, err := now.at()
		if err != nil {
			return err
		}
		s, err := load(*specFile)
		if err != nil {
			return err
		}
		name, err := packageName(*out, *pkg)
		if err != nil {
			return err
		}
		files, err := gen.Generate(s, gen.Options{Package: name, SpecFile: filepath.Base(*specFile), Now: when, Accessors: style})
		var clashes spec.ErrorList
		if errors.As(err, &clashes) {
			return Positioned(err)
		}
		if err != nil {
			return err
		}
		if *check {
			regen := []string{"go", "tool", "flaggen", "generate", "-spec", *specFile, "-out", *out}
			if *pkg != "" {
				regen = append(regen, "-pkg", *pkg)
			}
			if style != gen.Methods {
				regen = append(regen, "-accessors", string(style))
			}
			if now.text != "" {
				regen = append(regen, "-now", now.text)
			}
			return checkFiles(env, *out, files, shellJoin(regen))
		}
		return writeFiles(*out, files)
	}
}

// keepsAccessors refuses to regenerate, without an explicit -accessors, a
// file in dir whose header records another style than the default: every
// call of its accessors would stop compiling.
func keepsAccessors(dir string) error {
	f, err := os.Open(filepath.Join(dir, gen.FileName))
	if err != nil {
		return nil // nothing to keep; a real problem shows when writing
	}
	defer f.Close()
	line, _ := bufio.NewReader(io.LimitReader(f, 4096)).ReadString('\n')
	if style := gen.RecordedAccessors(strings.TrimSuffix(line, "\n")); style != gen.Methods {
		return fmt.Errorf("%s was generated with -accessors=%s: give -accessors=%s to regenerate it so (as its go:generate line should), or -accessors=%s to change every call of its accessors", filepath.Join(dir, gen.FileName), style, style, gen.Methods)
	}
	return nil
}

// specFromEnv defaults the -spec option *file of validate and generate to
// $FLAGGEN_SPEC, as every other command does, and refuses neither.
func specFromEnv(file *string) error {
	if *file == "" {
		*file = os.Getenv(envSpec)
	}
	if *file == "" {
		return Usagef("-spec is required (or set $%s)", envSpec)
	}
	return nil
}

// load reads and validates a spec; its errors are positioned.
func load(file string) (*spec.Spec, error) {
	data, err := os.ReadFile(file)
	if err != nil {
		return nil, err
	}
	s, err := spec.Parse(file, data)
	if err != nil {
		return nil, Positioned(err)
	}
	return s, nil
}

// shellJoin joins args into a command line a shell reads back as args,
// quoting only the arguments that need it.
func shellJoin(args []string) string {
	quoted := make([]string, len(args))
	for i, a := range args {
		if a != "" && strings.IndexFunc(a, func(r rune) bool {
			return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("-_./:=+,@%", r))
		}) < 0 {
			quoted[i] = a
		} else {
			quoted[i] = "'" + strings.ReplaceAll(a, "'", `'\''`) + "'"
		}
	}
	return strings.Join(quoted, " ")
}

// packageName picks the package of the generated file and checks that the
// result builds and can be imported. The package is pkg (-pkg) if given,
// else the package the directory already holds (go/build, so build
// constraints and _test files are honoured; the generated files themselves
// do not count, so a broken one cannot block its regeneration), else the
// directory's name (gen.DefaultPackage). It refuses: a -pkg that differs
// from the package the directory holds (two packages in a directory do not
// build); package main in a directory that does not already hold one (a
// main package without func main does not build, and no package can import
// one); and a directory whose import path Go rejects (see importPath).
func packageName(dir, pkg string) (string, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return "", err
	}
	existing, err := existingPackage(dir, abs)
	if err != nil {
		return "", err
	}
	name := pkg
	switch {
	case name != "" && existing != "" && name != existing:
		return "", Usagef("-pkg %s: %s already holds package %s, and the two would not build together; use -pkg %s or another -out directory", name, dir, existing, existing)
	case name == "":
		name = existing
	}
	if name == "" {
		if name = gen.DefaultPackage(abs); name == "" {
			return "", Usagef("cannot derive a package name from %s: %q is not a Go identifier once lower-cased without characters that cannot appear in one; use -pkg NAME or another -out directory", dir, filepath.Base(abs))
		}
	}
	if name == "main" && existing != "main" {
		how := "use -pkg NAME or another -out directory"
		if pkg != "" {
			how = "use another -pkg NAME"
		}
		return "", Usagef("%s: package main is a command, which does not build without func main and which no package can import; %s", dir, how)
	}
	if err := importPath(dir, abs); err != nil {
		return "", err
	}
	return name, nil
}

// existingPackage returns the name of the Go package in directory abs
// (given on the command line as dir), or "" when it holds none.
func existingPackage(dir, abs string) (string, error) {
	ctxt := build.Default
	ctxt.ReadDir = func(dir string) ([]fs.FileInfo, error) {
		entries, err := os.ReadDir(dir)
		if err != nil {
			return nil, err
		}
		var infos []fs.FileInfo
		for _, e := range entries {
			if e.Name() == gen.FileName {
				continue
			}
			if info, err := e.Info(); err == nil {
				infos = append(infos, info)
			}
		}
		return infos, nil
	}
	p, err := ctxt.ImportDir(abs, build.ImportComment)
	var multi *build.MultiplePackageError
	var none *build.NoGoError
	switch {
	case err == nil:
		return p.Name, nil
	case errors.As(err, &multi):
		return "", Usagef("%s holds several packages (%s); use -pkg", dir, multi.Packages)
	case !errors.As(err, &none) && !errors.Is(err, os.ErrNotExist):
		if _, statErr := os.Stat(abs); statErr == nil {
			return "", fmt.Errorf("reading the package in %s: %v", dir, err)
		}
	}
	return "", nil
}

// importPath checks that directory abs (given on the command line as dir)
// has an import path Go accepts when it lies in a module (the nearest go.mod
// above it): a folder named "flägs" or "my flags" would hold a package that
// builds but that no code can import. Outside a module it checks nothing.
func importPath(dir, abs string) error {
	for root := abs; ; {
		data, err := os.ReadFile(filepath.Join(root, "go.mod"))
		if err == nil {
			mod := modfile.ModulePath(data)
			if mod == "" {
				return nil
			}
			rel, err := filepath.Rel(root, abs)
			if err != nil {
				return err
			}
			ip := path.Join(mod, filepath.ToSlash(rel))
			if err := module.CheckImportPath(ip); err != nil {
				return Usagef("%s: no Go code could import the generated package: %v; use another -out directory", dir, err)
			}
			return nil
		}
		parent := filepath.Dir(root)
		if parent == root {
			return nil
		}
		root = parent
	}
}

func sortedNames(files map[string][]byte) []string {
	names := make([]string, 0, len(files))
	for n := range files {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// checkFiles compares files with DIR's content and reports every difference.
func checkFiles(env *Env, dir string, files map[string][]byte, regen string) error {
	stale := false
	for _, name := range sortedNames(files) {
		path := filepath.Join(dir, name)
		old, err := os.ReadFile(path)
		if err != nil && !errors.Is(err, os.ErrNotExist) {
			return err
		}
		if err == nil && bytes.Equal(old, files[name]) {
			continue
		}
		stale = true
		if err != nil {
			fmt.Fprintf(env.Stderr, "flaggen: %s is missing\n", path)
			continue
		}
		fmt.Fprintf(env.Stderr, "flaggen: %s is stale:\n", path)
		fmt.Fprint(env.Stderr, textdiff.Unified(path+" (checked in)", path+" (generated)", old, files[name], maxDiffLines))
	}
	if stale {
		fmt.Fprintf(env.Stderr, "flaggen: regenerate with: go generate ./... (or: %s)\n", regen)
		return Fail()
	}
	return nil
}
