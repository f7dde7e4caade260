package redistest

import (
	"fmt"
	"strconv"
	"strings"
	"testing"
)

func TestStartStopRestart(t *testing.T) {
	s := Start(t)
	if s.Port() == 6379 {
		t.Fatal("server uses the default port 6379")
	}
	if _, err := Do(s.Addr(), "SET", "k", "v"); err != nil {
		t.Fatal(err)
	}
	s.Stop()
	if _, err := Do(s.Addr(), "PING"); err == nil {
		t.Fatal("PING answered after Stop")
	}
	addr := s.Addr()
	s.Restart()
	if s.Addr() != addr {
		t.Fatalf("Restart moved the server from %s to %s", addr, s.Addr())
	}
	if v, err := Do(s.Addr(), "GET", "k"); err != nil || v != "v" {
		t.Fatalf("GET k after Restart = %q, %v; want the data kept across Stop/Restart", v, err)
	}
	if v, _ := Do(s.Addr(), "CONFIG", "GET", "save"); v != "save\n" {
		t.Fatalf("CONFIG GET save = %q; want background saving off", v)
	}
}

func TestCrashLosesData(t *testing.T) {
	s := Start(t)
	if _, err := Do(s.Addr(), "SET", "k", "v"); err != nil {
		t.Fatal(err)
	}
	// A saved data set from an earlier Stop must not survive a Crash either.
	s.Stop()
	s.Restart()
	if v, err := Do(s.Addr(), "GET", "k"); err != nil || v != "v" {
		t.Fatalf("GET k after Stop/Restart = %q, %v; want v", v, err)
	}
	s.Crash()
	if _, err := Do(s.Addr(), "PING"); err == nil {
		t.Fatal("PING answered after Crash")
	}
	addr := s.Addr()
	s.Restart()
	if s.Addr() != addr {
		t.Fatalf("Restart moved the server from %s to %s", addr, s.Addr())
	}
	if n, err := Do(s.Addr(), "DBSIZE"); err != nil || n != "0" {
		t.Fatalf("DBSIZE after Crash/Restart = %q, %v; want 0 (data lost)", n, err)
	}
}

func TestCluster(t *testing.T) {
	t.Parallel() // its own servers; mostly waiting on them
	c := StartCluster(t, 3)
	if len(c.Addrs()) != 3 {
		t.Fatalf("Addrs = %v", c.Addrs())
	}
	for _, a := range c.Addrs() {
		info, err := Do(a, "CLUSTER", "INFO")
		if err != nil || !strings.Contains(info, "cluster_state:ok") || !strings.Contains(info, "cluster_known_nodes:3") {
			t.Fatalf("CLUSTER INFO on %s: %v\n%s", a, err, info)
		}
	}
}

// recordTB records Skip and Fatal instead of ending the test.
type recordTB struct {
	*testing.T
	skipped, fatal string
}

func (r *recordTB) Skip(args ...any)  { r.skipped = fmt.Sprint(args...) }
func (r *recordTB) Fatal(args ...any) { r.fatal = fmt.Sprint(args...) }

func TestRequireMissing(t *testing.T) {
	t.Setenv("PATH", t.TempDir())
	t.Setenv(RequireEnv, "")
	r := &recordTB{T: t}
	Require(r)
	if !strings.Contains(r.skipped, "apt-get install redis-server") || !strings.Contains(r.skipped, "FLAGGEN_REQUIRE_REDIS=1 make test") || r.fatal != "" {
		t.Fatalf("without redis-server: skipped %q, fatal %q; want a skip that says how to run the tests", r.skipped, r.fatal)
	}
	t.Setenv(RequireEnv, "1")
	r = &recordTB{T: t}
	Require(r)
	if r.fatal == "" || r.skipped != "" {
		t.Fatalf("with %s=1: skipped %q, fatal %q; want a failure", RequireEnv, r.skipped, r.fatal)
	}
}

// TestSentinel: Failover promotes the replica, the Sentinel names it as
// the master, and it takes writes. (Whether a write made just before a
// failover survives it is Redis's business, asynchronous replication; the
// stores' own Sentinel test checks that flaggen's writes resume.)
func TestSentinel(t *testing.T) {
	t.Parallel() // its own servers; mostly waiting on them
	x := StartSentinel(t)
	if _, err := Do(x.Master.Addr(), "SET", "k", "v"); err != nil {
		t.Fatal(err)
	}
	x.Failover()
	addr, err := Do(x.Addr(), "SENTINEL", "GET-MASTER-ADDR-BY-NAME", MasterName)
	if err != nil || addr != "127.0.0.1\n"+strconv.Itoa(x.Replica.Port()) {
		t.Fatalf("sentinel names %q (%v) as master, want the promoted replica", addr, err)
	}
	if _, err := Do(x.Replica.Addr(), "SET", "k2", "v2"); err != nil {
		t.Fatalf("the promoted replica refuses writes: %v", err)
	}
	if v, err := Do(x.Replica.Addr(), "GET", "k2"); err != nil || v != "v2" {
		t.Fatalf("GET k2 on the promoted replica = %q, %v", v, err)
	}
}
