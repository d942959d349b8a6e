package goa_test

import (
	"testing"

	"go.uber.org/goleak"

	"duplex.dev/bench/internal/regen"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// TestGeneratedCodeIsCurrent regenerates Goa's code from the design in a copy
// of the bench module and fails when it differs from the committed gen/
// (regenerate with: cd bench && go run goa.design/goa/v3/cmd/goa gen duplex.dev/bench/design -o goa).
func TestGeneratedCodeIsCurrent(t *testing.T) {
	if testing.Short() {
		t.Skip("runs goa gen (about 10 s); skipped with -short")
	}
	regen.CheckCurrent(t, "design/design.go", "goa", "goa.design/goa/v3/cmd/goa", "gen", "duplex.dev/bench/design", "-o", "goa")
}
