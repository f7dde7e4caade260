package lint

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/flaggen/flaggen/internal/gen"
	"github.com/flaggen/flaggen/internal/spec"
)

var update = flag.Bool("update", false, "rewrite the generated packages under testdata")

// genNow is the generation time of the testdata packages.
var genNow = time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)

// testdataSpecs are the fixture specs, each generated into its directory,
// and the accessor style of each (the zero value: methods).
var testdataSpecs = []struct {
	file      string
	accessors gen.Accessors
}{
	{"testdata/app/flags/flags.json", ""}, {"testdata/app/other/flags.json", ""}, {"testdata/clean/flags/flags.json", ""},
	{"testdata/emptyctx/flags/flags.json", ""}, {"testdata/funcs/flags/flags.json", gen.Funcs},
}

func parseSpec(t *testing.T, file string) *spec.Spec {
	t.Helper()
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	s, err := spec.Parse(file, data)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// TestTestdataGenerated keeps the fixtures' generated code what internal/gen
// writes today (go test -run TestTestdataGenerated -update rewrites it).
func TestTestdataGenerated(t *testing.T) {
	for _, ts := range testdataSpecs {
		s := parseSpec(t, ts.file)
		dir := filepath.Dir(ts.file)
		files, err := gen.Generate(s, gen.Options{Package: filepath.Base(dir), Now: genNow, Accessors: ts.accessors})
		if err != nil {
			t.Fatal(err)
		}
		for name, want := range files {
			path := filepath.Join(dir, name)
			if *update {
				if err := os.WriteFile(path, want, 0o666); err != nil {
					t.Fatal(err)
				}
				continue
			}
			got, err := os.ReadFile(path)
			if err != nil || !bytes.Equal(got, want) {
				t.Errorf("%s is stale or missing (%v): run go test ./internal/lint -run TestTestdataGenerated -update", path, err)
			}
		}
	}
}

func TestRun(t *testing.T) {
	app := `app_test.go:18: unknown flag "new_uii" (did you mean "new_ui"?)
app_test.go:19: unknown flag "dark_mod" (did you mean "dark_mode"?)
flags/flags.json:9: flag "dark_mode" is used only in tests: use it in the code or remove it from the spec
flags/flags.json:13: flag "legacy_export" expired after 2024-06-30: remove it; run flaggen remove -spec flags/flags.json -keep on legacy_export
flags/flags.json:15: flag "forgotten" is never used: remove it from the spec (it is "client": served to client keys over OFREP, so check the apps that fetch it over HTTP first)
flags/flags.json:22: flag "everyone" is on for everyone (100% rollout) and flags.json is unchanged since 2024-01-01: ready to remove; run flaggen remove -spec flags/flags.json -keep on everyone
`
	for _, tc := range []struct {
		name     string
		dir      string
		spec     string
		patterns []string
		want     string
	}{
		// The generated package is a root: found by its syntax.
		{name: "all", dir: "testdata/app", spec: "flags/flags.json", want: app},
		// The generated package is only a dependency: loaded on its own.
		{name: "dependency", dir: "testdata/app", spec: "flags/flags.json", patterns: []string{"."}, want: app},
		// Linting the other spec: lookups on the first spec's Flags are out
		// of scope, those on a bare *runtime.Client or on other's Flags are
		// in; a flag looked up by its name (Evaluate in app.go) is used.
		{name: "other spec", dir: "testdata/app", spec: "other/flags.json", want: `app_test.go:19: unknown flag "dark_mod"
app_test.go:23: unknown flag "not_in_this_spec"
`},
		{name: "not generated", dir: "testdata/app", spec: "other/flags.json", patterns: []string{"./flags"},
			want: "other/flags.json:1: no loaded package is generated from flags.json (run go generate, or lint the packages that use it): cannot tell which flags are used\n"},
		{name: "clean", dir: "testdata/clean", spec: "flags/flags.json", want: ""},
		// A package generated with -accessors=funcs: functions and Flag
		// handles are uses, and the empty-context check sees the functions.
		{name: "funcs", dir: "testdata/funcs", spec: "flags/flags.json", want: `flags/flags.json:9: flag "tested" is used only in tests: use it in the code or remove it from the spec
flags/flags.json:10: flag "forgotten" is never used: remove it from the spec
funcs.go:14: NewUI gets a nil Context: flag "new_ui" has regions, percentage_rollout, but an empty context is on for everyone (step 7 of the cascade): pass the caller's Context
funcs.go:26: SearchFactory.Get gets a nil Context: flag "search" has percentage_rollout, but an empty context is on for everyone (step 7 of the cascade): pass the caller's Context
`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir, err := filepath.Abs(tc.dir)
			if err != nil {
				t.Fatal(err)
			}
			s := parseSpec(t, filepath.Join(tc.dir, tc.spec))
			s.File = tc.spec // as the CLI passes it, relative to Dir
			changed := func(file string) (time.Time, bool) {
				if want := filepath.Join(dir, tc.spec); file != want {
					t.Errorf("SpecChanged(%q), want %q", file, want)
				}
				return time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC), true
			}
			ds, err := Run(s, Options{Dir: dir, Patterns: tc.patterns, Now: genNow, SpecChanged: changed})
			if err != nil {
				t.Fatal(err)
			}
			if got := diagLines(ds); got != tc.want {
				t.Errorf("got:\n%s\nwant:\n%s", got, tc.want)
			}
		})
	}
}

func TestRunLoadError(t *testing.T) {
	dir, err := filepath.Abs("testdata")
	if err != nil {
		t.Fatal(err)
	}
	s := parseSpec(t, "testdata/clean/flags/flags.json")
	_, err = Run(s, Options{Dir: dir, Patterns: []string{"./broken"}, Now: genNow})
	if err == nil || !strings.Contains(err.Error(), "cannot load packages") || !strings.Contains(err.Error(), "broken/broken.go:4:") {
		t.Fatalf("err = %v, want a load error naming broken/broken.go:4", err)
	}
}
