package redisstore

import (
	"errors"
	"fmt"
	"net"
	"syscall"
	"testing"
	"time"
)

// SetRelapseWindow sets relapseWindow until the test ends (for a test
// whose outages follow each other closely).
func SetRelapseWindow(t testing.TB, d time.Duration) {
	old := relapseWindow
	relapseWindow = d
	t.Cleanup(func() { relapseWindow = old })
}

func TestIsRelapse(t *testing.T) {
	up := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	dial := fmt.Errorf("flaggen: redis load failed: %w", &net.OpError{Op: "dial", Net: "tcp", Err: syscall.ECONNREFUSED})
	read := &net.OpError{Op: "read", Net: "tcp", Err: syscall.ECONNRESET}
	for _, tc := range []struct {
		name string
		upAt time.Time
		at   time.Duration
		err  error
		want bool
	}{
		{"a dial error just after recovery: go-redis' dial circuit", up, time.Second, dial, true},
		{"never recovered: the first outage", time.Time{}, time.Second, dial, false},
		{"a dial error after the window: a new outage", up, relapseWindow, dial, false},
		{"a broken connection: a new outage", up, time.Second, read, false},
		{"EOF on the subscription: a new outage", up, time.Second, errors.New("EOF"), false},
	} {
		if got := isRelapse(tc.upAt, up.Add(tc.at), tc.err); got != tc.want {
			t.Errorf("%s: isRelapse = %v, want %v", tc.name, got, tc.want)
		}
	}
}
