// Package logbuf batches the lines a logger writes into fewer writes, so
// that a server logging every request pays one write system call per
// batch instead of one per line.
package logbuf

import (
	"context"
	"io"
	"log/slog"
	"sync"
	"time"
)

// Writer buffers what is written to it and writes it on to the
// underlying writer within Delay of the first byte buffered, at once when
// Size bytes are buffered, on Flush and on Close. Each Write is kept
// whole (slog's handlers write one record per Write), and writes reach the
// underlying writer in order. A line is lost only when the process ends
// without Close: at most Delay's worth.
type Writer struct {
	w     io.Writer
	delay time.Duration
	size  int

	mu      sync.Mutex
	buf     []byte
	timer   *time.Timer // flushes after delay; made at the first write
	pending bool        // the timer is set
	closed  bool
	err     error // the first error of the underlying writer
}

// New returns a Writer over w that holds lines for at most delay and at
// most size bytes.
func New(w io.Writer, delay time.Duration, size int) *Writer {
	return &Writer{w: w, delay: delay, size: size}
}

// Write buffers p (after Close: writes it through). It never fails: an
// error of the underlying writer is kept for Flush and Close to return.
func (b *Writer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.closed {
		return b.w.Write(p)
	}
	b.buf = append(b.buf, p...)
	switch {
	case len(b.buf) >= b.size:
		b.flushLocked()
	case !b.pending:
		b.pending = true
		if b.timer == nil {
			b.timer = time.AfterFunc(b.delay, func() { b.Flush() })
		} else {
			b.timer.Reset(b.delay)
		}
	}
	return len(p), nil
}

// Flush writes what is buffered, and returns the first error the
// underlying writer gave.
func (b *Writer) Flush() error {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.flushLocked()
	return b.err
}

func (b *Writer) flushLocked() {
	if b.pending {
		b.timer.Stop()
		b.pending = false
	}
	if len(b.buf) == 0 {
		return
	}
	if _, err := b.w.Write(b.buf); err != nil && b.err == nil {
		b.err = err
	}
	if cap(b.buf) > 4*b.size {
		b.buf = nil // one burst of long lines keeps no big buffer
	} else {
		b.buf = b.buf[:0]
	}
}

// Close flushes, and makes later writes go straight through.
func (b *Writer) Close() error {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.flushLocked()
	b.closed = true
	return b.err
}

// FlushOn returns a handler that handles records as h does and, after a
// record at level or above, flushes w (which h writes to), so that
// warnings and errors are never held back.
func FlushOn(h slog.Handler, w *Writer, level slog.Level) slog.Handler {
	return &flushHandler{h, w, level}
}

type flushHandler struct {
	slog.Handler
	w     *Writer
	level slog.Level
}

func (f *flushHandler) Handle(ctx context.Context, r slog.Record) error {
	err := f.Handler.Handle(ctx, r)
	if r.Level >= f.level {
		f.w.Flush()
	}
	return err
}

func (f *flushHandler) WithAttrs(as []slog.Attr) slog.Handler {
	return &flushHandler{f.Handler.WithAttrs(as), f.w, f.level}
}

func (f *flushHandler) WithGroup(name string) slog.Handler {
	return &flushHandler{f.Handler.WithGroup(name), f.w, f.level}
}
