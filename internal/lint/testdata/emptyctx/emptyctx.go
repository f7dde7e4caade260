// Package emptyctx evaluates flags on empty contexts: the fixture of lint's
// empty-context check, whose expected diagnostics are its want comments.
package emptyctx

import (
	"context"

	"github.com/flaggen/flaggen/internal/lint/testdata/emptyctx/flags"
)

// targetedFlag is how a handler may receive the flag: through an interface.
type targetedFlag interface {
	Targeted(ctx context.Context, c *flags.Context) bool
}

// Calls evaluates every flag, on empty contexts and on real ones.
func Calls(ctx context.Context, f *flags.Flags, c *flags.Context, i targetedFlag) error {
	_ = f.Targeted(ctx, nil)                                   // want `^Targeted gets a nil Context: flag "targeted" has regions, percentage_rollout, but an empty context is on for everyone`
	_ = f.Targeted(ctx, &flags.Context{})                      // want `^Targeted gets an empty Context: `
	_ = f.Targeted(ctx, (new(flags.Context)))                  // want `^Targeted gets an empty Context \(new\): `
	_ = f.Targeted(ctx, &flags.Context{UserID: 0, Region: ""}) // want `^Targeted gets a Context whose every field is zero`
	_ = i.Targeted(ctx, nil)                                   // want `^Targeted gets a nil Context: flag "targeted"`
	_ = f.Targeted(ctx, &flags.Context{UserID: 7})             // a user: fine
	_ = f.Targeted(ctx, c)                                     // the caller's: fine
	_ = f.Plain(ctx, nil)                                      // no targeting: the same for everyone
	_ = f.Everyone(ctx, nil)                                   // a 100% rollout: the same for everyone
	_ = f.Theme(ctx, nil)                                      // a variant flag: the empty context gets the default
	s, err := flags.NewSearchFactory(f, flags.SearchImpls[string]{New: "new", Old: "old"})
	if err != nil {
		return err
	}
	_ = s.Get(ctx, nil) // want `^SearchFactory.Get gets a nil Context: flag "search" has percentage_rollout, `
	_ = s.Get(ctx, c)
	return nil
}
