// Package store defines the contract between the flaggen runtime and a live-state store, which the memstore, filestore and redisstore packages implement.
package store

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// Store holds the live state shared by every runtime.Client of one
// namespace: a per-flag patch over the spec, an audit trail of changes,
// shared counters, feedback and evaluation counts (exposure). The runtime
// never calls a Store on the evaluation hot path.
//
// Implementations must be safe for concurrent use. The memory store
// (memstore.New, the runtime's default), the file store (filestore.New)
// and the Redis store (redisstore.New) implement it;
// runtime/storetest.TestStore checks any implementation.
type Store interface {
	// Load returns the full live state, consistent at one version.
	Load(ctx context.Context) (State, error)

	// Register stores each given patch for a flag that has no entry yet and
	// leaves existing entries untouched. When it adds at least one entry it
	// bumps the version and notifies watchers; it writes no audit entry.
	Register(ctx context.Context, flags map[string]json.RawMessage) error

	// Apply writes every patch of ch atomically: each entry of ch.Flags
	// replaces that flag's stored patch (a nil or JSON null value deletes the
	// flag's entry). It bumps the version by one, appends one AuditEntry
	// (with that version, the store's time, ch.Actor, ch.Reason and ch.Flags)
	// and notifies watchers. When ch.IfVersion is non-zero and differs from
	// the current version, or ch.IfEpoch is not empty and differs from the
	// current epoch (State.Epoch), nothing is written and the error wraps
	// ErrConflict. A Change that fails Change.Check (a blank actor, control
	// characters) is refused, and nothing is written. It returns the new
	// version.
	Apply(ctx context.Context, ch Change) (version uint64, err error)

	// Watch returns a channel that receives a value after each change that
	// Load can see (notifications may be coalesced: receivers reload). The
	// watcher is subscribed when Watch returns: every change made after
	// that (by this process or, for a shared store, by any other) is
	// notified, so a caller may Load, then rely on the channel for what
	// follows, with no wait in between. A store that must subscribe to a
	// backend first (the Redis store) waits for it: when ctx is done
	// before, Watch returns ctx's error. The channel is closed when ctx is
	// done or the store is closed.
	Watch(ctx context.Context) (<-chan struct{}, error)

	// Audit returns up to limit audit entries, newest first, for the given
	// flag (entries whose Flags name it) or for all flags when flag is "".
	// limit <= 0 means all.
	Audit(ctx context.Context, flag string, limit int) ([]AuditEntry, error)

	// AddCounters adds each delta to its shared counter (creating it at zero)
	// atomically per counter and returns the new totals in the same order.
	AddCounters(ctx context.Context, deltas []CounterDelta) ([]int64, error)

	// Counters returns every counter of the flag by name (absent counters
	// are omitted; an unknown flag yields an empty map).
	Counters(ctx context.Context, flag string) (map[string]int64, error)

	// ResetCounters deletes every counter of the flag.
	ResetCounters(ctx context.Context, flag string) error

	// AppendFeedback appends one feedback entry for the flag.
	AppendFeedback(ctx context.Context, flag string, fb Feedback) error

	// Feedback returns the flag's feedback in the order it was appended.
	Feedback(ctx context.Context, flag string) ([]Feedback, error)

	// AddExposure adds a batch of evaluation counts (see ExposureDelta) in
	// one atomic write: all of them or, with an error, none. A batch that
	// fails CheckExposure is refused. An empty batch writes nothing.
	AddExposure(ctx context.Context, deltas []ExposureDelta) error

	// Exposure returns what the store holds of the flag's evaluations, one
	// Exposure per environment it was counted or reset in (ResetExposure),
	// sorted by environment; flag "" returns every flag's, sorted by flag
	// then environment. A flag never counted nor reset yields none. A store that finds malformed entries
	// (a value it never writes) returns the others, non-nil, with an error
	// naming each malformed one; a flag's read is not failed by another
	// flag's entries.
	Exposure(ctx context.Context, flag string) ([]Exposure, error)

	// ExposureSince returns when evaluations began to be counted in env
	// (the earliest ExposureDelta.Last added there); the zero time when
	// they never were.
	ExposureSince(ctx context.Context, env string) (time.Time, error)

	// ResetExposure makes the flag's evaluations count afresh from at in
	// env, or in every environment for env "" (each the store counted
	// evaluations in: ExposureSince is not zero, and each the flag was
	// reset in before), in one atomic write: it deletes the flag's totals,
	// minute counts and last time there, and Exposure then answers an
	// Exposure of the flag in each of those environments whose Since is
	// at, even before an evaluation is counted again. A later AddExposure
	// drops the flag's deltas there whose Last is before at (counts an
	// instance took before the reset and flushed after), so that the
	// counts after a reset are those of evaluations made since. A reset
	// never moves a flag's Since back: an at before the Since held deletes
	// the counts and keeps the later Since. It refuses an empty or not
	// valid UTF-8 flag name, an env that is not valid UTF-8, and an at
	// that CheckExposureTime refuses (CheckExposureReset), writing
	// nothing. ExposureSince (the environment's) is left as it is.
	ResetExposure(ctx context.Context, flag, env string, at time.Time) error

	// Close releases the store's resources and closes Watch channels.
	Close() error
}

// HealthReporter is an optional interface of a Store that knows its own
// health (the Redis store: Redis unreachable, or its change subscription
// down). Client.Health reports a non-nil Health error first.
type HealthReporter interface {
	// Health returns nil when the store is in step with its backend, else
	// an error saying why not.
	Health() error
}

// ChangeFeed is an optional interface of a Store that holds its recent
// changes in memory (the Redis store: the changes its mirror applied from
// pub/sub messages and its own writes). A Client woken by Watch asks it
// what changed since the state it holds, and decodes, checks and compiles
// only those flags, instead of loading and comparing the whole state;
// when the store cannot tell, the Client loads.
type ChangeFeed interface {
	// ChangesSince returns the changes from the state at version and epoch
	// to the latest state the store holds: the result's Version and Epoch
	// are that state's, and its Flags hold the patch of every flag changed
	// in between (nil: the flag's entry was deleted). ok is false when the
	// store does not know every change since that state (it never held it,
	// resynced since, or is degraded): the caller must Load.
	ChangesSince(version uint64, epoch string) (changes State, ok bool)
}

// ErrConflict is wrapped by Store.Apply when Change.IfVersion or
// Change.IfEpoch is stale.
var ErrConflict = errors.New("live state changed concurrently (version conflict)")

// ErrClosed is returned by Store methods called after Close.
var ErrClosed = errors.New("store is closed")

// State is a Store's live state at one version.
type State struct {
	// Version increases with every change (Apply, or Register adding an
	// entry); 0 is an empty store that never changed.
	Version uint64
	// Epoch, when not empty, names the history Version counts in. A store
	// that can lose its data (the Redis store: Redis restarted without
	// persistence or flushed, or failed over to a replica that missed
	// writes) starts a new epoch then, and its versions may start low
	// again: two states are the same only when both Version and Epoch are.
	// Stores whose versions never go back leave it empty.
	Epoch string
	// Flags maps a flag name to its live patch: a JSON object whose fields
	// are spec field names (see spec.DecodePatch), e.g. {"active": false}
	// or {"tripped": "error_threshold 100 exceeded"}. "{}" means the spec
	// as written.
	Flags map[string]json.RawMessage
}

// Change is one atomic, audited write of live state.
type Change struct {
	// IfVersion, when non-zero or when CheckVersion is set, makes the
	// write conditional on the store still being at that version
	// (optimistic concurrency).
	IfVersion uint64
	// CheckVersion makes IfVersion 0 a condition too: the write applies
	// only to a store still at version 0 (never written). Without it,
	// IfVersion 0 means no condition. runtime.Client sets it on every
	// change it prepares from a loaded State, so that two writers who both
	// read a new namespace cannot both write over what they read.
	CheckVersion bool
	// IfEpoch, when not empty, makes the write conditional on the store
	// still being in that epoch (State.Epoch): a store whose history
	// changed (the Redis store after Redis lost its data, or failed over to
	// a replica that missed writes) may count its versions up to IfVersion
	// again with other contents, so a Change prepared from a loaded State
	// carries both. A store without epochs (its State.Epoch is always "",
	// e.g. the memory and file stores) refuses any other IfEpoch than "".
	IfEpoch string
	// Actor says who makes the change (user, service or monitor name).
	Actor string
	// Reason says why, in words, for the audit trail.
	Reason string
	// Flags maps each changed flag to its complete new patch (not a merge);
	// nil or JSON null deletes the flag's entry.
	Flags map[string]json.RawMessage
	// ResetCounters lists flags whose shared monitor counters the same
	// atomic write sets back to zero (an operator reset).
	ResetCounters []string
}

// AuditEntry records one applied Change.
type AuditEntry struct {
	// Version is the live-state version the change produced.
	Version uint64 `json:"version"`
	// Time is when the store applied it (UTC).
	Time time.Time `json:"time"`
	// Actor is who made it; Reason says why (Change.Actor, Change.Reason).
	Actor  string `json:"actor"`
	Reason string `json:"reason"`
	// Flags holds each changed flag's patch after the change; JSON null
	// means the flag's entry was deleted (back to the spec as written).
	Flags map[string]json.RawMessage `json:"flags"`
	// Before holds each changed flag's patch as it was before the change
	// (JSON null: the flag had no patch), so an entry reads before → after.
	Before map[string]json.RawMessage `json:"before,omitempty"`
}

// CounterDelta adds Delta to the counter Name of flag Flag.
type CounterDelta struct {
	Flag  string // the flag's name
	Name  string // the counter: CounterErrors or CounterSlow
	Delta int64  // added to the shared total
}

// Counter names the runtime uses.
const (
	CounterErrors = "errors" // reported errors (error_threshold)
	CounterSlow   = "slow"   // executions slower than performance_baseline (performance_threshold)
)

// Feedback is one piece of user feedback about a flag.
type Feedback struct {
	Time time.Time `json:"time"`           // when it was collected (UTC)
	User string    `json:"user,omitempty"` // who gave it, if known
	Text string    `json:"text"`           // what they said
	// Variant is the variant the user was served (runtime.Evaluation's
	// Variant: a variant's name, "on" or "off"); "" when unknown, as in
	// entries collected without it.
	Variant string `json:"variant,omitempty"`
}

// Check returns an error unless ch may be written: its Actor must not be
// blank, and neither Actor nor Reason may hold a control character (a
// newline or an ANSI escape would forge lines of the audit trail and reach
// operators' terminals), a Unicode bidirectional control, or invalid UTF-8.
// Every Store's Apply refuses a Change that fails Check, writing nothing.
func (ch Change) Check() error {
	if strings.TrimSpace(ch.Actor) == "" {
		return fmt.Errorf("live change refused: the actor is blank (say who makes the change)")
	}
	for _, f := range []struct{ name, v string }{{"actor", ch.Actor}, {"reason", ch.Reason}} {
		if !utf8.ValidString(f.v) {
			return fmt.Errorf("live change refused: the %s %q is not valid UTF-8", f.name, f.v)
		}
		for _, r := range f.v {
			if unicode.IsControl(r) || unicode.Is(unicode.Bidi_Control, r) {
				return fmt.Errorf("live change refused: the %s %q holds the control character %U", f.name, f.v, r)
			}
		}
	}
	return nil
}

// IsNull reports whether p is nil, empty or JSON null: a patch that
// deletes its flag's entry (Change.Flags, State.Flags of a ChangeFeed).
func IsNull(p json.RawMessage) bool {
	p = bytes.TrimSpace(p)
	return len(p) == 0 || string(p) == "null"
}

// The memory and file stores keep the newest MaxAuditEntries audit entries
// and MaxFeedbackEntries pieces of feedback per flag, as the Redis store's
// default stream and list bounds do.
const (
	MaxAuditEntries    = 10000
	MaxFeedbackEntries = 10000
)

// SpecRecorder is an optional interface of a Store: the store keeps the
// spec source of the apps that use it, so that admin tools (the flaggen CLI)
// can check names and values against the spec the apps run without being
// given the spec file.
//
// runtime.NewClient records its spec when its store implements
// SpecRecorder; a failure is logged, not fatal, and retried after the next
// successful reload. A store wrapped with ReadOnly does not implement it,
// so a Client over such a view records nothing. The memory store, the file
// store and the Redis store implement it.
//
// The recorded spec is not live state: recording bumps no version, notifies
// no watcher and writes no audit entry. Apps of one namespace that run
// different specs overwrite each other's record: the last to start wins.
type SpecRecorder interface {
	// RecordSpec stores src, the spec source exactly as the app loaded it
	// from file (the name it gave runtime.LoadSpec, e.g. "flags.json"),
	// replacing any spec recorded before, in one atomic write.
	RecordSpec(ctx context.Context, file string, src []byte) error

	// RecordedSpec returns the spec last recorded, byte for byte; ok is
	// false (with a nil error) when none was recorded.
	RecordedSpec(ctx context.Context) (file string, src []byte, ok bool, err error)
}

// SpecSHA256 returns the hex SHA-256 of a spec source: how stores fingerprint
// a recorded spec and how tools compare a spec file with it.
func SpecSHA256(src []byte) string {
	sum := sha256.Sum256(src)
	return hex.EncodeToString(sum[:])
}

// Clock is an optional interface of a Store that several machines share:
// Now is the time by the store's own clock (the Redis server's), so that
// times different machines write (ExposureDelta.Last, the time of
// ResetExposure) compare as the events happened, whatever each machine's
// clock says. Now (the function) reads it.
type Clock interface {
	Now() time.Time
}

// Now returns the time by s's clock when s has one (Clock), else the
// local time.
func Now(s Store) time.Time {
	if c, ok := s.(Clock); ok {
		return c.Now()
	}
	return time.Now()
}

// PatchChecker checks live patches against a spec; *runtime.Spec
// implements it.
type PatchChecker interface {
	// CheckPatches returns an error naming the first flag whose patch is
	// not a live patch of the spec; a nil or JSON null patch passes.
	CheckPatches(patches map[string]json.RawMessage) error
}

// SpecChecker is an optional interface of a Store that checks every patch
// written to it against a spec (the Redis store, which apps share and
// which code may write to directly): runtime.NewClient hands it the
// Client's spec before its first write.
type SpecChecker interface {
	// UseSpec makes the store refuse, from now on, a patch that
	// c.CheckPatches refuses.
	UseSpec(c PatchChecker)
}
