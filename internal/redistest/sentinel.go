package redistest

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// MasterName is the name under which StartSentinel's Sentinel monitors its
// master.
const MasterName = "flaggen"

// Sentinel is a master, one replica and one Sentinel (quorum 1) watching
// them, owned by a test.
type Sentinel struct {
	Master, Replica *Server
	sentinel        *Server
}

// StartSentinel starts a master, a replica of it and a Sentinel that
// monitors the master as MasterName with a 1s down-after time, and waits
// until the replica is in sync and the Sentinel, connected to both, would
// promote the replica. Teardown is registered with tb.Cleanup.
func StartSentinel(tb testing.TB) *Sentinel {
	tb.Helper()
	bin := Require(tb)
	// Both servers serve a new replica at once (by default a master waits
	// 5s for more replicas before a diskless sync): the replica at start,
	// and the old master when it rejoins after a failover.
	noDelay := []string{"--repl-diskless-sync-delay", "0"}
	x := &Sentinel{Master: startWith(tb, bin, noDelay...)}
	x.Replica = startWith(tb, bin, append([]string{"--replicaof", "127.0.0.1", strconv.Itoa(x.Master.Port())}, noDelay...)...)

	sn := &Server{tb: tb, bin: bin, dir: tb.TempDir(), sentinel: true}
	sn.extra = []string{"--sentinel"}
	port, err := freePort()
	if err != nil {
		tb.Fatal(err)
	}
	sn.port = port
	conf := fmt.Sprintf("port %d\nbind 127.0.0.1\nprotected-mode no\ndir %s\nlogfile %s\n"+
		"sentinel monitor %s 127.0.0.1 %d 1\n"+
		"sentinel down-after-milliseconds %s 1000\n"+
		"sentinel failover-timeout %s 5000\n",
		port, sn.dir, filepath.Join(sn.dir, "redis.log"), MasterName, x.Master.Port(), MasterName, MasterName)
	sn.conf = filepath.Join(sn.dir, "sentinel.conf")
	if err := os.WriteFile(sn.conf, []byte(conf), 0o644); err != nil {
		tb.Fatal(err)
	}
	if err := sn.start(); err != nil {
		tb.Fatalf("redistest: cannot start sentinel: %v", err)
	}
	tb.Cleanup(sn.kill)
	x.sentinel = sn

	deadline := time.Now().Add(20 * time.Second)
	for {
		info, _ := Do(x.Master.Addr(), "INFO", "replication")
		reps, _ := Do(sn.Addr(), "SENTINEL", "REPLICAS", MasterName)
		if strings.Contains(info, "connected_slaves:1") && strings.Contains(info, "state=online") &&
			strings.Contains(reps, strconv.Itoa(x.Replica.Port())) && replicaReady(reps) {
			return x
		}
		if time.Now().After(deadline) {
			tb.Fatalf("redistest: sentinel setup not ready after 20s:\n%s\nreplicas seen by sentinel:\n%s", info, reps)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// Addr returns the Sentinel's address.
func (x *Sentinel) Addr() string { return x.sentinel.Addr() }

// Failover asks the Sentinel to promote the replica and waits until it
// reports the replica as the master.
func (x *Sentinel) Failover() {
	x.sentinel.tb.Helper()
	tb := x.sentinel.tb
	if _, err := Do(x.Addr(), "SENTINEL", "FAILOVER", MasterName); err != nil {
		tb.Fatalf("redistest: SENTINEL FAILOVER: %v", err)
	}
	deadline := time.Now().Add(20 * time.Second)
	for {
		addr, _ := Do(x.Addr(), "SENTINEL", "GET-MASTER-ADDR-BY-NAME", MasterName)
		role, _ := Do(x.Replica.Addr(), "ROLE")
		if addr == "127.0.0.1\n"+strconv.Itoa(x.Replica.Port()) && strings.HasPrefix(role, "master") {
			return
		}
		if time.Now().After(deadline) {
			tb.Fatalf("redistest: failover not done after 20s: sentinel says %q, replica role %q", addr, role)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// replicaReady reports whether SENTINEL REPLICAS output (one replica,
// field and value on alternate lines) shows a replica the Sentinel is
// connected to and has seen in sync: one it would promote.
func replicaReady(reps string) bool {
	f := strings.Split(reps, "\n")
	fields := map[string]string{}
	for i := 0; i+1 < len(f); i += 2 {
		fields[f[i]] = f[i+1]
	}
	return fields["flags"] == "slave" && fields["master-link-status"] == "ok"
}
