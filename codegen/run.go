package codegen

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"

	"duplex.dev/eval"
	"duplex.dev/expr"
)

// DesignError is returned by Run when the design is invalid. Lines holds one
// "file.go:LINE: message" per problem, as the user should read them.
type DesignError struct {
	// Lines are the design errors, each with the position of the DSL call.
	Lines []string
}

// Error returns the lines joined by newlines.
func (e *DesignError) Error() string { return strings.Join(e.Lines, "\n") }

// Run evaluates the design whose packages the program imported (their init
// functions recorded the DSL), runs every generator registered for kind and
// writes the files to w as a JSON array of codegen.File objects (Content
// base64-encoded, YAML documents as trees), the format the duplex command
// reads. An invalid
// design gives a *DesignError and writes nothing. genPkg is the import path
// of the gen directory. The design's warnings (parts Duplex skips, such as
// GRPC blocks) go to warn, one "file.go:LINE: warning: message" per line.
func Run(w, warn io.Writer, genPkg string, kind Kind) error {
	err := eval.RunDSL()
	for _, e := range eval.Warnings() {
		fmt.Fprintln(warn, (&expr.Error{Pos: e.Pos, Message: "warning: " + e.Message}).Error())
	}
	if err != nil {
		var me *eval.MultiError
		if errors.As(err, &me) {
			de := &DesignError{}
			for _, e := range me.Errors {
				de.Lines = append(de.Lines, e.Error())
			}
			return de
		}
		return &DesignError{Lines: strings.Split(err.Error(), "\n")}
	}
	files, err := Generate(kind, genPkg, expr.Root)
	if err != nil {
		var de *expr.Error
		if errors.As(err, &de) {
			return &DesignError{Lines: []string{de.Error()}}
		}
		return err
	}
	if err := json.NewEncoder(w).Encode(files); err != nil {
		return fmt.Errorf("write generated files: %w", err)
	}
	return nil
}
