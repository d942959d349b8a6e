package resume

import (
	"context"
	"errors"
	"fmt"
	"io"
	"sync"
	"time"

	"duplex.dev/ws"
)

// errOverflow fails a session whose replay buffer is full under the Fail
// policy.
var errOverflow = errors.New("replay buffer overflowed")

// errGap is a message that arrived before the one expected: the
// connection lost some, so it is dropped and the stream resumed.
var errGap = errors.New("messages are missing")

// outMsg is one sent, not yet acknowledged frame, kept for replay.
type outMsg struct {
	seq   uint64
	frame []byte
}

// inMsg is one received message waiting for the application.
type inMsg struct {
	seq  uint64
	data []byte
	end  *endBody
}

// peer is one side's protocol state, shared by the server's Session and
// the client's Stream: the replay buffer of what it sent, the inbox of what
// it received, and the acknowledgements due. It outlives connections; a
// pump goroutine per connection writes from it.
type peer struct {
	mu      sync.Mutex
	changed chan struct{} // closed on the next change; nil until someone waits

	// Outgoing.
	out       []outMsg // unacknowledged, seq ascending and contiguous
	outBytes  int
	seq       uint64 // last seq assigned
	acked     uint64 // highest seq the other side acknowledged
	maxMsgs   int
	maxBytes  int
	failFull  bool // Fail policy: a full buffer fails instead of waiting
	ended     bool // our end frame is in out
	endCode   ws.StatusCode
	endReason string
	peakMsgs  int
	peakBytes int

	// Incoming.
	inbox     []inMsg
	received  uint64 // highest seq accepted into the inbox
	consumed  uint64 // highest seq handed to the application
	ackSent   uint64
	ackDue    bool
	ackEvery  int
	ackDelay  time.Duration
	ackTimer  *time.Timer
	window    int // most messages the inbox may hold
	peerEnded bool
	gen       int // connection generation; pumps of older ones stop

	err error // terminal: set once, wakes every waiter
}

func newPeer(maxMsgs, maxBytes int, failFull bool, ackEvery int, ackDelay time.Duration, window int) *peer {
	return &peer{
		maxMsgs: maxMsgs, maxBytes: maxBytes, failFull: failFull,
		ackEvery: ackEvery, ackDelay: ackDelay, window: window,
	}
}

// notify wakes every waiter; p.mu must be held. The channel is made only
// when someone waits (waitCh), so that the changes nobody waits for, most
// of them on a busy stream, allocate nothing.
func (p *peer) notify() {
	if p.changed != nil {
		close(p.changed)
		p.changed = nil
	}
}

// waitCh returns a channel the next notify closes; p.mu must be held.
func (p *peer) waitCh() chan struct{} {
	if p.changed == nil {
		p.changed = make(chan struct{})
	}
	return p.changed
}

// wait lets go of p.mu until the next change or the end of ctx (then it
// returns ctx's error), and holds it again when it returns; p.mu is held.
func (p *peer) wait(ctx context.Context) error {
	ch := p.waitCh()
	p.mu.Unlock()
	defer p.mu.Lock()
	select {
	case <-ch:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// fail ends the peer with err (the first error wins) and wakes everyone.
func (p *peer) fail(err error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.failLocked(err)
}

func (p *peer) failLocked(err error) {
	if p.err != nil {
		return
	}
	p.err = err
	p.out, p.outBytes = nil, 0
	if p.ackTimer != nil {
		p.ackTimer.Stop()
	}
	p.notify()
}

// Err returns the terminal error, nil while the peer is alive.
func (p *peer) Err() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.err
}

// send numbers data (or our end, when end is set) and appends it to the
// replay buffer, waiting for room under the Wait policy.
func (p *peer) send(ctx context.Context, data []byte, end *endBody) error {
	return p.sendPolicy(ctx, data, end, p.failFull)
}

// sendPolicy is send with the overflow policy given: failFull fails the
// peer on a full buffer instead of waiting.
func (p *peer) sendPolicy(ctx context.Context, data []byte, end *endBody, failFull bool) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	for {
		if p.err != nil {
			return p.err
		}
		if p.ended {
			return fmt.Errorf("resume: send after the stream's end: %w", ErrSessionClosed)
		}
		n := len(data) + 32
		if end != nil || len(p.out) == 0 || (len(p.out) < p.maxMsgs && p.outBytes+n <= p.maxBytes) {
			break
		}
		if failFull {
			p.failLocked(fmt.Errorf("%w (%d messages, %d bytes unacknowledged)", errOverflow, len(p.out), p.outBytes))
			return p.err
		}
		if err := p.wait(ctx); err != nil {
			return fmt.Errorf("resume: waiting for acknowledgements: %w", err)
		}
	}
	p.seq++
	var frame []byte
	if end != nil {
		frame = endFrame(p.seq, ws.StatusCode(end.Code), end.Reason)
		p.ended = true
		p.endCode, p.endReason = ws.StatusCode(end.Code), end.Reason
	} else {
		frame = dataFrame(p.seq, data)
	}
	p.out = append(p.out, outMsg{seq: p.seq, frame: frame})
	p.outBytes += len(frame)
	p.peakMsgs = max(p.peakMsgs, len(p.out))
	p.peakBytes = max(p.peakBytes, p.outBytes)
	p.notify()
	return nil
}

// ack records that the other side has every message up to n.
func (p *peer) ack(n uint64) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.ackLocked(n)
}

func (p *peer) ackLocked(n uint64) error {
	if n > p.seq {
		return fmt.Errorf("acknowledgement %d of a message never sent (last sent %d)", n, p.seq)
	}
	if n <= p.acked {
		return nil
	}
	i := 0
	for i < len(p.out) && p.out[i].seq <= n {
		p.outBytes -= len(p.out[i].frame)
		i++
	}
	p.out = append(p.out[:0:0], p.out[i:]...)
	p.acked = n
	p.notify()
	return nil
}

// allAcked reports whether our end frame was sent and acknowledged.
func (p *peer) allAcked() bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.ended && p.acked == p.seq
}

// deliver accepts an incoming numbered message: the next one goes to the
// inbox, an old one (a replay overlap) is dropped and re-acknowledged, a
// gap is a protocol error.
func (p *peer) deliver(seq uint64, data []byte, end *endBody) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	switch {
	case p.err != nil:
		return p.err
	case seq <= p.received:
		if seq <= p.consumed {
			p.ackDue = true
			p.notify()
		}
		return nil
	case seq != p.received+1:
		// A frame the connection lost (a send queue that dropped it):
		// the sender still buffers it, and a resume sends it again.
		return fmt.Errorf("message %d arrived after %d: %w", seq, p.received, errGap)
	case p.peerEnded:
		return fmt.Errorf("message %d after the end of the stream", seq)
	case len(p.inbox) >= p.window:
		return fmt.Errorf("more than %d unacknowledged messages", p.window)
	}
	p.received = seq
	p.inbox = append(p.inbox, inMsg{seq: seq, data: data, end: end})
	if end != nil {
		p.peerEnded = true
	}
	p.notify()
	return nil
}

// receive hands the next message to the application: its data, or io.EOF
// (or the end's error) at the end of the stream.
func (p *peer) receive(ctx context.Context) ([]byte, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for len(p.inbox) == 0 {
		if p.err != nil {
			return nil, p.err
		}
		if err := p.wait(ctx); err != nil {
			return nil, err
		}
	}
	m := p.inbox[0]
	if m.end != nil {
		// The end stays in the inbox so later calls see it too.
		if p.consumed < m.seq {
			p.consumed = m.seq
			p.ackDue = true
			p.notify()
		}
		if m.end.Code == 0 || m.end.Code == int(ws.StatusNormalClosure) {
			return nil, io.EOF
		}
		return nil, &ws.CloseError{Code: ws.StatusCode(m.end.Code), Reason: m.end.Reason}
	}
	p.inbox[0] = inMsg{}
	p.inbox = p.inbox[1:]
	p.consumed = m.seq
	switch {
	case p.consumed-p.ackSent >= uint64(p.ackEvery):
		p.ackDue = true
		p.notify()
	case p.ackTimer == nil:
		p.ackTimer = time.AfterFunc(p.ackDelay, p.ackNow)
	case !p.ackDue:
		p.ackTimer.Reset(p.ackDelay)
	}
	return m.data, nil
}

func (p *peer) ackNow() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.err == nil && p.consumed > p.ackSent {
		p.ackDue = true
		p.notify()
	}
}

// attach starts a new connection generation: the other side has our
// messages up to last and will get the rest; it has (or will get again)
// the acknowledgement of everything we consumed.
func (p *peer) attach(last uint64) (gen int, consumed uint64, err error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.err != nil {
		return 0, 0, p.err
	}
	if err := p.ackLocked(last); err != nil {
		return 0, 0, err
	}
	p.gen++
	p.ackSent = p.consumed
	p.ackDue = false
	p.notify()
	return p.gen, p.consumed, nil
}

// detach stops the pumps of the current generation.
func (p *peer) detach(gen int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.gen == gen {
		p.gen++
		p.notify()
	}
}

// pump writes, on the connection of generation gen, every buffered message
// after last and the acknowledgements that fall due, until ctx ends, the
// generation changes or a write fails.
func (p *peer) pump(ctx context.Context, gen int, last uint64, write func(ctx context.Context, frame []byte) error) error {
	var batch [][]byte
	for {
		p.mu.Lock()
		if p.gen != gen {
			p.mu.Unlock()
			return nil
		}
		batch = batch[:0]
		if p.ackDue && p.consumed > p.ackSent {
			batch = append(batch, ackFrame(p.consumed))
			p.ackSent = p.consumed
		}
		p.ackDue = false
		if len(p.out) > 0 {
			i := 0
			if last >= p.out[0].seq {
				i = int(last - p.out[0].seq + 1)
			}
			for ; i < len(p.out); i++ {
				batch = append(batch, p.out[i].frame)
			}
			last = p.seq
		}
		err := p.err
		var ch chan struct{}
		if err == nil && len(batch) == 0 {
			ch = p.waitCh()
		}
		p.mu.Unlock()
		if err != nil {
			return nil
		}
		if len(batch) == 0 {
			select {
			case <-ch:
				continue
			case <-ctx.Done():
				return nil
			}
		}
		for _, f := range batch {
			if err := write(ctx, f); err != nil {
				return err
			}
		}
	}
}

// onFrame applies one non-handshake frame read from the other side.
func (p *peer) onFrame(e envelope) error {
	if e.Ack != nil {
		if err := p.ack(*e.Ack); err != nil {
			return err
		}
	}
	if e.Hello != nil || e.Resume != nil || e.Welcome != nil || e.Resumed != nil {
		return errors.New("handshake frame in the middle of a stream")
	}
	if e.Seq == 0 {
		if e.Data != nil || e.End != nil {
			return errors.New("message without seq")
		}
		return nil
	}
	if e.End != nil {
		return p.deliver(e.Seq, nil, e.End)
	}
	if e.Data == nil {
		return fmt.Errorf("message %d without data or end", e.Seq)
	}
	return p.deliver(e.Seq, e.Data, nil)
}

// stats returns the replay buffer's current and peak sizes.
func (p *peer) stats() Stats {
	p.mu.Lock()
	defer p.mu.Unlock()
	return Stats{Buffered: len(p.out), BufferedBytes: p.outBytes, PeakBuffered: p.peakMsgs,
		PeakBufferedBytes: p.peakBytes, Sent: p.seq, Acked: p.acked, Received: p.received}
}

// Stats describes a session's or stream's replay buffer, for monitoring
// and tests.
type Stats struct {
	// Buffered and BufferedBytes are the sent messages not acknowledged
	// yet; PeakBuffered and PeakBufferedBytes the most there ever were.
	Buffered, BufferedBytes, PeakBuffered, PeakBufferedBytes int
	// Sent is the last seq sent, Acked the last the other side
	// acknowledged, Received the last seq received from it.
	Sent, Acked, Received uint64
}
