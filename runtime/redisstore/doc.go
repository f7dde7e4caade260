// Package redisstore is the Redis-backed store.Store that keeps the live
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
// Store implements store.Store, store.SpecRecorder (so the flaggen CLI
// can use the spec the apps run) and store.SpecChecker: it writes only
// patches valid over the spec given to UseSpec (runtime.NewClient gives the
// Client's; code that writes through the store directly calls UseSpec
// first), so no unchecked patch reaches the apps through it. It adds
// Health (degraded or not), Merge (a field-level merge done inside Redis,
// so concurrent writers of different fields of one flag all survive
// without IfVersion retries) and AuditBefore (each changed flag's patch
// before a change).
//
// Every instance loads the whole state at start in one round trip, registers
// the spec's flags it does not find (HSETNX: live state is never
// overwritten; flags its loaded state holds are not sent again), and
// follows changes over pub/sub. Each write is one Lua
// script that changes the patches, bumps the version, appends the audit entry
// and publishes the change, atomically; subscribers apply the change from
// the message. Every script (writes, Register, AddCounters) checks the type
// of each key it writes, and the version, before it writes anything: a
// write lands whole, or fails with an error wrapping ErrMalformed that names
// the key and changes nothing. A periodic version check (WithCheckInterval, 2s) heals missed
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
// The store logs each outage once, at Warn ("redis store degraded", with
// its cause), and its end at Info ("redis store recovered"), never per
// retry; a command that fails to dial within two seconds of a recovery
// (go-redis' probe above) is the same outage, logged at Debug. go-redis
// logs through one process-wide logger of its own, which prints a line per
// refused dial to standard error: the first New replaces it (with
// redis.SetLogger) by one that passes each distinct go-redis line, at
// Debug, to the logger of the store whose command logged it (or of every
// open store), once per state change. An app that wants go-redis' log
// elsewhere calls redis.SetLogger after its first New.
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
//	flaggen:{NS}:lastchange        string: random id of the last change, set by every write (the
//	                               writes that bump the version); absent, or left behind by writers
//	                               of an earlier release, it is unknown and only versions compare
//	flaggen:{NS}:audit             stream, capped near WithAuditMaxLen (XREVRANGE … + - COUNT 10);
//	                               one entry per change: version, time (Unix µs), actor, reason,
//	                               flags (JSON: flag → new patch, null = entry deleted),
//	                               before (JSON: flag → previous patch, null = none)
//	flaggen:{NS}:counters:FLAG     hash: counter name ("errors", "slow") → cluster-wide total
//	                               (an operator reset deletes it inside the write that
//	                               clears the flag's "tripped" state)
//	flaggen:{NS}:feedback:FLAG     list of JSON feedback entries, oldest first (LRANGE … 0 -1)
//	flaggen:{NS}:exposure:counts   hash: ENV FLAG VARIANT → evaluations (store.Store.AddExposure; a
//	                               field joins its parts as LENGTH:TEXT each, e.g. 10:production6:new_ui2:on)
//	flaggen:{NS}:exposure:last     hash: ENV FLAG → when last evaluated (Unix ms, a maximum)
//	flaggen:{NS}:exposure:since    hash: environment → when counting began there (Unix ms, a minimum)
//	flaggen:{NS}:exposure:min:M    hash: ENV FLAG → evaluations in minute M (Unix seconds / 60),
//	                               expiring an hour and two minutes after its last write
//	flaggen:{NS}:exposure:reset    hash: ENV FLAG → when the flag's counts there were last reset
//	                               (Unix ms, a maximum; store.Store.ResetExposure); counts made
//	                               before it and flushed after are dropped
//	flaggen:{NS}:changes           pub/sub channel: {"v":VERSION,"e":EPOCH,"c":CHANGE_ID,
//	                               "p":PREVIOUS_CHANGE_ID,"f":{FLAG: new patch or null}} ("c", "p":
//	                               lastchange after and before the change; absent or "": unknown)
//	flaggen:{NS}:spec              hash: the spec the apps run, recorded by each runtime.Client at
//	                               start (store.SpecRecorder; the last to start wins): file (its
//	                               name, e.g. flags.json), source (verbatim), sha256 (hex, of
//	                               source), time (RFC 3339). The flaggen CLI reads it when it is
//	                               given no -spec (HGET flaggen:{NS}:spec source)
//	flaggen:{NS}:restored          hash: how the current epoch's live state came back after a data
//	                               loss, or began on purpose (see Data loss): epoch, kind ("restore"
//	                               or "wipe"), and from_epoch, from_version, instance, version (a
//	                               restore) or actor, version (a wipe)
//
// An operator who edits flaggen:{NS}:patches by hand should also INCR
// flaggen:{NS}:version so that instances reload within the check interval
// (setting it lower is taken for a failover to a replica that missed
// writes: see below).
// A value that is not a JSON object is logged with its key; the runtime
// refuses that flag's patch and serves the flag as the spec defines it
// (see the runtime package documentation), and every other flag loads
// normally.
//
// Every other value read from Redis is checked too. A version that is not a
// number of at most 14 digits, an epoch or last change id that is not an id (1
// to 64 printable ASCII characters without spaces), or a key of another
// type leaves the store on its last good state: Health reports it (wrapping
// ErrDegraded and ErrMalformed, naming the key), the store looks again with
// a backoff from WithRetryInterval doubling up to WithCheckInterval, logs
// it at most once a minute, and recovers by itself once it is repaired.
//
// # Data loss
//
// When Redis loses the namespace's data (a restart without persistence,
// FLUSHALL), the epoch key goes with it: the next write stores a new epoch.
// A store that reads another epoch (or none) than its mirror's at a full
// load (at its version check, the resync after its subscription
// reconnects, or Load, so before every runtime write) treats it as a data
// loss. Before its mirror takes what Redis holds, so that its runtime
// Clients never serve the spec in between, it writes the live state it
// held back, once, with one Lua script (the restore) that writes only:
//
//   - when the namespace is not in the mirror's epoch, and its epoch was
//     not started by ResetLive (an operator's reset is never undone);
//   - when no restore of the current epoch came from an equal or higher
//     version: of several instances that detect the loss at once exactly
//     one wins, and an instance that held a later version replaces the
//     restore of an earlier one;
//   - the flags that no audited write changed since the loss: a change by
//     an operator or a monitor made after the loss, before or after a
//     restore, is never replaced. Patches registered since (the spec's
//     defaults, which are not audited) are; registration never overwrites
//     an entry, and a store registers its flags again only after its
//     restore;
//   - when the audit stream holds at most 1000 entries, each naming its
//     flags: a longer one survived, so this is no data loss (the epoch key
//     deleted by hand, see below), and nothing is restored.
//
// A restore never deletes an entry. It sets the version to the restored
// version + 1 (or the current one + 1 when that is higher), so that
// versions keep counting past the lost history, appends an audit entry
// (actor "flaggen-restore@" followed by Store.Instance; reason "restored
// live state version N (epoch E) from instance … after data loss"; a
// "restore" field), publishes the change and records flaggen:{NS}:restored.
// The store logs what became of its restore at WARN (restored) or INFO
// (another instance's restore, an operator's reset), then follows the
// namespace. A change prepared from a state of the previous epoch
// (store.Change.IfEpoch, set by the runtime with IfVersion) is refused
// with store.ErrConflict; the runtime then prepares it again over the
// restored state. Shared counters (the monitors') and exposure counts are
// not restored: they count from zero again, while a flag a monitor tripped stays off, since
// "tripped" is part of its patch. A data loss is noticed when the change
// subscription reconnects (a restart), a FLUSHALL at the next write or
// version check.
//
// WithRestoreOnDataLoss(false) turns restores off: the store then logs a
// warning ("Redis lost this namespace's live state", with old_epoch,
// old_version, new_epoch and new_version), takes what Redis holds now,
// registers its flags again (those given to Register: the spec's) and
// records the last recorded spec again: apps serve the spec plus whatever
// is written afterwards. Health is not degraded by a data loss either way.
//
// To start from the spec on purpose, call ResetLive (the CLI's "flaggen
// reset-live"): it deletes every patch, starts a new epoch marked as a
// reset in flaggen:{NS}:restored, and audits and publishes it, so that the
// running instances take the spec and register its flags again instead of
// restoring what they held.
//
// # Failover to a replica that missed writes
//
// A replica promoted by Sentinel (or a Cluster failover) that had not
// received the last writes keeps the epoch: the namespace's version goes
// back, and the writes that follow may bring it back to, or past, the lost
// versions with other contents. Each store finds it by itself, comparing
// (version, last change id) with its mirror's at its periodic version
// check, at the resync after its subscription reconnects, at Load (so
// before every runtime write), and at each pub/sub message (a change of a
// version it applied, with another id, or one whose previous change is not
// its mirror's last, asks for a check at once). A lower version of the
// same epoch, read while the mirror did not move, or the mirror's version
// with another last change id, is another history: the store takes what
// Redis holds (a full reload, although the version went down), logs one
// warning ("Redis failed over to a replica that missed writes", with
// epoch, old_version, old_change, new_version and new_change), registers
// its flags again, and from then on reports the epoch with a suffix
// ("EPOCH#1", local to the store and counted by it) in store.State, so
// that its runtime Clients, which compare version and epoch only, reload
// even at a version they hold, ChangesSince answers false across it, and a
// change prepared before it is refused with store.ErrConflict. A change
// prepared from the store's state also carries the id of the change that
// made its IfVersion, and the write script refuses it when Redis reached
// that version by another change. Nothing is written to Redis for it (a
// write to a demoted master that still answers for a while would make it
// resynchronize in full later). Writes lost with the old master stay
// lost: apps serve what the promoted replica holds, plus later changes.
// Unlike a data loss, a failover keeps the epoch, so nothing is restored:
// the promoted replica holds a history of the namespace's own, which the
// stores follow rather than overwrite. A
// store that reads from the demoted master while it still answers (before
// Sentinel turns it into a replica) may take its state for a while, and
// the new master's after.
//
// An equal version is told apart only by lastchange, which writers of an
// earlier release do not set, and stores of an earlier release do not look
// for another history at all. While they remain, a failover to a stale
// replica can still need the manual step: DEL flaggen:{NS}:epoch; every
// store reloads at its next check, and the next write starts a new epoch.
// A store of this release takes that for a data loss, but finds the audit
// stream the failover kept and restores at most the flags it does not
// name (with more than 1000 entries, nothing); to be sure nothing is
// restored, give the stores WithRestoreOnDataLoss(false), or run
// "flaggen reset-live" instead when the spec is the state wanted.
package redisstore
