package evalmap

import (
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"unsafe"

	"github.com/flaggen/flaggen/runtime"
)

// TargetingKey is the context member that holds the key attribute's value.
const TargetingKey = "targetingKey"

// Mapper maps evaluation contexts onto the declared attributes of one
// spec: every member but targetingKey is an attribute checked against its
// declared type and enum (runtime.Spec.ParseAttribute for JSON values,
// runtime.Spec.AttributeValue for Go values); targetingKey is the key
// attribute, given as a string (decimal for an int key attribute; "" or
// null is absent). It is immutable and safe for concurrent use.
type Mapper struct {
	s        *runtime.Spec
	keyAttr  string // "" when the spec declares none
	keyType  string // "int" or "string"
	maxAttrs int
}

// NewMapper returns a Mapper for s that refuses contexts of more than
// maxAttrs members (no limit when maxAttrs <= 0).
func NewMapper(s *runtime.Spec, maxAttrs int) *Mapper {
	m := &Mapper{s: s, maxAttrs: maxAttrs}
	m.keyAttr, m.keyType = s.Key()
	return m
}

// NoKeyMessage says why an answer that needs the key attribute (a rollout
// or a variant split, runtime.Decision.NoKey) could not be given.
func (m *Mapper) NoKeyMessage() string {
	return "the flag's answer needs targetingKey (the key attribute " + m.keyAttr + ")"
}

// PublicNoKeyMessage is NoKeyMessage for a caller that may not learn the
// spec (an OFREP client key): it names no attribute.
const PublicNoKeyMessage = "the flag's answer needs targetingKey"

// Context collects the members of one evaluation context into attribute
// values: call JSON or Go once per member, then Finish.
type Context struct {
	m      *Mapper
	vals   []runtime.Value
	n      int
	tkJSON []byte // the targetingKey member's JSON value, nil when none
	tkGo   any    // the targetingKey member's Go value
	hasGo  bool   // tkGo is set
	direct bool   // the key attribute is given by its own name too
	errs   []memberError
}

// memberError is what is wrong with the member name of a context: msg
// says it in full, naming declared attributes, enum values and the key
// attribute as needed; a public error says only that name is not valid.
type memberError struct{ name, msg string }

// Begin starts a context whose values go to vals (in Spec.Attributes
// order, all absent on entry).
func (m *Mapper) Begin(vals []runtime.Value) Context {
	return Context{m: m, vals: vals}
}

// count counts one member and reports whether it is within the limit.
func (c *Context) count() bool {
	c.n++
	return c.m.maxAttrs <= 0 || c.n <= c.m.maxAttrs
}

// JSON takes a member whose value is JSON (an OFREP context's member).
func (c *Context) JSON(name, raw []byte) {
	if !c.count() {
		return
	}
	if string(name) == TargetingKey {
		c.tkJSON = raw
		return
	}
	// name as a string without a copy: ParseAttribute only looks it up
	// (an error it returns holds a copy), and set keeps it only for an
	// error, which gets a copy of its own.
	nm := unsafe.String(unsafe.SliceData(name), len(name))
	i, v, err := c.m.s.ParseAttribute(nm, raw)
	if err != nil {
		nm = strings.Clone(nm)
	}
	c.set(nm, i, v, err)
}

// Go takes a member whose value is a Go value (an OpenFeature flattened
// context's member).
func (c *Context) Go(name string, x any) {
	if !c.count() {
		return
	}
	if name == TargetingKey {
		c.tkGo, c.hasGo = x, true
		return
	}
	i, v, err := c.m.s.AttributeValue(name, x)
	c.set(name, i, v, err)
}

// set stores attribute name's value, or its error. A name given twice
// takes its last value, as in runtime.Spec.ParseContext (flaggen eval) and
// encoding/json: the error of an earlier one goes.
func (c *Context) set(name string, i int, v runtime.Value, err error) {
	if len(c.errs) > 0 {
		c.errs = slices.DeleteFunc(c.errs, func(e memberError) bool { return e.name == name })
	}
	if err != nil {
		c.errs = append(c.errs, memberError{name, err.Error()})
		return
	}
	if name == c.m.keyAttr {
		c.direct = true
	}
	c.vals[i] = v
}

// Finish applies targetingKey and returns what is wrong with the context,
// every problem sorted, if anything.
func (c *Context) Finish() error { return c.finish(false) }

// FinishPublic is Finish for a caller that may not learn the spec (an
// OFREP client key): its error names only the members the caller sent that
// are not valid, never the declared attributes, enum values or the key
// attribute and its type.
func (c *Context) FinishPublic() error { return c.finish(true) }

func (c *Context) finish(public bool) error {
	if c.m.maxAttrs > 0 && c.n > c.m.maxAttrs {
		return fmt.Errorf("context: %d attributes, more than the limit of %d", c.n, c.m.maxAttrs)
	}
	if c.m.keyAttr != "" {
		switch {
		case c.tkJSON != nil:
			c.keyJSON(c.tkJSON)
		case c.hasGo:
			c.keyGo(c.tkGo)
		}
	}
	if len(c.errs) == 0 {
		return nil
	}
	msgs := make([]string, 0, len(c.errs))
	for _, e := range c.errs {
		m := e.msg
		if public {
			m = "context: " + strconv.Quote(e.name) + " is not valid"
		}
		if !slices.Contains(msgs, m) {
			msgs = append(msgs, m)
		}
	}
	slices.Sort(msgs)
	return errors.New(strings.Join(msgs, "; "))
}

// keyError notes an error of the targetingKey member.
func (c *Context) keyError(msg string) {
	c.errs = append(c.errs, memberError{TargetingKey, msg})
}

// keyJSON sets the key attribute from a JSON targetingKey.
func (c *Context) keyJSON(raw []byte) {
	if string(raw) == "null" {
		return
	}
	if len(raw) < 2 || raw[0] != '"' {
		c.keyError("context: targetingKey: want a string")
		return
	}
	if len(raw) == 2 {
		return // ""
	}
	if c.m.keyType != "int" {
		i, v, err := c.m.s.ParseAttribute(c.m.keyAttr, raw)
		c.setKey(i, v, err)
		return
	}
	val := raw[1 : len(raw)-1]
	if !c.decimal(string(val), string(raw)) {
		return
	}
	i, v, err := c.m.s.ParseAttribute(c.m.keyAttr, val)
	c.setKey(i, v, err)
}

// keyGo sets the key attribute from a Go targetingKey.
func (c *Context) keyGo(x any) {
	if x == nil {
		return
	}
	s, ok := x.(string)
	if !ok {
		c.keyError(fmt.Sprintf("context: targetingKey: want a string, got %T", x))
		return
	}
	if s == "" {
		return
	}
	if c.m.keyType != "int" {
		i, v, err := c.m.s.AttributeValue(c.m.keyAttr, s)
		c.setKey(i, v, err)
		return
	}
	if !c.decimal(s, strconv.Quote(s)) {
		return
	}
	n, _ := strconv.ParseInt(s, 10, 64)
	i, v, err := c.m.s.AttributeValue(c.m.keyAttr, n)
	c.setKey(i, v, err)
}

// decimal reports whether s, a targetingKey for an int key attribute, is
// a decimal int64, and notes the error when not (quoted: s as given).
func (c *Context) decimal(s, quoted string) bool {
	if strings.IndexByte(s, '\\') < 0 {
		if _, err := strconv.ParseInt(s, 10, 64); err == nil {
			return true
		}
	}
	c.keyError("context: targetingKey: want a decimal integer (the key attribute " + c.m.keyAttr + " is an int), got " + quoted)
	return false
}

// setKey stores the key attribute's value taken from targetingKey, or
// its error; a key attribute also given by its own name must agree.
func (c *Context) setKey(i int, v runtime.Value, err error) {
	if err != nil {
		c.keyError("context: targetingKey (the key attribute " + c.m.keyAttr + "): " + strings.TrimPrefix(err.Error(), "context: "+c.m.keyAttr+": "))
		return
	}
	if c.direct && !c.vals[i].IsAbsent() && !c.vals[i].Equal(v) {
		c.keyError(fmt.Sprintf("context: targetingKey %s and %s %s differ", v.GoString(), c.m.keyAttr, c.vals[i].GoString()))
		return
	}
	c.vals[i] = v
}
