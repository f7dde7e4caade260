package runtime

import "github.com/flaggen/flaggen/internal/spec"

// flagTripped returns the live "tripped" reason of a flag.
func flagTripped(f *spec.Flag) string { return "" }
