package admin

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strings"

	"github.com/flaggen/flaggen/internal/jsonx"
	"github.com/flaggen/flaggen/internal/ops"
	"github.com/flaggen/flaggen/internal/spec"
	"github.com/flaggen/flaggen/runtime/store"
)

// apiError is an error the API answers with: its HTTP status, code,
// message and the JSON pointer (or query parameter) of the value at fault.
type apiError struct {
	status        int
	code, message string
	path          string
}

func (e *apiError) Error() string { return e.message }

func invalid(path, format string, args ...any) *apiError {
	return &apiError{http.StatusUnprocessableEntity, "invalid", fmt.Sprintf(format, args...), path}
}

func notFound(err error) *apiError {
	return &apiError{http.StatusNotFound, "not_found", err.Error(), ""}
}

// writeError answers with err as {"error": {"code", "message", "path"}}.
func writeError(w http.ResponseWriter, err *apiError) {
	type body struct {
		Code    string `json:"code"`
		Message string `json:"message"`
		Path    string `json:"path,omitempty"`
	}
	writeJSON(w, err.status, struct {
		Error body `json:"error"`
	}{body{err.code, err.message, err.path}})
}

// writeJSON answers with status and v as JSON.
func writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := jsonx.MarshalCompact(v)
	if err != nil { // a value read from the store that does not encode
		status = http.StatusInternalServerError
		b, _ = jsonx.MarshalCompact(map[string]map[string]string{"error": {"code": "internal", "message": "encoding the answer: " + err.Error()}})
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	w.Write(append(b, '\n'))
}

// fail answers with err, a failure to read or write the live state (write:
// of a write), classified by what it says about the request.
func (rq *request) fail(err error, write bool) {
	var ae *apiError
	var ue *ops.UsageError
	var sl spec.ErrorList
	switch {
	case errors.As(err, &ae):
	case rq.s.StoreHealth() != nil || errors.Is(err, store.ErrClosed) || errors.Is(err, context.DeadlineExceeded) && !errors.Is(err, store.ErrConflict):
		ae = &apiError{http.StatusServiceUnavailable, "store_unavailable", err.Error(), ""}
	case errors.Is(err, store.ErrConflict):
		ae = &apiError{http.StatusConflict, "conflict", err.Error(), ""}
	case errors.Is(err, ops.ErrNotRecorded):
		ae = &apiError{http.StatusConflict, "not_recorded", err.Error(), ""}
	case errors.As(err, &ue):
		ae = invalid("", "%s", ue.Msg)
	case errors.As(err, &sl) && len(sl) > 0:
		ae = invalid("/patch"+sl[0].Pointer, "%s", err.Error())
	case write:
		ae = invalid("", "%s", err.Error())
	default:
		ae = &apiError{http.StatusInternalServerError, "internal", err.Error(), ""}
	}
	writeError(rq.w, ae)
}

// checkWrite refuses a write that a browser may have sent from another
// origin, or that is not JSON (an HTML form cannot send JSON).
func (h *handler) checkWrite(r *http.Request) *apiError {
	if err := h.csrf.Check(r); err != nil {
		return &apiError{http.StatusForbidden, "forbidden", "cross-origin write refused: " + err.Error(), ""}
	}
	mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil || mt != "application/json" {
		return &apiError{http.StatusUnsupportedMediaType, "unsupported_media_type", "a write needs Content-Type: application/json", ""}
	}
	return nil
}

// decode reads the request body, one JSON object of the fields of v (an
// empty body is {}), into v.
func (h *handler) decode(rq *request, v any) *apiError {
	body, err := io.ReadAll(http.MaxBytesReader(rq.w, rq.r.Body, h.cfg.MaxBody))
	var tooBig *http.MaxBytesError
	if errors.As(err, &tooBig) {
		return &apiError{http.StatusRequestEntityTooLarge, "too_large", fmt.Sprintf("the request body exceeds %d bytes", tooBig.Limit), ""}
	}
	if err != nil {
		return &apiError{http.StatusBadRequest, "bad_request", "reading the request body: " + err.Error(), ""}
	}
	if len(bytes.TrimSpace(body)) == 0 {
		body = []byte("{}")
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	err = dec.Decode(v)
	if err == nil {
		if _, tok := dec.Token(); tok != io.EOF {
			err = errors.New("trailing data after the JSON object")
		}
	}
	if err == nil {
		return nil
	}
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.Is(err, io.ErrUnexpectedEOF):
		return &apiError{http.StatusBadRequest, "bad_request", "the request body is not JSON: it ends too soon", ""}
	case errors.As(err, &syn):
		return &apiError{http.StatusBadRequest, "bad_request", fmt.Sprintf("the request body is not JSON (byte %d): %v", syn.Offset, err), ""}
	case errors.As(err, &typ):
		if typ.Field == "" {
			return &apiError{http.StatusBadRequest, "bad_request", "the request body must be a JSON object, not " + typ.Value, ""}
		}
		return invalid(pointer(typ.Field), "%s must be %s, not %s", pointer(typ.Field), kind(typ.Type.String()), typ.Value)
	}
	if f, ok := strings.CutPrefix(err.Error(), "json: unknown field "); ok {
		return invalid(pointer(strings.Trim(f, `"`)), "unknown field %s", f)
	}
	return &apiError{http.StatusBadRequest, "bad_request", "the request body: " + err.Error(), ""}
}

// pointer turns encoding/json's dotted field path into a JSON pointer.
func pointer(field string) string {
	parts := strings.Split(field, ".")
	for i, p := range parts {
		parts[i] = strings.NewReplacer("~", "~0", "/", "~1").Replace(p)
	}
	return "/" + strings.Join(parts, "/")
}

// kind names a Go type of a request field as JSON does.
func kind(goType string) string {
	switch strings.TrimPrefix(goType, "*") {
	case "string":
		return "a string"
	case "float64":
		return "a number"
	case "bool":
		return "true or false"
	case "[]string":
		return "an array of strings"
	}
	return "a JSON object"
}
