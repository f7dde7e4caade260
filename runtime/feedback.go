package runtime

import (
	"context"
	"fmt"
	"go/token"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/flaggen/flaggen/internal/spec"
	"github.com/flaggen/flaggen/runtime/store"
)

// FeedbackCollector records user feedback about flags in the store, shared
// by every instance; the flaggen feedback command prints it.
//
// Collect and Get take a flag's handle. CollectName and GetName take its
// name, which need not be in the client's spec: the feedback on a flag that
// flaggen remove took out of the spec is history the application may keep
// collecting and reading (remove rewrites Collect and Get on the removed
// flag's handle to them).
type FeedbackCollector struct {
	c *Client
}

// NewFeedbackCollector returns a collector writing to c's store.
func NewFeedbackCollector(c *Client) *FeedbackCollector { return &FeedbackCollector{c: c} }

// Collect appends one piece of feedback about the flag.
func (f *FeedbackCollector) Collect(ctx context.Context, h Handle, user, text string) error {
	if _, ok := f.c.index(h); !ok {
		return fmt.Errorf("feedback: flag handle %v does not belong to this client's spec", h)
	}
	return f.append(ctx, h.Name(), user, text)
}

// Get returns the flag's feedback, oldest first.
func (f *FeedbackCollector) Get(ctx context.Context, h Handle) ([]store.Feedback, error) {
	return f.c.opts.store.Feedback(ctx, h.Name())
}

// CollectName appends one piece of feedback about the flag named name,
// whether or not the client's spec still has it. It refuses a name that no
// spec could give a flag (see checkFeedbackName).
func (f *FeedbackCollector) CollectName(ctx context.Context, name, user, text string) error {
	if err := checkFeedbackName(name); err != nil {
		return err
	}
	return f.append(ctx, name, user, text)
}

// GetName returns the feedback about the flag named name, oldest first,
// whether or not the client's spec still has it.
func (f *FeedbackCollector) GetName(ctx context.Context, name string) ([]store.Feedback, error) {
	if err := checkFeedbackName(name); err != nil {
		return nil, err
	}
	return f.c.opts.store.Feedback(ctx, name)
}

func (f *FeedbackCollector) append(ctx context.Context, name, user, text string) error {
	return f.c.opts.store.AppendFeedback(ctx, name, store.Feedback{Time: time.Now().UTC(), User: user, Text: text})
}

// checkFeedbackName returns an error unless name could be a flag's name in
// a valid spec: valid UTF-8 without control characters, making an exported
// Go identifier (spec.GoName), as internal/spec's checker requires.
func checkFeedbackName(name string) error {
	if !utf8.ValidString(name) {
		return fmt.Errorf("feedback: flag name %q is not valid UTF-8", name)
	}
	for _, r := range name {
		if unicode.IsControl(r) || unicode.Is(unicode.Bidi_Control, r) {
			return fmt.Errorf("feedback: flag name %q holds the control character %U", name, r)
		}
	}
	if g := spec.GoName(name); !token.IsIdentifier(g) || !token.IsExported(g) {
		return fmt.Errorf("feedback: %q is not a flag name (a flag's name makes an exported Go identifier, like new_ui → NewUI)", name)
	}
	return nil
}
