// Package chatd wires the chat example into a server: the generated
// HTTP/WebSocket handlers over examples/chat/service, the web page at "/",
// Prometheus metrics at /metrics and
// graceful shutdown. cmd/chatd is a thin main around Run; tests start it
// with Serve on a listener of their own (127.0.0.1:0), several at once if
// they like.
//
// It keeps everything in memory: history and sequences do not survive a
// restart. It is not where the chat logic lives (see the service package).
package chatd
