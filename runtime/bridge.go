package runtime

import (
	"github.com/flaggen/flaggen/internal/bridge"
	"github.com/flaggen/flaggen/internal/spec"
)

func init() {
	bridge.CoreOf = func(client any) bridge.Core {
		c := client.(*Client)
		core := bridge.Core{Snap: &c.snap, BindBoolStates: c.bindBoolStates}
		if c.observed {
			core.After = c.afterHooks
		}
		return core
	}
	bridge.InitFlag = func(dst, s any, index int, name string) {
		dst.(flagInit).init(s.(*Spec), index, name)
	}
	bridge.SpecOf = func(s any) *spec.Spec { return s.(*Spec).m }
	bridge.NewEvaluator = func(client any) any {
		c := client.(*Client)
		return bridge.Evaluator[Value]{Decide: c.decide, Revision: c.revision, Version: c.liveVersion, Snapshot: c.snap.Load, DecideOn: decideOn}
	}
}

// flagInit is any *Flag[T].
type flagInit interface {
	init(s *Spec, index int, name string)
}
