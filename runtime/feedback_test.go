package runtime

import (
	"context"
	"strings"
	"testing"
)

// TestFeedbackByName collects feedback by name: on a flag of the spec it
// is the handle's feedback, on a name the spec no longer has it is kept
// too, and names no spec could hold are refused with nothing written.
func TestFeedbackByName(t *testing.T) {
	s := loadTestSpec(t, "../testdata/seed/flags.json")
	c := newClient(t, s)
	ctx := context.Background()
	newUI := newFlag[bool](s, s.byName["new_ui"], "new_ui")
	fc := NewFeedbackCollector(c)
	if err := fc.Collect(ctx, newUI, "u1", "love it"); err != nil {
		t.Fatal(err)
	}
	if err := fc.CollectName(ctx, "new_ui", "u2", "too blue"); err != nil {
		t.Fatal(err)
	}
	fb, err := fc.GetName(ctx, "new_ui")
	if err != nil || len(fb) != 2 || fb[0].Text != "love it" || fb[1].User != "u2" || fb[1].Time.IsZero() {
		t.Errorf("GetName(new_ui) = %+v, %v", fb, err)
	}
	if h, err := fc.Get(ctx, newUI); err != nil || len(h) != 2 {
		t.Errorf("Get(NewUI) = %+v, %v", h, err)
	}

	// A flag removed from the spec: its feedback keeps its name.
	if _, ok := s.byName["old_checkout"]; ok {
		t.Fatal("the test spec has old_checkout: pick another name")
	}
	if err := fc.CollectName(ctx, "old_checkout", "u3", "miss it"); err != nil {
		t.Fatal(err)
	}
	if fb, err := fc.GetName(ctx, "old_checkout"); err != nil || len(fb) != 1 || fb[0].Text != "miss it" {
		t.Errorf("GetName(old_checkout) = %+v, %v", fb, err)
	}

	for _, bad := range []struct{ name, want string }{
		{"", "is not a flag name"},
		{"9lives", "is not a flag name"},
		{"a:b", "is not a flag name"},
		{"new_ui\n", "control character U+000A"},
		{"new\u202eui", "control character U+202E"},
		{"new\xffui", "not valid UTF-8"},
	} {
		err := fc.CollectName(ctx, bad.name, "u", "x")
		if err == nil || !strings.Contains(err.Error(), bad.want) {
			t.Errorf("CollectName(%q) = %v, want an error with %q", bad.name, err, bad.want)
		}
		if _, err := fc.GetName(ctx, bad.name); err == nil || !strings.Contains(err.Error(), bad.want) {
			t.Errorf("GetName(%q) = %v, want an error with %q", bad.name, err, bad.want)
		}
		if fb, _ := c.Store().Feedback(ctx, bad.name); len(fb) != 0 {
			t.Errorf("CollectName(%q) wrote %+v", bad.name, fb)
		}
	}
}
