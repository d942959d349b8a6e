package codec

// The plain shapes of the chat design's types (examples/chat/gen/chat),
// without the UnmarshalJSON methods the generator adds to check required
// attributes: decoding them measures the codec alone. The generated types
// themselves are benchmarked too (see Payloads).

// Message mirrors chat.Message: a message posted in a room.
type Message struct {
	Sequence  int64  `json:"sequence"`
	Room      string `json:"room"`
	From      string `json:"from"`
	Text      string `json:"text"`
	Timestamp string `json:"timestamp"`
}

// Analytics mirrors chat.Analytics: the analytics stream's result, with
// optional attributes (pointers, a slice and a map).
type Analytics struct {
	Timestamp         string         `json:"timestamp"`
	Connections       int            `json:"connections"`
	Rooms             int            `json:"rooms"`
	MessagesPerSecond *float64       `json:"messages_per_second,omitempty"`
	TopRooms          []string       `json:"top_rooms,omitempty"`
	RoomMembers       map[string]int `json:"room_members,omitempty"`
	Dropped           *int64         `json:"dropped,omitempty"`
}

// Echo mirrors chat.EchoResult (and EchoStreamingPayload): one string.
type Echo struct {
	Message string `json:"message"`
}
