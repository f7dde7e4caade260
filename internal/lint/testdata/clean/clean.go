// Package clean uses every flag of its spec: lint finds nothing.
package clean

import (
	"context"

	"github.com/flaggen/flaggen/internal/lint/testdata/clean/flags"
)

// Beta reports whether the beta flag is on for c.
func Beta(ctx context.Context, f *flags.Flags, c *flags.Context) bool {
	return f.Beta(ctx, c)
}
