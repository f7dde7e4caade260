// Package webui is the admin web page of 'flaggen serve' at /admin: HTML
// pages over the JSON admin API (internal/admin), which they call
// in-process as the logged-in admin, so that every check, write and audit
// entry is the admin API's own.
//
// # Routes
//
//	GET  /admin                          redirects to /admin/flags
//	GET  /admin/login, POST /admin/login log in with an admin token
//	POST /admin/logout                   end the session
//	GET  /admin/flags                    every flag: ?q=TEXT&state=S&owner=O&kind=K filter the list
//	GET  /admin/flags/{name}             one flag: effective configuration, controls, audit trail
//	POST /admin/flags/{name}/{action}    enable, disable, rollout, patch, revert, reset, or
//	                                     reset-exposure (env=ENV or "" for every environment,
//	                                     reason=, confirm=yes: the exposure counts start afresh)
//	GET  /admin/releases                 every release, "k of n enabled"
//	POST /admin/releases/{name}/{on|off} switch a whole release
//	GET  /admin/segments                 every segment: include and exclude lists, the flags using it
//	GET  /admin/audit                    the audit trail: ?flag=NAME&actor=NAME
//	GET  /admin/events                   the change stream (runtime/flaghttp.ChangeStream)
//	GET  /admin/static/{file}            the page's CSS and JavaScript
//
// # Sessions
//
// Logging in with an admin token (flaghttp.ParseAdminTokens) opens a
// server-side session named by a random id in an HttpOnly, SameSite=Strict
// cookie. The cookie is Secure unless the request came over plain http
// straight from a loopback address, or from a loopback proxy saying
// X-Forwarded-Proto: http: 'flaggen serve' speaks no TLS itself, so
// behind a TLS-terminating proxy the cookie is Secure even though the
// request reaching the server is plain http; served to other machines
// over plain http, the page cannot be logged into (browsers drop a Secure
// cookie there), which is the point. The cookie has no __Host- prefix,
// which would need Secure on loopback http too.
//
// A session expires after Config.SessionTTL and ends at logout, or when
// the same browser logs in again. An admin name keeps at most 20
// sessions and the page 1,000 in all: a login past either bound ends the
// oldest (sessions.go). Every form carries the session's CSRF token,
// checked in constant time, and the login form a token of its own, also
// in a cookie; http.CrossOriginProtection refuses cross-origin writes
// besides. Without a session every page redirects to the login page, and
// a server or client API key is not an admin token. The login's next=
// only ever leads to a page under /admin.
//
// A write is refused (503, with the reason, nothing written) while the
// store is degraded, as the page shows. After a write the page shows a
// notice of its own by code (?done=ACTION), never text from the URL.
//
// # Live updates
//
// An open page follows /admin/events and, after each change, fetches
// itself again and swaps in its regions marked data-live, except the one
// holding the keyboard focus. A stream is the session's: its end
// (logout, expiry, a newer login) closes it, and the page then says
// "Session expired — log in again" instead of showing stale data.
package webui
