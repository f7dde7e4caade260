package ops

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/flaggen/flaggen/internal/redistest"
	"github.com/flaggen/flaggen/runtime"
	"github.com/flaggen/flaggen/runtime/store"
)

const testSpec = `{"flags": {"new_ui": {"active": true, "percentage_rollout": 50}, "other": {"active": true}}}`

// openTest opens a session on a fresh Redis, checked against testSpec,
// in a namespace where an app recorded testSpec (record) or none did.
func openTest(t *testing.T, record ...bool) *Session {
	t.Helper()
	srv := redistest.Start(t)
	sp, err := runtime.LoadSpec("flags.json", []byte(testSpec))
	if err != nil {
		t.Fatal(err)
	}
	s, err := Open(Config{RedisURL: "redis://" + srv.Addr(), Timeout: 5 * time.Second, CountSubscribers: true,
		Spec: &SpecFile{File: "flags.json", Origin: "-spec", Spec: sp, Src: []byte(testSpec)}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Close)
	if len(record) == 0 || record[0] {
		ctx, cancel := s.Ctx()
		defer cancel()
		if err := s.Store.RecordSpec(ctx, "flags.json", []byte(testSpec)); err != nil {
			t.Fatal(err)
		}
	}
	return s
}

// TestWriteRefusedWhereNoAppRecorded: a write to a namespace where no app
// ever recorded its spec (a mistyped namespace, most often) is refused
// with ErrNotRecorded and writes nothing, unless forced; once an app
// records its spec there, the same session writes.
func TestWriteRefusedWhereNoAppRecorded(t *testing.T) {
	s := openTest(t, false)
	kill := FlagWrite{Flag: "new_ui", Actor: "ops", Reason: "incident", Plan: SetField("active", json.RawMessage("false"))}
	wrote, err := s.WriteFlag(kill)
	want := "no app ever recorded its spec in namespace default at " + s.URL
	if !errors.Is(err, ErrNotRecorded) || wrote || !strings.HasPrefix(err.Error(), want) {
		t.Fatalf("WriteFlag = %v, %v; want ErrNotRecorded: %q…", wrote, err, want)
	}
	ctx, cancel := s.Ctx()
	defer cancel()
	if st, err := s.Store.Load(ctx); err != nil || st.Version != 0 {
		t.Errorf("the refused write wrote: %+v, %v", st, err)
	}
	kill.Force = true
	if wrote, err := s.WriteFlag(kill); err != nil || !wrote {
		t.Fatalf("forced WriteFlag = %v, %v", wrote, err)
	}
	if err := s.Store.RecordSpec(ctx, "flags.json", []byte(testSpec)); err != nil {
		t.Fatal(err)
	}
	if err := s.CheckWrite(false); err != nil || !s.Recorded {
		t.Errorf("CheckWrite after an app recorded its spec: %v (Recorded %v)", err, s.Recorded)
	}
}

// TestWriteFlagRecomputesAfterConflict: a write that slipped in between
// the plan's read and its write makes the plan run again over the newer
// state, so that the other writer's field is kept, not overwritten.
func TestWriteFlagRecomputesAfterConflict(t *testing.T) {
	s := openTest(t)
	// Version 0 (an empty namespace) cannot be written conditionally
	// (store.Change.IfVersion 0 is unconditional): start from version 1.
	ctx, cancel := s.Ctx()
	defer cancel()
	if _, err := s.Store.Apply(ctx, store.Change{Actor: "setup", Flags: map[string]json.RawMessage{"other": json.RawMessage(`{}`)}}); err != nil {
		t.Fatal(err)
	}
	runs := 0
	plan := func(s *Session, stored map[string]json.RawMessage, f *FlagInfo) (map[string]json.RawMessage, bool, bool, error) {
		runs++
		if runs == 1 { // another operator writes first
			ctx, cancel := s.Ctx()
			defer cancel()
			if _, err := s.Store.Apply(ctx, store.Change{IfVersion: s.State.Version, IfEpoch: s.State.Epoch, Actor: "other",
				Flags: map[string]json.RawMessage{"new_ui": json.RawMessage(`{"regions":["US"]}`)}}); err != nil {
				t.Fatal(err)
			}
		}
		return MergePatch(map[string]json.RawMessage{"active": json.RawMessage("false")}, false)(s, stored, f)
	}
	wrote, err := s.WriteFlag(FlagWrite{Flag: "new_ui", Actor: "me", Reason: "test", Plan: plan})
	if err != nil || !wrote {
		t.Fatalf("WriteFlag = %v, %v", wrote, err)
	}
	if runs != 2 {
		t.Errorf("the plan ran %d times, want 2 (once more over the other write)", runs)
	}
	st, err := s.Store.Load(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if got := string(st.Flags["new_ui"]); got != `{"active":false,"regions":["US"]}` {
		t.Errorf("stored %s: the other writer's regions must stay", got)
	}
	trail, err := s.Store.Audit(ctx, "new_ui", 0)
	if err != nil || len(trail) != 2 || trail[0].Actor != "me" || trail[0].Reason != "test" {
		t.Errorf("audit trail %+v, %v", trail, err)
	}
}

// TestWriteFlagNoChange: a plan that changes nothing writes nothing, and a
// flag the spec lacks is refused with the closest name.
func TestWriteFlagNoChange(t *testing.T) {
	s := openTest(t)
	wrote, err := s.WriteFlag(FlagWrite{Flag: "new_ui", Actor: "me", Plan: SetField("active", json.RawMessage("true"))})
	if err != nil || wrote {
		t.Errorf("enabling an enabled flag: %v, %v; want no write", wrote, err)
	}
	if _, err := s.WriteFlag(FlagWrite{Flag: "NEW-UI", Actor: "me", Plan: SetField("active", json.RawMessage("false"))}); err == nil || !strings.Contains(err.Error(), "did you mean new_ui?") {
		t.Errorf("unknown flag: %v", err)
	}
	ctx, cancel := s.Ctx()
	defer cancel()
	if st, err := s.Store.Load(ctx); err != nil || st.Version != s.State.Version || len(st.Flags) != 0 {
		t.Errorf("state after no writes: %+v, %v", st, err)
	}
}

// TestOpenRefusesBadInput: a malformed URL or timeout is a UsageError
// that does not show the URL's password.
func TestOpenRefusesBadInput(t *testing.T) {
	for _, cfg := range []Config{
		{RedisURL: "redis://:s3cret@127.0.0.1:1/x", Timeout: time.Second},
		{RedisURL: "redis+sentinel://:s3cret@127.0.0.1:1", Timeout: time.Second},
		{RedisURL: "redis://127.0.0.1:1", Timeout: 0},
	} {
		_, err := Open(cfg)
		var ue *UsageError
		if !errors.As(err, &ue) || strings.Contains(err.Error(), "s3cret") {
			t.Errorf("Open(%q, %v) = %v; want a UsageError without the password", cfg.RedisURL, cfg.Timeout, err)
		}
	}
}

// TestKillSwitchReplacesUnreadablePatch: a stored value that is no patch
// object (written into Redis by hand) does not block the kill switch: it
// is replaced, and the audit entry keeps it. Other writes still ask for a
// repair first.
func TestKillSwitchReplacesUnreadablePatch(t *testing.T) {
	s := openTest(t)
	ctx, cancel := s.Ctx()
	defer cancel()
	if err := s.rdb.HSet(ctx, s.Store.Key("patches"), "new_ui", `["x"]`).Err(); err != nil {
		t.Fatal(err)
	}
	if err := s.rdb.Incr(ctx, s.Store.Key("version")).Err(); err != nil {
		t.Fatal(err)
	}
	if _, err := s.WriteFlag(FlagWrite{Flag: "new_ui", Actor: "ops", Plan: SetField("percentage_rollout", json.RawMessage("10"))}); err == nil || !strings.Contains(err.Error(), "not a JSON object") {
		t.Fatalf("a rollout over an unreadable patch: %v, want the repair hint", err)
	}
	wrote, err := s.WriteFlag(FlagWrite{Flag: "new_ui", Actor: "ops", Reason: "incident", Plan: SetField("active", json.RawMessage("false"))})
	if err != nil || !wrote {
		t.Fatalf("the kill switch over an unreadable patch: wrote %v, %v", wrote, err)
	}
	trail, err := s.Store.Audit(ctx, "new_ui", 1)
	if err != nil || len(trail) != 1 || string(trail[0].Before["new_ui"]) != `["x"]` || string(trail[0].Flags["new_ui"]) != `{"active":false}` {
		t.Fatalf("audit: %+v, %v", trail, err)
	}
}
