package main

import (
	"cmp"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/flaggen/flaggen/examples/shop/flags"
	"github.com/flaggen/flaggen/internal/redisurl"
	"github.com/flaggen/flaggen/runtime"
	"github.com/flaggen/flaggen/runtime/redisstore"
)

// Shop is the app: its flags and the search factory are injected, and it
// never asks advanced_search directly.
type Shop struct {
	Flags    *flags.Flags
	Searches *flags.SearchServiceFactory[SearchService]
}

// NewShop wires the shop: the generated factory gets both search services
// (a missing one is an error here, never a nil at request time).
func NewShop(f *flags.Flags, backend Backend) (*Shop, error) {
	searches, err := flags.NewSearchServiceFactory(f, flags.SearchServiceImpls[SearchService]{
		New: NewSearchService{Client: f.Runtime(), Backend: backend},
		Old: OldSearchService{Backend: backend},
	})
	if err != nil {
		return nil, err
	}
	return &Shop{Flags: f, Searches: searches}, nil
}

// Page writes what user sees, as main.py prints it: the new UI when
// new_ui is on, then the search, whichever service the factory injects
// (only the new search prints anything, as in main.py). A search error is
// reported (by the monitor) and shown, as in main.py.
func (s *Shop) Page(ctx context.Context, w io.Writer, user *flags.Context, query string) {
	if s.Flags.NewUI(ctx, user) {
		fmt.Fprintln(w, "New UI Active for this user!")
	}
	if err := s.Searches.Get(ctx, user).Search(ctx, w, query); err != nil {
		fmt.Fprintf(w, "Error occurred: %v\n", err)
	}
}

// CheckTraffic is one round of main.py's traffic_monitoring_job: a traffic
// drop above 30% while new_ui is on switches new_ui off for every shop.
func (s *Shop) CheckTraffic(ctx context.Context, w io.Writer, drop float64) error {
	m := runtime.TrafficMonitor{Client: s.Flags.Runtime()}
	tripped, err := m.Observe(ctx, flags.NewUI, drop)
	if err != nil {
		return err
	}
	if tripped {
		fmt.Fprintf(w, "Feature '%s' has been deactivated due to a traffic drop of %s%%.\n", flags.NewUI.Name(), strconv.FormatFloat(drop, 'g', -1, 64))
	}
	return nil
}

// watched are the flags the shop uses, reported by -watch.
var watched = []runtime.Handle{flags.NewUI, flags.AdvancedSearch}

// Watch prints a line to w each time a flag the shop uses changes for user
// (its definition in live state, or its value through a dependency), until
// the returned stop function is called.
func (s *Shop) Watch(ctx context.Context, w io.Writer, user *flags.Context) (stop func()) {
	var mu sync.Mutex
	last := map[string]any{}
	for _, h := range watched {
		last[h.Name()] = s.Flags.Explain(ctx, h, user).Value
	}
	return s.Flags.Runtime().OnChange(func(changed []string) {
		mu.Lock()
		defer mu.Unlock()
		for _, h := range watched {
			e := s.Flags.Explain(ctx, h, user)
			if e.Value == last[h.Name()] && !contains(changed, h.Name()) {
				continue
			}
			last[h.Name()] = e.Value
			line := "live change: " + e.String()
			if h == runtime.Handle(flags.AdvancedSearch) {
				line += fmt.Sprintf(" → search: %T", s.Searches.Get(ctx, user))
			}
			fmt.Fprintln(w, strings.Replace(line, "main.", "", 1))
		}
	})
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// config is the parsed command line.
type config struct {
	user         flags.Context
	env, query   string
	redisURL, ns string
	watch        bool
	drop         float64
	trafficEvery time.Duration
	feedback     string
}

func parseArgs(args []string, stderr io.Writer) (*config, error) {
	c := &config{user: flags.Context{AccountType: flags.AccountTypePremium}}
	fs := flag.NewFlagSet("shop", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Int64Var(&c.user.UserID, "user", 123, "the user's id")
	fs.StringVar(&c.user.Region, "region", "US", "the user's region")
	fs.Func("account-type", "the user's account `type`: free, premium or enterprise (default premium)", c.accountType)
	fs.BoolVar(&c.user.BetaProgram, "beta", true, "whether the user is in the beta program")
	fs.StringVar(&c.env, "env", runtime.DefaultEnvironment, "the environment")
	fs.StringVar(&c.query, "query", "test query", "the search query")
	// The default is read after parsing, never shown: the URL may hold a
	// password, and -h prints the options' defaults.
	fs.StringVar(&c.redisURL, "redis", "", "share live state in the Redis at `URL` (redis://host:port/db or host:port;\ndefault $FLAGGEN_REDIS_URL, else none: a private in-memory store)")
	fs.StringVar(&c.ns, "namespace", cmp.Or(os.Getenv("FLAGGEN_NAMESPACE"), redisstore.DefaultNamespace), "the Redis `namespace` of the shop's flags, as the flaggen CLI's -namespace\n(default $FLAGGEN_NAMESPACE, else \"default\")")
	fs.BoolVar(&c.watch, "watch", false, "keep running and print each change of a flag the shop uses")
	// main.py simulates a drop of 25 + (10*time.time() % 10), 25 to 35%:
	// the default is its lower end, below the monitor's 30% threshold, so
	// that a plain run prints what main.py prints without tripping new_ui
	// for every shop sharing the namespace; -drop 35 shows the trip.
	fs.Float64Var(&c.drop, "drop", 25, "the simulated traffic drop in `percent` (the monitor's threshold is 30;\nthe default, main.py's lowest drop, does not trip new_ui)")
	fs.DurationVar(&c.trafficEvery, "traffic-every", 10*time.Second, "how often -watch checks traffic")
	fs.StringVar(&c.feedback, "feedback", "", "record the user's feedback `text` about new_ui")
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	redisSet := false
	fs.Visit(func(f *flag.Flag) { redisSet = redisSet || f.Name == "redis" })
	if !redisSet {
		c.redisURL = os.Getenv("FLAGGEN_REDIS_URL")
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "shop: unexpected arguments %q\n", fs.Args())
		fs.Usage()
		return nil, errors.New("usage")
	}
	if c.trafficEvery <= 0 {
		fmt.Fprintln(stderr, "shop: -traffic-every must be positive")
		return nil, errors.New("usage")
	}
	return c, nil
}

// run is main without os.Exit: it stops -watch on SIGINT or SIGTERM.
func run(args []string, stdout, stderr io.Writer) int {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	return runContext(ctx, args, stdout, stderr)
}

// runContext runs the shop until it is done, or for -watch until ctx is
// done, and returns the exit status: 0 ok, 1 failure, 2 usage.
//
// Standard error is scrubbed of the credentials of every Redis URL the
// shop may have been given (-redis, $FLAGGEN_REDIS_URL, any argument with
// "://"): errors and logs quote them.
func runContext(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	stderr = redisurl.ScrubWriter(stderr, append(redisurl.InArgs(args, "redis"), os.Getenv("FLAGGEN_REDIS_URL"))...)
	cfg, err := parseArgs(args, stderr)
	if errors.Is(err, flag.ErrHelp) {
		return 0
	}
	if err != nil {
		return 2
	}
	f, closeFlags, err := openFlags(cfg, stderr)
	if err != nil {
		fmt.Fprintf(stderr, "shop: %v\n", err)
		return 1
	}
	defer closeFlags()
	if err := f.Runtime().Health(); err != nil {
		fmt.Fprintf(stderr, "shop: live state unavailable, serving the spec as written: %v\n", err)
	}
	shop, err := NewShop(f, emptyCatalogue)
	if err != nil {
		fmt.Fprintf(stderr, "shop: %v\n", err)
		return 1
	}

	var stopWatch func()
	out := &lockedWriter{w: stdout}
	if cfg.watch {
		stopWatch = shop.Watch(ctx, out, &cfg.user)
		defer stopWatch()
	}
	shop.Page(ctx, out, &cfg.user, cfg.query)
	status := 0
	if err := shop.CheckTraffic(ctx, out, cfg.drop); err != nil {
		fmt.Fprintf(stderr, "shop: traffic monitor: %v\n", err)
		status = 1
	}
	if cfg.feedback != "" {
		fc := runtime.NewFeedbackCollector(f.Runtime())
		user := strconv.FormatInt(cfg.user.UserID, 10)
		if err := fc.Collect(ctx, flags.NewUI, user, cfg.feedback); err != nil {
			fmt.Fprintf(stderr, "shop: feedback: %v\n", err)
			return 1
		}
		all, err := fc.Get(ctx, flags.NewUI)
		if err != nil {
			fmt.Fprintf(stderr, "shop: feedback: %v\n", err)
			return 1
		}
		fmt.Fprintf(out, "Thanks for your feedback on %s (%d so far).\n", flags.NewUI.Name(), len(all))
	}
	if !cfg.watch {
		return status
	}

	fmt.Fprintf(out, "Watching new_ui and advanced_search for user %d (Ctrl-C to stop).\n", cfg.user.UserID)
	tick := time.NewTicker(cfg.trafficEvery)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			stopWatch()
			fmt.Fprintln(out, "Exiting main program...")
			return 0
		case <-tick.C:
			if err := shop.CheckTraffic(ctx, out, cfg.drop); err != nil {
				fmt.Fprintf(stderr, "shop: traffic monitor: %v\n", err)
			}
		}
	}
}

// openFlags opens the shop's flags on the embedded spec: with a private
// memory store, or with -redis on the shared Redis store.
func openFlags(cfg *config, stderr io.Writer) (*flags.Flags, func(), error) {
	logger := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	opts := []runtime.Option{runtime.WithEnvironment(cfg.env), runtime.WithLogger(logger)}
	if cfg.redisURL == "" {
		f, err := flags.New(opts...)
		if err != nil {
			return nil, nil, err
		}
		return f, func() { f.Close() }, nil
	}
	ro, err := redisOptions(cfg.redisURL)
	if err != nil {
		return nil, nil, err
	}
	rdb := redis.NewClient(ro)
	store, err := redisstore.New(rdb, redisstore.WithNamespace(cfg.ns), redisstore.WithLogger(logger))
	if err != nil {
		rdb.Close()
		return nil, nil, err
	}
	f, err := flags.New(append(opts, runtime.WithStore(store), runtime.WithStartTimeout(2*time.Second))...)
	if err != nil {
		store.Close()
		rdb.Close()
		return nil, nil, err
	}
	return f, func() {
		if err := f.Close(); err != nil {
			fmt.Fprintf(stderr, "shop: closing flags: %v\n", err)
		}
		store.Close()
		rdb.Close()
	}, nil
}

// redisOptions parses -redis: a redis:// URL or a bare host:port, with the
// short timeouts redisstore recommends so that an outage is seen quickly.
func redisOptions(s string) (*redis.Options, error) {
	if !strings.Contains(s, "://") {
		s = "redis://" + s
	}
	o, err := redis.ParseURL(s)
	if err != nil {
		// The parser's errors quote the URL: never show them as they are.
		return nil, fmt.Errorf("-redis %s: %v", redisurl.Redact(s), redisurl.Error(err, s))
	}
	o.DialTimeout = 200 * time.Millisecond
	o.DialerRetries = 1
	o.ReadTimeout = 500 * time.Millisecond
	o.WriteTimeout = 500 * time.Millisecond
	o.MaxRetries = 1
	return o, nil
}

// lockedWriter serialises the page and the -watch lines.
type lockedWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

// accountType sets the user's account type from -account-type: the
// generated ParseAccountType refuses a value the spec does not declare.
func (c *config) accountType(s string) (err error) {
	c.user.AccountType, err = flags.ParseAccountType(s)
	return err
}
