package cli

import (
	"fmt"
	"time"

	"github.com/flaggen/flaggen/internal/ops"
)

var feedbackCmd = &Command{
	Name:  "feedback",
	Args:  "NAME [-json] " + opsArgs,
	Short: "show the user feedback collected about a flag, by variant served",
	Long: `Feedback prints the feedback collected about flag NAME (by
runtime.FeedbackCollector in the apps), grouped by the variant each user was
served: the spec's variants in spec order ("on" and "off" for a bool flag),
then variants the spec no longer names, then the entries collected without
a variant ("unknown variant": FeedbackCollector.Collect, and entries from
before variants were recorded). Each group gives its count and its
entries, oldest first: time, user and text. The feedback on a flag no
longer in the spec (see remove) is shown too.

With -json: {"flag", "total", "variants": [{"variant", "count",
"feedback": [{"time", "user", "text", "variant"}]}]}, where variant "" is
the unknown variant.`,
	Topics: opsTopics,
	Setup:  readSetup(runFeedback, "NAME"),
}

// feedbackJSON is feedback's -json output.
type feedbackJSON struct {
	Flag     string                `json:"flag"`
	Total    int                   `json:"total"`
	Variants []ops.VariantFeedback `json:"variants"`
}

func runFeedback(env *Env, o *opsOpts, args []string) error {
	name := args[0]
	s, _, err := o.openFlags(env, false)
	if err != nil {
		return err
	}
	defer s.Close()
	ctx, cancel := s.Ctx()
	defer cancel()
	fbs, err := s.Store.Feedback(ctx, name)
	if err != nil {
		return s.RedisError(err)
	}
	// The feedback on a flag flaggen remove took out of the spec is kept:
	// a name the spec lacks is an error only when nothing was collected.
	if len(fbs) == 0 {
		if err := ops.CheckFlag(s.Spec, name); err != nil {
			return err
		}
	}
	groups := ops.FeedbackByVariant(s.Spec, name, fbs)
	if o.json {
		if groups == nil {
			groups = []ops.VariantFeedback{}
		}
		return writeJSON(env.Stdout, feedbackJSON{Flag: name, Total: len(fbs), Variants: groups})
	}
	if len(fbs) == 0 {
		fmt.Fprintf(env.Stderr, "no feedback about %s\n", name)
		return nil
	}
	for n, g := range groups {
		if n > 0 {
			fmt.Fprintln(env.Stdout)
		}
		label := "variant " + ops.Shown(g.Variant)
		if g.Variant == "" {
			label = "unknown variant"
		}
		fmt.Fprintf(env.Stdout, "%s: %d of %d\n", label, g.Count, len(fbs))
		for _, fb := range g.Feedback {
			fmt.Fprintf(env.Stdout, "  %s  %s  %s\n", fb.Time.Local().Format(time.RFC3339), ops.Shown(orDash(fb.User)), ops.Shown(fb.Text))
		}
	}
	return nil
}
