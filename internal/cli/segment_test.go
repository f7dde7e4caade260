package cli

import (
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"

	"github.com/flaggen/flaggen/internal/redistest"
)

const segmentCLISpec = `{
  "segments": {
    "eu_beta": {"description": "Beta testers in the EU", "regions": ["RO", "DE"], "beta_program": true, "include": [123]},
    "staff": {"include": [1, 2]}
  },
  "flags": {
    "new_ui": {"active": true, "segments": ["eu_beta", "staff"]},
    "search": {"active": true, "segments": ["staff"]},
    "plain": {"active": true}
  }
}`

// TestSegmentCommands: segments lists the segments and their flags,
// segment NAME include/exclude/drop/patch change a segment's live patch
// (audited), get shows a flag's segments, and a bad change (a key of the
// wrong type, a cycle, an unknown segment) writes nothing.
func TestSegmentCommands(t *testing.T) {
	srv := redistest.Start(t)
	file := filepath.Join(t.TempDir(), "flags.json")
	writeFile(t, file, segmentCLISpec)
	t.Setenv(envRedisURL, "redis://"+srv.Addr())
	t.Setenv(envSpec, file)
	t.Setenv(envNamespace, "")
	t.Setenv("USER", "tester")
	recordSpec(t, srv.Addr(), "default", file)

	out := mustRun(t, "segments")
	for _, want := range []string{"SEGMENT  FLAGS          INCLUDE", "eu_beta  new_ui         1", "staff    new_ui,search  2"} {
		if !strings.Contains(out, want) {
			t.Errorf("segments output lacks %q:\n%s", want, out)
		}
	}
	var list []struct {
		Segment string   `json:"segment"`
		Flags   []string `json:"flags"`
		Include []int64  `json:"include"`
	}
	if err := json.Unmarshal([]byte(mustRun(t, "segments", "-json")), &list); err != nil || len(list) != 2 || list[1].Segment != "staff" || strings.Join(list[1].Flags, ",") != "new_ui,search" {
		t.Fatalf("segments -json: %+v, %v", list, err)
	}

	out = mustRun(t, "segment", "eu_beta", "include", "7", "8", "-reason", "beta testers")
	if !strings.Contains(out, `"include":[123,7,8]`) {
		t.Errorf("include: %s", out)
	}
	out = mustRun(t, "segment", "eu_beta", "exclude", "8")
	if !strings.Contains(out, `"include":[123,7],"exclude":[8]`) {
		t.Errorf("exclude: %s", out)
	}
	out = mustRun(t, "segment", "eu_beta", "exclude", "8")
	if !strings.Contains(out, "no change (nothing written)") {
		t.Errorf("exclude again: %s", out)
	}
	out = mustRun(t, "segment", "eu_beta", "include", "123", "7", "7")
	if !strings.Contains(out, "no change (nothing written)") {
		t.Errorf("include of included keys: %s", out)
	}
	out = mustRun(t, "segment", "eu_beta")
	for _, want := range []string{"description: Beta testers in the EU", `live patch:  {"exclude":[8],"include":[123,7]}`, "flags:       new_ui"} {
		if !strings.Contains(out, want) {
			t.Errorf("segment eu_beta lacks %q:\n%s", want, out)
		}
	}
	out = mustRun(t, "audit", "segment:eu_beta")
	if !strings.Contains(out, "tester") || !strings.Contains(out, "beta testers") {
		t.Errorf("audit of the segment:\n%s", out)
	}
	if out := mustRun(t, "get", "new_ui"); !strings.Contains(out, "segments:    eu_beta, staff") {
		t.Errorf("get new_ui lacks its segments:\n%s", out)
	}
	// ls knows the segment's patch: not an unknown flag.
	if code, out, errs := run(t, "ls"); code != 0 || strings.Contains(out+errs, "segment:") {
		t.Errorf("ls: exit %d, mentions the segment patch:\n%s%s", code, out, errs)
	}

	// A patch of a segment the spec lacks is an orphaned segment patch,
	// not an unknown flag.
	if _, err := redistest.Do(srv.Addr(), "HSET", "flaggen:{default}:patches", "segment:ghost", `{"include":[5]}`); err != nil {
		t.Fatal(err)
	}
	if out := mustRun(t, "ls"); !strings.Contains(out, "segment:ghost") || !strings.Contains(out, "orphaned segment patch (segment not in the spec)") || strings.Contains(out, "unknown (not in the spec") {
		t.Errorf("ls with an orphaned segment patch:\n%s", out)
	}
	if out := mustRun(t, "ls", "-json"); !strings.Contains(out, `"orphan_segments"`) || strings.Contains(out, `"unknown"`) {
		t.Errorf("ls -json with an orphaned segment patch:\n%s", out)
	}
	out = mustRun(t, "segment", "ghost", "-revert", "include", "-reason", "segment removed from the spec")
	if !strings.Contains(out, "segment ghost: orphaned live patch deleted") {
		t.Errorf("segment ghost -revert: %s", out)
	}
	if out := mustRun(t, "ls"); strings.Contains(out, "segment:ghost") {
		t.Errorf("ls after deleting the orphaned segment patch:\n%s", out)
	}
	if code, _, errs := run(t, "segment", "ghost", "-revert", "include"); code != 1 || !strings.Contains(errs, `unknown segment "ghost"`) {
		t.Errorf("segment ghost -revert again: exit %d, %s", code, errs)
	}

	before := liveMark(t, srv, "default")
	mustRun(t, "segment", "staff", "patch", `{"segments": ["eu_beta"]}`)
	mark := liveMark(t, srv, "default")
	if mark == before {
		t.Errorf("segment staff patch wrote nothing: %s", mark)
	}
	// search uses eu_beta through staff now.
	if out := mustRun(t, "segments"); !strings.Contains(out, "eu_beta  new_ui,search (indirect)") {
		t.Errorf("segments lacks the indirect user search of eu_beta:\n%s", out)
	}
	if out := mustRun(t, "segment", "eu_beta"); !strings.Contains(out, "indirect:    search (through other segments)") {
		t.Errorf("segment eu_beta lacks the indirect user search:\n%s", out)
	}
	for _, tc := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"segment", "eu_beta", "patch", `{"segments": ["staff"]}`}, 1, `live change refused: segment "eu_beta": /segments/0: segment cycle eu_beta → staff → eu_beta`},
		{[]string{"segment", "eu_beta", "include", "abc"}, 2, `key "abc" is not an integer (key attribute user_id is int)`},
		{[]string{"segment", "eu_beta", "patch", `{"include": ["x"]}`}, 1, `/include/0: must be an integer, got string (key attribute "user_id" is int)`},
		{[]string{"segment", "eu_bta", "include", "1"}, 1, `unknown segment "eu_bta" (did you mean eu_beta?)`},
		{[]string{"segment", "eu_beta", "patch", `{"users": [1]}`}, 1, `/users: unknown field "users"`},
		{[]string{"segment", "eu_beta", "-revert", "users"}, 2, `"users" is not a segment field`},
		// A segment's patch name is no flag for the flag commands.
		{[]string{"patch", "segment:staff", `{"include": [5]}`}, 1, `unknown flag "segment:staff": it names the live patch of segment "staff", which "flaggen segment staff" changes`},
		{[]string{"reset", "segment:staff"}, 1, `unknown flag "segment:staff"`},
	} {
		code, _, errs := run(t, tc.args...)
		if code != tc.code || !strings.Contains(errs, tc.want) {
			t.Errorf("flaggen %s: exit %d, stderr %q; want exit %d and %q", strings.Join(tc.args, " "), code, errs, tc.code, tc.want)
		}
		if m := liveMark(t, srv, "default"); m != mark {
			t.Errorf("flaggen %s wrote: %s, was %s", strings.Join(tc.args, " "), m, mark)
		}
	}
	out = mustRun(t, "segment", "eu_beta", "-revert", "include,exclude")
	if !strings.Contains(out, `"include":[123]`) || strings.Contains(out, "exclude") {
		t.Errorf("revert: %s", out)
	}
}
