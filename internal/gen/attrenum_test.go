package gen_test

import (
	"strings"
	"testing"
)

// TestEnumStringDoesNotCompile: the point of a typed enum attribute is that
// a misspelt value is a compile error. A string constant, even a declared
// value, does not convert to the attribute's integer type; a named string
// type would take "por" silently.
func TestEnumStringDoesNotCompile(t *testing.T) {
	t.Parallel()
	var src []byte
	for _, c := range goldenCases(t) {
		if c.name == "enum_context" {
			src, _ = c.file("out/flags_gen.go")
		}
	}
	if src == nil {
		t.Fatal("no out/flags_gen.go in testdata/enum_context.txtar")
	}
	main := []byte(`package main

import "example.com/c/out"

var (
	_ = out.Context{Plan: "por"}
	_ = out.Context{Plan: "pro"}
	_ = out.Context{Plan: out.PlanPro}
)

func main() {}
`)
	goCmd := testModule(t, map[string][]byte{"out/flags_gen.go": src, "main.go": main})
	out, err := goCmd("build", ".")
	if err == nil {
		t.Fatal(`out.Context{Plan: "por"} compiles`)
	}
	for _, want := range []string{`main.go:6:24: cannot use "por"`, `main.go:7:24: cannot use "pro"`} {
		if !strings.Contains(out, want) {
			t.Errorf("the build failed, but not with %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "main.go:8:") {
		t.Errorf("out.Context{Plan: out.PlanPro} does not compile:\n%s", out)
	}
}
