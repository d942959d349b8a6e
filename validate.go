package duplex

import (
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/mail"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"time"
)

// Format is a string format a design can require with the Format DSL
// function; the names follow JSON Schema and Goa.
type Format string

// The formats ValidateFormat knows.
const (
	FormatDate     Format = "date"      // RFC 3339 full-date, 2006-01-02
	FormatDateTime Format = "date-time" // RFC 3339 date-time
	FormatUUID     Format = "uuid"      // RFC 4122 UUID
	FormatEmail    Format = "email"     // RFC 5322 address
	FormatHostname Format = "hostname"  // RFC 1035 host name
	FormatIPv4     Format = "ipv4"      // dotted IPv4 address
	FormatIPv6     Format = "ipv6"      // IPv6 address
	FormatIP       Format = "ip"        // IPv4 or IPv6 address
	FormatURI      Format = "uri"       // RFC 3986 absolute URI or absolute path
	FormatMAC      Format = "mac"       // IEEE 802 MAC-48, EUI-48 or EUI-64
	FormatCIDR     Format = "cidr"      // RFC 4632 / RFC 4291 CIDR notation
	FormatRegexp   Format = "regexp"    // RE2 regular expression
	FormatJSON     Format = "json"      // JSON text
	FormatRFC1123  Format = "rfc1123"   // RFC 1123 date time
)

var (
	// Goa's hostname expression lacks a group around its alternation, so it
	// accepts any value that ends with a letter; this one checks every label.
	hostnameRegex = regexp.MustCompile(`^[[:alnum:]](?:[[:alnum:]\-]{0,61}[[:alnum:]])?(?:\.[[:alnum:]](?:[[:alnum:]\-]{0,61}[[:alnum:]])?)*$`)
	ipv4Regex     = regexp.MustCompile(`^(?:[0-9]{1,3}\.){3}[0-9]{1,3}$`)
)

// ValidateFormat returns nil if val, the value of attribute name, conforms to
// f, and an InvalidFormatError naming the attribute otherwise. An unknown
// format is an error too.
func ValidateFormat(name string, val string, f Format) error {
	var err error
	switch f {
	case FormatDate:
		_, err = time.Parse(time.DateOnly, val)
	case FormatDateTime:
		_, err = time.Parse(time.RFC3339, val)
	case FormatUUID:
		err = validateUUID(val)
	case FormatEmail:
		_, err = mail.ParseAddress(val)
	case FormatHostname:
		if !hostnameRegex.MatchString(val) {
			err = fmt.Errorf("hostname value %q does not match %s", val, hostnameRegex)
		}
	case FormatIPv4, FormatIPv6, FormatIP:
		switch {
		case net.ParseIP(val) == nil:
			err = fmt.Errorf("%q is an invalid %s value", val, f)
		case f == FormatIPv4 && !ipv4Regex.MatchString(val):
			err = fmt.Errorf("%q is an invalid ipv4 value", val)
		case f == FormatIPv6 && ipv4Regex.MatchString(val):
			err = fmt.Errorf("%q is an invalid ipv6 value", val)
		}
	case FormatURI:
		_, err = url.ParseRequestURI(val)
	case FormatMAC:
		_, err = net.ParseMAC(val)
	case FormatCIDR:
		_, _, err = net.ParseCIDR(val)
	case FormatRegexp:
		_, err = regexp.Compile(val)
	case FormatJSON:
		if !json.Valid([]byte(val)) {
			err = errors.New("invalid JSON")
		}
	case FormatRFC1123:
		_, err = time.Parse(time.RFC1123, val)
	default:
		return fmt.Errorf("validate %s: unknown format %q", name, f)
	}
	if err != nil {
		return InvalidFormatError(name, val, f, err)
	}
	return nil
}

// patterns caches compiled patterns: generated validators call
// ValidatePattern with a handful of constant patterns, many times.
var patterns sync.Map // string -> *regexp.Regexp

// ValidatePattern returns nil if val, the value of attribute name, matches
// the regular expression p, and an InvalidPatternError otherwise. The design
// validates p, so an invalid p is a Fault.
func ValidatePattern(name, val, p string) error {
	var r *regexp.Regexp
	if v, ok := patterns.Load(p); ok {
		r = v.(*regexp.Regexp)
	} else {
		var err error
		r, err = regexp.Compile(p)
		if err != nil {
			return Fault("validate %s: invalid pattern %q: %v", name, p, err)
		}
		patterns.Store(p, r)
	}
	if !r.MatchString(val) {
		return InvalidPatternError(name, val, p)
	}
	return nil
}

// validateUUID accepts the forms Goa accepts:
// 6ba7b810-9dad-11d1-80b4-00c04fd430c8, 6ba7b8109dad11d180b400c04fd430c8,
// {6ba7b810-9dad-11d1-80b4-00c04fd430c8} and
// urn:uuid:6ba7b810-9dad-11d1-80b4-00c04fd430c8, with the RFC 4122 variant.
func validateUUID(s string) error {
	u := s
	switch len(u) {
	case 36:
	case 36 + 9:
		if !strings.EqualFold(u[:9], "urn:uuid:") {
			return fmt.Errorf("uuid: %s: invalid urn prefix", s)
		}
		u = u[9:]
	case 36 + 2:
		if u[0] != '{' || u[len(u)-1] != '}' {
			return fmt.Errorf("uuid: %s: invalid braces", s)
		}
		u = u[1 : len(u)-1]
	case 32:
	default:
		return fmt.Errorf("uuid: %s: invalid length %d", s, len(s))
	}
	if len(u) == 36 {
		if u[8] != '-' || u[13] != '-' || u[18] != '-' || u[23] != '-' {
			return fmt.Errorf("uuid: %s: invalid format", s)
		}
		u = u[:8] + u[9:13] + u[14:18] + u[19:23] + u[24:]
	}
	b, err := hex.DecodeString(u)
	if err != nil {
		return fmt.Errorf("uuid: %s: %w", s, err)
	}
	if b[8]&0xc0 != 0x80 {
		return fmt.Errorf("uuid: %s: expected the RFC 4122 variant", s)
	}
	return nil
}
