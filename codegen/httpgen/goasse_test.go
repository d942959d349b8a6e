package httpgen

import (
	"testing"

	"duplex.dev/codegen/internal/gentest"
	"duplex.dev/codegen/service"
)

// TestGoaServerSentEvents pins the server code of Goa's ServerSentEvents
// (the StreamSpec's SSEEvent, the Last-Event-ID decoder) and builds it.
func TestGoaServerSentEvents(t *testing.T) {
	root := gentest.Design(t, gentest.GoaSSE)
	files, err := Files("example.com/feed/gen", root)
	if err != nil {
		t.Fatal(err)
	}
	gentest.Golden(t, "testdata/goasse", files)
	svc, err := service.Files("example.com/feed/gen", root)
	if err != nil {
		t.Fatal(err)
	}
	gentest.BuildAndVet(t, "example.com/feed", append(files, svc...))
}
