package lint

import (
	"cmp"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/flaggen/flaggen/internal/spec"
)

// A Diagnostic is one finding, printed as "file:line: message" like go vet.
type Diagnostic struct {
	File    string // relative to Options.Dir when inside it
	Line    int
	Message string
}

// String formats d as "file:line: message".
func (d Diagnostic) String() string {
	return fmt.Sprintf("%s:%d: %s", d.File, d.Line, d.Message)
}

// DefaultStale is the default Options.Stale: how long a flag must have been
// on for everyone before lint calls it ready to remove.
const DefaultStale = 30 * 24 * time.Hour

// Options configure Run. The zero value lints ./... in the current directory
// as of now.
type Options struct {
	// Dir is the directory packages are loaded from and paths are printed
	// relative to; "" is the current directory.
	Dir string
	// Patterns are go/packages patterns; empty means "./...".
	Patterns []string
	// Now is the time flags expire against; zero means time.Now().
	Now time.Time
	// Stale is how long an on-for-everyone flag must have been unchanged
	// to be reported as ready to remove; 0 means DefaultStale.
	Stale time.Duration
	// SpecChanged reports when the spec file (its path joined to Dir) last
	// changed, or ok=false when that is unknown; nil means GitLastChange.
	SpecChanged func(file string) (t time.Time, ok bool)
	// Env is the environment for the go command; nil means os.Environ().
	Env []string
	// Live, when set, is the live state the "ready to remove" check judges
	// flags by (see CheckSpec); nil judges them by the spec alone.
	Live *Live
	// Overlay maps absolute file names to contents that replace (or add
	// to) the files on disk when packages are loaded, as
	// packages.Config.Overlay; nil loads the files as they are.
	Overlay map[string][]byte
}

func (o *Options) defaults() error {
	if o.Dir == "" {
		wd, err := os.Getwd()
		if err != nil {
			return err
		}
		o.Dir = wd
	}
	if len(o.Patterns) == 0 {
		o.Patterns = []string{"./..."}
	}
	if o.Now.IsZero() {
		o.Now = time.Now()
	}
	if o.Stale == 0 {
		o.Stale = DefaultStale
	}
	if o.SpecChanged == nil {
		o.SpecChanged = GitLastChange
	}
	return nil
}

// Run lints the spec s (parsed from s.File) and the packages that
// opt.Patterns match, and returns the diagnostics sorted by file and line.
// The error is non-nil only when the packages cannot be loaded or analyzed,
// or the live state (opt.Live) cannot be read: then it is a *LiveError.
func Run(s *spec.Spec, opt Options) ([]Diagnostic, error) {
	if err := opt.defaults(); err != nil {
		return nil, err
	}
	diags, err := CheckSpec(s, opt)
	if err != nil {
		return nil, err
	}
	pkgs, err := load(opt)
	if err != nil {
		return nil, err
	}
	more, err := checkPackages(s, pkgs, opt)
	if err != nil {
		return nil, err
	}
	return sortDiags(append(diags, more...)), nil
}

// sortDiags sorts ds by file, line and message and drops duplicates (the
// same file is seen once per package variant when tests are loaded).
func sortDiags(ds []Diagnostic) []Diagnostic {
	slices.SortFunc(ds, func(a, b Diagnostic) int {
		return cmp.Or(cmp.Compare(a.File, b.File), cmp.Compare(a.Line, b.Line), cmp.Compare(a.Message, b.Message))
	})
	return slices.Compact(ds)
}

// relPath returns file relative to dir when it lies inside dir, else file.
func relPath(dir, file string) string {
	if !filepath.IsAbs(file) {
		return file
	}
	rel, err := filepath.Rel(dir, file)
	if err != nil || rel == ".." || strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
		return file
	}
	return rel
}
