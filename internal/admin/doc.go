// Package admin is flaggen's JSON admin API: an http.Handler that reads and
// writes one namespace's live state through an ops.Session, with the same
// checks and audit trail as the operators' commands.
//
// # Routes
//
// The handler serves these paths under Prefix (/admin/v1/), whether the
// mux that mounts it strips the prefix or not:
//
//	GET    /admin/v1/flags                    every flag's effective configuration (ops.Inspection), and
//	                                          "exposure": each flag's evaluations by environment
//	GET    /admin/v1/flags/{name}             one flag: effective configuration, the source of each field,
//	                                          counters, last change and exposure (as flaggen get -json)
//	PATCH  /admin/v1/flags/{name}             {"patch": {...}, "replace": false, "reason": ""}: merge the
//	                                          object into the flag's live patch (or replace it;
//	                                          switching the flag off needs a reason, as disable);
//	                                          {"revert": ["regions", ...], "reason": ""}: back to the spec
//	POST   /admin/v1/flags/{name}/enable      {"reason": ""}: "active": true
//	POST   /admin/v1/flags/{name}/disable     {"reason": "why"}: "active": false, the reason required
//	POST   /admin/v1/flags/{name}/rollout     {"percentage": 25, "reason": ""}: "percentage_rollout", 0 to 100
//	POST   /admin/v1/flags/{name}/reset       {"reason": ""}: clear "tripped" and the monitor counters
//	POST   /admin/v1/flags/{name}/exposure/reset
//	                                          {"env": "", "reason": "why"}: the flag's exposure counts start
//	                                          afresh now in env ("": every environment counted in), the
//	                                          reason required; audited as a change that keeps the flag's
//	                                          live patch. Answers {"flag", "env", "since", "exposure"}
//	GET    /admin/v1/flags/{name}/audit       ?limit=N: the flag's audit entries, newest first
//	GET    /admin/v1/flags/{name}/feedback    the flag's feedback, oldest first
//	GET    /admin/v1/releases                 every release and how much of it is on
//	GET    /admin/v1/releases/{name}          one release and each of its flags' state
//	POST   /admin/v1/releases/{name}/on       {"reason": ""}: every flag of the release on, in one write
//	POST   /admin/v1/releases/{name}/off      {"reason": "why"}: every flag off, the reason required
//	GET    /admin/v1/segments                 every segment: effective definition, include and exclude
//	                                          lists, the flags and segments that use it (ops.SegmentInfo)
//	GET    /admin/v1/segments/{name}          one segment
//	PATCH  /admin/v1/segments/{name}          {"patch": {"include": [...]}, "replace": false, "reason": ""}:
//	                                          merge into the segment's live patch (or replace it);
//	                                          {"revert": ["include", ...]}: back to the spec. Every flag
//	                                          that lists the segment follows. Answers {"wrote", "version",
//	                                          "segment"}; If-Match as for a flag
//	GET    /admin/v1/audit                    ?flag=NAME&limit=N (default 100): audit entries, newest first
//	GET    /admin/v1/feedback                 ?flag=NAME: feedback by flag (every flag with some, without flag)
//	GET    /admin/v1/health                   200 {"status": "ok", ...} or 503 {"status": "degraded", ...}
//
// A write answers 200 with {"wrote": true|false, "version": N, "flag": {...}}
// (for a release, "release" instead of "flag"); "wrote": false means the
// write would change nothing, so nothing was written: no version bump, no
// audit entry. Each write is one atomic change, recomputed over the newer
// live state when another writer got in first (ops.Session.WriteFlag).
//
// GET /admin/v1/flags, GET /admin/v1/flags/{name}, the segment reads and
// every flag and segment write answer with an ETag, the live state's
// version ("7"; "EPOCH:7" on a Redis). A flag or segment write with
// If-Match: ETAG is made only over that very state, else it answers 412
// and writes nothing: a client that shows a flag or segment and saves an
// edit overwrites no change it did not see. A release switch refuses
// If-Match (400).
//
// # Authentication and CSRF
//
// The handler does not authenticate: the server that mounts it does, and
// Config.Actor returns the authenticated identity (the name of an admin
// token), which the audit trail records as the actor. No request field can
// name the actor. A request for which Actor returns "" is refused (401).
// Writes must carry Content-Type: application/json, which an HTML form
// cannot send, and are refused when the browser says they come from
// another origin (http.CrossOriginProtection); the handler sets and reads
// no cookie. Bodies are limited to Config.MaxBody bytes (413 beyond), must
// be one JSON object and may name only the fields above.
//
// # Errors
//
// An error is JSON with the HTTP status that fits it:
//
//	{"error": {"code": "invalid", "message": "...", "path": "/reason"}}
//
// path is the RFC 6901 pointer of the offending value in the request body
// (for a patch, e.g. /patch/percentage_rollout, as flaggen validate reports
// spec errors), or the query parameter ("limit"); it is left out when the
// error is not about one value. The codes: bad_request (400: not JSON, a
// bad query), unauthorized (401), forbidden (403: cross-origin),
// not_found (404: unknown flag, release or route), method_not_allowed
// (405), conflict (409: the live state kept changing under the write),
// precondition_failed (412: If-Match), too_large (413), unsupported_media_type (415), invalid (422: a value the
// spec or the write refuses), internal (500), store_unavailable (503: the
// store is down; nothing was written).
package admin
