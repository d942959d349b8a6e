package natsbroker

import (
	"encoding/base64"
	"strings"
)

// token turns a room or member name into one NATS subject token, stream
// name part and KV key part. Names made of letters, digits, '-' and '_'
// are kept as they are, so subjects stay readable ("duplex.room.general");
// any other name is written as '=' followed by its unpadded base64url form.
// '=' cannot appear in a kept name, so two names never share a token.
func token(name string) string {
	if name != "" && strings.IndexFunc(name, func(r rune) bool { return !safeRune(r) }) < 0 {
		return name
	}
	return "=" + base64.RawURLEncoding.EncodeToString([]byte(name))
}

func safeRune(r rune) bool {
	return r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_'
}
