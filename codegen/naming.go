package codegen

import (
	"go/doc"
	"go/token"
	"strings"
	"unicode"
)

// initialisms are the words Goify writes in upper case, as Goa does, so that
// "user_id" becomes UserID and "jwt" becomes JWT in every generated name.
var initialisms = map[string]bool{
	"API": true, "ASCII": true, "CPU": true, "CSS": true, "DNS": true,
	"EOF": true, "GUID": true, "HTML": true, "HTTP": true, "HTTPS": true,
	"ID": true, "IP": true, "JMES": true, "JSON": true, "JWT": true,
	"LHS": true, "OK": true, "QPS": true, "RAM": true, "RHS": true,
	"RPC": true, "SDK": true, "SLA": true, "SMTP": true, "SQL": true,
	"SSH": true, "TCP": true, "TLS": true, "TTL": true, "UDP": true,
	"UI": true, "UID": true, "UUID": true, "URI": true, "URL": true,
	"UTF8": true, "VM": true, "XML": true, "XSRF": true, "XSS": true,
}

// reservedPackages are package names generated code imports; an identifier
// equal to one of them would shadow the package, so Goify suffixes it.
var reservedPackages = map[string]bool{
	"errors": true, "fmt": true, "http": true, "json": true, "os": true,
	"url": true, "time": true, "context": true, "io": true, "duplex": true,
	"security": true, "ws": true, "strconv": true,
}

// Goify turns any design name into a Go identifier, the way Goa does: words
// are split at separators and at lower-to-upper transitions, joined in
// CamelCase, known initialisms (ID, JWT, URL, HTTP, API, ...) keep their case,
// and the result never collides with a Go keyword, a predeclared identifier
// or a package used by generated code (a trailing underscore is added). The
// first letter is upper case when firstUpper is true. A transport suffix
// ("name:json") is dropped.
func Goify(name string, firstUpper bool) string {
	if i := strings.Index(name, ":"); i > 0 {
		name = name[:i]
	}
	words := splitWords(name)
	if len(words) == 0 {
		if firstUpper {
			return "Val"
		}
		return "val"
	}
	var b strings.Builder
	for i, w := range words {
		b.WriteString(goifyWord(w, i == 0, firstUpper))
	}
	id := b.String()
	if unicode.IsDigit([]rune(id)[0]) {
		if firstUpper {
			id = "V" + id
		} else {
			id = "v" + id
		}
	}
	if doc.IsPredeclared(id) || token.IsKeyword(id) || reservedPackages[id] {
		id += "_"
	}
	return id
}

func goifyWord(w string, first, firstUpper bool) string {
	r := []rune(w)
	if u := strings.ToUpper(w); initialisms[u] {
		if first && !firstUpper {
			return strings.ToLower(u)
		}
		return u
	}
	switch {
	case first && !firstUpper:
		r[0] = unicode.ToLower(r[0])
	case first && firstUpper && strings.ToLower(w) == w:
		r[0] = unicode.ToUpper(r[0])
	case !first && strings.ToLower(w) == w:
		r[0] = unicode.ToUpper(r[0])
	}
	return string(r)
}

// splitWords cuts name at every character that is neither a letter nor a
// digit, and after a lower-case letter or digit followed by an upper-case
// letter. "user_id" -> [user id], "fooBar" -> [foo Bar], "HTTPServer" ->
// [HTTPServer] (as Goa does).
func splitWords(name string) []string {
	var words []string
	var cur []rune
	flush := func() {
		if len(cur) > 0 {
			words = append(words, string(cur))
			cur = nil
		}
	}
	runes := []rune(name)
	for i, r := range runes {
		if !unicode.IsLetter(r) && !unicode.IsDigit(r) {
			flush()
			continue
		}
		cur = append(cur, r)
		if i+1 < len(runes) && isLowerOrDigit(r) && unicode.IsUpper(runes[i+1]) {
			flush()
		}
	}
	flush()
	return words
}

func isLowerOrDigit(r rune) bool { return unicode.IsLower(r) || unicode.IsDigit(r) }

// SnakeCase returns the snake_case form of a CamelCase or design name:
// "OldNews" -> "old_news", "CNNNews" -> "cnn_news", "chat-room" -> "chat_room".
func SnakeCase(name string) string {
	runes := []rune(strings.Join(strings.Fields(name), "_"))
	var b strings.Builder
	for i, r := range runes {
		if r == '-' || r == '/' || r == ' ' {
			r = '_'
		}
		if unicode.IsUpper(r) && i > 0 && runes[i-1] != '_' {
			prevLower := isLowerOrDigit(runes[i-1])
			nextLower := i+1 < len(runes) && unicode.IsLower(runes[i+1])
			if prevLower || (nextLower && unicode.IsUpper(runes[i-1])) {
				b.WriteRune('_')
			}
		}
		b.WriteRune(unicode.ToLower(r))
	}
	return b.String()
}

// KebabCase returns the kebab-case form of name ("OldNews" -> "old-news"),
// used for CLI sub-command names.
func KebabCase(name string) string {
	return strings.ReplaceAll(strings.Trim(SnakeCase(name), "_"), "_", "-")
}

// PackageName returns the Go package name generated for a design service or
// API name: lower-case snake case without separators, never a Go keyword
// ("chat-room" -> "chatroom"). It is also the directory name under gen/.
func PackageName(name string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(SnakeCase(name)) {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			b.WriteRune(r)
		}
	}
	p := b.String()
	if p == "" {
		return "svc"
	}
	if token.IsKeyword(p) || unicode.IsDigit([]rune(p)[0]) {
		p = "svc" + p
	}
	return p
}

// ServiceImportName returns the name generated files import a service's
// package under: its package name pkg (see PackageName), or pkg + "svc"
// when pkg is a name the generated code uses for itself, an imported
// package (http, context, transport ...) or a local (ctx, err, s ...), so
// that neither shadows the other.
func ServiceImportName(pkg string) string {
	if generatedNames[pkg] {
		return pkg + "svc"
	}
	return pkg
}

// LocalName returns the name of a local variable or parameter of generated
// code for a design name (a path parameter, a credential): Goify(name,
// false), suffixed with "Arg" when that is the name of a package generated
// code imports or of a local it declares next to it.
func LocalName(name string) string {
	v := Goify(name, false)
	if localNames[v] {
		return v + "Arg"
	}
	return v
}

// localNames are the names LocalName avoids.
var localNames = func() map[string]bool {
	m := map[string]bool{}
	for _, n := range strings.Fields(`
		bytes context errors flag fmt http io json log net os signal slog strconv strings sync time url
		duplex ws transport resume security
		r p payload body err ok user password`) {
		m[n] = true
	}
	return m
}()

// generatedNames are the package names and identifiers generated Go code
// declares or imports at package or function scope.
var generatedNames = func() map[string]bool {
	m := map[string]bool{}
	for _, n := range strings.Fields(`
		bufio bytes context errors flag fmt http io json log math net os path reflect
		signal slog sort strconv strings sync time url utf8 atomic base64 hex
		duplex ws transport resume security jwt
		s c h p q r v w e b i n x m ok err ctx req res resp body conn stream mux
		srv svc wsrv mgr sess endpoint endpoints handler payload result view vres
		cancel opts statuses server client enc dec raw data values header query`) {
		m[n] = true
	}
	return m
}()

// Comment formats text as a Go comment block, wrapped at 80 columns, each
// line prefixed with "// ". Empty text gives an empty string.
func Comment(text string) string {
	text = strings.TrimSpace(text)
	if text == "" {
		return ""
	}
	var out []string
	for _, para := range strings.Split(text, "\n") {
		line := ""
		for _, w := range strings.Fields(para) {
			if line != "" && len(line)+1+len(w) > 77 {
				out = append(out, "// "+line)
				line = w
				continue
			}
			if line == "" {
				line = w
			} else {
				line += " " + w
			}
		}
		if line == "" {
			out = append(out, "//")
		} else {
			out = append(out, "// "+line)
		}
	}
	return strings.Join(out, "\n")
}
