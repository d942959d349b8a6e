//go:build !unix

package ws

import (
	"bufio"
	"net"
	"sync/atomic"
)

// idleReader exists on unix only (see idleread.go); elsewhere a connection
// keeps net/http's read buffer.
type idleReader struct {
	pinged  *atomic.Int64
	closing <-chan struct{}
}

func (*idleReader) buffered() int { return 0 }

func swapReadBuffer(nc net.Conn, _ *bufio.Reader) (net.Conn, *idleReader) { return nc, nil }

func (*idleReader) awaitInput() {}
