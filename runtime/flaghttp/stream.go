package flaghttp

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/flaggen/flaggen/internal/bridge"
	"github.com/flaggen/flaggen/runtime"
)

// broadcaster wakes every open event stream after a live change.
type broadcaster struct {
	c      *runtime.Client
	rev    func() string // c's revision (bridge.Evaluator.Revision)
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
	b := &broadcaster{c: c, rev: bridge.EvaluatorOf[runtime.Value](c).Revision, specID: specID, subs: map[chan struct{}]class{}, done: make(chan struct{}), at: time.Now()}
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
	sum := sha256.Sum256(append(b.specID[:], b.rev()...))
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
	serveStream(w, r, h.events, cl, h.cfg.KeepAlive)
}

// ChangeStream serves the same event stream as GET /ofrep/v1/events to
// another handler of the server (internal/webui's live pages), which
// authenticates its requests itself.
type ChangeStream struct {
	b         *broadcaster
	keepAlive time.Duration
}

// NewChangeStream follows c's changes for at most max streams open at once
// (0: DefaultMaxStreams), each sending a comment line every keepAlive when
// nothing changes (0: DefaultKeepAlive). Close it to end its streams.
func NewChangeStream(c *runtime.Client, keepAlive time.Duration, max int) *ChangeStream {
	if keepAlive <= 0 {
		keepAlive = DefaultKeepAlive
	}
	if max <= 0 {
		max = DefaultMaxStreams
	}
	file, src := c.Spec().Source()
	return &ChangeStream{b: newBroadcaster(c, sha256.Sum256(append([]byte(file+"\x00"), src...)), max, max), keepAlive: keepAlive}
}

// ServeHTTP serves the stream: a refetchEvaluation event after every live
// change, until the client goes or the stream is closed.
func (s *ChangeStream) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	serveStream(w, r, s.b, classServer, s.keepAlive)
}

// Close ends the open streams and stops following the Client.
func (s *ChangeStream) Close() { s.b.close() }

// serveStream serves one event stream of b to a caller of class cl, on
// that class's budget.
func serveStream(w http.ResponseWriter, r *http.Request, b *broadcaster, cl class, keepAlive time.Duration) {
	ch, msg := b.subscribe(cl)
	if ch == nil {
		w.Header().Set("Retry-After", "30")
		jsonError(w, http.StatusServiceUnavailable, msg)
		return
	}
	defer b.unsubscribe(ch)
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
	tick := time.NewTicker(keepAlive)
	defer tick.Stop()
	for {
		var msg []byte
		select {
		case <-r.Context().Done():
			return
		case <-b.done:
			return
		case <-ch:
			msg = b.event()
		case <-tick.C:
			msg = []byte(": keep-alive\n\n")
		}
		rc.SetWriteDeadline(time.Now().Add(keepAlive))
		if _, err := w.Write(msg); err != nil {
			return
		}
		if rc.Flush() != nil {
			return
		}
		rc.SetWriteDeadline(time.Time{})
	}
}
