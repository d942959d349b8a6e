//go:build !unix

package ws

import (
	"errors"
	"net"
)

// canWriteNow: a write that never waits exists on unix only (see
// rawwrite.go); elsewhere every batch of queued frames has a writer
// goroutine of its own.
func canWriteNow(net.Conn) bool { return false }

func writeNow(net.Conn, []byte) (int, error) {
	return 0, errors.New("ws: no write that never waits on this platform")
}
