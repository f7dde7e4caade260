package runtime

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"slices"
	"time"
)

// SpecRecorder is an optional interface of a Store: the store keeps the
// spec source of the apps that use it, so that admin tools (the flaggen CLI)
// can check names and values against the spec the apps run without being
// given the spec file.
//
// NewClient records its spec when its store implements SpecRecorder; a
// failure is logged, not fatal, and retried after the next successful
// reload. A store wrapped with ReadOnly does not implement it, so a Client
// over such a view records nothing. The memory store, the file store and
// the Redis store implement it.
//
// The recorded spec is not live state: recording bumps no version, notifies
// no watcher and writes no audit entry. Apps of one namespace that run
// different specs overwrite each other's record: the last to start wins.
type SpecRecorder interface {
	// RecordSpec stores src, the spec source exactly as the app loaded it
	// from file (the name it gave LoadSpec, e.g. "flags.json"), replacing
	// any spec recorded before, in one atomic write.
	RecordSpec(ctx context.Context, file string, src []byte) error

	// RecordedSpec returns the spec last recorded, byte for byte; ok is
	// false (with a nil error) when none was recorded.
	RecordedSpec(ctx context.Context) (file string, src []byte, ok bool, err error)
}

// Source returns the name the spec was loaded from and its source, exactly
// as given to LoadSpec (what a Client records with SpecRecorder).
func (s *Spec) Source() (file string, src []byte) { return s.m.File, slices.Clone(s.m.Source) }

// SpecSHA256 returns the hex SHA-256 of a spec source: how stores fingerprint
// a recorded spec and how tools compare a spec file with it.
func SpecSHA256(src []byte) string {
	sum := sha256.Sum256(src)
	return hex.EncodeToString(sum[:])
}

// recordedSpec is a recorded spec as the memory and file stores keep it.
type recordedSpec struct {
	File   string    `json:"file"`
	Source string    `json:"source"`
	SHA256 string    `json:"sha256"`
	Time   time.Time `json:"time"`
}

// check verifies the fingerprint (a file edited by hand may break it).
func (r *recordedSpec) check() error {
	if got := SpecSHA256([]byte(r.Source)); got != r.SHA256 {
		return fmt.Errorf("recorded spec %q: sha256 %s does not match its source (sha256 %s): edited by hand?", r.File, r.SHA256, got)
	}
	return nil
}

// recordSpec records the Client's spec when its store is a SpecRecorder
// and it has not been recorded yet. The first failure is logged as a
// warning, later ones at debug level.
func (c *Client) recordSpec(ctx context.Context) {
	r, ok := c.opts.store.(SpecRecorder)
	if !ok || c.specRecorded.Load() {
		return
	}
	if err := r.RecordSpec(ctx, c.spec.m.File, c.spec.m.Source); err != nil {
		if c.specWarned.CompareAndSwap(false, true) {
			c.log.Warn("flaggen: cannot record the spec in the store (for the flaggen CLI); retrying after the next reload", "err", err)
		} else {
			c.log.Debug("flaggen: recording the spec in the store", "err", err)
		}
		return
	}
	c.specRecorded.Store(true)
}
