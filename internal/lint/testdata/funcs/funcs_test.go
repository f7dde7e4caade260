package funcs

import (
	"context"
	"testing"

	"github.com/flaggen/flaggen/internal/lint/testdata/funcs/flags"
)

func TestTested(t *testing.T) {
	f := flags.MustNew()
	defer f.Close()
	if !flags.Tested(f, context.Background(), nil) {
		t.Error("tested is off")
	}
}
