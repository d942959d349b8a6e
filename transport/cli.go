package transport

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
)

// BuildPayload builds a CLI payload: body is a JSON document (may be empty)
// and fields are flag values keyed by attribute name, each read as JSON when
// it parses (numbers, booleans) and as a string otherwise; empty flags are
// skipped.
func BuildPayload[T any](body string, fields map[string]*string) (T, error) {
	var v T
	doc := map[string]json.RawMessage{}
	if body != "" {
		var raw json.RawMessage
		if err := json.Unmarshal([]byte(body), &raw); err != nil {
			return v, fmt.Errorf("-body: %w", err)
		}
		if err := json.Unmarshal(raw, &doc); err != nil || len(fields) == 0 {
			// A non-object payload: the body is the payload.
			if err := json.Unmarshal(raw, &v); err != nil {
				return v, fmt.Errorf("-body: %w", err)
			}
			return v, nil
		}
	}
	for name, p := range fields {
		if p == nil || *p == "" {
			continue
		}
		if json.Valid([]byte(*p)) && (*p)[0] != '"' {
			doc[name] = json.RawMessage(*p)
			continue
		}
		s, _ := json.Marshal(*p)
		doc[name] = s
	}
	b, err := json.Marshal(doc)
	if err != nil {
		return v, fmt.Errorf("build payload: %w", err)
	}
	if err := json.Unmarshal(b, &v); err != nil {
		return v, fmt.Errorf("build payload: %w", err)
	}
	return v, nil
}

// SendLines reads JSON documents (one a line, blank lines skipped) from r and
// sends each with send, until r ends.
func SendLines[T any](ctx context.Context, r io.Reader, send func(context.Context, T) error) error {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64*1024), MaxBodyBytes)
	for n := 1; sc.Scan(); n++ {
		line := bytes.TrimSpace(sc.Bytes())
		if len(line) == 0 {
			continue
		}
		var v T
		if err := json.Unmarshal(line, &v); err != nil {
			return fmt.Errorf("stdin line %d: %w", n, err)
		}
		if err := send(ctx, v); err != nil {
			return fmt.Errorf("send stdin line %d: %w", n, err)
		}
	}
	if err := sc.Err(); err != nil {
		return fmt.Errorf("read stdin: %w", err)
	}
	return nil
}

// PrintJSON writes v to w as one line of JSON.
func PrintJSON(w io.Writer, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("encode result: %w", err)
	}
	if _, err := w.Write(append(b, '\n')); err != nil {
		return fmt.Errorf("write result: %w", err)
	}
	return nil
}

// PrintLines receives results with recv and prints each as a JSON line,
// until the stream ends (io.EOF, which is not an error).
func PrintLines[T any](ctx context.Context, w io.Writer, recv func(context.Context) (T, error)) error {
	for {
		v, err := recv(ctx)
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return err
		}
		if err := PrintJSON(w, v); err != nil {
			return err
		}
	}
}

// Converse runs a bidirectional stream from a CLI: lines of r are sent while
// results are printed to w; when r ends, closeSend ends the client's side and
// results are printed until the server ends the stream.
//
// When the server ends first, Converse returns without waiting for the
// sender: a read from a terminal cannot be interrupted, and the process is
// about to exit.
func Converse[T, R any](ctx context.Context, r io.Reader, w io.Writer, send func(context.Context, T) error, recv func(context.Context) (R, error), closeSend func(context.Context) error) error {
	sent := make(chan error, 1)
	go func() {
		err := SendLines(ctx, r, send)
		if err == nil {
			err = closeSend(ctx)
		}
		sent <- err
	}()
	if err := PrintLines(ctx, w, recv); err != nil {
		return err
	}
	select {
	case err := <-sent:
		return err
	default:
		return nil
	}
}

// CloseStream closes a stream returned by a client endpoint when it has a
// Close method.
func CloseStream(s any) {
	if c, ok := s.(io.Closer); ok {
		_ = c.Close()
	}
}
