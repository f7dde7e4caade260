package redistest

import (
	"os/exec"
	"strings"
	"testing"
	"time"
)

// Cluster is a Redis Cluster of masters without replicas, owned by a test.
type Cluster struct {
	// Nodes are the cluster's masters, in creation order.
	Nodes []*Server
}

// StartCluster starts n (at least 3) redis-server processes with
// cluster-enabled yes, joins them with `redis-cli --cluster create …
// --cluster-replicas 0 --cluster-yes` and waits until every node reports
// cluster_state:ok. Teardown is registered with tb.Cleanup.
func StartCluster(tb testing.TB, n int) *Cluster {
	tb.Helper()
	bin := Require(tb, "redis-server", "redis-cli")
	cli, _ := exec.LookPath("redis-cli")
	if n < 3 {
		tb.Fatalf("redistest: a Redis Cluster needs at least 3 masters, not %d", n)
	}
	c := &Cluster{}
	for i := 0; i < n; i++ {
		s := &Server{tb: tb, bin: bin, dir: tb.TempDir(), busPort: -1}
		s.startFresh()
		tb.Cleanup(s.kill)
		c.Nodes = append(c.Nodes, s)
	}
	args := []string{"--cluster", "create"}
	args = append(args, c.Addrs()...)
	args = append(args, "--cluster-replicas", "0", "--cluster-yes")
	out, err := exec.Command(cli, args...).CombinedOutput()
	if err != nil {
		tb.Fatalf("redistest: redis-cli %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	deadline := time.Now().Add(20 * time.Second)
	for _, s := range c.Nodes {
		for {
			info, err := Do(s.Addr(), "CLUSTER", "INFO")
			if err == nil && strings.Contains(info, "cluster_state:ok") &&
				strings.Contains(info, "cluster_slots_ok:16384") {
				break
			}
			if time.Now().After(deadline) {
				tb.Fatalf("redistest: cluster node %s not ok after 20s: %v\n%s\nredis-cli output:\n%s", s.Addr(), err, info, out)
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
	return c
}

// Addrs returns the "127.0.0.1:port" address of every node.
func (c *Cluster) Addrs() []string {
	a := make([]string, len(c.Nodes))
	for i, s := range c.Nodes {
		a[i] = s.Addr()
	}
	return a
}
