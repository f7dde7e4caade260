package redisstore_test

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/flaggen/flaggen/internal/redistest"
	"github.com/flaggen/flaggen/runtime/redisstore"
	"github.com/flaggen/flaggen/runtime/store"
)

// owner returns the address of the cluster node that serves key.
func owner(t *testing.T, c *redistest.Cluster, key string) string {
	t.Helper()
	for _, a := range c.Addrs() {
		if _, err := redistest.Do(a, "GET", key); err == nil {
			return a
		} else if !strings.HasPrefix(err.Error(), "MOVED") {
			t.Fatal(err)
		}
	}
	t.Fatalf("no node serves %s", key)
	return ""
}

func TestCluster(t *testing.T) {
	t.Parallel() // its own cluster; most of its time is waiting for the nodes
	cl := redistest.StartCluster(t, 3)
	ctx := context.Background()
	// Two namespaces on different masters.
	ns1, ns2 := "shop", ""
	own1 := owner(t, cl, "flaggen:{shop}:version")
	for i := 0; ns2 == ""; i++ {
		if cand := fmt.Sprint("ns", i); owner(t, cl, "flaggen:{"+cand+"}:version") != own1 {
			ns2 = cand
		}
	}
	newCluster := func() redis.UniversalClient { return newClient(t, cl.Addrs()...) }
	for _, ns := range []string{ns1, ns2} {
		a := newStoreOn(t, newCluster(), redisstore.WithNamespace(ns))
		b := newStoreOn(t, newCluster(), redisstore.WithNamespace(ns))
		if _, ok := newCluster().(*redis.ClusterClient); !ok {
			t.Fatal("UniversalClient with several addresses is not a ClusterClient")
		}
		mustLoad(t, b)
		w, err := b.Watch(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if err := a.Register(ctx, map[string]json.RawMessage{"x": raw(`{}`), "y": raw(`{"active":true}`)}); err != nil {
			t.Fatalf("%s: Register: %v", ns, err)
		}
		v, err := a.Merge(ctx, store.Change{Actor: "t", Reason: ns, Flags: map[string]json.RawMessage{"x": raw(`{"active":false,"regions":["US"]}`)}})
		if err != nil {
			t.Fatalf("%s: Merge: %v", ns, err)
		}
		waitFor(t, time.Second, ns+": propagated", func() bool {
			select {
			case <-w:
			default:
			}
			st, err := b.Load(ctx)
			return err == nil && st.Version == v && string(st.Flags["x"]) == `{"active":false,"regions":["US"]}` && string(st.Flags["y"]) == `{"active":true}`
		})
		if au, err := b.Audit(ctx, "x", 0); err != nil || len(au) != 1 || au[0].Reason != ns {
			t.Fatalf("%s: Audit = %+v, %v", ns, au, err)
		}
		if tot, err := b.AddCounters(ctx, []store.CounterDelta{{Flag: "x", Name: "errors", Delta: 4}}); err != nil || tot[0] != 4 {
			t.Fatalf("%s: AddCounters = %v, %v", ns, tot, err)
		}
		if err := a.AppendFeedback(ctx, "x", store.Feedback{Text: "hi"}); err != nil {
			t.Fatal(err)
		}
		// Every key of the namespace sits on the one node owning its slot.
		own := owner(t, cl, "flaggen:{"+ns+"}:version")
		for _, part := range []string{"patches", "version", "audit", "counters:x", "feedback:x"} {
			if n, err := redistest.Do(own, "EXISTS", a.Key(part)); err != nil || n != "1" {
				t.Errorf("%s: key %s not on %s (%q, %v)", ns, a.Key(part), own, n, err)
			}
		}
	}
	// The namespaces stay apart.
	s1 := newStoreOn(t, newCluster(), redisstore.WithNamespace(ns1))
	s2 := newStoreOn(t, newCluster(), redisstore.WithNamespace(ns2))
	if _, err := s1.Apply(ctx, store.Change{Actor: "t", Flags: map[string]json.RawMessage{"only1": raw(`{}`)}}); err != nil {
		t.Fatal(err)
	}
	if st := mustLoad(t, s2); st.Flags["only1"] != nil || st.Version != 2 {
		t.Fatalf("%s sees %d %s", ns2, st.Version, st.Flags)
	}
}
