package runtime

import (
	"context"
	"encoding/json"
	"fmt"
	goruntime "runtime"
	"strconv"
	"strings"
	"testing"

	"github.com/flaggen/flaggen/internal/spec"
	"github.com/flaggen/flaggen/runtime/memstore"
	"github.com/flaggen/flaggen/runtime/store"
)

// usersList returns a JSON array of n distinct 8-digit integer user ids,
// not in order.
func usersList(n int) []byte {
	out := make([]byte, 0, n*10)
	out = append(out, '[')
	for i := range n {
		if i > 0 {
			out = append(out, ',')
		}
		out = strconv.AppendInt(out, 10_000_000+int64((i*7919)%n), 10)
	}
	return append(out, ']')
}

// usersSpec returns a spec whose flag "big" allow-lists n users.
func usersSpec(n int) []byte {
	return fmt.Appendf(nil, `{"flags": {"big": {"active": true, "percentage_rollout": 0, "users": %s}, "other": {"active": true}}}`, usersList(n))
}

// heapInUse returns the bytes of live heap after a full collection.
func heapInUse() uint64 {
	goruntime.GC()
	goruntime.GC()
	var m goruntime.MemStats
	goruntime.ReadMemStats(&m)
	return m.HeapAlloc
}

// BenchmarkLoadSpecUsers1M: LoadSpec of a spec whose one flag allow-lists
// 1,000,000 users, what a program with such a spec does at start.
func BenchmarkLoadSpecUsers1M(b *testing.B) {
	src := usersSpec(1_000_000)
	b.SetBytes(int64(len(src)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := LoadSpec("flags.json", src); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkAllowListHeap reports the heap a Client holds per allow-list
// entry of a live patch (B/entry: the ids are 8-digit integers, 8 bytes
// as int64; the goal is at most 4× that), measured after a Client starts
// over a store holding the patch, and the time that start takes.
func BenchmarkAllowListHeap(b *testing.B) {
	const n = 100_000
	s, err := LoadSpec("flags.json", usersSpec(10))
	if err != nil {
		b.Fatal(err)
	}
	patch := json.RawMessage(fmt.Appendf(nil, `{"users": %s}`, usersList(n)))
	ctx := context.Background()
	backend := memstore.New()
	if _, err := backend.Apply(ctx, store.Change{Actor: "ops", Flags: map[string]json.RawMessage{"big": patch}}); err != nil {
		b.Fatal(err)
	}
	key := []Value{Int(10_000_000 + 7919%n)}
	var perEntry float64
	for b.Loop() {
		b.StopTimer()
		base := heapInUse()
		b.StartTimer()
		c, err := NewClient(s, WithStore(backend), WithLogger(quietLogger))
		if err != nil {
			b.Fatal(err)
		}
		b.StopTimer()
		perEntry = float64(int64(heapInUse())-int64(base)) / n
		if !c.evalBool(0, key) {
			b.Fatal("a listed user is off")
		}
		c.Close()
		b.StartTimer()
	}
	b.ReportMetric(perEntry, "B/entry")
}

// TestLargePatchRevertFreesMemory: a Client that applied a live patch of
// the largest allow-list a patch may hold, and then a revert, holds about
// the heap it held before: no cache keeps the large patch's text or tree.
// (The store, in the same process, keeps the patch in its audit trail.)
func TestLargePatchRevertFreesMemory(t *testing.T) {
	s, err := LoadSpec("flags.json", usersSpec(10))
	if err != nil {
		t.Fatal(err)
	}
	patch := json.RawMessage(fmt.Appendf(nil, `{"users": %s}`, usersList(spec.MaxPatchList)))
	ctx := context.Background()
	c := newClient(t, s, WithStore(memstore.New()))
	key := []Value{Int(10_000_000 + 7919%spec.MaxPatchList)}
	base := heapInUse()
	if err := c.Set(ctx, "big", patch, "ops", "wide beta"); err != nil {
		t.Fatal(err)
	}
	if !c.evalBool(0, key) {
		t.Fatal("a listed user is off")
	}
	applied := int64(heapInUse()) - int64(base)
	if err := c.Change(ctx, Edit{Actor: "ops", Replace: true, Flags: map[string]json.RawMessage{"big": json.RawMessage(`{}`)}}); err != nil {
		t.Fatal(err)
	}
	if c.evalBool(0, key) {
		t.Fatal("the user is still listed after the revert")
	}
	held := int64(heapInUse()) - int64(base)
	t.Logf("patch %d bytes: heap +%d KiB applied, +%d KiB after the revert", len(patch), applied>>10, held>>10)
	if limit := int64(2*len(patch) + 1<<20); held > limit {
		t.Fatalf("after the revert the heap holds %d bytes more than before (the store's copies and slack: at most %d)", held, limit)
	}
}

// TestPatchOverLimitRefused: a write of a list over spec.MaxPatchList is
// refused naming the flag, the field and the limit, and nothing is
// written; such a value found in the store is refused like any bad value:
// the flag is served as the spec defines it while other flags' changes
// apply.
func TestPatchOverLimitRefused(t *testing.T) {
	s, err := LoadSpec("flags.json", usersSpec(10))
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	backend := memstore.New()
	c := newClient(t, s, WithStore(backend))
	if err := c.Set(ctx, "big", json.RawMessage(`{"users": [42]}`), "ops", ""); err != nil {
		t.Fatal(err)
	}
	before, _ := backend.Load(ctx)
	over := json.RawMessage(fmt.Appendf(nil, `{"users": %s}`, usersList(spec.MaxPatchList+1)))
	err = c.Set(ctx, "big", over, "ops", "")
	if want := `live change refused: flag "big": patch:1:10: /users: 100001 entries, over the limit of 100000 entries for a list in a live patch`; err == nil || err.Error() != want {
		t.Fatalf("error %v, want %s", err, want)
	}
	if after, _ := backend.Load(ctx); after.Version != before.Version {
		t.Fatalf("a refused write moved the version from %d to %d", before.Version, after.Version)
	}
	if _, err := backend.Apply(ctx, store.Change{Actor: "hand", Flags: map[string]json.RawMessage{"big": over, "other": json.RawMessage(`{"active": false}`)}}); err != nil {
		t.Fatal(err)
	}
	waitFor(t, func() bool { return !c.evalBool(1, nil) })
	if c.evalBool(0, []Value{Int(42)}) || !c.evalBool(0, []Value{Int(10_000_000)}) {
		t.Fatal("the flag with a stored patch over the limit is not served as the spec defines it")
	}
	if err := c.Health(); err == nil || !strings.Contains(err.Error(), "big: patch:1:11: /users: 100001 entries") {
		t.Fatalf("Health() = %v, want the refusal of big's patch", err)
	}
	// That the Client's cache of decoded patches keeps no large patch text
	// is spec.TestLiveCacheHoldsNoLargeText's.
}
