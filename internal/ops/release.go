package ops

import (
	"encoding/json"
)

// FindRelease returns the release name of in, or nil.
func FindRelease(in *Inspection, name string) *ReleaseInfo {
	for i := range in.Releases {
		if in.Releases[i].Release == name {
			return &in.Releases[i]
		}
	}
	return nil
}

// SetRelease switches every flag of release name on or off ("active") in
// one atomic, audited write (runtime.Client.SetRelease) by actor, for
// reason; switching off requires a reason (RequireReason), and a
// namespace where no app recorded its spec is refused unless force
// (CheckWrite). It writes
// nothing, and reports wrote false, when every flag already is in that
// state with a live patch the apps accept. before is the live state's
// inspection as read before the write.
func (s *Session) SetRelease(name string, on bool, actor, reason string, force bool) (wrote bool, before *Inspection, err error) {
	if err := CheckRelease(s.Spec, name); err != nil {
		return false, nil, err
	}
	if err := s.CheckWrite(force); err != nil {
		return false, nil, err
	}
	if !on {
		if err := RequireReason("reason", reason); err != nil {
			return false, nil, err
		}
	}
	if before, err = s.Inspect(); err != nil {
		return false, nil, err
	}
	if r := FindRelease(before, name); !anyRefused(before, r) && (on && r.Enabled == r.Total || !on && allOff(before, r)) {
		return false, before, nil
	}
	c, err := s.Client(false)
	if err != nil {
		return false, before, err
	}
	defer c.Close()
	ctx, cancel := s.Ctx()
	defer cancel()
	if err := c.SetRelease(ctx, name, on, actor, reason); err != nil {
		return false, before, s.RedisError(err)
	}
	return true, before, nil
}

// anyRefused reports whether the live patch of a flag of r is refused.
func anyRefused(in *Inspection, r *ReleaseInfo) bool {
	for _, f := range r.Flags {
		if in.Flag(f).Problem != "" {
			return true
		}
	}
	return false
}

// allOff reports whether every flag of r is already inactive (active
// false) in live state, with a live patch the apps accept.
func allOff(in *Inspection, r *ReleaseInfo) bool {
	for _, f := range r.Flags {
		if !EffectiveIs(in.Flag(f), "active", json.RawMessage("false")) {
			return false
		}
	}
	return true
}

// ReleaseStatus is one release of the spec, how much of it is on, and the
// state of each of its flags: 'flaggen release status -json' and the admin
// API's release.
type ReleaseStatus struct {
	ReleaseInfo
	States []ReleaseFlagState `json:"states"`
}

// ReleaseFlagState is one flag of a release and its state
// (FlagInfo.State and StateReason).
type ReleaseFlagState struct {
	Flag        string `json:"flag"`
	State       string `json:"state"`
	StateReason string `json:"state_reason,omitempty"`
}

// StatusOf returns the status of release name in in, or nil when in
// lacks it.
func StatusOf(in *Inspection, name string) *ReleaseStatus {
	r := FindRelease(in, name)
	if r == nil {
		return nil
	}
	out := &ReleaseStatus{ReleaseInfo: *r, States: []ReleaseFlagState{}}
	for _, f := range r.Flags {
		fi := in.Flag(f)
		out.States = append(out.States, ReleaseFlagState{f, fi.State, fi.StateReason})
	}
	return out
}
