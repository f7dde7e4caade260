package gen

import (
	"time"

	"github.com/flaggen/flaggen/internal/spec"
)

// handSpec builds a model by hand covering every generator feature, for
// tests that must not depend on spec.Parse.
func handSpec() *spec.Spec {
	f64 := func(f float64) *float64 { return &f }
	i64 := func(i int64) *int64 { return &i }
	date := func(s string) *time.Time {
		t, err := time.Parse(time.DateOnly, s)
		if err != nil {
			panic(err)
		}
		return &t
	}
	s := &spec.Spec{
		File:   "flags.json",
		Source: []byte("{\n\t\"flags\": {}\n}\n"),
		Context: []*spec.Attribute{
			{Name: "user_id", GoName: "UserID", Type: spec.Int, Key: true, Doc: "The user's id."},
			{Name: "region", GoName: "Region", Type: spec.String},
			{Name: "account_type", GoName: "AccountType", Type: spec.String, Enum: []any{"free", "premium"}},
			{Name: "beta_program", GoName: "BetaProgram", Type: spec.Bool},
			{Name: "cart_total", GoName: "CartTotal", Type: spec.Float},
		},
		Flags: []*spec.Flag{
			{Name: "advanced_search", GoName: "AdvancedSearch", Type: spec.Bool, Active: true,
				DependsOn: []string{"new_ui"}, PercentageRollout: f64(85),
				Strategy:    &spec.Strategy{Name: "SearchService", Impls: map[string]string{"on": "New", "off": "Old"}, Order: []string{"on", "off"}},
				Description: "Advanced search */ relying on\nnew_ui.", Owner: "Search Team", Kind: "release"},
			{Name: "checkout_button", GoName: "CheckoutButton", Type: spec.String, Active: true, DefaultVariant: "blue", Default: "blue",
				Variants: []*spec.Variant{{Name: "blue", GoName: "CheckoutButtonBlue", Value: "blue", Weight: 50}, {Name: "green", GoName: "CheckoutButtonGreen", Value: "green", Weight: 50}},
				Strategy: &spec.Strategy{Name: "ButtonRenderer", Impls: map[string]string{"blue": "Blue", "green": "Green"}, Order: []string{"blue", "green"}},
				Expires:  date("2099-12-31")},
			{Name: "discount_rate", GoName: "DiscountRate", Type: spec.Float, Active: true, DefaultVariant: "none", Default: 0.0,
				Variants: []*spec.Variant{{Name: "none", GoName: "DiscountRateNone", Value: 0.0, Weight: 0}, {Name: "some", GoName: "DiscountRateSome", Value: 0.1, Weight: 100}}},
			{Name: "legacy_export", GoName: "LegacyExport", Type: "", // the zero Type means bool
				Active: true, Expires: date("2024-06-30"), ErrorThreshold: i64(3)},
			{Name: "max_results", GoName: "MaxResults", Type: spec.Int, Active: true, DefaultVariant: "few", Default: int64(10),
				Variants: []*spec.Variant{{Name: "few", GoName: "MaxResultsFew", Value: int64(10), Weight: 50}, {Name: "many", GoName: "MaxResultsMany", Value: int64(50), Weight: 50}},
				Strategy: &spec.Strategy{Name: "Pager", Impls: map[string]string{"few": "Few", "many": "Many"}, Order: []string{"few", "many"}}},
			{Name: "new_ui", GoName: "NewUI", Type: spec.Bool, Active: true, Description: "New UI.", Owner: "UI Team"},
			{Name: "search_engine", GoName: "SearchEngine", Type: spec.Enum, Active: true, DefaultVariant: "classic", Default: "classic",
				Variants: []*spec.Variant{{Name: "classic", GoName: "SearchEngineClassic", Value: "classic", Weight: 70}, {Name: "semantic", GoName: "SearchEngineSemantic", Value: "semantic", Weight: 30}},
				Strategy: &spec.Strategy{Name: "Searcher", Impls: map[string]string{"classic": "Classic", "semantic": "Semantic"}, Order: []string{"classic", "semantic"}}},
		},
	}
	for i, f := range s.Flags {
		f.Index = i
		f.Salt = f.Name
	}
	for i, a := range s.Context {
		a.Index = i
	}
	s.Key = s.Context[0]
	return s
}
