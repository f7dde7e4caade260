package main

import (
	"flag"
	"go/parser"
	"go/token"
	"strings"
	"testing"

	"github.com/flaggen/flaggen/internal/cli"
)

// TestManualCoversEveryCommand keeps the package doc (the manual, go doc
// github.com/flaggen/flaggen/cmd/flaggen) true: every registered command has
// a section with its synopsis, and every option of it is described.
func TestManualCoversEveryCommand(t *testing.T) {
	f, err := parser.ParseFile(token.NewFileSet(), "doc.go", nil, parser.ParseComments|parser.PackageClauseOnly)
	if err != nil {
		t.Fatal(err)
	}
	manual := f.Doc.Text()
	for _, c := range cli.Commands() {
		if !strings.Contains(manual, "# "+c.Name+"\n") {
			t.Errorf("the manual (cmd/flaggen/doc.go) has no section \"# %s\"", c.Name)
			continue
		}
		section := manual[strings.Index(manual, "# "+c.Name+"\n"):]
		if i := strings.Index(section[1:], "\n# "); i >= 0 {
			section = section[:i+1]
		}
		if synopsis := "flaggen " + c.Name + " " + c.Args; !strings.Contains(section, synopsis) {
			t.Errorf("the manual's section %s lacks the synopsis %q", c.Name, synopsis)
		}
		fs := flag.NewFlagSet(c.Name, flag.ContinueOnError)
		c.Setup(fs)
		fs.VisitAll(func(fl *flag.Flag) {
			if !strings.Contains(section, "\t-"+fl.Name+" ") {
				t.Errorf("the manual's section %s does not describe -%s", c.Name, fl.Name)
			}
		})
	}
}
