package runtime

import (
	"context"
	"encoding/json"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/flaggen/flaggen/runtime/filestore"
	"github.com/flaggen/flaggen/runtime/store"
)

func TestFileStoreHotReload(t *testing.T) {
	// A synctest bubble: the store's polls run on a fake clock, so the
	// bounds below count polls, whatever the machine's load.
	synctest.Test(t, func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "live.json")
		var logs syncBuffer
		log := slog.New(slog.NewTextHandler(&logs, nil))
		backend, err := filestore.New(path, log)
		if err != nil {
			t.Fatal(err)
		}
		defer backend.Close()
		// The seed spec's activation dates lie ahead of the fake clock's
		// start (2000): a spec of its own.
		s := mustLoadSpec("flags.json", []byte(`{"flags": {"new_ui": {"active": true}, "advanced_search": {"active": true}}}`))
		c := newClient(t, s, WithStore(backend), WithLogger(log))
		ctx := context.Background()
		newUI := s.byName["new_ui"]
		var us []Value
		if !c.evalBool(newUI, us) {
			t.Fatal("new_ui off at start")
		}
		// The client registered the spec's flags in the file.
		data, _ := os.ReadFile(path)
		if !strings.Contains(string(data), `"advanced_search": {}`) {
			t.Fatalf("file after start:\n%s", data)
		}
		// An operator edits the file by hand: picked up within a second.
		var doc map[string]any
		json.Unmarshal(data, &doc)
		doc["flags"].(map[string]any)["new_ui"] = map[string]any{"active": false}
		edited, _ := json.Marshal(doc)
		start := time.Now()
		os.WriteFile(path, edited, 0o644)
		waitFor(t, func() bool { return !c.evalBool(newUI, us) })
		// The design bound is 1 s: the file is polled every 250 ms and read
		// in full at every fourth poll even when its size and time agree.
		if d := time.Since(start); d > 4*filestore.PollInterval {
			t.Errorf("hot reload took %v of the fake clock, more than four polls", d)
		}
		if a, _ := c.Audit(ctx, "new_ui", 1); len(a) != 1 || !strings.HasPrefix(a[0].Actor, "file:") {
			t.Errorf("hand edit not audited: %+v", a)
		}
		// A broken file keeps the last good state and says why.
		os.WriteFile(path, []byte(`{"version": 99, "flags": {"new_ui": {"active": tru`), 0o644)
		waitFor(t, func() bool { return strings.Contains(logs.String(), "live-state file unusable") })
		// Logged once per distinct content, not at every poll: on the fake
		// clock the pause is five polls, and synctest.Wait lets them finish.
		time.Sleep(5 * filestore.PollInterval)
		synctest.Wait()
		if n := strings.Count(logs.String(), "live-state file unusable"); n != 1 {
			t.Errorf("broken file logged %d times over 5 polls, want once", n)
		}
		os.WriteFile(path, []byte(`{"version": 99, "flags": {"new_ui": 3}}`), 0o644)
		waitFor(t, func() bool { return strings.Count(logs.String(), "live-state file unusable") == 2 })
		if c.evalBool(newUI, us) {
			t.Error("broken file changed the state")
		}
		if err := c.Set(ctx, "new_ui", json.RawMessage(`{"active":true}`), "ops", ""); err == nil {
			t.Error("write over a broken file succeeded")
		}
		// Fixed again: followed again; reopening keeps everything.
		os.WriteFile(path, edited, 0o644)
		if err := c.Set(ctx, "new_ui", json.RawMessage(`{"active":true}`), "ops", "back"); err != nil {
			t.Fatal(err)
		}
		if !c.evalBool(newUI, us) {
			t.Error("new_ui off after re-enabling")
		}
		backend.AppendFeedback(ctx, "new_ui", store.Feedback{Text: "nice"})
		store2, err := filestore.New(path, log)
		if err != nil {
			t.Fatal(err)
		}
		defer store2.Close()
		st, _ := store2.Load(ctx)
		fb, _ := store2.Feedback(ctx, "new_ui")
		a, _ := store2.Audit(ctx, "new_ui", 0)
		if string(st.Flags["new_ui"]) != `{"active":true}` || len(fb) != 1 || len(a) < 2 {
			t.Errorf("reopened: flags %s, feedback %v, audit %d", st.Flags["new_ui"], fb, len(a))
		}
	})
}
