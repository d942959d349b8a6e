package codegen

import (
	"strings"
	"testing"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func TestGoify(t *testing.T) {
	cases := []struct {
		in         string
		firstUpper bool
		want       string
	}{
		{"echo", true, "Echo"},
		{"echo", false, "echo"},
		{"user_id", true, "UserID"},
		{"user_id", false, "userID"},
		{"id", false, "id"},
		{"id", true, "ID"},
		{"jwt", true, "JWT"},
		{"api_key", true, "APIKey"},
		{"api_key", false, "apiKey"},
		{"fooBar", true, "FooBar"},
		{"HTTPServer", true, "HTTPServer"},
		{"chat-room", true, "ChatRoom"},
		{"url", true, "URL"},
		{"type", false, "type_"},
		{"string", false, "string_"},
		{"http", false, "http_"},
		{"message:json", true, "Message"},
		{"123", true, "V123"},
		{"!!", true, "Val"},
		{"", false, "val"},
		{"stream:read", true, "Stream"},
	}
	for _, c := range cases {
		if got := Goify(c.in, c.firstUpper); got != c.want {
			t.Errorf("Goify(%q, %v) = %q, want %q", c.in, c.firstUpper, got, c.want)
		}
	}
}

func TestCaseHelpers(t *testing.T) {
	cases := []struct{ in, snake, kebab, pkg string }{
		{"OldNews", "old_news", "old-news", "oldnews"},
		{"CNNNews", "cnn_news", "cnn-news", "cnnnews"},
		{"chat", "chat", "chat", "chat"},
		{"chat-room", "chat_room", "chat-room", "chatroom"},
		{"go", "go", "go", "svcgo"},
	}
	for _, c := range cases {
		if got := SnakeCase(c.in); got != c.snake {
			t.Errorf("SnakeCase(%q) = %q, want %q", c.in, got, c.snake)
		}
		if got := KebabCase(c.in); got != c.kebab {
			t.Errorf("KebabCase(%q) = %q, want %q", c.in, got, c.kebab)
		}
		if got := PackageName(c.in); got != c.pkg {
			t.Errorf("PackageName(%q) = %q, want %q", c.in, got, c.pkg)
		}
	}
}

func TestCommentWrapsAt80Columns(t *testing.T) {
	got := Comment(strings.Repeat("word ", 40))
	for _, l := range strings.Split(got, "\n") {
		if !strings.HasPrefix(l, "// ") || len(l) > 80 {
			t.Fatalf("bad comment line %q", l)
		}
	}
	if Comment("  ") != "" {
		t.Fatal("blank text must give no comment")
	}
}

func TestGoFilePrunesImportsAndFormats(t *testing.T) {
	body := []byte("func F(ctx context.Context) error { return duplex.MergeErrors(nil,nil) }\n")
	f, err := GoFile("gen/x/x.go", "x", "x things", []Import{Std("context"), Std("io"), DuplexImport, SecurityImport}, body)
	if err != nil {
		t.Fatal(err)
	}
	src := string(f.Content)
	for _, want := range []string{HeaderLine, "\"context\"", "duplex \"duplex.dev\"", "return duplex.MergeErrors(nil, nil)"} {
		if !strings.Contains(src, want) {
			t.Errorf("missing %q in:\n%s", want, src)
		}
	}
	for _, unwanted := range []string{"\"io\"", "duplex.dev/security"} {
		if strings.Contains(src, unwanted) {
			t.Errorf("unused import %s kept:\n%s", unwanted, src)
		}
	}
}

func TestGoFileNamesFileOnTemplateBug(t *testing.T) {
	_, err := GoFile("gen/broken/service.go", "broken", "", nil, []byte("func F( {\n"))
	if err == nil || !strings.Contains(err.Error(), "gen/broken/service.go") {
		t.Fatalf("want an error naming the file, got %v", err)
	}
}
