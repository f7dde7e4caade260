package flaghttp

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/flaggen/flaggen/runtime"
)

// broadcaster wakes every open event stream after a live change.
type broadcaster struct {
	c      *runtime.Client
	specID [sha256.Size]byte
	stop   func()
	max    [classServer + 1]int // streams open at once, by class (client, server)

	mu     sync.Mutex
	subs   map[chan struct{}]class
	open   [classServer + 1]int // streams open, by class
	seq    uint64               // changes seen, the events' id
	at     time.Time
	done   chan struct{}
	closed bool
}

func newBroadcaster(c *runtime.Client, specID [sha256.Size]byte, maxClient, maxServer int) *broadcaster {
	b := &broadcaster{c: c, specID: specID, subs: map[chan struct{}]class{}, done: make(chan struct{}), at: time.Now()}
	b.max[classClient], b.max[classServer] = maxClient, maxServer
	b.stop = c.OnChange(func([]string) { b.notify() })
	return b
}

// notify wakes every stream; a stream still busy with the last change
// coalesces this one into it.
func (b *broadcaster) notify() {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.seq++
	b.at = time.Now()
	for ch := range b.subs {
		select {
		case ch <- struct{}{}:
		default:
		}
	}
}

// subscribe registers a stream of class cl (client or server); it fails
// once the handler is closed or when the class's budget of streams is
// open.
func (b *broadcaster) subscribe(cl class) (ch chan struct{}, err string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.closed {
		return nil, "shutting down"
	}
	if b.open[cl] >= b.max[cl] {
		return nil, fmt.Sprintf("%d event streams of %ss are open, the most this server takes: poll, or retry later", b.max[cl], cl.article()[2:])
	}
	ch = make(chan struct{}, 1)
	b.subs[ch] = cl
	b.open[cl]++
	return ch, ""
}

func (b *broadcaster) unsubscribe(ch chan struct{}) {
	b.mu.Lock()
	if cl, ok := b.subs[ch]; ok {
		delete(b.subs, ch)
		b.open[cl]--
	}
	b.mu.Unlock()
}

func (b *broadcaster) close() {
	b.mu.Lock()
	defer b.mu.Unlock()
	if !b.closed {
		b.closed = true
		close(b.done)
		b.stop()
	}
}

// event returns the SSE event announcing the latest change: its id, and
// data naming the revision (hashed, so that it tells nothing of the live
// state) and when the change came, in Unix seconds.
func (b *broadcaster) event() []byte {
	b.mu.Lock()
	seq, at := b.seq, b.at
	b.mu.Unlock()
	sum := sha256.Sum256(append(b.specID[:], b.c.Revision()...))
	out := append([]byte("id: "), strconv.FormatUint(seq, 10)...)
	out = append(out, "\nevent: message\ndata: {\"type\":\"refetchEvaluation\",\"etag\":\"\\\""...)
	out = hex.AppendEncode(out, sum[:12])
	out = append(out, "\\\"\",\"lastModified\":"...)
	out = strconv.AppendInt(out, at.Unix(), 10)
	return append(out, "}\n\n"...)
}

// stream serves GET /ofrep/v1/events to a caller of class cl: a
// refetchEvaluation event after every live change, a comment line every
// KeepAlive, until the client goes, the handler closes or the request's
// context ends.
func (h *handler) stream(w http.ResponseWriter, r *http.Request, cl class) {
	if cl != classClient {
		cl = classServer
	}
	ch, msg := h.events.subscribe(cl)
	if ch == nil {
		w.Header().Set("Retry-After", "30")
		jsonError(w, http.StatusServiceUnavailable, msg)
		return
	}
	defer h.events.unsubscribe(ch)
	rc := http.NewResponseController(w)
	// A stream outlives the server's WriteTimeout and ReadTimeout, if it
	// has them; each write is bounded by its own deadline instead.
	rc.SetWriteDeadline(time.Time{})
	rc.SetReadDeadline(time.Time{})
	hd := w.Header()
	hd.Set("Content-Type", "text/event-stream")
	hd.Set("Cache-Control", "no-cache")
	hd.Set("X-Accel-Buffering", "no")
	w.WriteHeader(http.StatusOK)
	if r.Method == http.MethodHead {
		return
	}
	if _, err := w.Write([]byte("retry: 1000\n: flaggen change stream\n\n")); err != nil || rc.Flush() != nil {
		return
	}
	tick := time.NewTicker(h.cfg.KeepAlive)
	defer tick.Stop()
	for {
		var msg []byte
		select {
		case <-r.Context().Done():
			return
		case <-h.events.done:
			return
		case <-ch:
			msg = h.events.event()
		case <-tick.C:
			msg = []byte(": keep-alive\n\n")
		}
		rc.SetWriteDeadline(time.Now().Add(h.cfg.KeepAlive))
		if _, err := w.Write(msg); err != nil {
			return
		}
		if rc.Flush() != nil {
			return
		}
		rc.SetWriteDeadline(time.Time{})
	}
}
