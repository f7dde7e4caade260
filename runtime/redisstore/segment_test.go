package redisstore_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/flaggen/flaggen/internal/redistest"
	"github.com/flaggen/flaggen/runtime"
	"github.com/flaggen/flaggen/runtime/flagimpl"
)

// segmentSpec: flags f and g both use segment beta (an include list), h
// none; segment eu names segment beta.
const segmentSpec = `{
  "segments": {"beta": {"include": [1]}, "eu": {"regions": ["RO"], "segments": ["beta"]}},
  "flags": {"f": {"active": true, "segments": ["beta"]}, "g": {"active": true, "segments": ["eu"]}, "h": {"active": true, "users": [1]}}
}`

// TestSegmentPatchOverRedis: an operator adds a user to a segment once,
// and every flag that uses it follows on every instance; a segment patch
// that closes a cycle is refused with a located error, nothing written.
func TestSegmentPatchOverRedis(t *testing.T) {
	srv := redistest.Start(t)
	ctx := context.Background()
	var clients []*runtime.Client
	for range 2 {
		c, err := runtime.NewClient(flagimpl.MustLoadSpec("flags.json", []byte(segmentSpec)), runtime.WithStore(newStore(t, srv.Addr())), runtime.WithLogger(discard))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { c.Close() })
		clients = append(clients, c)
	}
	// user_id, region, account_type, beta_program: the seed's context.
	user7 := []runtime.Value{runtime.Int(7), runtime.String("RO")}
	on := func(c *runtime.Client, flag string) bool { return c.Evaluate(ctx, flag, user7) == true }
	for _, c := range clients {
		if on(c, "f") || on(c, "g") {
			t.Fatal("user 7 in segment beta before the patch")
		}
	}
	c1 := clients[0]
	if err := c1.Change(ctx, runtime.Edit{Actor: "ops", Reason: "beta tester", Flags: map[string]json.RawMessage{"segment:beta": json.RawMessage(`{"include": [1, 7]}`)}}); err != nil {
		t.Fatal(err)
	}
	waitFor(t, 2*time.Second, "f and g on for user 7 on both clients", func() bool {
		return on(clients[0], "f") && on(clients[1], "f") && on(clients[0], "g") && on(clients[1], "g")
	})
	if e := clients[1].ExplainName(ctx, "g", user7); !strings.Contains(e.Reason, "segment eu: every targeting check passes, and it is in segment beta") {
		t.Errorf("explanation %q does not name the segment", e.Reason)
	}
	st, err := c1.Store().Load(ctx)
	if err != nil {
		t.Fatal(err)
	}
	trail, err := c1.Store().Audit(ctx, "segment:beta", 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(trail) == 0 || trail[0].Actor != "ops" || trail[0].Reason != "beta tester" || string(trail[0].Flags["segment:beta"]) != `{"include":[1,7]}` {
		t.Errorf("audit trail %+v, want the segment change by ops", trail)
	}
	// A cycle: beta names eu, which names beta.
	err = c1.Change(ctx, runtime.Edit{Actor: "ops", Flags: map[string]json.RawMessage{"segment:beta": json.RawMessage(`{"segments": ["eu"]}`)}})
	if err == nil || !strings.Contains(err.Error(), `live change refused: segment "beta": patch:1:30: /segments/0: segment cycle beta → eu → beta`) {
		t.Fatalf("a cycle: %v", err)
	}
	// Unknown segments and bad values.
	for patch, want := range map[string]string{
		`{"segments": ["nope"]}`: `/segments/0: unknown segment "nope"`,
		`{"include": ["x"]}`:     `/include/0: must be an integer, got string`,
	} {
		err := c1.Change(ctx, runtime.Edit{Actor: "ops", Flags: map[string]json.RawMessage{"segment:beta": json.RawMessage(patch)}})
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: %v, want %s", patch, err, want)
		}
	}
	if err := c1.Change(ctx, runtime.Edit{Actor: "ops", Flags: map[string]json.RawMessage{"segment:nope": json.RawMessage(`{}`)}}); err == nil || !strings.Contains(err.Error(), `unknown segment "nope"`) {
		t.Errorf("a patch of an unknown segment: %v", err)
	}
	after, err := c1.Store().Load(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if after.Version != st.Version {
		t.Errorf("refused changes wrote: version %d, was %d", after.Version, st.Version)
	}
	for _, c := range clients {
		if err := c.Health(); err != nil {
			t.Errorf("health: %v", err)
		}
	}
}
