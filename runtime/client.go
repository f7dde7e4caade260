package runtime

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	goruntime "runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/flaggen/flaggen/internal/engine"
	"github.com/flaggen/flaggen/internal/reason"
	"github.com/flaggen/flaggen/internal/spec"
	"github.com/flaggen/flaggen/runtime/memstore"
	"github.com/flaggen/flaggen/runtime/store"
)

// DefaultEnvironment is the environment of a Client without WithEnvironment.
const DefaultEnvironment = "production"

type options struct {
	store        store.Store
	env          string
	clock        func() time.Time
	logger       *slog.Logger
	startTimeout time.Duration
	resync       time.Duration
	flush        time.Duration
	hooks        []Hook // WithHook (hook.go)
	exposure     bool   // WithExposure (exposure.go)
}

// Option configures a Client.
type Option func(*options)

// WithStore sets the live-state store. Default: a new memstore.Store, private
// to the Client.
func WithStore(s store.Store) Option { return func(o *options) { o.store = s } }

// WithEnvironment sets the caller's environment, checked against each
// flag's "environments" (step 3) and used for dependencies too (D1).
// Default: "production". NewClient refuses an empty name, and one that is
// not valid UTF-8 or holds a control character (exposure counts could not
// be stored under it).
func WithEnvironment(env string) Option { return func(o *options) { o.env = env } }

// WithClock sets the clock used for activation dates. With it, activation
// dates are checked on every evaluation (for tests and simulations); without
// it, a passed date is dropped when the snapshot is built and a timer
// rebuilds the snapshot when a future date passes. Default: none.
func WithClock(now func() time.Time) Option { return func(o *options) { o.clock = now } }

// WithLogger sets the logger for store and live-state problems. Default:
// slog.Default().
func WithLogger(l *slog.Logger) Option { return func(o *options) { o.logger = l } }

// DefaultStartTimeout is how long NewClient waits for the store without
// WithStartTimeout.
const DefaultStartTimeout = 2 * time.Second

// WithStartTimeout bounds how long NewClient waits for the store, even one
// that accepts connections and never answers; on timeout or error the
// Client starts from the spec and keeps connecting in the background.
// Default: DefaultStartTimeout (2s).
func WithStartTimeout(d time.Duration) Option { return func(o *options) { o.startTimeout = d } }

// WithResync sets how often the Client reloads live state even without a
// change notification (healing missed notifications and store outages).
// Default: 30s.
func WithResync(d time.Duration) Option { return func(o *options) { o.resync = d } }

// WithFlushInterval sets how often monitor reports are added to the
// store's shared counters. Default: 200ms.
func WithFlushInterval(d time.Duration) Option { return func(o *options) { o.flush = d } }

// Client evaluates flags of one spec from an atomically swapped snapshot of
// the spec, live state from the store.Store, and test pins. It is safe for
// concurrent use. The typed evaluations of generated accessors (through
// runtime/flagimpl) never block, lock, do I/O or allocate; the by-name and
// explaining forms (Evaluate, ExplainName, EvaluateAll) allocate their
// results and never do I/O either. Hooks (WithHook) run within
// evaluations: what they cost adds to them.
type Client struct {
	spec *Spec
	opts options
	log  *slog.Logger
	snap atomic.Pointer[engine.Snapshot]
	// rev is the revision of snap, stored after it (decide.go).
	rev    atomic.Pointer[string]
	builds uint64 // snapshots built, for the revision while pins are set

	// reloadMu orders reloads: each Loads and applies under it, so a state
	// loaded earlier never replaces one loaded later.
	reloadMu chanLock
	mu       sync.Mutex // guards the build inputs below and rebuilds
	// state is the last good live state applied to the spec (live.go);
	// the snapshot is built from state.Spec.
	state  *spec.Live
	lcache spec.LiveCache // decoded live patches by flag and raw text (live.go)
	// refused holds every refusal of the live state installed (live.go).
	refused map[string]error
	version uint64
	epoch   string // store.State.Epoch of version
	pins    map[int]*pin
	timer   *time.Timer
	built   time.Time // when the snapshot was built: activation dates up to it are applied

	boolStates [][]uint32 // bound by bindBoolStates (runtime/flagimpl)
	closed     bool

	listeners map[*changeListener]bool // OnChange registrations (notify.go)

	ownStore bool // the default memory store, closed with the Client

	unknownMu    sync.Mutex
	unknown      map[string]bool // names the spec lacks, asked for (warned once)
	unregistered map[string]bool // of those, not registered in the store yet
	unknownBusy  bool            // a registration of them is under way

	mon monitors
	// exp counts evaluations (WithExposure), nil without; observed is set
	// when evaluations take the hook path (hooks or exp).
	exp      *exposure
	observed bool

	ctx    context.Context
	cancel context.CancelFunc
	wg     sync.WaitGroup
	health atomic.Pointer[error]
	// refusal is a *RefusedError while live patches are refused, else nil.
	refusal atomic.Pointer[error]

	registered   atomic.Bool // the spec's flags are registered in the store
	specRecorded atomic.Bool // the spec is recorded in a store.SpecRecorder store
	specWarned   atomic.Bool // a failure to record it was logged
}

// NewClient starts a Client: it registers the spec's flags in the store
// (never overwriting live state), hands the spec to a store that checks
// patches (store.SpecChecker), records the spec's source when the store
// is a store.SpecRecorder, loads live state, builds the first snapshot and
// follows the store's changes until Close. When the store
// cannot be reached within the start timeout, the Client starts from the
// spec, logs why, reports it in Health, and keeps retrying.
func NewClient(s *Spec, opts ...Option) (*Client, error) {
	if s == nil {
		return nil, errors.New("runtime: NewClient: nil Spec")
	}
	o := options{env: DefaultEnvironment, startTimeout: DefaultStartTimeout, resync: 30 * time.Second, flush: 200 * time.Millisecond}
	for _, opt := range opts {
		opt(&o)
	}
	ownStore := o.store == nil
	if ownStore {
		o.store = memstore.New()
	}
	if o.logger == nil {
		o.logger = slog.Default()
	}
	if o.env == "" {
		return nil, errors.New("runtime: NewClient: empty environment")
	}
	if !utf8.ValidString(o.env) || strings.ContainsFunc(o.env, unicode.IsControl) {
		return nil, fmt.Errorf("runtime: NewClient: environment %q: not valid UTF-8 or holds a control character", o.env)
	}
	if err := checkHooks(o.hooks); err != nil {
		return nil, err
	}
	if len(s.m.Environments) > 0 && !contains(s.m.Environments, o.env) {
		return nil, fmt.Errorf("runtime: NewClient: environment %q is not declared in the spec (declared: %q)", o.env, s.m.Environments)
	}
	if sc, ok := o.store.(store.SpecChecker); ok {
		sc.UseSpec(s)
	}
	c := &Client{reloadMu: make(chanLock, 1), ownStore: ownStore, spec: s, opts: o, log: o.logger, state: &spec.Live{Spec: s.m}, pins: map[int]*pin{}, unknown: map[string]bool{}, unregistered: map[string]bool{}}
	c.mon.init(len(s.m.Flags))
	if o.exposure {
		c.exp = newExposure(s.m)
	}
	c.observed = len(o.hooks) > 0 || c.exp != nil
	c.ctx, c.cancel = context.WithCancel(context.Background())
	// One load of everything first (warm_cache), then the spec's flags the
	// store lacks are registered; a registration that fails is retried
	// after the next successful reload (follow). A store that does not
	// answer in time (whatever its own timeouts) is left to finish in the
	// background: NewClient returns serving the spec. The first snapshot
	// is the live state's when the store answers in time, so that a warm
	// start compiles the flags once; the spec's is built only when not.
	ctx, cancel := context.WithTimeout(c.ctx, o.startTimeout)
	started := make(chan error, 1)
	c.wg.Add(1)
	go func() {
		defer c.wg.Done()
		defer cancel()
		err := c.reload(ctx)
		if err == nil {
			err = c.register(ctx)
		}
		if err == nil {
			c.recordSpec(ctx)
			err = c.reload(ctx) // the registration's version, if it added flags
		}
		started <- err
	}()
	var err error
	wait := time.NewTimer(o.startTimeout)
	select {
	case err = <-started:
	case <-wait.C:
		err = fmt.Errorf("the store did not answer within the start timeout (%v)", o.startTimeout)
	}
	wait.Stop()
	c.mu.Lock()
	if c.snap.Load() == nil {
		if berr := c.rebuildLocked(); berr != nil {
			c.mu.Unlock()
			c.cancel()
			c.wg.Wait()
			return nil, berr
		}
	}
	c.mu.Unlock()
	c.setHealth(err)
	if err != nil {
		c.log.Warn("flaggen: live state unavailable at start; evaluating from the spec until the store answers", "err", err)
	}
	c.wg.Add(2)
	go c.follow()
	go c.flushLoop()
	return c, nil
}

// chanLock is a mutex made of a channel of capacity 1. A goroutine waiting
// for it is blocked on a channel, which testing/synctest counts as durably
// blocked (unlike one waiting for a sync.Mutex), so a test in a bubble can
// tell with synctest.Wait that a reload waits for another.
type chanLock chan struct{}

func (l chanLock) Lock()   { l <- struct{}{} }
func (l chanLock) Unlock() { <-l }

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// Runtime returns c, so that a *Client is a Pinner.
func (c *Client) Runtime() *Client { return c }

// Spec returns the spec c evaluates.
func (c *Client) Spec() *Spec { return c.spec }

// Store returns c's live-state store.
func (c *Client) Store() store.Store { return c.opts.store }

// Environment returns c's environment.
func (c *Client) Environment() string { return c.opts.env }

// Health returns nil when the store is healthy and every live patch
// applies, else why not. A store problem comes first (evaluation goes on
// from the last good snapshot): the store's own Health error when it
// implements store.HealthReporter (the Redis store knows at once when Redis or
// only its change subscription is down), else the error of the Client's
// last exchange with the store. Then, while the spec refuses the live
// patches of some flags, a *RefusedError naming them and why (those flags
// take their spec definition, see the package doc; every other flag
// follows live state).
func (c *Client) Health() error {
	if h, ok := c.opts.store.(store.HealthReporter); ok {
		if err := h.Health(); err != nil {
			return err
		}
	}
	if p := c.health.Load(); p != nil {
		return *p
	}
	if p := c.refusal.Load(); p != nil {
		return *p
	}
	return nil
}

func (c *Client) setHealth(err error) {
	if err == nil {
		c.health.Store(nil)
		return
	}
	c.health.Store(&err)
}

// Close stops following the store, flushes pending monitor reports and
// closes the store when it is the Client's default memory store.
func (c *Client) Close() error {
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		return nil
	}
	c.closed = true
	if c.timer != nil {
		c.timer.Stop()
	}
	c.mu.Unlock()
	ctx, cancel := context.WithTimeout(context.Background(), c.opts.startTimeout)
	err := c.Flush(ctx)
	cancel()
	if err != nil {
		c.log.Warn("flaggen: closing: monitor reports and evaluation counts not flushed are lost", "err", err)
	}
	c.unknownMu.Lock()
	c.cancel()
	c.unknownMu.Unlock()
	c.wg.Wait()
	if c.ownStore {
		err = errors.Join(err, c.opts.store.Close())
	}
	return err
}

// register records the spec's flags in the store without overwriting.
func (c *Client) register(ctx context.Context) error {
	flags := make(map[string]json.RawMessage, len(c.spec.m.Flags))
	for _, f := range c.spec.m.Flags {
		flags[f.Name] = json.RawMessage("{}")
	}
	if err := c.opts.store.Register(ctx, flags); err != nil {
		return fmt.Errorf("registering the spec's flags: %w", err)
	}
	c.registered.Store(true)
	return nil
}

// catchUp retries, after a successful reload, what failed while the store
// was unreachable: registering the spec's flags and recording the spec.
func (c *Client) catchUp() {
	c.registerUnknown()
	_, recorder := c.opts.store.(store.SpecRecorder)
	if c.registered.Load() && (!recorder || c.specRecorded.Load()) {
		return
	}
	ctx, cancel := context.WithTimeout(c.ctx, c.opts.startTimeout)
	defer cancel()
	if !c.registered.Load() {
		if err := c.register(ctx); err != nil {
			if c.ctx.Err() == nil {
				c.log.Warn("flaggen: registering the spec's flags in the store; retrying after the next reload", "err", err)
			}
			return
		}
	}
	c.recordSpec(ctx)
}

// follow applies store changes until Close.
func (c *Client) follow() {
	defer c.wg.Done()
	var watch <-chan struct{}
	failing := false // the last reload failed
	tick := time.NewTicker(c.opts.resync)
	defer tick.Stop()
	for {
		if watch == nil {
			w, err := c.opts.store.Watch(c.ctx)
			if c.ctx.Err() != nil {
				return // closed while Watch waited to subscribe
			}
			if err != nil {
				c.setHealth(err)
			} else {
				watch = w
				// Changes may have happened before the watch began.
				c.reloaded(c.reload(c.ctx), &failing)
			}
		}
		var reload func(context.Context) error
		select {
		case <-c.ctx.Done():
			return
		case _, ok := <-watch:
			if !ok {
				watch = nil
				if c.ctx.Err() != nil {
					return
				}
				continue
			}
			reload = c.reloadChanges
		case <-tick.C:
			reload = c.reload // the whole state: heals what notifications missed
		}
		c.reloaded(reload(c.ctx), &failing)
	}
}

// reloaded finishes one reload of follow: on success it catches up with
// activation dates; a failure is logged once per run of failures (the
// first one), and the first success after it once more, so a store that
// stays down does not repeat its warning at every resync.
func (c *Client) reloaded(err error, failing *bool) {
	switch {
	case err == nil:
		if *failing {
			*failing = false
			c.log.Info("flaggen: live state reloaded again")
		}
		c.catchUp()
	case c.ctx.Err() != nil:
	case !*failing:
		*failing = true
		c.log.Warn("flaggen: reloading live state; serving the last state loaded until a reload succeeds", "err", err)
	}
}

// reload loads live state and rebuilds the snapshot when it changed.
func (c *Client) reload(ctx context.Context) error {
	c.reloadMu.Lock()
	defer c.reloadMu.Unlock()
	st, err := c.opts.store.Load(ctx)
	c.setHealth(err)
	if err != nil {
		return err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if st.Version != 0 && st.Version == c.version && st.Epoch == c.epoch {
		return nil
	}
	c.applyStateLocked(st)
	return nil
}

// reloadChanges is reload after a change notification: from a store.ChangeFeed
// store, while the last exchange with it succeeded, it applies only the
// changes since the state the Client holds; else (or when the store cannot
// tell them) it reloads.
func (c *Client) reloadChanges(ctx context.Context) error {
	feed, ok := c.opts.store.(store.ChangeFeed)
	if !ok || c.health.Load() != nil {
		return c.reload(ctx)
	}
	c.reloadMu.Lock()
	c.mu.Lock()
	ch, ok := feed.ChangesSince(c.version, c.epoch)
	if ok && (ch.Version != c.version || ch.Epoch != c.epoch) {
		c.applyChangesLocked(ch)
	}
	c.mu.Unlock()
	c.reloadMu.Unlock()
	if !ok {
		return c.reload(ctx)
	}
	return nil
}

// rebuildLocked builds and publishes a snapshot from the current inputs
// and schedules a rebuild at the next future activation date.
func (c *Client) rebuildLocked() error {
	var pins map[int]*engine.Pin
	if len(c.pins) > 0 {
		pins = make(map[int]*engine.Pin, len(c.pins))
		for i, p := range c.pins {
			pins[i] = &p.Pin
		}
	}
	now := time.Now()
	s, err := engine.Build(engine.Input{Base: c.spec.m, ByName: c.spec.byName, Live: c.state.Spec, Version: c.version, Env: c.opts.env,
		Clock: c.opts.clock, Now: now, Pins: pins, Prev: c.snap.Load(), Parallel: parallel, Workers: goruntime.GOMAXPROCS(0)})
	if err != nil {
		return err
	}
	c.snap.Store(s)
	c.builds++
	c.storeRevisionLocked(s)
	c.publishBoolStatesLocked(s)
	if c.opts.clock == nil && !c.built.IsZero() {
		c.notifyActivatedLocked(c.built, now)
	}
	c.built = now
	if c.timer != nil {
		c.timer.Stop()
		c.timer = nil
	}
	if next := s.Next(); !next.IsZero() && !c.closed {
		c.timer = time.AfterFunc(time.Until(next)+time.Millisecond, func() {
			c.mu.Lock()
			defer c.mu.Unlock()
			if !c.closed {
				if err := c.rebuildLocked(); err != nil {
					c.log.Error("flaggen: rebuilding snapshot at activation date", "err", err)
				}
			}
		})
	}
	return nil
}

// parallel runs work(0) … work(n-1) on goroutines of their own and waits
// for them: engine.Build compiles a big spec's flags with it.
func parallel(n int, work func(w int)) {
	var wg sync.WaitGroup
	for w := range n {
		wg.Go(func() { work(w) })
	}
	wg.Wait()
}

// bindBoolStates keeps dst[i], for every flag index i < len(dst), equal to
// flag i's constant state (engine.Snapshot.BoolState). It sets dst now and
// stores each changed entry with sync/atomic whenever the snapshot
// changes, in the same critical section as the swap (so before ToggleAs, a
// reload, or a Change whose reload succeeded returns); readers must use
// atomic.LoadUint32. Generated packages reach it through runtime/flagimpl.
func (c *Client) bindBoolStates(dst []uint32) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.boolStates = append(c.boolStates, dst)
	c.storeBoolStates(c.snap.Load(), dst)
}

// publishBoolStatesLocked updates every slice bound by bindBoolStates to s.
func (c *Client) publishBoolStatesLocked(s *engine.Snapshot) {
	for _, dst := range c.boolStates {
		c.storeBoolStates(s, dst)
	}
}

// storeBoolStates stores s's bool states in dst: StateDynamic throughout
// when c has hooks or counts exposure, so that every evaluation reaches
// them.
func (c *Client) storeBoolStates(s *engine.Snapshot, dst []uint32) {
	for i := range dst {
		st := uint32(engine.StateDynamic)
		if i < s.Len() && !c.observed {
			st = s.BoolState(i)
		}
		if atomic.LoadUint32(&dst[i]) != st {
			atomic.StoreUint32(&dst[i], st)
		}
	}
}

// Explanation says what a flag evaluated to and which cascade step decided.
type Explanation struct {
	// Flag is the flag's name.
	Flag string `json:"flag"`
	// Value is the result: bool, string, int64 or float64.
	Value any `json:"value"`
	// Step names the deciding step by its spec field: "pinned", "active",
	// "activation_date", "environments", "tripped", "depends_on",
	// "empty_context", "users", "regions"/"account_types"/"beta_program"/
	// "rules[i]", "segments", "rollout", "targeting", "variants", "default",
	// "unknown".
	Step string `json:"step"`
	// Reason says why, with the step's data, e.g. "rollout: bucket 93 ≥ 90".
	// For a flag that lists segments it names the segment that decided:
	// "…; segment eu_beta: user_id 7 is included", or, at step "segments",
	// why the context is in none of them.
	Reason string `json:"reason"`
	// Variant is the variant served, as Evaluation.Variant names it: a
	// variant flag's variant, "on" or "off" for a bool flag, "" for a
	// pinned flag and a name the spec lacks. FeedbackCollector.CollectExplained
	// records it with the user's feedback.
	Variant string `json:"variant,omitempty"`
}

// String formats the explanation on one line.
func (e Explanation) String() string {
	return fmt.Sprintf("%s = %v (%s)", e.Flag, e.Value, e.Reason)
}

// explain evaluates flag i like its accessor and says which step decided.
func (c *Client) explain(i int, a []Value) Explanation {
	return explainIn(c.snap.Load(), i, engineValues(a))
}

// explainIn is s.Explain as an Explanation, with its variant (deciding a
// second time, over the same snapshot, for it).
func explainIn(s *engine.Snapshot, i int, a []engine.Value) Explanation {
	e, _ := explainDecided(s, i, a)
	return e
}

// explainDecided is explainIn that also returns the decision.
func explainDecided(s *engine.Snapshot, i int, a []engine.Value) (Explanation, engine.Decision) {
	var e Explanation
	e.Flag, e.Value, e.Step, e.Reason = s.Explain(i, a)
	d := s.Decide(i, a)
	e.Variant = reason.Variant(d)
	return e, d
}

// explainHooked is explainIn that also runs c's hooks with ctx.
func (c *Client) explainHooked(ctx context.Context, s *engine.Snapshot, i int, a []engine.Value) Explanation {
	e, d := explainDecided(s, i, a)
	if c.observed {
		c.afterHooks(ctx, i, d)
	}
	return e
}

// Evaluate evaluates a flag by name (for the CLI and admin tools) and
// returns a JSON-friendly value: bool, string, int64 or float64. A name the
// spec lacks is off (false): it is warned about once and registered in the
// store as off in the background (the call never waits on the store).
func (c *Client) Evaluate(ctx context.Context, name string, a []Value) any {
	return c.ExplainName(ctx, name, a).Value
}

// ExplainName is Explain by flag name; an unknown name is handled as in
// Evaluate.
func (c *Client) ExplainName(ctx context.Context, name string, a []Value) Explanation {
	i, ok := c.spec.byName[name]
	if !ok {
		c.unknownFlag(name)
		if len(c.opts.hooks) > 0 { // unknown names are not counted
			c.afterUnknown(ctx, name)
		}
		return Explanation{Flag: name, Value: false, Step: "unknown", Reason: fmt.Sprintf("flag %q is not in the spec: off", name)}
	}
	return c.explainHooked(ctx, c.snap.Load(), i, engineValues(a))
}

// EvaluateAll explains every flag of the spec, in index order.
func (c *Client) EvaluateAll(ctx context.Context, a []Value) []Explanation {
	s := c.snap.Load()
	out := make([]Explanation, s.Len())
	for i := range out {
		out[i] = c.explainHooked(ctx, s, i, engineValues(a))
	}
	return out
}

// unknownFlag warns once about a name the spec lacks and registers it as
// off in the store in the background (never blocking the caller); a
// registration that fails is retried after the next successful reload.
func (c *Client) unknownFlag(name string) {
	c.unknownMu.Lock()
	seen := c.unknown[name]
	if !seen {
		c.unknown[name] = true
		c.unregistered[name] = true
	}
	c.unknownMu.Unlock()
	if seen {
		return
	}
	msg := "flaggen: unknown flag asked by name: off"
	if close := closeNames(name, c.spec.FlagNames()); len(close) > 0 {
		c.log.Warn(msg, "flag", name, "did_you_mean", close)
	} else {
		c.log.Warn(msg, "flag", name)
	}
	c.registerUnknown()
}

// registerUnknown registers the unknown names asked for, unless a
// registration is under way, on a goroutine of its own with the start
// timeout as bound.
func (c *Client) registerUnknown() {
	c.unknownMu.Lock()
	if c.unknownBusy || len(c.unregistered) == 0 || c.ctx.Err() != nil {
		c.unknownMu.Unlock()
		return
	}
	c.unknownBusy = true
	flags := make(map[string]json.RawMessage, len(c.unregistered))
	for name := range c.unregistered {
		flags[name] = json.RawMessage(`{"active":false}`)
	}
	c.wg.Add(1) // under unknownMu: Close cancels under it before it waits
	c.unknownMu.Unlock()
	go func() {
		defer c.wg.Done()
		ctx, cancel := context.WithTimeout(c.ctx, c.opts.startTimeout)
		err := c.opts.store.Register(ctx, flags)
		cancel()
		c.unknownMu.Lock()
		c.unknownBusy = false
		if err == nil {
			for name := range flags {
				delete(c.unregistered, name)
			}
		}
		again := err == nil && len(c.unregistered) > 0 // asked for meanwhile
		c.unknownMu.Unlock()
		if err != nil && c.ctx.Err() == nil {
			c.log.Warn("flaggen: registering unknown flags; retrying after the next reload", "flags", slices.Sorted(maps.Keys(flags)), "err", err)
		}
		if again {
			c.registerUnknown()
		}
	}()
}
