package transport

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"
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

// SendLines reads JSON documents (one a line, blank lines skipped) from r,
// checks each with validate (nil skips the check) and sends it with send,
// until r ends. A line that is not JSON, does not fit T or fails validate
// stops it with an error naming the line and the problem, so a CLI can exit
// at once instead of sending what the server would refuse.
//
// When ctx ends while r blocks, SendLines returns ctx's error without
// waiting: a read from a terminal cannot be interrupted, and the process is
// about to exit (the read ends with the process or when r is closed).
func SendLines[T any](ctx context.Context, r io.Reader, validate func(T) error, send func(context.Context, T) error) error {
	lines := make(chan []byte)
	scanned := make(chan error, 1)
	stop := make(chan struct{})
	defer close(stop)
	go func() {
		sc := bufio.NewScanner(r)
		sc.Buffer(make([]byte, 64*1024), maxBodyBytes)
		for sc.Scan() {
			select {
			case lines <- bytes.Clone(sc.Bytes()):
			case <-stop:
				return
			}
		}
		scanned <- sc.Err()
	}()
	for n := 1; ; n++ {
		var line []byte
		select {
		case line = <-lines:
		case err := <-scanned:
			if err != nil {
				return fmt.Errorf("read stdin: %w", err)
			}
			return nil
		case <-ctx.Done():
			return context.Cause(ctx)
		}
		line = bytes.TrimSpace(line)
		if len(line) == 0 {
			continue
		}
		v, err := decodeLine[T](line)
		if err == nil && validate != nil {
			err = validate(v)
		}
		if err != nil {
			return fmt.Errorf("stdin line %d: %w", n, err)
		}
		if err := send(ctx, v); err != nil {
			return sendFailed{fmt.Errorf("send stdin line %d: %w", n, err)}
		}
	}
}

// sendFailed is an error of the stream rather than of the input: the
// stream ended (or broke), which its receiving side sees too.
type sendFailed struct{ error }

func (e sendFailed) Unwrap() error { return e.error }

// decodeLine decodes one stdin line, with an error that says what is wrong
// with it in the design's terms: not JSON, or which attribute has the wrong
// type.
func decodeLine[T any](line []byte) (T, error) {
	var v T
	if !json.Valid(line) {
		err := json.Unmarshal(line, new(any))
		return v, fmt.Errorf("not valid JSON: %s", strings.TrimPrefix(err.Error(), "json: "))
	}
	err := json.Unmarshal(line, &v)
	var te *json.UnmarshalTypeError
	switch {
	case err == nil:
		return v, nil
	case errors.As(err, &te) && te.Field != "":
		return v, fmt.Errorf("attribute %q: got a JSON %s, want %s", te.Field, te.Value, te.Type)
	case errors.As(err, &te):
		return v, fmt.Errorf("got a JSON %s, want %s", te.Value, te.Type)
	}
	return v, err
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

// Converse runs a bidirectional stream from a CLI: lines of r are checked
// with validate (nil skips the check) and sent while results are printed to
// w; when r ends, closeSend ends the client's side and results are printed
// until the server ends the stream. A line SendLines refuses, or a failed
// send, ends Converse at once with that error.
//
// When the server ends first, Converse returns without waiting for the
// sender: a read from a terminal cannot be interrupted, and the process is
// about to exit.
func Converse[T, R any](ctx context.Context, r io.Reader, w io.Writer, validate func(T) error, send func(context.Context, T) error, recv func(context.Context) (R, error), closeSend func(context.Context) error) error {
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	sent := make(chan error, 1)
	go func() {
		err := SendLines(ctx, r, validate, send)
		if err == nil {
			if err = closeSend(ctx); err != nil {
				err = sendFailed{err}
			}
		}
		if err != nil && !errors.As(err, new(sendFailed)) {
			// A bad line (or stdin failing): the receiver would wait for the
			// server forever. Stop it; the sender's error is the one to report.
			cancel(err)
		}
		sent <- err
	}()
	if err := PrintLines(ctx, w, recv); err != nil {
		if ctx.Err() != nil {
			return context.Cause(ctx)
		}
		return err
	}
	// The server ended the stream with 1000: what the client could not
	// send any more does not matter, a bad line does.
	select {
	case err := <-sent:
		if errors.As(err, new(sendFailed)) {
			return nil
		}
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

// usageError is a command line that does not parse: an unknown command or
// flag, a missing argument, or -h (then it wraps flag.ErrHelp). Text is
// what to print: the problem, then the usage of the command.
type usageError struct {
	Err  error
	Text string
}

func (e *usageError) Error() string { return e.Err.Error() }
func (e *usageError) Unwrap() error { return e.Err }

// UsageErrorf returns a *usageError whose text is the formatted problem
// followed by usage.
func UsageErrorf(usage, format string, args ...any) error {
	err := fmt.Errorf(format, args...)
	return &usageError{Err: err, Text: err.Error() + "\n" + usage}
}

// ParseFlags parses the flags of one CLI command. When they do not parse,
// or on -h, it returns a *usageError whose text is the problem (none for
// -h), then usage and the command's flags.
func ParseFlags(fs *flag.FlagSet, usage string, args []string) error {
	var text strings.Builder
	fs.SetOutput(&text)
	fs.Usage = func() {
		fmt.Fprintln(&text, usage)
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return &usageError{Err: err, Text: text.String()}
	}
	return nil
}

// Exit codes of MainCLI.
const (
	exitOK          = 0   // the call succeeded, or -h
	exitFailed      = 1   // the call failed: the error is printed
	exitUsage       = 2   // the command line does not parse
	exitInterrupted = 130 // ctx ended (SIGINT or SIGTERM): streams were closed with 1000
)

// MainCLI is the Main of a generated command-line client named name. It
// parses the flags every generated CLI shares, as Goa's do (-url, -timeout
// in seconds, -verbose or -v), then calls run with the server's scheme and
// host, an HTTP client for requests and stream handshakes, and the
// remaining arguments. It prints errors and usage on stderr and returns the
// process's exit code.
//
// The timeout bounds a unary call and the opening of a stream, never a
// stream once open: a subscription may last hours.
func MainCLI(ctx context.Context, name, usage, defaultURL string, args []string, stderr io.Writer, run func(ctx context.Context, scheme, host string, doer *http.Client, args []string) error) int {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	rawURL := fs.String("url", defaultURL, "URL of the server")
	timeout := fs.Int("timeout", 30, "seconds to wait for a response, or for a stream to open (0: no limit)")
	verbose := fs.Bool("verbose", false, "print HTTP requests and responses (stream handshakes included) on stderr")
	fs.BoolVar(verbose, "v", false, "same as -verbose")
	err := ParseFlags(fs, strings.TrimRight(usage, "\n")+"\n\nflags:", args)
	if err == nil {
		var u *url.URL
		u, err = url.Parse(*rawURL)
		switch {
		case err != nil:
			err = UsageErrorf(usage, "-url: %v", err)
		case u.Scheme == "" || u.Host == "":
			err = UsageErrorf(usage, "-url %q: want scheme://host[:port], as http://localhost:8080", *rawURL)
		case *timeout < 0:
			err = UsageErrorf(usage, "-timeout %d: want seconds, 0 or more", *timeout)
		default:
			doer := &http.Client{Timeout: time.Duration(*timeout) * time.Second}
			if *verbose {
				doer.Transport = &verboseTransport{w: stderr}
			}
			err = run(ctx, u.Scheme, u.Host, doer, fs.Args())
		}
	}
	var ue *usageError
	switch {
	case err == nil:
		return exitOK
	case errors.As(err, &ue):
		fmt.Fprint(stderr, ue.Text)
		if errors.Is(err, flag.ErrHelp) {
			return exitOK
		}
		return exitUsage
	case ctx.Err() != nil:
		return exitInterrupted
	}
	fmt.Fprintf(stderr, "%s: %v\n", name, err)
	return exitFailed
}

// verboseTransport prints each request line and response status on w,
// with the values of credential-like query parameters left out.
type verboseTransport struct{ w io.Writer }

func (t *verboseTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	u := *req.URL
	u.User = nil
	q := u.Query()
	for k := range q {
		if lk := strings.ToLower(k); strings.Contains(lk, "token") || strings.Contains(lk, "key") ||
			strings.Contains(lk, "secret") || strings.Contains(lk, "password") {
			q.Set(k, "REDACTED")
		}
	}
	u.RawQuery = q.Encode()
	fmt.Fprintf(t.w, "> %s %s\n", req.Method, u.String())
	start := time.Now()
	res, err := http.DefaultTransport.RoundTrip(req)
	if err != nil {
		fmt.Fprintf(t.w, "< %v\n", err)
		return nil, err
	}
	fmt.Fprintf(t.w, "< %s (%v)\n", res.Status, time.Since(start).Round(time.Millisecond))
	return res, nil
}
