package runtime

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/flaggen/flaggen/internal/jsonx"
	"github.com/flaggen/flaggen/internal/spec"
	"github.com/flaggen/flaggen/runtime/store"
)

// applyStateLocked applies live state flag by flag: a patch the spec
// refuses (it does not decode, or its depends_on closes a cycle) affects
// its own flag only, by the rule of spec.Spec.ApplyLive (the package doc
// says it for users); every other flag's patch applies.
func (c *Client) applyStateLocked(st store.State) {
	c.installLocked(st, c.spec.m.ApplyLiveState(&c.lcache, st.Flags))
}

// applyChangesLocked is applyStateLocked for the changes from the state
// the Client holds (c.version, c.epoch) to the state ch.Version and
// ch.Epoch (store.ChangeFeed.ChangesSince): only the changed flags are
// decoded and applied (spec.Spec.ApplyLiveChanges), with the same outcome
// as applyStateLocked of the whole state. c.lcache keeps the new
// decodings even when the snapshot does not build (a decoding depends only
// on the raw bytes); c.state changes only when it does, and c.version then
// stays behind, so the changes come again.
func (c *Client) applyChangesLocked(ch store.State) {
	live, err := c.spec.m.ApplyLiveChanges(&c.lcache, c.state, ch.Flags)
	if err != nil {
		c.log.Error("flaggen: refusing live state, keeping the last good one", "version", ch.Version, "err", err)
		return
	}
	c.installLocked(ch, live)
}

// installLocked makes live the Client's live state at st's version and
// publishes its snapshot, and reports whether it did: a state whose
// snapshot does not build keeps the last good state. It logs each flag
// whose patch is refused now and was not (or for another reason), and
// each that is no longer refused, and sets the refusals that Health
// reports.
func (c *Client) installLocked(st store.State, live *spec.Live) bool {
	if c.epoch != "" && st.Epoch != c.epoch {
		// The store lost its data (a new epoch): record the spec again.
		c.specRecorded.Store(false)
	}
	old, oldVersion, oldEpoch := c.state, c.version, c.epoch
	c.state, c.version, c.epoch = live, st.Version, st.Epoch
	if err := c.rebuildLocked(); err != nil {
		c.log.Error("flaggen: refusing live state, keeping the last good one", "version", st.Version, "err", err)
		c.state, c.version, c.epoch = old, oldVersion, oldEpoch
		return false
	}
	c.noteRefusalsLocked(live.Refused(), st.Version)
	c.mon.liveChanged(old.Spec, live.Spec)
	c.notifyChangedLocked(old.Spec)
	return true
}

// noteRefusalsLocked makes refused the refusals Health reports, logging
// what changed since the last ones.
func (c *Client) noteRefusalsLocked(refused map[string]error, version uint64) {
	for _, name := range slices.Sorted(maps.Keys(refused)) {
		err := refused[name]
		if prev, ok := c.refused[name]; !ok || prev.Error() != err.Error() {
			if seg, ok := strings.CutPrefix(name, spec.SegmentPrefix); ok {
				c.log.Error("flaggen: refusing live patch: the segment takes its spec definition", "segment", seg, "version", version, "err", err)
				continue
			}
			c.log.Error("flaggen: refusing live patch: the flag takes its spec definition (a kill switch in the patch holds)", "flag", name, "version", version, "err", err)
		}
	}
	for _, name := range slices.Sorted(maps.Keys(c.refused)) {
		if _, ok := refused[name]; !ok {
			if seg, ok := strings.CutPrefix(name, spec.SegmentPrefix); ok {
				c.log.Info("flaggen: live patch applies again", "segment", seg, "version", version)
				continue
			}
			c.log.Info("flaggen: live patch applies again", "flag", name, "version", version)
		}
	}
	c.refused = refused
	if len(refused) == 0 {
		c.refusal.Store(nil)
		return
	}
	var err error = &RefusedError{Flags: refused}
	c.refusal.Store(&err)
}

// RefusedError is what Client.Health reports while the spec refuses live
// patches of some flags (see the package doc): those flags take their
// spec definition, with a kill switch of their patch held, until an
// operator repairs the patch.
type RefusedError struct {
	// Flags maps each flag whose live patch is refused to why (a
	// spec.ErrorList positioned in the patch); a refused segment patch is
	// there under its patch name (spec.SegmentKey, "segment:eu_beta").
	Flags map[string]error
}

func (e *RefusedError) Error() string {
	names := slices.Sorted(maps.Keys(e.Flags))
	parts := make([]string, len(names))
	for i, name := range names {
		parts[i] = name + ": " + strings.ReplaceAll(e.Flags[name].Error(), "\n", "; ")
	}
	var nflags, nsegs int
	for _, name := range names {
		if strings.HasPrefix(name, spec.SegmentPrefix) {
			nsegs++
		} else {
			nflags++
		}
	}
	var what []string
	if nflags > 0 {
		what = append(what, fmt.Sprintf("%d flag(s)", nflags))
	}
	if nsegs > 0 {
		what = append(what, fmt.Sprintf("%d segment(s)", nsegs))
	}
	held := ""
	if nflags > 0 {
		held = " (kill switch held)"
	}
	return fmt.Sprintf("live patch of %s refused, serving the spec's definition%s until repaired: %s", strings.Join(what, " and "), held, strings.Join(parts, "; "))
}

// Edit is one atomic, audited change of live state over several flags.
type Edit struct {
	// Actor says who makes the change; Reason says why. Both go to the
	// audit trail. Actor is required.
	Actor, Reason string
	// Flags maps each flag to a patch object over the spec (field names as
	// in the spec; see spec.DecodePatch). By default it is merged into the
	// flag's current live patch: fields given replace the live ones, and a
	// field set to null removes that field from the flag (back to absent).
	Flags map[string]json.RawMessage
	// Replace makes each patch replace the flag's live patch instead of
	// merging into it; {} reverts the flag to the spec as written.
	Replace bool
	// Revert lists, per flag, fields to delete from its live patch, so that
	// they fall back to the spec's value (unlike null, which makes them
	// absent). It applies before Flags' patch of the same flag.
	Revert map[string][]string
	// ResetCounters lists flags whose shared monitor counters go back to
	// zero in the same atomic write (see Client.Reset).
	ResetCounters []string
	// Delete lists orphaned segment patches to remove from the store:
	// patch names ("segment:ghost", spec.SegmentKey) of segments the spec
	// lacks, which apply to nothing. A name the live state lacks is
	// skipped.
	Delete []string
}

// Change validates and applies an Edit through the store as one atomic
// write. Every patch is decoded against the spec and the resulting live
// spec is re-checked as a whole (e.g. for depends_on cycles); anything bad
// is refused with an error naming the flag, and nothing is written. On
// success the Client's snapshot reflects the change when Change returns.
//
// A concurrent write to the store (store.ErrConflict) makes Change merge its edit
// again over the new state, with jittered backoff, until ctx's deadline
// (DefaultChangeTimeout when ctx has none): see Update.
func (c *Client) Change(ctx context.Context, e Edit) error {
	if err := c.checkEdit(e); err != nil {
		return err
	}
	if len(e.Flags) == 0 && len(e.Revert) == 0 && len(e.Delete) == 0 {
		return errors.New("live change: no flags to change")
	}
	_, err := c.change(ctx, e, nil)
	return err
}

// checkEdit refuses an edit without an actor, with a field that is not
// patchable to revert, or naming a flag the spec lacks.
func (c *Client) checkEdit(e Edit) error {
	if e.Actor == "" {
		return errors.New("live change: actor is required (who makes the change)")
	}
	for name, fields := range e.Revert {
		if _, seg := strings.CutPrefix(name, spec.SegmentPrefix); seg {
			for _, f := range fields {
				if !slices.Contains(spec.SegmentFields(), f) {
					return fmt.Errorf("live change: %q: cannot revert %q: not a segment field (one of %s)", name, f, strings.Join(spec.SegmentFields(), ", "))
				}
			}
			continue
		}
		for _, f := range fields {
			if !slices.Contains(spec.PatchFields(), f) {
				return fmt.Errorf("live change: flag %q: cannot revert %q: not a patchable field (one of %s)", name, f, strings.Join(spec.PatchFields(), ", "))
			}
		}
	}
	for _, name := range e.Delete {
		seg, ok := strings.CutPrefix(name, spec.SegmentPrefix)
		switch {
		case !ok:
			return fmt.Errorf("live change: cannot delete %q: not a segment patch name (segment:NAME)", name)
		case c.spec.m.Segment(seg) != nil:
			return fmt.Errorf("live change: cannot delete the live patch of segment %q: the spec has the segment (revert its fields instead)", seg)
		case slices.Contains(e.flagNames(), name):
			return fmt.Errorf("live change: %q is both deleted and changed", name)
		}
	}
	for _, name := range e.flagNames() {
		if seg, ok := strings.CutPrefix(name, spec.SegmentPrefix); ok && c.spec.m.Segment(seg) == nil {
			return fmt.Errorf("live change: unknown segment %q", seg)
		}
		if !c.spec.m.HasPatchTarget(name) {
			msg := fmt.Sprintf("live change: unknown flag %q", name)
			if close := closeNames(name, c.spec.FlagNames()); len(close) > 0 {
				msg += " (did you mean " + strings.Join(close, ", ") + "?)"
			}
			return errors.New(msg)
		}
	}
	return nil
}

// prepare merges e into st, validates the result and returns the Change.
// An edited patch must decode, and the write must not make the spec
// refuse a patch it did not refuse (a new depends_on cycle) nor refuse an
// edited flag's patch for another reason than before; the stored patches
// of other flags may be refused (they then stay as they are).
func (c *Client) prepare(st store.State, e Edit) (store.Change, error) {
	ch := store.Change{IfVersion: st.Version, CheckVersion: true, IfEpoch: st.Epoch, Actor: e.Actor, Reason: e.Reason, Flags: map[string]json.RawMessage{}, ResetCounters: e.ResetCounters}
	c.mu.Lock()
	cache := c.lcache.Clone() // reloads update c.lcache in place
	c.mu.Unlock()
	current, undecoded, _ := cache.Decode(c.spec.m, st.Flags)
	todo := make(map[string][]byte, len(e.Flags))
	for _, name := range e.flagNames() {
		raw, given := e.Flags[name]
		switch {
		case !e.Replace || !given:
			base := st.Flags[name]
			if e.Replace {
				base = nil
			}
			if !given {
				raw = json.RawMessage("{}")
			}
			merged, err := mergePatch(base, raw, e.Revert[name])
			if err != nil && given && c.spec.m.Fallback(name, raw) != nil {
				// The stored value is no patch object: none of it
				// applies, and a kill switch replaces it (the audit
				// entry keeps it under "before").
				merged, err = mergePatch(nil, raw, e.Revert[name])
			}
			if err != nil {
				return ch, fmt.Errorf("live change: %s: %v%s", entryName(name), err, storedRefused(undecoded[name]))
			}
			raw = merged
		case store.IsNull(raw):
			raw = json.RawMessage("{}")
		}
		todo[name] = raw
		ch.Flags[name] = raw
	}
	for _, name := range e.Delete {
		if _, ok := st.Flags[name]; ok {
			ch.Flags[name] = nil
		}
	}
	edited, errs := cache.DecodePatches(c.spec.m, todo)
	for _, name := range e.flagNames() {
		if errs[name] != nil {
			c.killOverRefused(cache, name, st.Flags[name], e, undecoded[name], ch.Flags, edited, errs)
		}
	}
	patches := maps.Clone(current)
	for _, name := range e.Delete {
		delete(patches, name)
	}
	for _, name := range e.flagNames() {
		if err := errs[name]; err != nil {
			return ch, fmt.Errorf("live change refused: %s: %w%s", entryName(name), err, storedRefused(undecoded[name]))
		}
		patches[name] = edited[name]
	}
	after := c.spec.m.ApplyLive(patches).Refused()
	if len(after) == 0 {
		return ch, nil
	}
	before := c.spec.m.ApplyLive(current).Refused()
	for _, name := range slices.Sorted(maps.Keys(after)) {
		err := after[name]
		prev, was := before[name]
		_, editedFlag := todo[name]
		if !was || editedFlag && prev.Error() != err.Error() {
			return ch, fmt.Errorf("live change refused: %s: %w", entryName(name), err)
		}
	}
	return ch, nil
}

// entryName names the flag or segment (spec.SegmentKey) whose live patch
// is name, for errors: `flag "new_ui"`, `segment "eu_beta"`.
func entryName(name string) string {
	if seg, ok := strings.CutPrefix(name, spec.SegmentPrefix); ok {
		return fmt.Sprintf("segment %q", seg)
	}
	return fmt.Sprintf("flag %q", name)
}

// killOverRefused lets a kill switch through over a stored patch that is
// refused for some of its fields: when edit e of flag name switches it off
// ("active" false, or "tripped", as Spec.Fallback reads them) and merging
// it into the refused stored patch base (d) failed to decode, it merges e
// again without the stored fields at fault (spec.RefusedFields of stored,
// why base did not decode; all of them when the stored value is not a
// patch object at all), so that
// an operator's disable and a monitor's trip need no repair first (the
// audit entry keeps the dropped fields under "before"). On success it sets
// the flag's patch in flags and edited and clears its error in errs.
func (c *Client) killOverRefused(cache *spec.LiveCache, name string, base json.RawMessage, e Edit, stored error, flags map[string]json.RawMessage, edited map[string]*spec.Patch, errs map[string]error) {
	raw, given := e.Flags[name]
	if stored == nil || !given || e.Replace || c.spec.m.Fallback(name, raw) == nil {
		return
	}
	bad := spec.RefusedFields(stored)
	if bad == nil {
		// The stored patch is refused as a whole (not a JSON object, not
		// JSON): nothing of it applies, so the kill switch replaces it.
		base = nil
	}
	merged, err := mergePatch(base, raw, append(slices.Clone(e.Revert[name]), bad...))
	if err != nil {
		return
	}
	p, perrs := cache.DecodePatches(c.spec.m, map[string][]byte{name: merged})
	if perrs[name] != nil {
		return
	}
	flags[name], edited[name] = merged, p[name]
	delete(errs, name)
}

// storedRefused says, for an edit failing over a flag's stored patch that
// did not decode (stored: why), that the stored patch itself is refused
// (the edit merged into it).
func storedRefused(stored error) string {
	if stored == nil {
		return ""
	}
	return " (the stored live patch is refused already: revert the fields at fault or replace the whole patch)"
}

// mergePatch merges the fields of edit into the patch object base; a field
// in edit replaces the field in base (null included: null is the patch's
// "remove this field" value).
func mergePatch(base, edit json.RawMessage, revert []string) (json.RawMessage, error) {
	fields := map[string]json.RawMessage{}
	if !store.IsNull(base) {
		if err := json.Unmarshal(base, &fields); err != nil {
			return nil, fmt.Errorf("live patch is not a JSON object: %v", err)
		}
	}
	for _, k := range revert {
		delete(fields, k)
	}
	var ed map[string]json.RawMessage
	if store.IsNull(edit) {
		return nil, errors.New("patch is empty (want a JSON object)")
	}
	if err := json.Unmarshal(edit, &ed); err != nil {
		return nil, fmt.Errorf("patch is not a JSON object: %v", err)
	}
	for k, v := range ed {
		fields[k] = v
	}
	b, err := jsonx.MarshalCompact(fields) // a map: keys sorted, deterministic
	return json.RawMessage(b), err
}

// Set is Change for one flag.
func (c *Client) Set(ctx context.Context, flag string, patch json.RawMessage, actor, reason string) error {
	return c.Change(ctx, Edit{Actor: actor, Reason: reason, Flags: map[string]json.RawMessage{flag: patch}})
}

// SetRelease switches every flag of a release on or off ("active") in one
// atomic, audited change.
func (c *Client) SetRelease(ctx context.Context, release string, on bool, actor, reason string) error {
	r := c.spec.m.Release(release)
	if r == nil {
		var names []string
		for _, r := range c.spec.m.Releases {
			names = append(names, r.Name)
		}
		return fmt.Errorf("release %q is not in the spec (releases: %s)", release, strings.Join(names, ", "))
	}
	patch := json.RawMessage(fmt.Sprintf(`{"active":%t}`, on))
	e := Edit{Actor: actor, Reason: reason, Flags: map[string]json.RawMessage{}}
	for _, f := range r.Flags {
		e.Flags[f] = patch
	}
	if e.Reason == "" {
		e.Reason = fmt.Sprintf("release %s %s", release, map[bool]string{true: "on", false: "off"}[on])
	}
	return c.Change(ctx, e)
}

// ReleaseStatus reports how many flags of a release are switched on (active
// and not tripped in live state) out of how many, as the Python system's releases report "2 of 5" (README, Semantics).
func (c *Client) ReleaseStatus(release string) (enabled, total int, err error) {
	r := c.spec.m.Release(release)
	if r == nil {
		return 0, 0, fmt.Errorf("release %q is not in the spec", release)
	}
	s := c.snap.Load()
	for _, name := range r.Flags {
		if s.SwitchedOn(c.spec.byName[name]) {
			enabled++
		}
	}
	return enabled, len(r.Flags), nil
}

// Reset is the operator reset after a monitor tripped a flag: one atomic,
// audited write clears the flag's "tripped" state and zeroes its shared
// error and slow-execution counters (this instance's unflushed reports of
// the flag are dropped too).
func (c *Client) Reset(ctx context.Context, flag, actor, reason string) error {
	i, ok := c.spec.byName[flag]
	if !ok {
		return fmt.Errorf("reset: unknown flag %q", flag)
	}
	c.mon.drain(i)
	if reason == "" {
		reason = "operator reset"
	}
	return c.Change(ctx, Edit{Actor: actor, Reason: reason, Revert: map[string][]string{flag: {"tripped"}}, ResetCounters: []string{flag}})
}

// Audit returns the flag's audit trail (all flags when flag is ""), newest
// first, at most limit entries (all when limit <= 0).
func (c *Client) Audit(ctx context.Context, flag string, limit int) ([]store.AuditEntry, error) {
	return c.opts.store.Audit(ctx, flag, limit)
}

// flagNames lists the flags e touches (patched or reverted), sorted.
func (e *Edit) flagNames() []string {
	names := slices.Collect(maps.Keys(e.Flags))
	for name := range e.Revert {
		if _, ok := e.Flags[name]; !ok {
			names = append(names, name)
		}
	}
	slices.Sort(names)
	return names
}
