package expr

import "testing"

func TestEventStreamIsServerStreamsWithSSEFallbackAtAnyLevel(t *testing.T) {
	on := Pos{File: "design.go", Line: 1}
	for _, c := range []struct {
		name         string
		kind         StreamKind
		method       Pos
		service, api bool
		want         bool
	}{
		{"a server stream without SSEFallback", ServerStreamKind, Pos{}, false, false, false},
		{"a server stream with it in the method", ServerStreamKind, on, false, false, true},
		{"a server stream with it in the service", ServerStreamKind, Pos{}, true, false, true},
		{"a server stream with it in the API", ServerStreamKind, Pos{}, false, true, true},
		{"a bidirectional stream with it in the API", BidirectionalStreamKind, Pos{}, true, true, false},
		{"a client stream with it in the service", ClientStreamKind, Pos{}, true, false, false},
		{"a unary method with it in the API", NoStreamKind, Pos{}, false, true, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			m := &MethodExpr{Stream: c.kind, SSEFallbackPos: c.method, Service: &ServiceExpr{SSEFallback: c.service}}
			if got := m.EventStream(&APIExpr{SSEFallback: c.api}); got != c.want {
				t.Errorf("EventStream = %v, want %v", got, c.want)
			}
		})
	}
}
