package security_test

import (
	"errors"
	"fmt"
	"net/http"
	"testing"

	duplex "duplex.dev"
	"duplex.dev/security"
	"duplex.dev/transport"
)

// paymentRequired is a typed design error, as the service generator writes
// them for Error("payment_required", String).
type paymentRequired string

func (e paymentRequired) Error() string        { return string(e) }
func (e paymentRequired) GoaErrorName() string { return "payment_required" }

func TestAnAuthMethodsErrorIs401UnlessItHasAStatusOfItsOwn(t *testing.T) {
	statuses := transport.Statuses{"payment_required": http.StatusPaymentRequired, "banned": http.StatusForbidden}
	for _, tc := range []struct {
		name   string
		err    error
		status int
	}{
		{"plain error", errors.New("invalid API key"), http.StatusUnauthorized},
		{"wrapped plain error", fmt.Errorf("lookup: %w", errors.New("no such key")), http.StatusUnauthorized},
		{"typed design error keeps its status", paymentRequired("subscription lapsed"), http.StatusPaymentRequired},
		{"service error keeps its status", duplex.PermanentError("banned", "account banned"), http.StatusForbidden},
		{"error with a code keeps its status", duplex.NewError(duplex.CodeResourceExhausted, "key_store_busy", "key store busy"), http.StatusTooManyRequests},
		{"fault stays a fault", duplex.Fault("key store down"), http.StatusInternalServerError},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := security.Unauthenticated(tc.err)
			if !errors.Is(err, tc.err) {
				t.Fatalf("Unauthenticated(%v) = %v, does not wrap it", tc.err, err)
			}
			status, _, name := statuses.Resolve(err)
			if status != tc.status {
				t.Fatalf("status %d (%s), want %d", status, name, tc.status)
			}
			if status == http.StatusUnauthorized && name != "unauthorized" {
				t.Fatalf("name %q, want unauthorized", name)
			}
		})
	}
	if security.Unauthenticated(nil) != nil {
		t.Fatal("Unauthenticated(nil) is not nil")
	}
	once := security.Unauthenticated(errors.New("x"))
	if security.Unauthenticated(once) != once {
		t.Fatal("Unauthenticated wraps an error twice")
	}
}
