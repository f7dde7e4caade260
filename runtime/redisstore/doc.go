// Package redisstore is the Redis-backed runtime.Store that keeps the live
// flag state of every app instance in step, over a redis.UniversalClient
// (single node, Sentinel or Cluster).
//
// # Use
//
//	rdb := redis.NewUniversalClient(&redis.UniversalOptions{Addrs: []string{"redis:6379"}})
//	store, err := redisstore.New(rdb, redisstore.WithNamespace("shop"))
//	…
//	flags, err := myflags.New(runtime.WithStore(store))
//
// Store implements runtime.Store and runtime.SpecRecorder (so the flaggen
// CLI can use the spec the apps run), and adds Health (degraded or not),
// Merge (a field-level merge done inside Redis, so concurrent writers of
// different fields of one flag all survive without IfVersion retries) and
// AuditBefore (each changed flag's patch before a change).
//
// Every instance loads the whole state at start in one round trip, registers
// the spec's flags it does not find (HSETNX: live state is never
// overwritten; flags its loaded state holds are not sent again), and
// follows changes over pub/sub. Each write is one Lua
// script that changes the patches, bumps the version, appends the audit entry
// and publishes the change, atomically; subscribers apply the change from
// the message. A periodic version check (WithCheckInterval, 2s) heals missed
// messages, and every (re)subscription triggers a full resync.
//
// # Outages
//
// When Redis is unreachable the store keeps its last loaded state, Health
// returns an error wrapping ErrDegraded, Load reports the error, and writes
// fail with "flaggen: redis write failed: …"; nothing is queued or dropped
// silently. Watchers are woken when the store becomes degraded and when it
// recovers, so a runtime.Client's own Health follows at once. The
// subscription is retried every WithRetryInterval (100ms) on its own
// connection, and a full resync follows as soon as it is back (about 20-100ms
// after Redis returns, on loopback). For
// fast failure and recovery, give the client short timeouts, e.g.
// DialTimeout 200ms, DialerRetries 1, ReadTimeout and WriteTimeout 500ms,
// MaxRetries 1: with go-redis' defaults a write to a stopped Redis takes
// seconds to fail. go-redis also stops dialing after PoolSize failed dials
// and then probes only once a second, so an app that keeps writing through a
// long outage may wait up to a second longer for its first successful
// command; the store itself does not poll the pool while degraded.
//
// # Key layout
//
// All keys of namespace NS share the hash tag {NS}, so they live in one
// Cluster slot and every script and MULTI touches a single slot:
//
//	flaggen:{NS}:patches           hash: flag name → JSON patch over the spec, e.g. {"active":false};
//	                               "{}" = the spec as written (HGETALL to read the live state)
//	flaggen:{NS}:version           string: integer bumped by every change (GET)
//	flaggen:{NS}:epoch             string: random id of the namespace's history, set by the first
//	                               write when absent (SET NX); versions count within one epoch
//	flaggen:{NS}:audit             stream, capped near WithAuditMaxLen (XREVRANGE … + - COUNT 10);
//	                               one entry per change: version, time (Unix µs), actor, reason,
//	                               flags (JSON: flag → new patch, null = entry deleted),
//	                               before (JSON: flag → previous patch, null = none)
//	flaggen:{NS}:counters:FLAG     hash: counter name ("errors", "slow") → cluster-wide total
//	                               (an operator reset deletes it inside the write that
//	                               clears the flag's "tripped" state)
//	flaggen:{NS}:feedback:FLAG     list of JSON feedback entries, oldest first (LRANGE … 0 -1)
//	flaggen:{NS}:changes           pub/sub channel: {"v":VERSION,"e":EPOCH,"f":{FLAG: new patch or null}}
//	flaggen:{NS}:spec              hash: the spec the apps run, recorded by each runtime.Client at
//	                               start (runtime.SpecRecorder; the last to start wins): file (its
//	                               name, e.g. flags.json), source (verbatim), sha256 (hex, of
//	                               source), time (RFC 3339). The flaggen CLI reads it when it is
//	                               given no -spec (HGET flaggen:{NS}:spec source)
//
// An operator who edits flaggen:{NS}:patches by hand should also INCR
// flaggen:{NS}:version so that instances reload within the check interval.
// A value that is not a JSON object is logged with its key; the runtime
// refuses that flag's patch and keeps the flag on its last good state, and
// every other flag loads normally.
//
// # Data loss
//
// When Redis loses the namespace's data (a restart without persistence,
// FLUSHALL), the epoch key goes with it: the next write stores a new epoch
// and versions count from 1 again. A store that sees another epoch than its
// own treats the namespace as reset: it logs a warning ("Redis lost this
// namespace's live state", with old_epoch, old_version, new_epoch and
// new_version), takes what Redis holds now, registers its flags again
// (those given to Register: the spec's) and records the last recorded spec
// again. The previous live state is gone:
// apps serve the spec plus whatever is written afterwards, and Health is
// not degraded by it. A change prepared from a state of the previous epoch
// (runtime.Change.IfEpoch, set by the runtime with IfVersion) is refused
// with runtime.ErrConflict even when the new epoch's version came back to
// its IfVersion; the runtime then prepares it again over the new state. A
// restart is noticed when the change subscription
// reconnects, a FLUSHALL at the next write or version check. Within one
// epoch a lower version is taken for a stale read and ignored, so after a
// failover to a replica that missed writes (same epoch, lower version)
// DEL flaggen:{NS}:epoch: the next write starts a new epoch.
package redisstore
