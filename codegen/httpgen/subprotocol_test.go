package httpgen

import (
	"testing"

	"duplex.dev/ws/resume"
)

// TestResumeSubprotocolIsTheRuntimes ties the subprotocol generated code
// writes literally for resumable methods to the runtime's.
func TestResumeSubprotocolIsTheRuntimes(t *testing.T) {
	if resumeSubprotocol != resume.Subprotocol {
		t.Fatalf("generated code offers %q, the runtime speaks %q", resumeSubprotocol, resume.Subprotocol)
	}
}
