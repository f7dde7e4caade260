package ops

import "fmt"

// UsageError is a mistake in what the operator asked for (a malformed URL,
// a bad argument), as opposed to a failure to carry it out: the command
// line reports it with the command's synopsis and exit status 2.
type UsageError struct{ Msg string }

func (e *UsageError) Error() string { return e.Msg }

// Usagef returns a UsageError.
func Usagef(format string, args ...any) error {
	return &UsageError{Msg: fmt.Sprintf(format, args...)}
}
