package example

import (
	"testing"

	"go.uber.org/goleak"

	"duplex.dev/codegen/internal/gentest"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// fixtureAPI is the chat API of the guide as the templates see it.
func fixtureAPI() *apiData {
	api := &apiData{
		APIName: "chat", PkgName: "chatapi", ModPath: "example.com/chat", CLIPath: "example.com/chat/gen/http/cli/chat", Port: "8080",
		Services: []*serviceData{{
			Name: "chat", GoName: "Chat", PkgName: "chat", ImportPath: "example.com/chat/gen/chat",
			ServerPkg: "chatsvr", ServerPath: "example.com/chat/gen/http/chat/server", VarName: "chat",
			Schemes: []*schemeData{{Scheme: "basic", Kind: "Basic", FuncName: "BasicAuth"}, {Scheme: "jwt", Kind: "JWT", FuncName: "JWTAuth"}},
			Methods: []*methodData{
				{Name: "login", GoName: "Login", PayloadRef: "*chat.LoginPayload", ResultRef: "string"},
				{Name: "ping", GoName: "Ping"},
				{Name: "last", GoName: "Last", ResultRef: "*chat.Event", ViewParam: true, View: "default"},
				{Name: "listener", GoName: "Listener", Streaming: true},
				{Name: "subscribe", GoName: "Subscribe", PayloadRef: "*chat.SubscribePayload", Streaming: true},
			},
		}},
	}
	api.HTTP = api.Services
	return api
}

func TestScaffoldMatchesGoldenFiles(t *testing.T) {
	files, err := files(fixtureAPI())
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"chat.go", "cmd/chat/main.go", "cmd/chat-cli/main.go"}
	if len(files) != len(want) {
		t.Fatalf("got %d files, want %v", len(files), want)
	}
	for i, f := range files {
		if f.Path != want[i] {
			t.Errorf("file %d is %s, want %s", i, f.Path, want[i])
		}
	}
	gentest.Golden(t, "testdata/fixture", files)
}
