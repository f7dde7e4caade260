package cli

import (
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"slices"
	"time"

	"github.com/flaggen/flaggen/internal/ops"
	"github.com/flaggen/flaggen/runtime/store"
)

// This file prints what the operator commands share: JSON, a flag's state
// after a write, the app instances a write reaches, a last change.

// writeJSON prints v as indented JSON.
func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

// sortedKeys returns m's keys, sorted.
func sortedKeys[V any](m map[string]V) []string { return slices.Sorted(maps.Keys(m)) }

// errorLogger logs errors only (e.g. a live patch the runtime refuses) to w.
func errorLogger(w io.Writer) *slog.Logger {
	return slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: slog.LevelError}))
}

// reportSubscribers says on standard error, after a write, how many app
// instances follow the namespace, and warns when none does: the write then
// reaches no running app (a wrong -namespace is the usual cause).
func reportSubscribers(env *Env, s *ops.Session) {
	switch {
	case s.SubscribersErr != nil:
		fmt.Fprintf(env.Stderr, "flaggen: applied (cannot count the app instances subscribed to namespace %s: %v)\n", s.Namespace, s.SubscribersErr)
	case s.Subscribers > 0:
		fmt.Fprintf(env.Stderr, "flaggen: applied; %d app instance%s subscribed to namespace %s\n", s.Subscribers, plural(s.Subscribers), s.Namespace)
	case s.Recorded:
		fmt.Fprintf(env.Stderr, "flaggen: warning: no app instance is subscribed to namespace %s (apps started later read the change)\n", s.Namespace)
	default:
		fmt.Fprintf(env.Stderr, "flaggen: warning: no app instance is subscribed to namespace %s and no app ever recorded its spec there: is -namespace right? (apps use redisstore.WithNamespace; the shop $%s)\n", s.Namespace, envNamespace)
	}
}

func plural(n int64) string {
	if n == 1 {
		return " is"
	}
	return "s are"
}

// printStates prints each named flag's state after a change; note, when
// set, follows the flag's name (e.g. "no change").
func printStates(env *Env, s *ops.Session, note string, names ...string) error {
	in, err := s.Inspect()
	if err != nil {
		return err
	}
	for _, name := range names {
		f := in.Flag(name)
		line := name + ": "
		if note != "" {
			line += note + ": "
		}
		line += f.State
		if f.StateReason != "" {
			line += " (" + ops.Shown(f.StateReason) + ")"
		}
		if f.Rollout != nil {
			line += ", rollout " + rolloutText(f.Rollout, nil)
		}
		if f.State == "tripped" {
			line += "; run 'flaggen reset " + name + "' to clear it"
		}
		fmt.Fprintf(env.Stdout, "%s  [live state version %d]\n", line, in.Version)
	}
	return nil
}

// lastChange is the summary of a flag's newest audit entry.
type lastChange struct {
	Version uint64    `json:"version"`
	Time    time.Time `json:"time"`
	Actor   string    `json:"actor"`
	Reason  string    `json:"reason"`
}

// newLastChange summarises e.
func newLastChange(e store.AuditEntry) *lastChange {
	return &lastChange{Version: e.Version, Time: e.Time, Actor: e.Actor, Reason: e.Reason}
}

func (l *lastChange) String() string {
	if l == nil {
		return "-"
	}
	s := l.Time.Local().Format("2006-01-02 15:04") + " " + ops.Shown(l.Actor)
	if l.Reason != "" {
		s += ": " + ops.Shown(l.Reason)
	}
	return s
}
