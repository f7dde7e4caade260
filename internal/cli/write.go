package cli

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
)

// writeFiles writes files into dir atomically: every file goes to a temporary
// file in dir first, and only when all are written are they renamed into
// place. Files whose content is unchanged are not touched (their
// modification time stays, so builds stay cached).
func writeFiles(dir string, files map[string][]byte) (err error) {
	if err := os.MkdirAll(dir, 0o777); err != nil {
		return err
	}
	type pending struct{ tmp, dst string }
	var todo []pending
	defer func() {
		if err != nil {
			for _, p := range todo {
				os.Remove(p.tmp)
			}
		}
	}()
	for _, name := range sortedNames(files) {
		dst := filepath.Join(dir, name)
		if old, err := os.ReadFile(dst); err == nil && bytes.Equal(old, files[name]) {
			continue
		} else if err != nil && !errors.Is(err, os.ErrNotExist) {
			return err
		}
		f, err := os.CreateTemp(dir, "."+name+".*.tmp")
		if err != nil {
			return err
		}
		todo = append(todo, pending{tmp: f.Name(), dst: dst})
		_, err = f.Write(files[name])
		if err == nil {
			err = f.Chmod(0o644)
		}
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			return err
		}
	}
	for i, p := range todo {
		if err := os.Rename(p.tmp, p.dst); err != nil {
			todo = todo[i:]
			return err
		}
	}
	return nil
}
