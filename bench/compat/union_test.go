package compat_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	dbench "duplex.dev/bench/duplex/gen/bench"
	gbench "duplex.dev/bench/goa/gen/bench"
	"duplex.dev/ws"
)

// activity is a RoomActivity of either framework, for comparisons: Kind
// is the union's variant name and the other fields its value.
type activity struct {
	Room, Kind, Text, User string
	Typing                 bool
}

// activities has one activity of every kind; the server answers a
// "message" with its text in upper case (bench/goa/service.go's shout).
var activities = []activity{
	{Room: "r", Kind: "message", Text: "hello"},
	{Room: "r", Kind: "join", User: "ann"},
	{Room: "r", Kind: "typing", Typing: true},
}

func shouted(a activity) activity {
	a.Text = strings.ToUpper(a.Text)
	return a
}

func toGoa(a activity) *gbench.RoomActivity {
	r := &gbench.RoomActivity{Room: a.Room}
	switch a.Kind {
	case "message":
		r.Activity = gbench.NewActivityMessage(&gbench.Said{Text: a.Text})
	case "join":
		r.Activity = gbench.NewActivityJoin(&gbench.Joined{User: &a.User})
	case "typing":
		r.Activity = gbench.NewActivityTyping(gbench.ActivityTyping(a.Typing))
	}
	return r
}

func fromGoa(r *gbench.RoomActivity) activity {
	a := activity{Room: r.Room, Kind: string(r.Activity.Kind())}
	if m, ok := r.Activity.AsMessage(); ok {
		a.Text = m.Text
	}
	if j, ok := r.Activity.AsJoin(); ok && j.User != nil {
		a.User = *j.User
	}
	if t, ok := r.Activity.AsTyping(); ok {
		a.Typing = bool(t)
	}
	return a
}

func toDuplex(a activity) *dbench.RoomActivity {
	r := &dbench.RoomActivity{Room: a.Room}
	switch a.Kind {
	case "message":
		r.Activity = dbench.NewActivityMessage(&dbench.Said{Text: a.Text})
	case "join":
		r.Activity = dbench.NewActivityJoin(&dbench.Joined{User: &a.User})
	case "typing":
		r.Activity = dbench.NewActivityTyping(dbench.ActivityTyping(a.Typing))
	}
	return r
}

func fromDuplex(r *dbench.RoomActivity) activity {
	a := activity{Room: r.Room, Kind: string(r.Activity.Kind())}
	if m, ok := r.Activity.AsMessage(); ok {
		a.Text = m.Text
	}
	if j, ok := r.Activity.AsJoin(); ok && j.User != nil {
		a.User = *j.User
	}
	if t, ok := r.Activity.AsTyping(); ok {
		a.Typing = bool(t)
	}
	return a
}

// TestUnionsAcrossFrameworks sends every kind of a OneOf in a unary body
// (post_activity) and on a bidirectional stream (relay) with each
// framework's generated client to each framework's server: Goa's client
// and Duplex's server, and Duplex's client and Goa's server, read each
// other's {"type", "value"} unions.
func TestUnionsAcrossFrameworks(t *testing.T) {
	for _, srvName := range []string{"goa", "duplex"} {
		for _, cliName := range []string{"goa", "duplex"} {
			t.Run(cliName+" client/"+srvName+" server", func(t *testing.T) {
				srv := httptest.NewServer(servers[srvName](slog.New(slog.DiscardHandler)))
				defer srv.Close()
				d := clients[cliName](t, srv.URL)
				t.Run("unary", func(t *testing.T) {
					for _, a := range activities {
						got, err := postActivity(testContext(t), d, a)
						if err != nil {
							t.Fatalf("post_activity %s: %v", a.Kind, err)
						}
						if diff := cmp.Diff(shouted(a), got); diff != "" {
							t.Errorf("post_activity %s (-want +got):\n%s", a.Kind, diff)
						}
					}
				})
				t.Run("stream", func(t *testing.T) {
					got, err := relay(testContext(t), d, activities)
					if err != nil {
						t.Fatalf("relay: %v", err)
					}
					var want []activity
					for _, a := range activities {
						want = append(want, shouted(a))
					}
					if diff := cmp.Diff(want, got); diff != "" {
						t.Errorf("relay (-want +got):\n%s", diff)
					}
				})
			})
		}
	}
}

func postActivity(ctx context.Context, d driver, a activity) (activity, error) {
	switch d := d.(type) {
	case *goaDriver:
		r, err := d.c.PostActivity(ctx, toGoa(a))
		if err != nil {
			return activity{}, err
		}
		return fromGoa(r), nil
	case *duplexDriver:
		r, err := d.c.PostActivity(ctx, toDuplex(a))
		if err != nil {
			return activity{}, err
		}
		return fromDuplex(r), nil
	}
	return activity{}, fmt.Errorf("unknown driver %T", d)
}

// relay sends each activity and receives its answer before the next, then
// ends the stream.
func relay(ctx context.Context, d driver, as []activity) ([]activity, error) {
	var got []activity
	switch d := d.(type) {
	case *goaDriver:
		s, err := d.c.Relay(ctx)
		if err != nil {
			return nil, err
		}
		for _, a := range as {
			if err := s.Send(toGoa(a)); err != nil {
				s.Close()
				return got, fmt.Errorf("send: %w", err)
			}
			r, err := s.Recv()
			if err != nil {
				s.Close()
				return got, fmt.Errorf("recv after %d: %w", len(got), err)
			}
			got = append(got, fromGoa(r))
		}
		return got, s.Close() // the null frame, then the connection drops
	case *duplexDriver:
		s, err := d.c.Relay(ctx)
		if err != nil {
			return nil, err
		}
		defer s.Close()
		for _, a := range as {
			if err := s.SendWithContext(ctx, toDuplex(a)); err != nil {
				return got, fmt.Errorf("send: %w", err)
			}
			r, err := s.RecvWithContext(ctx)
			if err != nil {
				return got, fmt.Errorf("recv after %d: %w", len(got), err)
			}
			got = append(got, fromDuplex(r))
		}
		if err := s.(interface{ CloseSend(context.Context) error }).CloseSend(ctx); err != nil {
			return got, err
		}
		if _, err := s.RecvWithContext(ctx); !errors.Is(err, io.EOF) {
			return got, fmt.Errorf("after the end of the stream: %v, want io.EOF", err)
		}
		return got, nil
	}
	return nil, fmt.Errorf("unknown driver %T", d)
}

// TestUnionWireIsGoas posts the same bodies to both servers: they answer
// with the same JSON for valid unions and with 400 for hostile ones, and
// Duplex's answer names the union's attribute.
func TestUnionWireIsGoas(t *testing.T) {
	goa := httptest.NewServer(servers["goa"](slog.New(slog.DiscardHandler)))
	defer goa.Close()
	dup := httptest.NewServer(servers["duplex"](slog.New(slog.DiscardHandler)))
	defer dup.Close()
	post := func(t *testing.T, base, body string) (int, string) {
		t.Helper()
		req, err := http.NewRequestWithContext(testContext(t), "POST", base+"/activity", strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Content-Type", "application/json")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	canon := func(t *testing.T, s string) string {
		t.Helper()
		var v any
		if err := json.Unmarshal([]byte(s), &v); err != nil {
			t.Fatalf("%v: %s", err, s)
		}
		b, _ := json.Marshal(v)
		return string(b)
	}
	for _, body := range []string{
		`{"room":"r","activity":{"type":"message","value":{"text":"hi"}}}`,
		`{"room":"r","activity":{"type":"join","value":{"user":"ann"}}}`,
		`{"room":"r","activity":{"type":"typing","value":false}}`,
	} {
		gc, gb := post(t, goa.URL, body)
		dc, db := post(t, dup.URL, body)
		if gc != 200 || dc != 200 || canon(t, gb) != canon(t, db) {
			t.Errorf("POST %s:\n goa    %d %s\n duplex %d %s", body, gc, gb, dc, db)
		}
	}
	hostile := []struct{ name, body, want string }{
		{"unknown variant name", `{"room":"r","activity":{"type":"wave","value":{}}}`, `activity.type must be one of \"message\", \"join\", \"typing\"`},
		{"missing value", `{"room":"r","activity":{"type":"join"}}`, `\"value\" is missing from activity`},
		{"value of the wrong shape", `{"room":"r","activity":{"type":"message","value":"hi"}}`, `cannot unmarshal string`},
		{"variant's own validation", `{"room":"r","activity":{"type":"message","value":{"text":""}}}`, `text`},
		{"no union", `{"room":"r"}`, `\"activity\" is missing`},
	}
	for _, h := range hostile {
		t.Run(h.name, func(t *testing.T) {
			gc, gb := post(t, goa.URL, h.body)
			dc, db := post(t, dup.URL, h.body)
			if gc != http.StatusBadRequest || dc != http.StatusBadRequest || !strings.Contains(db, h.want) {
				t.Errorf("POST %s:\n goa    %d %s\n duplex %d %s (want 400 containing %s)", h.body, gc, gb, dc, db, h.want)
			}
		})
	}
}

// TestGoaClientUnionStreamBadFrame: a frame with an unknown variant closes
// the Duplex relay stream with 1007 naming the union, and another relay
// stream of the same server carries on.
func TestGoaClientUnionStreamBadFrame(t *testing.T) {
	srv := httptest.NewServer(servers["duplex"](slog.New(slog.DiscardHandler)))
	defer srv.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	other, err := clients["goa"](t, srv.URL).(*goaDriver).c.Relay(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	conn, err := ws.Dial(ctx, "ws"+strings.TrimPrefix(srv.URL, "http")+"/relay", ws.DialConfig{})
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if err := conn.SendRaw(ctx, []byte(`{"room":"r","activity":{"type":"wave","value":1}}`)); err != nil {
		t.Fatal(err)
	}
	_, err = conn.ReceiveRaw(ctx)
	var ce *ws.CloseError
	if !errors.As(err, &ce) || ce.Code != ws.StatusInvalidPayload || !strings.Contains(ce.Reason, `activity.type must be one of`) {
		t.Fatalf("after an unknown variant: %v, want close 1007 naming activity.type", err)
	}
	if err := other.Send(toGoa(activities[1])); err != nil {
		t.Fatal(err)
	}
	if r, err := other.Recv(); err != nil || fromGoa(r) != activities[1] {
		t.Fatalf("the other stream: %+v %v", r, err)
	}
}
