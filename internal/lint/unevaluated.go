package lint

import (
	"context"
	"fmt"
	"time"

	"github.com/flaggen/flaggen/internal/spec"
	"github.com/flaggen/flaggen/runtime/store"
)

// DefaultUnevaluated and DefaultEvalEnv are the defaults of
// Live.Unevaluated and Live.EvalEnv.
const (
	DefaultUnevaluated = 30 * 24 * time.Hour
	DefaultEvalEnv     = "production"
)

// checkUnevaluated reports the flags of s not evaluated in l.EvalEnv for
// l.Unevaluated at now, by the evaluation counts the apps keep in the store
// (runtime.WithExposure): a flag last evaluated longer ago, or never
// evaluated while counting began longer ago (or, for a flag whose counts
// were reset, not evaluated since a reset longer ago). When counting never began in
// the environment, it reports nothing and calls l.Note once to say so.
// add reports a finding at a flag's JSON pointer in the spec.
func checkUnevaluated(s *spec.Spec, l *Live, now time.Time, add func(ptr, msg string)) error {
	env, idle := l.EvalEnv, l.Unevaluated
	if env == "" {
		env = DefaultEvalEnv
	}
	if idle == 0 {
		idle = DefaultUnevaluated
	}
	var since time.Time
	if err := l.call(func(ctx context.Context) (err error) { since, err = l.Store.ExposureSince(ctx, env); return }); err != nil {
		return err
	}
	if since.IsZero() {
		if l.Note != nil {
			l.Note(fmt.Sprintf("no evaluations were ever counted in environment %q: flags not evaluated there are not reported (apps count them with runtime.WithExposure)", env))
		}
		return nil
	}
	var exps []store.Exposure
	if err := l.call(func(ctx context.Context) (err error) { exps, err = l.Store.Exposure(ctx, ""); return }); err != nil {
		return err
	}
	last, reset := map[string]time.Time{}, map[string]time.Time{}
	for _, e := range exps {
		if e.Env == env && e.Last.After(last[e.Flag]) {
			last[e.Flag] = e.Last
		}
		if e.Env == env && !e.Since.IsZero() {
			reset[e.Flag] = e.Since
		}
	}
	days := func(d time.Duration) string {
		if n := int(d / (24 * time.Hour)); n != 1 {
			return fmt.Sprintf("%d days", n)
		}
		return "1 day"
	}
	for _, f := range s.Flags {
		t, ok := last[f.Name]
		switch {
		case ok && now.Sub(t) >= idle:
			add(flagPtr(f.Name, ""), fmt.Sprintf("flag %q not evaluated in %s for %s (last %s): is it still used?", f.Name, env, days(now.Sub(t)), t.UTC().Format(time.DateOnly)))
		case !ok && !reset[f.Name].IsZero():
			// Its counts were reset (flaggen exposure -reset), which
			// forgot when it was last evaluated: it was not since.
			if r := reset[f.Name]; now.Sub(r) >= idle {
				add(flagPtr(f.Name, ""), fmt.Sprintf("flag %q not evaluated in %s since its counts were reset %s (%s): is it still used?", f.Name, env, r.UTC().Format(time.DateOnly), days(now.Sub(r))))
			}
		case !ok && now.Sub(since) >= idle:
			add(flagPtr(f.Name, ""), fmt.Sprintf("flag %q never evaluated in %s since counting began %s (%s): is it still used?", f.Name, env, since.UTC().Format(time.DateOnly), days(now.Sub(since))))
		}
	}
	return nil
}
