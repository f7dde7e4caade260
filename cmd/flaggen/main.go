package main

//go:generate go run ../../internal/cli/mkdoc -o doc.go

import (
	"os"

	"github.com/flaggen/flaggen/internal/cli"
)

func main() {
	os.Exit(cli.Main(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}
