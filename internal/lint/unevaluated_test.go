package lint

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/flaggen/flaggen/internal/redistest"
	"github.com/flaggen/flaggen/internal/spec"
	"github.com/flaggen/flaggen/runtime/memstore"
	"github.com/flaggen/flaggen/runtime/redisstore"
	"github.com/flaggen/flaggen/runtime/store"
)

const evalSpecSrc = `{
  "flags": {
    "recent": {"active": true, "kind": "ops"},
    "idle": {"active": true, "kind": "ops"},
    "staging_only": {"active": true, "kind": "ops"}
  }
}`

// TestUnevaluated reports, by the evaluation counts in a real Redis, the
// flags not evaluated in an environment for N days at an injected time:
// last evaluated too long ago, or never while counting began long ago; a
// recent evaluation hides a flag, and an environment where counting never
// began reports nothing but says so once.
func TestUnevaluated(t *testing.T) {
	srv := redistest.Start(t)
	s, err := spec.Parse("flags.json", []byte(evalSpecSrc))
	if err != nil {
		t.Fatal(err)
	}
	rdb := redis.NewClient(&redis.Options{Addr: srv.Addr()})
	t.Cleanup(func() { rdb.Close() })
	st, err := redisstore.New(rdb, redisstore.WithNamespace("evals"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	err = st.AddExposure(context.Background(), []store.ExposureDelta{
		{Flag: "idle", Env: "production", Variant: "on", Count: 5, Last: day("2025-03-01")}, // counting begins
		{Flag: "idle", Env: "production", Variant: "on", Count: 1, Last: day("2025-04-01")},
		{Flag: "recent", Env: "production", Variant: "on", Count: 9, Last: day("2025-05-30")},
		{Flag: "staging_only", Env: "staging", Variant: "off", Count: 2, Last: day("2025-05-31")},
	})
	if err != nil {
		t.Fatal(err)
	}
	committed := func(string) (time.Time, bool) { return day("2025-01-01"), true }
	at := func(line string) string { return "flags.json:" + line + ": " }
	for _, tc := range []struct {
		name, now, env string
		days           int
		want, note     string
	}{
		{"defaults", "2025-06-01", "", 0,
			at("4") + `flag "idle" not evaluated in production for 61 days (last 2025-04-01): is it still used?` + "\n" +
				at("5") + `flag "staging_only" never evaluated in production since counting began 2025-03-01 (92 days): is it still used?` + "\n", ""},
		{"90 days", "2025-06-01", "production", 90,
			at("5") + `flag "staging_only" never evaluated in production since counting began 2025-03-01 (92 days): is it still used?` + "\n", ""},
		{"earlier", "2025-03-20", "", 30, "", ""},
		{"staging", "2025-06-01", "staging", 0,
			at("3") + `flag "recent" never evaluated in staging since counting began 2025-05-31 (1 day): is it still used?` + "\n" +
				at("4") + `flag "idle" never evaluated in staging since counting began 2025-05-31 (1 day): is it still used?` + "\n" +
				at("5") + `flag "staging_only" not evaluated in staging for 1 day (last 2025-05-31): is it still used?` + "\n", ""},
		{"never counted", "2025-06-01", "qa", 0, "", `no evaluations were ever counted in environment "qa"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var notes []string
			live := &Live{Store: store.ReadOnly(st), EvalEnv: tc.env, Unevaluated: time.Duration(tc.days) * 24 * time.Hour, Note: func(m string) { notes = append(notes, m) }}
			if tc.name == "staging" {
				live.Unevaluated = time.Hour // so that a day of counting is long enough
			}
			ds := mustCheckSpec(t, s, Options{Dir: "/", Now: day(tc.now), SpecChanged: committed, Live: live})
			if got := diagLines(sortDiags(ds)); got != tc.want {
				t.Errorf("findings:\n%s\nwant:\n%s", got, tc.want)
			}
			if tc.note == "" && len(notes) > 0 || tc.note != "" && (len(notes) != 1 || !strings.Contains(notes[0], tc.note)) {
				t.Errorf("notes %q, want %q once", notes, tc.note)
			}
		})
	}
}

// TestUnevaluatedAfterReset: a flag whose exposure counts were reset
// (store.Store.ResetExposure, which forgets its last evaluation) is
// reported by the time since the reset, not as never evaluated since
// counting began.
func TestUnevaluatedAfterReset(t *testing.T) {
	s, err := spec.Parse("flags.json", []byte(evalSpecSrc))
	if err != nil {
		t.Fatal(err)
	}
	st := memstore.New()
	t.Cleanup(func() { st.Close() })
	ctx := context.Background()
	err = st.AddExposure(ctx, []store.ExposureDelta{
		{Flag: "idle", Env: "production", Variant: "on", Count: 5, Last: day("2025-03-01")}, // counting begins
		{Flag: "recent", Env: "production", Variant: "on", Count: 9, Last: day("2025-05-30")},
		{Flag: "staging_only", Env: "production", Variant: "on", Count: 1, Last: day("2025-05-30")},
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := st.ResetExposure(ctx, "idle", "production", day("2025-04-01")); err != nil {
		t.Fatal(err)
	}
	if err := st.ResetExposure(ctx, "recent", "production", day("2025-05-31")); err != nil {
		t.Fatal(err)
	}
	committed := func(string) (time.Time, bool) { return day("2025-01-01"), true }
	live := &Live{Store: store.ReadOnly(st), Unevaluated: 30 * 24 * time.Hour}
	ds := mustCheckSpec(t, s, Options{Dir: "/", Now: day("2025-06-01"), SpecChanged: committed, Live: live})
	want := `flags.json:4: flag "idle" not evaluated in production since its counts were reset 2025-04-01 (61 days): is it still used?` + "\n"
	if got := diagLines(sortDiags(ds)); got != want {
		t.Errorf("findings:\n%s\nwant:\n%s", got, want)
	}
}
