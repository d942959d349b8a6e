package design

import . "duplex.dev/dsl"

var _ = API("guide", func() {
	Title("The guide's streaming patterns")
})

// The three Method blocks below are the guide's code blocks, unchanged
// (client to server, server to client, bidirectional).
var _ = Service("stream", func() {
	Method("listener", func() {
		// ストリームのメッセージフォーマット
		StreamingPayload(func() {
			Field(1, "message", String, "メッセージ内容")
			Required("message")
		})

		HTTP(func() {
			GET("/listen") // WebSocketエンドポイント
		})
	})

	Method("subscribe", func() {
		StreamingResult(func() {
			Field(1, "message", String, "更新内容")
			Field(2, "action", String, "アクションタイプ")
			Field(3, "timestamp", String, "発生時刻")
			Required("message", "action", "timestamp")
		})

		HTTP(func() {
			GET("/subscribe")
		})
	})

	Method("echo", func() {
		// クライアントメッセージ
		StreamingPayload(func() {
			Field(1, "message", String, "エコーするメッセージ")
			Required("message")
		})

		// サーバーレスポンス
		StreamingResult(func() {
			Field(1, "message", String, "エコーされたメッセージ")
			Required("message")
		})

		HTTP(func() {
			GET("/echo")
		})
	})
})
