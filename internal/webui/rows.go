package webui

import (
	"html"
	"html/template"
	"strconv"
	"strings"
)

// rowsHTML renders the rows of the flags list. It writes what flags.html
// would, without html/template's reflection, which cost most of the
// render of a thousand flags; every value is escaped with
// html.EscapeString, and every attribute is quoted.
func rowsHTML(rows []flagRow) template.HTML {
	if len(rows) == 0 {
		return `<tr><td colspan="10" class="empty">No flag matches.</td></tr>`
	}
	var b strings.Builder
	b.Grow(len(rows) * 1200)
	esc := func(s string) { b.WriteString(html.EscapeString(s)) }
	for i := range rows {
		r := &rows[i]
		b.WriteString(`<tr><th scope="row"><a class="flagname" href="`)
		esc(r.URL)
		b.WriteString(`">`)
		esc(r.Flag)
		b.WriteString(`</a>`)
		if r.Description != "" {
			b.WriteString(`<div class="desc">`)
			esc(r.Description)
			b.WriteString(`</div>`)
		}
		if r.Problem != "" {
			b.WriteString(`<div class="err small">⚠ `)
			esc(r.Problem)
			b.WriteString(`</div>`)
		}
		b.WriteString(`</th><td><span class="state s-`)
		esc(r.State)
		b.WriteString(`"`)
		if r.StateReason != "" {
			b.WriteString(` title="`)
			esc(r.StateReason)
			b.WriteString(`"`)
		}
		b.WriteString(`><span aria-hidden="true">`)
		esc(r.Icon)
		b.WriteString(`</span> `)
		esc(r.State)
		b.WriteString(`</span>`)
		if r.Expired {
			b.WriteString(` <span class="state s-expired" title="past its expires date"><span aria-hidden="true">⊘</span> expired</span>`)
		}
		b.WriteString(`</td><td class="num">`)
		if r.RolloutValue != nil {
			b.WriteString(`<progress class="bar" max="100" value="`)
			b.WriteString(strconv.FormatFloat(*r.RolloutValue, 'f', -1, 64))
			b.WriteString(`" aria-hidden="true"></progress> `)
		}
		esc(r.Rollout)
		b.WriteString(`</td><td><code>`)
		esc(r.Type)
		b.WriteString(`</code></td><td>`)
		esc(orDash(r.Owner))
		b.WriteString(`</td><td>`)
		if r.Kind != "" {
			b.WriteString(`<span class="tag">`)
			esc(r.Kind)
			b.WriteString(`</span>`)
		} else {
			b.WriteString("—")
		}
		b.WriteString(`</td><td>`)
		for _, rel := range r.Releases {
			b.WriteString(`<span class="tag tag-rel">`)
			esc(rel)
			b.WriteString(`</span> `)
		}
		if len(r.Releases) == 0 {
			b.WriteString("—")
		}
		b.WriteString(`</td><td class="small num">`)
		esc(r.EvalsPerMin)
		b.WriteString(`</td><td class="small">`)
		esc(r.LastEval)
		b.WriteString(`</td><td class="small">`)
		if r.Changed != "" {
			esc(r.Changed)
			b.WriteString(`<br><span class="muted">`)
			esc(r.ChangedBy)
			b.WriteString(`</span>`)
		} else {
			b.WriteString("—")
		}
		b.WriteString("</td></tr>\n")
	}
	return template.HTML(b.String())
}

func orDash(s string) string {
	if s == "" {
		return "—"
	}
	return s
}
