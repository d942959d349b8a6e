package eval

import "testing"

func TestPackagePathMatchesExactly(t *testing.T) {
	cases := map[string]string{
		"duplex.dev/dsl.Method":                      "duplex.dev/dsl",
		"duplex.dev/dsl.Method.func1":                "duplex.dev/dsl",
		"duplex.dev/dsl_test.TestRules.func2.1":      "duplex.dev/dsl_test",
		"duplex.dev/eval.(*MultiError).Error":        "duplex.dev/eval",
		"duplex.dev/examples/chat/design.init.func1": "duplex.dev/examples/chat/design",
		"runtime.gopanic":                            "runtime",
		"main.main":                                  "main",
	}
	for fn, want := range cases {
		if got := packagePath(fn); got != want {
			t.Errorf("packagePath(%q) = %q, want %q", fn, got, want)
		}
		if fn == "duplex.dev/dsl_test.TestRules.func2.1" && internalPackages[packagePath(fn)] {
			t.Errorf("%s is skipped: test functions of package dsl_test must not be", fn)
		}
	}
}
