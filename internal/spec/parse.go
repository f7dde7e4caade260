package spec

import (
	"slices"
	"strings"

	"github.com/flaggen/flaggen/schema"
)

// Parse decodes and validates a spec file and returns its model. file names
// the spec in error positions. On bad input the error is an ErrorList with
// every problem found: syntax (then only that one), duplicate keys, schema
// violations and semantic problems, each as "FILE:LINE:COL: /pointer: msg".
func Parse(file string, data []byte) (*Spec, error) {
	doc, errs := decodeDocument(file, data, "")
	if doc == nil {
		return nil, errs
	}
	// The schema check and the build only read the tree (and the schema
	// check never asks doc.nodeAt, which indexes it), so they run at once.
	var schemaErrs ErrorList
	done := make(chan struct{})
	go func() {
		defer close(done)
		schemaErrs = append(listsOver(doc.root, MaxSpecList, "a spec"), doc.validate(schema.Spec())...)
		seedHint(doc.root, schemaErrs)
	}()
	b := &builder{}
	s := b.spec(doc.root)
	builtErrs := append(b.errs, check(s)...)
	<-done
	errs = append(append(errs, schemaErrs...), builtErrs...)
	if len(errs) > 0 {
		for _, e := range errs {
			doc.locate(e)
		}
		return nil, errs.sortDedup()
	}
	s.File = file
	s.Source = data
	return s, nil
}

// seedHint explains the errors of a bare seed features_config.json (flags
// at the top level, no "flags" object): that file goes under "flags" as it is.
func seedHint(root *node, errs ErrorList) {
	if root.kind != kObject || slices.Contains(root.keys, "flags") {
		return
	}
	looksLikeFlag := map[string]bool{}
	for i, k := range root.keys {
		if v := root.elems[i]; v.kind == kObject && slices.Contains(v.keys, "active") {
			looksLikeFlag["/"+escapeToken(k)] = true
		}
	}
	if len(looksLikeFlag) == 0 {
		return
	}
	for _, e := range errs {
		switch {
		case e.Pointer == "" && e.Msg == `missing required field "flags"`:
			e.Msg += ` (this looks like a seed features_config.json: wrap it as {"flags": …}, unchanged)`
		case looksLikeFlag[e.Pointer] && strings.HasPrefix(e.Msg, "unknown field"):
			e.Msg += ` (a flag? flags go under "flags")`
		}
	}
}
