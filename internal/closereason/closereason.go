// Package closereason cuts a close reason to what a WebSocket close frame
// can carry (RFC 6455 section 5.5: 125 bytes of payload, 2 of them the
// code), for package ws's close frames and package mux's end frames alike.
package closereason

import "unicode/utf8"

// Max is the longest close reason a close frame can carry, in bytes.
const Max = 123

// Truncate cuts s to Max bytes, on a rune boundary.
func Truncate(s string) string {
	if len(s) <= Max {
		return s
	}
	i := Max
	for i > 0 && !utf8.RuneStart(s[i]) {
		i--
	}
	return s[:i]
}
