package lint

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/flaggen/flaggen/internal/spec"
)

const specSrc = `{
  "environments": ["dev", "production"],
  "flags": {
    "legacy_export": {"active": true, "kind": "ops",
      "expires": "2024-06-30"},
    "full_rollout": {"active": true,
      "percentage_rollout": 100},
    "bare": {"active": true},
    "half": {"active": true, "percentage_rollout": 50},
    "on_dep_half": {"active": true, "depends_on": ["half"]},
    "on_dep_full": {"active": true, "depends_on": ["full_rollout", "bare"]},
    "regional": {"active": true, "regions": ["US"]},
    "all_envs": {"active": true, "environments": ["production", "dev"]},
    "some_envs": {"active": true, "environments": ["dev"]},
    "later": {"active": true, "activation_date": "2030-01-01"},
    "off": {"active": false},
    "killer": {"active": true, "kind": "kill_switch"},
    "variant": {"type": "string", "active": true, "default": "a", "variants": {"a": 100}}
  }
}`

func ptr[T any](v T) *T { return &v }

func date(s string) *time.Time {
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		panic(err)
	}
	return &t
}

// testSpec is specSrc as spec.Parse would model it (flags sorted by name).
func testSpec() *spec.Spec {
	flags := []*spec.Flag{
		{Name: "legacy_export", Type: spec.Bool, Active: true, Kind: "ops", Expires: date("2024-06-30")},
		{Name: "full_rollout", Type: spec.Bool, Active: true, PercentageRollout: ptr(100.0)},
		{Name: "bare", Type: spec.Bool, Active: true},
		{Name: "half", Type: spec.Bool, Active: true, PercentageRollout: ptr(50.0)},
		{Name: "on_dep_half", Type: spec.Bool, Active: true, DependsOn: []string{"half"}},
		{Name: "on_dep_full", Type: spec.Bool, Active: true, DependsOn: []string{"full_rollout", "bare"}},
		{Name: "regional", Type: spec.Bool, Active: true, Regions: []string{"US"}},
		{Name: "all_envs", Type: spec.Bool, Active: true, Environments: []string{"production", "dev"}},
		{Name: "some_envs", Type: spec.Bool, Active: true, Environments: []string{"dev"}},
		{Name: "later", Type: spec.Bool, Active: true, ActivationDate: date("2030-01-01")},
		{Name: "off", Type: spec.Bool},
		{Name: "killer", Type: spec.Bool, Active: true, Kind: "kill_switch"},
		{Name: "variant", Type: spec.String, Active: true, DefaultVariant: "a", Default: "a"},
	}
	slices.SortFunc(flags, func(a, b *spec.Flag) int { return strings.Compare(a.Name, b.Name) })
	for i, f := range flags {
		f.Index = i
	}
	return &spec.Spec{File: "flags.json", Source: []byte(specSrc), Environments: []string{"dev", "production"}, Flags: flags}
}

func mustCheckSpec(t *testing.T, s *spec.Spec, opt Options) []Diagnostic {
	t.Helper()
	ds, err := CheckSpec(s, opt)
	if err != nil {
		t.Fatal(err)
	}
	return ds
}

func diagLines(ds []Diagnostic) string {
	var b strings.Builder
	for _, d := range ds {
		b.WriteString(d.String() + "\n")
	}
	return b.String()
}

func TestCheckSpec(t *testing.T) {
	now := *date("2025-01-01")
	for _, tc := range []struct {
		name    string
		changed func(string) (time.Time, bool)
		want    string
	}{
		{
			name:    "age unknown",
			changed: func(string) (time.Time, bool) { return time.Time{}, false },
			want: `flags.json:5: flag "legacy_export" expired after 2024-06-30: remove it; run flaggen remove -spec flags.json -keep on legacy_export` + "\n" +
				`flags.json:7: flag "full_rollout" is on for everyone (100% rollout): ready to remove (age unknown: flags.json has uncommitted changes or no git history); run flaggen remove -spec flags.json -keep on full_rollout` + "\n" +
				`flags.json:8: flag "bare" is on for everyone (no targeting): ready to remove (age unknown: flags.json has uncommitted changes or no git history); run flaggen remove -spec flags.json -keep on bare` + "\n" +
				`flags.json:11: flag "on_dep_full" is on for everyone (no targeting): ready to remove (age unknown: flags.json has uncommitted changes or no git history); run flaggen remove -spec flags.json -keep on on_dep_full` + "\n" +
				`flags.json:13: flag "all_envs" is on for everyone (no targeting): ready to remove (age unknown: flags.json has uncommitted changes or no git history); run flaggen remove -spec flags.json -keep on all_envs` + "\n",
		},
		{
			name:    "unchanged for long",
			changed: func(string) (time.Time, bool) { return now.Add(-DefaultStale), true },
			want: `flags.json:5: flag "legacy_export" expired after 2024-06-30: remove it; run flaggen remove -spec flags.json -keep on legacy_export` + "\n" +
				`flags.json:7: flag "full_rollout" is on for everyone (100% rollout) and flags.json is unchanged since 2024-12-02: ready to remove; run flaggen remove -spec flags.json -keep on full_rollout` + "\n" +
				`flags.json:8: flag "bare" is on for everyone (no targeting) and flags.json is unchanged since 2024-12-02: ready to remove; run flaggen remove -spec flags.json -keep on bare` + "\n" +
				`flags.json:11: flag "on_dep_full" is on for everyone (no targeting) and flags.json is unchanged since 2024-12-02: ready to remove; run flaggen remove -spec flags.json -keep on on_dep_full` + "\n" +
				`flags.json:13: flag "all_envs" is on for everyone (no targeting) and flags.json is unchanged since 2024-12-02: ready to remove; run flaggen remove -spec flags.json -keep on all_envs` + "\n",
		},
		{
			name:    "changed recently",
			changed: func(string) (time.Time, bool) { return now.Add(-DefaultStale + time.Hour), true },
			want:    `flags.json:5: flag "legacy_export" expired after 2024-06-30: remove it; run flaggen remove -spec flags.json -keep on legacy_export` + "\n",
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := diagLines(sortDiags(mustCheckSpec(t, testSpec(), Options{Dir: t.TempDir(), Now: now, SpecChanged: tc.changed})))
			if got != tc.want {
				t.Errorf("got:\n%s\nwant:\n%s", got, tc.want)
			}
		})
	}
}

func TestCheckSpecExpiryBoundary(t *testing.T) {
	s := testSpec()
	never := func(string) (time.Time, bool) { return time.Time{}, false }
	// "expires" is the last valid day, as for the generator's Deprecated
	// notice (spec.Flag.Expired): reported from the day after.
	for now, want := range map[string]bool{"2024-06-29": false, "2024-06-30": false, "2024-06-30T23:59:59": false, "2024-07-01": true} {
		at, err := spec.ParseDate(now)
		if err != nil {
			t.Fatal(err)
		}
		ds := mustCheckSpec(t, s, Options{Dir: "/", Now: at, SpecChanged: never})
		got := slices.ContainsFunc(ds, func(d Diagnostic) bool { return strings.Contains(d.Message, "expired") })
		if got != want {
			t.Errorf("now=%s: expired reported = %v, want %v", now, got, want)
		}
	}
}

func TestPointerLine(t *testing.T) {
	for ptr, want := range map[string]int{
		"":                                       1,
		"/environments":                          2,
		"/environments/1":                        2,
		"/flags":                                 3,
		"/flags/legacy_export":                   4,
		"/flags/legacy_export/expires":           5,
		"/flags/legacy_export/missing":           4, // closest enclosing member
		"/flags/full_rollout/percentage_rollout": 7,
		"/flags/variant/variants/a":              18,
		"/nope":                                  1,
	} {
		if got := pointerLine([]byte(specSrc), ptr); got != want {
			t.Errorf("pointerLine(%q) = %d, want %d", ptr, got, want)
		}
	}
	// Escapes and keys that repeat at other depths.
	src := "{\"a\": {\"x/y\": 1},\n \"b\": {\"a\": {\"x/y\": 2,\n \"t~\": 3}}}"
	for ptr, want := range map[string]int{"/a/x~1y": 1, "/b/a/x~1y": 2, "/b/a/t~0": 3} {
		if got := pointerLine([]byte(src), ptr); got != want {
			t.Errorf("pointerLine(%q) = %d, want %d", ptr, got, want)
		}
	}
}

func TestNearest(t *testing.T) {
	a := &analysis{s: testSpec()}
	for name, want := range map[string]string{"new_uii": "", "bar": "bare", "legacy_exprot": "legacy_export", "zzzzzzzz": ""} {
		if got := a.nearest(name); got != want {
			t.Errorf("nearest(%q) = %q, want %q", name, got, want)
		}
	}
}

// TestRemoveCommand: the suggested command keeps the state the flag is
// in, and quotes what a shell would split.
func TestRemoveCommand(t *testing.T) {
	src := `{"flags": {
		"on": {"active": true},
		"off": {"active": false},
		"targeted": {"active": true, "regions": ["US"]},
		"theme": {"type": "string", "active": true, "default": "dark", "variants": {"light": 50, "dark": 50}}
	}}`
	s, err := spec.Parse("my flags.json", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	for name, want := range map[string]string{
		"on":       "run flaggen remove -spec 'my flags.json' -keep on on",
		"off":      "run flaggen remove -spec 'my flags.json' -keep off off",
		"targeted": "run flaggen remove -spec 'my flags.json' -keep on|off targeted",
		"theme":    "run flaggen remove -spec 'my flags.json' -keep dark theme",
	} {
		f := s.Flag(name)
		if got := removeCommand(s.File, f, expiredKeep(s, f, now)); got != want {
			t.Errorf("%s: %q, want %q", name, got, want)
		}
	}
}
