package cli

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"net/url"
	"os"
	"os/user"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/flaggen/flaggen/runtime"
	"github.com/flaggen/flaggen/runtime/redisstore"
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

// opsEnvHelp ends the description of every operator command.
const opsEnvHelp = `The live state is the Redis at -redis (default $` + envRedisURL + `), namespace
-namespace (default $` + envNamespace + `, else "default"): the namespace the apps
give redisstore.WithNamespace. Flag and release names, and values, are checked
against the spec FILE (default $` + envSpec + `) before anything is written, so
give the spec the apps were generated from.

Options may come before or after the positional arguments. Exit status: 0
success, 1 failure (nothing is written), 2 usage error.`

// opsOpts are the options shared by the operator commands.
type opsOpts struct {
	specFile, redisURL, namespace string
	timeout                       time.Duration
	actor                         string // write commands
	reason                        string // write commands
	json                          bool   // read commands
}

// addOps declares the shared options on fs.
func addOps(fs *flag.FlagSet) *opsOpts {
	o := &opsOpts{}
	fs.StringVar(&o.specFile, "spec", "", "the spec `FILE` the apps were generated from (default $"+envSpec+")")
	fs.StringVar(&o.redisURL, "redis", "", "the Redis `URL` holding the live state, e.g. redis://localhost:6379/0\n(default $"+envRedisURL+")")
	fs.StringVar(&o.namespace, "namespace", "", "the flaggen namespace `NS` in Redis (default $"+envNamespace+", else \"default\")")
	fs.DurationVar(&o.timeout, "timeout", 5*time.Second, "give up on Redis after `D`")
	return o
}

// addActor declares -actor and -reason for a write command.
func (o *opsOpts) addActor(fs *flag.FlagSet, reasonUsage string) {
	fs.StringVar(&o.actor, "actor", "", "record `NAME` in the audit trail as who makes the change (default: the OS\nuser, $USER)")
	fs.StringVar(&o.reason, "reason", "", reasonUsage)
}

// addJSON declares -json for a read command.
func (o *opsOpts) addJSON(fs *flag.FlagSet) {
	fs.BoolVar(&o.json, "json", false, "print JSON instead of text")
}

// whoAmI returns -actor, else the OS user.
func (o *opsOpts) whoAmI() (string, error) {
	if o.actor != "" {
		return o.actor, nil
	}
	if u := os.Getenv("USER"); u != "" {
		return u, nil
	}
	if u, err := user.Current(); err == nil && u.Username != "" {
		return u.Username, nil
	}
	return "", Usagef("cannot tell who you are for the audit trail: pass -actor NAME")
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
	rdb     *redis.Client
	where   string // "redis at URL (namespace NS)", password redacted
	url     string // redacted URL
	timeout time.Duration
	log     *slog.Logger
	state   runtime.State // loaded when the session opened
}

// loadSpec reads and validates a spec for the runtime; errors are
// positioned.
func loadSpec(file string) (*runtime.Spec, error) {
	data, err := os.ReadFile(file)
	if err != nil {
		return nil, err
	}
	s, err := runtime.LoadSpec(file, data)
	if err != nil {
		return nil, Positioned(err)
	}
	return s, nil
}

// open loads the spec, connects to Redis and loads the live state once,
// so that an unreachable Redis is reported before anything else happens.
func (o *opsOpts) open(env *Env) (*session, error) {
	specFile := firstNonEmpty(o.specFile, os.Getenv(envSpec))
	if specFile == "" {
		return nil, Usagef("no spec: pass -spec FILE (the spec the apps were generated from) or set $%s", envSpec)
	}
	sp, err := loadSpec(specFile)
	if err != nil {
		return nil, err
	}
	rawURL := firstNonEmpty(o.redisURL, os.Getenv(envRedisURL))
	if rawURL == "" {
		return nil, Usagef("no Redis: pass -redis URL or set $%s", envRedisURL)
	}
	ns := firstNonEmpty(o.namespace, os.Getenv(envNamespace), redisstore.DefaultNamespace)
	s, err := connect(env, sp, rawURL, ns, o.timeout)
	if err != nil {
		return nil, err
	}
	return s, nil
}

// connect opens the Redis store of namespace ns at rawURL and loads its
// state; a Redis that does not answer within timeout is an error.
func connect(env *Env, sp *runtime.Spec, rawURL, ns string, timeout time.Duration) (*session, error) {
	shown := redactURL(rawURL)
	if timeout <= 0 {
		return nil, Usagef("-timeout must be positive")
	}
	ropts, err := redis.ParseURL(rawURL)
	if err != nil {
		return nil, Usagef("-redis %s: %v", shown, err)
	}
	// Fail fast: an operator waits at the terminal.
	ropts.DialTimeout = min(timeout, 2*time.Second)
	ropts.ReadTimeout, ropts.WriteTimeout = timeout, timeout
	ropts.MaxRetries = 1
	ropts.DialerRetries = 1
	ropts.DisableIdentity = true
	quietRedis.Do(func() { redis.SetLogger(voidLogger{}) }) // its errors reach the user as ours
	rdb := redis.NewClient(ropts)
	quiet := slog.New(slog.DiscardHandler)
	store, err := redisstore.New(rdb, redisstore.WithNamespace(ns), redisstore.WithLogger(quiet))
	if err != nil {
		rdb.Close()
		return nil, fmt.Errorf("redis at %s: %v", shown, err)
	}
	s := &session{
		spec: sp, store: store, rdb: rdb, url: shown, timeout: timeout,
		where: fmt.Sprintf("redis at %s (namespace %s)", shown, ns),
		log:   errorLogger(env.Stderr),
	}
	ctx, cancel := s.ctx()
	defer cancel()
	if s.state, err = store.Load(ctx); err != nil {
		s.close()
		return nil, fmt.Errorf("redis at %s unreachable: %v", shown, unwrapDegraded(err))
	}
	return s, nil
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

// redactURL hides a password in a Redis URL.
func redactURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.User == nil {
		return raw
	}
	return u.Redacted()
}

func (s *session) ctx() (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.Background(), s.timeout)
}

func (s *session) close() {
	s.store.Close()
	s.rdb.Close()
}

// wrapRedis turns a failed Redis exchange into the unreachable error.
func (s *session) wrapRedis(err error) error {
	if err == nil {
		return nil
	}
	if s.store.Health() != nil {
		return fmt.Errorf("redis at %s unreachable: %v", s.url, unwrapDegraded(err))
	}
	return err
}

// operatorStore is the store of a Client that writes on an operator's
// behalf: it does not register the spec's flags (the apps do), so that a
// command writes exactly the one audited change it asks for.
type operatorStore struct{ runtime.Store }

func (operatorStore) Register(context.Context, map[string]json.RawMessage) error { return nil }

// client returns a Client over the session's store for writes (readOnly
// false) or evaluation without writes (readOnly true).
func (s *session) client(readOnly bool, opts ...runtime.Option) (*runtime.Client, error) {
	var st runtime.Store = operatorStore{s.store}
	if readOnly {
		st = runtime.ReadOnly(s.store)
	}
	base := []runtime.Option{
		runtime.WithStore(st), runtime.WithLogger(s.log), runtime.WithStartTimeout(s.timeout),
		runtime.WithEnvironment(opsEnvironment(s.spec)),
	}
	c, err := runtime.NewClient(s.spec, append(base, opts...)...)
	if err != nil {
		return nil, err
	}
	if err := c.Health(); err != nil {
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
	if close := sp.CloseFlags(name); len(close) > 0 {
		msg += " (did you mean " + strings.Join(close, ", ") + "?)"
	} else {
		msg += " (flags: " + strings.Join(sp.FlagNames(), ", ") + ")"
	}
	return errors.New(msg)
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
