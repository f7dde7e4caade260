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
// until the replica is in sync and the Sentinel knows both. Teardown is
// registered with tb.Cleanup.
func StartSentinel(tb testing.TB) *Sentinel {
	tb.Helper()
	bin := Require(tb)
	x := &Sentinel{Master: Start(tb)}
	x.Replica = &Server{tb: tb, bin: bin, dir: tb.TempDir(), extra: []string{"--replicaof", "127.0.0.1", strconv.Itoa(x.Master.Port())}}
	x.Replica.startFresh()
	tb.Cleanup(x.Replica.kill)

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
			strings.Contains(reps, strconv.Itoa(x.Replica.Port())) {
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
