// Package intercept implements the intercept service of the bench design
// with Goa's generated code: the service and its server and client
// interceptors (service.go), served by Goa's transport (handler.go).
// ../../duplex/intercept/service.go is service.go with its import paths
// changed: the Goa implementation, interceptors included, compiling and
// running against Duplex's generated package.
package intercept
