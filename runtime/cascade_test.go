package runtime

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"testing"
	"time"

	"github.com/flaggen/flaggen/internal/engine"
)

type seedTable struct {
	Now          string                      `json:"now"`
	Environments []string                    `json:"environments"`
	Contexts     []map[string]any            `json:"contexts"`
	Configs      []map[string]map[string]any `json:"configs"`
	Want         []string                    `json:"want"`
}

// TestCascadeMatchesSeed compares every evaluation with the table that the
// seed's own is_enabled (testdata/seed_cascade.py) produced: each seed field
// alone, dependencies, the seed's config, and random combinations, over 40
// contexts (missing attributes included) and three environments.
func TestCascadeMatchesSeed(t *testing.T) {
	data, err := os.ReadFile("testdata/seed_cascade.json")
	if err != nil {
		t.Fatal(err)
	}
	var tab seedTable
	if err := json.Unmarshal(data, &tab); err != nil {
		t.Fatal(err)
	}
	now, err := time.Parse(time.RFC3339, tab.Now)
	if err != nil {
		t.Fatal(err)
	}
	clock := func() time.Time { return now }
	checked := 0
	for ci, cfg := range tab.Configs {
		m := handModel(t, cfg)
		fi := newSpec(m).byName["f"]
		k := 0
		for _, env := range tab.Environments {
			// Without a clock (dates folded at build) and with one (checked per call).
			folded := mustBuild(t, m, env, now, nil)
			clocked := mustBuild(t, m, env, now, clock)
			for xi, ctx := range tab.Contexts {
				want := tab.Want[ci][k] == '1'
				k++
				a := attrs(ctx)
				for _, s := range []*engine.Snapshot{folded, clocked} {
					got := s.Bool(fi, engineValues(a))
					if got != want {
						cj, _ := json.Marshal(cfg)
						t.Errorf("config %d %s, env %s, context %d %v: got %v (%s), seed says %v",
							ci, cj, env, xi, ctx, got, explainIn(s, fi, engineValues(a)).Reason, want)
					}
					if cb, ok := s.ConstBool(fi); ok && cb != got {
						t.Errorf("config %d: constant %v disagrees with the cascade", ci, cb)
					}
					checked++
				}
			}
		}
	}
	if checked < 30000 {
		t.Fatalf("only %d evaluations checked", checked)
	}
}

// TestSeedTableFresh regenerates the table with python3 (when installed)
// and fails if the checked-in table differs.
func TestSeedTableFresh(t *testing.T) {
	py, err := exec.LookPath("python3")
	if err != nil {
		t.Skip("python3 not installed; testdata/seed_cascade.json is used as checked in")
	}
	cmd := exec.Command(py, "seed_cascade.py")
	cmd.Dir = "testdata"
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("seed_cascade.py: %v", err)
	}
	want, err := os.ReadFile("testdata/seed_cascade.json")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(out, want) {
		t.Fatal("testdata/seed_cascade.json is stale: run  cd runtime/testdata && python3 seed_cascade.py > seed_cascade.json")
	}
}

// TestSeedMainUser is the seed's main.py: user 123 (US, premium, beta) in
// production sees both flags.
func TestSeedMainUser(t *testing.T) {
	data, err := os.ReadFile("../testdata/seed/flags.json")
	if err != nil {
		t.Fatal(err)
	}
	var doc struct{ Flags map[string]map[string]any }
	if err := json.Unmarshal(data, &doc); err != nil {
		t.Fatal(err)
	}
	c := newTestClient(t, handModel(t, doc.Flags))
	a := attrs(map[string]any{"user_id": 123, "region": "US", "account_type": "premium", "beta_program": true})
	for _, name := range []string{"new_ui", "advanced_search"} {
		if e := c.ExplainName(t.Context(), name, a); e.Value != true {
			t.Errorf("%s = %v (%s), want true", name, e.Value, e.Reason)
		}
	}
}
