// Package codegen turns a validated design (package expr) into Go source
// files. Generators return files as data ([]*File) rather than writing them,
// which keeps them easy to test against golden files; the duplex command
// writes them. This package holds what every generator shares: Go naming
// (Goify, PackageName, SnakeCase), Go types for design attributes
// (GoTypeRef, MethodTypeRef, GoStructDef, GoLiteral), file assembly with
// import pruning and gofmt (GoFile, ScaffoldFile), and the pipeline of the
// generator program (Register, Generate, Run).
//
// The generator program that `duplex gen` builds imports the user's design
// and the generator packages (service, httpgen, example), registers their
// Files functions with Register, and calls Run, which evaluates the design
// and writes the files as JSON for the command. That program is built in
// the user's module, so the generators import nothing but the standard
// library and duplex.dev: YAML documents travel as YAMLNode trees, which the
// command encodes (duplex.dev/codegen/yamlfile).
//
// It is not a runtime: generated code never imports it. Artefact-specific
// generators live in sub-packages.
package codegen
