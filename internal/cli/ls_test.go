package cli

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/flaggen/flaggen/internal/redistest"
)

// TestOpsShowRefusedPatches: ls and get show a stored live patch the apps
// refuse (a depends_on cycle, a bad value) with the command that repairs
// it; a write to another flag succeeds meanwhile, and the repair command
// clears the refusal.
func TestOpsShowRefusedPatches(t *testing.T) {
	srv := opsEnv(t)
	// Written by hand: new_ui closes a cycle with advanced_search (which
	// the spec makes depend on new_ui), legacy_export has a bad value.
	if _, err := redistest.Do(srv.Addr(), "HSET", "flaggen:{default}:patches",
		"new_ui", `{"active":false,"depends_on":["advanced_search"]}`,
		"legacy_export", `{"percentage_rollout":"lots"}`); err != nil {
		t.Fatal(err)
	}
	code, ls, errs := run(t, "ls")
	if code != 0 {
		t.Fatalf("ls: exit %d: %s", code, errs)
	}
	if l := lineWith(ls, "new_ui "); !strings.Contains(l, "off") || !strings.Contains(l, "[live patch refused]") {
		t.Errorf("ls line of new_ui: %q", l)
	}
	for _, want := range []string{
		"new_ui: live patch refused: /depends_on/0: dependency cycle new_ui → advanced_search → new_ui",
		"repair: flaggen patch new_ui -revert depends_on",
		"legacy_export: live patch refused: patch:1:23: /percentage_rollout:",
		"repair: flaggen patch legacy_export -revert percentage_rollout",
	} {
		if !strings.Contains(errs, want) {
			t.Errorf("ls stderr lacks %q:\n%s", want, errs)
		}
	}
	var lsOut struct {
		Refused []string `json:"refused"`
		Flags   []lsRow  `json:"flags"`
	}
	if err := json.Unmarshal([]byte(mustRun(t, "ls", "-json")), &lsOut); err != nil {
		t.Fatal(err)
	}
	if strings.Join(lsOut.Refused, ",") != "legacy_export,new_ui" {
		t.Errorf("ls -json refused %v", lsOut.Refused)
	}
	for _, r := range lsOut.Flags {
		if r.Flag == "new_ui" && r.Repair != "flaggen patch new_ui -revert depends_on" {
			t.Errorf("ls -json repair of new_ui: %q", r.Repair)
		}
	}
	get := mustRun(t, "get", "new_ui")
	for _, want := range []string{"problem:     live patch refused: /depends_on/0: dependency cycle", "repair: flaggen patch new_ui -revert depends_on", "state:       off"} {
		if !strings.Contains(get, want) {
			t.Errorf("get new_ui lacks %q:\n%s", want, get)
		}
	}
	var getOut getOutput
	if err := json.Unmarshal([]byte(mustRun(t, "get", "new_ui", "-json")), &getOut); err != nil {
		t.Fatal(err)
	}
	if getOut.Problem == "" || getOut.Repair != "flaggen patch new_ui -revert depends_on" {
		t.Errorf("get -json: problem %q, repair %q", getOut.Problem, getOut.Repair)
	}
	// A patch that is not an object: replace it, keeping nothing.
	if _, err := redistest.Do(srv.Addr(), "HSET", "flaggen:{default}:patches", "native_share", `[1]`); err != nil {
		t.Fatal(err)
	}
	if get := mustRun(t, "get", "native_share"); !strings.Contains(get, "repair: flaggen patch native_share -replace '{}'") {
		t.Errorf("get native_share:\n%s", get)
	}
	mustRun(t, "patch", "native_share", "-replace", `{}`)

	// A write to another flag succeeds; the repairs clear the refusals.
	mustRun(t, "disable", "maintenance_mode", "-reason", "unrelated")
	mustRun(t, "patch", "new_ui", "-revert", "depends_on")
	mustRun(t, "patch", "legacy_export", "-revert", "percentage_rollout")
	code, ls, errs = run(t, "ls")
	if code != 0 || strings.Contains(ls, "refused") || strings.Contains(errs, "refused") {
		t.Errorf("ls after the repairs: exit %d\n%s\n%s", code, ls, errs)
	}
	if l := lineWith(ls, "new_ui "); !strings.Contains(l, "off") {
		t.Errorf("new_ui's kill switch lost in the repair: %q", l)
	}
}

// TestOpsMalformedValueNamed: a head key holding a value flaggen does not
// write (by hand) makes a command fail saying which key holds what and
// how to repair it, not that Redis is unreachable.
func TestOpsMalformedValueNamed(t *testing.T) {
	srv := opsEnv(t)
	mustRun(t, "disable", "new_ui", "-reason", "first")
	for _, kv := range [][2]string{{"version", "abc"}, {"lastchange", "id\x1b[2J"}} {
		key := "flaggen:{default}:" + kv[0]
		good, err := redistest.Do(srv.Addr(), "GET", key)
		if err == nil {
			_, err = redistest.Do(srv.Addr(), "SET", key, kv[1])
		}
		if err != nil {
			t.Fatal(err)
		}
		for _, args := range [][]string{{"ls"}, {"disable", "advanced_search", "-reason", "kill"}} {
			code, _, errs := run(t, args...)
			if code != 1 || strings.Contains(errs, "unreachable") || !strings.Contains(errs, "malformed value in Redis: "+key) ||
				!strings.Contains(errs, "repair that key") {
				t.Errorf("%s=%q: flaggen %q: exit %d, %q; want exit 1 naming %s as malformed, with the repair", kv[0], kv[1], args, code, errs, key)
			}
		}
		if _, err := redistest.Do(srv.Addr(), "SET", key, good); err != nil {
			t.Fatal(err)
		}
	}
}

// TestOpsDisableOverRefusedPatch: the kill switch needs no repair first:
// disable over a stored patch refused for a bad field switches the flag
// off, dropping the field at fault (kept in the audit trail).
func TestOpsDisableOverRefusedPatch(t *testing.T) {
	srv := opsEnv(t)
	if _, err := redistest.Do(srv.Addr(), "HSET", "flaggen:{default}:patches", "legacy_export", `{"percentage_rollout":"lots"}`); err != nil {
		t.Fatal(err)
	}
	if code, out, errs := run(t, "disable", "legacy_export", "-reason", "incident"); code != 0 || !strings.Contains(out, "legacy_export: off") {
		t.Fatalf("disable over a refused patch: exit %d\n%s%s", code, out, errs)
	}
	if got := storedLive(t, srv, "legacy_export"); got != `{"active":false}` {
		t.Errorf("stored patch %s, want the kill switch alone", got)
	}
	if out := mustRun(t, "audit", "legacy_export"); !strings.Contains(out, `"lots"`) {
		t.Errorf("the audit trail lost the dropped field:\n%s", out)
	}
}
