package chatd_test

import (
	"bufio"
	"encoding/json"
	"fmt"
	"log/slog"
	"strings"
	"testing"

	"duplex.dev/examples/chat/chatd"
	"duplex.dev/examples/chat/service"
)

func TestDemoUsersAreLoggedWithoutTheirPassword(t *testing.T) {
	var logs lockedBuffer
	n := serveChatd(t, chatd.Config{Logger: slog.New(slog.NewJSONHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))})
	ctx := testContext(t)
	n.login(t, ctx, "alice") // chatd logged its start-up before it served this
	if err := n.halt(); err != nil {
		t.Fatal(err)
	}

	sawUsers := false
	lines := bufio.NewScanner(strings.NewReader(logs.String()))
	for lines.Scan() {
		var rec map[string]any
		if err := json.Unmarshal(lines.Bytes(), &rec); err != nil {
			t.Fatalf("log line %q: %v", lines.Text(), err)
		}
		for k, v := range rec {
			if strings.Contains(strings.ToLower(k), "password") || fmt.Sprint(v) == service.DemoPassword {
				t.Errorf("log record holds the password (%s=%v): %s", k, v, lines.Text())
			}
		}
		if u, _ := rec["users"].(string); u == "alice, bob, carol" {
			sawUsers = true
		}
	}
	if !sawUsers {
		t.Errorf("the demo users' names were not logged:\n%s", logs.String())
	}
}
