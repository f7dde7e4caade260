package main

import (
	"bytes"
	"flag"
	"go/parser"
	"go/token"
	"os"
	"strings"
	"testing"

	"github.com/flaggen/flaggen/internal/cli"
)

// TestManualFresh keeps the package doc (the manual, go doc
// github.com/flaggen/flaggen/cmd/flaggen) what internal/cli/mkdoc writes
// from the command table: the help text is written once, in internal/cli.
func TestManualFresh(t *testing.T) {
	want, err := cli.Manual()
	if err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile("doc.go")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("cmd/flaggen/doc.go is stale: run go generate ./cmd/flaggen")
	}
}

// TestManualCoversEveryCommand: every command has a section in the
// manual with its synopsis, and every option of it is described.
func TestManualCoversEveryCommand(t *testing.T) {
	src, err := cli.Manual()
	if err != nil {
		t.Fatal(err)
	}
	f, err := parser.ParseFile(token.NewFileSet(), "doc.go", src, parser.ParseComments|parser.PackageClauseOnly)
	if err != nil {
		t.Fatal(err)
	}
	manual := f.Doc.Text()
	for _, c := range append(cli.Commands(), &cli.Command{Name: "help", Args: "[COMMAND]", Setup: func(*flag.FlagSet) func(*cli.Env, []string) error { return nil }}) {
		if !strings.Contains(manual, "# "+c.Name+"\n") {
			t.Errorf("the manual has no section \"# %s\"", c.Name)
			continue
		}
		section := manual[strings.Index(manual, "# "+c.Name+"\n"):]
		if i := strings.Index(section[1:], "\n# "); i >= 0 {
			section = section[:i+1]
		}
		if synopsis := "\tflaggen " + strings.TrimSpace(c.Name+" "+c.Args) + "\n"; !strings.Contains(section, synopsis) {
			t.Errorf("the manual's section %s lacks the synopsis %q", c.Name, synopsis)
		}
		fs := flag.NewFlagSet(c.Name, flag.ContinueOnError)
		c.Setup(fs)
		fs.VisitAll(func(fl *flag.Flag) {
			if !strings.Contains(section, "\t-"+fl.Name+" ") && !strings.Contains(section, "\t-"+fl.Name+"\n") {
				t.Errorf("the manual's section %s does not describe -%s", c.Name, fl.Name)
			}
		})
	}
}
