//go:build unix

package ws

import (
	"errors"
	"net"
	"syscall"
)

// canWriteNow reports whether nc has a file descriptor writeNow can write
// to (not a TLS connection or a net.Pipe).
func canWriteNow(nc net.Conn) bool {
	_, ok := nc.(syscall.Conn)
	return ok
}

// writeNow writes what nc's socket takes of b at once and returns how
// much that was; it never waits for room. It writes under the runtime's
// write lock of the descriptor (syscall.RawConn.Write), so that it is
// ordered with the connection's other writes.
func writeNow(nc net.Conn, b []byte) (int, error) {
	sc, ok := nc.(syscall.Conn)
	if !ok {
		return 0, errors.New("ws: no descriptor to write to")
	}
	rc, err := sc.SyscallConn()
	if err != nil {
		return 0, err
	}
	var n int
	var werr error
	err = rc.Write(func(fd uintptr) bool {
		for {
			n, werr = syscall.Write(int(fd), b)
			if !errors.Is(werr, syscall.EINTR) {
				break
			}
		}
		if errors.Is(werr, syscall.EAGAIN) {
			n, werr = 0, nil // full: the rest is left to a writer that may wait
		}
		n = max(n, 0)
		return true // never wait for the socket to take more
	})
	if err != nil {
		return 0, err
	}
	return n, werr
}
