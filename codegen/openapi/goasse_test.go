package openapi_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"duplex.dev/codegen/internal/gentest"
	"duplex.dev/codegen/openapi"
	"duplex.dev/codegen/yamlfile"
)

// TestGoaEventStreamsAreDescribed: a method with Goa's ServerSentEvents has
// its 200 text/event-stream response in OpenAPI and an event-stream channel
// without Duplex's end event in AsyncAPI, and both documents validate.
func TestGoaEventStreamsAreDescribed(t *testing.T) {
	root := gentest.Design(t, gentest.GoaSSE)
	files, err := openapi.Files("example.com/feed/gen", root)
	if err == nil {
		err = yamlfile.EncodeFiles(files)
	}
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Paths map[string]map[string]struct {
			Responses map[string]struct {
				Description string
				Content     map[string]any
			}
		}
	}
	if err := json.Unmarshal(file(t, files, "gen/http/openapi3.json"), &doc); err != nil {
		t.Fatal(err)
	}
	watch := doc.Paths["/watch"]["get"].Responses["200"]
	if _, ok := watch.Content["text/event-stream"]; !ok {
		t.Fatalf("GET /watch (ServerSentEvents) has no 200 text/event-stream response: %+v", doc.Paths["/watch"])
	}
	if _, ok := doc.Paths["/watch"]["get"].Responses["426"]; ok {
		t.Error("GET /watch has a 426: with Goa's ServerSentEvents a GET that is not an upgrade gets events")
	}
	for _, want := range []string{`id: the "id" attribute`, "no end event"} {
		if !strings.Contains(watch.Description, want) {
			t.Errorf("GET /watch 200 says %q, want it to mention %q", watch.Description, want)
		}
	}
	async := string(file(t, files, "gen/asyncapi.yaml"))
	if !strings.Contains(async, "watch_sse:") {
		t.Error("asyncapi.yaml has no watch_sse channel")
	}
	if strings.Contains(async, "EventStreamEnd") {
		t.Error("asyncapi.yaml describes an end event, which Goa's wire does not have")
	}

	dir := npmDir(t)
	tmp := t.TempDir()
	for _, f := range files {
		if err := os.WriteFile(filepath.Join(tmp, filepath.Base(f.Path)), f.Content, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if out, err := node(t, dir, "validate-asyncapi.mjs", filepath.Join(tmp, "asyncapi.yaml")); err != nil {
		t.Errorf("asyncapi.yaml: %v\n%s", err, out)
	}
	for _, name := range []string{"openapi3.json", "openapi3.yaml"} {
		if out, err := node(t, dir, "validate-openapi.mjs", filepath.Join(tmp, name)); err != nil {
			t.Errorf("%s: %v\n%s", name, err, out)
		}
	}
}
