package spec

import (
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
	errs = append(errs, doc.validate(schema.Spec())...)
	b := &builder{}
	s := b.spec(doc.root)
	errs = append(errs, b.errs...)
	errs = append(errs, check(s)...)
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
