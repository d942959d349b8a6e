package service_test

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"regexp"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/golang-jwt/jwt/v5"

	duplex "duplex.dev"
	"duplex.dev/examples/chat/gen/chat"
	"duplex.dev/examples/chat/service"
	"duplex.dev/security"
)

// fuzzSecret is the secret of the service under fuzzing; the fuzzer never
// learns it, so no token it makes may authenticate.
var fuzzSecret = []byte("fuzz secret: 32 bytes of entropy")

var fuzzNow = time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)

func fuzzService(f *testing.F) *service.Service {
	f.Helper()
	s, err := service.New(service.Config{JWTSecret: fuzzSecret, Users: map[string]string{"ann": "pw"}, Now: func() time.Time { return fuzzNow }})
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(func() { s.Close() })
	return s
}

func b64(s string) string { return base64.RawURLEncoding.EncodeToString([]byte(s)) }

// FuzzJWTAuth sends JWTAuth tokens an attacker can make: raw strings,
// tokens assembled from any header (alg none, RS256, HS256 …), any claims
// and any signature, and HS256 tokens signed with any other secret. None
// may authenticate and none may panic; every refusal is chat.Unauthorized.
// A token signed with the real secret over fuzzed claims is the control:
// it authenticates exactly when the claims are valid. Run it with:
//
//	go test -run='^$' -fuzz='^FuzzJWTAuth$' -fuzztime=10s ./examples/chat/service
func FuzzJWTAuth(f *testing.F) {
	exp := fuzzNow.Add(time.Hour).Unix()
	valid := `{"iss":"chatd","sub":"ann","exp":` + jsonInt(exp) + `,"scope":"stream:read stream:write"}`
	for _, seed := range []struct{ raw, header, claims, sig, secret string }{
		{"not.a.jwt", `{"alg":"HS256","typ":"JWT"}`, valid, "", "other secret"},
		{"", `{"alg":"none"}`, valid, "", ""},
		{"eyJhbGciOiJub25lIn0.e30.", `{"alg":"RS256"}`, valid, "sig", "k"},
		{"...", `{"alg":"HS256","kid":"../../etc/passwd"}`, `{"iss":"chatd","sub":"ann","exp":1}`, "\x00", "fuzz secret"},
		{"a.b.c.d", `{"alg":"HS512"}`, `{"sub":"","exp":1e300}`, "", string(fuzzSecret[:31])},
		{"Bearer x.y.z", `null`, `[]`, "", ""},
		{strings.Repeat("A", 200), `{"alg":"HS256","crit":["exp"]}`, `{"exp":"tomorrow","nbf":-1}`, "", "x"},
	} {
		f.Add(seed.raw, seed.header, seed.claims, seed.sig, seed.secret)
	}
	s := fuzzService(f)
	scheme := &security.JWTScheme{Name: "jwt", Scopes: []string{"stream:read", "stream:write"}, RequiredScopes: []string{"stream:read"}}
	ctx := context.Background()
	refused := func(t *testing.T, what, token string) {
		t.Helper()
		got, err := s.JWTAuth(ctx, token, scheme)
		var u chat.Unauthorized
		if !errors.As(err, &u) {
			user, _ := service.UserFromContext(got)
			t.Fatalf("%s %q: JWTAuth = user %q, %v; want chat.Unauthorized", what, token, user, err)
		}
		if len(token) >= 16 && strings.Contains(err.Error(), token) {
			t.Fatalf("%s: the error %q repeats the token", what, err)
		}
	}
	f.Fuzz(func(t *testing.T, raw, header, claims, sig, secret string) {
		refused(t, "raw token", raw)
		unsigned := b64(header) + "." + b64(claims)
		refused(t, "assembled token", unsigned+"."+b64(sig))
		refused(t, "unsigned token", unsigned+".")
		if secret != string(fuzzSecret) {
			mac := hmac.New(sha256.New, []byte(secret))
			mac.Write([]byte(unsigned))
			refused(t, "token signed with another secret", unsigned+"."+base64.RawURLEncoding.EncodeToString(mac.Sum(nil)))
		}

		// Control: the real secret over the fuzzer's claims, as HS256.
		var mc jwt.MapClaims
		if json.Unmarshal([]byte(claims), &mc) != nil || mc == nil {
			return
		}
		signed, err := jwt.NewWithClaims(jwt.SigningMethodHS256, mc).SignedString(fuzzSecret)
		if err != nil {
			return
		}
		got, err := s.JWTAuth(ctx, signed, scheme)
		if err == nil {
			// Read the claims as JWTAuth does: encoding/json matches keys
			// case-insensitively, so "sUB" counts as "sub" (the fuzzer
			// found that; harmless while chatd issues its own tokens).
			body, _ := json.Marshal(mc)
			var rc struct {
				Iss string   `json:"iss"`
				Sub string   `json:"sub"`
				Exp *float64 `json:"exp"`
			}
			if json.Unmarshal(body, &rc) != nil {
				return // a shape the control does not judge; the refusals above do
			}
			user, _ := service.UserFromContext(got)
			if user == "" || rc.Sub != user || rc.Iss != "chatd" {
				t.Fatalf("claims %s authenticated as %q", claims, user)
			}
			if rc.Exp == nil || *rc.Exp < float64(fuzzNow.Unix()) {
				t.Fatalf("claims %s authenticated without a future expiry", claims)
			}
		} else if !errors.As(err, new(chat.Unauthorized)) {
			t.Fatalf("claims %s: %v, want chat.Unauthorized", claims, err)
		}
	})
}

func jsonInt(n int64) string {
	b, _ := json.Marshal(n)
	return string(b)
}

// TestJWTAuthControlAuthenticates keeps FuzzJWTAuth honest: its control
// path does authenticate a well-formed token signed with the secret.
func TestJWTAuthControlAuthenticates(t *testing.T) {
	s, err := service.New(service.Config{JWTSecret: fuzzSecret, Now: func() time.Time { return fuzzNow }})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	tok, err := jwt.NewWithClaims(jwt.SigningMethodHS256, jwt.MapClaims{
		"iss": "chatd", "sub": "ann", "exp": fuzzNow.Add(time.Minute).Unix(), "scope": "stream:read",
	}).SignedString(fuzzSecret)
	if err != nil {
		t.Fatal(err)
	}
	got, err := s.JWTAuth(context.Background(), tok, &security.JWTScheme{RequiredScopes: []string{"stream:read"}})
	if err != nil {
		t.Fatal(err)
	}
	if u, _ := service.UserFromContext(got); u != "ann" {
		t.Fatalf("user %q, want ann", u)
	}
}

// roomPattern is the design's room name rule, stated again: join, send and
// history all check it.
var roomPattern = regexp.MustCompile("^#?[a-z0-9][a-z0-9_-]{0,63}$")

// FuzzPayloadValidation decodes random JSON into every payload type of the
// chat design, as the generated server does with query parameters and
// streamed frames, and runs the generated Validate function on what
// decoded. It must never panic, must accept exactly what the design allows
// (checked against an independent statement of the design's rules) and
// must refuse with a validation error naming the attribute. Run it with:
//
//	go test -run='^$' -fuzz='^FuzzPayloadValidation$' -fuzztime=10s ./examples/chat/service
func FuzzPayloadValidation(f *testing.F) {
	for _, seed := range []string{
		`{"token":"t","room":"general","text":"hi","after":0,"limit":50,"view":"full"}`,
		`{"room":"-bad","text":"","after":-1,"limit":501,"view":"tiny"}`,
		`{"room":"` + strings.Repeat("a", 65) + `","text":"` + strings.Repeat("é", 4097) + `"}`,
		`{"limit":0}`, `{}`, `null`, `[]`, `{"after":1e30}`, `{"text":"\ud800"}`,
		`{"room":"a\n","message":"m","sequence":0,"timestamp":"yesterday"}`,
		`{"kind":"message","message":{"sequence":1,"text":"x","timestamp":"2026-01-02T03:04:05Z"},"timestamp":"2026-01-02T03:04:05Z"}`,
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		var join chat.JoinPayload
		if json.Unmarshal(data, &join) == nil {
			attr := "room"
			ok := roomPattern.MatchString(join.Room)
			if ok && join.After != nil && *join.After < 0 {
				ok, attr = false, "after"
			}
			expectValidation(t, "join", chat.ValidateJoinPayload(&join), ok, attr)
		}
		var send chat.SendPayload
		if json.Unmarshal(data, &send) == nil {
			n := utf8.RuneCountInString(send.Text)
			ok, attr := roomPattern.MatchString(send.Room), "room"
			if ok && (n < 1 || n > 4096) {
				ok, attr = false, "text"
			}
			expectValidation(t, "send", chat.ValidateSendPayload(&send), ok, attr)
		}
		var hist chat.HistoryPayload
		if json.Unmarshal(data, &hist) == nil {
			ok, attr := roomPattern.MatchString(hist.Room), "room"
			if ok && hist.After < 0 {
				ok, attr = false, "after"
			}
			if ok && (hist.Limit < 1 || hist.Limit > 500) {
				ok, attr = false, "limit"
			}
			expectValidation(t, "history", chat.ValidateHistoryPayload(&hist), ok, attr)
		}
		var an chat.AnalyticsPayload
		if json.Unmarshal(data, &an) == nil {
			ok := an.View == "summary" || an.View == "detailed" || an.View == "full"
			expectValidation(t, "analytics", chat.ValidateAnalyticsPayload(&an), ok, "view")
		}
		var ev chat.RoomEvent
		if json.Unmarshal(data, &ev) == nil {
			err := chat.ValidateRoomEvent(&ev)
			if ev.Kind != "message" && ev.Kind != "joined" && ev.Kind != "left" {
				expectValidation(t, "room event", err, false, "kind")
			}
			checkValidationError(t, "room event", err)
		}
		var msg chat.Message
		if json.Unmarshal(data, &msg) == nil {
			err := chat.ValidateMessage(&msg)
			if msg.Sequence < 1 {
				expectValidation(t, "message", err, false, "sequence")
			}
			checkValidationError(t, "message", err)
		}
		// Payloads without rules accept whatever decodes.
		var lp chat.ListenerStreamingPayload
		if json.Unmarshal(data, &lp) == nil {
			expectValidation(t, "listener message", chat.ValidateListenerStreamingPayload(&lp), true, "")
		}
		var ep chat.EchoStreamingPayload
		if json.Unmarshal(data, &ep) == nil {
			expectValidation(t, "echo message", chat.ValidateEchoStreamingPayload(&ep), true, "")
		}
	})
}

// expectValidation checks err against the design's verdict ok; a refusal
// must be a validation error that names attr.
func expectValidation(t *testing.T, what string, err error, ok bool, attr string) {
	t.Helper()
	if ok {
		if err != nil {
			t.Fatalf("%s: valid payload refused: %v", what, err)
		}
		return
	}
	if err == nil {
		t.Fatalf("%s: invalid %s accepted", what, attr)
	}
	checkValidationError(t, what, err)
	if !strings.Contains(err.Error(), attr) {
		t.Fatalf("%s: error %q does not name %q", what, err, attr)
	}
}

func checkValidationError(t *testing.T, what string, err error) {
	t.Helper()
	if err != nil && duplex.CodeOf(err) != duplex.CodeInvalid {
		t.Fatalf("%s: %T %v is not a validation error", what, err, err)
	}
}
