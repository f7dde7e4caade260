package cli

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/flaggen/flaggen/internal/jsonx"
	"github.com/flaggen/flaggen/internal/ops"
	"github.com/flaggen/flaggen/internal/spec"
	"github.com/flaggen/flaggen/runtime"
)

var evalCmd = &Command{
	Name:  "eval",
	Args:  "[-spec FILE] [-env ENV] [-now TIME] [-explain] [-flag NAME]... [-redis URL [-namespace NS] [-timeout D] | -spec-only] [CONTEXT_JSON]",
	Short: "evaluate flags for evaluation contexts given as JSON",
	Long: `Eval evaluates the flags of the spec FILE for one evaluation context, the
JSON object CONTEXT_JSON, or, without it, for each line of standard input
(JSON lines; blank lines are skipped). For each context it prints one JSON
object on one line, flag name → value, flags sorted by name:

	$ flaggen eval -spec flags.json '{"user_id": 123, "region": "US"}'
	{"advanced_search":false,"new_ui":true}

With -explain each value is {"value": …, "step": …, "reason": …}: the
cascade step that decided (active, activation_date, environments, tripped,
depends_on, empty_context, users, regions, account_types, beta_program,
rules[i], segments, rollout, targeting, variants, default) and why, e.g.
"rollout: bucket 37 < 90". For a flag that lists segments, the reason names
the segment that decided: "…; segment eu_beta: user_id 42 is included", or,
at step segments, why the context is in none of them.

A context attribute must be declared in the spec's "context" block (without
one: user_id, region, account_type and beta_program) and have its type; null leaves it absent. A bad context is reported with its place
(argument: … or stdin:LINE: …) and eval stops there with exit 1, after
printing the results of the lines before it.

With -redis URL, or $` + envRedisURL + ` when -redis is not given, the flags
are evaluated over the live state of that Redis namespace (-namespace,
default $` + envNamespace + `, else "default"), read-only: eval never registers,
writes or counts anything. There -spec is optional: without it eval uses the
spec the apps recorded in the namespace at start-up, and with it a warning on
standard error says when FILE differs from that recorded spec.

With -spec-only (or -redis "", or neither -redis nor $` + envRedisURL + `) the
flags are evaluated from the spec alone, ignoring live state, and -spec FILE
(default $` + envSpec + `) is required.`,
	Topics: []*Topic{redisURLTopic},
	Setup:  setupEval,
}

// stringList is a repeatable string option.
type stringList []string

func (l *stringList) String() string     { return strings.Join(*l, ",") }
func (l *stringList) Set(s string) error { *l = append(*l, s); return nil }

func setupEval(fs *flag.FlagSet) func(*Env, []string) error {
	envName := fs.String("env", runtime.DefaultEnvironment, "the caller's environment `ENV`, checked against each flag's \"environments\"")
	now := addNow(fs, "evaluate at `TIME` (RFC 3339 or 2006-01-02) instead of the current time,\nfor activation dates")
	explain := fs.Bool("explain", false, "print each flag's deciding step and reason with its value")
	var only stringList
	fs.Var(&only, "flag", "evaluate only flag `NAME` (repeatable; default: every flag)")
	specOnly := fs.Bool("spec-only", false, "evaluate from the spec alone, ignoring $"+envRedisURL)
	ro := addRedis(fs, "the spec `FILE` (default $"+envSpec+"; required without -redis, else\ndefault: the spec the apps recorded in the namespace)", redisReadUsage("evaluate over"))
	return func(env *Env, args []string) error {
		args, err := interspersed(env, fs, args)
		if err != nil {
			return err
		}
		if len(args) > 1 {
			return Usagef("unexpected argument %q (quote the context JSON as one argument)", args[1])
		}
		if *specOnly {
			if ro.urlSet() && ro.url != "" {
				return Usagef("-spec-only and -redis do not go together")
			}
			ro.url = ""
		} else if !ro.urlSet() {
			ro.url = os.Getenv(envRedisURL)
		}
		if ro.url == "" && firstNonEmpty(ro.specFile, os.Getenv(envSpec)) == "" {
			return Usagef("-spec is required without -redis (or $%s)", envRedisURL)
		}
		opts := []runtime.Option{runtime.WithEnvironment(*envName)}
		if t, set, err := now.at(); err != nil {
			return err
		} else if set {
			opts = append(opts, runtime.WithClock(func() time.Time { return t }))
		}
		if *envName == "" {
			return Usagef("-env must not be empty")
		}
		arg, err := ro.specArg()
		if err != nil {
			return err
		}
		checkOnly := func(sp *runtime.Spec) error {
			for _, name := range only {
				if err := ops.CheckFlag(sp, name); err != nil {
					return fmt.Errorf("-flag: %v", err)
				}
			}
			return nil
		}
		var c *runtime.Client
		if ro.url != "" {
			if arg != nil {
				if err := checkOnly(arg.Spec); err != nil {
					return err
				}
			}
			s, err := ops.Open(ro.config(env, ro.url, arg))
			if err != nil {
				return err
			}
			defer s.Close()
			if err := checkOnly(s.Spec); err != nil {
				return err
			}
			if c, err = s.Client(true, opts...); err != nil {
				return err
			}
		} else {
			if ro.namespace != "" {
				return Usagef("-namespace needs -redis (or $%s)", envRedisURL)
			}
			if err := checkOnly(arg.Spec); err != nil {
				return err
			}
			quiet := runtime.WithLogger(errorLogger(env.Stderr))
			if c, err = runtime.NewClient(arg.Spec, append(opts, quiet)...); err != nil {
				return err
			}
		}
		defer c.Close()
		ev := &evaluator{c: c, explain: *explain, only: only, w: bufio.NewWriter(env.Stdout)}
		defer ev.w.Flush()
		if len(args) == 1 {
			return ev.eval("argument", []byte(args[0]))
		}
		return ev.evalLines(env.Stdin)
	}
}

// evaluator prints the flags' values for contexts.
type evaluator struct {
	c       *runtime.Client
	explain bool
	only    []string
	w       *bufio.Writer
}

// evalLines evaluates each non-blank line of r, stopping at the first bad
// one.
func (e *evaluator) evalLines(r io.Reader) error {
	br := bufio.NewReader(r)
	for n := 1; ; n++ {
		line, err := br.ReadBytes('\n')
		if len(bytes.TrimSpace(line)) > 0 {
			if err := e.eval(fmt.Sprintf("stdin:%d", n), line); err != nil {
				return err
			}
		}
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("reading stdin: %v", err)
		}
	}
}

// eval evaluates one context and prints the result; where names the input
// for errors.
func (e *evaluator) eval(where string, data []byte) error {
	vals, err := e.c.Spec().ParseContext(bytes.TrimSpace(data))
	if err != nil {
		e.w.Flush()
		if hint := attributeHint(e.c.Spec(), data); hint != "" {
			return Positioned(fmt.Errorf("%s: %v%s", where, err, hint))
		}
		return Positioned(fmt.Errorf("%s: %v", where, err))
	}
	exps := e.c.EvaluateAll(context.Background(), vals)
	var buf bytes.Buffer
	buf.WriteByte('{')
	first := true
	for _, x := range exps {
		if len(e.only) > 0 && !slices.Contains(e.only, x.Flag) {
			continue
		}
		if !first {
			buf.WriteByte(',')
		}
		first = false
		k, _ := json.Marshal(x.Flag)
		buf.Write(k)
		buf.WriteByte(':')
		var v any = x.Value
		if e.explain {
			v = struct {
				Value  any    `json:"value"`
				Step   string `json:"step"`
				Reason string `json:"reason"`
			}{x.Value, x.Step, x.Reason}
		}
		b, err := jsonx.MarshalCompact(v)
		if err != nil {
			return fmt.Errorf("%s: flag %s: %v", where, x.Flag, err)
		}
		buf.Write(b)
	}
	buf.WriteString("}\n")
	_, err = e.w.Write(buf.Bytes())
	return err
}

// attributeHint suggests, for the first attribute of the context object
// data that the spec does not declare, the declared one it most likely
// means: the same once normalised (USER-ID → user_id), else the closest
// by edit distance (usr_id → user_id); "" when there is none.
func attributeHint(sp *runtime.Spec, data []byte) string {
	var obj map[string]json.RawMessage
	if json.Unmarshal(data, &obj) != nil {
		return ""
	}
	declared := sp.Attributes()
	for _, k := range sortedKeys(obj) {
		if slices.Contains(declared, k) {
			continue
		}
		near := ops.NormalMatch(k, declared)
		if near == "" {
			near = spec.Suggest(ops.NormName(k), declared)
		}
		if near != "" {
			return fmt.Sprintf(" (for %q did you mean %s?)", k, near)
		}
	}
	return ""
}
