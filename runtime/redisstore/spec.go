package redisstore

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/flaggen/flaggen/runtime/store"
)

var (
	_ store.SpecRecorder = (*Store)(nil)
	_ store.SpecChecker  = (*Store)(nil)
)

// UseSpec implements store.SpecChecker: from now on Apply and Merge
// refuse a patch that sp.CheckPatches refuses, and Register one other than
// {} (the spec as written), writing nothing. runtime.NewClient calls it
// with the Client's spec; code that writes through the store directly
// calls it first: until then the store refuses every such patch, so none
// reaches the apps unchecked. (Several Clients over one store: the last
// one's spec is used.)
func (s *Store) UseSpec(sp store.PatchChecker) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.spec = sp
}

// errNoSpec refuses a patch written before UseSpec.
var errNoSpec = errors.New("no spec to check the patches against: call UseSpec first (runtime.NewClient does)")

// checkPatches returns an error unless every patch of flags is valid over
// the spec given to UseSpec.
func (s *Store) checkPatches(flags map[string]json.RawMessage) error {
	s.mu.Lock()
	sp := s.spec
	s.mu.Unlock()
	if sp == nil {
		for _, p := range flags {
			if !store.IsNull(p) {
				return errNoSpec
			}
		}
		return nil
	}
	return sp.CheckPatches(flags)
}

// specRecord is a spec given to RecordSpec.
type specRecord struct {
	file string
	src  []byte
}

// RecordSpec implements store.SpecRecorder: it replaces the hash
// flaggen:{NS}:spec with the fields file, source, sha256 (hex, of source)
// and time (RFC 3339, UTC) in one MULTI/EXEC (DEL, HSET), so a reader never
// sees a mix of two records. A runtime.Client records its spec at start.
func (s *Store) RecordSpec(ctx context.Context, file string, src []byte) error {
	if s.isClosed() {
		return store.ErrClosed
	}
	s.mu.Lock()
	s.record = &specRecord{file: file, src: slices.Clone(src)}
	s.mu.Unlock()
	_, err := s.c.TxPipelined(ctx, func(p redis.Pipeliner) error {
		p.Del(ctx, s.key.spec)
		p.HSet(ctx, s.key.spec,
			"file", file,
			"source", src,
			"sha256", store.SpecSHA256(src),
			"time", s.now().UTC().Format(time.RFC3339Nano))
		return nil
	})
	if err != nil {
		return fmt.Errorf("flaggen: redis write failed: recording the spec: %w", s.noteErr(err))
	}
	s.noteErr(nil)
	return nil
}

// RecordedSpec implements store.SpecRecorder by reading flaggen:{NS}:spec.
// A hash without a source, or whose sha256 does not match its source
// (edited by hand), is an error naming the key.
func (s *Store) RecordedSpec(ctx context.Context) (file string, src []byte, ok bool, err error) {
	if s.isClosed() {
		return "", nil, false, store.ErrClosed
	}
	h, err := s.c.HGetAll(ctx, s.key.spec).Result()
	if err != nil {
		return "", nil, false, fmt.Errorf("flaggen: redis read failed: %s: %w", s.key.spec, s.noteErr(err))
	}
	s.noteErr(nil)
	if len(h) == 0 {
		return "", nil, false, nil
	}
	source, has := h["source"]
	if !has {
		return "", nil, false, fmt.Errorf("flaggen: %s has no source field", s.key.spec)
	}
	if sum := store.SpecSHA256([]byte(source)); sum != h["sha256"] {
		return "", nil, false, fmt.Errorf("flaggen: %s: sha256 %q does not match its source (sha256 %s): edited by hand?", s.key.spec, h["sha256"], sum)
	}
	return h["file"], []byte(source), true, nil
}
