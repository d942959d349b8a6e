package expr

import (
	"fmt"
	"path/filepath"
)

// Pos is where a DSL call was made in the user's design.
type Pos struct {
	// File is the full path of the Go source file.
	File string
	// Line is the 1-based line number in File.
	Line int
}

// String returns "file.go:LINE" with the base name of the file, or "" for
// the zero Pos.
func (p Pos) String() string {
	if p.File == "" {
		return ""
	}
	return fmt.Sprintf("%s:%d", filepath.Base(p.File), p.Line)
}

// IsZero reports whether the position is unknown.
func (p Pos) IsZero() bool { return p.File == "" && p.Line == 0 }

// Error is a design error: a message and the position of the DSL call that
// caused it.
type Error struct {
	// Pos is the position of the offending DSL call (zero when unknown).
	Pos Pos
	// Message says what is wrong and, where possible, what to change.
	Message string
}

// Error returns "file.go:LINE: message".
func (e *Error) Error() string {
	if e.Pos.IsZero() {
		return e.Message
	}
	return e.Pos.String() + ": " + e.Message
}

// Errorf returns a design error at pos.
func Errorf(pos Pos, format string, args ...any) *Error {
	return &Error{Pos: pos, Message: fmt.Sprintf(format, args...)}
}
