// Package e2e is the end-to-end test of `duplex gen` and `duplex example`: it
// copies the design in testdata/design and the service implementation and
// tests in testdata/app into a temporary module (replacing duplex.dev with
// this repository, resolved offline from the module cache), runs the real
// duplex command on it, then `go vet` and `go test -race` there, so the
// generated server, client and CLI are exercised against real servers on
// 127.0.0.1; finally it builds and runs the scaffolded server and CLI and
// checks the graceful shutdown.
//
// It holds no code other packages use. It runs with `go test ./...` and is
// skipped only under -short.
package e2e
