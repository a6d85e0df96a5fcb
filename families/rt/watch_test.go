package rt_test

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"os"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"golang.org/x/sys/unix"

	"github.com/nlstruct/nlstruct/families/rt"
	"github.com/nlstruct/nlstruct/internal/netnstest"
	"github.com/nlstruct/nlstruct/marshal"
	"github.com/nlstruct/nlstruct/socket"
)

func TestDecodeEvent(t *testing.T) {
	link := &rt.Link{Header: rt.IfInfoMsg{Index: 7}, Name: "w0"}
	b, err := marshal.Marshal(link)
	if err != nil {
		t.Fatal(err)
	}
	e, err := rt.DecodeEvent(unix.RTM_DELLINK, b)
	if err != nil {
		t.Fatal(err)
	}
	if !e.Deleted() || e.Link == nil || e.Address != nil || e.Route != nil || e.Neighbour != nil || e.Rule != nil {
		t.Errorf("RTM_DELLINK: %+v, want only Link set and Deleted", e)
	}
	if e.Link.Name != "w0" || e.Link.Header.Index != 7 {
		t.Errorf("link %+v, want w0 index 7", e.Link)
	}
	if _, err := rt.DecodeEvent(unix.RTM_NEWQDISC, b); !errors.Is(err, rt.ErrUnknownEvent) {
		t.Errorf("RTM_NEWQDISC: %v, want ErrUnknownEvent", err)
	}
	if _, err := rt.DecodeEvent(unix.RTM_NEWADDR, b[:3]); err == nil {
		t.Error("a 3-byte RTM_NEWADDR decoded")
	}
	for typ, deleted := range map[uint16]bool{
		unix.RTM_NEWLINK: false, unix.RTM_NEWADDR: false, unix.RTM_DELADDR: true,
		unix.RTM_NEWROUTE: false, unix.RTM_DELROUTE: true, unix.RTM_NEWNEIGH: false,
		unix.RTM_DELNEIGH: true, unix.RTM_NEWRULE: false, unix.RTM_DELRULE: true,
	} {
		if got := (&rt.Event{Type: typ}).Deleted(); got != deleted {
			t.Errorf("type %d: Deleted %v, want %v", typ, got, deleted)
		}
	}
}

// TestWatchKernel watches a private namespace while another connection
// adds a bridge, brings it up, gives it an address and a route in a
// table of its own, and deletes the link: each change must arrive as its
// notification, with the values that were set.
func TestWatchKernel(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root: creates a network namespace and a link in it")
	}
	fd := netnstest.New(t)
	w, err := rt.Dial(&socket.Config{NetNSFD: fd})
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	c, err := rt.Dial(&socket.Config{NetNSFD: fd})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()

	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	sub, err := w.Subscribe(rt.GroupLink, rt.GroupIPv4Addr, rt.GroupIPv4Route)
	if err != nil {
		t.Fatal(err)
	}
	// Members as soon as Subscribe returns: no change can be missed.
	if !watchJoined(t, w) {
		t.Fatal("Subscribe returned before the socket joined the link group")
	}
	events := make(chan *rt.Event, 64)
	watchErr := make(chan error, 1)
	go func() {
		defer close(events)
		for e, err := range sub.Events(ctx) {
			if err != nil {
				watchErr <- err
				return
			}
			events <- e
		}
	}()

	if err := c.AddLink(ctx, &rt.Link{Name: "watch0", Info: &rt.LinkInfo{Kind: "bridge"}}); err != nil {
		t.Fatal(err)
	}
	l, err := c.LinkByName(ctx, "watch0")
	if err != nil {
		t.Fatal(err)
	}
	idx := l.Header.Index
	if err := c.SetLinkUp(ctx, idx, true); err != nil {
		t.Fatal(err)
	}
	pfx := netip.MustParsePrefix("198.51.100.7/24")
	if err := c.AddAddress(ctx, rt.NewAddress(uint32(idx), pfx)); err != nil {
		t.Fatal(err)
	}
	if err := c.DeleteLink(ctx, idx); err != nil {
		t.Fatal(err)
	}

	// What must be seen, in this order (other notifications, such as the
	// local and prefix routes of the address, may come in between).
	type want struct {
		typ   uint16
		check func(e *rt.Event) string
	}
	wants := []want{
		{unix.RTM_NEWLINK, func(e *rt.Event) string { return cmp.Diff("watch0", e.Link.Name) }},
		{unix.RTM_NEWADDR, func(e *rt.Event) string {
			if got := netip.PrefixFrom(e.Address.Addr(), int(e.Address.Header.PrefixLen)); got != pfx {
				return fmt.Sprintf("address %v, want %v", got, pfx)
			}
			return ""
		}},
		{unix.RTM_DELLINK, func(e *rt.Event) string { return cmp.Diff(idx, e.Link.Header.Index) }},
	}
	var seen []uint16
	for len(wants) > 0 {
		select {
		case e, ok := <-events:
			if !ok {
				t.Fatalf("the stream ended (%v) before %d notifications; saw types %v", <-watchErr, len(wants), seen)
			}
			seen = append(seen, e.Type)
			if e.Type != wants[0].typ {
				continue
			}
			if e.Link != nil && e.Link.Header.Index != idx {
				continue // another link (lo)
			}
			if d := wants[0].check(e); d != "" {
				t.Errorf("notification %d (-want +got):\n%s", e.Type, d)
			}
			wants = wants[1:]
		case <-ctx.Done():
			t.Fatalf("timed out waiting for message type %d; saw types %v", wants[0].typ, seen)
		}
	}
	cancel()
	for range events {
	}
	select {
	case err := <-watchErr:
		if !errors.Is(err, context.Canceled) {
			t.Errorf("the stream ended with %v, want context.Canceled", err)
		}
	default:
		t.Error("the stream ended without an error after its context was canceled")
	}
	if err := sub.Close(); err != nil {
		t.Fatal(err)
	}
	if watchJoined(t, w) {
		t.Error("after Close the socket is still in the link group")
	}
	if err := sub.Close(); err != nil {
		t.Errorf("a second Close: %v", err)
	}
}

// TestWatchLeaves checks that Watch joins its groups while the loop runs
// and leaves them when it stops.
func TestWatchLeaves(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root: creates a network namespace and a link in it")
	}
	fd := netnstest.New(t)
	w, err := rt.Dial(&socket.Config{NetNSFD: fd})
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	c, err := rt.Dial(&socket.Config{NetNSFD: fd})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	done := make(chan struct{})
	go func() {
		// Keep making changes until the watcher has seen one.
		for i := 0; ; i++ {
			select {
			case <-done:
				return
			case <-time.After(20 * time.Millisecond):
			}
			name := fmt.Sprintf("wl%d", i)
			if err := c.AddLink(ctx, &rt.Link{Name: name, Info: &rt.LinkInfo{Kind: "bridge"}}); err != nil {
				return
			}
		}
	}()
	for e, err := range w.Watch(ctx, rt.GroupLink) {
		if err != nil {
			t.Fatal(err)
		}
		if !watchJoined(t, w) {
			t.Error("inside the loop the socket is not in the link group")
		}
		if e.Link != nil {
			break
		}
	}
	close(done)
	if watchJoined(t, w) {
		t.Error("after the loop the socket is still in the link group")
	}
}

// watchJoined reports whether w's socket is a member of the link group
// (NETLINK_LIST_MEMBERSHIPS, whose first word holds groups 1 to 32), that
// is, whether Watch has joined.
func watchJoined(t *testing.T, w *rt.Conn) bool {
	t.Helper()
	groups, err := w.Socket().Option(unix.SOL_NETLINK, unix.NETLINK_LIST_MEMBERSHIPS)
	if err != nil {
		t.Fatal(err)
	}
	return groups&(1<<(rt.GroupLink-1)) != 0
}
