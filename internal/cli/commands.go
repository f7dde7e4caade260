package cli

// commands is the table of flaggen's commands, in the order of the manual
// (cmd/flaggen/doc.go, generated from it): the spec commands, the
// operator commands on live state, then version and completion. help and
// the hidden __complete (completion.go) are Main's own.
var commands = []*Command{
	generateCmd,
	validateCmd,
	schemaCmd,
	lintCmd,
	removeCmd,
	evalCmd,
	lsCmd,
	getCmd,
	enableCmd,
	disableCmd,
	rolloutCmd,
	patchCmd,
	releaseCmd,
	segmentsCmd,
	segmentCmd,
	resetCmd,
	resetLiveCmd,
	auditCmd,
	feedbackCmd,
	exposureCmd,
	versionCmd,
	completionCmd,
	serveCmd,
}
