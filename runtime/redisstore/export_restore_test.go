package redisstore

import (
	"context"
	"encoding/json"
)

// RestoreFrom runs the restore script as a store that held flags at
// version of epoch before Redis lost them, and returns its status
// ("RESTORED", "NOCHANGE", "HAVE", "WIPED", "SAME" or "AUDIT").
func (s *Store) RestoreFrom(ctx context.Context, epoch string, version uint64, flags map[string]json.RawMessage) (string, error) {
	outcome, _, err := s.runRestore(ctx, restoreCandidate{epoch: epoch, version: version, flags: flags})
	return string(outcome), err
}
