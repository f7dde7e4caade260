// Package ops holds the operations on a namespace's live state that the
// command line, lint, the admin API and any other operator surface share:
// opening a session on a Redis or on another store, inspecting the live
// state and writing checked edits.
package ops
