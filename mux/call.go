package mux

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"duplex.dev/internal/multiplex"
	"duplex.dev/ws"
)

// RoundTrip makes c an http.RoundTripper for the unary methods of a
// generated client (its doer: &http.Client{Transport: c}): a request whose
// body is JSON (or empty) is a call frame on the connection, its response
// the reply (docs/protocol.md, section 4.4). The request's context bounds
// the call, its deadline being the call's timeout. Other requests (another
// host, a body that is not JSON, such as a file upload), and every request
// when the server does not offer multiplexed connections, go through
// Fallback (http.DefaultTransport when nil).
func (c *Client) RoundTrip(req *http.Request) (*http.Response, error) {
	fallback := c.Fallback
	if fallback == nil {
		fallback = http.DefaultTransport
	}
	var body []byte
	if req.Body != nil && req.Body != http.NoBody {
		b, err := io.ReadAll(req.Body)
		req.Body.Close()
		if err != nil {
			return nil, err
		}
		body = b
		req.Body = io.NopCloser(bytes.NewReader(b))
		req.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(b)), nil }
	}
	if req.URL.Host != c.host || len(body) > 0 && !json.Valid(body) {
		return fallback.RoundTrip(req)
	}
	ctx := req.Context()
	cc, err := c.conn(ctx)
	if errors.Is(err, multiplex.ErrNotOffered) {
		return fallback.RoundTrip(req)
	}
	if err != nil {
		return nil, err
	}
	f := &frame{T: kindCall, Method: req.Method, Path: req.URL.EscapedPath(), Query: req.URL.RawQuery, Body: body}
	if len(req.Header) > 0 {
		f.Header = req.Header
	}
	if d, ok := ctx.Deadline(); ok {
		f.Timeout = max(1, time.Until(d).Milliseconds())
	}
	reply := make(chan *frame, 1)
	cc.openMu.Lock()
	cc.mu.Lock()
	if cc.err != nil {
		err := cc.err
		cc.mu.Unlock()
		cc.openMu.Unlock()
		return nil, err
	}
	cc.next++
	f.ID = cc.next
	cc.calls[f.ID] = reply
	cc.mu.Unlock()
	err = cc.ws.SendRaw(ctx, f.encode())
	cc.openMu.Unlock()
	defer func() {
		cc.mu.Lock()
		delete(cc.calls, f.ID)
		cc.mu.Unlock()
	}()
	if err != nil {
		return nil, err
	}
	var r *frame
	select {
	case r = <-reply:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	if r == nil {
		return nil, fmt.Errorf("mux: call: %w", cc.endErr())
	}
	if r.T != kindReply {
		return nil, &ws.CloseError{Code: r.Code, Reason: r.Reason}
	}
	res := &http.Response{
		Status: fmt.Sprintf("%d %s", r.Status, http.StatusText(r.Status)), StatusCode: r.Status,
		Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1,
		Header: r.Header, Request: req, ContentLength: -1,
	}
	if res.Header == nil {
		res.Header = http.Header{}
	}
	b := []byte(r.Body)
	if strings.HasPrefix(string(r.Body), `"`) && !strings.Contains(res.Header.Get("Content-Type"), "json") {
		var s string
		if json.Unmarshal(r.Body, &s) == nil {
			b = []byte(s) // a body that was not JSON, sent as a string
		}
	}
	res.Body = io.NopCloser(bytes.NewReader(b))
	res.ContentLength = int64(len(b))
	return res, nil
}

var _ http.RoundTripper = (*Client)(nil)
