package textdiff

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
)

func TestUnified(t *testing.T) {
	old := "a\nb\nc\nd\ne\nf\ng\nh\ni\nj\n"
	new := "a\nb\nc\nD\ne\nf\ng\nh\ni\nj\nk\n"
	want := "--- x\n+++ y\n@@ -1,10 +1,11 @@\n a\n b\n c\n-d\n+D\n e\n f\n g\n h\n i\n j\n+k\n"
	if got := Unified("x", "y", []byte(old), []byte(new), 0); got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
	if d := Unified("x", "y", []byte(old), []byte(old), 0); d != "" {
		t.Errorf("equal texts: %q", d)
	}
	if d := Unified("x", "y", []byte("a"), []byte("b"), 0); d != "--- x\n+++ y\n@@ -1 +1 @@\n-a\n\\ No newline at end of file\n+b\n\\ No newline at end of file\n" {
		t.Errorf("no final newline: %q", d)
	}
	if d := Unified("x", "y", []byte("a\n"), []byte("a"), 0); d != "--- x\n+++ y\n@@ -1 +1 @@\n-a\n+a\n\\ No newline at end of file\n" {
		t.Errorf("final newline dropped: %q", d)
	}
	if d := Unified("x", "y", nil, []byte("a\n"), 0); d != "--- x\n+++ y\n@@ -0,0 +1 @@\n+a\n" {
		t.Errorf("from empty: %q", d)
	}
}

func TestUnifiedContext(t *testing.T) {
	a := []byte("1\n2\n3\n4\n5\n6\n7\n8\n9\n")
	b := []byte("1\n2\n3\n4\nfive\n6\n7\n8\n9\n")
	want := "--- a\n+++ b\n@@ -2,7 +2,7 @@\n 2\n 3\n 4\n-5\n+five\n 6\n 7\n 8\n"
	if got := Unified("a", "b", a, b, 40); got != want {
		t.Errorf("diff:\n%s\nwant:\n%s", got, want)
	}
}

func TestUnifiedBounded(t *testing.T) {
	var long, other strings.Builder
	for i := range 100 {
		long.WriteString("x\n")
		other.WriteString(strings.Repeat("y", i%3+1) + "\n")
	}
	got := Unified("a", "b", []byte(long.String()), []byte(other.String()), 40)
	if n := strings.Count(got, "\n"); n > 40+5 {
		t.Errorf("long diff has %d lines, want at most %d", n, 40+5)
	}
	if !strings.Contains(got, "… (160 more changed lines)") {
		t.Errorf("long diff does not say how much it left out:\n%s", got)
	}
}

func TestUnifiedHunks(t *testing.T) {
	var a, b strings.Builder
	for i := range 50 {
		fmt.Fprintf(&a, "line %d\n", i)
		switch i {
		case 10:
			b.WriteString("changed 10\n")
		case 40:
			fmt.Fprintf(&b, "line %d\ninserted\n", i)
		default:
			fmt.Fprintf(&b, "line %d\n", i)
		}
	}
	got := Unified("a", "b", []byte(a.String()), []byte(b.String()), 0)
	want := "--- a\n+++ b\n" +
		"@@ -8,7 +8,7 @@\n line 7\n line 8\n line 9\n-line 10\n+changed 10\n line 11\n line 12\n line 13\n" +
		"@@ -39,6 +39,7 @@\n line 38\n line 39\n line 40\n+inserted\n line 41\n line 42\n line 43\n"
	if got != want {
		t.Errorf("diff:\n%s\nwant:\n%s", got, want)
	}
}

// TestLargeInput: two texts of 200,000 lines with changes far apart diff
// in bounded memory (no table of every pair of lines).
func TestLargeInput(t *testing.T) {
	var a, b strings.Builder
	for i := range 200_000 {
		fmt.Fprintf(&a, "line %d\n", i)
		if i%50_000 == 7 {
			b.WriteString("changed\n")
			continue
		}
		fmt.Fprintf(&b, "line %d\n", i)
	}
	got := Unified("a", "b", []byte(a.String()), []byte(b.String()), 0)
	if n := strings.Count(got, "\n+changed\n"); n != 4 {
		t.Errorf("%d changes shown, want 4:\n%.500s", n, got)
	}
}

// TestEditScriptValid checks on random inputs that the edit script turns a
// into b.
func TestEditScriptValid(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	gen := func() []string {
		s := make([]string, r.IntN(30))
		for i := range s {
			s[i] = string(rune('a' + r.IntN(4)))
		}
		return s
	}
	for range 2000 {
		a, b := gen(), gen()
		var gotA, gotB []string
		for _, e := range editScript(a, b) {
			if e.op != '+' {
				gotA = append(gotA, e.line)
			}
			if e.op != '-' {
				gotB = append(gotB, e.line)
			}
		}
		if !slices.Equal(gotA, a) || !slices.Equal(gotB, b) {
			t.Fatalf("edit script of %q → %q yields %q → %q", a, b, gotA, gotB)
		}
	}
}
