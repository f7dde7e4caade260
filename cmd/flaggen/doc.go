// Flaggen turns a feature-flag spec (flags.json) into a typed Go package,
// checks specs, evaluates flags and operates their live state.
//
// Usage:
//
//	flaggen COMMAND [options]
//	flaggen help [COMMAND]
//
// Every command documents its options with -h. Exit status: 0 success,
// 1 failure (an invalid spec, a stale file under -check, an I/O error),
// 2 a usage error. Errors are printed on standard error, prefixed
// "flaggen: ", except spec errors, printed one per line as
//
//	FILE:LINE:COL: /json/pointer: message
//
// # generate
//
//	flaggen generate -spec FILE -out DIR [-pkg NAME] [-now DATE] [-check]
//
// Generate validates the spec FILE and writes DIR/flags_gen.go: a Context
// struct with one typed field per declared attribute (every field is
// present, its zero value included, except the key at zero; a Context with
// every field zero is the empty context), one method per flag on Flags
// (bool, string, int64, float64, or the flag's Variant type for enum flags,
// whose variants become constants), one handle per flag for
// runtime.ToggleAs and Flags.Explain, a
// factory per strategy (the seed's dependency-injection SearchService
// example, without an if at the call site), and the validated spec,
// embedded. Method doc comments carry the flag's description, owner, kind
// and expiry; the method of a flag past its "expires" date (the flag's last
// valid day: "2024-06-30" expires when that day is over in UTC) is marked
// Deprecated, so gopls and staticcheck flag every call site.
//
// An invalid spec is reported in full and nothing is written. Files are
// written atomically (temporary file, then rename) and only when their
// content changes. Options:
//
//	-spec FILE  the spec to read (required); the generated code records
//	            its base name
//	-out DIR    the output directory (required), created if missing
//	-pkg NAME   the package name; default: the package DIR already holds,
//	            else DIR's base name, lower-cased, without the characters
//	            a package name cannot have
//	-now DATE   the date expiry is judged against, written as in specs
//	            (2006-01-02, 2006-01-02T15:04:05 in UTC, or RFC 3339);
//	            default: now
//	-check      write nothing; exit 1 and print a short diff when a file is
//	            missing or differs (a CI freshness check), and the command
//	            that regenerates it
//
// Without -now, generate -check starts failing the day after a flag's
// expiry date, when the regenerated method gains its Deprecated notice. That
// is on purpose: CI asks for the flag's removal (or a new date) the day it
// expires. Pin -now where a check must not depend on the calendar.
//
// In a module that uses flaggen, add the command as a tool (go.mod then pins
// its version and keeps its dependencies) and run it with go tool. Under go
// generate, relative paths are relative to the directory of the file
// holding the directive, for instance in package flags:
//
//	go get -tool github.com/flaggen/flaggen/cmd/flaggen
//
//	//go:generate go tool flaggen generate -spec flags.json -out .
//
// A directive running "go run github.com/flaggen/flaggen/cmd/flaggen" breaks
// once go mod tidy drops the generator's dependencies, which the app does not
// import, from go.sum. Inside the flaggen repository go run is the form:
//
//	//go:generate go run github.com/flaggen/flaggen/cmd/flaggen generate -spec flags.json -out .
//
// # validate
//
//	flaggen validate -spec FILE
//
// Validate checks the spec FILE against the schema and the semantic rules and
// prints every error; it prints nothing and exits 0 when the spec is valid.
//
//	-spec FILE  the spec to check (required)
//
// # schema
//
//	flaggen schema > flags.schema.json
//
// Schema prints flags.schema.json, the JSON Schema of spec files that this
// flaggen embeds and validates with, to standard output. Saved next to a
// spec and referenced from it with "$schema": "./flags.schema.json", it gives
// editors completion and checks offline, for the flaggen version the module
// uses. It takes no options.
//
// # lint
//
//	flaggen lint -spec FILE [-warn] [-now DATE] [-stale DURATION] [-redis URL [-namespace NS] [-timeout D]] [PACKAGES]
//
// Lint checks the spec FILE against the Go PACKAGES that use it (default
// ./..., test files included) and prints one finding per line, FILE:LINE:
// message: expired flags, flags no package references (a constant name
// passed to Client.Evaluate, ExplainName or ToggleNameAs counts), flags
// referenced only from _test.go files ("used only in tests"), bool flags on
// for everyone and unchanged for -stale (ready to remove), and flag names
// passed to the runtime's by-name APIs that the spec does not declare. It
// exits 1 when it finds anything, and when Redis is unreachable ("redis at
// URL unreachable: …", as the operator commands).
//
// Without -redis, "ready to remove" is judged by the spec alone and its age
// is the spec file's last git commit. With -redis (or $FLAGGEN_REDIS_URL;
// -redis "" ignores it) it is judged by the live state of the namespace,
// read-only: each flag's effective configuration (spec ⊕ live patch: a flag
// taken to 100% with flaggen rollout, or whose targeting was removed live,
// counts; one switched off or tripped live does not), and the later of the
// file's age and of the flag's last live change in the audit trail (its
// dependencies' included; never changed live: the file's age). Lint never
// writes to Redis.
//
//	-spec FILE        the spec; default $FLAGGEN_SPEC (required)
//	-warn             print the findings but exit 0
//	-now DATE         the date expiry and age are judged against; default: now
//	-stale DURATION   how long a flag on for everyone must be unchanged (spec
//	                  file and live state) before it is reported as ready to
//	                  remove; default 720h (30 days)
//	-redis URL        read the live state in this Redis (URL forms as below);
//	                  default $FLAGGEN_REDIS_URL
//	-namespace NS     the namespace; default $FLAGGEN_NAMESPACE, else "default"
//	-timeout D        give up on Redis after D; default 5s
//
// # Live state
//
// The operator commands below work on the live state the apps share in Redis
// (runtime/redisstore): -redis URL (default $FLAGGEN_REDIS_URL) and
// -namespace NS (default $FLAGGEN_NAMESPACE, else "default", as
// redisstore.WithNamespace). The URL is one of (parsed by go-redis:
// redis.ParseURL, ParseClusterURL, ParseFailoverURL; -timeout sets the
// timeouts):
//
//	redis://[USER:PASSWORD@]HOST:PORT[/DB]      a single node (rediss:// for TLS; unix:///PATH.sock;
//	                                            a bare HOST:PORT is redis://HOST:PORT)
//	redis+cluster://[USER:PASSWORD@]HOST:PORT[?addr=HOST2:PORT2…]
//	                                            a Cluster, reached from any of its nodes
//	redis+sentinel://[USER:PASSWORD@]HOST:PORT[/DB]?master_name=NAME[&addr=HOST2:PORT2…]
//	                                            Sentinel: the Sentinels' addresses and the
//	                                            master's name (the master's own credentials
//	                                            as &username=…&password=…)
//
// (rediss+cluster:// and rediss+sentinel:// for TLS.) Every message, log
// line and usage text shows a URL with its passwords (the user
// information's, password=, sentinel_password=; a lone user information,
// the legacy form of a password) as xxxxx, and never quotes a parser's
// error that would show them. Names and values are
// checked against the spec before anything is written: the spec the apps
// run, which every app records in its namespace at start-up
// (flaggen:{NS}:spec), so -spec is optional once an app has run there.
// -spec FILE (default $FLAGGEN_SPEC) uses FILE instead, with a one-line
// warning on standard error when it differs from the recorded spec. With
// neither, before any app has started in the namespace, a command fails
// with exit status 1:
//
//	flaggen: no spec recorded in namespace NS at URL: start an app with this namespace or pass -spec FILE
//
// Each write is one atomic change recorded in the audit trail with -actor
// (default: the OS user) and -reason. A blank actor, or an actor or reason
// holding a control character (newline, tab, escape, DEL, a C1 control, a
// bidi control), is refused with exit status 2. Text read from Redis
// (actors, reasons, names, patches, feedback) prints with such characters
// escaped as in a Go string ("\n", "\x1b"), so it can neither forge a line
// nor act on the terminal. Options may come before or after the
// positional arguments. An unreachable Redis is reported as
//
//	flaggen: redis at URL unreachable: …
//
// with exit status 1 and nothing written. A command that would change
// nothing (enable of a flag that is on, a patch equal to the stored one, a
// reset with nothing to reset) prints "no change (nothing written)" and
// writes nothing: no version bump, no audit entry. After a write, standard
// error says how many app instances follow the namespace (PUBSUB NUMSUB on
// flaggen:{NS}:changes):
//
//	flaggen: applied; 2 app instances are subscribed to namespace NS
//	flaggen: warning: no app instance is subscribed to namespace NS …
//
// The warning usually means a wrong -namespace: the write reaches no app.
//
// # eval
//
//	flaggen eval [-spec FILE] [-env ENV] [-now TIME] [-explain] [-flag NAME]... [-redis URL [-namespace NS] [-timeout D] | -spec-only] [CONTEXT_JSON]
//
// Eval evaluates the flags of the spec FILE for the evaluation context
// CONTEXT_JSON (a JSON object of attribute values), or for each line of
// standard input (JSON lines), and prints one JSON object per context on one
// line: flag name → value, flags sorted. A bad context stops eval with its
// place (argument: … or stdin:LINE: …), exit 1, after the lines before it.
// With -redis URL, or $FLAGGEN_REDIS_URL when -redis is not given, it
// evaluates over that namespace's live state, read-only: it never registers,
// writes or counts anything; there -spec is optional (the spec the apps
// recorded in the namespace, as for the operator commands). -spec-only (or
// -redis "") evaluates from the spec alone, whatever $FLAGGEN_REDIS_URL says.
//
//	-spec FILE     the spec; default $FLAGGEN_SPEC; required for the spec alone,
//	               with live state default: the spec the apps recorded
//	-env ENV       the caller's environment; default production
//	-now TIME      evaluate at TIME (RFC 3339 or 2006-01-02), for activation dates
//	-explain       print {"value", "step", "reason"} for each flag: the deciding step
//	-flag NAME     evaluate only NAME (repeatable); an unknown name suggests the closest
//	-redis URL     evaluate over the live state in that Redis (HOST:PORT, redis://,
//	               redis+cluster://, redis+sentinel://); default $FLAGGEN_REDIS_URL
//	-spec-only     evaluate from the spec alone, ignoring $FLAGGEN_REDIS_URL
//	-namespace NS  the flaggen namespace; default $FLAGGEN_NAMESPACE, else "default"
//	-timeout D     give up on Redis after D; default 5s
//
// # ls
//
//	flaggen ls [-json] [-spec FILE] [-redis URL] [-namespace NS] [-timeout D]
//
// Ls lists every flag with its effective state over the live state (on, off,
// tripped with the reason, scheduled), its effective rollout or variant
// weights, its releases, and its last change (when, who, why); names code
// looked up but the spec lacks are listed last as unknown.
//
//	-json          print JSON instead of text
//	-spec FILE     check against FILE; default $FLAGGEN_SPEC, else the spec the apps recorded
//	-redis URL     the Redis holding the live state (redis://, redis+cluster://,
//	               redis+sentinel://); default $FLAGGEN_REDIS_URL
//	-namespace NS  the flaggen namespace; default $FLAGGEN_NAMESPACE, else "default"
//	-timeout D     give up on Redis after D; default 5s
//
// # get
//
//	flaggen get NAME [-json] [-spec FILE] [-redis URL] [-namespace NS] [-timeout D]
//
// Get shows flag NAME's effective configuration, the spec with the live patch
// applied, and where each patchable field comes from: spec, live (with the
// spec's value beside it) or default (absent); also its state, stored live
// patch, shared monitor counters against their thresholds and last change.
// With -json, a stored live patch that is not valid JSON shows as
// {"invalid_json": "RAW TEXT", "error": "WHY"} in "live" (as in ls -json's
// "unknown").
//
//	-json          print JSON instead of text
//	-spec FILE     check against FILE; default $FLAGGEN_SPEC, else the spec the apps recorded
//	-redis URL     the Redis holding the live state (redis://, redis+cluster://,
//	               redis+sentinel://); default $FLAGGEN_REDIS_URL
//	-namespace NS  the flaggen namespace; default $FLAGGEN_NAMESPACE, else "default"
//	-timeout D     give up on Redis after D; default 5s
//
// # enable
//
//	flaggen enable NAME [-actor NAME] [-reason TEXT] [-spec FILE] [-redis URL] [-namespace NS] [-timeout D]
//
// Enable sets "active": true in flag NAME's live patch (a tripped flag stays
// off until reset).
//
//	-actor NAME    who makes the change, for the audit trail; default: the OS user
//	-reason TEXT   why, for the audit trail (optional)
//	-spec FILE     check against FILE; default $FLAGGEN_SPEC, else the spec the apps recorded
//	-redis URL     the Redis holding the live state (redis://, redis+cluster://,
//	               redis+sentinel://); default $FLAGGEN_REDIS_URL
//	-namespace NS  the flaggen namespace; default $FLAGGEN_NAMESPACE, else "default"
//	-timeout D     give up on Redis after D; default 5s
//
// # disable
//
//	flaggen disable NAME -reason TEXT [-actor NAME] [-spec FILE] [-redis URL] [-namespace NS] [-timeout D]
//
// Disable sets "active": false in flag NAME's live patch: the kill switch,
// for every instance, until enable.
//
//	-reason TEXT   why, for the audit trail (required)
//	-actor NAME    who makes the change, for the audit trail; default: the OS user
//	-spec FILE     check against FILE; default $FLAGGEN_SPEC, else the spec the apps recorded
//	-redis URL     the Redis holding the live state (redis://, redis+cluster://,
//	               redis+sentinel://); default $FLAGGEN_REDIS_URL
//	-namespace NS  the flaggen namespace; default $FLAGGEN_NAMESPACE, else "default"
//	-timeout D     give up on Redis after D; default 5s
//
// # rollout
//
//	flaggen rollout NAME PCT [-actor NAME] [-reason TEXT] [-spec FILE] [-redis URL] [-namespace NS] [-timeout D]
//
// Rollout sets bool flag NAME's "percentage_rollout" to PCT (0 to 100, "12.5%"
// allowed). Users keep their buckets.
//
//	-actor NAME    who makes the change, for the audit trail; default: the OS user
//	-reason TEXT   why, for the audit trail (optional)
//	-spec FILE     check against FILE; default $FLAGGEN_SPEC, else the spec the apps recorded
//	-redis URL     the Redis holding the live state (redis://, redis+cluster://,
//	               redis+sentinel://); default $FLAGGEN_REDIS_URL
//	-namespace NS  the flaggen namespace; default $FLAGGEN_NAMESPACE, else "default"
//	-timeout D     give up on Redis after D; default 5s
//
// # patch
//
//	flaggen patch NAME JSON [-replace] | NAME -revert FIELD[,FIELD...] [-actor NAME] [-reason TEXT] [-spec FILE] [-redis URL] [-namespace NS] [-timeout D]
//
// Patch merges the JSON object into flag NAME's live patch. Any patchable
// field: active, activation_date, environments, performance_baseline,
// performance_threshold, error_threshold, depends_on, users, regions,
// account_types, beta_program, percentage_rollout, rules, default, tripped;
// values are checked as in the spec, and a bad patch is refused with nothing
// written.
//
// A field set to null REMOVES the field: its check is skipped altogether; it
// does NOT go back to the spec's value ('{"regions": null}' serves the flag
// in every region). To go back to the spec's value, revert the field:
//
//	flaggen patch new_ui -revert regions,users -reason "Canada beta over"
//
// deletes the fields from the live patch. The new patch is computed from the
// stored one and written only if the live state did not change meanwhile
// (else it is computed again); a result equal to the stored patch is "no
// change": nothing is written.
//
//	-revert FIELDS delete the comma-separated FIELDS from the live patch (back to
//	               the spec's values; no JSON argument)
//	-replace       replace the whole live patch ({} reverts the flag to the spec)
//	-actor NAME    who makes the change, for the audit trail; default: the OS user
//	-reason TEXT   why, for the audit trail (optional)
//	-spec FILE     check against FILE; default $FLAGGEN_SPEC, else the spec the apps recorded
//	-redis URL     the Redis holding the live state (redis://, redis+cluster://,
//	               redis+sentinel://); default $FLAGGEN_REDIS_URL
//	-namespace NS  the flaggen namespace; default $FLAGGEN_NAMESPACE, else "default"
//	-timeout D     give up on Redis after D; default 5s
//
// # release
//
//	flaggen release ls|status NAME|enable NAME|disable NAME [-json] [-actor NAME] [-reason TEXT] [-spec FILE] [-redis URL] [-namespace NS] [-timeout D]
//
// Release lists the spec's releases with how many of their flags are on
// ("2 of 5 enabled"), shows one release's status, or switches all its flags
// on or off ("active") in one atomic, audited write.
//
//	-json          print JSON instead of text
//	-actor NAME    who makes the change, for the audit trail; default: the OS user
//	-reason TEXT   why, for the audit trail (required by disable)
//	-spec FILE     check against FILE; default $FLAGGEN_SPEC, else the spec the apps recorded
//	-redis URL     the Redis holding the live state (redis://, redis+cluster://,
//	               redis+sentinel://); default $FLAGGEN_REDIS_URL
//	-namespace NS  the flaggen namespace; default $FLAGGEN_NAMESPACE, else "default"
//	-timeout D     give up on Redis after D; default 5s
//
// # reset
//
//	flaggen reset NAME [-actor NAME] [-reason TEXT] [-spec FILE] [-redis URL] [-namespace NS] [-timeout D]
//
// Reset deletes flag NAME's shared error and slow-execution counters and
// removes "tripped" from its live patch, audited. A flag neither tripped nor
// counted is "no change": nothing is written.
//
//	-actor NAME    who makes the change, for the audit trail; default: the OS user
//	-reason TEXT   why, for the audit trail; default "operator reset"
//	-spec FILE     check against FILE; default $FLAGGEN_SPEC, else the spec the apps recorded
//	-redis URL     the Redis holding the live state (redis://, redis+cluster://,
//	               redis+sentinel://); default $FLAGGEN_REDIS_URL
//	-namespace NS  the flaggen namespace; default $FLAGGEN_NAMESPACE, else "default"
//	-timeout D     give up on Redis after D; default 5s
//
// # reset-live
//
//	flaggen reset-live -reason TEXT [-actor NAME] [-spec FILE] [-redis URL] [-namespace NS] [-timeout D]
//
// Reset-live deletes every flag's live patch, and the shared counters of the
// spec's flags, in one atomic, audited write: every flag serves the spec as
// written, kill switches included. After Redis loses its data the running
// instances write back the live state they held; reset-live is the way to
// start from the spec on purpose: it starts a new epoch marked as an
// operator's reset, which no instance restores over.
//
//	-reason TEXT   why the live state is cleared, for the audit trail (required)
//	-actor NAME    who makes the change, for the audit trail; default: the OS user
//	-spec FILE     check against FILE; default $FLAGGEN_SPEC, else the spec the apps recorded
//	-redis URL     the Redis holding the live state (redis://, redis+cluster://,
//	               redis+sentinel://); default $FLAGGEN_REDIS_URL
//	-namespace NS  the flaggen namespace; default $FLAGGEN_NAMESPACE, else "default"
//	-timeout D     give up on Redis after D; default 5s
//
// # audit
//
//	flaggen audit [NAME] [-n N] [-json] [-spec FILE] [-redis URL] [-namespace NS] [-timeout D]
//
// Audit prints the newest live changes (of flag NAME only, when given):
// version, time, actor, reason and each changed flag's patch before → after.
//
//	-n N           show at most N entries (0: all); default 20
//	-json          print JSON instead of text
//	-spec FILE     check against FILE; default $FLAGGEN_SPEC, else the spec the apps recorded
//	-redis URL     the Redis holding the live state (redis://, redis+cluster://,
//	               redis+sentinel://); default $FLAGGEN_REDIS_URL
//	-namespace NS  the flaggen namespace; default $FLAGGEN_NAMESPACE, else "default"
//	-timeout D     give up on Redis after D; default 5s
//
// # feedback
//
//	flaggen feedback NAME [-json] [-spec FILE] [-redis URL] [-namespace NS] [-timeout D]
//
// Feedback prints the user feedback collected about flag NAME
// (runtime.FeedbackCollector), oldest first.
//
//	-json          print JSON instead of text
//	-spec FILE     check against FILE; default $FLAGGEN_SPEC, else the spec the apps recorded
//	-redis URL     the Redis holding the live state (redis://, redis+cluster://,
//	               redis+sentinel://); default $FLAGGEN_REDIS_URL
//	-namespace NS  the flaggen namespace; default $FLAGGEN_NAMESPACE, else "default"
//	-timeout D     give up on Redis after D; default 5s
package main
