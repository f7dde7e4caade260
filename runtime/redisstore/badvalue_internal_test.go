package redisstore

import (
	"testing"
	"time"
)

func TestBadValueBackoff(t *testing.T) {
	retry, limit := 100*time.Millisecond, 2*time.Second
	want := []time.Duration{100, 200, 400, 800, 1600, 2000, 2000, 2000}
	for i, w := range want {
		if got := badValueBackoff(retry, limit, i+1); got != w*time.Millisecond {
			t.Errorf("look %d: backoff %v, want %v", i+1, got, w*time.Millisecond)
		}
	}
	if got := badValueBackoff(retry, limit, 1000); got != limit {
		t.Errorf("look 1000: backoff %v, want the cap %v", got, limit)
	}
}

func TestLimiter(t *testing.T) {
	var l limiter
	t0 := time.Unix(1000, 0)
	if ok, held := l.allow(t0, time.Minute); !ok || held != 0 {
		t.Fatalf("first: %v %d", ok, held)
	}
	for i := range 5 {
		if ok, _ := l.allow(t0.Add(time.Duration(i)*time.Second), time.Minute); ok {
			t.Fatalf("repeat %d within the interval let through", i)
		}
	}
	if ok, held := l.allow(t0.Add(time.Minute), time.Minute); !ok || held != 5 {
		t.Fatalf("after the interval: %v, held %d; want true, 5", ok, held)
	}
}
