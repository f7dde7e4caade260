package emptyctx

import (
	"context"
	"testing"

	"github.com/flaggen/flaggen/internal/lint/testdata/emptyctx/flags"
)

// A test may pin down what the empty context does: not reported.
func TestEmptyContext(t *testing.T) {
	f := flags.MustNew()
	if !f.Targeted(context.Background(), nil) {
		t.Error("the empty context is on")
	}
}
