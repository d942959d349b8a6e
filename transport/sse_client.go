package transport

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"

	duplex "duplex.dev"
	"duplex.dev/sse"
	"duplex.dev/ws"
)

// SSEClientEvent is one event of a Goa ServerSentEvents stream as a client
// reads it: its id: and event: lines and its data lines joined by "\n".
type SSEClientEvent struct {
	ID, Type string
	Data     []byte
}

// maxEventSize bounds one event a client reads.
const maxEventSize = 1 << 20

// DialEvents opens the event stream of a Goa ServerSentEvents method
// (GET path with Accept: text/event-stream) with doer, and returns a
// *ClientStream[S, R] whose Recv decodes what message makes of each event
// (nil: its data, the whole result as JSON). Recv returns io.EOF when the
// response ends: Goa's wire has no end event. ctx bounds the request until
// the response headers. A response with an error status is an error
// wrapping a *duplex.Error with the status's code.
func DialEvents[S, R any](ctx context.Context, doer *http.Client, scheme, host, name, path string, q url.Values, h http.Header,
	message func(SSEClientEvent) ([]byte, error)) (any, error) {
	sctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	stop := context.AfterFunc(ctx, cancel)
	req, err := http.NewRequestWithContext(sctx, http.MethodGet, URL(scheme, host, path, q), nil)
	if err != nil {
		stop()
		cancel()
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	for k, vs := range h {
		req.Header[k] = vs
	}
	req.Header.Set("Accept", sse.ContentType)
	resp, err := doer.Do(req)
	if !stop() {
		err = errors.Join(err, ctx.Err())
	}
	if err != nil {
		if resp != nil {
			resp.Body.Close()
		}
		cancel()
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		err := decodeError(resp) // the server refused the stream: a *duplex.Error with its code
		resp.Body.Close()
		cancel()
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	if resp.StatusCode != http.StatusOK || !strings.HasPrefix(resp.Header.Get("Content-Type"), sse.ContentType) {
		body, _ := io.ReadAll(io.LimitReader(resp.Body, 1024))
		resp.Body.Close()
		cancel()
		return nil, fmt.Errorf("%s: %s (%s), want 200 %s: %s", name, resp.Status, resp.Header.Get("Content-Type"), sse.ContentType, bytes.TrimSpace(body))
	}
	return &ClientStream[S, R]{c: &eventsClient{resp: resp, r: bufio.NewReader(resp.Body), cancel: cancel, message: message}}, nil
}

// eventsClient is the carrier of a client's event stream.
type eventsClient struct {
	resp    *http.Response
	r       *bufio.Reader
	cancel  context.CancelFunc
	message func(SSEClientEvent) ([]byte, error)
	once    sync.Once
}

var _ Carrier = (*eventsClient)(nil)

func (c *eventsClient) ReceiveRaw(ctx context.Context) ([]byte, error) {
	stop := context.AfterFunc(ctx, c.cancel)
	defer stop()
	ev, err := c.next()
	if err != nil {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		return nil, err
	}
	if c.message == nil {
		return ev.Data, nil
	}
	return c.message(ev)
}

// next reads the next event that has data; io.EOF at the end of the
// response.
func (c *eventsClient) next() (SSEClientEvent, error) {
	var ev SSEClientEvent
	var data [][]byte
	size := 0
	for {
		line, err := c.readLine(maxEventSize - size)
		if err != nil {
			if errors.Is(err, io.EOF) && data != nil {
				ev.Data = bytes.Join(data, []byte("\n"))
				return ev, nil
			}
			return ev, err
		}
		if len(line) == 0 {
			if data != nil {
				ev.Data = bytes.Join(data, []byte("\n"))
				return ev, nil
			}
			ev = SSEClientEvent{}
			continue
		}
		if line[0] == ':' {
			continue
		}
		field, value, _ := bytes.Cut(line, []byte(":"))
		value = bytes.TrimPrefix(value, []byte(" "))
		switch string(field) {
		case "data":
			size += len(value)
			data = append(data, value)
		case "id":
			ev.ID = string(value)
		case "event":
			ev.Type = string(value)
		}
	}
}

// readLine returns the next line without its end (\n, \r\n), a copy,
// refusing one longer than limit; a last line without an end is a line,
// then io.EOF.
func (c *eventsClient) readLine(limit int) ([]byte, error) {
	var line []byte
	for {
		chunk, err := c.r.ReadSlice('\n')
		line = append(line, chunk...)
		if len(line) > limit+2 {
			return nil, fmt.Errorf("sse: an event larger than %d bytes", maxEventSize)
		}
		switch {
		case err == nil:
			return bytes.TrimRight(line, "\r\n"), nil
		case errors.Is(err, bufio.ErrBufferFull):
			continue
		case errors.Is(err, io.EOF) && len(line) > 0:
			return bytes.TrimRight(line, "\r\n"), nil
		default:
			return nil, err
		}
	}
}

func (*eventsClient) Send(context.Context, any) error {
	return errors.New("sse: an event stream carries nothing to the server")
}

func (*eventsClient) CloseSend(context.Context) error { return nil }

func (c *eventsClient) Close(ws.StatusCode, string) error {
	c.once.Do(func() {
		c.cancel()
		c.resp.Body.Close()
	})
	return nil
}

func (c *eventsClient) Fail(error) { _ = c.Close(ws.StatusNormalClosure, "") }

func (*eventsClient) Context() context.Context { return context.Background() }

func (*eventsClient) Request() *http.Request { return nil }

// EventMessage is the message func of DialEvents for an event whose data
// is one attribute of the result (SSEEventData): build sets the result's
// attributes from ev, and the result is decoded as any other message.
func EventMessage[T any](build func(ev SSEClientEvent, v *T) error) func(SSEClientEvent) ([]byte, error) {
	return func(ev SSEClientEvent) ([]byte, error) {
		v := new(T)
		if err := build(ev, v); err != nil {
			return nil, err
		}
		return json.Marshal(v)
	}
}

// EventData decodes the JSON data of an event into dst.
func EventData(data []byte, dst any) error {
	if err := json.Unmarshal(data, dst); err != nil {
		return duplex.NewError(duplex.CodeInvalid, "", "event data: %w", err)
	}
	return nil
}
