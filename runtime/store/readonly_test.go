package store_test

import (
	"context"
	"encoding/json"
	"errors"
	"testing"
	"time"

	"github.com/flaggen/flaggen/runtime/memstore"
	"github.com/flaggen/flaggen/runtime/store"
)

func TestReadOnly(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	mem := memstore.New()
	if _, err := mem.Apply(ctx, store.Change{Actor: "op", Flags: map[string]json.RawMessage{"a": json.RawMessage(`{"active":false}`)}}); err != nil {
		t.Fatal(err)
	}
	ro := store.ReadOnly(mem)
	if _, ok := ro.(store.SpecRecorder); ok {
		t.Error("the read-only view implements SpecRecorder")
	}
	if err := ro.Register(ctx, map[string]json.RawMessage{"b": json.RawMessage(`{}`)}); err != nil {
		t.Errorf("Register: %v", err)
	}
	if _, err := ro.Apply(ctx, store.Change{Actor: "op", Flags: map[string]json.RawMessage{"a": nil}}); !errors.Is(err, store.ErrReadOnly) {
		t.Errorf("Apply: %v", err)
	}
	if _, err := ro.AddCounters(ctx, []store.CounterDelta{{Flag: "a", Name: store.CounterErrors, Delta: 1}}); !errors.Is(err, store.ErrReadOnly) {
		t.Errorf("AddCounters: %v", err)
	}
	if err := ro.ResetCounters(ctx, "a"); !errors.Is(err, store.ErrReadOnly) {
		t.Errorf("ResetCounters: %v", err)
	}
	if err := ro.AppendFeedback(ctx, "a", store.Feedback{Text: "x"}); !errors.Is(err, store.ErrReadOnly) {
		t.Errorf("AppendFeedback: %v", err)
	}
	if err := mem.AddExposure(ctx, []store.ExposureDelta{{Flag: "a", Env: "production", Variant: "on", Count: 2, Last: time.Now()}}); err != nil {
		t.Fatal(err)
	}
	if err := ro.AddExposure(ctx, []store.ExposureDelta{{Flag: "a", Env: "production", Variant: "on", Count: 1, Last: time.Now()}}); !errors.Is(err, store.ErrReadOnly) {
		t.Errorf("AddExposure: %v", err)
	}
	if es, err := ro.Exposure(ctx, "a"); err != nil || len(es) != 1 || es[0].Variants["on"] != 2 {
		t.Errorf("Exposure through the view = %+v, %v; want the 2 added to the store", es, err)
	}
	st, err := ro.Load(ctx)
	if err != nil || st.Version != 1 || len(st.Flags) != 1 || string(st.Flags["a"]) != `{"active":false}` {
		t.Errorf("Load through the view = %+v, %v; want version 1 with a's patch only", st, err)
	}
	if h, ok := ro.(store.HealthReporter); !ok || h.Health() != nil {
		t.Errorf("Health of a view over a healthy store: ok %v", ok)
	}
	if err := ro.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := mem.Load(ctx); !errors.Is(err, store.ErrClosed) {
		t.Errorf("Close of the view did not close the store: %v", err)
	}
}

func TestIsNull(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		p    string
		want bool
	}{{"", true}, {" null ", true}, {"null", true}, {"{}", false}, {`{"active":null}`, false}, {"nul", false}} {
		if got := store.IsNull(json.RawMessage(c.p)); got != c.want {
			t.Errorf("IsNull(%q) = %v, want %v", c.p, got, c.want)
		}
	}
}

func TestChangeCheck(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		name string
		ch   store.Change
		ok   bool
	}{
		{"plain", store.Change{Actor: "alice", Reason: "ramp up"}, true},
		{"blank actor", store.Change{Actor: "  "}, false},
		{"newline in reason", store.Change{Actor: "alice", Reason: "a\nb"}, false},
		{"bidi control in actor", store.Change{Actor: "al\u202eice"}, false},
		{"invalid UTF-8", store.Change{Actor: "al\xffice"}, false},
	} {
		if err := c.ch.Check(); (err == nil) != c.ok {
			t.Errorf("%s: Check() = %v", c.name, err)
		}
	}
}
