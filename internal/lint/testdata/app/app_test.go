package app

import (
	"testing"

	"github.com/flaggen/flaggen/internal/lint/testdata/app/flags"
	"github.com/flaggen/flaggen/internal/lint/testdata/app/other"
	"github.com/flaggen/flaggen/runtime"
)

const darkModeName = "dark_mod"

func TestToggles(t *testing.T) {
	f := flags.MustNew()
	o := other.MustNew()
	runtime.ToggleAs(t, f, flags.DarkMode, true)
	runtime.ToggleNameAs(t, f, "new_ui", true)
	runtime.ToggleNameAs(t, f, "new_uii", true)
	runtime.ToggleNameAs(t, f.Runtime(), darkModeName, true)
	name := "computed_at_run_time"
	runtime.ToggleNameAs(t, f, name, true)
	runtime.ToggleNameAs(t, o, "other_flag", true)
	runtime.ToggleNameAs(t, o, "not_in_this_spec", true)
}
