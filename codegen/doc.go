// Package codegen turns a validated design (package expr) into Go source
// files. Generators return files as data ([]*File) rather than writing them,
// which keeps them easy to test against golden files; the duplex command
// writes them. This package holds what every generator shares: Go naming
// (Goify, PackageName), Go types for design attributes (GoTypeRef,
// TypeDefinition), validation code (ValidationCode), file assembly with
// import pruning and gofmt (GoFile), and the generator registry (Register,
// Generate).
//
// It is not a runtime: generated code never imports it. Artefact-specific
// generators live in sub-packages (service, httpgen, example) and register
// themselves from their init functions.
package codegen
