package codec

import (
	"fmt"
	"math"
	"slices"
	"strconv"
	"unicode/utf8"
)

// This file is a PROTOTYPE of the marshalling code a generator could emit for
// design types: it knows every field, so it appends JSON directly without
// reflection. It is here to be measured, not used: Duplex's runtime does not
// import it. Its output is byte for byte what encoding/json.Marshal writes
// for the same value (TestAppendMatchesEncodingJSON), including HTML-safe
// string escaping, sorted map keys and encoding/json's float format.

// AppendMessage appends the JSON encoding of v to dst, as encoding/json
// would encode it.
func AppendMessage(dst []byte, v *Message) []byte {
	dst = append(dst, `{"sequence":`...)
	dst = strconv.AppendInt(dst, v.Sequence, 10)
	dst = append(dst, `,"room":`...)
	dst = appendString(dst, v.Room)
	dst = append(dst, `,"from":`...)
	dst = appendString(dst, v.From)
	dst = append(dst, `,"text":`...)
	dst = appendString(dst, v.Text)
	dst = append(dst, `,"timestamp":`...)
	dst = appendString(dst, v.Timestamp)
	return append(dst, '}')
}

// AppendEcho appends the JSON encoding of v to dst, as encoding/json would
// encode it.
func AppendEcho(dst []byte, v *Echo) []byte {
	dst = append(dst, `{"message":`...)
	dst = appendString(dst, v.Message)
	return append(dst, '}')
}

// AppendAnalytics appends the JSON encoding of v to dst, as encoding/json
// would encode it. It fails, like encoding/json, when MessagesPerSecond is
// NaN or infinite.
func AppendAnalytics(dst []byte, v *Analytics) ([]byte, error) {
	dst = append(dst, `{"timestamp":`...)
	dst = appendString(dst, v.Timestamp)
	dst = append(dst, `,"connections":`...)
	dst = strconv.AppendInt(dst, int64(v.Connections), 10)
	dst = append(dst, `,"rooms":`...)
	dst = strconv.AppendInt(dst, int64(v.Rooms), 10)
	if v.MessagesPerSecond != nil {
		dst = append(dst, `,"messages_per_second":`...)
		var err error
		if dst, err = appendFloat(dst, *v.MessagesPerSecond); err != nil {
			return nil, fmt.Errorf("encode Analytics.messages_per_second: %w", err)
		}
	}
	if len(v.TopRooms) > 0 {
		dst = append(dst, `,"top_rooms":[`...)
		for i, s := range v.TopRooms {
			if i > 0 {
				dst = append(dst, ',')
			}
			dst = appendString(dst, s)
		}
		dst = append(dst, ']')
	}
	if len(v.RoomMembers) > 0 {
		dst = append(dst, `,"room_members":{`...)
		// Sorted like encoding/json; a small map's keys stay on the stack.
		var small [16]string
		keys := small[:0]
		for k := range v.RoomMembers {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		for i, k := range keys {
			if i > 0 {
				dst = append(dst, ',')
			}
			dst = appendString(dst, k)
			dst = append(dst, ':')
			dst = strconv.AppendInt(dst, int64(v.RoomMembers[k]), 10)
		}
		dst = append(dst, '}')
	}
	if v.Dropped != nil {
		dst = append(dst, `,"dropped":`...)
		dst = strconv.AppendInt(dst, *v.Dropped, 10)
	}
	return append(dst, '}'), nil
}

// appendFloat writes f the way encoding/json does: shortest representation,
// exponent form below 1e-6 and from 1e21, "e-07" shortened to "e-7".
func appendFloat(dst []byte, f float64) ([]byte, error) {
	if math.IsInf(f, 0) || math.IsNaN(f) {
		return nil, fmt.Errorf("unsupported value %v", f)
	}
	format := byte('f')
	if abs := math.Abs(f); abs != 0 && (abs < 1e-6 || abs >= 1e21) {
		format = 'e'
	}
	dst = strconv.AppendFloat(dst, f, format, -1, 64)
	if format == 'e' {
		if n := len(dst); n >= 4 && dst[n-4] == 'e' && dst[n-3] == '-' && dst[n-2] == '0' {
			dst[n-2] = dst[n-1]
			dst = dst[:n-1]
		}
	}
	return dst, nil
}

const hexDigits = "0123456789abcdef"

// safeASCII[b] is true for the ASCII bytes a JSON string can hold as they
// are, with encoding/json's HTML-safe escaping (<, > and & are escaped).
var safeASCII = func() (t [utf8.RuneSelf]bool) {
	for b := 0x20; b < utf8.RuneSelf; b++ {
		t[b] = b != '"' && b != '\\' && b != '<' && b != '>' && b != '&'
	}
	return t
}()

// appendString appends s as a JSON string, escaped exactly as
// encoding/json.Marshal escapes it: short escapes for \" \\ \b \f \n \r \t,
// \u00XX for other control bytes and for < > &, \ufffd for each invalid
// UTF-8 byte, and \u2028 / \u2029 for the JavaScript line separators.
func appendString(dst []byte, s string) []byte {
	dst = append(dst, '"')
	start := 0
	for i := 0; i < len(s); {
		if b := s[i]; b < utf8.RuneSelf {
			if safeASCII[b] {
				i++
				continue
			}
			dst = append(dst, s[start:i]...)
			switch b {
			case '\\', '"':
				dst = append(dst, '\\', b)
			case '\b':
				dst = append(dst, '\\', 'b')
			case '\f':
				dst = append(dst, '\\', 'f')
			case '\n':
				dst = append(dst, '\\', 'n')
			case '\r':
				dst = append(dst, '\\', 'r')
			case '\t':
				dst = append(dst, '\\', 't')
			default:
				dst = append(dst, '\\', 'u', '0', '0', hexDigits[b>>4], hexDigits[b&0xF])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			dst = append(dst, s[start:i]...)
			dst = append(dst, `\ufffd`...)
			i += size
			start = i
			continue
		}
		if r == '\u2028' || r == '\u2029' {
			dst = append(dst, s[start:i]...)
			dst = append(dst, '\\', 'u', '2', '0', '2', hexDigits[r&0xF])
			i += size
			start = i
			continue
		}
		i += size
	}
	dst = append(dst, s[start:]...)
	return append(dst, '"')
}

// MarshalMessage returns the JSON encoding of v in a new buffer sized for
// it, as a generated Marshal would.
func MarshalMessage(v *Message) []byte {
	n := len(`{"sequence":,"room":,"from":,"text":,"timestamp":}`) + 20 + 8 +
		len(v.Room) + len(v.From) + len(v.Text) + len(v.Timestamp)
	return AppendMessage(make([]byte, 0, n+n/8), v)
}

// MarshalEcho returns the JSON encoding of v in a new buffer sized for it.
func MarshalEcho(v *Echo) []byte {
	n := len(`{"message":""}`) + len(v.Message)
	return AppendEcho(make([]byte, 0, n+n/8), v)
}

// MarshalAnalytics returns the JSON encoding of v in a new buffer sized
// for it.
func MarshalAnalytics(v *Analytics) ([]byte, error) {
	n := 160 + len(v.Timestamp)
	for _, s := range v.TopRooms {
		n += len(s) + 3
	}
	for k := range v.RoomMembers {
		n += len(k) + 14
	}
	return AppendAnalytics(make([]byte, 0, n+n/8), v)
}
