package generated

import (
	"bufio"
	"bytes"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/flaggen/flaggen/internal/cli"
)

// directive is one //go:generate line that runs flaggen generate.
type directive struct {
	file string // the Go file holding it
	line int
	args []string // flaggen's arguments, "generate" first
}

// TestGeneratedFresh regenerates, in memory, the output of every
// //go:generate directive in the module that runs flaggen generate (in
// generated/, examples/, anywhere) and fails when a checked-in file differs:
// run go generate ./... (make generate) and commit the result.
func TestGeneratedFresh(t *testing.T) {
	root := moduleRoot(t)
	dirs := findDirectives(t, root)
	if len(dirs) < 2 {
		t.Fatalf("found %d flaggen go:generate directives under %s, want at least generated/seed and generated/demo", len(dirs), root)
	}
	for _, d := range dirs {
		rel, _ := filepath.Rel(root, d.file)
		t.Run(filepath.ToSlash(rel), func(t *testing.T) {
			t.Chdir(filepath.Dir(d.file)) // as go generate does
			args := append([]string{d.args[0], "-check"}, d.args[1:]...)
			var stdout, stderr bytes.Buffer
			if code := cli.Main(args, strings.NewReader(""), &stdout, &stderr); code != 0 {
				t.Errorf("%s:%d: the generated code is stale (exit %d); run go generate ./... and commit the result:\n%s%s",
					rel, d.line, code, stdout.String(), stderr.String())
			}
		})
	}
}

func moduleRoot(t *testing.T) string {
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		if data, err := os.ReadFile(filepath.Join(dir, "go.mod")); err == nil && bytes.Contains(data, []byte("module github.com/flaggen/flaggen\n")) {
			return dir
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Fatal("module root github.com/flaggen/flaggen not found")
		}
		dir = parent
	}
}

// findDirectives scans the Go files under root (not testdata, hidden or
// vendor directories) for go:generate lines running flaggen generate.
func findDirectives(t *testing.T, root string) []directive {
	var found []directive
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		name := d.Name()
		if d.IsDir() {
			if path != root && (name == "testdata" || name == "vendor" || strings.HasPrefix(name, ".") || strings.HasPrefix(name, "_")) {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(name, ".go") {
			return nil
		}
		f, err := os.Open(path)
		if err != nil {
			return err
		}
		defer f.Close()
		sc := bufio.NewScanner(f)
		sc.Buffer(nil, 1<<24)
		for n := 1; sc.Scan(); n++ {
			line := sc.Text()
			if !strings.HasPrefix(line, "//go:generate ") {
				continue
			}
			words, err := splitArgs(strings.TrimPrefix(line, "//go:generate "))
			if err != nil {
				t.Errorf("%s:%d: %v", path, n, err)
				continue
			}
			if args := flaggenArgs(words); args != nil {
				found = append(found, directive{file: path, line: n, args: args})
			}
		}
		return sc.Err()
	})
	if err != nil {
		t.Fatal(err)
	}
	return found
}

// flaggenArgs returns the arguments of a flaggen generate command line
// ("go run …/cmd/flaggen generate …", "go tool flaggen generate …" or
// "flaggen generate …"), or nil for any other command.
func flaggenArgs(words []string) []string {
	for i, w := range words {
		if (w == "flaggen" || strings.HasSuffix(w, "/cmd/flaggen")) && i+1 < len(words) && words[i+1] == "generate" {
			return words[i+1:]
		}
	}
	return nil
}

// splitArgs splits a go:generate line as go generate does: on spaces,
// with double-quoted Go strings as single words.
func splitArgs(s string) ([]string, error) {
	var words []string
	for s = strings.TrimSpace(s); s != ""; s = strings.TrimSpace(s) {
		if s[0] == '"' {
			q, err := strconv.QuotedPrefix(s)
			if err != nil {
				return nil, err
			}
			w, _ := strconv.Unquote(q)
			words = append(words, w)
			s = s[len(q):]
			continue
		}
		i := strings.IndexAny(s, " \t")
		if i < 0 {
			i = len(s)
		}
		words = append(words, s[:i])
		s = s[i:]
	}
	return words, nil
}
