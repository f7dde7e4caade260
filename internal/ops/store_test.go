package ops

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/flaggen/flaggen/runtime"
	"github.com/flaggen/flaggen/runtime/memstore"
)

// TestOpenStore: a session on the memory store writes through the same
// plans as one on a Redis, and a Client of the store's app sees the
// write; without -spec it takes the spec recorded in the store.
func TestOpenStore(t *testing.T) {
	st := memstore.New()
	defer st.Close()
	if _, err := OpenStore(st, "the memory store", Config{Timeout: time.Second}); err == nil || !strings.Contains(err.Error(), "no spec recorded in the memory store") {
		t.Errorf("OpenStore without a spec: %v", err)
	}
	sp, err := runtime.LoadSpec("flags.json", []byte(testSpec))
	if err != nil {
		t.Fatal(err)
	}
	app, err := runtime.NewClient(sp, runtime.WithStore(st)) // registers the flags, records the spec
	if err != nil {
		t.Fatal(err)
	}
	defer app.Close()
	s, err := OpenStore(st, "the memory store", Config{Timeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if !s.Recorded || s.Store != nil || s.Where != "the memory store" {
		t.Errorf("session %+v", s)
	}
	if on := app.Evaluate(context.Background(), "other", nil); on != true {
		t.Fatalf("other = %v before the write", on)
	}
	changed := make(chan struct{}, 1)
	defer app.OnChange(func([]string) {
		select {
		case changed <- struct{}{}:
		default:
		}
	})()
	wrote, err := s.WriteFlag(FlagWrite{Flag: "other", Actor: "me", Reason: "test", Plan: SetActive(false)})
	if err != nil || !wrote {
		t.Fatalf("WriteFlag = %v, %v", wrote, err)
	}
	<-changed
	if on := app.Evaluate(context.Background(), "other", nil); on != false {
		t.Errorf("the app's Client serves other = %v after the write, want false", on)
	}
	if _, err := s.WriteFlag(FlagWrite{Flag: "new_ui", Actor: "me", Plan: SetField("percentage_rollout", json.RawMessage(`"lots"`))}); err == nil {
		t.Error("a patch the spec refuses was written")
	}
	trail, err := st.Audit(context.Background(), "other", 0)
	if err != nil || len(trail) != 1 || trail[0].Actor != "me" {
		t.Errorf("audit %+v, %v", trail, err)
	}
	if err := s.StoreHealth(); err != nil {
		t.Errorf("StoreHealth of the memory store: %v", err)
	}
	if _, err := OpenStore(st, "x", Config{}); err == nil {
		t.Error("OpenStore without a timeout: no error")
	}
}

// TestFieldChecks: the checks the CLI and the admin API share.
func TestFieldChecks(t *testing.T) {
	for _, c := range []struct{ in, want string }{{"25", "25"}, {"12.5%", "12.5"}, {"0", "0"}, {"100", "100"}} {
		if got, err := ParseRollout("PCT", c.in); err != nil || string(got) != c.want {
			t.Errorf("ParseRollout(%q) = %s, %v", c.in, got, err)
		}
	}
	for _, in := range []string{"-1", "100.5", "NaN", "x", "", "Inf"} {
		if _, err := ParseRollout("PCT", in); err == nil {
			t.Errorf("ParseRollout(%q): no error", in)
		}
	}
	if err := RequireReason("-reason", " \t"); err == nil {
		t.Error("RequireReason of a blank reason: no error")
	}
	if err := CheckPatchField("revert", "regoins"); err == nil || !strings.Contains(err.Error(), "did you mean regions?") {
		t.Errorf("CheckPatchField(regoins) = %v", err)
	}
}
