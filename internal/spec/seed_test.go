package spec

import (
	"reflect"
	"testing"
	"time"
)

func ptr[T any](v T) *T { return &v }

// TestSeedModel checks that the seed's features_config.json, under "flags",
// parses to the model the seed's FeatureManager reads.
func TestSeedModel(t *testing.T) {
	src := readRepoFile(t, "testdata/seed/flags.json")
	s, err := Parse("flags.json", src)
	if err != nil {
		t.Fatal(err)
	}
	ctx := []*Attribute{
		{Name: "user_id", GoName: "UserID", Type: Int, Key: true, Index: 0},
		{Name: "region", GoName: "Region", Type: String, Index: 1},
		{Name: "account_type", GoName: "AccountType", Type: String, Index: 2},
		{Name: "beta_program", GoName: "BetaProgram", Type: Bool, Index: 3},
	}
	envs := []string{"dev", "staging", "production"}
	want := &Spec{
		File:    "flags.json",
		Source:  src,
		Context: ctx,
		Key:     ctx[0],
		Flags: []*Flag{
			{
				Name: "advanced_search", GoName: "AdvancedSearch", Index: 0, Type: Bool,
				Active:              true,
				Environments:        envs,
				PerformanceBaseline: ptr(1.0),
				DependsOn:           []string{"new_ui"},
				Regions:             []string{"US"},
				PercentageRollout:   ptr(85.0),
				Owner:               "Search Team",
				Description:         "Advanced search feature relying on new_ui components.",
				Salt:                "advanced_search",
				Metadata:            map[string]any{"description": "Advanced search feature relying on new_ui components.", "owner": "Search Team"},
			},
			{
				Name: "new_ui", GoName: "NewUI", Index: 1, Type: Bool,
				Active:              true,
				ActivationDate:      ptr(time.Date(2022, 12, 25, 0, 0, 0, 0, time.UTC)),
				Environments:        envs,
				PerformanceBaseline: ptr(1.0),
				ErrorThreshold:      ptr(int64(100)),
				Users:               IntIDs(123, 456, 789),
				Regions:             []string{"US", "RO"},
				AccountTypes:        []string{"premium", "enterprise"},
				BetaProgram:         true,
				PercentageRollout:   ptr(90.0),
				Owner:               "UI Team",
				Description:         "New and improved UI with advanced features.",
				Salt:                "new_ui",
				Metadata:            map[string]any{"description": "New and improved UI with advanced features.", "owner": "UI Team"},
			},
		},
	}
	if !reflect.DeepEqual(s, want) {
		for i := range max(len(s.Flags), len(want.Flags)) {
			if i < len(s.Flags) && i < len(want.Flags) && !reflect.DeepEqual(s.Flags[i], want.Flags[i]) {
				t.Errorf("flag %d:\n got %+v\nwant %+v", i, *s.Flags[i], *want.Flags[i])
			}
		}
		t.Fatalf("model differs:\n got %+v\nwant %+v", *s, *want)
	}
}

// TestDemoModel spot-checks the extensions in testdata/demo/flags.json.
func TestDemoModel(t *testing.T) {
	s, err := Parse("flags.json", readRepoFile(t, "testdata/demo/flags.json"))
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for i, f := range s.Flags {
		if f.Index != i {
			t.Errorf("flag %s: Index %d, at %d", f.Name, f.Index, i)
		}
		names = append(names, f.Name)
	}
	if want := []string{"advanced_search", "checkout_button", "discount_rate", "legacy_export", "maintenance_mode", "max_results", "native_share", "new_ui", "search_engine"}; !reflect.DeepEqual(names, want) {
		t.Errorf("flags %v, want %v", names, want)
	}
	var attrs []string
	for i, a := range s.Context {
		if a.Index != i {
			t.Errorf("attribute %s: Index %d, at %d", a.Name, a.Index, i)
		}
		attrs = append(attrs, a.GoName)
	}
	if want := []string{"UserID", "Region", "AccountType", "BetaProgram", "Device", "AppVersion", "SignupDate", "CartTotal"}; !reflect.DeepEqual(attrs, want) {
		t.Errorf("context %v, want %v (spec order)", attrs, want)
	}
	if s.Key == nil || s.Key.Name != "user_id" || s.Attribute("device").Enum[2] != "web" || s.Attribute("user_id").Doc != "The signed-in user's id." {
		t.Errorf("context details wrong: key %+v", s.Key)
	}
	se := s.Flag("search_engine")
	var order []string
	for _, v := range se.Variants {
		order = append(order, v.Name+"="+v.GoName)
	}
	if want := []string{"classic=SearchEngineClassic", "semantic=SearchEngineSemantic", "hybrid=SearchEngineHybrid"}; se.Type != Enum || !reflect.DeepEqual(order, want) || se.Default != "classic" {
		t.Errorf("search_engine: type %s variants %v (want spec order %v), default %v", se.Type, order, want, se.Default)
	}
	mr := s.Flag("max_results")
	if mr.Type != Int || mr.Default != int64(10) || mr.DefaultVariant != "few" || mr.Variants[1].Value != int64(50) || mr.Variants[1].Weight != 50 {
		t.Errorf("max_results: %+v", mr)
	}
	dr := s.Flag("discount_rate")
	if dr.Variants[0].Value != 0.0 || dr.Variants[1].Value != 0.1 || dr.Rules[0].Values[0] != 50.0 || dr.Rules[0].Pointer != "/flags/discount_rate/rules/0" {
		t.Errorf("discount_rate: variants %+v %+v, rule %+v", dr.Variants[0], dr.Variants[1], dr.Rules[0])
	}
	as := s.Flag("advanced_search").Strategy
	if as == nil || as.Name != "SearchService" || !reflect.DeepEqual(as.Order, []string{"on", "off"}) || as.Impls["on"] != "New" || as.Impls["off"] != "Old" {
		t.Errorf("advanced_search strategy: %+v", as)
	}
	cb := s.Flag("checkout_button")
	if cb.Strategy == nil || !reflect.DeepEqual(cb.Strategy.Order, []string{"blue", "green"}) || cb.Strategy.Impls["green"] != "Green" || cb.Default != "blue" {
		t.Errorf("checkout_button: %+v strategy %+v", cb, cb.Strategy)
	}
	if le := s.Flag("legacy_export"); le.Expires == nil || !le.Expires.Equal(time.Date(2024, 6, 30, 0, 0, 0, 0, time.UTC)) || le.Kind != "ops" || le.Owner != "Data Team" {
		t.Errorf("legacy_export: %+v", le)
	}
	if ns := s.Flag("native_share"); !ns.Client || ns.Rules[1].Operator != "semver_gt" || ns.Rules[1].Values[0] != "2.3.0" {
		t.Errorf("native_share: %+v", ns)
	}
	if mm := s.Flag("maintenance_mode"); mm.Active || mm.Owner != "SRE" || mm.Kind != "kill_switch" {
		t.Errorf("maintenance_mode: %+v", mm)
	}
	if r := s.Release("winter_launch"); r == nil || !reflect.DeepEqual(r.Flags, []string{"new_ui", "advanced_search"}) || r.Description == "" {
		t.Errorf("release: %+v", r)
	}
	if !reflect.DeepEqual(s.Environments, []string{"dev", "staging", "production"}) {
		t.Errorf("environments %v", s.Environments)
	}
}

// TestRuleDates checks that before/after values become times.
func TestRuleDates(t *testing.T) {
	s := mustParse(t, `{"context": {"signup": {"type": "string"}}, "flags": {"f": {"rules": [{"attribute": "signup", "operator": "before", "values": ["2024-01-01T12:00:00+01:00"]}]}}}`)
	got := s.Flag("f").Rules[0].Values[0]
	if tm, ok := got.(time.Time); !ok || !tm.Equal(time.Date(2024, 1, 1, 11, 0, 0, 0, time.UTC)) {
		t.Errorf("before value = %#v", got)
	}
}

// TestNoContextIsSeedContext: an empty context block is honoured as empty.
func TestEmptyContext(t *testing.T) {
	s := mustParse(t, `{"context": {}, "flags": {"f": {"active": true}}}`)
	if len(s.Context) != 0 || s.Key != nil {
		t.Errorf("context %v key %v, want none", s.Context, s.Key)
	}
}
