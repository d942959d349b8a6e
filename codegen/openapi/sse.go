package openapi

import (
	"fmt"

	"duplex.dev/codegen"
	"duplex.dev/expr"
)

// The Server-Sent Events side of a server→client method with SSEFallback
// (docs/protocol.md, section 3): the same GET answered 200 with
// text/event-stream to a request that accepts it.

// resumable reports whether e's method is Resumable (events with ids).
func resumable(e *expr.HTTPEndpointExpr) bool { return e.WebSocket != nil && e.WebSocket.Resumable }

// lastEventIDParameter is the header a client resumes an event stream with.
func lastEventIDParameter() *object {
	return obj("name", "Last-Event-ID", "in", "header",
		"description", "Server-Sent Events only: the id of the last event received (<session>.<sequence>); the stream resumes after it. 400 when malformed, 410 when it cannot resume.",
		"schema", obj("type", "string", "pattern", `^[A-Za-z0-9_-]{1,64}\.[0-9]+$`))
}

// eventStreamResponses adds the 200 event-stream response of e, and the
// 410 of a Last-Event-ID that cannot be resumed.
func (b *openAPIBuilder) eventStreamResponses(e *expr.HTTPEndpointExpr, responses *object) {
	desc := fmt.Sprintf("Server-Sent Events, to a request with Accept: text/event-stream (docs/protocol.md, section 3): "+
		"each event's data is one message of the stream, the JSON of channel %q of the AsyncAPI document; "+
		"a comment line is a heartbeat; the last event, of type \"end\", holds {\"code\":…,\"reason\":…}, the close code a WebSocket would end with.",
		channelName(b.root, e))
	if resumable(e) {
		desc += " Each event has an id; Last-Event-ID resumes after it."
	}
	setEventStream200(responses, desc)
	if resumable(e) && responses.get("410") == nil {
		responses.set("410", obj("description", "Gone: the Last-Event-ID is too old or its stream ended; open a new stream without it."))
	}
}

// goaEventStreamResponses adds the 200 event-stream response of a method
// with Goa's ServerSentEvents: any GET that is not a WebSocket upgrade gets
// it, one event per result, no heartbeat and no end event.
func (b *openAPIBuilder) goaEventStreamResponses(e *expr.HTTPEndpointExpr, sse *expr.SSEExpr, responses *object) {
	setEventStream200(responses, goaEventsDescription(b.root, e, sse))
}

// setEventStream200 sets the 200 response of an event stream: a
// text/event-stream body that desc describes.
func setEventStream200(responses *object, desc string) {
	responses.set("200", obj("description", desc,
		"content", obj("text/event-stream", obj("schema", obj("type", "string")))))
}

// goaEventsDescription says what the events of a Goa ServerSentEvents
// method carry.
func goaEventsDescription(root *expr.RootExpr, e *expr.HTTPEndpointExpr, sse *expr.SSEExpr) string {
	data := fmt.Sprintf("each event's data is one result, the JSON of channel %q of the AsyncAPI document", channelName(root, e))
	if sse.Data.Name != "" {
		data = fmt.Sprintf("each event's data is the result's %q attribute (a string as is, other values as JSON)", sse.Data.Name)
	}
	desc := "Server-Sent Events on Goa's wire (ServerSentEvents), to a GET that is not a WebSocket upgrade: " + data
	for _, f := range []struct{ line, attr string }{{"id", sse.ID.Name}, {"event", sse.Type.Name}, {"retry", sse.Retry.Name}} {
		if f.attr != "" {
			desc += fmt.Sprintf("; %s: the %q attribute, left out when empty or zero", f.line, f.attr)
		}
	}
	if sse.RequestID.Name != "" {
		desc += fmt.Sprintf("; Last-Event-ID is copied to the payload attribute %q", sse.RequestID.Name)
	}
	return desc + "; no heartbeat comments and no end event: the response ends with the stream."
}

// sseExtension summarises the endpoint's Server-Sent Events settings.
func sseExtension(e *expr.HTTPEndpointExpr) *object {
	o := obj("accept", "text/event-stream", "endEvent", "end")
	if resumable(e) {
		o.set("resumable", true).set("eventId", "<session>.<sequence>")
	}
	return o
}

// addEventStream adds the channel and operation of e's Server-Sent Events
// side to an AsyncAPI document: its messages are the WebSocket channel's
// results, then the end event.
//
// With goa (a method with Goa's ServerSentEvents) there is no end event,
// and the channel says what each event carries.
func addEventStream(root *expr.RootExpr, e *expr.HTTPEndpointExpr, goa *expr.SSEExpr, channels, operations, messages *object) {
	name := channelName(root, e) + "_sse"
	result := channelName(root, e)
	key := "EventStreamEnd"
	if goa == nil && messages.get(key) == nil {
		messages.set(key, obj(
			"name", key,
			"title", "end of an event stream",
			"summary", "The last event of a Server-Sent Events stream (event: end): the close code and reason a WebSocket stream would end with.",
			"contentType", "application/json",
			"payload", obj("type", "object",
				"properties", obj("code", obj("type", "integer"), "reason", obj("type", "string")),
				"required", []any{"code", "reason"}),
		))
	}
	chMsgs := obj()
	var refs []any
	for _, k := range resultKeys(result, channels) {
		chMsgs.set(k, obj("$ref", "#/components/messages/"+k))
		refs = append(refs, obj("$ref", "#/channels/"+name+"/messages/"+k))
	}
	desc := "The " + e.MethodExpr.Name + " stream read as Server-Sent Events: GET with Accept: text/event-stream (docs/protocol.md, section 3)."
	if goa == nil {
		chMsgs.set(key, obj("$ref", "#/components/messages/"+key))
		refs = append(refs, obj("$ref", "#/channels/"+name+"/messages/"+key))
	} else {
		desc = goaEventsDescription(root, e, goa)
	}
	ws := channels.get(result).(*object)
	ch := obj("address", ws.get("address"), "title", e.MethodExpr.Name+" (Server-Sent Events)",
		"description", desc,
		"messages", chMsgs)
	ch.set("parameters", ws.get("parameters"))
	if goa == nil {
		ch.set("x-duplex-sse", sseExtension(e))
	}
	channels.set(name, ch)
	goName := codegen.Goify(result, true)
	var security any
	if op, ok := operations.get("send" + goName).(*object); ok {
		security = op.get("security")
	}
	operations.set("send"+goName+"Events", obj(
		"action", "send",
		"channel", obj("$ref", "#/channels/"+name),
		"title", "Send "+e.MethodExpr.Name+" events",
		"summary", "Events the server sends on the "+e.MethodExpr.Name+" event stream, then the end event.",
		"security", security,
		"bindings", obj("http", obj("method", "GET", "bindingVersion", "0.3.0")),
		"messages", refs,
	))
}

// resultKeys returns the keys of the result messages of WebSocket channel
// name.
func resultKeys(name string, channels *object) []string {
	ch, _ := channels.get(name).(*object)
	if ch == nil {
		return nil
	}
	msgs, _ := ch.get("messages").(*object)
	if msgs == nil {
		return nil
	}
	return append([]string(nil), msgs.keys...)
}
