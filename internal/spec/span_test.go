package spec

import "testing"

func TestSpans(t *testing.T) {
	src := `{"flags": {"a": {"active": true}, "b": {"active": true, "depends_on": ["a"]}}}`
	s, err := Parse("flags.json", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	v, members, ok := s.Spans("/flags")
	if !ok || src[v.Key:v.Key+7] != `"flags"` || src[v.Off:v.End] != `{"a": {"active": true}, "b": {"active": true, "depends_on": ["a"]}}` {
		t.Fatalf("/flags: %+v %v", v, ok)
	}
	if len(members) != 2 || src[members[0].Start():members[0].End] != `"a": {"active": true}` || src[members[1].Off:members[1].End] != `{"active": true, "depends_on": ["a"]}` {
		t.Errorf("members: %+v", members)
	}
	dep, elems, ok := s.Spans("/flags/b/depends_on")
	if !ok || len(elems) != 1 || elems[0].Key != -1 || src[elems[0].Start():elems[0].End] != `"a"` || src[dep.Off:dep.End] != `["a"]` {
		t.Errorf("depends_on: %+v %+v", dep, elems)
	}
	if _, _, ok := s.Spans("/flags/c"); ok {
		t.Error("/flags/c found")
	}
}
