package redisstore

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"net"
	goruntime "runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/flaggen/flaggen/internal/jsonx"
	"github.com/flaggen/flaggen/internal/watchset"
	"github.com/flaggen/flaggen/runtime/store"
	"github.com/redis/go-redis/v9"
)

// ErrDegraded is wrapped by Health (and by the errors it reports) while the
// store cannot reach Redis, its change subscription is down, or a value it
// reads there is malformed (the error then wraps ErrMalformed too): the
// runtime keeps serving the last state it loaded.
var ErrDegraded = errors.New("flaggen: redis store degraded")

// errNotLoaded is the degraded cause of a store that has not reached Redis
// yet.
var errNotLoaded = errors.New("not loaded from Redis yet")

// Defaults of the options.
const (
	DefaultNamespace      = "default"
	DefaultCheckInterval  = 2 * time.Second
	DefaultRetryInterval  = 100 * time.Millisecond
	DefaultAuditMaxLen    = 10000
	DefaultFeedbackMaxLen = 10000
)

// Option configures a Store.
type Option func(*options)

type options struct {
	namespace      string
	checkInterval  time.Duration
	retryInterval  time.Duration
	auditMaxLen    int64
	feedbackMaxLen int64
	logger         *slog.Logger
	clock          func() time.Time
	noRestore      bool // WithRestoreOnDataLoss(false)
}

// WithNamespace sets the namespace whose keys the store uses (default
// "default"). Apps sharing flags use the same namespace; the name becomes the
// keys' hash tag, so it must not contain '{' or '}'.
func WithNamespace(ns string) Option { return func(o *options) { o.namespace = ns } }

// WithCheckInterval sets how often the store compares its version with
// Redis' to heal missed pub/sub messages (default 2s).
func WithCheckInterval(d time.Duration) Option { return func(o *options) { o.checkInterval = d } }

// WithRetryInterval sets how often the store tries to reconnect its change
// subscription, and re-checks the version, while degraded (default 100ms).
// A recovered Redis is resynced within about this interval plus one load.
func WithRetryInterval(d time.Duration) Option { return func(o *options) { o.retryInterval = d } }

// WithAuditMaxLen bounds the audit stream (XADD MAXLEN ~ n; default 10000).
func WithAuditMaxLen(n int64) Option { return func(o *options) { o.auditMaxLen = n } }

// WithFeedbackMaxLen bounds each flag's feedback list to its newest n
// entries (default 10000).
func WithFeedbackMaxLen(n int64) Option { return func(o *options) { o.feedbackMaxLen = n } }

// WithLogger sets where the store logs malformed values and connectivity
// changes (default slog.Default()), and where go-redis' own log lines go,
// at Debug, once per state change (see redislog.go).
func WithLogger(l *slog.Logger) Option { return func(o *options) { o.logger = l } }

// WithClock sets the clock of audit and feedback times (default: the Redis
// server's TIME for audit entries, time.Now for feedback).
func WithClock(now func() time.Time) Option { return func(o *options) { o.clock = now } }

// Store is a store.Store kept in Redis and shared by every instance that
// uses the same namespace. Create it with New; it is safe for concurrent use.
type Store struct {
	c   redis.UniversalClient
	o   options
	key keys

	ctx    context.Context // canceled by Close
	cancel context.CancelFunc
	wg     sync.WaitGroup
	kick   chan struct{} // asks the checker to resync now
	clk    serverClock   // Now's

	mu       sync.Mutex
	closed   bool
	version  uint64                     // mirror version
	epoch    string                     // mirror epoch ("": the namespace has none)
	change   string                     // id of the mirror's last change ("": unknown)
	flags    map[string]json.RawMessage // mirror; Load returns copies
	valid    bool                       // mirror holds a full load
	gen      uint64                     // counts mirror updates (tells a stale full load)
	retired  []string                   // epochs the mirror left behind, newest last
	forks    int                        // histories found within one epoch so far (see install)
	fork     string                     // "" or "#" forks: suffix of the epoch the store reports
	watchers watchset.Set
	subErr   error   // change subscription down
	cmdErr   error   // last command to Redis failed
	badErr   error   // a value read from Redis is malformed (ErrMalformed)
	badTries int     // looks at the bad value so far (backoff)
	badLog   limiter // logs of bad values
	msgLog   limiter // logs of unreadable or unconfirmed change messages
	since    time.Time
	upAt     time.Time                    // when the store last recovered from an outage it logged
	relapse  bool                         // degraded again within relapseWindow of upAt: logged at Debug
	bad      map[string][sha256.Size]byte // flag -> SHA-256 of the malformed value last logged
	ps       *redis.PubSub                // current change subscription
	// subscribed is closed while Redis has confirmed the change
	// subscription, and replaced by an open channel when it goes down:
	// Watch waits on it.
	subscribed chan struct{}
	subUp      bool // subscribed is closed

	// changes holds the changes the mirror applied one version at a time
	// since version changesFrom (its own writes and pub/sub messages), the
	// latest maxChanges, for ChangesSince and to tell a message of another
	// history (idAtLocked); a full load that moves the mirror starts it
	// again.
	changes     []applied
	changesFrom uint64
	// unconfirmed is the first version the mirror took from a pub/sub
	// message that no read of Redis' head (or write reply) has confirmed
	// since, 0 when none: install tells a message Redis never held (a
	// PUBLISH from outside the write script) from a failover by it.
	unconfirmed uint64

	// registered holds every patch given to Register, registered again
	// (reregister) after the namespace was reset: Redis lost its data.
	registered map[string]json.RawMessage
	reregister bool
	// record is the spec last recorded (RecordSpec), recorded again with
	// the flags after a namespace reset.
	record *specRecord
	// rs is the store's part in restoring live state after data loss
	// (restore.go).
	rs restoreState
	// spec checks every patch written (UseSpec); nil: none may be.
	spec store.PatchChecker
}

type keys struct {
	patches, version, epoch, lastChange, audit, channel, counters, feedback, spec string
}

func newKeys(ns string) keys {
	p := "flaggen:{" + ns + "}:"
	return keys{
		patches:    p + "patches",
		version:    p + "version",
		epoch:      p + "epoch",
		lastChange: p + "lastchange",
		audit:      p + "audit",
		channel:    p + "changes",
		counters:   p + "counters:",
		feedback:   p + "feedback:",
		spec:       p + "spec",
	}
}

var _ store.Store = (*Store)(nil)

// New returns a Store over client (a *redis.Client, *redis.FailoverClient
// for Sentinel, or *redis.ClusterClient) and starts following changes in the
// background. It does no blocking I/O: when Redis is unreachable the store
// starts degraded and Load reports the error until Redis answers. Close stops
// the store but leaves client open.
func New(client redis.UniversalClient, opts ...Option) (*Store, error) {
	o := options{
		namespace:      DefaultNamespace,
		checkInterval:  DefaultCheckInterval,
		retryInterval:  DefaultRetryInterval,
		auditMaxLen:    DefaultAuditMaxLen,
		feedbackMaxLen: DefaultFeedbackMaxLen,
		logger:         slog.Default(),
	}
	for _, opt := range opts {
		opt(&o)
	}
	switch {
	case client == nil:
		return nil, errors.New("flaggen: redisstore.New: nil client")
	case o.namespace == "" || strings.ContainsAny(o.namespace, "{}"):
		return nil, fmt.Errorf("flaggen: redisstore.New: namespace %q must be non-empty without '{' or '}'", o.namespace)
	case o.checkInterval <= 0 || o.retryInterval <= 0:
		return nil, fmt.Errorf("flaggen: redisstore.New: check interval %v and retry interval %v must be positive", o.checkInterval, o.retryInterval)
	case o.auditMaxLen <= 0 || o.feedbackMaxLen <= 0:
		return nil, fmt.Errorf("flaggen: redisstore.New: audit max length %d and feedback max length %d must be positive", o.auditMaxLen, o.feedbackMaxLen)
	}
	if o.logger == nil {
		o.logger = slog.New(slog.DiscardHandler)
	}
	s := &Store{
		c:          client,
		o:          o,
		key:        newKeys(o.namespace),
		kick:       make(chan struct{}, 1),
		flags:      map[string]json.RawMessage{},
		registered: map[string]json.RawMessage{},
		subscribed: make(chan struct{}),
		bad:        map[string][sha256.Size]byte{},
		cmdErr:     errNotLoaded,
		since:      time.Now(),
		rs:         restoreState{instance: newInstance()},
	}
	s.ctx, s.cancel = context.WithCancel(context.WithValue(context.Background(), storeKey{}, s))
	installGoRedisLog.Do(func() { redis.SetLogger(goRedisLog) })
	goRedisLog.add(s)
	s.wg.Add(2)
	go s.subscribeLoop()
	go s.checkLoop()
	return s, nil
}

// Namespace returns the store's namespace.
func (s *Store) Namespace() string { return s.o.namespace }

// Key returns the Redis key (or pub/sub channel) of the named part of the
// namespace: "patches", "version", "epoch", "lastchange", "audit", "changes",
// "counters:<flag>", "feedback:<flag>", "spec", "restored" or an exposure
// key ("exposure:counts", "exposure:last", "exposure:since",
// "exposure:reset", "exposure:min:<minute>"; see exposure.go) — for operators and tests.
func (s *Store) Key(part string) string { return "flaggen:{" + s.o.namespace + "}:" + part }

// Health reports whether the store is in step with Redis: nil once it has
// reached Redis, while its last command succeeded and its change
// subscription is up; else an error wrapping ErrDegraded that says since
// when and why.
func (s *Store) Health() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return store.ErrClosed
	}
	if err := s.degradedLocked(); err != nil {
		return fmt.Errorf("%w since %s: %w", ErrDegraded, s.since.Format(time.RFC3339Nano), err)
	}
	return nil
}

// degradedLocked returns why the store is degraded, nil when it is not; mu
// is held.
func (s *Store) degradedLocked() error { return cmp(s.subErr, cmp(s.cmdErr, s.badErr)) }

func cmp(a, b error) error {
	if a != nil {
		return a
	}
	return b
}

// setErr records the outcome of a command or of the subscription; mu is
// not held.
func (s *Store) setErr(sub bool, err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	was := s.degradedLocked()
	if sub {
		s.subErr = err
		s.setSubscribedLocked(err == nil)
	} else {
		s.cmdErr = err
	}
	s.transitionLocked(was)
}

// setSubscribedLocked records whether Redis has confirmed the change
// subscription (Watch waits for it); mu is held.
func (s *Store) setSubscribedLocked(up bool) {
	switch {
	case up && !s.subUp:
		close(s.subscribed)
	case !up && s.subUp:
		s.subscribed = make(chan struct{})
	}
	s.subUp = up
}

// relapseWindow is how soon after it recovered a store whose next command
// fails to dial counts as still in the same outage, and logs it at Debug
// only: go-redis stops dialing after PoolSize failed dials and then probes
// once a second, so for up to a second after Redis returns, a command that
// needs a new connection can still fail with the outage's dial error. (A
// new outage breaks the open connections first, and is logged as usual.)
var relapseWindow = 2 * time.Second

// isRelapse reports whether a store that recovered at upAt (zero: never)
// and failed at since with err is still in the outage it recovered from.
func isRelapse(upAt, since time.Time, err error) bool {
	var op *net.OpError
	return !upAt.IsZero() && since.Sub(upAt) < relapseWindow && errors.As(err, &op) && op.Op == "dial"
}

// transitionLocked logs and notifies the change from was, the cause the
// store was degraded by (nil: healthy), to the current one; mu is held. A
// malformed value is logged by setBad, under its own rate limit.
func (s *Store) transitionLocked(was error) {
	now := s.degradedLocked()
	// Watchers are woken on both transitions so that a runtime that reloads
	// on notification sees the failing Load (its own health) at once, and
	// clears it as soon as Redis is back.
	switch {
	case was == nil && now != nil:
		s.since = time.Now()
		if now == s.badErr {
			s.watchers.Notify()
			break
		}
		s.relapse = isRelapse(s.upAt, s.since, now)
		if s.relapse {
			s.o.logger.Debug("flaggen: redis store degraded again just after it recovered; go-redis retries its dials once a second after an outage",
				"namespace", s.o.namespace, "err", now)
		} else {
			s.o.logger.Warn("flaggen: redis store degraded; serving the last loaded state", "namespace", s.o.namespace, "err", now)
			goRedisLog.stateChanged()
		}
		s.watchers.Notify()
	case was == errNotLoaded && now == nil:
		s.watchers.Notify()
	case was != nil && now == nil:
		if s.relapse {
			s.o.logger.Debug("flaggen: redis store recovered again", "namespace", s.o.namespace, "degraded_for", time.Since(s.since).Round(time.Millisecond))
		} else {
			s.o.logger.Info("flaggen: redis store recovered", "namespace", s.o.namespace, "degraded_for", time.Since(s.since).Round(time.Millisecond))
			goRedisLog.stateChanged()
			s.upAt = time.Now()
		}
		s.watchers.Notify()
	}
}

// noteErr marks the store degraded when err means Redis is unreachable (not
// a reply error from a reachable server) and returns err.
func (s *Store) noteErr(err error) error {
	if err == nil {
		s.setErr(false, nil)
		return nil
	}
	var rerr redis.Error
	if errors.As(err, &rerr) || errors.Is(err, context.Canceled) {
		return err
	}
	s.setErr(false, err)
	return err
}

func (s *Store) kickCheck() {
	select {
	case s.kick <- struct{}{}:
	default:
	}
}

func (s *Store) isClosed() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.closed
}

func (s *Store) now() time.Time {
	if s.o.clock != nil {
		return s.o.clock()
	}
	return time.Now()
}

// Load implements store.Store. When the store's mirror (kept current by
// pub/sub) is at Redis' version it costs one GET; otherwise it reads the
// version and every patch in one MULTI/EXEC round trip.
func (s *Store) Load(ctx context.Context) (store.State, error) {
	if s.isClosed() {
		return store.State{}, store.ErrClosed
	}
	s.mu.Lock()
	valid := s.valid
	s.mu.Unlock()
	if valid {
		h, err := s.getHead(ctx)
		if err != nil {
			return store.State{}, fmt.Errorf("flaggen: redis load failed: %w", err)
		}
		s.mu.Lock()
		s.confirmLocked(h)
		if s.valid && s.badErr == nil && s.current(h) {
			st := s.stateLocked(true)
			s.mu.Unlock()
			return st, nil
		}
		s.mu.Unlock()
	}
	return s.fullLoad(ctx, true)
}

// head names one state of the namespace: its version, its epoch ("": none)
// and the id of the change that made it ("": unknown).
type head struct {
	version       uint64
	epoch, change string
}

// same reports whether h and o may be the same state: same version and
// epoch, and not two different change ids.
func (h head) same(o head) bool {
	return h.version == o.version && h.epoch == o.epoch && (h.change == o.change || h.change == "" || o.change == "")
}

// current reports whether h, read from Redis, may be the mirror's state;
// mu is held. A last change id that Redis lost while the mirror knows one
// is no state a writer leaves (lastchange is only ever replaced), but what
// MGET answers for a key of another type: the full load tells.
func (s *Store) current(h head) bool {
	return h.same(s.headLocked()) && (h.change != "" || s.change == "")
}

// confirmLocked notes that h, read from Redis, confirms the mirror's
// changes when it is the mirror's head; mu is held.
func (s *Store) confirmLocked(h head) {
	if h.version == s.version && h.epoch == s.epoch && h.change == s.change {
		s.unconfirmed = 0
	}
}

// knownAt reports whether h's change id is the one that made h's version
// in the mirror's history (both known); mu is held.
func (s *Store) knownAt(h head) bool {
	known := s.idAtLocked(h.version)
	return known != "" && h.change == known
}

// epochLocked returns the epoch the store reports in store.State: the
// namespace's, followed by the fork suffix once the store found another
// history within it (see install); mu is held.
func (s *Store) epochLocked() string { return s.epoch + s.fork }

// headLocked returns the mirror's head; mu is held.
func (s *Store) headLocked() head { return head{s.version, s.epoch, s.change} }

// getHead reads the namespace's version, epoch and last change id (0, ""
// and "" when absent), and notes the outcome: Redis unreachable (noteErr)
// or a malformed value (setBad). It never clears a malformed value: only a
// full load, which reads every value, does.
func (s *Store) getHead(ctx context.Context) (head, error) {
	vals, err := s.c.MGet(ctx, s.key.version, s.key.epoch, s.key.lastChange).Result()
	if err != nil {
		return head{}, s.noteErr(err)
	}
	s.noteErr(nil)
	if len(vals) != 3 {
		err = fmt.Errorf("%w: MGET of 3 keys answered %d values", ErrMalformed, len(vals))
	} else {
		var h head
		if h, err = s.parseHead(vals[0], vals[1], vals[2]); err == nil {
			return h, nil
		}
	}
	s.setBad(err)
	return head{}, err
}

// maxVersionDigits bounds the digits of a version. The scripts compute
// versions as Lua numbers, which print in exponent form ("1e+14") from
// 10^14 on: a larger version would reach the audit trail and the change
// messages mangled, and ResetLive would write it back so. The scripts
// refuse (checkversion) to increment a version past it.
const maxVersionDigits = 14

// parseHead makes the head of a version, epoch and last change id read from
// Redis (each nil when absent, else a string); a value that is not what the
// store writes there is an error wrapping ErrMalformed that names its key.
// (MGET answers nil for a key of another type too: the full load, whose GETs
// fail on it, tells.)
func (s *Store) parseHead(version, epoch, change any) (head, error) {
	var h head
	if version != nil {
		vs, ok := version.(string)
		if !ok {
			return head{}, fmt.Errorf("%w: %s holds %v, not a version number", ErrMalformed, s.key.version, version)
		}
		var err error
		if h.version, err = strconv.ParseUint(vs, 10, 64); err != nil || len(vs) > maxVersionDigits {
			return head{}, fmt.Errorf("%w: %s holds %s, not a version number (up to %d digits)", ErrMalformed, s.key.version, quote(vs), maxVersionDigits)
		}
	}
	for _, id := range []struct {
		key string
		v   any
		dst *string
	}{{s.key.epoch, epoch, &h.epoch}, {s.key.lastChange, change, &h.change}} {
		if id.v == nil {
			continue
		}
		v, ok := id.v.(string)
		if !ok {
			return head{}, fmt.Errorf("%w: %s holds %v, not an id", ErrMalformed, id.key, id.v)
		}
		if err := checkID(id.key, v); err != nil {
			return head{}, err
		}
		*id.dst = v
	}
	return h, nil
}

// value returns the reply of a GET: nil when the key is absent.
func value(c *redis.StringCmd) any {
	if c.Err() != nil {
		return nil
	}
	return c.Val()
}

// newEpoch returns a random epoch id for a namespace that has none.
func newEpoch() string { return rand.Text() }

// fullLoad reads version, epoch and patches atomically (warm_cache),
// installs them in the mirror unless they are stale (see install), and
// notifies watchers when the mirror moved. With copy it returns a copy of
// the resulting mirror, else only the version.
func (s *Store) fullLoad(ctx context.Context, copy bool) (store.State, error) {
	return s.fullLoadThen(ctx, copy, nil)
}

// anyReplyError reports whether one of cmds got an error reply of its own
// (redis.Nil, a missing key, is none).
func anyReplyError(cmds []redis.Cmder) bool {
	for _, c := range cmds {
		if e := c.Err(); e != nil && !errors.Is(e, redis.Nil) {
			return true
		}
	}
	return false
}

// fullLoadThen is fullLoad calling between, when not nil, after the read and
// before the install (tests use it to race the mirror).
func (s *Store) fullLoadThen(ctx context.Context, copy bool, between func()) (store.State, error) {
	s.mu.Lock()
	gen, attempts := s.gen, s.rs.attempts
	s.mu.Unlock()
	var vcmd, ecmd, ccmd *redis.StringCmd
	var pcmd *redis.MapStringStringCmd
	_, err := s.c.TxPipelined(ctx, func(p redis.Pipeliner) error {
		vcmd = p.Get(ctx, s.key.version)
		ecmd = p.Get(ctx, s.key.epoch)
		ccmd = p.Get(ctx, s.key.lastChange)
		pcmd = p.HGetAll(ctx, s.key.patches)
		return nil
	})
	cmds := []redis.Cmder{vcmd, ecmd, ccmd, pcmd}
	var rerr redis.Error
	if err != nil && !errors.Is(err, redis.Nil) && (!errors.As(err, &rerr) || !anyReplyError(cmds)) {
		// Not one command's reply (redis.Nil is a missing key, which
		// is fine): the server is unreachable, or refused
		// the connection's setup (AUTH, SELECT of a DB out of range) or
		// the transaction itself. That is a failure, not a bad value.
		return store.State{}, fmt.Errorf("flaggen: redis load failed: %w", s.noteErr(err))
	}
	s.noteErr(nil)
	// A reply error of one command (WRONGTYPE: a key of another type) is a
	// malformed value.
	for _, c := range cmds {
		if e := c.Err(); e != nil && !errors.Is(e, redis.Nil) {
			err := fmt.Errorf("%w: %s: %v", ErrMalformed, c.Args()[1], e)
			s.setBad(err)
			return store.State{}, fmt.Errorf("flaggen: redis load failed: %w", err)
		}
	}
	h, err := s.parseHead(value(vcmd), value(ecmd), value(ccmd))
	if err != nil {
		s.setBad(err)
		return store.State{}, fmt.Errorf("flaggen: redis load failed: %w", err)
	}
	flags := jsonx.CloneMap(pcmd.Val())
	s.checkMalformed(flags)
	if again, err := s.restoreAfterLoss(ctx, h, gen, attempts); err != nil {
		return store.State{}, err
	} else if again {
		return s.fullLoadThen(ctx, copy, between)
	}
	s.setBad(nil)
	if between != nil {
		between()
	}

	s.mu.Lock()
	defer s.mu.Unlock()
	s.install(h, flags, gen)
	return s.stateLocked(copy), nil
}

// stateLocked returns the mirror's version and reported epoch, and with
// copy a copy of its flags; mu is held.
func (s *Store) stateLocked(copy bool) store.State {
	st := store.State{Version: s.version, Epoch: s.epochLocked()}
	if copy {
		st.Flags = jsonx.CloneMap(s.flags)
	}
	return st
}

// install puts a full load of head h and flags, read while the mirror was
// at update gen, into the mirror unless it is stale; mu is held.
//
// Within one history versions only grow, so a load older than the mirror,
// read while the mirror moved (a pub/sub message or a write's reply moved
// it past the load while the read was on its way), is stale: it is
// dropped and the check looks again. Read while the mirror did not move,
// the same epoch at a lower version, or at the mirror's version with
// another last change id, is another history: Redis failed over to a
// replica that missed writes. The mirror takes it, and the epoch the store
// reports gets a new suffix (epochLocked), so that runtime Clients, which
// compare version and epoch only, reload even at a version they hold,
// ChangesSince answers false across it and changes prepared before it are
// refused (write). Nothing is written to Redis: during a Sentinel failover
// the demoted master may answer for a while with fewer writes than the new
// one, and a write there would only make it resynchronize in full.
//
// And when Redis loses the namespace's data (a restart without
// persistence, FLUSHALL) the epoch key goes with it, the next write stores
// a new one and versions count from 1 again. A load of another epoch than
// the mirror's, read while the mirror did not change and not of an epoch
// the mirror left behind, is therefore no race either: it is what Redis
// holds now, and the mirror is reset to it.
func (s *Store) install(h head, flags map[string]json.RawMessage, gen uint64) {
	same := h.epoch == s.epoch ||
		// The first write of a namespace without an epoch creates one.
		(s.epoch == "" && h.version >= s.version)
	back := h.version < s.version ||
		h.version == s.version && h.change != "" && s.change != "" && h.change != s.change
	moved := !s.valid || !h.same(s.headLocked())
	switch {
	case !s.valid:
	case same && !back:
	case !same && h.epoch != "" && slices.Contains(s.retired, h.epoch):
		return // stale
	case s.gen != gen:
		// The mirror moved during the read (e.g. to a newer epoch): this
		// load may be stale; check again.
		s.kickCheck()
		return
	case same && s.unconfirmed != 0 && h.version+1 >= s.unconfirmed && s.knownAt(h):
		// Redis holds the mirror's own change at its version, and every
		// later version the mirror took from messages that no read of
		// Redis confirmed: Redis never held them.
		s.forks++
		s.fork = "#" + strconv.Itoa(s.forks)
		s.o.logger.Warn("flaggen: the state stored in Redis does not confirm the change messages this store applied "+
			"(published by something other than a flaggen write, or lost by a failover right after they were published); "+
			"apps serve what Redis holds", "namespace", s.o.namespace, "epoch", h.epoch,
			"unconfirmed_versions", fmt.Sprintf("%d-%d", s.unconfirmed, s.version), "unconfirmed_change", s.change,
			"redis_version", h.version, "redis_change", h.change, "reported_epoch", h.epoch+s.fork)
		s.kickCheck()
	case same:
		s.forks++
		s.fork = "#" + strconv.Itoa(s.forks)
		s.o.logger.Warn("flaggen: Redis failed over to a replica that missed writes (same epoch, "+
			"an earlier version or another change at the same version): the changes it missed are gone; "+
			"apps serve what Redis holds now plus the changes made from now on, and the spec's flags are registered again",
			"namespace", s.o.namespace, "epoch", h.epoch, "old_version", s.version, "old_change", s.change,
			"new_version", h.version, "new_change", h.change, "reported_epoch", h.epoch+s.fork)
		s.reregister = len(s.registered) > 0
		s.kickCheck()
	default:
		s.logResetLocked(h)
		if s.epoch != "" {
			s.retired = append(s.retired, s.epoch)
			if len(s.retired) > 8 {
				s.retired = s.retired[1:]
			}
		}
		s.reregister = len(s.registered) > 0
		s.kickCheck()
	}
	if h.epoch != s.epoch {
		s.fork = ""
	}
	s.version, s.epoch, s.change, s.flags, s.valid = h.version, h.epoch, h.change, flags, true
	s.unconfirmed = 0
	if moved {
		s.changes, s.changesFrom = nil, h.version
		s.gen++
		s.watchers.Notify()
	}
}

// checkMalformed logs each patch that is not a JSON object, once per value.
// The patch still goes to the runtime, which refuses it and serves that
// flag as the spec defines it (keeping a kill switch the patch holds).
func (s *Store) checkMalformed(flags map[string]json.RawMessage) {
	for _, name := range malformed(flags) {
		p := flags[name]
		s.mu.Lock()
		sum := sha256.Sum256(p)
		seen := s.bad[name] == sum
		s.bad[name] = sum
		s.mu.Unlock()
		if !seen {
			s.o.logger.Error("flaggen: malformed patch in Redis; the flag is served as the spec defines it until it is repaired",
				"key", s.key.patches, "field", name, "value", truncate(string(p), 200))
		}
	}
}

// malformed returns the names of the patches of flags that are not JSON
// objects, checked on several goroutines when they are many (a warm start
// loads thousands).
func malformed(flags map[string]json.RawMessage) []string {
	names := slices.Collect(maps.Keys(flags))
	workers := max(1, min(goruntime.GOMAXPROCS(0), len(names)/1024))
	bad := make([][]string, workers)
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			for _, name := range names[w*len(names)/workers : (w+1)*len(names)/workers] {
				if !isObject(flags[name]) {
					bad[w] = append(bad[w], name)
				}
			}
		})
	}
	wg.Wait()
	return slices.Concat(bad...)
}

func isObject(p []byte) bool {
	p = bytes.TrimSpace(p)
	return len(p) > 0 && p[0] == '{' && json.Valid(p)
}

func truncate(s string, n int) string {
	if len(s) > n {
		return s[:n] + "…"
	}
	return s
}

// Register implements store.Store with HSETNX in one script, so live
// state already in Redis is never overwritten.
func (s *Store) Register(ctx context.Context, flags map[string]json.RawMessage) error {
	if s.isClosed() {
		return store.ErrClosed
	}
	if len(flags) == 0 {
		return nil
	}
	checked := make(map[string]json.RawMessage, len(flags))
	for name, p := range flags {
		if !store.IsNull(p) && !json.Valid(p) {
			return fmt.Errorf("flaggen: redis register %q: patch is not valid JSON", name)
		}
		if !store.IsNull(p) && !bytes.Equal(bytes.TrimSpace(p), []byte("{}")) {
			checked[name] = p
		}
	}
	if err := s.checkPatches(checked); err != nil {
		return fmt.Errorf("flaggen: redis register refused: %w", err)
	}
	// The mirror (a full load, kept current by pub/sub) lists the flags
	// that have an entry: a warm start registers none again. Every flag
	// given is remembered, to register again after a namespace reset
	// (registerAgain).
	var reg []string
	var last json.RawMessage // the last patch kept: flags share equal ones ("{}")
	s.mu.Lock()
	if len(s.registered) == 0 {
		s.registered = make(map[string]json.RawMessage, len(flags))
	}
	for name, p := range flags {
		if store.IsNull(p) {
			p = json.RawMessage("{}")
		}
		if _, ok := s.registered[name]; !ok {
			if !bytes.Equal(last, p) {
				last = slices.Clip(slices.Clone(p))
			}
			s.registered[name] = last
		}
		if _, ok := s.flags[name]; !ok || !s.valid {
			reg = append(reg, name)
		}
	}
	s.mu.Unlock()
	if len(reg) == 0 {
		return nil
	}
	slices.Sort(reg)
	args := make([]any, 0, 3+2*len(reg))
	args = append(args, s.key.channel, newEpoch(), newEpoch())
	for _, name := range reg {
		p := flags[name]
		if store.IsNull(p) {
			p = json.RawMessage("{}")
		}
		args = append(args, name, string(p))
	}
	res, err := registerScript.Run(ctx, s.c, []string{s.key.patches, s.key.version, s.key.epoch, s.key.lastChange}, args...).Slice()
	if err != nil {
		return fmt.Errorf("flaggen: redis write failed: register: %w", s.scriptErr(err))
	}
	s.noteErr(nil)
	m, err := parseChange(res)
	if err != nil {
		return fmt.Errorf("flaggen: redis register: %w", err)
	}
	if m.V != 0 {
		s.applyChange(m, true)
	}
	return nil
}

// parseChange reads a script's {version, epoch, change id, previous change
// id, name, patch, …} reply ("" patch: deleted).
func parseChange(res []any) (changeMsg, error) {
	if len(res) < 4 || len(res)%2 != 0 {
		return changeMsg{}, fmt.Errorf("unexpected script reply %v", res)
	}
	v, ok := res[0].(int64)
	epoch, eok := res[1].(string)
	id, iok := res[2].(string)
	prev, pok := res[3].(string)
	if !ok || !eok || !iok || !pok || v < 0 {
		return changeMsg{}, fmt.Errorf("unexpected script reply %v", res)
	}
	changed := make(map[string]json.RawMessage, len(res)/2-2)
	for i := 4; i+1 < len(res); i += 2 {
		name, _ := res[i].(string)
		after, _ := res[i+1].(string)
		if after == "" {
			changed[name] = nil
		} else {
			changed[name] = json.RawMessage(after)
		}
	}
	return changeMsg{V: uint64(v), E: epoch, C: id, P: prev, F: changed}, nil
}

// Apply implements store.Store: one Lua script replaces the patches, bumps
// the version, appends the audit entry (with each flag's previous patch
// under "before") and publishes the change, atomically.
func (s *Store) Apply(ctx context.Context, ch store.Change) (uint64, error) {
	return s.write(ctx, ch, false)
}

// Merge is Apply with field-level merging, done inside Redis: each field of
// a patch in ch.Flags replaces that field of the stored patch, a field set
// to JSON null removes it, and fields not named are kept. Concurrent writers
// of different fields of one flag therefore all survive without IfVersion
// retries. A JSON null patch deletes the flag's entry as in Apply. A stored
// value that is not a JSON object (written by hand) is replaced by the
// merge of ch's fields alone.
func (s *Store) Merge(ctx context.Context, ch store.Change) (uint64, error) {
	return s.write(ctx, ch, true)
}

func (s *Store) write(ctx context.Context, ch store.Change, merge bool) (uint64, error) {
	if s.isClosed() {
		return 0, store.ErrClosed
	}
	if err := ch.Check(); err != nil {
		return 0, err
	}
	for name, p := range ch.Flags {
		if !store.IsNull(p) && !json.Valid(p) {
			return 0, fmt.Errorf("flaggen: redis write %q: patch is not valid JSON", name)
		}
	}
	if err := s.checkPatches(ch.Flags); err != nil {
		return 0, fmt.Errorf("flaggen: redis write refused: %w", err)
	}
	mode := "R"
	if merge {
		mode = "M"
	}
	t := ""
	if s.o.clock != nil {
		t = strconv.FormatInt(s.o.clock().UnixMicro(), 10)
	}
	ifEpoch, ifChange, err := s.conditions(ch)
	if err != nil {
		return 0, err
	}
	ifVersion := "" // unconditional
	if ch.IfVersion != 0 || ch.CheckVersion {
		ifVersion = strconv.FormatUint(ch.IfVersion, 10)
	}
	args := []any{ifVersion, ch.Actor, ch.Reason, t,
		strconv.FormatInt(s.o.auditMaxLen, 10), s.key.channel, mode, newEpoch(), ifEpoch, newEpoch(), ifChange}
	for _, name := range slices.Sorted(maps.Keys(ch.Flags)) {
		p := ch.Flags[name]
		switch {
		case store.IsNull(p):
			args = append(args, name, "")
		case merge && !isObject(p):
			return 0, fmt.Errorf("flaggen: redis merge %q: patch is not a JSON object", name)
		case !json.Valid(p):
			return 0, fmt.Errorf("flaggen: redis apply %q: patch is not valid JSON", name)
		default:
			args = append(args, name, string(bytes.TrimSpace(p)))
		}
	}
	keys := []string{s.key.patches, s.key.version, s.key.audit, s.key.epoch, s.key.lastChange}
	for _, name := range ch.ResetCounters {
		keys = append(keys, s.key.counters+name)
	}
	res, err := applyScript.Run(ctx, s.c, keys, args...).Slice()
	if err != nil {
		if cur, ok := strings.CutPrefix(err.Error(), "CONFLICT CHANGE "); ok {
			return 0, fmt.Errorf("flaggen: redis write refused: the namespace's history changed: version %d reached by change %s, change made after %s: %w",
				ch.IfVersion, cur, ifChange, store.ErrConflict)
		}
		if cur, ok := strings.CutPrefix(err.Error(), "CONFLICT EPOCH"); ok {
			if cur = strings.TrimSpace(cur); cur == "" {
				cur = "none"
			}
			return 0, fmt.Errorf("flaggen: redis write refused: the namespace's history changed: now in epoch %s, change made in epoch %s: %w",
				cur, ch.IfEpoch, store.ErrConflict)
		}
		if cur, ok := strings.CutPrefix(err.Error(), "CONFLICT "); ok {
			return 0, fmt.Errorf("flaggen: redis write refused: store at version %s, change made at %d: %w", cur, ch.IfVersion, store.ErrConflict)
		}
		return 0, fmt.Errorf("flaggen: redis write failed: %w", s.scriptErr(err))
	}
	s.noteErr(nil)
	m, err := parseChange(res)
	if err != nil {
		return 0, fmt.Errorf("flaggen: redis write: %w", err)
	}
	s.applyChange(m, true)
	return m.V, nil
}

// conditions returns the conditions of ch for the write script: its
// IfEpoch, reported by the store (epochLocked), as the namespace's epoch,
// and, for a change prepared from the store's state (IfEpoch is the one
// the store reports), the id of the change that made version IfVersion in
// the mirror ("": unknown), so that the script refuses it when Redis
// reached that version by another history. A change of an earlier fork
// suffix is refused here.
func (s *Store) conditions(ch store.Change) (epoch, change string, err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if ch.IfEpoch == "" || !s.valid {
		return ch.IfEpoch, "", nil
	}
	reported := s.epochLocked()
	if ch.IfEpoch != reported {
		if s.fork != "" {
			return "", "", fmt.Errorf("flaggen: redis write refused: the namespace's history changed: now in epoch %s, change made in epoch %s: %w",
				reported, ch.IfEpoch, store.ErrConflict)
		}
		return ch.IfEpoch, "", nil // the script tells
	}
	if ch.IfVersion != 0 {
		change = s.idAtLocked(ch.IfVersion)
	}
	return s.epoch, change, nil
}

// applyChange advances the mirror by one version (from a write's reply,
// confirmed, or a pub/sub message m) of m's epoch ("": a writer that does
// not say) and reports whether it did; a gap, a change of another epoch than the
// mirror's, or of another history of its epoch (the change before m, or m
// at the mirror's version, is not the mirror's last change), asks for a
// resync.
func (s *Store) applyChange(m changeMsg, confirmed bool) bool {
	epoch, v, changed := m.E, m.V, m.F
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.valid {
		return false
	}
	if epoch != "" && epoch != s.epoch && (s.epoch != "" || v != s.version+1) {
		// Another history: the namespace was reset (or this change of the
		// new epoch overtook our resync), unless the mirror left it behind.
		if !slices.Contains(s.retired, epoch) {
			s.kickCheck()
		}
		return false
	}
	other := func(id string, v uint64) bool {
		known := s.idAtLocked(v)
		return id != "" && known != "" && id != known
	}
	if v <= s.version {
		if other(m.C, v) {
			s.kickCheck()
		}
		return false
	}
	if v != s.version+1 || other(m.P, s.version) {
		s.kickCheck()
		return false
	}
	if epoch != "" && epoch != s.epoch {
		s.epoch, s.fork = epoch, "" // the first write of a namespace without one
		s.changes, s.changesFrom = nil, v
	}
	s.change = m.C
	switch {
	case confirmed:
		s.unconfirmed = 0 // the write's reply: Redis held the mirror's head
	case s.unconfirmed == 0:
		s.unconfirmed = v
	}
	s.gen++
	for name, p := range changed {
		if p == nil || store.IsNull(p) {
			delete(s.flags, name)
			changed[name] = nil
		} else {
			s.flags[name] = p
		}
	}
	s.version = v
	if v-1 == s.changesFrom+uint64(len(s.changes)) {
		if len(s.changes) == maxChanges {
			s.changes = slices.Delete(s.changes, 0, 1)
			s.changesFrom++
		}
		s.changes = append(s.changes, applied{m.C, changed})
	}
	s.watchers.Notify()
	return true
}

// applied is one change the mirror applied: its id ("": unknown) and the
// new patch of each flag it changed (nil: entry deleted).
type applied struct {
	id    string
	flags map[string]json.RawMessage
}

// idAtLocked returns the id of the change that made version v of the
// mirror's history, "" when unknown; mu is held.
func (s *Store) idAtLocked(v uint64) string {
	switch {
	case v == s.version:
		return s.change
	case v > s.changesFrom && v-s.changesFrom <= uint64(len(s.changes)):
		return s.changes[v-s.changesFrom-1].id
	}
	return ""
}

// maxChanges bounds the changes the store remembers for ChangesSince: a
// Client further behind loads the whole state.
const maxChanges = 64

// ChangesSince implements store.ChangeFeed from the changes the mirror
// applied one version at a time, while the store is healthy.
func (s *Store) ChangesSince(version uint64, epoch string) (store.State, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed || !s.valid || s.subErr != nil || s.cmdErr != nil || epoch != s.epochLocked() ||
		version < s.changesFrom || version > s.version || s.changesFrom+uint64(len(s.changes)) != s.version {
		return store.State{}, false
	}
	st := store.State{Version: s.version, Epoch: s.epochLocked(), Flags: map[string]json.RawMessage{}}
	for _, ch := range s.changes[version-s.changesFrom:] {
		maps.Copy(st.Flags, ch.flags)
	}
	return st, true
}

// Watch implements store.Store. The channel gets a value after the store
// applied a change (a pub/sub message, a resync after a missed message or a
// reconnect, or a write of its own). Watch returns once Redis has confirmed
// the store's change subscription, so that a change any instance makes
// after it returns reaches the channel; while Redis cannot be reached it
// waits, until ctx is done (its error is returned) or the store is closed
// (ErrClosed).
func (s *Store) Watch(ctx context.Context) (<-chan struct{}, error) {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return nil, store.ErrClosed
	}
	w := s.watchers.Add(&s.mu, ctx, s.ctx.Done())
	subscribed := s.subscribed
	s.mu.Unlock()
	select {
	case <-subscribed:
		return w, nil
	case <-ctx.Done():
		return nil, ctx.Err()
	case <-s.ctx.Done():
		return nil, store.ErrClosed
	}
}

// Close implements store.Store: it stops the background work and closes
// Watch channels. The Redis client stays open (it belongs to the caller).
func (s *Store) Close() error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return nil
	}
	s.closed = true
	s.watchers.CloseAll()
	ps := s.ps
	s.mu.Unlock()
	s.cancel()
	if ps != nil {
		_ = ps.Close() // interrupts a blocked receive
	}
	s.wg.Wait()
	goRedisLog.remove(s)
	return nil
}
