package schema

import (
	"bytes"
	_ "embed"
	"sync"

	"github.com/santhosh-tekuri/jsonschema/v5"
)

// ID is the schema's "$id", the URL editors fetch it from.
const ID = "https://flaggen.dev/schema/flags.schema.json"

// Source is flags.schema.json exactly as embedded. Do not modify it.
//
//go:embed flags.schema.json
var Source []byte

type compiledSchemas struct{ spec, patch, segmentPatch *jsonschema.Schema }

var compiled = sync.OnceValue(func() compiledSchemas {
	c := jsonschema.NewCompiler()
	c.Draft = jsonschema.Draft2020
	if err := c.AddResource(ID, bytes.NewReader(Source)); err != nil {
		panic("schema: embedded flags.schema.json: " + err.Error())
	}
	return compiledSchemas{c.MustCompile(ID), c.MustCompile(ID + "#/$defs/patch"), c.MustCompile(ID + "#/$defs/segmentPatch")}
})

// Spec returns the compiled schema of a whole spec file. It is compiled on
// first use and shared; the embedded schema is tested to compile, so it never
// panics in practice.
func Spec() *jsonschema.Schema {
	return compiled().spec
}

// Patch returns the compiled schema of one flag's live patch ("$defs/patch").
func Patch() *jsonschema.Schema {
	return compiled().patch
}

// SegmentPatch returns the compiled schema of one segment's live patch
// ("$defs/segmentPatch").
func SegmentPatch() *jsonschema.Schema {
	return compiled().segmentPatch
}
