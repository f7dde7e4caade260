package runtime

// This file bridges the runtime to the parts of internal/spec that are not
// merged yet (Parse, DecodePatch, Apply). It is replaced by load.go and
// live.go as soon as they are.

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
)

var errSpecPending = errors.New("runtime: needs internal/spec.Parse/DecodePatch, not merged yet")

// LoadSpec parses and validates a spec.
func LoadSpec(file string, src []byte) (*Spec, error) {
	return nil, fmt.Errorf("%s: %w", file, errSpecPending)
}

// MustLoadSpec is LoadSpec for generated code: it panics on error.
func MustLoadSpec(file string, src []byte) *Spec {
	s, err := LoadSpec(file, src)
	if err != nil {
		panic(err)
	}
	return s
}

type livePatch struct{}

func (c *Client) applyStateLocked(st State) { c.version = st.Version }

// Set changes one flag's live state.
func (c *Client) Set(ctx context.Context, flag string, patch json.RawMessage, actor, reason string) error {
	return errSpecPending
}
