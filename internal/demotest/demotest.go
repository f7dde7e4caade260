// Package demotest gives tests of the serving packages (runtime/flaghttp, runtime/openfeature) the generated demo package (generated/demo): Flags over a real Redis and each flag's typed accessor by name.
package demotest

import (
	"context"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/flaggen/flaggen/generated/demo"
	"github.com/flaggen/flaggen/runtime"
	"github.com/flaggen/flaggen/runtime/redisstore"
)

// Flags returns demo Flags with opts, closed at the end of the test.
func Flags(t testing.TB, opts ...runtime.Option) *demo.Flags {
	t.Helper()
	f, err := demo.New(opts...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	return f
}

// RedisFlags returns demo Flags over the Redis at addr (one of
// internal/redistest's), in namespace ns, with short timeouts so that an
// outage shows at once, and opts.
func RedisFlags(t testing.TB, addr, ns string, opts ...runtime.Option) *demo.Flags {
	t.Helper()
	rdb := redis.NewClient(&redis.Options{Addr: addr, DialTimeout: 200 * time.Millisecond, ReadTimeout: 500 * time.Millisecond,
		WriteTimeout: 500 * time.Millisecond, MaxRetries: 1})
	t.Cleanup(func() { rdb.Close() })
	st, err := redisstore.New(rdb, redisstore.WithNamespace(ns))
	if err != nil {
		t.Fatal(err)
	}
	return Flags(t, append(opts, runtime.WithStore(st))...)
}

// Accessor evaluates the demo flag name for c with its generated accessor:
// a bool, string, int64 or float64.
func Accessor(f *demo.Flags, name string, c *demo.Context) any {
	ctx := context.Background()
	switch name {
	case "advanced_search":
		return f.AdvancedSearch(ctx, c)
	case "checkout_button":
		return f.CheckoutButton(ctx, c)
	case "discount_rate":
		return f.DiscountRate(ctx, c)
	case "legacy_export":
		//lint:ignore SA1019 differential tests cover every flag, expired ones too
		return f.LegacyExport(ctx, c)
	case "maintenance_mode":
		return f.MaintenanceMode(ctx, c)
	case "max_results":
		return f.MaxResults(ctx, c)
	case "native_share":
		return f.NativeShare(ctx, c)
	case "new_ui":
		return f.NewUI(ctx, c)
	case "search_engine":
		return string(f.SearchEngine(ctx, c))
	}
	panic("demotest: no accessor for " + name)
}
