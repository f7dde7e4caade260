// Mkdoc writes flaggen's manual, the package doc of cmd/flaggen, from the
// command table of internal/cli (cli.Manual).
package main

import (
	"flag"
	"fmt"
	"os"

	"github.com/flaggen/flaggen/internal/cli"
)

func main() {
	out := flag.String("o", "doc.go", "write the manual to `FILE`")
	flag.Parse()
	src, err := cli.Manual()
	if err == nil {
		err = os.WriteFile(*out, src, 0o666)
	}
	if err != nil {
		fmt.Fprintf(os.Stderr, "mkdoc: %v\n", err)
		os.Exit(1)
	}
}
