package ops

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/flaggen/flaggen/runtime"
	"github.com/flaggen/flaggen/runtime/store"
)

// ExposureReset is one reset of a flag's exposure counts
// (Session.ResetExposure).
type ExposureReset struct {
	Flag string
	// Env is the environment whose counts start afresh; "" resets every
	// environment.
	Env string
	// Actor and Reason go to the audit trail; Reason is required.
	Actor, Reason string
	// Force resets even in a namespace where no app ever recorded its
	// spec (CheckWrite).
	Force bool
}

// ResetExposure makes the flag's exposure counts start afresh now in r.Env
// (every environment for ""), so that the served split compares with a
// configuration changed since (a new rollout or weights): the store
// deletes the flag's counts there and counts from now
// (store.Store.ResetExposure), and FlagExposure.Since says so. It returns
// the time counting restarts from.
//
// It checks what every operator write checks: the flag must be the
// spec's (CheckFlag), r.Env plain text (CheckAuditText, for the CLI as
// for the admin API) and one of the spec's environments when the spec
// declares them (CheckEnv; when it declares none, one where the store
// counted evaluations), the reason given (RequireReason), the actor
// and reason fit for the audit trail, and the namespace one where an app
// recorded its spec unless r.Force (CheckWrite).
//
// The reset is recorded in the audit trail as a change of the flag that
// leaves its live patch as it is (after and before are the same), by
// r.Actor, whose reason says what was reset: "exposure counts reset in
// ENV: REASON" (or "in every environment"). On a store that merges
// fields itself (the Redis store), a stored patch is merged with no field,
// so the entry is written even when the session's spec refuses that
// patch; elsewhere the patch is written back over the very state it was
// read from. The store's reset comes first: when the audit entry cannot
// be written after it, the error says that the counts were reset
// nonetheless.
func (s *Session) ResetExposure(r ExposureReset) (at time.Time, err error) {
	if err := CheckFlag(s.Spec, r.Flag); err != nil {
		return time.Time{}, err
	}
	if err := CheckAuditText("env", r.Env); err != nil {
		return time.Time{}, err
	}
	if err := CheckEnv(s.Spec.Environments(), r.Env); err != nil {
		return time.Time{}, err
	}
	if err := RequireReason("reason", r.Reason); err != nil {
		return time.Time{}, err
	}
	reason := "exposure counts reset in " + ExposureEnvText(r.Env) + ": " + r.Reason
	if err := (store.Change{Actor: r.Actor, Reason: reason}).Check(); err != nil {
		return time.Time{}, err
	}
	if err := s.CheckWrite(r.Force); err != nil {
		return time.Time{}, err
	}
	// Milliseconds: what every store keeps of it (the Redis store's times).
	// By the store's clock (store.Clock), as the apps stamp their counts.
	at = store.Now(s.Live).UTC().Truncate(time.Millisecond)
	ctx, cancel := s.Ctx()
	defer cancel()
	if r.Env != "" && r.Env != runtime.DefaultEnvironment && len(s.Spec.Environments()) == 0 {
		// Any name passes CheckEnv: one where nothing was ever counted is
		// a typo, whose reset would only leave the flag an exposure entry
		// in an environment no app runs in. (The default environment,
		// every Client's unless told otherwise, is none.)
		since, err := s.Live.ExposureSince(ctx, r.Env)
		if err != nil {
			return time.Time{}, s.RedisError(err)
		}
		if since.IsZero() {
			return time.Time{}, Usagef("no evaluations were ever counted in environment %s: nothing to reset there", Shown(r.Env))
		}
	}
	if err := s.Live.ResetExposure(ctx, r.Flag, r.Env, at); err != nil {
		return time.Time{}, s.RedisError(err)
	}
	for {
		st, err := s.Live.Load(ctx)
		if m, ok := s.Live.(fieldMerger); err == nil && ok && st.Flags[r.Flag] != nil {
			// Merging no field leaves the stored patch as it is, whatever
			// the spec says of it (a patch written under another version
			// of the spec) and whatever another writer wrote meanwhile.
			_, err = m.Merge(ctx, store.Change{Actor: r.Actor, Reason: reason, Flags: map[string]json.RawMessage{r.Flag: json.RawMessage(`{}`)}})
		} else if err == nil {
			_, err = s.Live.Apply(ctx, store.Change{IfVersion: st.Version, CheckVersion: true, IfEpoch: st.Epoch,
				Actor: r.Actor, Reason: reason, Flags: map[string]json.RawMessage{r.Flag: st.Flags[r.Flag]}})
		}
		if errors.Is(err, store.ErrConflict) && ctx.Err() == nil {
			continue // another writer got in first: keep its patch
		}
		if err != nil {
			return at, fmt.Errorf("the exposure counts of %s were reset in %s, but the audit entry was not written: %w",
				r.Flag, ExposureEnvText(r.Env), s.RedisError(err))
		}
		return at, nil
	}
}

// fieldMerger is a store that merges a patch's fields into the stored
// patch in the store itself (redisstore.Store.Merge).
type fieldMerger interface {
	Merge(ctx context.Context, ch store.Change) (uint64, error)
}

// ExposureEnvText names the environment of an exposure reset: env
// (quoted when it needs to be, Shown), or "every environment" for "".
func ExposureEnvText(env string) string {
	if env == "" {
		return "every environment"
	}
	return Shown(env)
}

// CheckEnv returns an error unless env is "" or one of envs, the
// environments a spec declares; a spec that declares none takes any.
func CheckEnv(envs []string, env string) error {
	if env == "" || len(envs) == 0 || slices.Contains(envs, env) {
		return nil
	}
	return fmt.Errorf("unknown environment %q (environments: %s)", env, strings.Join(envs, ", "))
}
