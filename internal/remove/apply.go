package remove

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
)

// Apply writes the plan: every new file to a temporary file beside it
// first, then each renamed over the old one, so that a failure before the
// renames leaves every file as it was.
func (p *Plan) Apply() error {
	var temps []string
	cleanup := func() {
		for _, t := range temps {
			os.Remove(t)
		}
	}
	for _, f := range p.Files {
		mode := os.FileMode(0o644)
		if fi, err := os.Stat(f.Name); err == nil {
			mode = fi.Mode().Perm()
		}
		tmp, err := os.CreateTemp(filepath.Dir(f.Name), "."+filepath.Base(f.Name)+".remove-*")
		if err != nil {
			cleanup()
			return err
		}
		temps = append(temps, tmp.Name())
		_, err = tmp.Write(f.New)
		err = errors.Join(err, tmp.Chmod(mode), tmp.Close())
		if err != nil {
			cleanup()
			return fmt.Errorf("writing %s: %v", f.Name, err)
		}
	}
	for i, f := range p.Files {
		if err := os.Rename(temps[i], f.Name); err != nil {
			for _, t := range temps[i:] {
				os.Remove(t)
			}
			return fmt.Errorf("replacing %s (the files before it are written, the rest are not): %v", f.Name, err)
		}
	}
	return nil
}
