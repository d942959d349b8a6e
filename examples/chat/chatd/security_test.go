package chatd_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/rsa"
	"encoding/base64"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"duplex.dev/examples/chat/chatd"
	"duplex.dev/examples/chat/gen/chat"
	chatc "duplex.dev/examples/chat/gen/http/chat/client"
	"duplex.dev/examples/chat/service"
	"duplex.dev/security"
	"duplex.dev/ws"
	"duplex.dev/ws/resume"
)

// The security tests run a real chatd on 127.0.0.1 with a known secret
// and known users, and attack it from outside as a client would.

var (
	secSecret   = []byte("security test secret, 32 bytes!")
	secPassword = "correct horse battery staple"
	secUsers    = map[string]string{"alice": secPassword, "bob": secPassword}
)

// lockedBuffer collects log output written from many goroutines.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// secNode is a chatd under attack.
type secNode struct {
	host string
	http *http.Client
	logs *lockedBuffer
	stop func() // idempotent; also run at cleanup
}

// startSecChatd serves chatd with cfg (plus the test's secret, users and a
// debug-level logger into logs) on a fresh port until the test ends.
func startSecChatd(t *testing.T, cfg chatd.Config) *secNode {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	logs := &lockedBuffer{}
	cfg.JWTSecret = secSecret
	cfg.Users = secUsers
	cfg.Logger = slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- chatd.Serve(ctx, ln, cfg) }()
	tr := &http.Transport{}
	n := &secNode{host: ln.Addr().String(), http: &http.Client{Transport: tr, Timeout: 10 * time.Second}, logs: logs}
	var once sync.Once
	n.stop = func() {
		once.Do(func() {
			tr.CloseIdleConnections()
			cancel()
			if err := <-done; err != nil {
				t.Errorf("chatd.Serve: %v", err)
			}
			tr.CloseIdleConnections()
		})
	}
	t.Cleanup(n.stop)
	return n
}

func (n *secNode) client() *chat.Client {
	c := chatc.NewClient("http", n.host, n.http, ws.DialConfig{})
	return chat.NewClient(c.Login(), c.Listener(), c.Subscribe(), c.Echo(), c.Join(), c.Send(), c.History(), c.Analytics(), c.Session())
}

func (n *secNode) login(t *testing.T, ctx context.Context, user string) string {
	t.Helper()
	tok, err := n.client().Login(ctx, &chat.LoginPayload{User: user, Password: secPassword})
	if err != nil {
		t.Fatalf("login %s: %v", user, err)
	}
	return tok
}

func secContext(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// streamingPaths are chatd's streaming endpoints that require a JWT.
var streamingPaths = []string{"/listen", "/subscribe", "/rooms/general", "/analytics"}

// signed returns a token over claims, failing the test if it cannot.
func signed(t *testing.T, method jwt.SigningMethod, key any, claims jwt.MapClaims) string {
	t.Helper()
	s, err := jwt.NewWithClaims(method, claims).SignedString(key)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// badTokens are tokens an attacker can make without the secret, and
// tokens the secret signed that must be refused anyway.
func badTokens(t *testing.T) map[string]string {
	t.Helper()
	now := time.Now()
	valid := func() jwt.MapClaims {
		return jwt.MapClaims{"iss": "chatd", "sub": "alice", "iat": now.Unix(), "exp": now.Add(time.Hour).Unix(), "scope": "stream:read stream:write"}
	}
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	expired := valid()
	expired["exp"] = now.Add(-time.Minute).Unix()
	noExpiry := valid()
	delete(noExpiry, "exp")
	otherIssuer := valid()
	otherIssuer["iss"] = "mallory"
	notYet := valid()
	notYet["nbf"] = now.Add(time.Hour).Unix()

	hs := signed(t, jwt.SigningMethodHS256, secSecret, valid())
	parts := strings.Split(hs, ".")
	return map[string]string{
		"forged signature":       parts[0] + "." + parts[1] + ".c2lnbmF0dXJl",
		"forged claims":          parts[0] + "." + b64url(`{"iss":"chatd","sub":"bob","exp":9999999999,"scope":"stream:read stream:write"}`) + "." + parts[2],
		"not a JWT":              "definitely-not-a-jwt",
		"expired":                signed(t, jwt.SigningMethodHS256, secSecret, expired),
		"without expiry":         signed(t, jwt.SigningMethodHS256, secSecret, noExpiry),
		"not yet valid":          signed(t, jwt.SigningMethodHS256, secSecret, notYet),
		"another issuer":         signed(t, jwt.SigningMethodHS256, secSecret, otherIssuer),
		"another secret":         signed(t, jwt.SigningMethodHS256, []byte("another secret"), valid()),
		"HS512 with the secret":  signed(t, jwt.SigningMethodHS512, secSecret, valid()),
		"alg none":               signed(t, jwt.SigningMethodNone, jwt.UnsafeAllowNoneSignatureType, valid()),
		"RS256":                  signed(t, jwt.SigningMethodRS256, key, valid()),
		"RS256 header, HMAC sig": rs256HeaderWithHMAC(t, valid()),
	}
}

func b64url(s string) string { return base64.RawURLEncoding.EncodeToString([]byte(s)) }

// rs256HeaderWithHMAC is the algorithm confusion attack: a token that says
// RS256 but is signed with HMAC over the shared secret (or a public key a
// careless verifier would use as one).
func rs256HeaderWithHMAC(t *testing.T, claims jwt.MapClaims) string {
	t.Helper()
	tok := jwt.NewWithClaims(jwt.SigningMethodHS256, claims)
	tok.Header["alg"] = "RS256"
	unsigned, err := tok.SigningString()
	if err != nil {
		t.Fatal(err)
	}
	sig, err := jwt.SigningMethodHS256.Sign(unsigned, secSecret)
	if err != nil {
		t.Fatal(err)
	}
	return unsigned + "." + base64.RawURLEncoding.EncodeToString(sig)
}

// refusedBeforeUpgrade dials path with the token in the query string or
// the Authorization header and fails unless the server answered HTTP 401
// instead of upgrading.
func refusedBeforeUpgrade(t *testing.T, ctx context.Context, n *secNode, path, token string, inHeader bool) {
	t.Helper()
	u := "ws://" + n.host + path
	cfg := ws.DialConfig{HTTPClient: n.http}
	if inHeader {
		cfg.Header = http.Header{"Authorization": {"Bearer " + token}}
	} else {
		u += "?token=" + url.QueryEscape(token)
	}
	c, err := ws.Dial(ctx, u, cfg)
	if err == nil {
		_ = c.Close()
		t.Fatalf("%s: the upgrade succeeded, want HTTP 401 before it", path)
	}
	var he *ws.HTTPError
	if !errors.As(err, &he) || he.StatusCode != http.StatusUnauthorized {
		t.Fatalf("%s: %v, want HTTP 401 before the upgrade", path, err)
	}
	if strings.Contains(he.Body, token) {
		t.Fatalf("%s: the 401 body %q repeats the token", path, he.Body)
	}
}

func TestBadTokensGet401BeforeAnyUpgradeOnEveryStreamingEndpoint(t *testing.T) {
	n := startSecChatd(t, chatd.Config{})
	ctx := secContext(t)

	// Control: a genuine token does upgrade on every endpoint, so the
	// refusals below are about the tokens.
	good := n.login(t, ctx, "alice")
	for _, path := range streamingPaths {
		c, err := ws.Dial(ctx, "ws://"+n.host+path+"?token="+url.QueryEscape(good), ws.DialConfig{HTTPClient: n.http})
		if err != nil {
			t.Fatalf("%s with a valid token: %v", path, err)
		}
		_ = c.Close()
	}

	for name, token := range badTokens(t) {
		t.Run(name, func(t *testing.T) {
			for _, path := range streamingPaths {
				refusedBeforeUpgrade(t, ctx, n, path, token, false)
				refusedBeforeUpgrade(t, ctx, n, path, token, true)
			}
		})
	}
}

// scrapeText returns n's /metrics page.
func scrapeText(t *testing.T, n *secNode) string {
	t.Helper()
	resp, err := n.http.Get("http://" + n.host + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("GET /metrics: %d %v", resp.StatusCode, err)
	}
	return string(b)
}

func TestTokensNeverReachLogsOrMetricLabels(t *testing.T) {
	n := startSecChatd(t, chatd.Config{AnalyticsInterval: 50 * time.Millisecond})
	ctx := secContext(t)
	c := n.client()
	alice, bob := n.login(t, ctx, "alice"), n.login(t, ctx, "bob")
	secrets := map[string]string{"alice's token": alice, "bob's token": bob, "the JWT secret": string(secSecret), "the password": secPassword}
	for name, tok := range badTokens(t) {
		secrets[name] = tok
	}

	// A full session: streams with the token in the query and in the
	// header, unary calls, refusals, a bad frame and a shutdown.
	join, err := c.Join(ctx, &chat.JoinPayload{Token: alice, Room: "secrets"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Send(ctx, &chat.SendPayload{Token: bob, Room: "secrets", Text: "hello"}); err != nil {
		t.Fatal(err)
	}
	for {
		ev, err := join.RecvWithContext(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if ev.Kind == "message" {
			break
		}
	}
	if _, err := c.History(ctx, &chat.HistoryPayload{Token: bob, Room: "secrets", Limit: 10}); err != nil {
		t.Fatal(err)
	}
	an, err := ws.Dial(ctx, "ws://"+n.host+"/analytics", ws.DialConfig{HTTPClient: n.http, Header: http.Header{"Authorization": {"Bearer " + bob}}})
	if err != nil {
		t.Fatal(err)
	}
	var snapshot map[string]any
	if err := an.Receive(ctx, &snapshot); err != nil {
		t.Fatal(err)
	}
	_ = an.Close()
	lis, err := ws.Dial(ctx, "ws://"+n.host+"/listen?token="+url.QueryEscape(alice), ws.DialConfig{HTTPClient: n.http})
	if err != nil {
		t.Fatal(err)
	}
	if err := lis.SendRaw(ctx, []byte(`{"message":`)); err != nil { // malformed: closes 1007
		t.Fatal(err)
	}
	var ignored any
	if err := lis.Receive(ctx, &ignored); ws.CloseStatus(err) != ws.StatusInvalidPayload {
		t.Fatalf("malformed frame: %v, want close 1007", err)
	}
	_ = lis.Close()
	for _, path := range streamingPaths {
		refusedBeforeUpgrade(t, ctx, n, path, secrets["expired"], false)
		refusedBeforeUpgrade(t, ctx, n, path, secrets["another secret"], true)
	}
	if _, err := c.Send(ctx, &chat.SendPayload{Token: secrets["alg none"], Room: "secrets", Text: "x"}); err == nil {
		t.Fatal("send with an alg none token succeeded")
	}
	if _, err := c.Login(ctx, &chat.LoginPayload{User: "alice", Password: secPassword + "!"}); err == nil {
		t.Fatal("login with a wrong password succeeded")
	}
	metrics := scrapeText(t, n)
	if err := join.(interface{ Close() error }).Close(); err != nil {
		t.Logf("close the join stream: %v", err)
	}
	n.stop()

	logs := n.logs.String()
	// Controls: the logger saw the session at debug level, and the metrics
	// page has the per-endpoint series, so the absence below means
	// something.
	for _, want := range []string{"websocket connected", "websocket closed", "level=DEBUG"} {
		if !strings.Contains(logs, want) {
			t.Fatalf("the captured log has no %q: is the logger wired?\n%s", want, logs)
		}
	}
	if !strings.Contains(metrics, `duplex_connections_active{method="join",service="chat"}`) {
		t.Fatalf("the metrics page has no per-endpoint series:\n%s", metrics)
	}
	for name, secret := range secrets {
		if strings.Contains(logs, secret) {
			t.Errorf("%s appears in the logs", name)
		}
		if strings.Contains(metrics, secret) {
			t.Errorf("%s appears in the metrics", name)
		}
		// A JWT's signature alone identifies it.
		if i := strings.LastIndexByte(secret, '.'); i > 0 && len(secret)-i > 16 {
			if sig := secret[i+1:]; strings.Contains(logs, sig) || strings.Contains(metrics, sig) {
				t.Errorf("the signature of %s appears in the logs or metrics", name)
			}
		}
	}
}

func TestCrossOriginUpgradeIsRefusedByDefault(t *testing.T) {
	n := startSecChatd(t, chatd.Config{})
	ctx := secContext(t)
	tok := n.login(t, ctx, "alice")
	dial := func(path, origin string) error {
		c, err := ws.Dial(ctx, "ws://"+n.host+path+"?token="+url.QueryEscape(tok), ws.DialConfig{HTTPClient: n.http, Header: http.Header{"Origin": {origin}}})
		if err == nil {
			_ = c.Close()
		}
		return err
	}
	for _, path := range append([]string{"/echo"}, streamingPaths...) {
		for _, origin := range []string{"http://evil.example", "https://" + n.host + ".evil.example", "null", "http://127.0.0.1"} {
			err := dial(path, origin)
			var he *ws.HTTPError
			if !errors.As(err, &he) || he.StatusCode != http.StatusForbidden {
				t.Errorf("%s from origin %s: %v, want HTTP 403", path, origin, err)
			}
		}
		if err := dial(path, "http://"+n.host); err != nil {
			t.Errorf("%s from its own origin: %v", path, err)
		}
	}
}

func TestPerIPConnectionLimitHoldsUnderABurst(t *testing.T) {
	const limit, burst = 20, 200
	n := startSecChatd(t, chatd.Config{WS: ws.Config{MaxConnectionsPerIP: limit}})
	ctx := secContext(t)
	tok := n.login(t, ctx, "alice")
	u := "ws://" + n.host + "/subscribe?token=" + url.QueryEscape(tok)

	var (
		mu       sync.Mutex
		conns    []*ws.ClientConn
		refused  int
		failures []error
		wg       sync.WaitGroup
	)
	start := make(chan struct{})
	for range burst {
		wg.Go(func() {
			<-start
			c, err := ws.Dial(ctx, u, ws.DialConfig{HTTPClient: n.http})
			mu.Lock()
			defer mu.Unlock()
			var he *ws.HTTPError
			switch {
			case err == nil:
				conns = append(conns, c) // held open until every dial is done
			case errors.As(err, &he) && he.StatusCode == http.StatusTooManyRequests:
				refused++
			default:
				failures = append(failures, err)
			}
		})
	}
	close(start)
	wg.Wait()
	for _, c := range conns {
		_ = c.Close()
	}
	if len(failures) > 0 {
		t.Fatalf("%d dials failed otherwise, first: %v", len(failures), failures[0])
	}
	if len(conns) != limit || refused != burst-limit {
		t.Fatalf("burst of %d: %d connected and %d got 429, want exactly %d and %d", burst, len(conns), refused, limit, burst-limit)
	}

	// The slots are released: a new connection is admitted again once the
	// server has let the closed ones go.
	deadline := time.Now().Add(10 * time.Second)
	for {
		c, err := ws.Dial(ctx, u, ws.DialConfig{HTTPClient: n.http})
		if err == nil {
			_ = c.Close()
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("after the burst a new connection is still refused: %v", err)
		}
		time.Sleep(20 * time.Millisecond) // the release is asynchronous; nothing to await from outside
	}
}

// TestResumeTokenCannotAttachToAnotherUsersStream checks that a resumable
// stream's token is bound to the user who opened it. chatd serves no
// resumable method yet, so the test serves one the way generated code
// would: the chat service's JWTAuth authenticates the upgrade request and
// its subject is handed to resume.Manager.Serve.
func TestResumeTokenCannotAttachToAnotherUsersStream(t *testing.T) {
	ctx := secContext(t)
	svc, err := service.New(service.Config{JWTSecret: secSecret, Users: secUsers, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	defer svc.Close()
	wsrv := ws.NewServer(ws.Config{Subprotocols: []string{resume.Subprotocol}, Logger: slog.New(slog.DiscardHandler)})
	mgr := resume.NewManager()
	ep := &ws.Endpoint{Service: "chat", Method: "private"}
	hs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		token := r.URL.Query().Get("token")
		actx, err := svc.JWTAuth(r.Context(), token, &security.JWTScheme{Name: "jwt"})
		if err != nil {
			http.Error(w, "unauthorized", http.StatusUnauthorized)
			return
		}
		user, _ := service.UserFromContext(actx)
		_ = wsrv.Handle(w, r, ep, func(_ context.Context, c *ws.Conn) error {
			return mgr.Serve(c, user, func(ctx context.Context, s *resume.Session) error {
				if err := s.Send(ctx, "private to "+user); err != nil {
					return err
				}
				<-ctx.Done()
				return nil
			})
		})
	}))
	defer func() {
		sctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := mgr.Close(sctx); err != nil {
			t.Errorf("manager close: %v", err)
		}
		if err := wsrv.Shutdown(sctx); err != nil {
			t.Errorf("shutdown: %v", err)
		}
		hs.Close()
	}()
	base := "ws" + strings.TrimPrefix(hs.URL, "http") + "/private?token="
	login := func(user string) string {
		actx, err := svc.BasicAuth(ctx, user, secPassword, &security.BasicScheme{})
		if err != nil {
			t.Fatal(err)
		}
		tok, err := svc.Login(actx, &chat.LoginPayload{User: user, Password: secPassword})
		if err != nil {
			t.Fatal(err)
		}
		return tok
	}
	alice, bob := login("alice"), login("bob")
	open := func(jwtToken, first string) *ws.ClientConn {
		t.Helper()
		c, err := ws.Dial(ctx, base+url.QueryEscape(jwtToken), ws.DialConfig{Subprotocols: []string{resume.Subprotocol}})
		if err != nil {
			t.Fatalf("dial: %v", err)
		}
		if c.Subprotocol() != resume.Subprotocol {
			t.Fatalf("subprotocol %q, want %q", c.Subprotocol(), resume.Subprotocol)
		}
		if err := c.SendRaw(ctx, []byte(first)); err != nil {
			t.Fatal(err)
		}
		return c
	}

	// Alice opens a stream, reads her first message, and drops off.
	a := open(alice, `{"hello":{}}`)
	var welcome struct {
		Welcome struct {
			Token string `json:"token"`
		} `json:"welcome"`
	}
	if err := a.Receive(ctx, &welcome); err != nil || len(welcome.Welcome.Token) < 16 {
		t.Fatalf("welcome: %+v, %v", welcome, err)
	}
	resumeToken := welcome.Welcome.Token
	b, err := a.ReceiveRaw(ctx)
	if err != nil || !strings.Contains(string(b), "private to alice") {
		t.Fatalf("alice's first message: %q, %v", b, err)
	}
	_ = a.Close()

	// Bob, authenticated as himself, presents Alice's resume token.
	m := open(bob, `{"resume":{"token":"`+resumeToken+`","last":0}}`)
	frame, err := m.ReceiveRaw(ctx)
	_ = m.Close()
	if ws.CloseStatus(err) != ws.StatusResumeFailed {
		t.Fatalf("bob resuming alice's stream: got %q, %v; want close 4500", frame, err)
	}
	if strings.Contains(err.Error(), "private to alice") {
		t.Fatalf("the refusal leaks the stream: %v", err)
	}

	// Without credentials the upgrade itself is refused.
	if _, err := ws.Dial(ctx, base, ws.DialConfig{Subprotocols: []string{resume.Subprotocol}}); !isStatus(err, http.StatusUnauthorized) {
		t.Fatalf("resume without a JWT: %v, want HTTP 401", err)
	}

	// Control: Alice herself resumes with the same token.
	a = open(alice, `{"resume":{"token":"`+resumeToken+`","last":1}}`)
	defer a.Close()
	var resumed struct {
		Resumed *struct {
			From uint64 `json:"from"`
		} `json:"resumed"`
	}
	if err := a.Receive(ctx, &resumed); err != nil || resumed.Resumed == nil || resumed.Resumed.From != 2 {
		t.Fatalf("alice resuming her own stream: %+v, %v; want resumed from 2", resumed, err)
	}
}

func isStatus(err error, status int) bool {
	var he *ws.HTTPError
	return errors.As(err, &he) && he.StatusCode == status
}
