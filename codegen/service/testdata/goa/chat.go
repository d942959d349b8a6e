package chatapi

import (
	"context"
	"fmt"
	chat "goaref/gen/chat"

	"duplex.dev/security"
	"goaref/log"
)

// chat service example implementation.
// The example methods log the requests and return zero values.
type chatsrvc struct{}

// NewChat returns the chat service implementation.
func NewChat() chat.Service {
	return &chatsrvc{}
}

// BasicAuth implements the authorization logic for service "chat" for the
// "basic" security scheme.
func (s *chatsrvc) BasicAuth(ctx context.Context, user, pass string, scheme *security.BasicScheme) (context.Context, error) {
	//
	// TBD: add authorization logic.
	//
	// In case of authorization failure this function should return
	// one of the generated error structs, e.g.:
	//
	//    return ctx, myservice.MakeUnauthorizedError("invalid token")
	//
	// Alternatively this function may return an instance of
	// goa.ServiceError with a Name field value that matches one of
	// the design error names, e.g:
	//
	//    return ctx, goa.PermanentError("unauthorized", "invalid token")
	//
	return ctx, fmt.Errorf("not implemented")
}

// JWTAuth implements the authorization logic for service "chat" for the "jwt"
// security scheme.
func (s *chatsrvc) JWTAuth(ctx context.Context, token string, scheme *security.JWTScheme) (context.Context, error) {
	//
	// TBD: add authorization logic.
	//
	// In case of authorization failure this function should return
	// one of the generated error structs, e.g.:
	//
	//    return ctx, myservice.MakeUnauthorizedError("invalid token")
	//
	// Alternatively this function may return an instance of
	// goa.ServiceError with a Name field value that matches one of
	// the design error names, e.g:
	//
	//    return ctx, goa.PermanentError("unauthorized", "invalid token")
	//
	return ctx, fmt.Errorf("not implemented")
}

// Login implements login.
func (s *chatsrvc) Login(ctx context.Context, p *chat.LoginPayload) (res string, err error) {
	log.Printf(ctx, "chat.login")
	return
}

// Listener implements listener.
func (s *chatsrvc) Listener(ctx context.Context, stream chat.ListenerServerStream) (err error) {
	log.Printf(ctx, "chat.listener")
	return
}

// Count implements count.
func (s *chatsrvc) Count(ctx context.Context, p *chat.CountPayload, stream chat.CountServerStream) (err error) {
	log.Printf(ctx, "chat.count")
	return
}

// Subscribe implements subscribe.
func (s *chatsrvc) Subscribe(ctx context.Context, p *chat.SubscribePayload, stream chat.SubscribeServerStream) (err error) {
	stream.SetView("default")
	log.Printf(ctx, "chat.subscribe")
	return
}

// Echo implements echo.
func (s *chatsrvc) Echo(ctx context.Context, stream chat.EchoServerStream) (err error) {
	log.Printf(ctx, "chat.echo")
	return
}
