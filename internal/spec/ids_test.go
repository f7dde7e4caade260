package spec

import (
	"encoding/json"
	"testing"
)

// TestIDs: an allow-list keeps its entries in order, finds each listed id
// and no other, sorted or not, and writes itself back as JSON.
func TestIDs(t *testing.T) {
	for _, l := range []*IDs{IntIDs(5, -3, 9, 1<<62), IntIDs(-3, 5, 9, 1<<62)} {
		for i := range l.Len() {
			if !l.HasInt(l.Int(i)) {
				t.Errorf("%#v lacks %d", l, l.Int(i))
			}
		}
		for _, no := range []int64{-4, 0, 6, 10, 1<<63 - 1} {
			if l.HasInt(no) || l.HasString("5") {
				t.Errorf("%#v has %d", l, no)
			}
		}
	}
	l := StringIDs("bob", "", "al\"ice", "é", "a")
	for i, want := range []string{"bob", "", "al\"ice", "é", "a"} {
		if l.String(i) != want || !l.HasString(want) {
			t.Errorf("entry %d = %q, want %q listed", i, l.String(i), want)
		}
	}
	if l.HasString("b") || l.HasString("bobx") || l.HasInt(0) {
		t.Error("an unlisted id is listed")
	}
	if b, err := json.Marshal(Patch{Users: l}); err != nil || string(b) != `{"users":["bob","","al\"ice","é","a"]}` {
		t.Errorf("marshal: %s %v", b, err)
	}
	if b, err := json.Marshal(Patch{Users: IntIDs()}); err != nil || string(b) != `{"users":[]}` {
		t.Errorf("marshal: %s %v", b, err)
	}
	s := demoSpec(t)
	p, err := DecodePatch(s, "new_ui", []byte(`{"users": [3, 1, 2]}`))
	if err != nil || p.Users.Len() != 3 || p.Users.Int(0) != 3 || !p.Users.HasInt(2) {
		t.Fatalf("decoded %#v, %v", p.Users, err)
	}
}

// BenchmarkIDsHasInt: a lookup in an allow-list of 1,000,000 integers
// written out of order: no allocation.
func BenchmarkIDsHasInt(b *testing.B) {
	const n = 1_000_000
	ids := make([]int64, n)
	for i := range ids {
		ids[i] = int64((i * 7919) % n)
	}
	l := IntIDs(ids...)
	b.ReportAllocs()
	i := int64(0)
	for b.Loop() {
		i = (i + 104729) % (2 * n)
		if l.HasInt(i) != (i < n) {
			b.Fatal(i)
		}
	}
}
