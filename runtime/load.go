package runtime

import "github.com/flaggen/flaggen/internal/spec"

// LoadSpec parses and validates a spec (internal/spec.Parse: the same
// checks as at generate time) and compiles the runtime's view of it. The
// error is a spec.ErrorList with a position for every problem.
func LoadSpec(file string, src []byte) (*Spec, error) {
	m, err := spec.Parse(file, src)
	if err != nil {
		return nil, err
	}
	return newSpec(m), nil
}
