package redisstore_test

import (
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/flaggen/flaggen/internal/redistest"
	"github.com/flaggen/flaggen/runtime/redisstore"
	"github.com/flaggen/flaggen/runtime/store"
	"github.com/flaggen/flaggen/runtime/storetest"
)

// TestConformance runs the runtime's Store conformance suite, each store in
// a fresh namespace of one real redis-server.
func TestConformance(t *testing.T) {
	srv := redistest.Start(t)
	var n atomic.Int64
	storetest.TestStore(t, func(t *testing.T) store.Store {
		s, err := redisstore.New(newClient(t, srv.Addr()), redisstore.WithNamespace(fmt.Sprint("conformance", n.Add(1))))
		if err != nil {
			t.Fatal(err)
		}
		return s
	})
}

func TestConformanceCluster(t *testing.T) {
	t.Parallel() // its own cluster; most of its time is waiting for the nodes
	cl := redistest.StartCluster(t, 3)
	var n atomic.Int64
	storetest.TestStore(t, func(t *testing.T) store.Store {
		s, err := redisstore.New(newClient(t, cl.Addrs()...), redisstore.WithNamespace(fmt.Sprint("conformance", n.Add(1))))
		if err != nil {
			t.Fatal(err)
		}
		return s
	})
}

// TestConformanceShared runs the shared-store checks over two stores of one
// namespace; the watching one checks Redis' version only hourly, so a
// change reaches it by pub/sub alone.
func TestConformanceShared(t *testing.T) {
	srv := redistest.Start(t)
	storetest.TestShared(t, func(t *testing.T) (store.Store, store.Store) {
		a, err := redisstore.New(newClient(t, srv.Addr()), redisstore.WithNamespace("shared"), redisstore.WithCheckInterval(time.Hour))
		if err != nil {
			t.Fatal(err)
		}
		b, err := redisstore.New(newClient(t, srv.Addr()), redisstore.WithNamespace("shared"))
		if err != nil {
			a.Close()
			t.Fatal(err)
		}
		return a, b
	})
}
