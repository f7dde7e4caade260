// Package broken does not type-check: lint must fail to load it.
package broken

var X int = "not an int"
