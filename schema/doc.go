// Package schema embeds flags.schema.json, the JSON Schema of a flaggen spec file, and compiles it once.
package schema
