// Package web holds the chat example's browser page (static/: index.html,
// app.js, style.css), embedded so that chatd serves it at "/". The page
// uses the TypeScript client generated from examples/chat/design
// (examples/chat/gen/ts) and the runtime package it imports
// (@duplex-dev/client, codegen/tsgen/runtime), compiled to ES modules in
// static/client and static/client/duplex by go generate and committed, so
// the page needs no build step to be served (an import map in index.html
// resolves the package's name):
// it logs in, joins a room with a server stream that reconnects by itself
// and resumes after the last sequence it saw, shows presence and history,
// keeps messages in sequence order and shows a banner while reconnecting.
//
// Run go generate in this directory after regenerating the chat example
// (it needs `npm ci` in test/, which installs tsc); TestCompiledClientIsCurrent
// fails when static/client is out of date.
//
// It is not a client library: Go programs use the generated client in
// examples/chat/gen/http/chat/client, TypeScript programs gen/ts.
package web

//go:generate node test/node_modules/typescript/bin/tsc -p tsconfig.json --outDir static/client
//go:generate node test/node_modules/typescript/bin/tsc -p ../../../codegen/tsgen/runtime/tsconfig.json --declaration false --outDir static/client/duplex

import (
	"embed"
	"io/fs"
)

//go:embed static
var static embed.FS

// FS returns the page's files, rooted at the directory holding index.html.
func FS() fs.FS {
	sub, err := fs.Sub(static, "static")
	if err != nil {
		panic(err) // the embedded directory is fixed at build time
	}
	return sub
}
