package transport

import (
	"bufio"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// fileTree writes dir/site/{index.html,static/app.js,static/sub/index.html}
// and dir/secret.txt, the file no request may read.
func fileTree(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	for name, content := range map[string]string{
		"site/index.html":            "<h1>home</h1>",
		"site/static/app.js":         "console.log('app')",
		"site/static/sub/index.html": "<h1>sub</h1>",
		"secret.txt":                 "TOP SECRET",
	} {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// rawGet sends target as is (no client-side cleaning or escaping) and
// returns the status and body.
func rawGet(t *testing.T, addr, target string) (int, string) {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if _, err := io.WriteString(c, "GET "+target+" HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"); err != nil {
		t.Fatal(err)
	}
	resp, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func TestServeFilesServesTheFileAndTheDirectory(t *testing.T) {
	dir := fileTree(t)
	fsys := http.Dir(dir)
	mux := http.NewServeMux()
	mux.Handle("GET /index.html", ServeFiles(fsys, "site/index.html", ""))
	mux.Handle("GET /static/{filepath...}", ServeFiles(fsys, "site/static", "filepath"))
	srv := httptest.NewServer(mux)
	defer srv.Close()
	addr := strings.TrimPrefix(srv.URL, "http://")

	cases := []struct {
		target string
		status int
		body   string
	}{
		{"/index.html", 200, "<h1>home</h1>"},
		{"/static/app.js", 200, "console.log('app')"},
		{"/static/sub/", 200, "<h1>sub</h1>"},
		{"/static/sub", 200, "<h1>sub</h1>"},
		{"/static/", 404, ""},
		{"/static/missing.js", 404, ""},
	}
	for _, tc := range cases {
		status, body := rawGet(t, addr, tc.target)
		if status != tc.status || !strings.Contains(body, tc.body) {
			t.Errorf("GET %s = %d %q, want %d with %q", tc.target, status, body, tc.status, tc.body)
		}
	}
	// Every way of climbing out of the directory: none reads the secret.
	for _, target := range []string{
		"/static/../secret.txt",
		"/static/../../secret.txt",
		"/static/%2e%2e/secret.txt",
		"/static/%2E%2E/%2e%2e/secret.txt",
		"/static/..%2fsecret.txt",
		"/static/..%2f..%2fsecret.txt",
		"/static/sub/..%2f..%2f..%2fsecret.txt",
		"/static/..%5csecret.txt",
		"/static/..\\secret.txt",
		"/static/%00../secret.txt",
		"/static//../secret.txt",
	} {
		status, body := rawGet(t, addr, target)
		if status == http.StatusOK || strings.Contains(body, "TOP SECRET") {
			t.Errorf("GET %s = %d %q: a path outside the directory was served", target, status, body)
		}
	}
}

// TestServeFilesRefusesDotDotItself checks the handler's own refusal,
// whatever the router in front of it cleaned or not.
func TestServeFilesRefusesDotDotItself(t *testing.T) {
	dir := fileTree(t)
	h := ServeFiles(http.Dir(dir), "site/static", "filepath")
	for _, rel := range []string{"../secret.txt", "../../secret.txt", "sub/../../secret.txt", "..", "..\\secret.txt", "a\x00b"} {
		r := httptest.NewRequest("GET", "/static/x", nil)
		r.SetPathValue("filepath", rel)
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		if w.Code != http.StatusBadRequest || strings.Contains(w.Body.String(), "TOP SECRET") {
			t.Errorf("wildcard %q: %d %q, want 400", rel, w.Code, w.Body.String())
		}
	}
}
