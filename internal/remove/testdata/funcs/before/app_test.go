package main

import (
	"context"
	"strings"
	"testing"

	"github.com/flaggen/flaggen/removetest/funcs/flags"
	"github.com/flaggen/flaggen/runtime"
)

func TestNewCheckout(t *testing.T) {
	f := flags.MustNew()
	defer f.Close()
	runtime.ToggleAs(t, f, flags.NewCheckoutFlag, true)
	var b strings.Builder
	Page(context.Background(), &b, f, nil)
	if !strings.Contains(b.String(), "new checkout") {
		t.Errorf("page:\n%s", b.String())
	}
}
