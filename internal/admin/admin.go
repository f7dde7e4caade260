package admin

import (
	"errors"
	"net/http"
	"net/url"
	"strings"

	"github.com/flaggen/flaggen/internal/ops"
)

// Prefix is the path under which the admin API is mounted.
const Prefix = "/admin/v1/"

// DefaultMaxBody is the default limit of a request body, in bytes.
const DefaultMaxBody = 64 << 10

// Config configures the admin API.
type Config struct {
	// Session is the live state the API reads and writes (ops.Open on a
	// Redis, ops.OpenStore on another store); each request works on its
	// own ops.Session.Fork. The caller closes it.
	Session *ops.Session
	// Actor returns the authenticated identity of a request (the name of
	// its admin token), recorded in the audit trail; "" refuses the
	// request (401).
	Actor func(*http.Request) string
	// MaxBody limits a request body in bytes; 0 means DefaultMaxBody.
	MaxBody int64
}

// handler is the admin API.
type handler struct {
	cfg  Config
	csrf *http.CrossOriginProtection
}

// New returns the admin API over cfg.Session.
func New(cfg Config) (http.Handler, error) {
	if cfg.Session == nil {
		return nil, errors.New("admin: Config.Session is nil")
	}
	if cfg.Actor == nil {
		return nil, errors.New("admin: Config.Actor is nil: the audit trail needs the authenticated identity")
	}
	if cfg.MaxBody <= 0 {
		cfg.MaxBody = DefaultMaxBody
	}
	return &handler{cfg: cfg, csrf: http.NewCrossOriginProtection()}, nil
}

// route is one endpoint: the method it answers and what serves it; arg
// is the flag or release name the path holds.
type route struct {
	method string
	serve  func(h *handler, rq *request)
}

// request is one request being served.
type request struct {
	w     http.ResponseWriter
	r     *http.Request
	s     *ops.Session // this request's fork
	actor string
	arg   string // the {name} of the path, if any
}

func (h *handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	actor := h.cfg.Actor(r)
	if actor == "" {
		writeError(w, &apiError{http.StatusUnauthorized, "unauthorized", "an admin token is required", ""})
		return
	}
	routes, arg, ok := match(r.URL.EscapedPath())
	if !ok {
		writeError(w, &apiError{http.StatusNotFound, "not_found", "no such admin route: " + ops.Shown(r.URL.Path) + " (see GET " + Prefix + "flags)", ""})
		return
	}
	var allow []string
	for _, rt := range routes {
		if rt.method == r.Method {
			rq := &request{w: w, r: r, s: h.cfg.Session.Fork(), actor: actor, arg: arg}
			if rt.method != http.MethodGet {
				if err := h.checkWrite(r); err != nil {
					writeError(w, err)
					return
				}
			}
			rt.serve(h, rq)
			return
		}
		allow = append(allow, rt.method)
	}
	w.Header().Set("Allow", strings.Join(allow, ", "))
	writeError(w, &apiError{http.StatusMethodNotAllowed, "method_not_allowed", r.Method + " is not allowed here: want " + strings.Join(allow, " or "), ""})
}

// match returns the routes of path, the request's escaped path (with or
// without Prefix), and the name it holds. Segments are split before they
// are unescaped, so a name holding "/" (sent as %2F) stays one name.
func match(path string) (routes []route, arg string, ok bool) {
	rest, found := strings.CutPrefix(path, strings.TrimSuffix(Prefix, "/"))
	if !found {
		rest = path
	}
	seg := strings.Split(strings.Trim(rest, "/"), "/")
	for i, s := range seg {
		u, err := url.PathUnescape(s)
		if err != nil {
			return nil, "", false
		}
		seg[i] = u
	}
	get := func(f func(*handler, *request)) route { return route{http.MethodGet, f} }
	post := func(f func(*handler, *request)) route { return route{http.MethodPost, f} }
	switch {
	case len(seg) == 1 && seg[0] == "flags":
		return []route{get((*handler).listFlags)}, "", true
	case len(seg) == 1 && seg[0] == "releases":
		return []route{get((*handler).listReleases)}, "", true
	case len(seg) == 1 && seg[0] == "audit":
		return []route{get((*handler).audit)}, "", true
	case len(seg) == 1 && seg[0] == "feedback":
		return []route{get((*handler).feedback)}, "", true
	case len(seg) == 1 && seg[0] == "health":
		return []route{get((*handler).health)}, "", true
	case len(seg) == 1 && seg[0] == "segments":
		return []route{get((*handler).listSegments)}, "", true
	case len(seg) == 2 && seg[0] == "segments" && seg[1] != "":
		return []route{get((*handler).getSegment), {http.MethodPatch, (*handler).patchSegment}}, seg[1], true
	case len(seg) == 2 && seg[0] == "flags" && seg[1] != "":
		return []route{get((*handler).getFlag), {http.MethodPatch, (*handler).patch}}, seg[1], true
	case len(seg) == 2 && seg[0] == "releases" && seg[1] != "":
		return []route{get((*handler).getRelease)}, seg[1], true
	case len(seg) == 3 && seg[0] == "flags" && seg[1] != "":
		switch seg[2] {
		case "enable":
			return []route{post((*handler).enable)}, seg[1], true
		case "disable":
			return []route{post((*handler).disable)}, seg[1], true
		case "rollout":
			return []route{post((*handler).rollout)}, seg[1], true
		case "reset":
			return []route{post((*handler).reset)}, seg[1], true
		case "audit":
			return []route{get((*handler).audit)}, seg[1], true
		case "feedback":
			return []route{get((*handler).feedback)}, seg[1], true
		}
	case len(seg) == 4 && seg[0] == "flags" && seg[1] != "" && seg[2] == "exposure" && seg[3] == "reset":
		return []route{post((*handler).resetExposure)}, seg[1], true
	case len(seg) == 3 && seg[0] == "releases" && seg[1] != "" && (seg[2] == "on" || seg[2] == "off"):
		if seg[2] == "on" {
			return []route{post((*handler).releaseOn)}, seg[1], true
		}
		return []route{post((*handler).releaseOff)}, seg[1], true
	}
	return nil, "", false
}
