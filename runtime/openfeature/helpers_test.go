package openfeature

import (
	"context"
	"testing"
	"time"

	of "github.com/open-feature/go-sdk/openfeature"
	"github.com/open-feature/go-sdk/openfeature/isolated"
	"github.com/redis/go-redis/v9"

	"github.com/flaggen/flaggen/generated/demo"
	"github.com/flaggen/flaggen/runtime"
	"github.com/flaggen/flaggen/runtime/redisstore"
)

// demoFlags returns the demo spec's generated Flags, closed at the end of
// the test.
func demoFlags(t testing.TB, opts ...runtime.Option) *demo.Flags {
	t.Helper()
	f, err := demo.New(opts...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	return f
}

// redisFlags returns demo Flags over the Redis at addr, with short
// timeouts so that an outage shows at once.
func redisFlags(t testing.TB, addr, ns string) *demo.Flags {
	t.Helper()
	rdb := redis.NewClient(&redis.Options{Addr: addr, DialTimeout: 200 * time.Millisecond, ReadTimeout: 500 * time.Millisecond,
		WriteTimeout: 500 * time.Millisecond, MaxRetries: 1})
	t.Cleanup(func() { rdb.Close() })
	st, err := redisstore.New(rdb, redisstore.WithNamespace(ns))
	if err != nil {
		t.Fatal(err)
	}
	return demoFlags(t, runtime.WithStore(st))
}

// sdkClient registers a Provider over c in an OpenFeature API of the
// test's own (the SDK's isolated API, so that tests run in parallel) and
// returns a client of it, as an app would.
func sdkClient(t testing.TB, c *runtime.Client, opts ...Option) (*of.Client, *Provider) {
	t.Helper()
	p, err := New(c, opts...)
	if err != nil {
		t.Fatal(err)
	}
	api := isolated.NewAPI()
	t.Cleanup(func() { api.Shutdown(context.Background()) })
	if err := api.SetProviderAndWait(context.Background(), p); err != nil {
		t.Fatal(err)
	}
	return api.NewClient(), p
}
