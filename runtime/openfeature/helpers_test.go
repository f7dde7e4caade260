package openfeature

import (
	"context"
	"testing"

	of "github.com/open-feature/go-sdk/openfeature"
	"github.com/open-feature/go-sdk/openfeature/isolated"

	"github.com/flaggen/flaggen/internal/demotest"
	"github.com/flaggen/flaggen/runtime"
)

// demoFlags and redisFlags are demotest's.
var (
	demoFlags  = demotest.Flags
	redisFlags = demotest.RedisFlags
)

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
