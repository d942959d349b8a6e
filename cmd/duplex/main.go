package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
)

// Version is the version of the duplex command and of the code it generates.
const Version = "v0.1.0"

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

const usage = `usage:
  duplex gen DESIGN_IMPORT_PATH [-o DIR] [-v]
  duplex example DESIGN_IMPORT_PATH [-o DIR] [-v]
  duplex version
`

// run executes one command and returns the process exit code.
func run(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return 2
	}
	switch cmd := args[0]; cmd {
	case "version":
		fmt.Fprintln(stdout, "duplex", Version)
		return 0
	case "gen", "example":
		fs := flag.NewFlagSet(cmd, flag.ContinueOnError)
		fs.SetOutput(stderr)
		out := fs.String("o", "", "output directory (default: the module root)")
		verbose := fs.Bool("v", false, "report whether the generator program was built or reused from the cache")
		design, rest := "", args[1:]
		if len(rest) > 0 && rest[0] != "" && rest[0][0] != '-' {
			design, rest = rest[0], rest[1:]
		}
		if err := fs.Parse(rest); err != nil {
			return 2
		}
		if design == "" && fs.NArg() > 0 {
			// Flags came first ("-v DESIGN -o DIR"): the ones after the
			// design are parsed too, never silently dropped.
			design = fs.Arg(0)
			if err := fs.Parse(fs.Args()[1:]); err != nil {
				return 2
			}
		}
		if fs.NArg() > 0 {
			fmt.Fprintf(stderr, "duplex %s: unexpected arguments %q\n%s", cmd, fs.Args(), usage)
			return 2
		}
		if design == "" {
			fmt.Fprint(stderr, usage)
			return 2
		}
		g := &generation{design: design, out: *out, example: cmd == "example", verbose: *verbose, stdout: stdout, stderr: stderr}
		if err := g.run(); err != nil {
			var de *designError
			if errors.As(err, &de) {
				fmt.Fprintln(stderr, strings.TrimRight(de.output, "\n"))
				return 1
			}
			fmt.Fprintln(stderr, "duplex:", err)
			return 1
		}
		return 0
	default:
		fmt.Fprintf(stderr, "duplex: unknown command %q\n%s", cmd, usage)
		return 2
	}
}
