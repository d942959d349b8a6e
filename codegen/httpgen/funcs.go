package httpgen

import (
	"fmt"
	"strconv"
	"strings"
	"text/template"

	"duplex.dev/codegen"
)

// funcs are the template functions of this package, on top of codegen.Funcs.
var funcs = template.FuncMap{
	"statuses":  statusesVar,
	"zero":      zero,
	"target":    target,
	"readParam": readParam,
	"readToken": readToken,
	"setParam":  setParam,
	"setToken":  setToken,
	"pathArg":   pathArg,
	"pathExpr":  pathExpr,
	"cliFields": cliFields,
	"local":     codegen.LocalName,
}

func statusesVar(m *methodData) string {
	if len(m.Statuses) == 0 {
		return "nil"
	}
	return codegen.Goify(m.Name, false) + "Statuses"
}

// zero returns the Go zero value literal of a type reference.
func zero(ref string) string {
	switch {
	case strings.HasPrefix(ref, "*"), strings.HasPrefix(ref, "[]"), strings.HasPrefix(ref, "map["), ref == "any":
		return "nil"
	case ref == "string":
		return `""`
	case ref == "bool":
		return "false"
	case strings.HasPrefix(ref, "int"), strings.HasPrefix(ref, "uint"), strings.HasPrefix(ref, "float"):
		return "0"
	default:
		return ref + "{}"
	}
}

func target(p *paramData) string {
	if p.Field == "" {
		return "payload"
	}
	return "payload." + p.Field
}

// readParam returns the expression reading a parameter with transport.Params p.
func readParam(p *paramData) string {
	switch {
	case p.Slice:
		return fmt.Sprintf("transport.Slice[%s](p, %s, %q)", p.GoType, p.Source, p.Name)
	case p.Default != "":
		return fmt.Sprintf("transport.Default(p, %s, %q, %s(%s))", p.Source, p.Name, p.GoType, p.Default)
	case p.Pointer:
		return fmt.Sprintf("transport.Optional[%s](p, %s, %q)", p.GoType, p.Source, p.Name)
	default:
		return fmt.Sprintf("transport.Required[%s](p, %s, %q)", p.GoType, p.Source, p.Name)
	}
}

func readToken(t *tokenData) string {
	if t.Cookie != "" {
		switch {
		case t.APIKey && t.Query != "":
			return fmt.Sprintf("p.APIKeyOrCookie(transport.Query, %q, %q)", t.Query, t.Cookie)
		case t.APIKey && t.Header != "":
			return fmt.Sprintf("p.APIKeyOrCookie(transport.Header, %q, %q)", t.Header, t.Cookie)
		case t.APIKey:
			return fmt.Sprintf("p.APIKey(transport.Cookie, %q)", t.Cookie)
		}
		return fmt.Sprintf("p.TokenOrCookie(%q, %q)", t.Query, t.Cookie)
	}
	if t.APIKey {
		if t.Query != "" {
			return fmt.Sprintf("p.APIKey(transport.Query, %q)", t.Query)
		}
		return fmt.Sprintf("p.APIKey(transport.Header, %q)", t.Header)
	}
	return fmt.Sprintf("p.Token(%q)", t.Query)
}

// setParam returns the client statements writing a query or header parameter.
func setParam(p *paramData) string {
	set := "q.Add"
	if p.Source == "transport.Header" {
		set = "h.Add"
	}
	v := "payload." + p.Field
	if p.Field == "" {
		v = "payload"
	}
	if p.Source == "transport.Cookie" {
		if p.Pointer {
			return fmt.Sprintf("\t\tif %s != nil {\n\t\t\ttransport.AddCookie(h, %q, transport.Format(*%s))\n\t\t}", v, p.Name, v)
		}
		return fmt.Sprintf("\t\ttransport.AddCookie(h, %q, transport.Format(%s))", p.Name, v)
	}
	switch {
	case p.Slice:
		return fmt.Sprintf("\t\tfor _, v := range %s {\n\t\t\t%s(%q, transport.Format(v))\n\t\t}", v, set, p.Name)
	case p.Pointer:
		return fmt.Sprintf("\t\tif %s != nil {\n\t\t\t%s(%q, transport.Format(*%s))\n\t\t}", v, set, p.Name, v)
	default:
		return fmt.Sprintf("\t\t%s(%q, transport.Format(%s))", set, p.Name, v)
	}
}

func setToken(t *tokenData, v string) string {
	switch {
	case t.Query != "":
		return fmt.Sprintf("q.Set(%q, %s)", t.Query, v)
	case t.CookieOnly:
		return fmt.Sprintf("transport.AddCookie(h, %q, %s)", t.Cookie, v)
	case t.APIKey:
		return fmt.Sprintf("h.Set(%q, %s)", t.Header, v)
	default:
		return fmt.Sprintf("h.Set(\"Authorization\", \"Bearer \"+%s)", v)
	}
}

func pathArg(p *paramData) string {
	if p.Field == "" {
		return "payload"
	}
	if p.Pointer {
		return "*payload." + p.Field
	}
	return "payload." + p.Field
}

// pathExpr returns the expression building the path of m from its
// arguments: "/rooms/{room}/history" -> "/rooms/" + transport.PathParam(room) + "/history".
func pathExpr(m *methodData) string {
	var parts []string
	rest := m.Pattern
	for {
		i := strings.Index(rest, "{")
		if i < 0 {
			break
		}
		j := strings.Index(rest[i:], "}")
		if j < 0 {
			break
		}
		if i > 0 {
			parts = append(parts, strconv.Quote(rest[:i]))
		}
		name := strings.TrimSuffix(rest[i+1:i+j], "...")
		parts = append(parts, "transport.PathParam("+codegen.LocalName(name)+")")
		rest = rest[i+j+1:]
	}
	if rest != "" {
		parts = append(parts, strconv.Quote(rest))
	}
	return strings.Join(parts, " + ")
}

// cliFields returns the attribute names of the credentials of m, which the
// CLI reads from flags.
func cliFields(m *methodData) []string {
	var names []string
	if m.Basic != nil {
		names = append(names, m.Basic.UserName, m.Basic.PasswordName)
	}
	for _, t := range m.Tokens {
		names = append(names, t.Name)
	}
	return names
}
