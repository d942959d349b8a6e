package main

import (
	"bytes"
	"errors"
	"flag"
	"strings"
	"testing"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func env(vars map[string]string) func(string) string {
	return func(k string) string { return vars[k] }
}

func TestSecretsComeFromTheEnvironmentUnlessAFlagIsGiven(t *testing.T) {
	for _, tc := range []struct {
		name       string
		args       []string
		env        map[string]string
		secret     string
		usersAlice string
	}{
		{"neither: random secret, demo users", nil, nil, "", ""},
		{"environment only", nil, map[string]string{envJWTSecret: "from-env", envUsers: "alice:env-pw"}, "from-env", "env-pw"},
		{"flags only", []string{"-jwt-secret", "from-flag", "-users", "alice:flag-pw"}, nil, "from-flag", "flag-pw"},
		{"both: the flag wins", []string{"-jwt-secret", "from-flag", "-users", "alice:flag-pw"},
			map[string]string{envJWTSecret: "from-env", envUsers: "alice:env-pw"}, "from-flag", "flag-pw"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var out bytes.Buffer
			cfg, err := parseConfig(tc.args, env(tc.env), &out)
			if err != nil {
				t.Fatalf("parseConfig: %v\n%s", err, out.String())
			}
			if string(cfg.JWTSecret) != tc.secret {
				t.Errorf("JWT secret %q, want %q", cfg.JWTSecret, tc.secret)
			}
			if got := cfg.Users["alice"]; got != tc.usersAlice {
				t.Errorf("alice's password %q, want %q", got, tc.usersAlice)
			}
			if tc.usersAlice == "" && cfg.Users != nil {
				t.Errorf("users %v, want nil (the demo users)", cfg.Users)
			}
		})
	}
}

func TestHelpNamesTheEnvironmentVariables(t *testing.T) {
	var out bytes.Buffer
	_, err := parseConfig([]string{"-h"}, env(nil), &out)
	if !errors.Is(err, flag.ErrHelp) {
		t.Fatalf("-h: %v", err)
	}
	for _, want := range []string{envJWTSecret, envUsers, "-jwt-secret", "the flag wins"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("-h does not mention %q:\n%s", want, out.String())
		}
	}
}

func TestBadUsersErrorDoesNotRepeatThePassword(t *testing.T) {
	var out bytes.Buffer
	_, err := parseConfig(nil, env(map[string]string{envUsers: "alice:hunter2,bob"}), &out)
	if err == nil {
		t.Fatal("malformed accounts accepted")
	}
	if strings.Contains(err.Error(), "hunter2") || !strings.Contains(err.Error(), "bob") {
		t.Fatalf("error %q: want it to name bob and not alice's password", err)
	}
}
