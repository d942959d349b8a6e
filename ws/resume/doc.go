// Package resume implements duplex.v1, Duplex's resumable stream protocol
// (docs/protocol.md, section 2), on top of duplex.dev/ws: numbered
// messages, batched acknowledgements, bounded replay buffers and resume
// tokens, so that a client that loses its connection reconnects and
// continues where it stopped, losing no message and seeing none twice.
//
// The server side is a Manager: it keeps a Session per resumable stream,
// runs the stream's handler once per session (not once per connection), and
// lets the session outlive its connection for a grace period. The client
// side is Stream, returned by Dial: it reconnects with a ws.RetryPolicy,
// presents its token and the last sequence number it saw, and stays valid
// across reconnections.
//
// It is not a message queue: nothing is persisted, a session lives in the
// memory of one server process, and a client that comes back after the
// grace period, or after a replay buffer overflowed, gets a clear error
// (ErrResumeFailed, close 4500) instead of a silent gap. Generated code
// reaches it through duplex.dev/transport, where it is a layer of the one
// stream type (transport.Stream with a Manager, transport.Dial with
// resumable set).
package resume
