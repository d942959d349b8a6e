package natsbroker

import (
	"context"
	"errors"
	"slices"
	"sync"
	"testing"
	"time"

	"duplex.dev/hub"
)

// events collects presence events.
type events struct {
	mu  sync.Mutex
	evs []hub.PresenceEvent
}

func (e *events) add(ev hub.PresenceEvent) {
	e.mu.Lock()
	e.evs = append(e.evs, ev)
	e.mu.Unlock()
}

// find returns the first event of type typ for member.
func (e *events) find(typ, member string) (hub.PresenceEvent, bool) {
	e.mu.Lock()
	defer e.mu.Unlock()
	for _, ev := range e.evs {
		if ev.Type == typ && ev.Member == member {
			return ev, true
		}
	}
	return hub.PresenceEvent{}, false
}

func memberIDs(ms []hub.PresenceMember) []string {
	var ids []string
	for _, m := range ms {
		ids = append(ids, m.ID)
	}
	return ids
}

func TestPresenceAcrossNodesExpiresMembersOfADeadNode(t *testing.T) {
	const timeout = 2 * time.Second
	_, url := startServer(t, "")
	a, _ := newBroker(t, url, WithNodeID("a"), WithPresenceTimeout(timeout))
	// b asks for a longer timeout, but a created the bucket first: b must
	// refresh at the bucket's pace or bob would expire below.
	b, _ := newBroker(t, url, WithNodeID("b"), WithPresenceTimeout(time.Minute))
	c, ncC := newBroker(t, url, WithNodeID("c"), WithPresenceTimeout(timeout))
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()

	var seen events
	defer a.Presence().Watch("lobby", seen.add)()
	var other events // a watcher of another room sees nothing of lobby
	defer a.Presence().Watch("elsewhere", other.add)()

	for _, j := range []struct {
		b    *Broker
		name string
	}{{a, "alice"}, {b, "bob"}, {c, "carol"}} {
		if err := j.b.Presence().Join(ctx, "lobby", j.name, hub.PresenceInfo{User: j.name}); err != nil {
			t.Fatalf("Join %s: %v", j.name, err)
		}
	}
	if err := a.Presence().Join(ctx, "lobby", "alice", hub.PresenceInfo{}); !errors.Is(err, hub.ErrDuplicateMember) {
		t.Fatalf("second Join of alice on the same node: %v, want ErrDuplicateMember", err)
	}
	all := []string{"alice", "bob", "carol"}
	for _, n := range []*Broker{a, b, c} {
		eventually(t, 10*time.Second, "node "+n.NodeID()+" sees all three members", func() bool {
			return slices.Equal(memberIDs(n.Presence().Members("lobby")), all)
		})
	}
	if ms := b.Presence().Members("lobby"); ms[2].Node != "c" || ms[2].Info.User != "carol" {
		t.Fatalf("carol as seen from b = %+v", ms[2])
	}
	if ev, ok := seen.find(hub.EventJoin, "carol"); !ok || ev.Node != "c" || ev.Room != "lobby" {
		t.Fatalf("join event for carol on a = %+v, %v", ev, ok)
	}

	// Several heartbeats pass: members of live nodes stay.
	hb := time.Now()
	eventually(t, 10*time.Second, "two timeouts pass", func() bool { return time.Since(hb) > 2*timeout })
	if got := memberIDs(a.Presence().Members("lobby")); !slices.Equal(got, all) {
		t.Fatalf("after two timeouts of heartbeats, members = %v, want %v", got, all)
	}
	if _, ok := seen.find(hub.EventLeave, "carol"); ok {
		t.Fatal("carol left while her node was alive")
	}

	// Node c dies: its connection goes away without any Leave.
	ncC.Close()
	eventually(t, 5*timeout, "carol expires on a and b", func() bool {
		return slices.Equal(memberIDs(a.Presence().Members("lobby")), []string{"alice", "bob"}) &&
			slices.Equal(memberIDs(b.Presence().Members("lobby")), []string{"alice", "bob"})
	})
	if ev, ok := seen.find(hub.EventLeave, "carol"); !ok || !ev.Expired || ev.Node != "c" || ev.Info.User != "carol" {
		t.Fatalf("leave event for carol = %+v, %v; want an expiry from node c", ev, ok)
	}

	// An explicit leave is not an expiry.
	if err := b.Presence().Leave(ctx, "lobby", "bob"); err != nil {
		t.Fatalf("Leave: %v", err)
	}
	eventually(t, 10*time.Second, "bob's leave reaches a", func() bool {
		_, ok := seen.find(hub.EventLeave, "bob")
		return ok
	})
	if ev, _ := seen.find(hub.EventLeave, "bob"); ev.Expired {
		t.Fatalf("explicit leave reported as expiry: %+v", ev)
	}
	if got := memberIDs(a.Presence().Members("lobby")); !slices.Equal(got, []string{"alice"}) {
		t.Fatalf("members after bob left = %v", got)
	}
	other.mu.Lock()
	defer other.mu.Unlock()
	if len(other.evs) != 0 {
		t.Fatalf("watcher of another room got %v", other.evs)
	}
}

func TestCloseRemovesThisNodesMembers(t *testing.T) {
	_, url := startServer(t, "")
	a, _ := newBroker(t, url, WithNodeID("a"))
	b, _ := newBroker(t, url, WithNodeID("b"))
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := b.Presence().Join(ctx, "r", "bob", hub.PresenceInfo{}); err != nil {
		t.Fatalf("Join: %v", err)
	}
	eventually(t, 5*time.Second, "a sees bob", func() bool { return len(a.Presence().Members("r")) == 1 })
	if err := b.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	// The default timeout is 10s: only Close's delete can make bob leave
	// within 5s.
	eventually(t, 5*time.Second, "bob leaves when his node closes", func() bool { return len(a.Presence().Members("r")) == 0 })
}
