package duplex_test

import (
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"

	"go.uber.org/goleak"

	"duplex.dev"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

const _ = duplex.IsAtLeastVersion0_1_0

func TestValidationErrorsNameTheAttribute(t *testing.T) {
	cases := []struct {
		name     string
		err      error
		errName  string
		contains string
	}{
		{"missing field", duplex.MissingFieldError("room", "body"), duplex.MissingField, `"room" is missing from body`},
		{"invalid field type", duplex.InvalidFieldTypeError("count", "x", "int"), duplex.InvalidFieldType, `"count", must be a int`},
		{"invalid enum value", duplex.InvalidEnumValueError("view", "huge", []any{"summary", "full"}), duplex.InvalidEnumValue, `value of view must be one of "summary", "full" but got value "huge"`},
		{"invalid format", duplex.InvalidFormatError("email", "x", duplex.FormatEmail, errors.New("bad")), duplex.InvalidFormat, `email must be formatted as a email`},
		{"invalid pattern", duplex.InvalidPatternError("room", "a b", `^\w+$`), duplex.InvalidPattern, `room must match the regexp`},
		{"integer below minimum", duplex.InvalidRangeError("limit", 0, 1, true), duplex.InvalidRange, "limit must be greater or equal than 1 but got value 0"},
		{"float above maximum", duplex.InvalidRangeError("ratio", 2.5, 1.5, false), duplex.InvalidRange, "ratio must be lesser or equal than 1.5 but got value 2.5"},
		{"string too long", duplex.InvalidLengthError("text", "abcd", 4, 3, false), duplex.InvalidLength, "length of text must be lesser or equal than 3"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var se *duplex.ServiceError
			if !errors.As(tc.err, &se) {
				t.Fatalf("%v is not a *ServiceError", tc.err)
			}
			if se.Name != tc.errName || se.ErrorName() != tc.errName || se.GoaErrorName() != tc.errName {
				t.Errorf("name = %q, want %q", se.Name, tc.errName)
			}
			if !strings.Contains(se.Error(), tc.contains) {
				t.Errorf("message %q does not contain %q", se.Error(), tc.contains)
			}
			if se.Field == nil || !strings.Contains(se.Error(), *se.Field) {
				t.Errorf("Field = %v, must be set and named in the message", se.Field)
			}
			if duplex.CodeOf(fmt.Errorf("decode payload: %w", tc.err)) != duplex.CodeInvalid {
				t.Error("CodeOf is not CodeInvalid through a wrap")
			}
			if se.Fault || se.Temporary || se.Timeout {
				t.Error("validation errors must be permanent and not faults")
			}
		})
	}
}

// namedError is a typed design error, as generated for Error(name).
type namedError string

func (e namedError) Error() string        { return "named " + string(e) }
func (e namedError) GoaErrorName() string { return string(e) }

func TestCodeOf(t *testing.T) {
	cases := []struct {
		name string
		err  error
		want duplex.Code
	}{
		{"nil", nil, duplex.CodeInternal},
		{"plain error", io.EOF, duplex.CodeInternal},
		{"fault", duplex.Fault("boom"), duplex.CodeInternal},
		{"design error", duplex.PermanentError("unauthorized", "no"), duplex.CodeInternal},
		{"missing payload", duplex.MissingPayloadError(), duplex.CodeInvalid},
		{"decode payload", duplex.DecodePayloadError("bad json"), duplex.CodeInvalid},
		{"merged validation errors", duplex.MergeErrors(duplex.MissingFieldError("a", "body"), duplex.MissingFieldError("b", "body")), duplex.CodeInvalid},
		{"validation merged with a fault", duplex.MergeErrors(duplex.MissingFieldError("a", "body"), duplex.Fault("x")), duplex.CodeInternal},
		{"an *Error through two layers", fmt.Errorf("a: %w", fmt.Errorf("b: %w", duplex.NewError(duplex.CodeTooLarge, "", "too big"))), duplex.CodeTooLarge},
		{"an *Error wrapping a validation error keeps its own code", duplex.NewError(duplex.CodeRefused, "", "%w", duplex.MissingPayloadError()), duplex.CodeRefused},
		{"a typed design error with a validation name", namedError("invalid_range"), duplex.CodeInvalid},
		{"a typed design error with another name", namedError("not_found"), duplex.CodeInternal},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if got := duplex.CodeOf(tc.err); got != tc.want {
				t.Errorf("CodeOf(%v) = %v, want %v", tc.err, got, tc.want)
			}
			var e *duplex.Error
			if errors.As(tc.err, &e) && (e.Err == nil) != (e.Message == "too big") {
				t.Errorf("NewError(…, %%w, …) kept cause %v", e.Err)
			}
		})
	}
}

func TestErrorConstructorsClassify(t *testing.T) {
	cases := []struct {
		name                      string
		err                       *duplex.ServiceError
		errName                   string
		timeout, temporary, fault bool
	}{
		{"fault", duplex.Fault("x %d", 1), "fault", false, false, true},
		{"permanent", duplex.PermanentError("n", "x"), "n", false, false, false},
		{"temporary", duplex.TemporaryError("n", "x"), "n", false, true, false},
		{"permanent timeout", duplex.PermanentTimeoutError("n", "x"), "n", true, false, false},
		{"temporary timeout", duplex.TemporaryTimeoutError("n", "x"), "n", true, true, false},
		{"wrapped", duplex.NewServiceError(io.EOF, "n", true, true, true), "n", true, true, true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e := tc.err
			if e.Name != tc.errName || e.Timeout != tc.timeout || e.Temporary != tc.temporary || e.Fault != tc.fault {
				t.Errorf("got %+v", e)
			}
			if len(e.ID) != 8 {
				t.Errorf("ID %q, want 8 characters", e.ID)
			}
		})
	}
	if !errors.Is(duplex.NewServiceError(io.EOF, "n", false, false, false), io.EOF) {
		t.Error("NewServiceError must unwrap to the wrapped error")
	}
	if a, b := duplex.NewErrorID(), duplex.NewErrorID(); a == b {
		t.Errorf("two error IDs are equal: %q", a)
	}
}

func TestMergeErrors(t *testing.T) {
	if duplex.MergeErrors(nil, nil) != nil {
		t.Error("merge of nils must be nil")
	}
	a := duplex.MissingFieldError("a", "body")
	if duplex.MergeErrors(nil, a) != a || duplex.MergeErrors(a, nil) != a {
		t.Error("merge with nil must return the other error")
	}
	merged := duplex.MergeErrors(io.EOF, duplex.TemporaryError("busy", "try later"))
	var se *duplex.ServiceError
	if !errors.As(merged, &se) {
		t.Fatal("merged error is not a ServiceError")
	}
	if se.Name != "busy" || se.Message != "EOF; try later" || se.Temporary || se.Fault {
		t.Errorf("merged = %+v", se)
	}
	if !errors.Is(merged, io.EOF) {
		t.Error("merged error lost the original error")
	}
	if n := len(se.History()); n != 2 {
		t.Errorf("history has %d errors, want 2", n)
	}
}

func TestValidateFormat(t *testing.T) {
	cases := []struct {
		format duplex.Format
		good   []string
		bad    []string
	}{
		{duplex.FormatDate, []string{"2026-11-25"}, []string{"2026-13-01", "25/11/2026"}},
		{duplex.FormatDateTime, []string{"2026-11-25T06:00:00Z", "2026-11-25T06:00:00+09:00"}, []string{"2026-11-25 06:00"}},
		{duplex.FormatUUID, []string{"6ba7b810-9dad-11d1-80b4-00c04fd430c8", "6ba7b8109dad11d180b400c04fd430c8", "{6ba7b810-9dad-11d1-80b4-00c04fd430c8}", "urn:uuid:6ba7b810-9dad-11d1-80b4-00c04fd430c8"},
			[]string{"6ba7b810-9dad-11d1-c0b4-00c04fd430c8", "6ba7b810_9dad-11d1-80b4-00c04fd430c8", "zba7b810-9dad-11d1-80b4-00c04fd430c8", "x"}},
		{duplex.FormatEmail, []string{"ann@example.com"}, []string{"ann"}},
		{duplex.FormatHostname, []string{"example", "a", "chat.example.com", "a-1.b"}, []string{"-x", "", "a..b", "x-.com", "a b"}},
		{duplex.FormatIPv4, []string{"127.0.0.1"}, []string{"::1", "300.0.0.1"}},
		{duplex.FormatIPv6, []string{"::1"}, []string{"127.0.0.1"}},
		{duplex.FormatIP, []string{"127.0.0.1", "::1"}, []string{"localhost"}},
		{duplex.FormatURI, []string{"https://example.com/x", "/path"}, []string{"example.com"}},
		{duplex.FormatMAC, []string{"00:00:5e:00:53:01"}, []string{"00:00"}},
		{duplex.FormatCIDR, []string{"10.0.0.0/8"}, []string{"10.0.0.0"}},
		{duplex.FormatRegexp, []string{`^a+$`}, []string{`(`}},
		{duplex.FormatJSON, []string{`{"a":1}`}, []string{`{a:1}`}},
		{duplex.FormatRFC1123, []string{"Mon, 02 Jan 2006 15:04:05 MST"}, []string{"2006-01-02"}},
	}
	for _, tc := range cases {
		t.Run(string(tc.format), func(t *testing.T) {
			for _, v := range tc.good {
				if err := duplex.ValidateFormat("attr", v, tc.format); err != nil {
					t.Errorf("%q: unexpected error %v", v, err)
				}
			}
			for _, v := range tc.bad {
				err := duplex.ValidateFormat("attr", v, tc.format)
				if duplex.CodeOf(err) != duplex.CodeInvalid || !strings.Contains(err.Error(), "attr") {
					t.Errorf("%q: got %v, want an invalid_format error naming attr", v, err)
				}
			}
		})
	}
	t.Run("unknown format", func(t *testing.T) {
		if err := duplex.ValidateFormat("attr", "x", "nope"); err == nil || duplex.CodeOf(err) == duplex.CodeInvalid {
			t.Errorf("got %v, want a non-validation error", err)
		}
	})
}

func TestValidatePattern(t *testing.T) {
	cases := []struct {
		name, val, pattern string
		want               string // error name, "" for none
	}{
		{"match", "general", `^[a-z]+$`, ""},
		{"no match", "Gen eral", `^[a-z]+$`, duplex.InvalidPattern},
		{"cached pattern again", "x y", `^[a-z]+$`, duplex.InvalidPattern},
		{"invalid pattern", "x", `(`, "fault"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			err := duplex.ValidatePattern("room", tc.val, tc.pattern)
			var se *duplex.ServiceError
			switch {
			case tc.want == "" && err != nil:
				t.Errorf("unexpected error %v", err)
			case tc.want != "" && (!errors.As(err, &se) || se.Name != tc.want):
				t.Errorf("got %v, want a %s error", err, tc.want)
			}
		})
	}
}

func TestRequiredFieldCopiesOrReportsMissing(t *testing.T) {
	v := "hi"
	var dst string
	if err := duplex.RequiredField(nil, &v, &dst, "message", "Echo"); err != nil || dst != "hi" {
		t.Fatalf("present: dst %q, err %v; want \"hi\", nil", dst, err)
	}
	var n int
	err := duplex.RequiredField[int](nil, nil, &n, "count", "Echo")
	err = duplex.RequiredField[int](err, nil, &n, "total", "Echo")
	if duplex.CodeOf(err) != duplex.CodeInvalid || !strings.Contains(err.Error(), `"count" is missing from Echo`) || !strings.Contains(err.Error(), `"total" is missing from Echo`) {
		t.Fatalf("missing: err %v; want both attributes named", err)
	}
}

// TestMergeErrorsKeepsTheMessageBounded merges one error per violation, as
// a generated validator does for an array of invalid elements: History
// keeps them all, but the message stops after 100 ("; and more"), so that
// merging n violations costs O(n), not O(n²) (10,000 took 7 s before).
func TestMergeErrorsKeepsTheMessageBounded(t *testing.T) {
	const n = 5000
	one := duplex.InvalidLengthError("labels[*]", "x", 1, 2, true)
	var err error
	for range n {
		err = duplex.MergeErrors(err, duplex.InvalidLengthError("labels[*]", "x", 1, 2, true))
	}
	var se *duplex.ServiceError
	if !errors.As(err, &se) {
		t.Fatalf("merged error %T is not a ServiceError", err)
	}
	if got := len(se.History()); got != n {
		t.Errorf("history has %d errors, want %d", got, n)
	}
	want := strings.Repeat(one.Error()+"; ", 100) + "and more"
	if se.Message != want {
		t.Errorf("message of %d bytes ends %q, want %d bytes ending %q", len(se.Message), se.Message[max(0, len(se.Message)-40):], len(want), want[len(want)-40:])
	}
	if duplex.CodeOf(err) != duplex.CodeInvalid {
		t.Error("the merged violations are not a validation error")
	}
}
