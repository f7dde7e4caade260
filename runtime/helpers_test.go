package runtime

import (
	"encoding/json"
	"fmt"
	"log/slog"
	"slices"
	"sort"
	"testing"
	"time"

	"github.com/flaggen/flaggen/internal/engine"
	"github.com/flaggen/flaggen/internal/spec"
)

// seedContext is the seed's four attributes, as spec.Parse declares them
// for a spec without a "context" block.
func seedContext() []*spec.Attribute {
	return []*spec.Attribute{
		{Name: "user_id", GoName: "UserID", Type: spec.Int, Key: true, Index: 0},
		{Name: "region", GoName: "Region", Type: spec.String, Index: 1},
		{Name: "account_type", GoName: "AccountType", Type: spec.String, Index: 2},
		{Name: "beta_program", GoName: "BetaProgram", Type: spec.Bool, Index: 3},
	}
}

// handModel builds a spec model by hand from seed-style flag configs (the
// JSON a features_config.json holds), for tests independent of spec.Parse.
func handModel(t testing.TB, flags map[string]map[string]any) *spec.Spec {
	t.Helper()
	m := &spec.Spec{Context: seedContext()}
	m.Key = m.Context[0]
	names := make([]string, 0, len(flags))
	for n := range flags {
		names = append(names, n)
	}
	sort.Strings(names)
	for i, n := range names {
		f, err := handFlag(n, flags[n])
		if err != nil {
			t.Fatalf("flag %s: %v", n, err)
		}
		f.Index = i
		m.Flags = append(m.Flags, f)
	}
	return m
}

func strs(x any) []string {
	out := []string{}
	for _, v := range x.([]any) {
		out = append(out, v.(string))
	}
	return out
}

func f64(x any) *float64 {
	switch x := x.(type) {
	case float64:
		return &x
	case json.Number:
		f, _ := x.Float64()
		return &f
	case int:
		f := float64(x)
		return &f
	}
	panic(fmt.Sprintf("not a number: %T", x))
}

func i64(x any) *int64 {
	n := int64(*f64(x))
	return &n
}

func handFlag(name string, cfg map[string]any) (*spec.Flag, error) {
	f := &spec.Flag{Name: name, GoName: spec.GoName(name), Type: spec.Bool}
	for k, v := range cfg {
		switch k {
		case "active":
			f.Active = v.(bool)
		case "activation_date":
			t, err := spec.ParseDate(v.(string))
			if err != nil {
				return nil, fmt.Errorf("bad date %v", v)
			}
			f.ActivationDate = &t
		case "environments":
			f.Environments = strs(v)
		case "performance_baseline":
			f.PerformanceBaseline = f64(v)
		case "performance_threshold":
			f.PerformanceThreshold = i64(v)
		case "error_threshold":
			f.ErrorThreshold = i64(v)
		case "depends_on":
			f.DependsOn = strs(v)
		case "users":
			var ints []int64
			var ss []string
			for _, u := range v.([]any) {
				switch u := u.(type) {
				case float64:
					ints = append(ints, int64(u))
				case json.Number:
					n, _ := u.Int64()
					ints = append(ints, n)
				case string:
					ss = append(ss, u)
				}
			}
			f.Users = spec.IntIDs(ints...)
			if ss != nil {
				f.Users = spec.StringIDs(ss...)
			}
		case "regions":
			f.Regions = strs(v)
		case "account_types":
			f.AccountTypes = strs(v)
		case "beta_program":
			f.BetaProgram = v.(bool)
		case "percentage_rollout":
			f.PercentageRollout = f64(v)
		case "metadata":
		default:
			return nil, fmt.Errorf("handFlag: unsupported field %q", k)
		}
	}
	return f, nil
}

// attrs builds seed attribute values from a context map (absent keys stay
// absent).
func attrs(ctx map[string]any) []Value {
	a := make([]Value, 4)
	for k, v := range ctx {
		i := slices.IndexFunc(seedContext(), func(at *spec.Attribute) bool { return at.Name == k })
		switch v := v.(type) {
		case float64:
			a[i] = Int(int64(v))
		case int:
			a[i] = Int(int64(v))
		default:
			a[i] = valueOf(v)
		}
	}
	return a
}

// quietLogger discards logs of clients whose logs a test does not check.
var quietLogger = slog.New(slog.DiscardHandler)

// mustBuild builds a snapshot for tests.
func mustBuild(t testing.TB, m *spec.Spec, env string, now time.Time, clock func() time.Time) *engine.Snapshot {
	t.Helper()
	s, err := engine.Build(engine.Input{Base: m, ByName: newSpec(m).byName, Live: m, Env: env, Now: now, Clock: clock})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// newTestClient starts a client over a hand-built model.
func newTestClient(t testing.TB, m *spec.Spec, opts ...Option) *Client {
	t.Helper()
	opts = append([]Option{WithLogger(quietLogger)}, opts...)
	c, err := NewClient(newSpec(m), opts...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// valueOf converts a spec value to a Value (engine.ValueOf).
func valueOf(x any) Value { return Value(engine.ValueOf(x)) }

// Shorthands for the evaluations generated code reaches through
// runtime/flagimpl.
func (c *Client) evalBool(i int, a []Value) bool     { return c.snap.Load().Bool(i, engineValues(a)) }
func (c *Client) evalString(i int, a []Value) string { return c.snap.Load().String(i, engineValues(a)) }
func (c *Client) evalInt(i int, a []Value) int64     { return c.snap.Load().Int(i, engineValues(a)) }
func (c *Client) evalFloat(i int, a []Value) float64 { return c.snap.Load().Float(i, engineValues(a)) }
func (c *Client) constBool(i int) (bool, bool)       { return c.snap.Load().ConstBool(i) }
func (c *Client) constString(i int) (string, bool)   { return c.snap.Load().ConstString(i) }
func (c *Client) constInt(i int) (int64, bool)       { return c.snap.Load().ConstInt(i) }

// bucketInt is the rollout bucket of integer key id with salt.
func bucketInt(id int64, salt string) int {
	b, _ := engine.Bucket(engine.Int(id), salt)
	return b
}

// mustLoadSpec is LoadSpec for a spec a test holds: it panics on error.
func mustLoadSpec(file string, src []byte) *Spec {
	s, err := LoadSpec(file, src)
	if err != nil {
		panic(err)
	}
	return s
}
