package readme

import (
	"bufio"
	"bytes"
	"fmt"
	"strings"
)

// Block is one fenced code block of a Markdown document.
type Block struct {
	Line  int               // 1-based line of the opening fence
	Lang  string            // the info string's first word: sh, go, json, text …
	Attrs map[string]string // the other words: key=value, or key with value ""
	Body  string            // the lines between the fences, each ending in \n
}

// Has reports whether the block's info string holds the word key.
func (b *Block) Has(key string) bool {
	_, ok := b.Attrs[key]
	return ok
}

// Parse returns the fenced code blocks of a Markdown document (``` fences
// at the start of a line, as this repository writes them).
func Parse(doc []byte) ([]*Block, error) {
	var blocks []*Block
	var cur *Block
	var body strings.Builder
	sc := bufio.NewScanner(bytes.NewReader(doc))
	for n := 1; sc.Scan(); n++ {
		line := sc.Text()
		if !strings.HasPrefix(line, "```") {
			if cur != nil {
				body.WriteString(line + "\n")
			}
			continue
		}
		if cur != nil {
			if strings.TrimSpace(line) != "```" {
				return nil, fmt.Errorf("README.md:%d: a fence inside the block opened at line %d", n, cur.Line)
			}
			cur.Body = body.String()
			blocks = append(blocks, cur)
			cur = nil
			body.Reset()
			continue
		}
		words := strings.Fields(strings.TrimPrefix(line, "```"))
		cur = &Block{Line: n, Attrs: map[string]string{}}
		for i, w := range words {
			if i == 0 {
				cur.Lang = w
				continue
			}
			k, v, _ := strings.Cut(w, "=")
			cur.Attrs[k] = v
		}
	}
	if cur != nil {
		return nil, fmt.Errorf("README.md:%d: unterminated code block", cur.Line)
	}
	return blocks, sc.Err()
}

// Commands splits a shell block into its commands: one per line, with
// backslash continuations joined; blank lines and comment lines are not
// commands.
func Commands(body string) []string {
	var cmds []string
	var cont string
	for _, line := range strings.Split(body, "\n") {
		if cont != "" {
			line = cont + " " + strings.TrimSpace(line)
			cont = ""
		}
		if strings.HasSuffix(line, "\\") {
			cont = strings.TrimSuffix(line, "\\")
			continue
		}
		if t := strings.TrimSpace(line); t != "" && !strings.HasPrefix(t, "#") {
			cmds = append(cmds, t)
		}
	}
	if cont != "" {
		cmds = append(cmds, strings.TrimSpace(cont))
	}
	return cmds
}
