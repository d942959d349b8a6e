package design

import . "duplex.dev/dsl"

// Tick is what the feed service streams as Server-Sent Events (Goa's
// ServerSentEvents). Goa's generated code reads id, kind and retry as
// values, so they are required.
var Tick = Type("Tick", func() {
	Attribute("id", String, "Event id")
	Attribute("kind", String, "Event type")
	Attribute("retry", Int, "Reconnection delay in milliseconds")
	Attribute("n", Int, "Sequence")
	Attribute("text", String, "Content")
	Required("id", "kind", "retry", "n", "text")
})

var _ = Service("feed", func() {
	Description("Goa's Server-Sent Events: a Goa design that streams with ServerSentEvents.")
	Method("watch", func() {
		Description("Stream count ticks after Since (Last-Event-ID).")
		Payload(func() {
			// Goa's server sets the field named as it is in SSERequestID.
			Attribute("Since", String, "Last event id seen")
			Attribute("count", Int, "How many ticks")
		})
		StreamingResult(Tick)
		HTTP(func() {
			GET("/feed/watch")
			Param("count")
			Header("Since:Last-Event-ID")
			ServerSentEvents(func() {
				SSEEventID("id")
				SSEEventType("kind")
				SSEEventRetry("retry")
				SSERequestID("Since")
			})
		})
	})
	Method("texts", func() {
		Description("Stream the ticks' texts as the events' data.")
		Payload(func() {
			Attribute("count", Int, "How many texts")
		})
		StreamingResult(Tick)
		HTTP(func() {
			GET("/feed/texts")
			Param("count")
			ServerSentEvents("text")
		})
	})
})
