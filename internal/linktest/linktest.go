// Package linktest gives tests a private network namespace with links in
// it: a veth pair and a dummy (or ifb) device, made with just enough
// RTM_NEWLINK, declared as tagged structs, for that.
package linktest

import (
	"context"
	"errors"
	"net"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/nlstruct/nlstruct/families/genl"
	"github.com/nlstruct/nlstruct/internal/netnstest"
	"github.com/nlstruct/nlstruct/socket"
)

// ifInfoMsg is struct ifinfomsg.
type ifInfoMsg struct {
	Family uint8
	_      uint8
	Type   uint16
	Index  int32
	Flags  uint32
	Change uint32
}

// newLink is an RTM_NEWLINK request.
type newLink struct {
	Msg      ifInfoMsg   `nl:"header"`
	Name     string      `nl:"type=3,omitempty"` // IFLA_IFNAME
	LinkInfo *rtLinkInfo `nl:"type=18,nested"`   // IFLA_LINKINFO
}

// rtLinkInfo is IFLA_LINKINFO.
type rtLinkInfo struct {
	Kind string    `nl:"type=1"`        // IFLA_INFO_KIND
	Data *vethData `nl:"type=2,nested"` // IFLA_INFO_DATA (veth only)
}

// vethData is veth's IFLA_INFO_DATA.
type vethData struct {
	Peer *vethPeerMsg `nl:"type=1,nested"` // VETH_INFO_PEER
}

// vethPeerMsg is VETH_INFO_PEER's payload: an ifinfomsg and the peer's
// attributes.
type vethPeerMsg struct {
	Msg  ifInfoMsg `nl:"header"`
	Name string    `nl:"type=3"` // IFLA_IFNAME
}

// NS is a private network namespace with a veth pair (veth0 and
// veth1, both up), a device without link settings (extra0: a dummy or, if
// the kernel has no dummy driver, an ifb device; up) when the kernel can
// make one, and lo (down), with connections in it.
type NS struct {
	FD    int          // the namespace
	Genl  *genl.Conn   // a generic netlink Conn in it
	RTNL  *socket.Conn // a NETLINK_ROUTE Conn in it
	Extra string       // the kind of extra0, or "" when there is none
}

// New creates the namespace and its devices; they go away when the test
// ends. It skips the test where namespaces or veth cannot be made.
func New(t *testing.T) *NS {
	t.Helper()
	fd := netnstest.New(t)
	rt, err := socket.Dial(unix.NETLINK_ROUTE, &socket.Config{NetNSFD: fd})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { rt.Close() })
	ns := &NS{FD: fd, RTNL: rt}
	// veth refuses IFF_UP at creation (its peer is not linked yet:
	// ENOTCONN), so links are created down and brought up after.
	if err := ns.create(&newLink{Name: "veth0", LinkInfo: &rtLinkInfo{Kind: "veth", Data: &vethData{Peer: &vethPeerMsg{Name: "veth1"}}}}); err != nil {
		if isNotSupported(err) {
			t.Skipf("cannot create a veth link: %v", err)
		}
		t.Fatalf("create veth0: %v", err)
	}
	for _, kind := range []string{"dummy", "ifb"} {
		err := ns.create(&newLink{Name: "extra0", LinkInfo: &rtLinkInfo{Kind: kind}})
		if err == nil {
			ns.Extra = kind
			break
		}
		if !isNotSupported(err) {
			t.Fatalf("create extra0 (%s): %v", kind, err)
		}
	}
	for _, name := range []string{"veth0", "veth1", "extra0"} {
		if name == "extra0" && ns.Extra == "" {
			continue
		}
		ns.SetUp(t, ns.Index(t, name), true)
	}
	g, err := genl.Dial(&socket.Config{NetNSFD: fd})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { g.Close() })
	ns.Genl = g
	return ns
}

// create sends RTM_NEWLINK with NLM_F_CREATE|NLM_F_EXCL.
func (ns *NS) create(req *newLink) error {
	return ns.RTNL.Do(context.Background(), socket.Request{Type: unix.RTM_NEWLINK, Flags: socket.FlagCreate | socket.FlagExcl, Body: req}, nil)
}

// Index returns the ifindex of the named link in the namespace.
func (ns *NS) Index(t *testing.T, name string) int32 {
	t.Helper()
	var idx int32
	netnstest.Run(t, ns.FD, func() {
		ifi, err := net.InterfaceByName(name)
		if err != nil {
			t.Errorf("link %s: %v", name, err)
			return
		}
		idx = int32(ifi.Index)
	})
	if idx == 0 {
		t.FailNow()
	}
	return idx
}

// SetUp brings the link with index ifindex up or down.
func (ns *NS) SetUp(t *testing.T, ifindex int32, up bool) {
	t.Helper()
	msg := ifInfoMsg{Index: ifindex, Change: unix.IFF_UP}
	if up {
		msg.Flags = unix.IFF_UP
	}
	if err := ns.RTNL.Do(context.Background(), socket.Request{Type: unix.RTM_NEWLINK, Body: &newLink{Msg: msg}}, nil); err != nil {
		t.Fatalf("set link %d up=%v: %v", ifindex, up, err)
	}
}

// isNotSupported reports an error for a link kind the kernel lacks.
func isNotSupported(err error) bool {
	return errors.Is(err, unix.EOPNOTSUPP) || errors.Is(err, unix.ENOENT)
}
