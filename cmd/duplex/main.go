package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	"duplex.dev"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

const usage = `usage:
  duplex gen DESIGN_IMPORT_PATH [-o DIR] [-v]
  duplex example DESIGN_IMPORT_PATH [-o DIR] [-v]
  duplex version
  duplex help [COMMAND]
`

// commandHelp is the help of each command, printed by "duplex help COMMAND"
// and "duplex COMMAND -h" above the command's flags.
var commandHelp = map[string]string{
	"gen": `usage: duplex gen DESIGN_IMPORT_PATH [-o DIR] [-v]

Gen writes gen/ (service packages, HTTP and WebSocket server and client,
CLI, OpenAPI and AsyncAPI documents, TypeScript client) for the design
package, replacing what an earlier run wrote. Run it inside the Go module
that holds the design. A design error prints one "design.go:LINE: message"
line per problem and writes nothing.
`,
	"example": `usage: duplex example DESIGN_IMPORT_PATH [-o DIR] [-v]

Example scaffolds what you edit: one implementation file per service in the
module root and the mains cmd/<api> (the server) and cmd/<api>-cli (the
client). It never overwrites a file that exists.
`,
	"version": `usage: duplex version

Version prints the version of the duplex command and of the runtime it
generates code for.
`,
	"help": `usage: duplex help [COMMAND]

Help prints the usage of duplex or of one command.
`,
}

// run executes one command and returns the process exit code.
func run(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return 2
	}
	switch cmd := args[0]; cmd {
	case "-h", "-help", "--help":
		fmt.Fprint(stdout, usage)
		return 0
	case "help":
		return help(args[1:], stdout, stderr)
	case "version":
		fmt.Fprintf(stdout, "duplex v%s\n", duplex.Version)
		return 0
	case "gen", "example":
		return generate(cmd, args[1:], stdout, stderr)
	default:
		fmt.Fprintf(stderr, "duplex: unknown command %q\n%s", cmd, usage)
		return 2
	}
}

// help prints the usage of duplex, or of the command named in args.
func help(args []string, stdout, stderr io.Writer) int {
	switch {
	case len(args) == 0:
		fmt.Fprint(stdout, usage)
		return 0
	case len(args) > 1:
		fmt.Fprintf(stderr, "duplex help: unexpected arguments %q\n%s", args[1:], usage)
		return 2
	}
	text, ok := commandHelp[args[0]]
	if !ok {
		fmt.Fprintf(stderr, "duplex help: unknown command %q\n%s", args[0], usage)
		return 2
	}
	fmt.Fprint(stdout, text)
	if args[0] == "gen" || args[0] == "example" {
		fmt.Fprintln(stdout, "\nflags:")
		fs, _, _ := genFlags(args[0], stdout)
		fs.PrintDefaults()
	}
	return 0
}

// genFlags returns the flag set of gen and example, its usage printing the
// command's help to w.
func genFlags(cmd string, w io.Writer) (fs *flag.FlagSet, out *string, verbose *bool) {
	fs = flag.NewFlagSet(cmd, flag.ContinueOnError)
	fs.SetOutput(w)
	out = fs.String("o", "", "output directory (default: the module root)")
	verbose = fs.Bool("v", false, "report whether the generator program was built or reused from the cache")
	fs.Usage = func() {
		fmt.Fprint(w, commandHelp[cmd])
		fmt.Fprintln(w, "\nflags:")
		fs.PrintDefaults()
	}
	return fs, out, verbose
}

// generate runs gen or example with the command's arguments.
func generate(cmd string, args []string, stdout, stderr io.Writer) int {
	// -h asks for help, which goes to stdout with exit 0; a wrong flag
	// prints the same help to stderr with exit 2.
	for _, a := range args {
		if a == "-h" || a == "-help" || a == "--help" {
			return help([]string{cmd}, stdout, stderr)
		}
	}
	fs, out, verbose := genFlags(cmd, stderr)
	design, rest := "", args
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
		fmt.Fprintf(stderr, "duplex %s: missing the design's import path\n%s", cmd, usage)
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
}
