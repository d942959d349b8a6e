// Package resumetest checks the generated TypeScript client's duplex.v1
// support against the Go implementation in duplex.dev/ws/resume: a test
// serves the chat design's resumable join stream with a resume.Manager and
// runs resume.test.ts under Node's test runner. It has no code of its own;
// it is a package apart so that the tsgen tests do not depend on the
// runtime's packages.
package resumetest
