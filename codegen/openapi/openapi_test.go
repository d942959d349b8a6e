package openapi_test

import (
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"go.uber.org/goleak"

	"duplex.dev/codegen"
	"duplex.dev/codegen/internal/gentest"
	"duplex.dev/codegen/openapi"
	_ "duplex.dev/examples/chat/design"
)

// chat holds the documents of the chat example's design.
var chat *gentest.Generated

func TestMain(m *testing.M) {
	chat = gentest.Generate(openapi.Files, "example.com/chat/gen")
	goleak.VerifyTestMain(m)
}

func TestChatDocumentsMatchGolden(t *testing.T) {
	gentest.Golden(t, filepath.Join("testdata", "chat"), chat.Files(t))
}

func TestChatOpenAPIJSONAndYAMLAgree(t *testing.T) {
	files := chat.Files(t)
	var fromJSON any
	if err := json.Unmarshal(file(t, files, "gen/http/openapi3.json"), &fromJSON); err != nil {
		t.Fatalf("openapi3.json is not JSON: %v", err)
	}
	doc := fromJSON.(map[string]any)
	if doc["openapi"] != "3.1.0" {
		t.Errorf("openapi = %v, want 3.1.0", doc["openapi"])
	}
	paths := doc["paths"].(map[string]any)
	join := paths["/rooms/{room}"].(map[string]any)["get"].(map[string]any)
	if _, ok := join["responses"].(map[string]any)["101"]; !ok {
		t.Errorf("the join upgrade endpoint has no 101 response: %v", join["responses"])
	}
	if _, ok := paths["/rooms/{room}/messages"].(map[string]any)["post"].(map[string]any)["requestBody"]; !ok {
		t.Error("send has no request body")
	}
	if !strings.Contains(string(file(t, files, "gen/http/openapi3.yaml")), "openapi: 3.1.0") {
		t.Error("openapi3.yaml does not declare openapi: 3.1.0")
	}
}

func file(t *testing.T, files []*codegen.File, path string) []byte {
	t.Helper()
	for _, f := range files {
		if f.Path == path {
			return f.Content
		}
	}
	t.Fatalf("%s was not generated", path)
	return nil
}

// npmDir holds the package.json of the npm validators; `npm ci` there
// installs them (.ci/run does).
func npmDir(t *testing.T) string {
	t.Helper()
	dir, err := filepath.Abs(filepath.Join("testdata", "npm"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, "node_modules")); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("npm validators are not installed (run npm ci --prefix %s): %v", dir, err)
		}
		t.Skipf("npm validators are not installed; run: npm ci --prefix %s", dir)
	}
	if _, err := exec.LookPath("node"); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("node is not installed")
		}
		t.Skip("node is not installed")
	}
	return dir
}

// node runs a script of the npm directory with args and returns its
// combined output.
func node(t *testing.T, dir, script string, args ...string) (string, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "node", append([]string{filepath.Join(dir, script)}, args...)...)
	cmd.Dir = dir
	out, err := cmd.CombinedOutput()
	return string(out), err
}

func TestChatDocumentsPassNPMValidators(t *testing.T) {
	dir := npmDir(t)
	tmp := t.TempDir()
	for _, f := range chat.Files(t) {
		p := filepath.Join(tmp, filepath.FromSlash(f.Path))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, f.Content, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	t.Run("asyncapi.yaml is valid for @asyncapi/parser", func(t *testing.T) {
		out, err := node(t, dir, "validate-asyncapi.mjs", filepath.Join(tmp, "gen", "asyncapi.yaml"))
		if err != nil {
			t.Fatalf("%v\n%s", err, out)
		}
	})
	for _, name := range []string{"openapi3.json", "openapi3.yaml"} {
		t.Run(name+" is valid OpenAPI 3.1", func(t *testing.T) {
			out, err := node(t, dir, "validate-openapi.mjs", filepath.Join(tmp, "gen", "http", name))
			if err != nil {
				t.Fatalf("%v\n%s", err, out)
			}
		})
	}
}

func TestNPMValidatorsRejectBrokenDocuments(t *testing.T) {
	dir := npmDir(t)
	tmp := t.TempDir()
	broken := map[string]string{
		"asyncapi.yaml": "asyncapi: 3.0.0\ninfo:\n  title: x\nchannels:\n  a:\n    address: /a\n    messages: 7\n",
		"openapi3.json": `{"openapi":"3.1.0","info":{"title":"x","version":"1"},"paths":{"/a":{"get":{"responses":{"200":{}}}}}}`,
	}
	for name, content := range broken {
		if err := os.WriteFile(filepath.Join(tmp, name), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if out, err := node(t, dir, "validate-asyncapi.mjs", filepath.Join(tmp, "asyncapi.yaml")); err == nil {
		t.Errorf("validate-asyncapi accepted a broken document:\n%s", out)
	}
	if out, err := node(t, dir, "validate-openapi.mjs", filepath.Join(tmp, "openapi3.json")); err == nil {
		t.Errorf("validate-openapi accepted a broken document:\n%s", out)
	}
}

func TestEventStreamsAreDescribed(t *testing.T) {
	files := chat.Files(t)
	var doc struct {
		Paths map[string]map[string]struct {
			Parameters []struct{ Name, In string }
			Responses  map[string]struct {
				Content map[string]any
			}
		}
	}
	if err := json.Unmarshal(file(t, files, "gen/http/openapi3.json"), &doc); err != nil {
		t.Fatal(err)
	}
	join := doc.Paths["/rooms/{room}"]["get"]
	if _, ok := join.Responses["200"].Content["text/event-stream"]; !ok {
		t.Error("GET /rooms/{room} has no 200 text/event-stream response")
	}
	if _, ok := join.Responses["410"]; !ok {
		t.Error("GET /rooms/{room} (resumable) has no 410 for a Last-Event-ID too old")
	}
	lastEventID := false
	for _, p := range join.Parameters {
		lastEventID = lastEventID || (p.Name == "Last-Event-ID" && p.In == "header")
	}
	if !lastEventID {
		t.Error("GET /rooms/{room} (resumable) has no Last-Event-ID header parameter")
	}
	if _, ok := doc.Paths["/echo"]["get"].Responses["200"]; ok {
		t.Error("GET /echo (bidirectional) has a 200 response: it cannot be read as events")
	}
	async := string(file(t, files, "gen/asyncapi.yaml"))
	for _, want := range []string{"join_sse:", "subscribe_sse:", "analytics_sse:", "sendJoinEvents:", "EventStreamEnd:"} {
		if !strings.Contains(async, want) {
			t.Errorf("asyncapi.yaml has no %q", want)
		}
	}
}
