package flaghttp

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"unsafe"

	"github.com/cespare/xxhash/v2"

	"github.com/flaggen/flaggen/internal/bridge"
	"github.com/flaggen/flaggen/internal/evalmap"
	"github.com/flaggen/flaggen/internal/jsonx"
	"github.com/flaggen/flaggen/runtime"
)

// OFREP error codes.
const (
	codeNotFound   = "FLAG_NOT_FOUND"
	codeParse      = "PARSE_ERROR"
	codeNoKey      = "TARGETING_KEY_MISSING"
	codeInvalidCtx = "INVALID_CONTEXT"
	codeGeneral    = "GENERAL"
)

// ctxError is a request error: its OFREP code, HTTP status and message.
type ctxError struct {
	code   string
	status int
	msg    string
}

// readBody reads r's body into *buf, up to the body limit.
func (h *handler) readBody(r *http.Request, buf *[]byte) *ctxError {
	b := (*buf)[:0]
	if r.Body == nil {
		return nil
	}
	limit := h.cfg.MaxBodyBytes
	for {
		if len(b) == cap(b) {
			b = slices.Grow(b, max(len(b), 512))
		}
		n, err := r.Body.Read(b[len(b):cap(b)])
		b = b[:len(b)+n]
		if int64(len(b)) > limit {
			*buf = b
			return &ctxError{codeParse, http.StatusRequestEntityTooLarge, fmt.Sprintf("request body larger than %d bytes", limit)}
		}
		if err != nil {
			*buf = b
			if errors.Is(err, io.EOF) {
				return nil
			}
			return &ctxError{codeParse, http.StatusBadRequest, "reading the request body: " + err.Error()}
		}
	}
}

// parseContext decodes an OFREP request body into vals (attribute values
// in the spec's order, all absent on entry). The scanner reads the usual
// body without allocating, mapping the context's members as it walks the
// body; a body it does not take whole (invalid JSON, escaped member names,
// "context" more than once) goes through encoding/json.
func (h *handler) parseContext(body []byte, vals []runtime.Value, public bool) *ctxError {
	body = bytes.TrimSpace(body)
	if len(body) == 0 {
		return nil
	}
	cb := h.mapper.Begin(vals)
	ctx, n, ok := contextOf(body, func(name []byte, esc bool, val []byte) bool {
		if esc {
			return false
		}
		cb.JSON(name[1:len(name)-1], val)
		return true
	})
	if !ok || n > 1 {
		return h.parseContextSlow(body, vals, public)
	}
	if ctx == nil || string(ctx) == "null" {
		return nil
	}
	if ctx[0] != '{' {
		return &ctxError{codeInvalidCtx, http.StatusBadRequest, "context: want a JSON object"}
	}
	return invalidContext(&cb, public)
}

// parseContextSlow is parseContext through encoding/json.
func (h *handler) parseContextSlow(body []byte, vals []runtime.Value, public bool) *ctxError {
	clear(vals)
	var req map[string]json.RawMessage // not a struct: "context" is matched exactly
	if err := json.Unmarshal(body, &req); err != nil {
		return &ctxError{codeParse, http.StatusBadRequest, "request body: " + err.Error()}
	}
	ctx := req["context"]
	if len(ctx) == 0 || string(ctx) == "null" {
		return nil
	}
	if ctx[0] != '{' {
		return &ctxError{codeInvalidCtx, http.StatusBadRequest, "context: want a JSON object"}
	}
	var attrs map[string]json.RawMessage
	if err := json.Unmarshal(ctx, &attrs); err != nil {
		return &ctxError{codeParse, http.StatusBadRequest, "context: " + err.Error()}
	}
	cb := h.mapper.Begin(vals)
	for name, raw := range attrs {
		cb.JSON([]byte(name), raw)
	}
	return invalidContext(&cb, public)
}

// invalidContext finishes cb and returns the request error of the context
// when it is invalid, else nil. A public error (for a client key) names
// only the members sent that are not valid: a browser holds the client
// key, and the spec's attributes, enum values and key attribute are none
// of its business.
func invalidContext(cb *evalmap.Context, public bool) *ctxError {
	var err error
	if public {
		err = cb.FinishPublic()
	} else {
		err = cb.Finish()
	}
	if err == nil {
		return nil
	}
	return &ctxError{codeInvalidCtx, http.StatusBadRequest, err.Error()}
}

// getVals returns a pooled slice of absent attribute values.
func (h *handler) getVals() *[]runtime.Value {
	p := h.vals.Get().(*[]runtime.Value)
	clear(*p)
	return p
}

// single serves POST /ofrep/v1/evaluate/flags/{key}, counting its
// evaluation in ec.
func (h *handler) single(w http.ResponseWriter, r *http.Request, cl class, ec evalShard, key string) {
	i, ok := h.byName[key]
	if !ok {
		writeJSON(w, http.StatusNotFound, failure(nil, key, codeNotFound, "flag "+strconv.Quote(key)+" not found"))
		return
	}
	if cl == classClient && !h.flags[i].client {
		jsonError(w, http.StatusForbidden, "flag "+strconv.Quote(key)+" is not served to client keys")
		return
	}
	bp := h.bufs.Get().(*[]byte)
	defer h.bufs.Put(bp)
	vp := h.getVals()
	defer h.vals.Put(vp)
	if e := h.readBody(r, bp); e != nil {
		writeJSON(w, e.status, failure(nil, key, e.code, e.msg))
		return
	}
	if e := h.parseContext(*bp, *vp, cl == classClient); e != nil {
		ec.inc(i, evalmap.Error)
		writeJSON(w, e.status, failure(nil, key, e.code, e.msg))
		return
	}
	d := h.ev.Decide(r.Context(), i, *vp)
	b := (*bp)[:0]
	if d.NoKey {
		ec.inc(i, evalmap.Error)
		b = failure(b, key, codeNoKey, h.noKeyMessage(cl))
		*bp = b
		writeJSON(w, http.StatusBadRequest, b)
		return
	}
	b = h.appendSuccess(b, ec, i, d)
	b = append(b, '\n')
	*bp = b
	writeJSON(w, http.StatusOK, b)
}

// noKeyMessage is the TARGETING_KEY_MISSING message for a caller of class
// cl: a client key's names no attribute.
func (h *handler) noKeyMessage(cl class) string {
	if cl == classClient {
		return evalmap.PublicNoKeyMessage
	}
	return h.mapper.NoKeyMessage()
}

// failure appends an evaluationFailure object to b.
func failure(b []byte, key, code, msg string) []byte {
	b = append(b, `{"key":`...)
	b = jsonx.AppendString(b, key)
	b = append(b, `,"errorCode":"`...)
	b = append(b, code...)
	b = append(b, `","errorDetails":`...)
	b = jsonx.AppendString(b, msg)
	return append(b, `,"reason":"ERROR"}`...)
}

// appendSuccess appends flag i's evaluationSuccess object to b and counts
// the evaluation in ec.
func (h *handler) appendSuccess(b []byte, ec evalShard, i int, d bridge.Decision) []byte {
	ri := evalmap.ReasonOf(d)
	ec.inc(i, ri)
	return h.appendObject(b, i, d.Value, reasonMembers[ri], evalmap.Variant(d))
}

// bulk serves POST /ofrep/v1/evaluate/flags, counting its evaluations in
// ec.
func (h *handler) bulk(w http.ResponseWriter, r *http.Request, cl class, ec evalShard) {
	bp := h.bufs.Get().(*[]byte)
	defer h.bufs.Put(bp)
	if e := h.readBody(r, bp); e != nil {
		writeJSON(w, e.status, bulkFailure(e.code, e.msg))
		return
	}
	out := h.bufs.Get().(*[]byte)
	defer h.bufs.Put(out)
	// The ETag, from the revision read before any evaluation (see
	// bridge.Evaluator.Revision).
	var tag [2 + 2*16]byte
	etag := h.etag(tag[:0], out, r, cl, *bp)
	hd := w.Header()
	tags := etagHeader(etag)
	if match(headerValue(r.Header, "If-None-Match"), etag) {
		hd["Etag"] = tags
		w.WriteHeader(http.StatusNotModified)
		return
	}
	vp := h.getVals()
	defer h.vals.Put(vp)
	if e := h.parseContext(*bp, *vp, cl == classClient); e != nil {
		writeJSON(w, e.status, bulkFailure(e.code, e.msg))
		return
	}
	hd["Etag"] = tags
	idx := h.allIdx
	if cl == classClient {
		idx = h.clientIdx
	}
	// Every flag on one snapshot: one response never mixes two live
	// states (half of a release switched on, say).
	ctx := r.Context()
	snap := h.ev.Snapshot()
	f := h.fragmentsOf(snap)
	b := append((*out)[:0], `{"flags":[`...)
	for n, i := range idx {
		if n > 0 {
			b = append(b, ',')
		}
		d := h.ev.DecideOn(ctx, snap, i, *vp)
		if d.NoKey {
			ec.inc(i, evalmap.Error)
			b = failure(b, h.flags[i].name, codeNoKey, h.noKeyMessage(cl))
			continue
		}
		b = h.appendDecided(b, ec, f, i, &d)
	}
	b = append(b, `],"eventStreams":[{"type":"sse","url":`...)
	b = h.appendStreamURL(b, r, cl)
	b = append(b, "}]}\n"...)
	*out = b
	writeJSON(w, http.StatusOK, b)
}

// bulkFailure is a bulkEvaluationFailure body.
func bulkFailure(code, msg string) []byte {
	b := append([]byte(`{"errorCode":"`), code...)
	b = append(b, `","errorDetails":`...)
	b = jsonx.AppendString(b, msg)
	return append(b, "}\n"...)
}

// etag appends the bulk response's quoted ETag to b: a 128-bit hash of
// the spec and environment, the Client's revision, the key class, the host
// (which the stream URL holds) and the request body. scratch is a buffer to
// hash from. A collision could only send one caller a 304 for its own
// request, so the hash need not be cryptographic: xxhash is ten times
// faster than SHA-256 here.
func (h *handler) etag(b []byte, scratch *[]byte, r *http.Request, cl class, body []byte) []byte {
	in := append((*scratch)[:0], 0)
	in = append(in, h.specID[:]...)
	in = append(in, byte(cl))
	in = append(in, h.ev.Revision()...)
	in = append(in, 0)
	in = append(in, r.Host...)
	in = append(in, 0)
	in = append(in, body...)
	*scratch = in
	var sum [16]byte
	binary.BigEndian.PutUint64(sum[:8], xxhash.Sum64(in))
	in[0] = 1 // a second, independent half
	binary.BigEndian.PutUint64(sum[8:], xxhash.Sum64(in))
	return appendQuotedHex(b, &sum)
}

// appendQuotedHex appends sum to b in lower-case hex between quotes, as
// hex.AppendEncode does, with one append.
func appendQuotedHex(b []byte, sum *[16]byte) []byte {
	const digits = "0123456789abcdef"
	var t [2 + 2*16]byte
	t[0], t[len(t)-1] = '"', '"'
	for i, c := range sum {
		t[1+2*i], t[2+2*i] = digits[c>>4], digits[c&15]
	}
	return append(b, t[:]...)
}

// etagHeader returns the header value []string{etag} in one allocation
// instead of two (the slice and the string).
func etagHeader(etag []byte) []string {
	v := new(struct {
		s   [1]string
		buf [2 + 2*16]byte
	})
	n := copy(v.buf[:], etag)
	v.s[0] = unsafe.String(&v.buf[0], n)
	return v.s[:]
}

// match reports whether an If-None-Match header lists etag (weak
// comparison, as RFC 9110 asks for If-None-Match).
func match(header string, etag []byte) bool {
	for header != "" {
		var t string
		t, header, _ = strings.Cut(header, ",")
		t = strings.TrimSpace(t)
		t = strings.TrimPrefix(t, "W/")
		if t == string(etag) {
			return true
		}
	}
	return false
}

// appendStreamURL appends the JSON string of the event stream's URL for
// class cl: under Config.PublicURL when set, else on r's host when it is a
// plain host name, else relative.
func (h *handler) appendStreamURL(b []byte, r *http.Request, cl class) []byte {
	b = append(b, '"')
	if h.cfg.PublicURL != "" {
		b = append(b, strings.TrimSuffix(h.cfg.PublicURL, "/")...)
	} else if validHost(r.Host) {
		if r.TLS != nil {
			b = append(b, "https://"...)
		} else {
			b = append(b, "http://"...)
		}
		b = append(b, r.Host...)
	}
	b = append(b, "/ofrep/v1/events?token="...)
	b = append(b, h.streamTokens[cl]...)
	return append(b, '"')
}

// validHost reports whether host is a host name or address with an
// optional port, safe to put in a URL as is.
func validHost(host string) bool {
	if host == "" || len(host) > 255 {
		return false
	}
	for i := 0; i < len(host); i++ {
		if !hostByte[host[i]] {
			return false
		}
	}
	return true
}

// hostByte marks the bytes validHost allows: letters, digits, ".-:[]".
var hostByte = func() (t [256]bool) {
	for c := range 256 {
		t[c] = 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '.' || c == '-' || c == ':' || c == '[' || c == ']'
	}
	return t
}()

// configuration builds the /ofrep/v1/configuration response and its ETag.
func (h *handler) configuration() ([]byte, string) {
	b := fmt.Appendf(nil, `{"name":"flaggen","capabilities":{"cacheInvalidation":{"polling":{"enabled":true,"minPollingIntervalMs":%d}},"flagEvaluation":{"supportedTypes":["boolean","string","int","float"]}}}`+"\n",
		h.cfg.PollInterval.Milliseconds())
	sum := sha256.Sum256(append(h.specID[:], b...))
	return b, `"` + hex.EncodeToString(sum[:20]) + `"`
}

// config serves GET /ofrep/v1/configuration.
func (h *handler) config(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("ETag", h.confETag)
	if match(r.Header.Get("If-None-Match"), []byte(h.confETag)) {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	writeJSON(w, http.StatusOK, h.confBody)
}
