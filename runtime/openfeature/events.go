package openfeature

import (
	"errors"
	"slices"
	"time"

	of "github.com/open-feature/go-sdk/openfeature"

	"github.com/flaggen/flaggen/runtime"
)

// Init starts following the Client: its health every HealthInterval and
// its live changes (see the package doc). The SDK calls it when the
// provider is set, and marks the provider READY when it returns; a second
// Init before Shutdown does nothing.
func (p *Provider) Init(of.EvaluationContext) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.done != nil {
		return nil
	}
	done := make(chan struct{})
	p.done = done
	p.pmu.Lock()
	clear(p.pending)
	p.pmu.Unlock()
	p.stop = p.c.OnChange(p.changed)
	p.wg.Add(1)
	go p.follow(done)
	return nil
}

// Shutdown stops following the Client and waits for the provider's
// goroutine to end; it does not close the Client. The SDK calls it when the
// provider is replaced or the SDK shuts down.
func (p *Provider) Shutdown() {
	p.mu.Lock()
	done, stop := p.done, p.stop
	p.done, p.stop = nil, nil
	p.mu.Unlock()
	if done == nil {
		return
	}
	stop()
	close(done)
	p.wg.Wait()
}

// EventChannel returns the channel of the provider's events, which the SDK
// reads.
func (p *Provider) EventChannel() <-chan of.Event { return p.events }

// changed is the Client's OnChange listener: it notes the changed flags
// for follow, never blocking.
func (p *Provider) changed(names []string) {
	p.pmu.Lock()
	for _, n := range names {
		p.pending[n] = true
	}
	p.pmu.Unlock()
	select {
	case p.kick <- struct{}{}:
	default:
	}
}

// follow sends PROVIDER_CONFIGURATION_CHANGED for noted changes and
// PROVIDER_STALE or PROVIDER_READY when the store's health changes, until
// done is closed.
func (p *Provider) follow(done <-chan struct{}) {
	defer p.wg.Done()
	t := time.NewTicker(p.interval)
	defer t.Stop()
	stale := false // the SDK marks the provider READY after Init
	for {
		var ev of.Event
		select {
		case <-done:
			return
		case <-p.kick:
			p.pmu.Lock()
			names := make([]string, 0, len(p.pending))
			for n := range p.pending {
				names = append(names, n)
			}
			clear(p.pending)
			p.pmu.Unlock()
			if len(names) == 0 {
				continue
			}
			slices.Sort(names)
			ev = of.Event{ProviderName: Name, EventType: of.ProviderConfigChange,
				ProviderEventDetails: of.ProviderEventDetails{Message: "live state changed", FlagChanges: names}}
		case <-t.C:
			err := p.c.Health()
			if degraded(err) == stale {
				continue
			}
			stale = !stale
			ev = of.Event{ProviderName: Name, EventType: of.ProviderReady,
				ProviderEventDetails: of.ProviderEventDetails{Message: "the store is healthy again"}}
			if stale {
				ev.EventType = of.ProviderStale
				ev.Message = "the store is degraded, evaluating from the last good state: " + err.Error()
			}
		}
		select {
		case p.events <- ev:
		case <-done:
			return
		}
	}
}

// degraded reports whether err, from Client.Health, is a store problem
// (a refused live patch is not).
func degraded(err error) bool {
	if err == nil {
		return false
	}
	_, refused := errors.AsType[*runtime.RefusedError](err)
	return !refused
}
