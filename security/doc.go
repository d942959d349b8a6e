// Package security holds the security scheme types that generated code
// passes to a service's auth methods (BasicAuth, APIKeyAuth, JWTAuth,
// OAuth2Auth), with the same names, fields and Validate method as
// goa.design/goa/v3/security, so a Goa service implementation compiles with
// only its import path changed. It also has the helpers generated transports
// use to take credentials out of a request (BearerToken, TokenFromRequest,
// BasicCredentials); they never log or wrap the credential in an error.
//
// It does not verify credentials: checking a password or a JWT signature is
// the service's job, in its auth methods.
package security
