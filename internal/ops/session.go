package ops

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/flaggen/flaggen/internal/redisurl"
	"github.com/flaggen/flaggen/runtime"
	"github.com/flaggen/flaggen/runtime/redisstore"
	"github.com/flaggen/flaggen/runtime/store"
)

// SpecFile is a spec the operator named, loaded.
type SpecFile struct {
	// File is its path; Origin says where the name came from, for
	// messages (e.g. "-spec" or "$FLAGGEN_SPEC").
	File, Origin string
	Spec         *runtime.Spec
	// Src is the file's content, compared with the spec the apps recorded.
	Src []byte
}

// LoadSpecFile reads and loads the spec file for the runtime. A spec that
// does not load is reported with runtime.LoadSpec's error (one positioned
// line per problem).
func LoadSpecFile(file, origin string) (*SpecFile, error) {
	src, err := os.ReadFile(file)
	if err != nil {
		return nil, err
	}
	sp, err := runtime.LoadSpec(file, src)
	if err != nil {
		return nil, err
	}
	return &SpecFile{File: file, Origin: origin, Spec: sp, Src: src}, nil
}

// Config says which live state a Session opens and how.
type Config struct {
	// RedisURL is the Redis holding the live state, as the operator gave
	// it (see NewRedisClient). It may hold credentials: the Session never
	// shows it, only its redisurl.Redact form.
	RedisURL string
	// Namespace is the namespace the apps give redisstore.WithNamespace.
	Namespace string
	// Timeout bounds each exchange with Redis; it must be positive.
	Timeout time.Duration
	// Spec, when set, is the spec names and values are checked against;
	// nil uses the spec the apps recorded in the namespace.
	Spec *SpecFile
	// SpecOptional opens the session without a spec when there is none
	// (no Spec, and no app recorded one that loads): Session.Spec is then
	// nil, for a command that needs none, such as reading the audit trail.
	SpecOptional bool
	// CountSubscribers counts the app instances subscribed to the
	// namespace's changes before the Session's own store subscribes
	// (Session.Subscribers), for a command that writes.
	CountSubscribers bool
	// Warnings receives one-line warnings (e.g. Spec differs from the
	// recorded spec); nil discards them.
	Warnings io.Writer
	// Log receives the errors of the Clients the Session opens (e.g. a
	// live patch the runtime refuses); nil discards them.
	Log *slog.Logger
}

// Session is an open connection to one namespace's live state, with the
// spec it is checked against.
type Session struct {
	// Spec is the spec names and values are checked against: nil only
	// with Config.SpecOptional.
	Spec  *runtime.Spec
	Store *redisstore.Store
	// Live is the store the session reads and writes: Store for a session
	// on a Redis (Open), else the store given to OpenStore (Store nil).
	Live store.Store
	// Namespace is the namespace; URL is the Redis URL with its
	// credentials redacted; Where is "redis at URL (namespace NS)".
	Namespace, URL, Where string
	// State is the live state as last loaded (by Open, Inspect or
	// WriteFlag).
	State store.State
	// Recorded reports whether an app recorded its spec in the namespace.
	Recorded bool
	// Subscribers is the number of app instances subscribed to the
	// namespace's changes (Config.CountSubscribers); SubscribersErr, when
	// not nil, says why it is unknown.
	Subscribers    int64
	SubscribersErr error

	rdb     redis.UniversalClient
	rawURL  string // never shown, only scrubbed from errors
	timeout time.Duration
	log     *slog.Logger
}

// Open connects to the Redis at cfg.RedisURL (one PING, so that a Redis
// that is unreachable, silent or refusing the connection is reported
// before anything else happens, within one cfg.Timeout: "redis at URL
// unreachable: …", "… answered with an error: …"), loads the namespace's
// live state once, then settles the
// spec: cfg.Spec, with a warning when it differs from the spec the apps
// recorded in the namespace; else the recorded spec, or an error when
// there is none. A malformed URL or timeout is a *UsageError.
func Open(cfg Config) (*Session, error) {
	shown := redisurl.Redact(cfg.RedisURL)
	if cfg.Timeout <= 0 {
		return nil, Usagef("-timeout must be positive")
	}
	rdb, err := NewRedisClient(cfg.RedisURL, cfg.Timeout)
	if err != nil {
		// The parsers' errors quote the URL: never show them as they are.
		return nil, Usagef("-redis %s: %v", shown, redisurl.Error(err, cfg.RedisURL))
	}
	ns := cfg.Namespace
	if ns == "" {
		ns = redisstore.DefaultNamespace
	}
	s := &Session{
		rdb: rdb, URL: shown, rawURL: cfg.RedisURL, Namespace: ns, timeout: cfg.Timeout,
		Where: fmt.Sprintf("redis at %s (namespace %s)", shown, ns),
		log:   cfg.Log,
	}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	if err := probe(rdb, cfg.Timeout); err != nil {
		rdb.Close()
		return nil, fmt.Errorf("redis at %s %s", shown, redisurl.Error(errors.New(describeFailure(err, cfg.Timeout)), cfg.RedisURL))
	}
	if cfg.CountSubscribers {
		n, err := countSubscribers(rdb, changesChannel(ns), cfg.Timeout)
		s.Subscribers, s.SubscribersErr = n, unwrapDegraded(redisurl.Error(err, cfg.RedisURL))
	}
	quiet := slog.New(slog.DiscardHandler)
	if s.Store, err = redisstore.New(rdb, redisstore.WithNamespace(ns), redisstore.WithLogger(quiet)); err != nil {
		rdb.Close()
		return nil, fmt.Errorf("redis at %s: %v", shown, redisurl.Error(err, cfg.RedisURL))
	}
	s.Live = s.Store
	ctx, cancel := s.Ctx()
	defer cancel()
	if s.State, err = s.Store.Load(ctx); err != nil {
		s.Close()
		return nil, s.failed(err)
	}
	w := cfg.Warnings
	if w == nil {
		w = io.Discard
	}
	if err := s.useSpec(w, cfg.Spec); err != nil && (s.Store.Health() != nil || !cfg.SpecOptional) {
		s.Close()
		return nil, err
	}
	if s.Spec != nil {
		// Every patch the session writes, through a Client or not, is
		// checked against the session's spec.
		s.Store.UseSpec(s.Spec)
	}
	return s, nil
}

// useSpec sets the session's spec: arg, with a one-line warning on w when
// it differs from the spec the apps recorded in the namespace; else the
// recorded spec, or an error when there is none.
func (s *Session) useSpec(w io.Writer, arg *SpecFile) error {
	ctx, cancel := s.Ctx()
	defer cancel()
	file, src, ok, err := s.Store.RecordedSpec(ctx)
	s.Recorded = ok
	if arg != nil {
		s.Spec = arg.Spec
		switch {
		case err != nil:
			fmt.Fprintf(w, "flaggen: warning: cannot compare %s %s with the spec recorded in namespace %s: %v\n", arg.Origin, arg.File, s.Namespace, s.Hide(unwrapDegraded(err)))
		case ok && !sameSpec(arg.Src, src):
			fmt.Fprintf(w, "flaggen: warning: %s %s (sha256 %.12s) differs from the spec the apps recorded in namespace %s (%s, sha256 %.12s); using %s\n",
				arg.Origin, arg.File, store.SpecSHA256(arg.Src), s.Namespace, file, store.SpecSHA256(src), arg.Origin)
		}
		return nil
	}
	if err != nil {
		if s.Store.Health() != nil {
			return s.RedisError(err)
		}
		return fmt.Errorf("reading the spec recorded in namespace %s at %s: %v", s.Namespace, s.URL, s.Hide(unwrapDegraded(err)))
	}
	if !ok {
		return fmt.Errorf("no spec recorded in namespace %s at %s: start an app with this namespace or pass -spec FILE", s.Namespace, s.URL)
	}
	if s.Spec, err = runtime.LoadSpec(file, src); err != nil {
		s.Spec = nil
		return fmt.Errorf("the spec recorded in namespace %s at %s (%s) does not load with this flaggen (pass -spec FILE):\n%v", s.Namespace, s.URL, file, err)
	}
	return nil
}

// sameSpec reports whether two spec sources are the same: byte for byte
// (sha256), or as JSON documents that differ only in white space.
func sameSpec(a, b []byte) bool {
	if store.SpecSHA256(a) == store.SpecSHA256(b) {
		return true
	}
	var ca, cb bytes.Buffer
	return json.Compact(&ca, a) == nil && json.Compact(&cb, b) == nil && bytes.Equal(ca.Bytes(), cb.Bytes())
}

// Ctx returns a context bounded by the session's timeout.
func (s *Session) Ctx() (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.Background(), s.timeout)
}

// Timeout is the bound of each exchange with Redis.
func (s *Session) Timeout() time.Duration { return s.timeout }

// Close closes the store and the connection to Redis.
func (s *Session) Close() {
	if s.rdb == nil {
		return // OpenStore: the caller owns the store
	}
	s.Store.Close()
	s.rdb.Close()
}

// Hide returns err scrubbed of the credentials of the session's URL
// (redisurl.Error): for every error from Redis or go-redis shown.
func (s *Session) Hide(err error) error { return redisurl.Error(err, s.rawURL) }

// RedisError turns a failed Redis exchange into "redis at URL
// unreachable: …" when the store is down, else err scrubbed (Hide).
func (s *Session) RedisError(err error) error {
	if err == nil {
		return nil
	}
	if storeDown(s.Live) != nil {
		return s.failed(err)
	}
	return s.Hide(err)
}

// failed returns the error of a Redis exchange that failed: Redis is
// unreachable or answered with an error (describeFailure), or it holds a value that flaggen did not write there
// (redisstore.ErrMalformed), which is no reason to look at the network.
func (s *Session) failed(err error) error {
	if errors.Is(err, redisstore.ErrMalformed) {
		msg := strings.TrimPrefix(unwrapDegraded(err).Error(), "flaggen: ")
		return fmt.Errorf("%s: %v; repair that key with redis-cli (running apps serve their last good state until then)", s.Where, s.Hide(errors.New(msg)))
	}
	return fmt.Errorf("redis at %s %v", s.URL, s.Hide(errors.New(describeFailure(err, s.timeout))))
}

// operatorStore is the store of a Client that writes on an operator's
// behalf: it does not register the spec's flags (the apps do), so that a
// command writes exactly the one audited change it asks for.
type operatorStore struct{ store.Store }

func (operatorStore) Register(context.Context, map[string]json.RawMessage) error { return nil }

// UseSpec forwards the Client's spec to the wrapped store when it checks
// patches (store.SpecChecker: the Redis store refuses writes without it).
func (o operatorStore) UseSpec(sp *runtime.Spec) {
	if c, ok := o.Store.(store.SpecChecker); ok {
		c.UseSpec(sp)
	}
}

// Client returns a Client over the session's store for writes (readOnly
// false) or for evaluation without writes (readOnly true), with opts
// after the session's own.
func (s *Session) Client(readOnly bool, opts ...runtime.Option) (*runtime.Client, error) {
	var st store.Store = operatorStore{s.Live}
	if readOnly {
		st = store.ReadOnly(s.Live)
	}
	return s.client(st, opts)
}

// client returns a Client over st with the session's options, then opts.
func (s *Session) client(st store.Store, opts []runtime.Option) (*runtime.Client, error) {
	base := []runtime.Option{
		runtime.WithStore(st), runtime.WithLogger(s.log), runtime.WithStartTimeout(s.timeout),
		runtime.WithEnvironment(opsEnvironment(s.Spec)),
	}
	c, err := runtime.NewClient(s.Spec, append(base, opts...)...)
	if err != nil {
		return nil, err
	}
	// A refused live patch (a *runtime.RefusedError) is no reason not to
	// write: inspection shows it, and a write may repair it.
	var refused *runtime.RefusedError
	if err := c.Health(); err != nil && !errors.As(err, &refused) {
		c.Close()
		return nil, s.RedisError(err)
	}
	return c, nil
}

// ServingClient returns a Client that evaluates for other apps (flaggen
// serve): like Client(true, …) it writes no live state, records no spec and
// registers no flag, but it counts the evaluations it serves
// (runtime.WithExposure) into the session's store, where flaggen exposure,
// ls and get read them.
func (s *Session) ServingClient(opts ...runtime.Option) (*runtime.Client, error) {
	return s.client(servingStore{store.ReadOnly(s.Live), s.Live}, append([]runtime.Option{runtime.WithExposure()}, opts...))
}

// servingStore is a read-only view of a store that still adds exposure
// counts: what a server serves is observed, not live state.
type servingStore struct {
	store.Store
	live store.Store
}

// AddExposure adds the counts to the wrapped store.
func (v servingStore) AddExposure(ctx context.Context, d []store.ExposureDelta) error {
	return v.live.AddExposure(ctx, d)
}

// Health forwards the read-only view's health.
func (v servingStore) Health() error { return v.Store.(store.HealthReporter).Health() }

// opsEnvironment is the environment of a writing Client: writes do not
// depend on it, but NewClient wants one the spec declares.
func opsEnvironment(sp *runtime.Spec) string {
	envs := sp.Environments()
	if len(envs) == 0 {
		return runtime.DefaultEnvironment
	}
	for _, e := range envs {
		if e == runtime.DefaultEnvironment {
			return e
		}
	}
	return envs[0]
}

// Inspect reloads the live state and computes every flag's effective
// configuration over it.
func (s *Session) Inspect() (*Inspection, error) {
	ctx, cancel := s.Ctx()
	defer cancel()
	st, err := s.Live.Load(ctx)
	if err != nil {
		return nil, s.RedisError(err)
	}
	s.State = st
	return Inspect(s.Spec, st, time.Now())
}

// LastChanges reads the audit trail once and returns each flag's newest
// entry.
func (s *Session) LastChanges() (map[string]store.AuditEntry, error) {
	ctx, cancel := s.Ctx()
	defer cancel()
	trail, err := s.Live.Audit(ctx, "", 0)
	if err != nil {
		return nil, s.RedisError(err)
	}
	return LastChanges(trail), nil
}

// LastChanges returns each flag's newest entry of trail (newest first, as
// Store.Audit returns it).
func LastChanges(trail []store.AuditEntry) map[string]store.AuditEntry {
	out := map[string]store.AuditEntry{}
	for _, e := range trail {
		for f := range e.Flags {
			if _, seen := out[f]; !seen {
				out[f] = e
			}
		}
	}
	return out
}
