package design

import (
	"time"

	. "duplex.dev/dsl"
)

var _ = API("chat", func() {
	Title("Chat")
	Description("Real-time chat over WebSocket: the guide's streaming patterns, rooms and analytics.")
	Version("1.0")
	Server("chatd", func() {
		Description("The chat daemon (examples/chat/cmd/chatd).")
		Host("localhost", func() { URI("http://localhost:8080") })
	})
})

// BasicAuth authenticates login with a user name and password.
var BasicAuth = BasicAuthSecurity("basic", func() {
	Description("User name and password, exchanged for a JWT by login.")
})

// JWTAuth authenticates every other call with the JWT returned by login
// or set by session. Browsers cannot set headers on a WebSocket upgrade:
// the page logs in with session, which puts the JWT in an HttpOnly cookie
// (SessionCookie) the browser sends with every request, upgrades included.
// Other clients send it in the Authorization header or, on streams, the
// "token" query parameter.
var JWTAuth = JWTSecurity("jwt", func() {
	Description("JWT returned by login.")
	Scope("stream:read", "Receive messages and events")
	Scope("stream:write", "Send messages")
})

// SessionCookie is the cookie session sets and every authenticated method
// reads the JWT from when the request carries it nowhere else.
const SessionCookie = "chat_session"

// sessionCookie maps the payload's token to SessionCookie.
func sessionCookie() { Cookie("token:" + SessionCookie) }

// roomPattern is what a room name looks like: lower-case letters, digits,
// '-' and '_', starting with a letter or a digit, at most 64 characters; or
// the same after a '#', which marks the rooms the server reserves for its
// own feeds (the activity feed of subscribe is "#activity"): every method
// refuses those with 403.
const roomPattern = "^#?[a-z0-9][a-z0-9_-]{0,63}$"

// roomAttribute declares the "room" attribute of a payload. Every method that takes
// a room uses it, so that join, send and history validate room names the
// same way (HTTP 400 naming the attribute).
func roomAttribute(description string) {
	Attribute("room", String, description, func() {
		Pattern(roomPattern)
		MaxLength(65)
	})
}

// reservedRoomError declares the error of the methods that take a room
// for a room reserved for the server's feeds; map it to 403 in HTTP.
func reservedRoomError() {
	Error("forbidden", String, "The room is reserved for the server's own feeds (its name starts with '#').")
}

// ChatMessage is a chat message as stored in a room's history.
var ChatMessage = ResultType("application/vnd.chat.message", func() {
	TypeName("Message")
	Description("A message posted in a room.")
	Attributes(func() {
		Attribute("sequence", Int64, "Position of the message in the room, starting at 1.", func() { Minimum(1) })
		Attribute("room", String, "Room the message was posted in.")
		Attribute("from", String, "User who posted the message.")
		Attribute("text", String, "Message text.", func() { MaxLength(4096) })
		Attribute("timestamp", String, "Time the server received the message.", func() { Format(FormatDateTime) })
		Required("sequence", "room", "from", "text", "timestamp")
	})
})

// RoomEvent is what a member of a room receives: messages and presence.
var RoomEvent = ResultType("application/vnd.chat.room-event", func() {
	TypeName("RoomEvent")
	Description("An event in a room: a message, or a user joining or leaving.")
	Attributes(func() {
		Attribute("kind", String, "What happened.", func() { Enum("message", "joined", "left") })
		Attribute("room", String, "Room of the event.")
		Attribute("user", String, "User the event is about.")
		Attribute("message", ChatMessage, "The message, for kind \"message\".")
		Attribute("timestamp", String, "Time of the event.", func() { Format(FormatDateTime) })
		Attribute("node", String, "Server node the user is connected to, when several chatd nodes share the room (chatd -nats).")
		Attribute("expired", Boolean, "For kind \"left\": the user's node stopped answering and its presence timed out.")
		Required("kind", "room", "user", "timestamp")
	})
})

// Analytics is a snapshot of the server's activity, rendered in one of
// three views chosen by the client.
var Analytics = ResultType("application/vnd.chat.analytics", func() {
	TypeName("Analytics")
	Description("Server activity, sent periodically.")
	Attributes(func() {
		Attribute("timestamp", String, "Time of the snapshot.", func() { Format(FormatDateTime) })
		Attribute("connections", Int, "Open WebSocket connections.")
		Attribute("rooms", Int, "Rooms with at least one member.")
		Attribute("messages_per_second", Float64, "Messages posted per second over the last minute.")
		Attribute("top_rooms", ArrayOf(String), "The busiest rooms, busiest first.")
		Attribute("room_members", MapOf(String, Int), "Members per room.")
		Attribute("dropped", Int64, "Messages dropped for slow consumers since start.")
		Required("timestamp", "connections", "rooms")
	})
	View("summary", func() {
		Attribute("timestamp")
		Attribute("connections")
		Attribute("rooms")
	})
	View("detailed", func() {
		Attribute("timestamp")
		Attribute("connections")
		Attribute("rooms")
		Attribute("messages_per_second")
		Attribute("top_rooms")
	})
	View("full", func() {
		Attribute("timestamp")
		Attribute("connections")
		Attribute("rooms")
		Attribute("messages_per_second")
		Attribute("top_rooms")
		Attribute("room_members")
		Attribute("dropped")
	})
})

var _ = Service("chat", func() {
	Description("The chat service.")
	// Its server→client streams (subscribe, join, analytics) can also be
	// read as Server-Sent Events, where a proxy refuses WebSockets.
	SSEFallback()
	Security(JWTAuth)

	// The web page and its scripts (examples/chat/web/static), served by
	// the generated server from the file system chatd gives it: the files
	// embedded in the binary.
	Files("/{*filepath}", "/", func() {
		Description("The chat page.")
	})
	Error("unauthorized", String, "Credentials are missing or invalid.")
	HTTP(func() {
		Response("unauthorized", StatusUnauthorized)
	})

	Method("login", func() {
		Description("Exchange a user name and password for a JWT.")
		Security(BasicAuth)
		Payload(func() {
			Username("user", String, "User name.")
			Password("password", String, "Password.")
			Required("user", "password")
		})
		Result(String, "JWT to use with the other methods.")
		HTTP(func() {
			POST("/login")
			Response(StatusOK)
		})
	})

	// The guide's client-to-server stream, secured with the JWT.
	Method("listener", func() {
		Payload(func() {
			Token("token", String, "JWT returned by login.")
			Required("token")
		})
		// ストリームのメッセージフォーマット
		StreamingPayload(func() {
			Field(1, "message", String, "メッセージ内容")
			Required("message")
		})
		Result(Int, "Number of messages received.")

		HTTP(func() {
			GET("/listen") // WebSocketエンドポイント
			Param("token")
			sessionCookie()
		})
	})

	// The guide's server-to-client stream, secured with the JWT.
	Method("subscribe", func() {
		Payload(func() {
			Token("token", String, "JWT returned by login.")
			Required("token")
		})
		StreamingResult(func() {
			Field(1, "message", String, "更新内容")
			Field(2, "action", String, "アクションタイプ")
			Field(3, "timestamp", String, "発生時刻")
			Required("message", "action", "timestamp")
		})

		HTTP(func() {
			GET("/subscribe")
			Param("token")
			sessionCookie()
			WebSocket(func() {
				Heartbeat(15*time.Second, 45*time.Second)
				Resumable()
			})
		})
	})

	// The guide's bidirectional stream, open to anyone.
	Method("echo", func() {
		NoSecurity()
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

	Method("join", func() {
		reservedRoomError()
		Description("Join a room and receive its events until the stream is closed.")
		Payload(func() {
			Token("token", String, "JWT returned by login.")
			roomAttribute("Room to join.")
			Attribute("after", Int64, "Resume after this sequence number: every later message is sent once, oldest first, then live ones (a client reconnecting, to this node or another, gives the last sequence it saw). Without it, join sends the most recent messages.", func() {
				Minimum(0)
			})
			Required("token", "room")
		})
		StreamingResult(RoomEvent)
		HTTP(func() {
			GET("/rooms/{room}")
			Response("forbidden", StatusForbidden)
			Param("token")
			sessionCookie()
			Param("after")
			WebSocket(func() {
				Subprotocol("chat.v1")
				Resumable()
				SendQueue(1024, DropOldest)
			})
		})
	})

	Method("send", func() {
		reservedRoomError()
		Description("Post a message to a room.")
		Payload(func() {
			Token("token", String, "JWT returned by login.")
			roomAttribute("Room to post to.")
			Attribute("text", String, "Message text.", func() {
				MinLength(1)
				MaxLength(4096)
			})
			Required("token", "room", "text")
		})
		Result(ChatMessage)
		HTTP(func() {
			POST("/rooms/{room}/messages")
			Response("forbidden", StatusForbidden)
			Header("token:Authorization")
			sessionCookie()
			Response(StatusCreated)
		})
	})

	Method("history", func() {
		reservedRoomError()
		Description("List the messages of a room after a sequence number, oldest first.")
		Payload(func() {
			Token("token", String, "JWT returned by login.")
			roomAttribute("Room to read.")
			Attribute("after", Int64, "Return messages with a greater sequence number.", func() {
				Minimum(0)
				Default(0)
			})
			Attribute("limit", Int, "Maximum number of messages to return.", func() {
				Minimum(1)
				Maximum(500)
				Default(50)
			})
			Required("token", "room")
		})
		Result(CollectionOf(ChatMessage))
		HTTP(func() {
			GET("/rooms/{room}/history")
			Response("forbidden", StatusForbidden)
			Header("token:Authorization")
			sessionCookie()
			Param("after")
			Param("limit")
		})
	})

	Method("analytics", func() {
		Description("Stream server activity in the chosen view.")
		Payload(func() {
			Token("token", String, "JWT returned by login.")
			Attribute("view", String, "View of the snapshots.", func() {
				Enum("summary", "detailed", "full")
				Default("summary")
			})
			Required("token")
		})
		StreamingResult(Analytics)
		HTTP(func() {
			GET("/analytics")
			Param("token")
			sessionCookie()
			Param("view")
			WebSocket(func() {
				ReadLimit(4096)
			})
		})
	})

	Method("session", func() {
		Description("Log a browser in: exchange a user name and password for the JWT in an HttpOnly, SameSite=Strict session cookie, out of the page's reach; the browser sends it with every later request, WebSocket upgrades included.")
		Security(BasicAuth)
		Payload(func() {
			Username("user", String, "User name.")
			Password("password", String, "Password.")
			Required("user", "password")
		})
		Result(func() {
			Attribute("token", String, "JWT, in the session cookie only.")
			Attribute("user", String, "User logged in.")
			Required("token", "user")
		})
		HTTP(func() {
			POST("/session")
			Response(StatusOK, func() {
				// chatd serves plain HTTP in the example; behind TLS add
				// CookieSecure().
				Cookie("token:" + SessionCookie)
				CookiePath("/")
				CookieHTTPOnly()
				CookieSameSite(CookieSameSiteStrict)
			})
		})
	})
})
