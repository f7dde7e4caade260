package spec

// A Span is where one JSON value of a spec's source lies: byte offsets into
// Spec.Source.
type Span struct {
	// Key is the offset of the member's key (its opening quote) when the
	// value is an object member, else -1.
	Key int
	// Off and End are the offsets of the value's first byte and just past
	// its last.
	Off, End int
}

// Start is the offset where the member (its key, if any) begins.
func (sp Span) Start() int {
	if sp.Key >= 0 {
		return sp.Key
	}
	return sp.Off
}

// Spans returns the span of the value at JSON pointer ptr (RFC 6901, e.g.
// "/flags/new_ui") in s.Source followed by the spans of its members or
// elements, in source order; ok is false when ptr names no value. Tools
// that edit the spec text in place (flaggen remove) cut by these offsets.
func (s *Spec) Spans(ptr string) (value Span, children []Span, ok bool) {
	doc, errs := decodeDocument(s.File, s.Source, "")
	if doc == nil || len(errs) > 0 {
		return Span{}, nil, false
	}
	n, found := doc.nodeAt(ptr)
	if !found {
		return Span{}, nil, false
	}
	for _, e := range n.elems {
		children = append(children, Span{Key: e.keyOff, Off: e.off, End: e.end})
	}
	return Span{Key: n.keyOff, Off: n.off, End: n.end}, children, true
}
