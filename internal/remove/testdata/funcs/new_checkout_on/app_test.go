package main

import (
	"context"
	"strings"
	"testing"

	"github.com/flaggen/flaggen/removetest/funcs/flags"
)

func TestNewCheckout(t *testing.T) {
	f := flags.MustNew()
	defer f.Close()
	var b strings.Builder
	Page(context.Background(), &b, f, nil)
	if !strings.Contains(b.String(), "new checkout") {
		t.Errorf("page:\n%s", b.String())
	}
}
