package gentest

import . "duplex.dev/dsl"

// GoaSSE is a design using Goa's ServerSentEvents: watch maps id:, event: and
// retry: from the result and Last-Event-ID to the payload; texts sends one
// result attribute as its data; service-level inheritance gives follow the
// service's.
func GoaSSE() {
	API("feedapi", func() {})
	tick := Type("Tick", func() {
		Attribute("id", String)
		Attribute("kind", String)
		Attribute("retry", Int)
		Attribute("n", Int)
		Attribute("text", String)
		Required("id", "n")
	})
	Service("feed", func() {
		HTTP(func() {
			ServerSentEvents(func() { SSEEventID("id") })
		})
		Method("watch", func() {
			Payload(func() {
				Attribute("since", String)
				Attribute("count", Int)
			})
			StreamingResult(tick)
			HTTP(func() {
				GET("/watch")
				Param("count")
				Header("since:Last-Event-ID")
				ServerSentEvents(func() {
					SSEEventID("id")
					SSEEventType("kind")
					SSEEventRetry("retry")
					SSERequestID("since")
				})
			})
		})
		Method("texts", func() {
			StreamingResult(tick)
			HTTP(func() {
				GET("/texts")
				ServerSentEvents("text")
			})
		})
		Method("follow", func() {
			StreamingResult(tick)
			HTTP(func() { GET("/follow") })
		})
	})
}
