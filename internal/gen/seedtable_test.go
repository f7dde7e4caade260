package gen_test

import (
	"encoding/json"
	"fmt"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/flaggen/flaggen/internal/gen"
	"github.com/flaggen/flaggen/internal/spec"
)

// TestSeedTableThroughGeneratedCode runs the runtime's seed table
// (runtime/testdata/seed_cascade.json: what the seed's own is_enabled
// decides for each config, environment and context) through generated code:
// every config becomes flags of one spec (renamed, with the original name as
// salt so that buckets stay the seed's), each context a typed Context (a
// missing attribute is the field's zero value), and each evaluation goes
// through the generated accessor and Context.flagAttrs. The typed Context's
// presence rule (zero fields present, the key at zero absent, all-zero the
// empty context) must give the seed's answers.
func TestSeedTableThroughGeneratedCode(t *testing.T) {
	t.Parallel()
	data, err := os.ReadFile("../../runtime/testdata/seed_cascade.json")
	if err != nil {
		t.Fatal(err)
	}
	var tab struct {
		Now          string
		Environments []string
		Contexts     []map[string]any
		Configs      []map[string]map[string]any
		Want         []string
	}
	if err := json.Unmarshal(data, &tab); err != nil {
		t.Fatal(err)
	}
	if _, err := time.Parse(time.RFC3339, tab.Now); err != nil {
		t.Fatal(err)
	}
	flags := map[string]map[string]any{}
	var accessors []string
	for ci, cfg := range tab.Configs {
		rename := func(name string) string { return fmt.Sprintf("c%d_%s", ci, name) }
		for name, fc := range cfg {
			c := map[string]any{"salt": name}
			for k, v := range fc {
				c[k] = v
			}
			if deps, ok := fc["depends_on"].([]any); ok {
				var renamed []any
				for _, d := range deps {
					renamed = append(renamed, rename(d.(string)))
				}
				c["depends_on"] = renamed
			}
			flags[rename(name)] = c
		}
		accessors = append(accessors, spec.GoName(rename("f")))
	}
	src, err := json.MarshalIndent(map[string]any{"flags": flags}, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	s, err := spec.Parse("flags.json", src)
	if err != nil {
		t.Fatal(err)
	}
	files, err := gen.Generate(s, gen.Options{Package: "out", Now: time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)})
	if err != nil {
		t.Fatal(err)
	}

	var main strings.Builder
	fmt.Fprintf(&main, `package main

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"example.com/c/out"
	"github.com/flaggen/flaggen/runtime"
)

var contexts = []*out.Context{
`)
	fields := map[string]string{"user_id": "UserID", "region": "Region", "account_type": "AccountType", "beta_program": "BetaProgram"}
	for _, c := range tab.Contexts {
		var kv []string
		for _, k := range slices.Sorted(func(yield func(string) bool) {
			for k := range c {
				if !yield(k) {
					return
				}
			}
		}) {
			v, err := json.Marshal(c[k])
			if err != nil {
				t.Fatal(err)
			}
			kv = append(kv, fields[k]+": "+string(v))
		}
		fmt.Fprintf(&main, "\t{%s},\n", strings.Join(kv, ", "))
	}
	fmt.Fprintf(&main, "}\n\nvar environments = %#v\n\n", tab.Environments)
	fmt.Fprintf(&main, "func accessors(f *out.Flags) []func(context.Context, *out.Context) bool {\n\treturn []func(context.Context, *out.Context) bool{\n")
	for _, a := range accessors {
		fmt.Fprintf(&main, "\t\tf.%s,\n", a)
	}
	fmt.Fprintf(&main, `	}
}

func main() {
	now, err := time.Parse(time.RFC3339, %q)
	if err != nil {
		panic(err)
	}
	ctx := context.Background()
	var byEnv [][]func(context.Context, *out.Context) bool
	for _, env := range environments {
		f := out.MustNew(runtime.WithEnvironment(env), runtime.WithClock(func() time.Time { return now }),
			runtime.WithLogger(slog.New(slog.DiscardHandler)))
		defer f.Close()
		byEnv = append(byEnv, accessors(f))
	}
	for i := range byEnv[0] {
		line := make([]byte, 0, len(environments)*len(contexts))
		for _, acc := range byEnv {
			for _, c := range contexts {
				if acc[i](ctx, c) {
					line = append(line, '1')
				} else {
					line = append(line, '0')
				}
			}
		}
		fmt.Println(string(line))
	}
}
`, tab.Now)

	goCmd := testModule(t, map[string][]byte{"out/" + gen.FileName: files[gen.FileName], "main.go": []byte(main.String())})
	out, err := goCmd("run", ".")
	if err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	got := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
	if len(got) != len(tab.Want) {
		t.Fatalf("main printed %d lines, want %d:\n%s", len(got), len(tab.Want), out)
	}
	for ci := range tab.Want {
		if got[ci] != tab.Want[ci] {
			cj, _ := json.Marshal(tab.Configs[ci])
			for k := range got[ci] {
				if got[ci][k] != tab.Want[ci][k] {
					env, xi := tab.Environments[k/len(tab.Contexts)], k%len(tab.Contexts)
					t.Errorf("config %d %s, env %s, context %d %v: generated code says %c, seed says %c",
						ci, cj, env, xi, tab.Contexts[xi], got[ci][k], tab.Want[ci][k])
				}
			}
		}
	}
}
