package runtime

import (
	"context"
	"fmt"
	"go/token"
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/flaggen/flaggen/internal/reason"
	"github.com/flaggen/flaggen/internal/spec"
	"github.com/flaggen/flaggen/runtime/store"
)

// FeedbackCollector records user feedback about flags in the store, shared
// by every instance; the flaggen feedback command prints it, grouped by the
// variant each user was served.
//
// The variant a user was served depends on the user's whole context (a
// region rule, a beta flag, the key's bucket), not on the user's key alone,
// so the collector does not guess it: CollectExplained takes the
// Explanation the app got for that user (the generated Flags.Explain, with
// the user's full context, or Client.ExplainName), and CollectVariant takes
// the variant itself (from a Hook's Evaluation, say). Collect and
// CollectName record feedback without a variant.
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

// CollectVariant appends one piece of feedback about the flag from a user
// who was served variant: one of the flag's variants ("on" or "off" for a
// bool flag), else an error and nothing written.
func (f *FeedbackCollector) CollectVariant(ctx context.Context, h Handle, variant, user, text string) error {
	i, ok := f.c.index(h)
	if !ok {
		return fmt.Errorf("feedback: flag handle %v does not belong to this client's spec", h)
	}
	if err := checkVariant(f.c.spec.m.Flags[i], variant); err != nil {
		return err
	}
	return f.appendServed(ctx, h.Name(), variant, user, text)
}

// CollectExplained appends one piece of feedback from the user whose
// evaluation e is (Flags.Explain or Client.ExplainName with that user's
// context): the entry carries e.Variant, the variant the user was served
// ("" for a pinned flag). A flag the client's spec lacks, or a variant it
// does not declare, is an error and nothing is written.
func (f *FeedbackCollector) CollectExplained(ctx context.Context, e Explanation, user, text string) error {
	i, ok := f.c.spec.byName[e.Flag]
	if !ok {
		return fmt.Errorf("feedback: flag %q of the explanation is not in this client's spec", e.Flag)
	}
	if e.Variant != "" {
		if err := checkVariant(f.c.spec.m.Flags[i], e.Variant); err != nil {
			return err
		}
	}
	return f.appendServed(ctx, e.Flag, e.Variant, user, text)
}

// checkVariant returns an error unless v is one of the variants flag fl
// can serve (reason.Variants).
func checkVariant(fl *spec.Flag, v string) error {
	if names := reason.Variants(fl); !slices.Contains(names, v) {
		return fmt.Errorf("feedback: flag %s has no variant %q (its variants: %s)", fl.Name, v, strings.Join(names, ", "))
	}
	return nil
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
	return f.appendServed(ctx, name, "", user, text)
}

// appendServed appends feedback from a user served variant ("" unknown).
func (f *FeedbackCollector) appendServed(ctx context.Context, name, variant, user, text string) error {
	return f.c.opts.store.AppendFeedback(ctx, name, store.Feedback{Time: time.Now().UTC(), User: user, Text: text, Variant: variant})
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
