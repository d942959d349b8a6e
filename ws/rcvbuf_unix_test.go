//go:build unix

package ws

import "syscall"

// setReceiveBuffer sets the socket receive buffer of fd to n bytes.
func setReceiveBuffer(fd uintptr, n int) error {
	return syscall.SetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_RCVBUF, n)
}
