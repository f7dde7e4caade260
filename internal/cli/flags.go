package cli

import (
	"errors"
	"flag"
	"fmt"
	"os"
	"os/user"
	"strings"
	"time"

	"github.com/flaggen/flaggen/internal/ops"
	"github.com/flaggen/flaggen/internal/spec"
)

// This file declares the options that several commands share, each once,
// and resolves them: their environment defaults, the spec file, -now, the
// actor, and options placed after positional arguments.

// Environment variables read when the matching option is absent.
const (
	envRedisURL  = "FLAGGEN_REDIS_URL"
	envNamespace = "FLAGGEN_NAMESPACE"
	envSpec      = "FLAGGEN_SPEC"
)

// opsArgs is the synopsis of the options every operator command takes.
const opsArgs = "[-spec FILE] [-redis URL] [-namespace NS] [-timeout D]"

// redisURLTopic describes the -redis URL forms.
var redisURLTopic = &Topic{Title: "Redis URLs", Text: `-redis URL forms (parsed by go-redis: redis.ParseURL, ParseClusterURL,
ParseFailoverURL; -timeout sets the timeouts):

  redis://[USER:PASSWORD@]HOST:PORT[/DB]    one node (rediss:// for TLS, unix:///PATH.sock);
                                            a bare HOST:PORT is redis://HOST:PORT
  redis+cluster://[USER:PASSWORD@]HOST:PORT[?addr=HOST2:PORT2...]
                                            a Cluster, from any of its nodes
  redis+sentinel://[USER:PASSWORD@]HOST:PORT[/DB]?master_name=NAME[&addr=HOST2:PORT2...]
                                            Sentinel: the Sentinels' addresses and the
                                            master's name (the master's own credentials:
                                            &username=…&password=…)

(rediss+cluster:// and rediss+sentinel:// for TLS.) Every message, log line
and usage text shows a URL with its passwords (the user information's,
password=, sentinel_password=; a lone user information, the legacy form of a
password) as xxxxx, and never quotes a parser's error that would show them.`}

// liveStateTopic ends the description of every operator command.
var liveStateTopic = &Topic{Title: "Live state", Text: `The operator commands work on the live state the apps share in Redis
(runtime/redisstore): the Redis at -redis (default $` + envRedisURL + `), namespace
-namespace (default $` + envNamespace + `, else "default"): the namespace the apps
give redisstore.WithNamespace.

Flag and release names, and values, are checked against the spec the apps
run before anything is written. Every app records its spec in its namespace
at start-up (flaggen:{NS}:spec), so once an app has run there no spec file
is needed. -spec FILE (default $` + envSpec + `) uses FILE instead; when it
differs from the recorded spec, a one-line warning says so on standard
error. With neither, and no app started in the namespace yet, the command
(audit excepted: it needs no spec) fails with exit status 1:

	flaggen: no spec recorded in namespace NS at URL: start an app with this namespace or pass -spec FILE

With -spec in such a namespace, a command that reads (ls, get, audit …)
warns on standard error that no app ever recorded its spec there, and a
write is refused unless -force (see "Writes").

An unreachable Redis is reported as "flaggen: redis at URL unreachable: …"
(one that accepts the connection but does not answer: "… unreachable: no
reply within D (-timeout)"), and one that answers with an error (a database
index out of range, a wrong password) as "flaggen: redis at URL answered
with an error: …"; exit status 1, nothing written. Text read from Redis (actors, reasons,
names, patches, feedback) prints with control characters escaped as in a Go
string ("\n", "\x1b"), so that it can neither forge a line nor act on the
terminal.

Options may come before or after the positional arguments. Exit status: 0
success, 1 failure (nothing is written), 2 usage error.`}

// opsTopics end the description of every operator command.
var opsTopics = []*Topic{liveStateTopic, redisURLTopic}

// redisOpts are the options that locate the live state.
type redisOpts struct {
	specFile, url, namespace string
	timeout                  time.Duration
	urlSet                   func() bool // -redis given (even "")
}

// addRedis declares -spec, -redis, -namespace and -timeout with the
// given usage texts of -spec and -redis.
func addRedis(fs *flag.FlagSet, specUsage, redisUsage string) *redisOpts {
	o := &redisOpts{}
	fs.StringVar(&o.specFile, "spec", "", specUsage)
	fs.StringVar(&o.url, "redis", "", redisUsage)
	fs.StringVar(&o.namespace, "namespace", "", "the flaggen namespace `NS` in Redis (default $"+envNamespace+", else \"default\")")
	fs.DurationVar(&o.timeout, "timeout", 5*time.Second, "give up on Redis after `D` without a reply (each exchange; connecting: at\nmost 2s)")
	o.urlSet = func() bool {
		set := false
		fs.Visit(func(f *flag.Flag) { set = set || f.Name == "redis" })
		return set
	}
	return o
}

// redisReadUsage is the usage of -redis for a command that may read the
// live state or not (eval, lint): "" is the spec alone.
func redisReadUsage(what string) string {
	return what + " the live state in the Redis at `URL`, read-only\n(e.g. localhost:6379, redis://localhost:6379/0, redis+cluster://HOST:PORT or\nredis+sentinel://HOST:PORT?master_name=NAME; default $" + envRedisURL + "; \"\": the spec alone)"
}

// optionalURL resolves -redis for a command that may read the live
// state or not: -redis as given (even ""), else $FLAGGEN_REDIS_URL. It
// refuses -namespace without a Redis.
func (o *redisOpts) optionalURL() (string, error) {
	if !o.urlSet() {
		o.url = os.Getenv(envRedisURL)
	}
	if o.url == "" && o.namespace != "" {
		return "", Usagef("-namespace needs -redis (or $%s)", envRedisURL)
	}
	return o.url, nil
}

// config is the configuration of a session on the Redis at url, with the
// spec file spec (nil: the spec the apps recorded).
func (o *redisOpts) config(env *Env, url string, spec *ops.SpecFile) ops.Config {
	return ops.Config{
		RedisURL:  url,
		Namespace: firstNonEmpty(o.namespace, os.Getenv(envNamespace)),
		Timeout:   o.timeout,
		Spec:      spec,
		Warnings:  env.Stderr,
		Log:       errorLogger(env.Stderr),
	}
}

// specArg returns the -spec option or $FLAGGEN_SPEC, loaded; nil when
// neither is set.
func (o *redisOpts) specArg() (*ops.SpecFile, error) {
	file, origin := o.specFile, "-spec"
	if file == "" {
		file, origin = os.Getenv(envSpec), "$"+envSpec
	}
	if file == "" {
		return nil, nil
	}
	sf, err := ops.LoadSpecFile(file, origin)
	return sf, specError(err)
}

// opsOpts are the options shared by the operator commands.
type opsOpts struct {
	*redisOpts
	actor    string // write commands
	actorSet bool   // -actor given (even empty)
	reason   string // write commands
	force    bool   // write commands
	json     bool   // read commands
	// specOptional lets a command that needs no spec run without one
	// (ops.Config.SpecOptional: the session's Spec may be nil).
	specOptional bool
}

// addOps declares the options every operator command takes.
func addOps(fs *flag.FlagSet) *opsOpts {
	return &opsOpts{redisOpts: addRedis(fs,
		"check against the spec `FILE` (default $"+envSpec+", else the spec the apps\nrecorded in the namespace)",
		"the Redis `URL` holding the live state, e.g. redis://localhost:6379/0,\nredis+cluster://HOST:PORT or redis+sentinel://HOST:PORT?master_name=NAME\n(default $"+envRedisURL+")")}
}

// addActor declares -actor, -reason and -force for a write command.
func (o *opsOpts) addActor(fs *flag.FlagSet, reasonUsage string) {
	fs.BoolVar(&o.force, "force", false, "write even to a namespace where no app ever recorded its spec (else refused:\nmost often a wrong -namespace, where the write would reach no app)")
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

// needReason refuses a blank -reason for a command that requires one.
func (o *opsOpts) needReason() error {
	return ops.RequireReason("-reason", o.reason)
}

// whoAmI returns -actor, else the OS user, for the audit trail. It refuses
// a blank actor, and an actor or -reason with a control character
// (ops.CheckAuditText): the audit trail shows them as text, one entry a
// line.
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
	if err := ops.CheckAuditText(from, actor); err != nil {
		return "", err
	}
	if err := ops.CheckAuditText("-reason", o.reason); err != nil {
		return "", err
	}
	return actor, nil
}

// open opens the session of an operator command: the spec file if one is
// given, then the Redis (-redis, else $FLAGGEN_REDIS_URL) and its live
// state; with write, it first settles the actor (whoAmI) and counts the
// app instances subscribed. A write to a namespace where no app ever
// recorded its spec is refused unless -force (ops.Session.CheckWrite); a
// read there warns on standard error.
func (o *opsOpts) open(env *Env, write bool) (s *ops.Session, actor string, err error) {
	if write {
		if actor, err = o.whoAmI(); err != nil {
			return nil, "", err
		}
	}
	arg, err := o.specArg()
	if err != nil {
		return nil, "", err
	}
	url := firstNonEmpty(o.url, os.Getenv(envRedisURL))
	if url == "" {
		return nil, "", Usagef("no Redis: pass -redis URL or set $%s", envRedisURL)
	}
	cfg := o.config(env, url, arg)
	cfg.CountSubscribers = write
	cfg.SpecOptional = o.specOptional
	if s, err = ops.Open(cfg); err != nil {
		return nil, "", err
	}
	if err := checkRecorded(env, s, write, o.force); err != nil {
		s.Close()
		return nil, "", err
	}
	return s, actor, nil
}

// checkRecorded refuses a write (unless force) and warns of a read in a
// namespace where no app ever recorded its spec, naming the options that
// pick the namespace.
func checkRecorded(env *Env, s *ops.Session, write, force bool) error {
	err := s.CheckWrite(force)
	switch {
	case err == nil:
		return nil
	case !errors.Is(err, ops.ErrNotRecorded) && write:
		return fmt.Errorf("cannot tell whether an app recorded its spec in namespace %s: %v (pass -force to write anyway)", s.Namespace, err)
	case !errors.Is(err, ops.ErrNotRecorded):
		return nil // Open warned already that it could not read the recorded spec
	case write:
		return fmt.Errorf("%v; check -namespace (default $%s, else \"default\"), or pass -force to write anyway", err, envNamespace)
	}
	fmt.Fprintf(env.Stderr, "flaggen: warning: no app ever recorded its spec in namespace %s: is -namespace right? (default $%s, else \"default\")\n", s.Namespace, envNamespace)
	return nil
}

// openFlag is open for a command that reads the live state of one flag
// (name must be in the spec: "" is an unknown flag), and inspects the live
// state when inspect is set.
func (o *opsOpts) openFlag(env *Env, name string, inspect bool) (*ops.Session, *ops.Inspection, error) {
	return o.openRead(env, &name, inspect)
}

// openFlags is open for a command that reads the live state of every flag,
// and inspects it when inspect is set.
func (o *opsOpts) openFlags(env *Env, inspect bool) (*ops.Session, *ops.Inspection, error) {
	return o.openRead(env, nil, inspect)
}

// openRead is openFlag of *name, or openFlags for a nil name.
func (o *opsOpts) openRead(env *Env, name *string, inspect bool) (*ops.Session, *ops.Inspection, error) {
	s, _, err := o.open(env, false)
	if err != nil {
		return nil, nil, err
	}
	var in *ops.Inspection
	if name != nil {
		err = ops.CheckFlag(s.Spec, *name)
	}
	if err == nil && inspect {
		in, err = s.Inspect()
	}
	if err != nil {
		s.Close()
		return nil, nil, err
	}
	return s, in, nil
}

// readSetup returns the Setup of a read command with the operator options
// and -json, whose positional arguments are names.
func readSetup(run func(env *Env, o *opsOpts, args []string) error, names ...string) func(*flag.FlagSet) func(*Env, []string) error {
	return func(fs *flag.FlagSet) func(*Env, []string) error {
		o := addOps(fs)
		o.addJSON(fs)
		return func(env *Env, args []string) error {
			args, err := positional(env, fs, args, names...)
			if err != nil {
				return err
			}
			return run(env, o, args)
		}
	}
}

func firstNonEmpty(s ...string) string {
	for _, x := range s {
		if x != "" {
			return x
		}
	}
	return ""
}

// specError marks the error of a spec that does not load as positioned.
func specError(err error) error {
	var pathErr *os.PathError
	if err == nil || errors.As(err, &pathErr) {
		return err
	}
	return Positioned(err)
}

// nowOpt is a -now option: a date as specs write them (spec.ParseDate).
type nowOpt struct{ text string }

// addNow declares -now with usage.
func addNow(fs *flag.FlagSet, usage string) *nowOpt {
	n := &nowOpt{}
	fs.StringVar(&n.text, "now", "", usage)
	return n
}

// at returns -now's time (set true), or the current time when -now is
// not given.
func (n *nowOpt) at() (t time.Time, set bool, err error) {
	if n.text == "" {
		return time.Now(), false, nil
	}
	if t, err = spec.ParseDate(n.text); err != nil {
		return time.Time{}, false, Usagef("-now: %v", err)
	}
	return t, true, nil
}

// interspersed parses the options in args wherever they are among the
// positional arguments (Main's parse stops at the first positional one)
// and returns the positional arguments in order. "--" ends the options.
// -h prints the command's help and ends the command with status 0.
func interspersed(env *Env, fs *flag.FlagSet, args []string) ([]string, error) {
	var pos []string
	for len(args) > 0 {
		a := args[0]
		if a == "--" {
			pos = append(pos, args[1:]...)
			break
		}
		if len(a) < 2 || a[0] != '-' || negativeNumber(a) {
			pos = append(pos, a)
			args = args[1:]
			continue
		}
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				commandHelp(env.Stdout, env.cmd, fs)
				return nil, &exitError{code: 0}
			}
			return nil, Usagef("%v", err)
		}
		args = fs.Args()
	}
	return pos, nil
}

// negativeNumber reports whether arg is a negative number ("-5", "-2.5%",
// "-.5"), which interspersed takes as a positional argument, not an option:
// no option's name starts with a digit or a dot, so that the command can
// say what is wrong with the number.
func negativeNumber(arg string) bool {
	return len(arg) > 1 && arg[0] == '-' && (arg[1] >= '0' && arg[1] <= '9' || arg[1] == '.')
}

// positional is interspersed, then checks that the positional arguments
// are exactly names.
func positional(env *Env, fs *flag.FlagSet, args []string, names ...string) ([]string, error) {
	args, err := interspersed(env, fs, args)
	if err != nil {
		return nil, err
	}
	return args, wantArgs(args, names...)
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
