package ops

import (
	"encoding/json"
	"fmt"
	"maps"
	"time"

	"github.com/flaggen/flaggen/internal/jsonx"
	"github.com/flaggen/flaggen/runtime"
	"github.com/flaggen/flaggen/runtime/store"
)

// A Plan computes a flag's next live patch from the live state as read:
// its stored patch's fields (nil when the flag has no entry) and its
// effective configuration. change false means there is nothing to write;
// resetCounters zeroes the flag's shared monitor counters in the same
// write. A Plan may run several times (see runtime.Client.Update).
type Plan func(s *Session, stored map[string]json.RawMessage, f *FlagInfo) (next map[string]json.RawMessage, change, resetCounters bool, err error)

// FlagWrite is one audited change of one flag's live patch.
type FlagWrite struct {
	Flag, Actor, Reason string
	Plan                Plan
	// Replace lets the plan replace a stored patch that is not a JSON
	// object (else that is an error saying how to repair it).
	Replace bool
	// Force writes even to a namespace where no app ever recorded its
	// spec (see CheckWrite).
	Force bool
}

// CheckRecorded returns a *NotRecordedError when no app ever recorded its
// spec in the session's namespace. It asks Redis again when Open saw none
// (Session.Recorded), so that a long-lived session notices an app started
// since.
func (s *Session) CheckRecorded() error {
	if s.Recorded {
		return nil
	}
	rec, can := s.Live.(store.SpecRecorder)
	if !can {
		return nil // a store that records no spec: nothing to check
	}
	ctx, cancel := s.Ctx()
	defer cancel()
	_, _, ok, err := rec.RecordedSpec(ctx)
	if err != nil {
		return s.RedisError(err)
	}
	if !ok {
		return &NotRecordedError{Namespace: s.Namespace, URL: s.URL}
	}
	s.Recorded = true
	return nil
}

// CheckWrite is the rule for every operator write (a flag's patch, a
// release, a reset of the live state): a namespace where no app ever
// recorded its spec is refused (CheckRecorded; the error wraps
// ErrNotRecorded) unless force is set, so that a write to a mistyped
// namespace fails instead of "succeeding" without reaching any app.
func (s *Session) CheckWrite(force bool) error {
	if force {
		return nil
	}
	return s.CheckRecorded()
}

// WriteFlag checks the flag's name and the namespace (CheckWrite with
// w.Force), then computes its next patch with
// w.Plan over the live state and writes it as one change, on condition
// that the live state is still the one the plan saw: else the plan runs
// again over the newer state (runtime.Client.Update). It reports whether
// it wrote anything.
// A segment's patch name ("segment:staff") is no flag: WriteSegment
// writes it.
func (s *Session) WriteFlag(w FlagWrite) (wrote bool, err error) {
	if err := CheckFlag(s.Spec, w.Flag); err != nil {
		return false, err
	}
	return s.write(w)
}

// write is WriteFlag after the name check: w.Flag is a flag's name or a
// segment's patch name (spec.SegmentKey).
func (s *Session) write(w FlagWrite) (wrote bool, err error) {
	return s.update(w.Force, func(st store.State) (runtime.Edit, error) { return s.prepare(st, w) })
}

// update checks the namespace (CheckWrite with force), then writes the
// edit edit computes over the live state (runtime.Client.Update), again
// over a newer state when another writer got in first. An error of edit
// is returned as it is.
func (s *Session) update(force bool, edit func(store.State) (runtime.Edit, error)) (wrote bool, err error) {
	if err := s.CheckWrite(force); err != nil {
		return false, err
	}
	c, err := s.Client(false)
	if err != nil {
		return false, err
	}
	defer c.Close()
	var editErr error
	ctx, cancel := s.Ctx()
	defer cancel()
	wrote, err = c.Update(ctx, func(st store.State) (e runtime.Edit, err error) {
		e, editErr = edit(st)
		return e, editErr
	})
	if err != nil && err == editErr {
		return false, err
	}
	return wrote, s.RedisError(err)
}

// prepare computes w's edit over the live state st: the zero Edit when
// there is nothing to write.
func (s *Session) prepare(st store.State, w FlagWrite) (runtime.Edit, error) {
	s.State = st
	in, err := Inspect(s.Spec, st, time.Now())
	if err != nil {
		return runtime.Edit{}, err
	}
	stored, unreadable := StoredPatch(st, w.Flag)
	if unreadable != nil && !w.Replace && !s.kills(w, in.Flag(w.Flag)) {
		return runtime.Edit{}, unreadable
	}
	next, change, resetCounters, err := w.Plan(s, stored, in.Flag(w.Flag))
	if err != nil {
		return runtime.Edit{}, err
	}
	if !change && unreadable == nil { // replacing a patch that is not an object is a change
		return runtime.Edit{}, nil
	}
	if err := checkKill(w, stored, next, in.Flag(w.Flag)); err != nil {
		return runtime.Edit{}, err
	}
	patch, err := encodePatch(next)
	if err != nil {
		return runtime.Edit{}, err
	}
	e := runtime.Edit{Actor: w.Actor, Reason: w.Reason, Replace: true,
		Flags: map[string]json.RawMessage{w.Flag: patch}}
	if resetCounters {
		e.ResetCounters = []string{w.Flag} // in the same atomic write
	}
	return e, nil
}

// kills reports whether w's plan switches the flag off ("active": false)
// whatever its stored patch: such a kill switch replaces a stored value
// that is not a JSON object (none of which applies; the audit entry keeps
// it under "before") instead of asking for a repair first.
func (s *Session) kills(w FlagWrite, f *FlagInfo) bool {
	next, _, _, err := w.Plan(s, nil, f)
	return err == nil && jsonx.Equal(next["active"], json.RawMessage("false"))
}

// checkKill is the kill switch's rule for every write, whatever surface
// made it (disable, a patch, a release): a write that switches the flag
// off ("active": false in next where neither the stored patch nor the
// flag's effective configuration has it already) needs a reason
// (RequireReason), so that no editor switches a flag off without one.
func checkKill(w FlagWrite, stored, next map[string]json.RawMessage, f *FlagInfo) error {
	off := json.RawMessage("false")
	if !jsonx.Equal(next["active"], off) || jsonx.Equal(stored["active"], off) || EffectiveIs(f, "active", off) {
		return nil
	}
	return RequireReason(fmt.Sprintf("a reason for switching %s off", w.Flag), w.Reason)
}

// SetField plans setting one field (enable, disable, rollout): nothing to
// write when the flag's effective value already is val. The kill switch
// ("active": false) over a stored patch refused for some of its fields
// drops those fields (f.Revert; the audit entry keeps them), so that
// disable needs no repair first.
func SetField(field string, val json.RawMessage) Plan {
	return func(_ *Session, stored map[string]json.RawMessage, f *FlagInfo) (map[string]json.RawMessage, bool, bool, error) {
		next := maps.Clone(stored)
		if next == nil {
			next = map[string]json.RawMessage{}
		}
		if field == "active" && string(val) == "false" && f != nil && f.Problem != "" {
			for _, bad := range f.Revert {
				delete(next, bad)
			}
		}
		next[field] = val
		return next, !EffectiveIs(f, field, val) && !samePatch(stored, next), false, nil
	}
}

// MergePatch plans merging obj into the stored patch (or, with replace,
// replacing it).
func MergePatch(obj map[string]json.RawMessage, replace bool) Plan {
	return func(_ *Session, stored map[string]json.RawMessage, _ *FlagInfo) (map[string]json.RawMessage, bool, bool, error) {
		next := maps.Clone(obj)
		if !replace {
			next = maps.Clone(stored)
			if next == nil {
				next = map[string]json.RawMessage{}
			}
			maps.Copy(next, obj)
		}
		return next, !samePatch(stored, next), false, nil
	}
}

// Revert plans deleting fields from the stored patch (back to the spec).
func Revert(fields []string) Plan {
	return func(_ *Session, stored map[string]json.RawMessage, _ *FlagInfo) (map[string]json.RawMessage, bool, bool, error) {
		next := maps.Clone(stored)
		for _, f := range fields {
			delete(next, f)
		}
		return next, stored != nil && len(next) != len(stored), false, nil
	}
}

// Reset plans removing "tripped" from flag's patch and zeroing its
// counters in the same write: nothing to write when the flag is not
// tripped and has no counters.
func Reset(flag string) Plan {
	return func(s *Session, stored map[string]json.RawMessage, _ *FlagInfo) (map[string]json.RawMessage, bool, bool, error) {
		ctx, cancel := s.Ctx()
		defer cancel()
		counters, err := s.Live.Counters(ctx, flag)
		if err != nil {
			return nil, false, false, s.RedisError(err)
		}
		counted := false
		for _, n := range counters {
			counted = counted || n != 0
		}
		tripped := stored["tripped"] != nil && !store.IsNull(stored["tripped"])
		next := maps.Clone(stored)
		delete(next, "tripped")
		return next, tripped || counted, tripped || counted, nil
	}
}

// EffectiveIs reports whether the flag's effective field already has the
// value val (as JSON), with a live patch the apps accept.
func EffectiveIs(f *FlagInfo, field string, val json.RawMessage) bool {
	if f == nil || f.Problem != "" {
		return false
	}
	for _, fi := range f.Fields {
		if fi.Field == field {
			return jsonx.Equal(fi.Value, val)
		}
	}
	return false
}

// samePatch reports whether two patches have the same fields and values
// (nil: no entry, the same as {}).
func samePatch(a, b map[string]json.RawMessage) bool {
	return maps.EqualFunc(a, b, jsonx.Equal)
}

// StoredPatch decodes a flag's stored live patch (nil: no entry). A stored
// patch that is not a JSON object is an error saying how to replace it.
func StoredPatch(st store.State, flag string) (map[string]json.RawMessage, error) {
	raw, ok := st.Flags[flag]
	if !ok || raw == nil || store.IsNull(raw) {
		return nil, nil
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(raw, &m); err != nil || m == nil {
		return nil, fmt.Errorf("the stored live patch of %s is not a JSON object (%s): replace it, e.g. flaggen patch -replace %s '{}'", flag, Shown(string(raw)), flag)
	}
	return m, nil
}

// encodePatch writes a patch as compact JSON, keys sorted, HTML unescaped.
func encodePatch(m map[string]json.RawMessage) (json.RawMessage, error) {
	if m == nil {
		m = map[string]json.RawMessage{}
	}
	b, err := jsonx.MarshalCompact(m)
	return json.RawMessage(b), err
}
