package lint

import (
	"golang.org/x/tools/go/packages"

	"github.com/flaggen/flaggen/internal/gen"
	"github.com/flaggen/flaggen/internal/spec"
)

// A Program is the code that uses a spec, loaded as lint loads it, for
// tools that rewrite that code (flaggen remove).
type Program struct {
	// Packages are the packages opt.Patterns match, tests included, with
	// syntax and type information.
	Packages []*packages.Package
	// Generated holds the import paths of the packages generated from the
	// spec.
	Generated map[string]bool
	// GeneratedFiles holds the absolute names of every flaggen-generated
	// file among Packages and their generated dependencies.
	GeneratedFiles map[string]bool
	// GeneratedDirs maps each import path of Generated to the directory
	// of its generated file (also when the package is only a dependency of
	// Packages).
	GeneratedDirs map[string]string
	// Accessors maps each import path of Generated to the accessor style
	// its generated file records (gen.RecordedAccessors).
	Accessors map[string]gen.Accessors
}

// Load loads the packages opt.Patterns match (opt.Dir, Patterns, Env and
// Overlay are used; zero values as in Run) and finds those generated from s.
// It fails on any load or type error.
func Load(s *spec.Spec, opt Options) (*Program, error) {
	if err := opt.defaults(); err != nil {
		return nil, err
	}
	pkgs, err := load(opt)
	if err != nil {
		return nil, err
	}
	a := &analysis{s: s, opt: opt, roots: pkgs, genFiles: map[string]bool{}, gen: map[string]*genPackage{}, ours: map[string]bool{}, byName: map[string]bool{}}
	if err := a.findGenerated(); err != nil {
		return nil, err
	}
	dirs, styles := map[string]string{}, map[string]gen.Accessors{}
	for path := range a.ours {
		dirs[path] = a.gen[path].dir
		styles[path] = a.gen[path].accessors
	}
	return &Program{Packages: pkgs, Generated: a.ours, GeneratedFiles: a.genFiles, GeneratedDirs: dirs, Accessors: styles}, nil
}
