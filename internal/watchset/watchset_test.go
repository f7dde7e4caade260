package watchset

import (
	"context"
	"sync"
	"testing"
)

func TestNotifyCoalescesAndCancelCloses(t *testing.T) {
	var mu sync.Mutex
	var s Set
	ctx, cancel := context.WithCancel(context.Background())
	mu.Lock()
	w := s.Add(&mu, ctx, nil)
	s.Notify()
	s.Notify() // coalesces with the pending one
	mu.Unlock()
	if _, ok := <-w; !ok {
		t.Fatal("channel closed, want a notification")
	}
	select {
	case <-w:
		t.Fatal("a second notification, want one pending at most")
	default:
	}
	cancel()
	if _, ok := <-w; ok { // waits until the watch ends
		t.Fatal("a notification after cancel, want the channel closed")
	}
	mu.Lock()
	n := len(s.m)
	mu.Unlock()
	if n != 0 {
		t.Fatalf("%d watchers left after cancel, want 0", n)
	}
}

func TestStopAndCloseAll(t *testing.T) {
	var mu sync.Mutex
	var s Set
	stop := make(chan struct{})
	mu.Lock()
	a := s.Add(&mu, context.Background(), stop)
	b := s.Add(&mu, context.Background(), nil)
	mu.Unlock()
	close(stop)
	if _, ok := <-a; ok {
		t.Fatal("a notification after stop, want the channel closed")
	}
	mu.Lock()
	s.CloseAll()
	s.Notify() // no watcher left: nothing sent on a closed channel
	mu.Unlock()
	if _, ok := <-b; ok {
		t.Fatal("a notification after CloseAll, want the channel closed")
	}
}
