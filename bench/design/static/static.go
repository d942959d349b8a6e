// Package static holds the files the bench design serves with Files: the
// page (index.html) and the directory below /assets/. Both servers in the
// harness (Goa's and Duplex's) serve them from FS, so the compatibility
// tests compare the same bytes. private.txt is in FS but under no Files
// path: the traversal tests check neither server hands it out.
package static

import "embed"

// FS is rooted at this directory: the file paths of the design's Files
// ("index.html", "assets") are relative to it.
//
//go:embed index.html assets private.txt
var FS embed.FS
