package transport

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"

	duplex "duplex.dev"
	"duplex.dev/internal/jsondepth"
)

// The client side of a unary call: the request generated clients build,
// and the response they decode.

// NewRequest builds a client request for url; a non-nil body is encoded as
// JSON.
func NewRequest(ctx context.Context, method, url string, body any) (*http.Request, error) {
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return nil, fmt.Errorf("encode %s %s request body: %w", method, url, err)
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, url, rd)
	if err != nil {
		return nil, fmt.Errorf("build %s %s request: %w", method, url, err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	req.Header.Set("Accept", "application/json")
	if !safeToRetry(req) {
		// One key per call, kept by Do's retries: the server runs the
		// method once however many of them reach it.
		req.Header.Set(idempotencyKeyHeader, newIdempotencyKey())
	}
	return req, nil
}

// Do sends req with c (http.DefaultClient when nil) and decodes a 2xx JSON
// response into a T. Any other status is returned as a *duplex.Error with
// the code of the status and the name and message of the error body.
//
// A request that is safe to repeat (a GET, or one with the Idempotency-Key
// NewRequest sets) is sent again, with the same key, after a network error
// or a 429/503 with a short Retry-After, up to 4 times with backoff.
func Do[T any](c *http.Client, req *http.Request) (T, error) {
	v, _, err := DoWithCookies[T](c, req)
	return v, err
}

// DoWithCookies is Do that also returns the cookies the response set, for
// the results a design maps with Cookie in Response (see ResponseCookie).
func DoWithCookies[T any](c *http.Client, req *http.Request) (T, []*http.Cookie, error) {
	v, resp, err := do[T](c, req)
	if resp == nil {
		return v, nil, err
	}
	return v, resp.Cookies(), err
}

func do[T any](c *http.Client, req *http.Request) (T, *http.Response, error) {
	var v T
	if c == nil {
		c = http.DefaultClient
	}
	resp, err := send(c, req)
	if err != nil {
		return v, nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return v, nil, decodeError(resp)
	}
	b, err := io.ReadAll(io.LimitReader(resp.Body, maxBodyBytes))
	if err != nil {
		return v, nil, fmt.Errorf("%s %s: read response: %w", req.Method, req.URL.Path, err)
	}
	if len(bytes.TrimSpace(b)) == 0 {
		return v, resp, nil
	}
	err = jsondepth.Check(b) // before decoding, as for a request body
	if err == nil {
		err = json.Unmarshal(b, &v)
	}
	if err != nil {
		return v, nil, fmt.Errorf("%s %s: decode response: %w", req.Method, req.URL.Path, err)
	}
	return v, resp, nil
}

// decodeError turns a non-2xx response into a *duplex.Error with the code
// of its status (duplex.CodeForStatus). A Goa error body is decoded as is;
// any other body (such as a design error encoded as its own value) becomes
// the message, named by the goa-error header when present.
func decodeError(resp *http.Response) *duplex.Error {
	b, _ := io.ReadAll(io.LimitReader(resp.Body, maxBodyBytes))
	e := &duplex.Error{Code: duplex.CodeForStatus(resp.StatusCode)}
	var body errorBody
	if err := json.Unmarshal(b, &body); err == nil && body.Name != "" {
		e.Name, e.Message, e.Temporary = body.Name, body.Message, body.Temporary
		return e
	}
	e.Name = resp.Header.Get("goa-error")
	var s string
	if err := json.Unmarshal(b, &s); err == nil {
		e.Message = s
	} else {
		e.Message = strings.TrimSpace(string(b))
	}
	if e.Message == "" {
		e.Message = http.StatusText(resp.StatusCode)
	}
	return e
}
