package lint

import (
	"bytes"
	"fmt"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/flaggen/flaggen/internal/spec"
)

// permanentKinds are flag kinds meant to stay in the spec for good, so
// being on for everyone does not make them ready to remove.
var permanentKinds = []string{"ops", "kill_switch", "permission"}

// CheckSpec reports what the spec, and the live state when opt.Live is
// set, show (opt.Dir, Now, Stale, SpecChanged and Live are used; zero
// values as in Run):
//
//   - flags expired at opt.Now (spec.Flag.Expired: "expires" is the last
//     valid day, as for the generator's Deprecated notice);
//   - bool flags that are on for everyone (active, not tripped, activation
//     date passed, no environment, region, account-type, beta or rule
//     targeting, a percentage_rollout of 100 or none, and every dependency
//     likewise) and whose kind is not ops, kill_switch or permission, when
//     they have been unchanged for opt.Stale.
//
// Without opt.Live, "on for everyone" is judged by the spec alone and the
// age is the spec file's, from opt.SpecChanged (by default its last git
// commit): a bound for every flag in the file, so a file changed within
// opt.Stale hides the finding, and an unknown age is reported as such.
//
// With opt.Live, it is judged by each flag's effective configuration, the
// spec with the live patch applied (a flag rolled out to 100% or stripped
// of its targeting live counts; one switched off or tripped live does not),
// and the age is the later of the file's and of the flag's last live
// change in the audit trail, its dependencies' included (a flag never
// changed live has the file's age). A live change within opt.Stale hides
// the finding even when the file's age is unknown. A flag whose live patch
// (or a dependency's) the spec refuses is not reported: the apps' state for it is unknown.
//
// With opt.Live, it also reports the flags not evaluated in
// opt.Live.EvalEnv for opt.Live.Unevaluated, by the evaluation counts the
// apps keep in the store (runtime.WithExposure): last evaluated longer ago
// than that, or never while counting began longer ago. When counting never
// began there, nothing is reported and opt.Live.Note says so once.
//
// The store is only read (Load, Audit, Exposure, ExposureSince); the error
// is a *LiveError when it cannot be.
func CheckSpec(s *spec.Spec, opt Options) ([]Diagnostic, error) {
	if err := opt.defaults(); err != nil {
		return nil, err
	}
	live, err := readLive(s, opt.Live)
	if err != nil {
		return nil, err
	}
	file := relPath(opt.Dir, s.File)
	at := func(ptr string) (string, int) { return file, specLine(s, ptr) }
	var ds []Diagnostic
	add := func(ptr, msg string) {
		f, l := at(ptr)
		ds = append(ds, Diagnostic{File: f, Line: l, Message: msg})
	}
	var changed *time.Time // resolved lazily: git runs only when needed
	var changedKnown, asked bool
	for _, sf := range s.Flags {
		f := live.eff.Flag(sf.Name)
		if sf.Expired(opt.Now) {
			add(flagPtr(sf.Name, "expires"), fmt.Sprintf("flag %q expired after %s: remove it; %s", sf.Name, formatDate(*sf.Expires), removeCommand(file, f, expiredKeep(live.eff, f, opt.Now))))
		}
		if f.Type != spec.Bool || slices.Contains(permanentKinds, f.Kind) || live.unknown(f.Name) || !onForEveryone(live.eff, f, opt.Now, nil) {
			continue
		}
		why := "no targeting"
		ptr := flagPtr(f.Name, "")
		if f.PercentageRollout != nil {
			why = "100% rollout"
			ptr = flagPtr(f.Name, "percentage_rollout")
		}
		if p := live.patch[f.Name]; p != nil {
			why += "; live patch " + string(p)
		}
		if !asked {
			asked = true
			if t, ok := opt.SpecChanged(specPath(s, opt)); ok {
				changed, changedKnown = &t, true
			}
		}
		entry, changedFlag, liveChanged := live.lastChange(f.Name)
		if liveChanged && opt.Now.Sub(entry.Time) < opt.Stale {
			continue // changed live recently
		}
		base := filepath.Base(s.File)
		add := func(ptr, msg string) { add(ptr, msg+"; "+removeCommand(file, f, "on")) }
		switch {
		case !changedKnown && liveChanged:
			add(ptr, fmt.Sprintf("flag %q is on for everyone (%s): ready to remove (%s; the age of %s is unknown: uncommitted changes or no git history)", f.Name, why, describeChange(entry, changedFlag, f.Name), base))
		case !changedKnown:
			add(ptr, fmt.Sprintf("flag %q is on for everyone (%s): ready to remove (age unknown: %s has uncommitted changes or no git history)", f.Name, why, base))
		case opt.Now.Sub(*changed) < opt.Stale:
		case liveChanged:
			add(ptr, fmt.Sprintf("flag %q is on for everyone (%s) and %s is unchanged since %s (%s): ready to remove", f.Name, why, base, changed.UTC().Format(time.DateOnly), describeChange(entry, changedFlag, f.Name)))
		default:
			add(ptr, fmt.Sprintf("flag %q is on for everyone (%s) and %s is unchanged since %s: ready to remove", f.Name, why, base, changed.UTC().Format(time.DateOnly)))
		}
	}
	if opt.Live != nil {
		if err := checkUnevaluated(s, opt.Live, opt.Now, add); err != nil {
			return nil, err
		}
	}
	return ds, nil
}

// removeCommand is the flaggen remove command that removes flag f from the
// spec file (as lint prints it), keeping keep ("" when lint cannot tell).
func removeCommand(file string, f *spec.Flag, keep string) string {
	if keep == "" {
		keep = "on|off"
	}
	return fmt.Sprintf("run flaggen remove -spec %s -keep %s %s", shellWord(file), keep, shellWord(f.Name))
}

// expiredKeep is the state an expired flag is removed with: on for a bool
// flag on for everyone, off for one switched off, the default variant of a
// variant flag, and "" for a bool flag that is still targeted.
func expiredKeep(s *spec.Spec, f *spec.Flag, now time.Time) string {
	switch {
	case f.Type != spec.Bool:
		return f.DefaultVariant
	case !f.Active || f.Tripped != "":
		return "off"
	case onForEveryone(s, f, now, nil):
		return "on"
	}
	return ""
}

// shellWord quotes w for a POSIX shell when it needs quoting.
func shellWord(w string) string {
	if w != "" && strings.Trim(w, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_./:=+,@%") == "" {
		return w
	}
	return "'" + strings.ReplaceAll(w, "'", `'\''`) + "'"
}

// onForEveryone reports whether bool flag f evaluates to true for every
// context in every declared environment at now, by the spec s (the spec
// alone, or with the live patches applied).
func onForEveryone(s *spec.Spec, f *spec.Flag, now time.Time, seen map[string]bool) bool {
	if !f.Active || f.Tripped != "" || f.ActivationDate != nil && now.Before(*f.ActivationDate) {
		return false
	}
	if f.Environments != nil && (len(s.Environments) == 0 || !coversAll(f.Environments, s.Environments)) {
		return false
	}
	if len(targeting(f)) > 0 {
		return false
	}
	if seen == nil {
		seen = map[string]bool{}
	}
	seen[f.Name] = true // on the current path only: diamonds are fine
	defer delete(seen, f.Name)
	for _, d := range f.DependsOn {
		df := s.Flag(d)
		if df == nil || seen[d] || df.Type != spec.Bool || !onForEveryone(s, df, now, seen) {
			return false
		}
	}
	return true
}

func coversAll(have, want []string) bool {
	for _, w := range want {
		if !slices.Contains(have, w) {
			return false
		}
	}
	return true
}

// specPath is the spec file's path: s.File, relative to opt.Dir.
func specPath(s *spec.Spec, opt Options) string {
	if filepath.IsAbs(s.File) {
		return s.File
	}
	return filepath.Join(opt.Dir, s.File)
}

// flagPtr is the JSON pointer of flag name's field (or of the flag itself
// when field is "").
func flagPtr(name, field string) string {
	esc := strings.NewReplacer("~", "~0", "/", "~1")
	p := "/flags/" + esc.Replace(name)
	if field != "" {
		p += "/" + field
	}
	return p
}

// specLine is the line of JSON pointer ptr in s's source.
func specLine(s *spec.Spec, ptr string) int {
	return pointerLine(s.Source, ptr)
}

// formatDate prints a date-only time as 2006-01-02, anything else as RFC 3339.
func formatDate(t time.Time) string {
	if u := t.UTC(); u.Hour() == 0 && u.Minute() == 0 && u.Second() == 0 && u.Nanosecond() == 0 {
		return u.Format(time.DateOnly)
	}
	return t.Format(time.RFC3339)
}

// GitLastChange returns the committer time of the last git commit that
// touched file, with ok=false when git is missing, the file is not tracked,
// or it has uncommitted changes (its real last change is then unknown).
func GitLastChange(file string) (time.Time, bool) {
	dir, base := filepath.Split(file)
	if dir == "" {
		dir = "."
	}
	git := func(args ...string) ([]byte, bool) {
		cmd := exec.Command("git", args...)
		cmd.Dir = dir
		out, err := cmd.Output()
		return bytes.TrimSpace(out), err == nil
	}
	if out, ok := git("status", "--porcelain", "--", base); !ok || len(out) > 0 {
		return time.Time{}, false
	}
	out, ok := git("log", "-1", "--format=%cI", "--", base)
	if !ok || len(out) == 0 {
		return time.Time{}, false
	}
	t, err := time.Parse(time.RFC3339, string(out))
	return t, err == nil
}
