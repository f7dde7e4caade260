// Command app uses a flags package generated with -accessors=funcs, whose
// accessors are functions and whose handles have a "Flag" suffix.
package main

import (
	"context"
	"fmt"
	"io"
	"os"

	"github.com/flaggen/flaggen/removetest/funcs/flags"
	"github.com/flaggen/flaggen/runtime"
)

// watched are the handles the app reports.
var watched = []runtime.Handle{flags.NewCheckoutFlag, flags.PageSizeFlag}

// Page writes the page for c.
func Page(ctx context.Context, w io.Writer, f *flags.Flags, c *flags.Context) {
	if flags.NewCheckout(f, ctx, c) {
		fmt.Fprintln(w, "new checkout")
	} else {
		fmt.Fprintln(w, "old checkout")
	}
	fmt.Fprintln(w, "page size", flags.PageSize(f, ctx, c), "of", flags.NewCheckoutFlag.Name(), len(watched))
}

func main() {
	f := flags.MustNew()
	defer f.Close()
	Page(context.Background(), os.Stdout, f, &flags.Context{UserID: 7})
}
