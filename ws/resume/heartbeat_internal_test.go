package resume

import (
	"testing"

	"duplex.dev/ws"
)

// TestResumableHeartbeatsOnByDefault: both sides of a resumable stream
// ping by default, so a silently dead path is noticed within the
// heartbeat interval plus timeout (TestBlackholeIsDetectedAndResumed
// shows it with shorter settings): the server through ws.Server's
// heartbeat, which a Manager's connections keep, the client through its
// own, with the same settings.
func TestResumableHeartbeatsOnByDefault(t *testing.T) {
	srv := ws.NewServer(ws.Config{}).Config()
	if srv.HeartbeatInterval <= 0 || srv.HeartbeatTimeout <= 0 {
		t.Fatalf("server heartbeat %v/%v, want on by default", srv.HeartbeatInterval, srv.HeartbeatTimeout)
	}
	cli := defaultClientConfig().heartbeat
	if cli[0] != srv.HeartbeatInterval || cli[1] != srv.HeartbeatTimeout {
		t.Fatalf("client heartbeat %v/%v, want the server's %v/%v", cli[0], cli[1], srv.HeartbeatInterval, srv.HeartbeatTimeout)
	}
}
