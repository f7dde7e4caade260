// Package flaghttp serves a runtime.Client's flags over HTTP: OFREP, its
// change stream, health, metrics and, behind admin tokens, an admin API.
//
// # OFREP
//
// The handler speaks the OpenFeature Remote Evaluation Protocol as its
// OpenAPI document version 0.1.0 defines it, with the change stream of its
// event streams document (version 0.3.0, ADR-0008):
//
//   - POST /ofrep/v1/evaluate/flags/{key} evaluates one flag: 200 with key,
//     value, variant and reason; 400 with errorCode PARSE_ERROR (the body is
//     not JSON), INVALID_CONTEXT (an undeclared attribute, a value of the
//     wrong type, too many attributes: the message names the attribute) or
//     TARGETING_KEY_MISSING (the answer needs the key attribute, a rollout
//     or a variant split, and the context has no targetingKey); 404 with
//     FLAG_NOT_FOUND; 500 with GENERAL.
//   - POST /ofrep/v1/evaluate/flags evaluates every flag the caller may see,
//     with an ETag; a request whose If-None-Match holds it gets 304 without
//     any evaluation. The ETag covers the spec, the environment, the live
//     state's revision (internal/bridge.Evaluator.Revision), the caller's
//     key class, the host and the request body, so it changes whenever the
//     answer may.
//     The response lists, in eventStreams, the server-sent events stream
//     that tells the caller to fetch again.
//   - GET /ofrep/v1/configuration describes the server (name, polling,
//     supported types), with an ETag.
//   - GET /ofrep/v1/events is that stream: a "refetchEvaluation" event after
//     every live change and every activation date that passes
//     (runtime.Client.OnChange), and a comment line every KeepAlive to keep
//     proxies from closing it.
//
// Reasons map the cascade's deciding step (runtime.Explanation.Step):
// STATIC for a pinned flag or one that cannot depend on the context, DISABLED
// when active, activation_date, environments or a tripped monitor switched it
// off, TARGETING_MATCH for the allow-list, the empty context and passed
// targeting, SPLIT for a rollout bucket or a variant, DEFAULT when targeting,
// a dependency or the variant weights fell through to the default, ERROR on
// errors. TYPE_MISMATCH is never sent: OFREP requests carry no type.
//
// The context maps onto the spec's declared attributes: targetingKey is the
// key attribute (a decimal string for an int key), every other attribute is
// checked against its declared type (runtime.Spec.ParseAttribute). An
// attribute given twice takes its last value, as in runtime.Spec.ParseContext
// (flaggen eval). The mapping and the reasons are internal/evalmap's, which
// the OpenFeature provider (runtime/openfeature) shares.
//
// The Client's hooks (runtime.WithHook) see every evaluation the handler
// makes, once, with the request's ctx: one per single request, one per flag
// answered in bulk (an answer of TARGETING_KEY_MISSING as reason ERROR
// without a variant); a 304, or a request refused before evaluating, calls
// none.
//
// # Keys
//
// Server keys see every flag; client keys (for browsers) only the flags the
// spec marks "client": true, and their responses hold only key, value,
// variant and reason. Keys are accepted as "Authorization: Bearer KEY" or
// "X-API-Key: KEY" and compared in constant time. Without a key, or with a
// wrong one, every route but /healthz answers 401; a client key on a
// server-only flag, /readyz, /metrics or the admin API answers 403, and so
// does a server key on the admin API. With no server and no client key
// configured (allowed on a loopback address only: Config.CheckAddr), the
// OFREP routes, /readyz and /metrics are open (an admin token counts as a
// server key there), but only to requests whose Host is a loopback name
// (localhost, 127.0.0.1, [::1], with any port): any other gets 403, so that
// a web page cannot read the flags by DNS rebinding. The admin API always
// needs an admin token, whose name AdminName returns for the audit trail.
// Every answer but /healthz's carries "Cache-Control: private, no-store".
//
// What a client key learns: its answers and errors never hold rules,
// allow-lists, other flags or any of the spec's configuration; an invalid
// context's error names only the members it sent that are not valid (not
// the declared attributes, enum values or the key attribute), and
// TARGETING_KEY_MISSING names no attribute. One thing it can learn is which
// server-only flags exist: asking for one gets 403, for a flag that does
// not exist 404 FLAG_NOT_FOUND. That is what the protocol's statuses say
// (the flag exists, the key may not read it), and an operator whose flag
// names are secret should not hand out client keys to those who must not
// know them; answering 404 instead would hide the names but tell a
// misconfigured browser app that its flag is missing when it is only not
// marked "client": true. Browser
// pages of Config.AllowedOrigins may call the OFREP routes (CORS); the
// event stream's URL carries a token of its own (never the key), since a
// browser's EventSource sends no headers; every instance serving the same
// keys accepts it.
//
// # Operations
//
// GET /healthz answers 200 whenever the process serves. GET /readyz answers
// 503 "degraded" while the store is degraded (runtime.Client.Health), with
// a generic reason; the store's error itself, which may name its address
// and namespace, goes to Config.Logger and to admin tokens only.
// GET /metrics serves Config.Registry in the Prometheus format: requests and
// latency by route and status, evaluations by flag and reason, the store's
// health and the live-state version. Bodies are limited to MaxBodyBytes,
// contexts to MaxContextAttrs attributes, the time to read a body to
// ReadTimeout (a body the handler does not need is not waited for: the
// connection closes after the answer), open event streams to MaxStreams for
// server keys and MaxClientStreams for client keys, two separate budgets;
// a panic below the handler answers 500 GENERAL; each request is logged to
// Config.Logger (method, path, status, duration, key class; never a key).
package flaghttp
