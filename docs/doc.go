// Package docs holds Duplex's user documentation (guide.md, protocol.md,
// scaling.md) and the test that keeps the guide honest: every Go snippet in
// the guide names the file it was taken from, and the test fails when that
// file no longer contains it, so the guide cannot drift from code that
// compiles.
//
// It has no Go API and is not meant to be imported.
package docs
