package remove

import (
	"strings"

	"github.com/flaggen/flaggen/internal/textdiff"
)

// Diff returns the plan as a unified diff, with names relative to p.Dir.
func (p *Plan) Diff() string {
	var b strings.Builder
	for _, f := range p.Files {
		name := rel(p.Dir, f.Name)
		b.WriteString(textdiff.Unified("a/"+name, "b/"+name, f.Old, f.New, 0))
	}
	return b.String()
}
