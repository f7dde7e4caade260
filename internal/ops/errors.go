package ops

import (
	"errors"
	"fmt"
)

// UsageError is a mistake in what the operator asked for (a malformed URL,
// a bad argument), as opposed to a failure to carry it out: the command
// line reports it with the command's synopsis and exit status 2.
type UsageError struct{ Msg string }

func (e *UsageError) Error() string { return e.Msg }

// Usagef returns a UsageError.
func Usagef(format string, args ...any) error {
	return &UsageError{Msg: fmt.Sprintf(format, args...)}
}

// ErrNotRecorded is wrapped by the error of a write to a namespace where
// no app ever recorded its spec (Session.CheckWrite): most often a wrong
// namespace, where the write would reach no app and switch nothing.
var ErrNotRecorded = errors.New("no app ever recorded its spec in the namespace")

// NotRecordedError is the error of Session.CheckRecorded: no app ever
// recorded its spec in Namespace, at the Redis URL (credentials
// redacted). It wraps ErrNotRecorded.
type NotRecordedError struct{ Namespace, URL string }

func (e *NotRecordedError) Error() string {
	return fmt.Sprintf("no app ever recorded its spec in namespace %s at %s: a write there reaches no app (a wrong namespace?)", e.Namespace, e.URL)
}

func (e *NotRecordedError) Unwrap() error { return ErrNotRecorded }
