package cli

import (
	"fmt"
	"time"

	"github.com/flaggen/flaggen/internal/ops"
	"github.com/flaggen/flaggen/runtime/store"
)

var feedbackCmd = &Command{
	Name:  "feedback",
	Args:  "NAME [-json] " + opsArgs,
	Short: "show the user feedback collected about a flag",
	Long: `Feedback prints the feedback collected about flag NAME (by
runtime.FeedbackCollector in the apps), oldest first: time, user and text.
The feedback on a flag no longer in the spec (see remove) is shown too.`,
	Topics: opsTopics,
	Setup:  readSetup(runFeedback, "NAME"),
}

func runFeedback(env *Env, o *opsOpts, args []string) error {
	name := args[0]
	s, _, err := o.openFlag(env, "", false)
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
	if o.json {
		if fbs == nil {
			fbs = []store.Feedback{}
		}
		return writeJSON(env.Stdout, fbs)
	}
	if len(fbs) == 0 {
		fmt.Fprintf(env.Stderr, "no feedback about %s\n", name)
		return nil
	}
	for _, fb := range fbs {
		fmt.Fprintf(env.Stdout, "%s  %s  %s\n", fb.Time.Local().Format(time.RFC3339), ops.Shown(orDash(fb.User)), ops.Shown(fb.Text))
	}
	return nil
}
