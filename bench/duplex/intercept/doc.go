// Package intercept serves the intercept service of the bench design with
// the code Duplex generates. Its implementation, service.go, is Goa's
// (../../goa/intercept/service.go) with the import paths changed and
// nothing else: TestServiceIsGoasWithImportPathsChanged keeps it so
// (go test -run TestServiceIsGoas -update rewrites it).
package intercept
