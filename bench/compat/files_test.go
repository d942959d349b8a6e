package compat_test

import (
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"duplex.dev/bench/design/static"
)

// fileAnswer is what a server answers to a GET of a Files path, after
// redirects.
type fileAnswer struct {
	status      int
	contentType string
	body        string
}

// getFile GETs path from base as written (no cleaning: "..", "%2f" and
// "%5c" reach the server) and follows redirects.
func getFile(t *testing.T, base, path string) fileAnswer {
	t.Helper()
	req, err := http.NewRequestWithContext(testContext(t), http.MethodGet, base+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("GET %s: %v", path, err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatalf("GET %s: body: %v", path, err)
	}
	return fileAnswer{res.StatusCode, res.Header.Get("Content-Type"), string(b)}
}

func staticFile(t *testing.T, name string) string {
	t.Helper()
	b, err := static.FS.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestFilesAcrossFrameworks: the bench design's Files("/assets/{*path}",
// "assets") serves the same status, body and Content-Type from Goa's server
// and from Duplex's, and a missing file is a 404 from both.
func TestFilesAcrossFrameworks(t *testing.T) {
	for _, tc := range []struct {
		path        string
		status      int
		contentType string
		file        string // in static.FS; "" for no body check
	}{
		{"/assets/app.js", http.StatusOK, "text/javascript; charset=utf-8", "assets/app.js"},
		{"/assets/style.css", http.StatusOK, "text/css; charset=utf-8", "assets/style.css"},
		{"/assets/./app.js", http.StatusOK, "text/javascript; charset=utf-8", "assets/app.js"},
		{"/assets/missing.js", http.StatusNotFound, "text/plain; charset=utf-8", ""},
	} {
		answers := map[string]fileAnswer{}
		for _, name := range []string{"goa", "duplex"} {
			srv := httptest.NewServer(servers[name](slog.New(slog.DiscardHandler)))
			answers[name] = getFile(t, srv.URL, tc.path)
			srv.Close()
		}
		for name, a := range answers {
			if a.status != tc.status || a.contentType != tc.contentType {
				t.Errorf("%s server: GET %s = %d %q, want %d %q", name, tc.path, a.status, a.contentType, tc.status, tc.contentType)
			}
			if tc.file != "" && a.body != staticFile(t, tc.file) {
				t.Errorf("%s server: GET %s: body %q is not %s", name, tc.path, a.body, tc.file)
			}
		}
		if answers["goa"] != answers["duplex"] {
			t.Errorf("GET %s: Goa answers %+v, Duplex %+v", tc.path, answers["goa"], answers["duplex"])
		}
	}
}

// TestFilesWhereGoaDiffers pins the two places the servers answer
// differently, so a change on either side shows up here:
//
//   - Files("/index.html", "index.html"): Goa's generated server hands the
//     request to http.FileServer, which redirects every path ending in
//     /index.html to "./" (301), and "/" is not a route: a browser following
//     the redirect gets 404, so Goa never serves the page its design
//     declares. Duplex serves the file (what Goa's docs describe).
//   - GET /assets/ (the directory itself): Goa's http.FileServer answers with
//     a listing of the directory; Duplex serves assets/index.html when there
//     is one and 404 otherwise, so a directory's contents are not listed.
func TestFilesWhereGoaDiffers(t *testing.T) {
	goa := httptest.NewServer(servers["goa"](slog.New(slog.DiscardHandler)))
	defer goa.Close()
	duplex := httptest.NewServer(servers["duplex"](slog.New(slog.DiscardHandler)))
	defer duplex.Close()

	if a := getFile(t, duplex.URL, "/index.html"); a.status != http.StatusOK || a.contentType != "text/html; charset=utf-8" || a.body != staticFile(t, "index.html") {
		t.Errorf("duplex server: GET /index.html = %d %q %q, want 200 text/html and index.html", a.status, a.contentType, a.body)
	}
	noRedirect := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	res, err := noRedirect.Get(goa.URL + "/index.html")
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusMovedPermanently || res.Header.Get("Location") != "./" {
		t.Errorf("goa server: GET /index.html = %d Location %q; Goa v3.25.3 answers 301 to ./ (if this changed, update the docs)", res.StatusCode, res.Header.Get("Location"))
	}
	if a := getFile(t, goa.URL, "/index.html"); a.status != http.StatusNotFound {
		t.Errorf("goa server: GET /index.html after redirects = %d, Goa v3.25.3 ends in 404", a.status)
	}

	if a := getFile(t, duplex.URL, "/assets/"); a.status != http.StatusNotFound {
		t.Errorf("duplex server: GET /assets/ = %d %q, want 404 (no assets/index.html, no listing)", a.status, a.body)
	}
	if a := getFile(t, goa.URL, "/assets/"); a.status != http.StatusOK || !strings.Contains(a.body, `href="app.js"`) {
		t.Errorf("goa server: GET /assets/ = %d %q; Goa v3.25.3 lists the directory", a.status, a.body)
	}
}

// TestFilesTraversal: neither server hands out private.txt, which is in
// the file system both are given but under no Files path, whatever the
// request does to climb out of /assets/ ("..", encoded slashes and dots,
// backslashes). Duplex answers 400 with a reason when the decoded wildcard
// climbs, and redirects an unclean path to its clean form (which is then
// not a route: 404); Goa answers 404.
func TestFilesTraversal(t *testing.T) {
	private := staticFile(t, "private.txt")
	for _, name := range []string{"goa", "duplex"} {
		srv := httptest.NewServer(servers[name](slog.New(slog.DiscardHandler)))
		for _, path := range []string{
			"/private.txt",
			"/assets/../private.txt",
			"/assets//../private.txt",
			"/assets/..%2fprivate.txt",
			"/assets/%2e%2e/private.txt",
			"/assets/%2e%2e%2fprivate.txt",
			"/assets/..%5cprivate.txt",
			"/assets/..%5c..%5cprivate.txt",
			"/index.html/../private.txt",
		} {
			a := getFile(t, srv.URL, path)
			if a.status < 400 || a.status >= 500 || strings.Contains(a.body, strings.TrimSpace(private)) {
				t.Errorf("%s server: GET %s = %d %q, want a 4xx without private.txt", name, path, a.status, a.body)
			}
		}
		srv.Close()
	}
}
