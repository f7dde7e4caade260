package openfeature

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	of "github.com/open-feature/go-sdk/openfeature"

	"github.com/flaggen/flaggen/internal/bridge"
	"github.com/flaggen/flaggen/internal/evalmap"
	"github.com/flaggen/flaggen/internal/spec"
	"github.com/flaggen/flaggen/runtime"
)

// Name is the provider's name in its Metadata and events.
const Name = "flaggen"

// DefaultHealthInterval is how often a Provider polls the Client's health
// without WithHealthInterval.
const DefaultHealthInterval = time.Second

// Option configures a Provider.
type Option func(*Provider)

// WithHealthInterval sets how often the Provider polls runtime.Client.Health
// for PROVIDER_STALE and PROVIDER_READY events. Default:
// DefaultHealthInterval.
func WithHealthInterval(d time.Duration) Option {
	return func(p *Provider) { p.interval = d }
}

// Provider is an OpenFeature provider over a runtime.Client (see the
// package doc). It is safe for concurrent use.
type Provider struct {
	c        *runtime.Client
	ev       bridge.Evaluator[runtime.Value]
	mapper   *evalmap.Mapper
	byName   map[string]int
	flags    []*spec.Flag // the spec's flags, by index (not to be changed)
	meta     []of.FlagMetadata
	vals     sync.Pool // *[]runtime.Value
	interval time.Duration
	now      func() time.Time
	events   chan of.Event

	mu   sync.Mutex
	done chan struct{} // closed by Shutdown; nil while not running
	stop func()        // unregisters the OnChange listener
	wg   sync.WaitGroup

	pmu     sync.Mutex
	pending map[string]bool // changed flags not yet sent
	kick    chan struct{}   // pending has news
}

// Interfaces a Provider implements.
var (
	_ of.FeatureProvider = (*Provider)(nil)
	_ of.StateHandler    = (*Provider)(nil)
	_ of.EventHandler    = (*Provider)(nil)
)

// New returns a Provider over c. It follows c (health and live changes)
// from Init to Shutdown, which the SDK calls.
func New(c *runtime.Client, opts ...Option) (*Provider, error) {
	if c == nil {
		return nil, fmt.Errorf("openfeature: nil Client")
	}
	s := c.Spec()
	m := bridge.SpecOf(s)
	p := &Provider{
		c:        c,
		ev:       bridge.EvaluatorOf[runtime.Value](c),
		mapper:   evalmap.NewMapper(s, 0),
		byName:   make(map[string]int, len(m.Flags)),
		flags:    m.Flags,
		interval: DefaultHealthInterval,
		now:      time.Now,
		events:   make(chan of.Event, 16),
		pending:  map[string]bool{},
		kick:     make(chan struct{}, 1),
	}
	for _, o := range opts {
		o(p)
	}
	if p.interval <= 0 {
		return nil, fmt.Errorf("openfeature: health interval %v: want a positive duration", p.interval)
	}
	for i, f := range m.Flags {
		p.byName[f.Name] = i
		md := of.FlagMetadata{}
		for k, v := range map[string]string{"owner": f.Owner, "kind": f.Kind, "description": f.Description, "expires": f.ExpiresText()} {
			if v != "" {
				md[k] = v
			}
		}
		p.meta = append(p.meta, md)
	}
	nattr := len(s.Attributes())
	p.vals.New = func() any { v := make([]runtime.Value, nattr); return &v }
	return p, nil
}

// Metadata returns the provider's name.
func (p *Provider) Metadata() of.Metadata { return of.Metadata{Name: Name} }

// Hooks returns no hooks.
func (p *Provider) Hooks() []of.Hook { return nil }

// flagTypes maps each OpenFeature type to the spec types it evaluates.
var flagTypes = map[of.Type][]spec.Type{
	of.Boolean: {spec.Bool},
	of.String:  {spec.String, spec.Enum},
	of.Int:     {spec.Int},
	of.Float:   {spec.Float},
}

// ofTypes names the OpenFeature evaluation for each spec type.
var ofTypes = map[spec.Type]string{spec.Bool: "boolean", spec.String: "string", spec.Enum: "string", spec.Int: "int", spec.Float: "float"}

// resolve evaluates flag as type t over flatCtx; the Client's hooks see
// ctx, once, when the cascade decides (not for an unknown flag, a type
// mismatch or an invalid context). ok is false when the detail holds an
// error, and d is then the zero Decision.
func (p *Provider) resolve(ctx context.Context, flag string, t of.Type, flatCtx of.FlattenedContext) (d bridge.Decision, res of.ProviderResolutionDetail, ok bool) {
	i, found := p.byName[flag]
	if !found {
		msg := "flag " + strconv.Quote(flag) + " is not in the spec"
		if close := p.c.Spec().CloseFlags(flag); len(close) > 0 {
			msg += " (did you mean " + strings.Join(close, ", ") + "?)"
		}
		return d, errDetail(of.NewFlagNotFoundResolutionError(msg), nil), false
	}
	f := p.flags[i]
	md := p.metadata(i)
	if !slices.Contains(flagTypes[t], f.Type) {
		msg := fmt.Sprintf("flag %q has type %s: evaluate it as %s, not %s", flag, f.Type, ofTypes[f.Type], typeName(t))
		return d, errDetail(of.NewTypeMismatchResolutionError(msg), md), false
	}
	vp := p.vals.Get().(*[]runtime.Value)
	defer p.vals.Put(vp)
	clear(*vp)
	cb := p.mapper.Begin(*vp)
	for k, v := range flatCtx {
		cb.Go(k, v)
	}
	if err := cb.Finish(); err != nil {
		return d, errDetail(of.NewInvalidContextResolutionError(err.Error()), md), false
	}
	d, err := p.decide(ctx, i, *vp)
	if err != nil {
		return d, errDetail(of.NewGeneralResolutionError(err.Error(), err), md), false
	}
	if d.NoKey {
		return bridge.Decision{}, errDetail(of.NewTargetingKeyMissingResolutionError(p.mapper.NoKeyMessage()), md), false
	}
	return d, of.ProviderResolutionDetail{
		Reason:       of.Reason(evalmap.ReasonOf(d).String()),
		Variant:      evalmap.Variant(d),
		FlagMetadata: md,
	}, true
}

// decide is the bridge's Decide (hooks included, with ctx) with a panic
// turned into an error.
func (p *Provider) decide(ctx context.Context, i int, vals []runtime.Value) (d bridge.Decision, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("evaluating flag %q: panic: %v", p.flags[i].Name, r)
		}
	}()
	return p.ev.Decide(ctx, i, vals), nil
}

// typeName names an OpenFeature type as its evaluation does.
func typeName(t of.Type) string {
	if fts, ok := flagTypes[t]; ok {
		return ofTypes[fts[0]]
	}
	return "object"
}

// metadata returns flag i's metadata, a copy of its own.
func (p *Provider) metadata(i int) of.FlagMetadata {
	md := maps.Clone(p.meta[i])
	if p.flags[i].Expires != nil {
		md["expired"] = p.flags[i].Expired(p.now())
	}
	return md
}

// errDetail is the resolution detail of an error.
func errDetail(e of.ResolutionError, md of.FlagMetadata) of.ProviderResolutionDetail {
	return of.ProviderResolutionDetail{ResolutionError: e, Reason: of.ErrorReason, FlagMetadata: md}
}

// BooleanEvaluation evaluates a bool flag.
func (p *Provider) BooleanEvaluation(ctx context.Context, flag string, defaultValue bool, flatCtx of.FlattenedContext) of.BoolResolutionDetail {
	return evaluation(ctx, p, flag, of.Boolean, defaultValue, flatCtx)
}

// StringEvaluation evaluates a string or enum flag.
func (p *Provider) StringEvaluation(ctx context.Context, flag string, defaultValue string, flatCtx of.FlattenedContext) of.StringResolutionDetail {
	return evaluation(ctx, p, flag, of.String, defaultValue, flatCtx)
}

// IntEvaluation evaluates an int flag.
func (p *Provider) IntEvaluation(ctx context.Context, flag string, defaultValue int64, flatCtx of.FlattenedContext) of.IntResolutionDetail {
	return evaluation(ctx, p, flag, of.Int, defaultValue, flatCtx)
}

// FloatEvaluation evaluates a float flag.
func (p *Provider) FloatEvaluation(ctx context.Context, flag string, defaultValue float64, flatCtx of.FlattenedContext) of.FloatResolutionDetail {
	return evaluation(ctx, p, flag, of.Float, defaultValue, flatCtx)
}

// evaluation evaluates flag as type t (whose Go type is T) with the SDK's
// ctx: its value, or defaultValue with the error.
func evaluation[T bool | string | int64 | float64](ctx context.Context, p *Provider, flag string, t of.Type, defaultValue T, flatCtx of.FlattenedContext) of.GenericResolutionDetail[T] {
	d, res, ok := p.resolve(ctx, flag, t, flatCtx)
	out := of.GenericResolutionDetail[T]{Value: defaultValue, ProviderResolutionDetail: res}
	if ok {
		out.Value = d.Value.Any().(T)
	}
	return out
}

// ObjectEvaluation answers TYPE_MISMATCH (FLAG_NOT_FOUND for a name the spec
// lacks): flags are bool, string, int or float.
func (p *Provider) ObjectEvaluation(ctx context.Context, flag string, defaultValue any, flatCtx of.FlattenedContext) of.InterfaceResolutionDetail {
	_, res, _ := p.resolve(ctx, flag, of.Object, flatCtx)
	return of.InterfaceResolutionDetail{Value: defaultValue, ProviderResolutionDetail: res}
}
