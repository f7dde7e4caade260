package lint

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/flaggen/flaggen/internal/redistest"
	"github.com/flaggen/flaggen/internal/spec"
	"github.com/flaggen/flaggen/runtime/flagimpl"
	"github.com/flaggen/flaggen/runtime/redisstore"
	"github.com/flaggen/flaggen/runtime/store"
)

const liveSpecSrc = `{
  "flags": {
    "rolled_long_ago": {"active": true,
      "percentage_rollout": 50},
    "rolled_recently": {"active": true, "percentage_rollout": 50},
    "dep_recent": {"active": true, "depends_on": ["rolled_recently"]},
    "switched_off": {"active": true},
    "tripped": {"active": true},
    "untargeted_live": {"active": true, "regions": ["US"]},
    "never_live": {"active": true},
    "refused": {"active": true},
    "half": {"active": true, "percentage_rollout": 50}
  }
}`

func day(s string) time.Time { return *date(s) }

// liveFixture starts a Redis and writes, through a store whose clock is
// set per change, the live history of liveSpecSrc's flags. It returns a
// fresh store on the namespace for lint to read, and a function that
// returns the namespace's version, audit length and patches (equal values:
// nothing was written).
func liveFixture(t *testing.T) (*spec.Spec, store.Store, func() string) {
	t.Helper()
	srv := redistest.Start(t)
	s, err := spec.Parse("flags.json", []byte(liveSpecSrc))
	if err != nil {
		t.Fatal(err)
	}
	rdb := redis.NewClient(&redis.Options{Addr: srv.Addr()})
	t.Cleanup(func() { rdb.Close() })
	var now time.Time
	w, err := redisstore.New(rdb, redisstore.WithNamespace("lint"), redisstore.WithClock(func() time.Time { return now }))
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	w.UseSpec(flagimpl.MustLoadSpec("flags.json", []byte(liveSpecSrc)))
	ctx := context.Background()
	// The apps registered their flags (no audit entry); a name the spec
	// lacks and a patch it refuses were written by hand (the store checks
	// what it writes).
	if err := w.Register(ctx, map[string]json.RawMessage{"never_live": json.RawMessage(`{}`)}); err != nil {
		t.Fatal(err)
	}
	if err := rdb.HSet(ctx, w.Key("patches"), "ghost", `{"active":false}`, "refused", `{"percentage_rollout": 500}`).Err(); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		when, flag, patch string
	}{
		{"2024-03-01", "rolled_long_ago", `{"percentage_rollout": 100}`},
		{"2024-03-01", "rolled_recently", `{"percentage_rollout": 80}`},
		{"2024-03-01", "switched_off", `{"active": false}`},
		{"2024-03-01", "tripped", `{"tripped": "error_threshold 10 exceeded"}`},
		{"2024-03-01", "untargeted_live", `{"regions": null}`},
		{"2025-05-25", "rolled_recently", `{"percentage_rollout": 100}`},
	} {
		now = day(c.when)
		if _, err := w.Apply(ctx, store.Change{Actor: "alice", Reason: "test", Flags: map[string]json.RawMessage{c.flag: json.RawMessage(c.patch)}}); err != nil {
			t.Fatal(err)
		}
	}
	r, err := redisstore.New(rdb, redisstore.WithNamespace("lint"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { r.Close() })
	mark := func() string {
		t.Helper()
		var out []string
		for _, cmd := range [][]string{{"GET", r.Key("version")}, {"XLEN", r.Key("audit")}, {"HGETALL", r.Key("patches")}} {
			v, err := redistest.Do(srv.Addr(), cmd...)
			if err != nil {
				t.Fatal(err)
			}
			out = append(out, v)
		}
		return strings.Join(out, " | ")
	}
	return s, store.ReadOnly(r), mark
}

func TestCheckSpecLive(t *testing.T) {
	s, store, mark := liveFixture(t)
	before := mark()
	now := day("2025-06-01")
	committed := func(string) (time.Time, bool) { return day("2024-01-01"), true }
	unknown := func(string) (time.Time, bool) { return time.Time{}, false }
	for _, tc := range []struct {
		name    string
		changed func(string) (time.Time, bool)
		live    bool
		want    string
	}{
		{
			name:    "spec alone",
			changed: committed,
			// dep_recent depends on a flag at 50%.
			want: `flags.json:7: flag "switched_off" is on for everyone (no targeting) and flags.json is unchanged since 2024-01-01: ready to remove; run flaggen remove -spec flags.json -keep on switched_off` + "\n" +
				`flags.json:8: flag "tripped" is on for everyone (no targeting) and flags.json is unchanged since 2024-01-01: ready to remove; run flaggen remove -spec flags.json -keep on tripped` + "\n" +
				`flags.json:10: flag "never_live" is on for everyone (no targeting) and flags.json is unchanged since 2024-01-01: ready to remove; run flaggen remove -spec flags.json -keep on never_live` + "\n" +
				`flags.json:11: flag "refused" is on for everyone (no targeting) and flags.json is unchanged since 2024-01-01: ready to remove; run flaggen remove -spec flags.json -keep on refused` + "\n",
		},
		{
			// rolled_recently is at 100% but changed a week ago, and so is
			// dep_recent's dependency; switched_off and tripped are off
			// live; refused's live patch is invalid (apps' state unknown).
			name:    "live",
			changed: committed,
			live:    true,
			want: `flags.json:4: flag "rolled_long_ago" is on for everyone (100% rollout; live patch {"percentage_rollout":100}) and flags.json is unchanged since 2024-01-01 (last live change 2024-03-01 by alice): ready to remove; run flaggen remove -spec flags.json -keep on rolled_long_ago` + "\n" +
				`flags.json:9: flag "untargeted_live" is on for everyone (no targeting; live patch {"regions":null}) and flags.json is unchanged since 2024-01-01 (last live change 2024-03-01 by alice): ready to remove; run flaggen remove -spec flags.json -keep on untargeted_live` + "\n" +
				`flags.json:10: flag "never_live" is on for everyone (no targeting) and flags.json is unchanged since 2024-01-01: ready to remove; run flaggen remove -spec flags.json -keep on never_live` + "\n",
		},
		{
			name:    "live, file age unknown",
			changed: unknown,
			live:    true,
			want: `flags.json:4: flag "rolled_long_ago" is on for everyone (100% rollout; live patch {"percentage_rollout":100}): ready to remove (last live change 2024-03-01 by alice; the age of flags.json is unknown: uncommitted changes or no git history); run flaggen remove -spec flags.json -keep on rolled_long_ago` + "\n" +
				`flags.json:9: flag "untargeted_live" is on for everyone (no targeting; live patch {"regions":null}): ready to remove (last live change 2024-03-01 by alice; the age of flags.json is unknown: uncommitted changes or no git history); run flaggen remove -spec flags.json -keep on untargeted_live` + "\n" +
				`flags.json:10: flag "never_live" is on for everyone (no targeting): ready to remove (age unknown: flags.json has uncommitted changes or no git history); run flaggen remove -spec flags.json -keep on never_live` + "\n",
		},
		{
			// The file changed after the live changes: its age rules.
			name:    "live, file changed recently",
			changed: func(string) (time.Time, bool) { return day("2025-05-30"), true },
			live:    true,
		},
		{
			name:    "live, file changed after the live changes",
			changed: func(string) (time.Time, bool) { return day("2024-06-01"), true },
			live:    true,
			want: `flags.json:4: flag "rolled_long_ago" is on for everyone (100% rollout; live patch {"percentage_rollout":100}) and flags.json is unchanged since 2024-06-01 (last live change 2024-03-01 by alice): ready to remove; run flaggen remove -spec flags.json -keep on rolled_long_ago` + "\n" +
				`flags.json:9: flag "untargeted_live" is on for everyone (no targeting; live patch {"regions":null}) and flags.json is unchanged since 2024-06-01 (last live change 2024-03-01 by alice): ready to remove; run flaggen remove -spec flags.json -keep on untargeted_live` + "\n" +
				`flags.json:10: flag "never_live" is on for everyone (no targeting) and flags.json is unchanged since 2024-06-01: ready to remove; run flaggen remove -spec flags.json -keep on never_live` + "\n",
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			opt := Options{Dir: t.TempDir(), Now: now, SpecChanged: tc.changed}
			if tc.live {
				opt.Live = &Live{Store: store, Timeout: 5 * time.Second}
			}
			if got := diagLines(sortDiags(mustCheckSpec(t, s, opt))); got != tc.want {
				t.Errorf("got:\n%s\nwant:\n%s", got, tc.want)
			}
		})
	}
	// A later -now: rolled_recently and dep_recent are then long unchanged.
	ds := mustCheckSpec(t, s, Options{Dir: t.TempDir(), Now: day("2025-07-01"), SpecChanged: committed, Live: &Live{Store: store}})
	got := diagLines(sortDiags(ds))
	for _, want := range []string{
		`flags.json:6: flag "dep_recent" is on for everyone (no targeting) and flags.json is unchanged since 2024-01-01 (last live change 2025-05-25 by alice, to dependency "rolled_recently"): ready to remove; run flaggen remove -spec flags.json -keep on dep_recent`,
		`flags.json:5: flag "rolled_recently" is on for everyone (100% rollout; live patch {"percentage_rollout":100}) and flags.json is unchanged since 2024-01-01 (last live change 2025-05-25 by alice): ready to remove; run flaggen remove -spec flags.json -keep on rolled_recently`,
	} {
		if !strings.Contains(got, want+"\n") {
			t.Errorf("a month later, lacks\n%s\ngot:\n%s", want, got)
		}
	}
	if after := mark(); after != before {
		t.Errorf("lint wrote to Redis:\nbefore: %s\nafter:  %s", before, after)
	}
}

// stubStore serves a fixed state and audit trail, or fails.
type stubStore struct {
	store.Store // nil: any other method panics
	state       store.State
	trail       []store.AuditEntry
	err         error
}

func (s stubStore) Load(context.Context) (store.State, error) { return s.state, s.err }

// ExposureSince says that no evaluation was ever counted.
func (s stubStore) ExposureSince(context.Context, string) (time.Time, error) {
	return time.Time{}, s.err
}

func (s stubStore) Audit(_ context.Context, flag string, limit int) ([]store.AuditEntry, error) {
	if flag != "" || limit != 0 {
		panic("lint reads the whole trail once")
	}
	return s.trail, s.err
}

func TestCheckSpecLiveCappedTrail(t *testing.T) {
	s, err := spec.Parse("flags.json", []byte(`{"flags": {"a": {"active": true, "percentage_rollout": 10}, "b": {"active": true}}}`))
	if err != nil {
		t.Fatal(err)
	}
	committed := func(string) (time.Time, bool) { return day("2024-01-01"), true }
	// a's own entry is gone from the trail; it is bounded by the oldest.
	st := stubStore{
		state: store.State{Version: 9, Flags: map[string]json.RawMessage{"a": json.RawMessage(`{"percentage_rollout":100}`)}},
		trail: []store.AuditEntry{
			{Version: 9, Time: day("2025-05-01"), Actor: "bob", Flags: map[string]json.RawMessage{"b": json.RawMessage(`{}`)}},
			{Version: 8, Time: day("2025-04-01"), Actor: "bob", Flags: map[string]json.RawMessage{"b": json.RawMessage(`{}`)}},
		},
	}
	for now, want := range map[string]string{
		"2025-04-20": "",
		"2025-06-01": `flags.json:1: flag "a" is on for everyone (100% rollout; live patch {"percentage_rollout":100}) and flags.json is unchanged since 2024-01-01 (last live change at or before 2025-04-01 (the audit trail no longer holds it)): ready to remove; run flaggen remove -spec flags.json -keep on a` + "\n",
	} {
		ds := mustCheckSpec(t, s, Options{Dir: "/", Now: day(now), SpecChanged: committed, Live: &Live{Store: st}})
		var got string
		for _, d := range ds {
			if strings.Contains(d.Message, `"a"`) {
				got += d.String() + "\n"
			}
		}
		if got != want {
			t.Errorf("now %s: got\n%s\nwant\n%s", now, got, want)
		}
	}

	down := errors.New("dial tcp: connection refused")
	_, err = CheckSpec(s, Options{Dir: "/", SpecChanged: committed, Live: &Live{Store: stubStore{err: down}}})
	var le *LiveError
	if !errors.As(err, &le) || !errors.Is(err, down) {
		t.Errorf("store down: error %v (%T), want a *LiveError wrapping the store's", err, err)
	}
}
