// Package web holds the chat example's browser page (static/: index.html,
// app.js, style.css), embedded so that chatd serves it at "/". The page is
// plain HTML, CSS and JavaScript with no build step: it logs in with fetch,
// joins a room over a WebSocket, shows presence and history, keeps messages
// in sequence order, and reconnects with exponential backoff, catching up
// with the history method.
//
// It is not a client library: Go programs use the generated client in
// examples/chat/gen/http/chat/client.
package web

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
