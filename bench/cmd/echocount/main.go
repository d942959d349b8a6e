// Command echocount sends a fixed number of 64-byte echoes at window 1 to
// the /echo endpoint of a running benchmark server, from a client that
// writes a prepared frame and reads the answer into a fixed buffer (so
// that the machine's other load, not this client, is what varies), and
// reports the server's CPU time per echo when given its process id:
//
//	echocount -addr 127.0.0.1:PORT [-conns 100] [-n 1000] [-pid PID]
//
// The count is fixed, so a syscall counter run on the server for the
// duration of the command gives syscalls per echo, a figure that does not
// depend on the machine's load (BENCHMARKS.md, "Echo window 1: server CPU
// per message"):
//
//	perf stat -e raw_syscalls:sys_enter,syscalls:sys_enter_read,syscalls:sys_enter_recvfrom,syscalls:sys_enter_write \
//		-p PID -- echocount -addr 127.0.0.1:PORT -pid PID
package main

import (
	"bufio"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"
)

func main() {
	addr := flag.String("addr", "", "host:port of a server started by cmd/benchserver")
	conns := flag.Int("conns", 100, "connections, each sending its echoes one at a time")
	n := flag.Int("n", 1000, "echoes per connection")
	pid := flag.Int("pid", 0, "the server's process id, to report its CPU time per echo")
	flag.Parse()
	if *addr == "" || *conns < 1 || *n < 1 {
		fmt.Fprintln(os.Stderr, "echocount: want -addr HOST:PORT, -conns and -n at least 1")
		os.Exit(2)
	}
	if err := run(*addr, *conns, *n, *pid); err != nil {
		fmt.Fprintln(os.Stderr, "echocount:", err)
		os.Exit(1)
	}
}

func run(addr string, conns, n, pid int) error {
	cs := make([]*conn, conns)
	for i := range cs {
		c, err := dial(addr)
		if err != nil {
			return err
		}
		defer c.Close()
		cs[i] = c
	}
	frame := maskedText(`{"message":"` + strings.Repeat("x", 50) + `"}`)
	cpu0, err := cpuTime(pid)
	if err != nil {
		return err
	}
	start := time.Now()
	errs := make([]error, conns)
	var wg sync.WaitGroup
	for i, c := range cs {
		wg.Go(func() { errs[i] = c.echoes(frame, n) })
	}
	wg.Wait()
	elapsed := time.Since(start)
	if err := errors.Join(errs...); err != nil {
		return err
	}
	cpu1, err := cpuTime(pid)
	if err != nil {
		return err
	}
	total := conns * n
	fmt.Printf("%d echoes in %v: %.0f/s", total, elapsed.Round(time.Millisecond), float64(total)/elapsed.Seconds())
	if pid != 0 {
		fmt.Printf(", server CPU %v = %.2f µs per echo", cpu1-cpu0, float64((cpu1-cpu0).Nanoseconds())/1e3/float64(total))
	}
	fmt.Println()
	for _, c := range cs {
		c.Write([]byte{0x88, 0x82, 0, 0, 0, 0, 0x03, 0xe8}) // close 1000, masked with a zero key
	}
	return nil
}

type conn struct {
	net.Conn
	br *bufio.Reader
}

// dial opens a WebSocket connection to /echo with a hand-written handshake.
func dial(addr string) (*conn, error) {
	nc, err := net.Dial("tcp", addr)
	if err != nil {
		return nil, err
	}
	fmt.Fprintf(nc, "GET /echo HTTP/1.1\r\nHost: %s\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"+
		"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n", addr)
	c := &conn{Conn: nc, br: bufio.NewReader(nc)}
	status, err := c.br.ReadString('\n')
	if err != nil || !strings.Contains(status, " 101 ") {
		nc.Close()
		return nil, fmt.Errorf("handshake: %q, %v", status, err)
	}
	for {
		line, err := c.br.ReadString('\n')
		if err != nil {
			nc.Close()
			return nil, fmt.Errorf("handshake: %w", err)
		}
		if line == "\r\n" {
			return c, nil
		}
	}
}

// echoes sends frame n times, each after the previous answer came.
func (c *conn) echoes(frame []byte, n int) error {
	buf := make([]byte, 128)
	for i := range n {
		if _, err := c.Write(frame); err != nil {
			return fmt.Errorf("echo %d: %w", i, err)
		}
		if _, err := io.ReadFull(c.br, buf[:2]); err != nil {
			return fmt.Errorf("echo %d: %w", i, err)
		}
		if buf[0] != 0x81 || buf[1] >= 126 {
			return fmt.Errorf("echo %d: unexpected frame header % x", i, buf[:2])
		}
		if _, err := io.ReadFull(c.br, buf[:buf[1]]); err != nil {
			return fmt.Errorf("echo %d: %w", i, err)
		}
	}
	return nil
}

// maskedText returns a client text frame carrying payload (under 126
// bytes) with a zero mask key, which leaves the payload as it is.
func maskedText(payload string) []byte {
	return append([]byte{0x81, 0x80 | byte(len(payload)), 0, 0, 0, 0}, payload...)
}

// cpuTime returns the user and system CPU time of process pid (0: none)
// from /proc/PID/stat, in clock ticks of 10 ms.
func cpuTime(pid int) (time.Duration, error) {
	if pid == 0 {
		return 0, nil
	}
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, err
	}
	s := string(b)
	fields := strings.Fields(s[strings.LastIndexByte(s, ')')+2:])
	if len(fields) < 13 {
		return 0, fmt.Errorf("/proc/%d/stat: too few fields", pid)
	}
	utime, err1 := strconv.ParseInt(fields[11], 10, 64)
	stime, err2 := strconv.ParseInt(fields[12], 10, 64)
	if err := errors.Join(err1, err2); err != nil {
		return 0, fmt.Errorf("/proc/%d/stat: %w", pid, err)
	}
	return time.Duration(utime+stime) * 10 * time.Millisecond, nil
}
