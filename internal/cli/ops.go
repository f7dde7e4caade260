package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"net"
	"net/url"
	"os"
	"os/user"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/flaggen/flaggen/internal/redisurl"
	"github.com/flaggen/flaggen/runtime"
	"github.com/flaggen/flaggen/runtime/redisstore"
	"github.com/flaggen/flaggen/runtime/store"
)

// This file holds what the operator commands (ops_*.go) and eval share:
// the options that locate the live state, the connection to Redis, the
// spec, the actor, and parsing options placed after positional arguments.

// Environment variables read when the matching option is absent.
const (
	envRedisURL  = "FLAGGEN_REDIS_URL"
	envNamespace = "FLAGGEN_NAMESPACE"
	envSpec      = "FLAGGEN_SPEC"
)

// opsArgs is the synopsis of the options every operator command takes.
const opsArgs = "[-spec FILE] [-redis URL] [-namespace NS] [-timeout D]"

// redisURLHelp describes the -redis URL forms.
const redisURLHelp = `-redis URL forms (parsed by go-redis; -timeout sets its timeouts):
  redis://[USER:PASSWORD@]HOST:PORT[/DB]    one node (rediss:// for TLS, unix:///PATH.sock);
                                            a bare HOST:PORT is redis://HOST:PORT
  redis+cluster://[USER:PASSWORD@]HOST:PORT[?addr=HOST2:PORT2...]
                                            a Cluster, from any of its nodes
  redis+sentinel://[USER:PASSWORD@]HOST:PORT[/DB]?master_name=NAME[&addr=HOST2:PORT2...]
                                            Sentinel: the Sentinels' addresses and the
                                            master's name (the master's own credentials:
                                            &username=…&password=…)
(rediss+cluster:// and rediss+sentinel:// for TLS.) Messages show a URL with
its passwords (user information, password=, sentinel_password=) as xxxxx.`

// opsEnvHelp ends the description of every operator command.
const opsEnvHelp = `The live state is the Redis at -redis (default $` + envRedisURL + `), namespace
-namespace (default $` + envNamespace + `, else "default"): the namespace the apps
give redisstore.WithNamespace.

` + redisURLHelp + `

Flag and release names, and values, are checked against the spec the apps
run before anything is written. Every app records its spec in its namespace
at start-up (flaggen:{NS}:spec), so once an app has run there no spec file
is needed. -spec FILE (default $` + envSpec + `) uses FILE instead; when it
differs from the recorded spec, a warning says so on standard error. With
neither, and no app started in the namespace yet, the command fails.

Options may come before or after the positional arguments. Exit status: 0
success, 1 failure (nothing is written), 2 usage error.`

// opsOpts are the options shared by the operator commands.
type opsOpts struct {
	specFile, redisURL, namespace string
	timeout                       time.Duration
	actor                         string // write commands
	actorSet                      bool   // -actor given (even empty)
	reason                        string // write commands
	json                          bool   // read commands
	write                         bool   // set by write commands: count the apps subscribed
	replace                       bool   // patch -replace: the stored patch need not be a JSON object
}

// addOps declares the shared options on fs.
func addOps(fs *flag.FlagSet) *opsOpts {
	o := &opsOpts{}
	fs.StringVar(&o.specFile, "spec", "", "check against the spec `FILE` (default $"+envSpec+", else the spec the apps\nrecorded in the namespace)")
	fs.StringVar(&o.redisURL, "redis", "", "the Redis `URL` holding the live state, e.g. redis://localhost:6379/0,\nredis+cluster://HOST:PORT or redis+sentinel://HOST:PORT?master_name=NAME\n(default $"+envRedisURL+")")
	fs.StringVar(&o.namespace, "namespace", "", "the flaggen namespace `NS` in Redis (default $"+envNamespace+", else \"default\")")
	fs.DurationVar(&o.timeout, "timeout", 5*time.Second, "give up on Redis after `D`")
	return o
}

// addActor declares -actor and -reason for a write command.
func (o *opsOpts) addActor(fs *flag.FlagSet, reasonUsage string) {
	fs.Func("actor", "record `NAME` in the audit trail as who makes the change (default: the OS\nuser, $USER; not blank, no control characters)", func(v string) error {
		o.actor, o.actorSet = v, true
		return nil
	})
	fs.StringVar(&o.reason, "reason", "", reasonUsage)
}

// addJSON declares -json for a read command.
func (o *opsOpts) addJSON(fs *flag.FlagSet) {
	fs.BoolVar(&o.json, "json", false, "print JSON instead of text")
}

// whoAmI returns -actor, else the OS user, for the audit trail. It refuses
// a blank actor, and an actor or -reason with a control character
// (checkAuditText): the audit trail shows them as text, one entry a line.
func (o *opsOpts) whoAmI() (string, error) {
	actor, from := o.actor, "-actor"
	if !o.actorSet {
		actor, from = os.Getenv("USER"), "$USER"
		if actor == "" {
			if u, err := user.Current(); err == nil {
				actor, from = u.Username, "the OS user name"
			}
		}
	}
	switch {
	case strings.TrimSpace(actor) == "" && o.actorSet:
		return "", Usagef("-actor must name who makes the change, not be blank")
	case strings.TrimSpace(actor) == "" && actor != "":
		return "", Usagef("cannot tell who you are for the audit trail (%s is blank): pass -actor NAME", from)
	case actor == "":
		return "", Usagef("cannot tell who you are for the audit trail: pass -actor NAME")
	}
	if err := checkAuditText(from, actor); err != nil {
		return "", err
	}
	if err := checkAuditText("-reason", o.reason); err != nil {
		return "", err
	}
	return actor, nil
}

// openWrite opens the session of a write command (open, counting the app
// instances subscribed) and returns it with the actor (whoAmI).
func (o *opsOpts) openWrite(env *Env) (*session, string, error) {
	actor, err := o.whoAmI()
	if err != nil {
		return nil, "", err
	}
	o.write = true
	s, err := o.open(env)
	return s, actor, err
}

func firstNonEmpty(s ...string) string {
	for _, x := range s {
		if x != "" {
			return x
		}
	}
	return ""
}

// session is an open connection to one namespace's live state, with the
// spec it is checked against.
type session struct {
	spec    *runtime.Spec
	store   *redisstore.Store
	rdb     redis.UniversalClient
	where   string // "redis at URL (namespace NS)", credentials redacted
	url     string // the URL, credentials redacted (redisurl.Redact)
	rawURL  string // the URL as given: never shown, only scrubbed from errors
	ns      string
	timeout time.Duration
	log     *slog.Logger
	state   store.State    // loaded when the session opened
	op      *operatorStore // the writing Client's store (client(false))

	recorded bool  // an app recorded its spec in the namespace
	subs     int64 // app instances subscribed to the namespace's changes
	subsErr  error // why subs is unknown (nil: counted)
}

// loadSpecFile reads and validates a spec for the runtime (errors are
// positioned) and also returns the file's content.
func loadSpecFile(file string) (*runtime.Spec, []byte, error) {
	data, err := os.ReadFile(file)
	if err != nil {
		return nil, nil, err
	}
	s, err := runtime.LoadSpec(file, data)
	if err != nil {
		return nil, nil, Positioned(err)
	}
	return s, data, nil
}

// specArg is the spec file an operator gave: -spec, else $FLAGGEN_SPEC
// (origin says which, for messages); file "" when neither.
type specArg struct {
	file, origin string
	spec         *runtime.Spec
	src          []byte
}

// specFrom returns the -spec option or $FLAGGEN_SPEC, loaded; a zero
// specArg when neither is set.
func specFrom(option string) (specArg, error) {
	a := specArg{file: option, origin: "-spec"}
	if a.file == "" {
		a.file, a.origin = os.Getenv(envSpec), "$"+envSpec
	}
	if a.file == "" {
		return specArg{}, nil
	}
	var err error
	a.spec, a.src, err = loadSpecFile(a.file)
	return a, err
}

// open loads the spec file if one is given, connects to Redis and loads
// the live state once, so that an unreachable Redis is reported before
// anything else happens, then settles the spec (useSpec).
func (o *opsOpts) open(env *Env) (*session, error) {
	arg, err := specFrom(o.specFile)
	if err != nil {
		return nil, err
	}
	rawURL := firstNonEmpty(o.redisURL, os.Getenv(envRedisURL))
	if rawURL == "" {
		return nil, Usagef("no Redis: pass -redis URL or set $%s", envRedisURL)
	}
	ns := firstNonEmpty(o.namespace, os.Getenv(envNamespace), redisstore.DefaultNamespace)
	s, err := connect(env, rawURL, ns, o.timeout, o.write)
	if err != nil {
		return nil, err
	}
	if err := s.useSpec(env, arg); err != nil {
		s.close()
		return nil, err
	}
	return s, nil
}

// useSpec sets the session's spec: the spec file given, with a one-line
// warning on stderr when it differs from the spec the apps recorded in the
// namespace; else the recorded spec, or an error when there is none.
func (s *session) useSpec(env *Env, arg specArg) error {
	ctx, cancel := s.ctx()
	defer cancel()
	file, src, ok, err := s.store.RecordedSpec(ctx)
	s.recorded = ok
	if arg.spec != nil {
		s.spec = arg.spec
		switch {
		case err != nil:
			fmt.Fprintf(env.Stderr, "flaggen: warning: cannot compare %s %s with the spec recorded in namespace %s: %v\n", arg.origin, arg.file, s.ns, s.hide(unwrapDegraded(err)))
		case ok && !sameSpec(arg.src, src):
			fmt.Fprintf(env.Stderr, "flaggen: warning: %s %s (sha256 %.12s) differs from the spec the apps recorded in namespace %s (%s, sha256 %.12s); using %s\n",
				arg.origin, arg.file, store.SpecSHA256(arg.src), s.ns, file, store.SpecSHA256(src), arg.origin)
		}
		return nil
	}
	if err != nil {
		if s.store.Health() != nil {
			return s.wrapRedis(err)
		}
		return fmt.Errorf("reading the spec recorded in namespace %s at %s: %v", s.ns, s.url, s.hide(unwrapDegraded(err)))
	}
	if !ok {
		return fmt.Errorf("no spec recorded in namespace %s at %s: start an app with this namespace or pass -spec FILE", s.ns, s.url)
	}
	if s.spec, err = runtime.LoadSpec(file, src); err != nil {
		return fmt.Errorf("the spec recorded in namespace %s at %s (%s) does not load with this flaggen (pass -spec FILE):\n%v", s.ns, s.url, file, err)
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

// connect opens the Redis store of namespace ns at rawURL and loads its
// state; a Redis that does not answer within timeout is an error. The
// session has no spec yet. With countSubs it first counts the app
// instances subscribed to the namespace's change channel (before its own
// store subscribes).
func connect(env *Env, rawURL, ns string, timeout time.Duration, countSubs bool) (*session, error) {
	shown := redisurl.Redact(rawURL)
	if timeout <= 0 {
		return nil, Usagef("-timeout must be positive")
	}
	rdb, err := newRedisClient(rawURL, timeout)
	if err != nil {
		// The parsers' errors quote the URL: never show them as they are.
		return nil, Usagef("-redis %s: %v", shown, redisurl.Error(err, rawURL))
	}
	var subs int64
	var subsErr error
	if countSubs {
		subs, subsErr = countSubscribers(rdb, changesChannel(ns), timeout)
	}
	quiet := slog.New(slog.DiscardHandler)
	store, err := redisstore.New(rdb, redisstore.WithNamespace(ns), redisstore.WithLogger(quiet))
	if err != nil {
		rdb.Close()
		return nil, fmt.Errorf("redis at %s: %v", shown, redisurl.Error(err, rawURL))
	}
	s := &session{
		store: store, rdb: rdb, url: shown, rawURL: rawURL, ns: ns, timeout: timeout,
		where: fmt.Sprintf("redis at %s (namespace %s)", shown, ns),
		log:   errorLogger(env.Stderr),
		subs:  subs, subsErr: redisurl.Error(subsErr, rawURL),
	}
	ctx, cancel := s.ctx()
	defer cancel()
	if s.state, err = store.Load(ctx); err != nil {
		s.close()
		return nil, fmt.Errorf("redis at %s unreachable: %v", shown, s.hide(unwrapDegraded(err)))
	}
	return s, nil
}

// changesChannel is the pub/sub channel on which redisstore announces the
// changes of namespace ns (redisstore.Store.Key("changes")), to which every
// running app instance of the namespace is subscribed.
func changesChannel(ns string) string { return "flaggen:{" + ns + "}:changes" }

// countSubscribers asks Redis how many clients are subscribed to channel
// (PUBSUB NUMSUB). In a Cluster, subscribers attach to the master of the
// channel's slot (go-redis subscribes there), which alone counts them.
func countSubscribers(rdb redis.UniversalClient, channel string, timeout time.Duration) (int64, error) {
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	var c redis.Cmdable = rdb
	if cc, ok := rdb.(*redis.ClusterClient); ok {
		m, err := cc.MasterForKey(ctx, channel)
		if err != nil {
			return 0, err
		}
		c = m
	}
	n, err := c.PubSubNumSub(ctx, channel).Result()
	if err != nil {
		return 0, err
	}
	return n[channel], nil
}

// reportSubscribers says on standard error, after a write, how many app
// instances follow the namespace, and warns when none does: the write then
// reaches no running app (a wrong -namespace is the usual cause).
func (s *session) reportSubscribers(env *Env) {
	switch {
	case s.subsErr != nil:
		fmt.Fprintf(env.Stderr, "flaggen: applied (cannot count the app instances subscribed to namespace %s: %v)\n", s.ns, unwrapDegraded(s.subsErr))
	case s.subs > 0:
		fmt.Fprintf(env.Stderr, "flaggen: applied; %d app instance%s subscribed to namespace %s\n", s.subs, plural(s.subs), s.ns)
	case s.recorded:
		fmt.Fprintf(env.Stderr, "flaggen: warning: no app instance is subscribed to namespace %s (apps started later read the change)\n", s.ns)
	default:
		fmt.Fprintf(env.Stderr, "flaggen: warning: no app instance is subscribed to namespace %s and no app ever recorded its spec there: is -namespace right? (apps use redisstore.WithNamespace; the shop $%s)\n", s.ns, envNamespace)
	}
}

func plural(n int64) string {
	if n == 1 {
		return " is"
	}
	return "s are"
}

// newRedisClient builds the client for a -redis URL: a single node
// (redis://, rediss://, unix://: redis.ParseURL), a Cluster
// (redis+cluster://: redis.ParseClusterURL) or Sentinel (redis+sentinel://:
// redis.ParseFailoverURL), with short timeouts: an operator waits at the
// terminal.
func newRedisClient(rawURL string, timeout time.Duration) (redis.UniversalClient, error) {
	if !strings.Contains(rawURL, "://") {
		if _, _, err := net.SplitHostPort(rawURL); err == nil {
			rawURL = "redis://" + rawURL // a bare HOST:PORT is one node
		}
	}
	scheme, rest, found := strings.Cut(rawURL, "://")
	if !found {
		return nil, errors.New(`not a URL: want HOST:PORT, redis://HOST:PORT, redis+cluster://HOST:PORT or redis+sentinel://HOST:PORT?master_name=NAME`)
	}
	base, kind, _ := strings.Cut(strings.ToLower(scheme), "+")
	goURL := base + "://" + rest // the form go-redis' parsers take
	dial := min(timeout, 2*time.Second)
	quietRedis.Do(func() { redis.SetLogger(voidLogger{}) }) // its errors reach the user as ours
	switch kind {
	case "":
		o, err := redis.ParseURL(rawURL)
		if err != nil {
			if q := urlQuery(rawURL); q.Has("master_name") || q.Has("addr") {
				err = fmt.Errorf("%v (for Sentinel write redis+sentinel://…, for a Cluster redis+cluster://…)", err)
			}
			return nil, err
		}
		o.DialTimeout, o.ReadTimeout, o.WriteTimeout = dial, timeout, timeout
		o.MaxRetries, o.DialerRetries, o.DisableIdentity = 1, 1, true
		return redis.NewClient(o), nil
	case "cluster":
		o, err := redis.ParseClusterURL(goURL)
		if err != nil {
			return nil, err
		}
		if p := strings.Trim(urlPath(goURL), "/"); p != "" && p != "0" {
			return nil, fmt.Errorf("a Cluster has only database 0, not %q", p)
		}
		o.DialTimeout, o.ReadTimeout, o.WriteTimeout = dial, timeout, timeout
		o.MaxRetries, o.DialerRetries, o.DisableIdentity = 1, 1, true
		return redis.NewClusterClient(o), nil
	case "sentinel":
		o, err := redis.ParseFailoverURL(goURL)
		if err != nil {
			return nil, err
		}
		if o.MasterName == "" {
			return nil, errors.New("a Sentinel URL needs the master's name: ?master_name=NAME")
		}
		o.DialTimeout, o.ReadTimeout, o.WriteTimeout = dial, timeout, timeout
		o.MaxRetries, o.DialerRetries, o.DisableIdentity = 1, 1, true
		return redis.NewFailoverClient(o), nil
	}
	return nil, fmt.Errorf("unknown URL scheme %q: want redis, rediss, unix, redis+cluster, rediss+cluster, redis+sentinel or rediss+sentinel", scheme)
}

func urlQuery(raw string) url.Values {
	if u, err := url.Parse(raw); err == nil {
		return u.Query()
	}
	return nil
}

func urlPath(raw string) string {
	if u, err := url.Parse(raw); err == nil {
		return u.Path
	}
	return ""
}

// quietRedis silences go-redis' own logger once: the CLI reports every
// failure itself, once, as "redis at URL unreachable".
var quietRedis sync.Once

type voidLogger struct{}

func (voidLogger) Printf(context.Context, string, ...any) {}

// unwrapDegraded drops redisstore's generic prefixes from err, keeping
// the cause.
func unwrapDegraded(err error) error {
	msg := err.Error()
	for _, p := range []string{"flaggen: redis store degraded: ", "flaggen: ", "redis load failed: "} {
		msg = strings.TrimPrefix(msg, p)
	}
	return errors.New(msg)
}

func (s *session) ctx() (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.Background(), s.timeout)
}

func (s *session) close() {
	s.store.Close()
	s.rdb.Close()
}

// hide returns err scrubbed of the credentials of the session's URL
// (redisurl.Error): for every error from Redis or go-redis shown.
func (s *session) hide(err error) error { return redisurl.Error(err, s.rawURL) }

// wrapRedis turns a failed Redis exchange into the unreachable error.
func (s *session) wrapRedis(err error) error {
	if err == nil {
		return nil
	}
	if s.store.Health() != nil {
		return fmt.Errorf("redis at %s unreachable: %v", s.url, s.hide(unwrapDegraded(err)))
	}
	return s.hide(err)
}

// operatorStore is the store of a Client that writes on an operator's
// behalf: it does not register the spec's flags (the apps do), so that a
// command writes exactly the one audited change it asks for.
//
// With pinned set, Apply refuses (errStale, at once, without retries in
// Client.Change) a change prepared over another version than pin: the
// command computed its patch from the state at pin, so a write that slipped
// in between must make it read again rather than be overwritten.
type operatorStore struct {
	store.Store
	pinned bool
	pin    uint64
}

func (*operatorStore) Register(context.Context, map[string]json.RawMessage) error { return nil }

var _ store.SpecChecker = (*operatorStore)(nil)

// UseSpec forwards the Client's spec to the wrapped store when it checks
// patches (store.SpecChecker: the Redis store refuses writes without it).
func (o *operatorStore) UseSpec(sp store.PatchChecker) {
	if c, ok := o.Store.(store.SpecChecker); ok {
		c.UseSpec(sp)
	}
}

// errStale says the live state moved after a command read it.
var errStale = errors.New("live state changed while the command ran")

func (o *operatorStore) Apply(ctx context.Context, ch store.Change) (uint64, error) {
	if o.pinned {
		if ch.IfVersion != o.pin {
			return 0, errStale
		}
		if v, err := o.Store.Apply(ctx, ch); !errors.Is(err, store.ErrConflict) {
			return v, err
		}
		return 0, errStale
	}
	return o.Store.Apply(ctx, ch)
}

// client returns a Client over the session's store for writes (readOnly
// false) or evaluation without writes (readOnly true).
func (s *session) client(readOnly bool, opts ...runtime.Option) (*runtime.Client, error) {
	s.op = &operatorStore{Store: s.store}
	var st store.Store = s.op
	if readOnly {
		st = store.ReadOnly(s.store)
	}
	base := []runtime.Option{
		runtime.WithStore(st), runtime.WithLogger(s.log), runtime.WithStartTimeout(s.timeout),
		runtime.WithEnvironment(opsEnvironment(s.spec)),
	}
	c, err := runtime.NewClient(s.spec, append(base, opts...)...)
	if err != nil {
		return nil, err
	}
	// A refused live patch (a *runtime.RefusedError) is no reason not to
	// write: ls and get show it, and a write may repair it.
	var refused *runtime.RefusedError
	if err := c.Health(); err != nil && !errors.As(err, &refused) {
		c.Close()
		return nil, s.wrapRedis(err)
	}
	return c, nil
}

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

// checkFlag returns an error naming the closest flags when the spec lacks
// name.
func (s *session) checkFlag(name string) error {
	return checkFlagName(s.spec, name)
}

func checkFlagName(sp *runtime.Spec, name string) error {
	for _, f := range sp.FlagNames() {
		if f == name {
			return nil
		}
	}
	msg := fmt.Sprintf("unknown flag %q", name)
	if exact := normalMatch(name, sp.FlagNames()); exact != "" {
		msg += " (did you mean " + exact + "?)"
	} else if close := sp.CloseFlags(normName(name)); len(close) > 0 {
		msg += " (did you mean " + strings.Join(close, ", ") + "?)"
	} else {
		msg += " (flags: " + strings.Join(sp.FlagNames(), ", ") + ")"
	}
	return errors.New(msg)
}

// normName is name as flag and attribute names are usually written:
// lower case, with '_' for '-', '.' and spaces (NEW-UI → new_ui).
func normName(name string) string {
	return strings.Map(func(r rune) rune {
		switch r {
		case '-', '.', ' ':
			return '_'
		}
		return r
	}, strings.ToLower(strings.TrimSpace(name)))
}

// normalMatch returns the one name of all that name matches once both are
// normalised (normName), or "".
func normalMatch(name string, all []string) string {
	n := normName(name)
	for _, a := range all {
		if normName(a) == n {
			return a
		}
	}
	return ""
}

// checkRelease returns an error listing the releases when the spec lacks
// name.
func (s *session) checkRelease(name string) error {
	rs := s.spec.Releases()
	for _, r := range rs {
		if r == name {
			return nil
		}
	}
	if len(rs) == 0 {
		return fmt.Errorf("unknown release %q: the spec declares no releases", name)
	}
	return fmt.Errorf("unknown release %q (releases: %s)", name, strings.Join(rs, ", "))
}

// inspect reloads the live state and computes every flag's effective
// configuration.
func (s *session) inspect() (*runtime.Inspection, error) {
	ctx, cancel := s.ctx()
	defer cancel()
	st, err := s.store.Load(ctx)
	if err != nil {
		return nil, s.wrapRedis(err)
	}
	s.state = st
	return s.spec.Inspect(st, time.Now())
}

// interspersed parses the options in args wherever they are among the
// positional arguments (Main's parse stops at the first positional one)
// and returns the positional arguments in order. "--" ends the options.
// -h prints the command's help and ends the command with status 0.
func interspersed(env *Env, name string, fs *flag.FlagSet, args []string) ([]string, error) {
	var pos []string
	for len(args) > 0 {
		a := args[0]
		if a == "--" {
			pos = append(pos, args[1:]...)
			break
		}
		if len(a) < 2 || a[0] != '-' {
			pos = append(pos, a)
			args = args[1:]
			continue
		}
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				commandHelp(env.Stdout, commands[name], fs)
				return nil, &exitError{code: 0}
			}
			return nil, Usagef("%v", err)
		}
		args = fs.Args()
	}
	return pos, nil
}

// wantArgs checks the number of positional arguments.
func wantArgs(args []string, names ...string) error {
	if len(args) < len(names) {
		return Usagef("missing %s", names[len(args)])
	}
	if len(args) > len(names) {
		return Usagef("unexpected argument %q", args[len(names)])
	}
	return nil
}

// writeJSON prints v as indented JSON.
func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

// sortedKeys returns m's keys, sorted.
func sortedKeys[V any](m map[string]V) []string { return slices.Sorted(maps.Keys(m)) }

// errorLogger logs errors only (e.g. a live patch the runtime refuses) to w.
func errorLogger(w io.Writer) *slog.Logger {
	return slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: slog.LevelError}))
}
