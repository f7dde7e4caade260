package runtime

import (
	"context"
	"crypto/sha256"
	"os"
	"strconv"
	"sync/atomic"
	"testing"
)

// These benchmarks mirror what generated code does (see generated/demo once
// it exists): accessors try the constant first, then build a stack array
// of attribute values. Floors measure the unavoidable work.

type demoCtx struct {
	UserID      int64
	Region      string
	AccountType string
	BetaProgram bool
	Device      string
	AppVersion  string
	SignupDate  string
	CartTotal   float64
}

func (c *demoCtx) flagAttrs() (a [8]Value) {
	if c.UserID != 0 {
		a[0] = Int(c.UserID)
	}
	if c.Region != "" {
		a[1] = String(c.Region)
	}
	if c.AccountType != "" {
		a[2] = String(c.AccountType)
	}
	if c.BetaProgram {
		a[3] = Bool(true)
	}
	if c.Device != "" {
		a[4] = String(c.Device)
	}
	if c.AppVersion != "" {
		a[5] = String(c.AppVersion)
	}
	if c.SignupDate != "" {
		a[6] = String(c.SignupDate)
	}
	if c.CartTotal != 0 {
		a[7] = Float(c.CartTotal)
	}
	return
}

func benchClient(b *testing.B) (*Client, *Spec) {
	src, err := os.ReadFile("../testdata/demo/flags.json")
	if err != nil {
		b.Fatal(err)
	}
	s, err := LoadSpec("flags.json", src)
	if err != nil {
		b.Fatal(err)
	}
	c, err := NewClient(s, WithLogger(quietLogger))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { c.Close() })
	return c, s
}

func boolAccessor(c *Client, ctx context.Context, i int, x demoCtx) bool {
	if v, ok := c.ConstBool(i); ok {
		return v
	}
	a := x.flagAttrs()
	return c.Bool(ctx, i, a[:])
}

func stringAccessor(c *Client, ctx context.Context, i int, x demoCtx) string {
	if v, ok := c.ConstString(i); ok {
		return v
	}
	a := x.flagAttrs()
	return c.String(ctx, i, a[:])
}

var sinkB bool
var sinkS string

// BenchmarkNewUI: the seed's new_ui for users who reach the rollout step
// (one SHA-256 each), user ids varying.
func BenchmarkNewUI(b *testing.B) {
	c, s := benchClient(b)
	i := s.byName["new_ui"]
	ctx := context.Background()
	x := demoCtx{UserID: 1000, Region: "US", AccountType: "premium", BetaProgram: true}
	b.ReportAllocs()
	for b.Loop() {
		x.UserID++
		sinkB = boolAccessor(c, ctx, i, x)
	}
}

// BenchmarkSHA256Floor: sha256.Sum256 of an input like new_ui's.
func BenchmarkSHA256Floor(b *testing.B) {
	in := []byte(strconv.Itoa(1234567) + "new_ui")
	var sum [32]byte
	b.ReportAllocs()
	for b.Loop() {
		in[0]++
		sum = sha256.Sum256(in)
	}
	sinkB = sum[0] == 0
}

// BenchmarkOnOff: maintenance_mode, a plain on/off flag (constant).
func BenchmarkOnOff(b *testing.B) {
	c, s := benchClient(b)
	i := s.byName["maintenance_mode"]
	ctx := context.Background()
	x := demoCtx{UserID: 1000, Region: "US"}
	b.ReportAllocs()
	for b.Loop() {
		sinkB = boolAccessor(c, ctx, i, x)
	}
}

type flagRow struct{ on bool }

// BenchmarkAtomicFloor: an atomic pointer load and a slice index.
func BenchmarkAtomicFloor(b *testing.B) {
	var p atomic.Pointer[[]flagRow]
	rows := make([]flagRow, 8)
	p.Store(&rows)
	i := 3
	b.ReportAllocs()
	for b.Loop() {
		sinkB = (*p.Load())[i].on
	}
}

// BenchmarkVariant: checkout_button, a 50/50 string experiment.
func BenchmarkVariant(b *testing.B) {
	c, s := benchClient(b)
	i := s.byName["checkout_button"]
	ctx := context.Background()
	x := demoCtx{UserID: 1000}
	b.ReportAllocs()
	for b.Loop() {
		x.UserID++
		sinkS = stringAccessor(c, ctx, i, x)
	}
}

type searchService interface{ Search(string) string }
type oldSearch struct{}
type newSearch struct{}

func (oldSearch) Search(q string) string { return q }
func (newSearch) Search(q string) string { return q }

// BenchmarkStrategy: a strategy factory's Get for advanced_search (depends
// on new_ui, regions, rollout) returning the implementation.
func BenchmarkStrategy(b *testing.B) {
	c, s := benchClient(b)
	i := s.byName["advanced_search"]
	ctx := context.Background()
	impls := [2]searchService{newSearch{}, oldSearch{}}
	x := demoCtx{UserID: 1000, Region: "US", AccountType: "premium", BetaProgram: true}
	var sink searchService
	b.ReportAllocs()
	for b.Loop() {
		x.UserID++
		if boolAccessor(c, ctx, i, x) {
			sink = impls[0]
		} else {
			sink = impls[1]
		}
	}
	_ = sink
}

// BenchmarkBucket: the bucketing step alone (format id, hash, fold).
func BenchmarkBucket(b *testing.B) {
	id := int64(1000)
	b.ReportAllocs()
	for b.Loop() {
		id++
		sinkB = bucketInt(id, "new_ui") < 90
	}
}
