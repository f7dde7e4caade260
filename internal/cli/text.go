package cli

import "github.com/flaggen/flaggen/internal/ops"

// Text read from Redis is escaped for display by ops.Shown; a stored value
// that is not JSON is kept from breaking -json output by ops.JSONShown.

// invalidJSON is how -json output shows a stored value that is not valid
// JSON (ops.InvalidJSON).
type invalidJSON = ops.InvalidJSON

var (
	jsonShown    = ops.JSONShown
	jsonShownMap = ops.JSONShownMap
)
