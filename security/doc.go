// Package security is what a service's auth methods see of Duplex: the
// scheme types generated code passes them (BasicScheme, APIKeyScheme,
// JWTScheme, OAuth2Scheme, with the names, fields and Validate method of
// goa.design/goa/v3/security, so a Goa service compiles with only its
// import path changed), Authenticated, which records the subject a request
// authenticated as for the per-subject quotas, and Unauthenticated, with
// which generated endpoints answer a refused credential with 401. It does
// not take credentials out of requests (generated transports do) and does
// not verify them: checking a password or a JWT signature is the service's
// job, in its auth methods.
package security
