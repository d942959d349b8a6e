package service_test

import (
	"testing"

	"duplex.dev/codegen/internal/gentest"
	"duplex.dev/codegen/service"
)

func TestUnionsMatchGoldenFiles(t *testing.T) {
	files, err := service.Files("example.com/unions/gen", gentest.Design(t, gentest.Unions))
	if err != nil {
		t.Fatal(err)
	}
	gentest.Golden(t, "testdata/unions", files)
}
