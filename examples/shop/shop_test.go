package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/flaggen/flaggen/examples/shop/flags"
	"github.com/flaggen/flaggen/internal/redistest"
	"github.com/flaggen/flaggen/runtime"
	"github.com/flaggen/flaggen/runtime/redisstore"
	"github.com/flaggen/flaggen/runtime/store"
)

// shopRun runs the command line with args and returns its status, stdout
// and stderr.
func shopRun(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	code := runContext(context.Background(), args, &stdout, &stderr)
	return code, stdout.String(), stderr.String()
}

// TestUser123PrintsWhatMainPyPrints: the default run is main.py's output
// for user 123 (testdata/user123.golden), nothing on stderr, exit 0.
func TestUser123PrintsWhatMainPyPrints(t *testing.T) {
	want, err := os.ReadFile("testdata/user123.golden")
	if err != nil {
		t.Fatal(err)
	}
	code, stdout, stderr := shopRun(t)
	if code != 0 || stdout != string(want) || stderr != "" {
		t.Errorf("shop = exit %d\nstdout:\n%s\nstderr:\n%s\nwant exit 0, stdout:\n%s", code, stdout, stderr, want)
	}
	// The run through main (run, with its signal handling) is the same.
	var out, errOut bytes.Buffer
	if code := run(nil, &out, &errOut); code != 0 || out.String() != string(want) {
		t.Errorf("run = exit %d, stdout:\n%s\nstderr:\n%s", code, out.String(), errOut.String())
	}
}

func TestCommandLine(t *testing.T) {
	tests := []struct {
		name       string
		args       []string
		code       int
		stdout     string
		stderrHas  string
		stdoutHas  string
		stdoutMiss string
		empty      bool // stdout must be empty
	}{
		// The old search prints nothing, as main.py with advanced_search off.
		{name: "other user, old search", args: []string{"-user", "7", "-region", "DE"},
			empty: true},
		{name: "query", args: []string{"-region", "RO", "-query", "boots"},
			stdout: "New UI Active for this user!\n"},
		{name: "environment without new_ui", args: []string{"-env", "test"},
			empty: true},
		{name: "traffic drop trips new_ui", args: []string{"-drop", "35"},
			stdoutHas: "Feature 'new_ui' has been deactivated due to a traffic drop of 35%.\n", stderrHas: "flag switched off by a monitor"},
		{name: "traffic drop at the threshold keeps it", args: []string{"-drop", "30"},
			stdoutMiss: "deactivated"},
		{name: "feedback", args: []string{"-feedback", "the new UI is great"},
			stdoutHas: "Thanks for your feedback on new_ui (1 so far).\n"},
		{name: "help", args: []string{"-h"}, code: 0, stderrHas: "-redis URL"},
		{name: "unknown option", args: []string{"-nope"}, code: 2, stderrHas: "flag provided but not defined: -nope"},
		{name: "premium account", args: []string{"-user", "7", "-account-type", "premium"},
			stdout: "New UI Active for this user!\n"},
		{name: "free account, old UI", args: []string{"-user", "7", "-account-type", "free"}, empty: true},
		{name: "unknown account type", args: []string{"-account-type", "gold"}, code: 2,
			stderrHas: `invalid value "gold" for flag -account-type: flags: attribute "account_type": "gold" is not one of "free", "premium", "enterprise"`},
		{name: "extra argument", args: []string{"now"}, code: 2, stderrHas: `unexpected arguments ["now"]`},
		{name: "bad redis URL", args: []string{"-redis", "http://x"}, code: 1, stderrHas: "-redis"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, stdout, stderr := shopRun(t, tt.args...)
			if code != tt.code ||
				(tt.stdout != "" && stdout != tt.stdout) ||
				(tt.empty && stdout != "") ||
				!strings.Contains(stdout, tt.stdoutHas) ||
				(tt.stdoutMiss != "" && strings.Contains(stdout, tt.stdoutMiss)) ||
				!strings.Contains(stderr, tt.stderrHas) {
				t.Errorf("shop %q = exit %d\nstdout:\n%s\nstderr:\n%s", tt.args, code, stdout, stderr)
			}
		})
	}
}

// newTestShop is the shop on a fresh Client of its own.
func newTestShop(t *testing.T, backend Backend) *Shop {
	t.Helper()
	f, err := flags.New(runtime.WithLogger(quiet))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	s, err := NewShop(f, backend)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func page(s *Shop, user *flags.Context) string {
	var b bytes.Buffer
	s.Page(context.Background(), &b, user, "test query")
	return b.String()
}

var user123 = &flags.Context{UserID: 123, Region: "US", AccountType: flags.AccountTypePremium, BetaProgram: true}

// TestToggleAsParallel: two parallel tests pin new_ui to opposite values,
// each on its own Client, at the same time; each sees its own value, and
// the injected search follows (advanced_search depends on new_ui).
func TestToggleAsParallel(t *testing.T) {
	var pinned sync.WaitGroup
	pinned.Add(2)
	both := make(chan struct{})
	go func() { pinned.Wait(); close(both) }()
	check := func(t *testing.T, on bool, want string) {
		t.Parallel()
		s := newTestShop(t, emptyCatalogue)
		runtime.ToggleAs(t, s.Flags, flags.NewUI, on)
		pinned.Done()
		select { // both pins are in place before either looks
		case <-both:
		case <-time.After(5 * time.Second):
			t.Fatal("the other parallel test did not pin new_ui within 5s")
		}
		for range 100 {
			if got := page(s, user123); got != want {
				t.Fatalf("new_ui pinned %v: page =\n%s\nwant\n%s", on, got, want)
			}
		}
	}
	t.Run("new_ui off", func(t *testing.T) {
		check(t, false, "")
	})
	t.Run("new_ui on", func(t *testing.T) {
		check(t, true, "New UI Active for this user!\nAdvanced Search is Active for this user!\nAdvanced Search: No results found\n")
	})
}

// TestToggleAsPicksSearchService: pinning advanced_search is all it takes
// to test either search; the pin ends with the test.
func TestToggleAsPicksSearchService(t *testing.T) {
	s := newTestShop(t, emptyCatalogue)
	t.Run("old for user 123", func(t *testing.T) {
		runtime.ToggleAs(t, s.Flags, flags.AdvancedSearch, false)
		if _, old := s.Searches.Get(context.Background(), user123).(OldSearchService); !old {
			t.Errorf("advanced_search off injects %T", s.Searches.Get(context.Background(), user123))
		}
		if got, want := page(s, user123), "New UI Active for this user!\n"; got != want {
			t.Errorf("page =\n%s\nwant\n%s", got, want)
		}
	})
	t.Run("new for a user outside the US", func(t *testing.T) {
		runtime.ToggleAs(t, s.Flags, flags.AdvancedSearch, true)
		got := page(s, &flags.Context{UserID: 7, Region: "DE"})
		if want := "Advanced Search is Active for this user!\nAdvanced Search: No results found\n"; got != want {
			t.Errorf("page =\n%s\nwant\n%s", got, want)
		}
	})
	if got, want := page(s, &flags.Context{UserID: 7, Region: "DE"}), ""; got != want {
		t.Errorf("after the subtests (pins restored) page =\n%s\nwant\n%s", got, want)
	}
}

// TestSearchErrorIsReported: a failing advanced search is shown as in
// main.py and counted in the store's shared error counter.
func TestSearchErrorIsReported(t *testing.T) {
	s := newTestShop(t, func(context.Context, string) ([]string, error) {
		return nil, errors.New("search index unavailable")
	})
	want := "New UI Active for this user!\nAdvanced Search is Active for this user!\nError occurred: search index unavailable\n"
	if got := page(s, user123); got != want {
		t.Errorf("page =\n%s\nwant\n%s", got, want)
	}
	c := s.Flags.Runtime()
	if err := c.Flush(context.Background()); err != nil {
		t.Fatal(err)
	}
	counts, err := c.Store().Counters(context.Background(), "advanced_search")
	if err != nil {
		t.Fatal(err)
	}
	if counts[store.CounterErrors] != 1 {
		t.Errorf("advanced_search counters = %v, want errors 1", counts)
	}
	s2 := newTestShop(t, func(context.Context, string) ([]string, error) { return []string{"red shoes"}, nil })
	if got := page(s2, user123); !strings.HasSuffix(got, "Advanced Search: red shoes\n") {
		t.Errorf("page with a result =\n%s", got)
	}
}

// TestRedisWatch: two shops watching one Redis namespace both print the
// change at once when another client (an operator) disables new_ui, and
// the search they inject switches to the old one.
func TestRedisWatch(t *testing.T) {
	srv := redistest.Start(t)
	url := "redis://" + srv.Addr() + "/0"
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()

	type shopProc struct {
		out  *syncBuffer
		errs *syncBuffer
		done chan int
	}
	start := func() *shopProc {
		p := &shopProc{out: &syncBuffer{}, errs: &syncBuffer{}, done: make(chan int, 1)}
		go func() {
			p.done <- runContext(ctx, []string{"-redis", url, "-namespace", "watchtest", "-watch"}, p.out, p.errs)
		}()
		return p
	}
	shops := []*shopProc{start(), start()}
	for _, p := range shops {
		waitOutput(t, p.out, "Watching new_ui and advanced_search for user 123 (Ctrl-C to stop).\n")
		if !strings.HasPrefix(p.out.String(), "New UI Active for this user!\nAdvanced Search is Active") {
			t.Errorf("shop page before the change:\n%s", p.out.String())
		}
	}

	// The operator: another client on the same namespace.
	rdb := redis.NewClient(&redis.Options{Addr: srv.Addr()})
	defer rdb.Close()
	backend, err := redisstore.New(rdb, redisstore.WithNamespace("watchtest"))
	if err != nil {
		t.Fatal(err)
	}
	defer backend.Close()
	op, err := flags.New(runtime.WithStore(backend), runtime.WithLogger(quiet))
	if err != nil {
		t.Fatal(err)
	}
	defer op.Close()
	if err := op.Runtime().Set(ctx, "new_ui", json.RawMessage(`{"active": false}`), "alice", "kill switch"); err != nil {
		t.Fatal(err)
	}
	for _, p := range shops {
		waitOutput(t, p.out, "live change: new_ui = false (active is false)\n")
		waitOutput(t, p.out, "live change: advanced_search = false (depends_on: new_ui is off) → search: OldSearchService\n")
	}
	if err := op.Runtime().Set(ctx, "new_ui", json.RawMessage(`{"active": true}`), "alice", "fixed"); err != nil {
		t.Fatal(err)
	}
	for _, p := range shops {
		waitOutput(t, p.out, "live change: new_ui = true (users: user_id 123 is allow-listed)\n")
		waitOutput(t, p.out, "→ search: NewSearchService\n")
	}

	cancel()
	for i, p := range shops {
		select {
		case code := <-p.done:
			if code != 0 || !strings.HasSuffix(p.out.String(), "Exiting main program...\n") || p.errs.String() != "" {
				t.Errorf("shop %d: exit %d\nstdout:\n%s\nstderr:\n%s", i, code, p.out.String(), p.errs.String())
			}
		case <-time.After(5 * time.Second):
			t.Fatalf("shop %d did not exit within 5s of the interrupt", i)
		}
	}
}

// waitOutput waits until b holds want, waking at each write to b.
func waitOutput(t *testing.T, b *syncBuffer, want string) {
	t.Helper()
	deadline := time.After(5 * time.Second)
	for {
		out, written := b.next()
		if strings.Contains(out, want) {
			return
		}
		select {
		case <-written:
		case <-deadline:
			t.Fatalf("output does not show %q within 5s:\n%s", want, b.String())
		}
	}
}

// syncBuffer is an output safe for concurrent writes that tells waiters
// of each write.
type syncBuffer struct {
	mu      sync.Mutex
	b       bytes.Buffer
	written chan struct{} // closed at the next write
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.written != nil {
		close(s.written)
		s.written = nil
	}
	return s.b.Write(p)
}

// next returns what s holds and a channel closed at the next write.
func (s *syncBuffer) next() (string, <-chan struct{}) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.written == nil {
		s.written = make(chan struct{})
	}
	return s.b.String(), s.written
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}
