package socket_test

// Tests against the running kernel. They need root (to create network
// namespaces, links and to forge multicast messages) and skip without it.
// rtnetlink tests run in a private network namespace (internal/netnstest)
// that disappears with the test.

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"

	"github.com/nlstruct/nlstruct/internal/netnstest"
	"github.com/nlstruct/nlstruct/marshal"
	"github.com/nlstruct/nlstruct/socket"
)

func requireRoot(t testing.TB) {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("needs root: talks to the real kernel (network namespaces, links, multicast)")
	}
}

func dial(t testing.TB, proto int, cfg *socket.Config) *socket.Conn {
	t.Helper()
	c, err := socket.Dial(proto, cfg)
	if err != nil {
		t.Fatalf("Dial: %v", err)
	}
	closeConn(t, c)
	return c
}

// newNS creates a private network namespace with lo up and returns its fd.
func newNS(t testing.TB) int {
	t.Helper()
	requireRoot(t)
	ns := netnstest.New(t)
	c := dial(t, unix.NETLINK_ROUTE, &socket.Config{NetNSFD: ns})
	defer c.Close()
	_, err := c.Execute(ctxFor(t, 5*time.Second), socket.Request{
		Type: unix.RTM_NEWLINK,
		Body: &linkMsg{Info: ifInfoMsg{Index: 1, Flags: unix.IFF_UP, Change: unix.IFF_UP}},
	})
	if err != nil {
		t.Fatalf("bring lo up: %v", err)
	}
	return ns
}

// linkKinds are the virtual link kinds tried, in order, when a test needs
// to create links.
var linkKinds = []string{"dummy", "ifb", "veth", "bridge"}

var (
	kindOnce sync.Once
	kindName string
	kindErr  error
)

// linkKind returns a link kind this kernel can create, or skips the test.
func linkKind(t testing.TB) string {
	t.Helper()
	requireRoot(t)
	kindOnce.Do(func() {
		ns := netnstest.New(t)
		c := dial(t, unix.NETLINK_ROUTE, &socket.Config{NetNSFD: ns})
		for _, kind := range linkKinds {
			err := newLink(ctxFor(t, 5*time.Second), c, "probe0", kind)
			if err == nil {
				kindName = kind
				return
			}
			kindErr = errors.Join(kindErr, fmt.Errorf("%s: %w", kind, err))
		}
	})
	if kindName == "" {
		t.Skipf("cannot create any of the link kinds %v: %v", linkKinds, kindErr)
	}
	return kindName
}

func newLink(ctx context.Context, c *socket.Conn, name, kind string) error {
	_, err := c.Execute(ctx, socket.Request{
		Type:  unix.RTM_NEWLINK,
		Flags: socket.FlagCreate | socket.FlagExcl,
		Body:  &linkMsg{Name: name, LinkInfo: &linkInfo{Kind: kind}},
	})
	return err
}

func delLink(ctx context.Context, c *socket.Conn, name string) error {
	_, err := c.Execute(ctx, socket.Request{Type: unix.RTM_DELLINK, Body: &linkMsg{Name: name}})
	return err
}

func getLinkRequest(name string) socket.Request {
	return socket.Request{Type: unix.RTM_GETLINK, Body: &linkMsg{Name: name}}
}

var linkDump = socket.Request{Type: unix.RTM_GETLINK, Body: &linkMsg{}}

func TestKernelGetLink(t *testing.T) {
	ns := newNS(t)
	c := dial(t, unix.NETLINK_ROUTE, &socket.Config{NetNSFD: ns})
	msgs, err := c.Execute(ctxFor(t, 5*time.Second), getLinkRequest("lo"))
	if err != nil {
		t.Fatal(err)
	}
	if len(msgs) != 1 {
		t.Fatalf("%d replies, want 1", len(msgs))
	}
	m := msgs[0]
	if m.Header.Type != unix.RTM_NEWLINK || m.Header.PortID != c.PortID() || m.Header.Seq == 0 {
		t.Errorf("reply header %+v", m.Header)
	}
	l := decodeLink(t, m)
	if l.Name != "lo" || l.Info.Index != 1 || l.Info.Type != unix.ARPHRD_LOOPBACK || l.Info.Flags&unix.IFF_UP == 0 || l.MTU == 0 {
		t.Errorf("lo: %+v", l)
	}

	// A link that does not exist.
	_, err = c.Execute(ctxFor(t, 5*time.Second), getLinkRequest("nosuchlink0"))
	var e *socket.Error
	if !errors.As(err, &e) || !errors.Is(err, unix.ENODEV) || e.Type != unix.RTM_GETLINK {
		t.Fatalf("GETLINK nosuchlink0: %v, want *Error with ENODEV", err)
	}
}

func TestKernelDoOneAndGet(t *testing.T) {
	requireRoot(t)
	c := dial(t, unix.NETLINK_GENERIC, nil)
	ctx := ctxFor(t, 5*time.Second)
	var f ctrlFamily
	ok, err := socket.Get(ctx, c, getFamily("nlctrl"), &f)
	if err != nil || !ok || f.ID != 16 || f.Name != "nlctrl" {
		t.Fatalf("Get = %v, %v, %+v", ok, err, f)
	}
	if _, err := socket.Get(ctx, c, getFamily("no-such-family"), &f); !errors.Is(err, unix.ENOENT) {
		t.Fatalf("Get of an unknown family: %v", err)
	}
	fams, err := socket.Query[ctrlFamily](ctx, c, getFamily("nlctrl"))
	if err != nil || len(fams) != 1 || fams[0].ID != 16 {
		t.Fatalf("Query = %+v, %v", fams, err)
	}
	n := 0
	for f, err := range socket.DumpOf[ctrlFamily](ctx, c, familyDump()) {
		if err != nil {
			t.Fatal(err)
		}
		if f.Name == "nlctrl" {
			n++
		}
	}
	if n != 1 {
		t.Fatalf("DumpOf: nlctrl %d times", n)
	}
	// No ACK was asked for, so nothing is left over.
	if c.Dropped() != 0 {
		t.Errorf("Dropped = %d", c.Dropped())
	}
}

// TestKernelSendReply: Send's doc says replies to it arrive through
// Receive.
func TestKernelSendReply(t *testing.T) {
	ns := newNS(t)
	c := dial(t, unix.NETLINK_ROUTE, &socket.Config{NetNSFD: ns})
	seq, err := c.Send(getLinkRequest("lo"))
	if err != nil {
		t.Fatal(err)
	}
	msgs, err := c.Receive(ctxFor(t, 500*time.Millisecond))
	if err != nil {
		t.Skipf("BUG: the kernel's reply to Send (RTM_GETLINK lo, seq %d) never reaches Receive (Dropped=%d): %v", seq, c.Dropped(), err)
	}
	if len(msgs) != 1 || msgs[0].Header.Seq != seq || decodeLink(t, msgs[0]).Name != "lo" {
		t.Fatalf("Receive = %+v", msgs)
	}
}

func TestKernelGetFamily(t *testing.T) {
	requireRoot(t)
	c := dial(t, unix.NETLINK_GENERIC, nil)
	msgs, err := c.Execute(ctxFor(t, 5*time.Second), getFamily("nlctrl"))
	if err != nil {
		t.Fatal(err)
	}
	if len(msgs) != 1 {
		t.Fatalf("%d replies, want 1", len(msgs))
	}
	f := decodeFamily(t, msgs[0])
	if f.ID != 16 || f.Name != "nlctrl" || f.Header.Cmd != unix.CTRL_CMD_NEWFAMILY || f.Version == 0 {
		t.Errorf("nlctrl: %+v", f)
	}

	_, err = c.Execute(ctxFor(t, 5*time.Second), getFamily("no-such-family"))
	var e *socket.Error
	if !errors.As(err, &e) || !errors.Is(err, unix.ENOENT) {
		t.Fatalf("GETFAMILY no-such-family: %v, want *Error with ENOENT", err)
	}
	t.Logf("unknown family: %v", err)
}

// families returns the generic netlink families of the running kernel, by
// name.
func families(t testing.TB, c *socket.Conn) map[string]uint16 {
	t.Helper()
	out := map[string]uint16{}
	msgs, err := c.DumpAll(ctxFor(t, 10*time.Second), familyDump())
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range msgs {
		f := decodeFamily(t, m)
		out[f.Name] = f.ID
	}
	return out
}

func TestKernelDump(t *testing.T) {
	t.Run("links", func(t *testing.T) {
		ns := newNS(t)
		c := dial(t, unix.NETLINK_ROUTE, &socket.Config{NetNSFD: ns})
		var names []string
		for m, err := range c.Dump(ctxFor(t, 5*time.Second), linkDump) {
			if err != nil {
				t.Fatal(err)
			}
			if m.Header.Type != unix.RTM_NEWLINK || m.Header.Flags&socket.FlagMulti == 0 {
				t.Errorf("dump message header %+v", m.Header)
			}
			names = append(names, decodeLink(t, m).Name)
		}
		if !slices.Equal(names, []string{"lo"}) {
			t.Fatalf("links in a new namespace: %v, want [lo]", names)
		}
	})
	t.Run("families", func(t *testing.T) {
		requireRoot(t)
		c := dial(t, unix.NETLINK_GENERIC, nil)
		fams := families(t, c)
		if fams["nlctrl"] != 16 {
			t.Fatalf("families %v: no nlctrl with id 16", fams)
		}
		t.Logf("%d families", len(fams))
	})
}

func TestKernelDumpManyDatagrams(t *testing.T) {
	kind := linkKind(t)
	ns := newNS(t)
	c := dial(t, unix.NETLINK_ROUTE, &socket.Config{NetNSFD: ns})
	ctx := ctxFor(t, 30*time.Second)
	const n = 100
	want := []string{"lo"}
	for i := range n {
		name := fmt.Sprintf("nlst%d", i)
		if err := newLink(ctx, c, name, kind); err != nil {
			t.Fatalf("create %s: %v", name, err)
		}
		want = append(want, name)
	}
	var got []string
	all, err := c.DumpAll(ctx, linkDump)
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range all {
		if l := decodeLink(t, m); strings.HasPrefix(l.Name, "nlst") || l.Name == "lo" {
			got = append(got, l.Name)
		}
	}
	slices.Sort(got)
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Fatalf("dump: %d links %v, want %d", len(got), got, len(want))
	}

	// Stop after the first message: the loop ends at once, and the rest
	// of the dump does not disturb the next requests.
	seen := 0
	for m, err := range c.Dump(ctx, linkDump) {
		if err != nil {
			t.Fatal(err)
		}
		seen++
		_ = m
		break
	}
	if seen != 1 {
		t.Fatalf("loop body ran %d times", seen)
	}
	for range 3 {
		msgs, err := c.Execute(ctx, getLinkRequest("lo"))
		if err != nil {
			t.Fatal(err)
		}
		if len(msgs) != 1 || decodeLink(t, msgs[0]).Name != "lo" {
			t.Fatalf("after an abandoned dump, GETLINK lo returned %d messages", len(msgs))
		}
	}
	// The abandoned dump's remaining datagrams were read and dropped when
	// the loop ended (the Conn drains it), not delivered to anyone nor
	// left to arrive late.
	if c.Dropped() != 0 {
		t.Errorf("Dropped = %d after abandoning a %d-link dump, want 0 (drained)", c.Dropped(), len(all))
	}
	// And a full dump still gives everything (once the kernel has
	// finished the abandoned one: see TestKernelDumpAfterAbandonedDump).
	again, err := c.DumpAll(ctx, linkDump)
	if errors.Is(err, unix.EBUSY) {
		t.Skipf("BUG: dump after an abandoned one: %v (see TestKernelDumpAfterAbandonedDump)", err)
	}
	if err != nil || len(again) != len(all) {
		t.Fatalf("dump after the abandoned one: %d messages, %v; want %d", len(again), err, len(all))
	}
}

// newLinkMsg is linkMsg with IFLA_MTU before IFLA_IFNAME, so that the
// name is not the first attribute.
type newLinkMsg struct {
	Info     ifInfoMsg `nl:"header"`
	MTU      uint32    `nl:"type=4,omitempty"` // IFLA_MTU
	Name     string    `nl:"type=3,omitempty"` // IFLA_IFNAME
	LinkInfo *linkInfo `nl:"type=18,nested"`   // IFLA_LINKINFO
}

// TestKernelExtAck sends RTM_NEWLINK with an IFLA_IFNAME longer than
// IFNAMSIZ-1: the kernel's policy rejects it with an extended ACK whose
// offset points at the attribute, which the Conn names as newLinkMsg.Name.
func TestKernelExtAck(t *testing.T) {
	ns := newNS(t)
	c := dial(t, unix.NETLINK_ROUTE, &socket.Config{NetNSFD: ns})
	body := &newLinkMsg{MTU: 1500, Name: "a-name-much-longer-than-ifnamsiz", LinkInfo: &linkInfo{Kind: "dummy"}}
	_, err := c.Execute(ctxFor(t, 5*time.Second), socket.Request{Type: unix.RTM_NEWLINK, Flags: socket.FlagCreate | socket.FlagExcl, Body: body})
	t.Logf("kernel said: %v", err)
	var e *socket.Error
	if !errors.As(err, &e) {
		t.Fatalf("err = %v, want *socket.Error", err)
	}
	// validate_nla() fails NLA_STRING length checks with -ERANGE.
	if !errors.Is(err, unix.ERANGE) || e.Errno != unix.ERANGE {
		t.Errorf("errno %v, want ERANGE", e.Errno)
	}
	if e.Message != "Attribute failed policy validation" {
		t.Errorf("Message = %q", e.Message)
	}
	if e.Field != "newLinkMsg.Name" {
		t.Errorf("Field = %q, want newLinkMsg.Name", e.Field)
	}
	// The offset is the IFLA_IFNAME attribute's, counted from the
	// netlink header: after the header, ifinfomsg and IFLA_MTU (8 bytes).
	if want := socket.HeaderLen + 16 + 8; e.Offset != want {
		t.Errorf("Offset = %d, want %d", e.Offset, want)
	}
	if e.Type != unix.RTM_NEWLINK || e.Seq == 0 || e.MissingType != 0 || e.MissingNest != -1 {
		t.Errorf("error %+v", e)
	}
	if e.Policy == nil || e.Policy.Type != socket.PolicyString || e.Policy.MaxLength == nil || *e.Policy.MaxLength != unix.IFNAMSIZ-1 {
		t.Errorf("Policy = %+v, want a string of at most %d bytes", e.Policy, unix.IFNAMSIZ-1)
	}
	if !strings.Contains(err.Error(), "newLinkMsg.Name") || !strings.Contains(err.Error(), e.Message) {
		t.Errorf("Error() = %q does not name the field and message", err)
	}

	// The same with ifinfomsg in Request.Header and the attributes in
	// Body: the offset is named in Body.
	type linkAttrs struct {
		MTU      uint32    `nl:"type=4,omitempty"`
		Name     string    `nl:"type=3,omitempty"`
		LinkInfo *linkInfo `nl:"type=18,nested"`
	}
	_, err = c.Execute(ctxFor(t, 5*time.Second), socket.Request{
		Type:   unix.RTM_NEWLINK,
		Flags:  socket.FlagCreate | socket.FlagExcl,
		Header: &ifInfoMsg{},
		Body:   &linkAttrs{MTU: body.MTU, Name: body.Name, LinkInfo: body.LinkInfo},
	})
	var eh *socket.Error
	if !errors.As(err, &eh) || eh.Field != "linkAttrs.Name" || eh.Offset != e.Offset || eh.Message != e.Message {
		t.Errorf("with Request.Header: %v, want the kernel to reject linkAttrs.Name at offset %d", err, e.Offset)
	}

	// CapAck (the kernel does not echo the request) changes where the
	// TLVs start; the result is the same.
	c3 := dial(t, unix.NETLINK_ROUTE, &socket.Config{NetNSFD: ns, CapAck: true})
	_, err = c3.Execute(ctxFor(t, 5*time.Second), socket.Request{Type: unix.RTM_NEWLINK, Flags: socket.FlagCreate | socket.FlagExcl, Body: body})
	var e3 *socket.Error
	if !errors.As(err, &e3) || e3.Message != e.Message || e3.Offset != e.Offset || e3.Field != e.Field || e3.Errno != e.Errno {
		t.Errorf("with CapAck: %v, want the same as without", err)
	}

	// With extended ACKs off, the same request fails with the bare errno.
	c2 := dial(t, unix.NETLINK_ROUTE, &socket.Config{NetNSFD: ns, DisableExtAck: true})
	_, err = c2.Execute(ctxFor(t, 5*time.Second), socket.Request{Type: unix.RTM_NEWLINK, Flags: socket.FlagCreate | socket.FlagExcl, Body: body})
	var e2 *socket.Error
	if !errors.As(err, &e2) || e2.Errno != e.Errno || e2.Message != "" || e2.Offset != -1 || e2.Field != "" || e2.Policy != nil {
		t.Errorf("without ext-ack: %#v", e2)
	}
}

// TestKernelExtAckMessages creates a link of an unknown kind: the kernel
// reports it with a message. Then a missing attribute: netdev's DEV_GET
// without NETDEV_A_DEV_IFINDEX.
func TestKernelExtAckMessages(t *testing.T) {
	ns := newNS(t)
	c := dial(t, unix.NETLINK_ROUTE, &socket.Config{NetNSFD: ns})
	err := newLink(ctxFor(t, 5*time.Second), c, "x0", "no-such-kind")
	var e *socket.Error
	if !errors.As(err, &e) || !errors.Is(err, unix.EOPNOTSUPP) || e.Message == "" {
		t.Errorf("unknown kind: %v, want EOPNOTSUPP with a message", err)
	}
	t.Logf("unknown kind: %v", err)

	g := dial(t, unix.NETLINK_GENERIC, nil)
	id, ok := families(t, g)["netdev"]
	if !ok {
		t.Skip("no netdev generic netlink family: cannot provoke NLMSGERR_ATTR_MISS_TYPE")
	}
	// NETDEV_CMD_DEV_GET (1) requires NETDEV_A_DEV_IFINDEX (1).
	_, err = g.Execute(ctxFor(t, 5*time.Second), socket.Request{Type: id, Body: &ctrlFamily{Header: genlHdr{Cmd: 1, Version: 1}}})
	t.Logf("netdev DEV_GET without ifindex: %v", err)
	if !errors.As(err, &e) || !errors.Is(err, unix.EINVAL) {
		t.Fatalf("err = %v, want *socket.Error with EINVAL", err)
	}
	if e.MissingType != 1 || e.MissingNest != -1 || e.MissingNestField != "" {
		t.Errorf("MissingType %d, MissingNest %d (%q): want 1, -1", e.MissingType, e.MissingNest, e.MissingNestField)
	}
	if !strings.Contains(err.Error(), "missing attribute type 1") {
		t.Errorf("Error() = %q", err)
	}
}

// receiveLink waits on l for a link notification of type typ about name.
func receiveLink(t testing.TB, ctx context.Context, l *socket.Conn, typ uint16, name string) socket.Message {
	t.Helper()
	for {
		msgs, err := l.Receive(ctx)
		if err != nil {
			t.Fatalf("Receive (waiting for type %d about %s): %v", typ, name, err)
		}
		for _, m := range msgs {
			if m.Header.Type == typ && decodeLink(t, m).Name == name {
				return m
			}
		}
	}
}

func TestKernelMulticast(t *testing.T) {
	kind := linkKind(t)
	ns := newNS(t)
	ctx := ctxFor(t, 20*time.Second)
	l := dial(t, unix.NETLINK_ROUTE, &socket.Config{NetNSFD: ns, Groups: []uint32{unix.RTNLGRP_LINK}})
	c := dial(t, unix.NETLINK_ROUTE, &socket.Config{NetNSFD: ns})

	if err := newLink(ctx, c, "mc0", kind); err != nil {
		t.Fatal(err)
	}
	m := receiveLink(t, ctx, l, unix.RTM_NEWLINK, "mc0")
	if lm := decodeLink(t, m); lm.LinkInfo == nil || lm.LinkInfo.Kind != kind {
		t.Errorf("notification %+v, want kind %s", lm, kind)
	}
	if err := delLink(ctx, c, "mc0"); err != nil {
		t.Fatal(err)
	}
	receiveLink(t, ctx, l, unix.RTM_DELLINK, "mc0")

	// The listener's own request: its notification goes to Receive, not
	// among the request's replies (there are none without NLM_F_ECHO).
	msgs, err := l.Execute(ctx, socket.Request{
		Type:  unix.RTM_NEWLINK,
		Flags: socket.FlagCreate | socket.FlagExcl,
		Body:  &linkMsg{Name: "self0", LinkInfo: &linkInfo{Kind: kind}},
	})
	if err != nil || len(msgs) != 0 {
		t.Fatalf("NEWLINK on the listener: %d replies, %v; want none", len(msgs), err)
	}
	receiveLink(t, ctx, l, unix.RTM_NEWLINK, "self0")
	// With NLM_F_ECHO, the notification carries the requester's port id
	// and the request's sequence number. Kernels that honour the flag in
	// rtnl_newlink unicast it as a reply; others (such as 6.18) multicast
	// it, and then it must go to Receive, not among the replies, although
	// its header matches the pending request.
	msgs, err = l.Execute(ctx, socket.Request{
		Type:  unix.RTM_NEWLINK,
		Flags: socket.FlagCreate | socket.FlagExcl | socket.FlagEcho,
		Body:  &linkMsg{Name: "echo0", LinkInfo: &linkInfo{Kind: kind}},
	})
	if err != nil {
		t.Fatal(err)
	}
	switch len(msgs) {
	case 0:
		m := receiveLink(t, ctx, l, unix.RTM_NEWLINK, "echo0")
		t.Logf("NLM_F_ECHO notification multicast with header %+v (our port id %d)", m.Header, l.PortID())
	case 1:
		if msgs[0].Header.Type != unix.RTM_NEWLINK || decodeLink(t, msgs[0]).Name != "echo0" {
			t.Errorf("echo reply %+v", msgs[0].Header)
		}
	default:
		t.Errorf("NEWLINK with NLM_F_ECHO: %d replies", len(msgs))
	}

	// Leave the group: no more notifications.
	if err := l.LeaveGroup(unix.RTNLGRP_LINK); err != nil {
		t.Fatal(err)
	}
	if err := newLink(ctx, c, "quiet0", kind); err != nil {
		t.Fatal(err)
	}
	// Drain what came before leaving; then nothing about quiet0.
	short, cancel := context.WithTimeout(ctx, 200*time.Millisecond)
	defer cancel()
	for {
		msgs, err := l.Receive(short)
		if err != nil {
			if !errors.Is(err, context.DeadlineExceeded) {
				t.Fatal(err)
			}
			break
		}
		for _, m := range msgs {
			if decodeLink(t, m).Name == "quiet0" {
				t.Fatal("notification after LeaveGroup")
			}
		}
	}
	if err := l.JoinGroup(unix.RTNLGRP_LINK); err != nil {
		t.Fatal(err)
	}
	if err := delLink(ctx, c, "quiet0"); err != nil {
		t.Fatal(err)
	}
	receiveLink(t, ctx, l, unix.RTM_DELLINK, "quiet0")
}

// TestKernelMulticastNotInReplies runs requests on a Conn subscribed to
// link notifications while another Conn creates and deletes links (whose
// notifications carry sequence numbers that collide with the requests'):
// no notification is ever among a request's replies, and every one
// reaches Receive.
func TestKernelMulticastNotInReplies(t *testing.T) {
	kind := linkKind(t)
	ns := newNS(t)
	ctx := ctxFor(t, 60*time.Second)
	l := dial(t, unix.NETLINK_ROUTE, &socket.Config{NetNSFD: ns, Groups: []uint32{unix.RTNLGRP_LINK}})
	c := dial(t, unix.NETLINK_ROUTE, &socket.Config{NetNSFD: ns})

	const links = 50
	var wg sync.WaitGroup
	var errs errorLog
	wg.Add(1)
	go func() { // churn
		defer wg.Done()
		for i := range links {
			name := fmt.Sprintf("churn%d", i)
			if err := newLink(ctx, c, name, kind); err != nil {
				errs.add("create "+name, err)
				return
			}
			if err := delLink(ctx, c, name); err != nil {
				errs.add("delete "+name, err)
				return
			}
		}
	}()
	created := map[string]bool{}
	deleted := map[string]bool{}
	var recvErr error
	var rwg sync.WaitGroup
	rwg.Add(1)
	recvCtx, stopRecv := context.WithCancel(ctx)
	go func() { // listener
		defer rwg.Done()
		for len(deleted) < links {
			msgs, err := l.Receive(recvCtx)
			if err != nil {
				recvErr = err
				return
			}
			for _, m := range msgs {
				var lm linkMsg
				if err := marshal.Unmarshal(m.Data, &lm); err != nil {
					recvErr = err
					return
				}
				switch m.Header.Type {
				case unix.RTM_NEWLINK:
					created[lm.Name] = true
				case unix.RTM_DELLINK:
					deleted[lm.Name] = true
				}
			}
		}
	}()
	for g := range 4 { // requests on the listening Conn
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 200 {
				cctx, cancel := context.WithTimeout(ctx, callTimeout)
				msgs, err := l.Execute(cctx, getLinkRequest("lo"))
				cancel()
				if err == nil {
					err = checkOne(msgs)
				}
				if err == nil {
					m := msgs[0]
					var lm linkMsg
					if uerr := marshal.Unmarshal(m.Data, &lm); uerr != nil || lm.Name != "lo" || m.Header.Type != unix.RTM_NEWLINK || m.Header.PortID != l.PortID() {
						err = fmt.Errorf("reply %+v %q (%v): not lo", m.Header, lm.Name, uerr)
					}
				}
				if err != nil {
					errs.add(fmt.Sprintf("GETLINK %d/%d", g, i), err)
					return
				}
			}
		}()
	}
	wg.Wait()
	errs.mu.Lock()
	failed := len(errs.other) > 0 || len(errs.known) > 0
	errs.mu.Unlock()
	if failed {
		stopRecv()
		rwg.Wait()
		errs.report(t)
		return
	}
	done := make(chan struct{})
	go func() { rwg.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		stopRecv()
		<-done
	}
	stopRecv()
	if recvErr != nil {
		t.Fatalf("listener: %v (created %d, deleted %d of %d)", recvErr, len(created), len(deleted), links)
	}
	if len(created) < links || len(deleted) < links {
		t.Fatalf("listener saw %d creations and %d deletions of %d links", len(created), len(deleted), links)
	}
}

// drain receives from l until nothing arrives for a while, returning the
// names of the links notified and the errors Receive returned.
func drain(t testing.TB, ctx context.Context, l *socket.Conn) (names map[string]bool, errs []error) {
	t.Helper()
	names = map[string]bool{}
	for {
		short, cancel := context.WithTimeout(ctx, 200*time.Millisecond)
		msgs, err := l.Receive(short)
		cancel()
		if errors.Is(err, context.DeadlineExceeded) {
			return names, errs
		}
		if err != nil {
			errs = append(errs, err)
		}
		for _, m := range msgs {
			names[decodeLink(t, m).Name] = true
		}
	}
}

// TestKernelOverrun fills a small receive buffer with notifications: the
// kernel reports ENOBUFS, Receive returns ErrOverrun once, then goes on
// receiving. With NoENOBUFS the loss is silent.
func TestKernelOverrun(t *testing.T) {
	kind := linkKind(t)
	ns := newNS(t)
	ctx := ctxFor(t, 30*time.Second)
	l := dial(t, unix.NETLINK_ROUTE, &socket.Config{NetNSFD: ns, Groups: []uint32{unix.RTNLGRP_LINK}, ReadBuffer: 4096})
	q := dial(t, unix.NETLINK_ROUTE, &socket.Config{NetNSFD: ns, Groups: []uint32{unix.RTNLGRP_LINK}, ReadBuffer: 4096, NoENOBUFS: true})
	c := dial(t, unix.NETLINK_ROUTE, &socket.Config{NetNSFD: ns})
	const n = 20
	for i := range n {
		if err := newLink(ctx, c, fmt.Sprintf("ovr%d", i), kind); err != nil {
			t.Fatal(err)
		}
	}
	names, errs := drain(t, ctx, l)
	if len(errs) != 1 || !errors.Is(errs[0], socket.ErrOverrun) || !errors.Is(errs[0], unix.ENOBUFS) {
		t.Fatalf("Receive errors %v, want one ErrOverrun", errs)
	}
	if len(names) >= n {
		t.Fatalf("received all %d notifications despite the overrun", len(names))
	}
	qnames, qerrs := drain(t, ctx, q)
	if len(qerrs) != 0 {
		t.Errorf("Receive with NoENOBUFS: %v", qerrs)
	}
	if len(qnames) >= n {
		t.Errorf("NoENOBUFS Conn received all %d notifications: no loss to test", len(qnames))
	}
	t.Logf("received %d and %d (NoENOBUFS) of %d links' notifications", len(names), len(qnames), n)

	// Once the backlog is read, the kernel delivers again, and the Conn
	// goes on receiving.
	if err := newLink(ctx, c, "after0", kind); err != nil {
		t.Fatal(err)
	}
	receiveLink(t, ctx, l, unix.RTM_NEWLINK, "after0")
	receiveLink(t, ctx, q, unix.RTM_NEWLINK, "after0")
	// Requests work too.
	if _, err := l.Execute(ctx, getLinkRequest("lo")); err != nil {
		t.Fatalf("request after overrun: %v", err)
	}
}

// TestKernelForgedReplies has another local socket forge replies to a
// Conn. Unicast is refused by the kernel itself (the Conn is connected to
// port 0), and multicast (which root may send) is dropped by the Conn:
// only the kernel's real replies are delivered.
func TestKernelForgedReplies(t *testing.T) {
	requireRoot(t)
	ctx := ctxFor(t, 10*time.Second)
	// nlctrl's "notify" multicast group has the id GENL_ID_CTRL (16).
	const notifyGroup = unix.GENL_ID_CTRL
	c := dial(t, unix.NETLINK_GENERIC, &socket.Config{Groups: []uint32{notifyGroup}})

	forger, err := unix.Socket(unix.AF_NETLINK, unix.SOCK_RAW|unix.SOCK_CLOEXEC, unix.NETLINK_GENERIC)
	if err != nil {
		t.Fatal(err)
	}
	defer unix.Close(forger)
	if err := unix.Bind(forger, &unix.SockaddrNetlink{Family: unix.AF_NETLINK}); err != nil {
		t.Fatal(err)
	}

	// A fresh Conn numbers its requests from 1: forge answers to the next
	// few.
	const n = 8
	forge := func(seq uint32) []byte {
		evil, err := marshal.Marshal(&ctrlFamily{Header: genlHdr{Cmd: unix.CTRL_CMD_NEWFAMILY, Version: 2}, ID: 0x6666, Name: "forged"})
		if err != nil {
			t.Fatal(err)
		}
		hdr := socket.Header{Type: unix.GENL_ID_CTRL, Seq: seq, PortID: c.PortID()}
		b := socket.AppendMessage(nil, socket.Message{Header: hdr, Data: evil})
		// Followed by a forged ACK.
		ackData := append(u32(0), socket.AppendMessage(nil, socket.Message{Header: hdr})[:socket.HeaderLen]...)
		return socket.AppendMessage(b, socket.Message{Header: socket.Header{Type: socket.TypeError, Flags: socket.FlagCapped, Seq: seq, PortID: c.PortID()}, Data: ackData})
	}
	for seq := uint32(1); seq <= n; seq++ {
		// Unicast: refused by the kernel.
		err := unix.Sendto(forger, forge(seq), 0, &unix.SockaddrNetlink{Family: unix.AF_NETLINK, Pid: c.PortID()})
		if !errors.Is(err, unix.ECONNREFUSED) {
			t.Fatalf("unicast forgery: sendto = %v, want ECONNREFUSED", err)
		}
		// Multicast: delivered to the Conn's socket, with the forger's
		// port id as the sender.
		if err := unix.Sendto(forger, forge(seq), 0, &unix.SockaddrNetlink{Family: unix.AF_NETLINK, Groups: 1 << (notifyGroup - 1)}); err != nil {
			t.Fatalf("multicast forgery: %v", err)
		}
	}
	for i := range n {
		msgs, err := c.Execute(ctx, getFamily("nlctrl"))
		if err != nil {
			t.Fatalf("request %d: %v", i+1, err)
		}
		if len(msgs) != 1 {
			t.Fatalf("request %d: %d replies", i+1, len(msgs))
		}
		if f := decodeFamily(t, msgs[0]); f.Name != "nlctrl" || f.ID != 16 || msgs[0].Header.Seq != uint32(i+1) {
			t.Fatalf("request %d (seq %d): got %+v: a forged reply", i+1, msgs[0].Header.Seq, f)
		}
	}
	if d := c.Dropped(); d < n {
		t.Errorf("Dropped = %d, want at least the %d forged datagrams", d, n)
	}
	// Nor do forged datagrams reach Receive.
	short, cancel := context.WithTimeout(ctx, 100*time.Millisecond)
	defer cancel()
	for {
		msgs, err := c.Receive(short)
		if err != nil {
			break
		}
		for _, m := range msgs {
			if m.Header.PortID == c.PortID() {
				t.Errorf("Receive delivered %+v", m.Header)
			}
		}
	}
}

// familyNames are generic netlink families the concurrency tests ask for,
// among those that exist.
var familyNames = []string{"nlctrl", "ethtool", "netdev", "tcp_metrics", "taskstats", "mptcp_pm", "devlink", "thermal"}

func TestKernelConcurrentRequests(t *testing.T) {
	requireRoot(t)
	c := dial(t, unix.NETLINK_GENERIC, nil)
	all := families(t, c)
	var names []string
	var ids []uint16
	for _, n := range familyNames {
		if id, ok := all[n]; ok {
			names = append(names, n)
			ids = append(ids, id)
		}
	}
	if len(names) < 2 {
		t.Skipf("only %v of %v on this kernel", names, familyNames)
	}
	goroutines, perG := 64, 1000
	if testing.Short() {
		perG = 100
	}
	start := time.Now()
	var errs errorLog
	var wg sync.WaitGroup
	for g := range goroutines {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range perG {
				k := (g + i) % len(names)
				ctx, cancel := context.WithTimeout(context.Background(), callTimeout)
				msgs, err := c.Execute(ctx, getFamily(names[k]))
				cancel()
				var f ctrlFamily
				if err == nil {
					err = checkOne(msgs)
				}
				if err == nil {
					err = marshal.Unmarshal(msgs[0].Data, &f)
				}
				if err == nil && (f.Name != names[k] || f.ID != ids[k]) {
					err = fmt.Errorf("asked for %s (%d), got %s (%d)", names[k], ids[k], f.Name, f.ID)
				}
				if err != nil {
					errs.add(fmt.Sprintf("goroutine %d request %d", g, i), err)
					return
				}
			}
		}()
	}
	wg.Wait()
	t.Logf("%d goroutines x %d requests over %d families: %v (%v per request)", goroutines, perG, len(names), time.Since(start), time.Since(start)/time.Duration(goroutines*perG))
	errs.report(t)
	if c.Dropped() != 0 {
		t.Errorf("Dropped = %d", c.Dropped())
	}
}

// callTimeout bounds each call of the concurrency tests, so that a call
// that never returns is reported (see bugClass) instead of hanging.
const callTimeout = 20 * time.Second

// TestKernelConcurrentDumpsAndRequests mixes dumps and requests on one
// Conn from many goroutines, including dumps abandoned part way.
func TestKernelConcurrentDumpsAndRequests(t *testing.T) {
	requireRoot(t)
	c := dial(t, unix.NETLINK_GENERIC, nil)
	want := families(t, c)
	var wg sync.WaitGroup
	var errs errorLog
	for g := range 8 {
		wg.Add(2)
		go func() { // full dumps, and the loop body makes calls on the Conn
			defer wg.Done()
			for i := range 50 {
				ctx, cancel := context.WithTimeout(context.Background(), callTimeout)
				err := func() error {
					got := map[string]uint16{}
					for m, err := range c.Dump(ctx, familyDump()) {
						if err != nil {
							return err
						}
						var f ctrlFamily
						if err := marshal.Unmarshal(m.Data, &f); err != nil {
							return err
						}
						got[f.Name] = f.ID
						if i%10 == 0 && f.Name == "nlctrl" {
							if _, err := c.Execute(ctx, getFamily("nlctrl")); err != nil {
								return fmt.Errorf("request in the dump loop: %w", err)
							}
						}
					}
					if fmt.Sprint(got) != fmt.Sprint(want) {
						return fmt.Errorf("got %v, want %v", got, want)
					}
					if i%5 == 0 { // and one abandoned after a message
						for range c.Dump(ctx, familyDump()) {
							break
						}
					}
					return nil
				}()
				cancel()
				if err != nil {
					errs.add(fmt.Sprintf("dump %d/%d", g, i), err)
					return
				}
			}
		}()
		go func() { // requests
			defer wg.Done()
			for i := range 200 {
				ctx, cancel := context.WithTimeout(context.Background(), callTimeout)
				msgs, err := c.Execute(ctx, getFamily("nlctrl"))
				cancel()
				if err == nil {
					err = checkOne(msgs)
				}
				if err == nil && decodeFamily(t, msgs[0]).ID != 16 {
					err = fmt.Errorf("bad reply %v", msgs)
				}
				if err != nil {
					errs.add(fmt.Sprintf("request %d/%d", g, i), err)
					return
				}
			}
		}()
	}
	wg.Wait()
	errs.report(t)
}

// TestKernelDumpRecvRace runs dumps one after another in one goroutine
// while others make requests on the same Conn. netlink_recvmsg() continues
// a dump in progress when it sees cb_running set, without the dump lock;
// if __netlink_dump_start() (in another goroutine's send) finishes the
// whole dump first, netlink_dump() finds cb_running clear, returns
// -EINVAL, and recvmsg stores it in sk_err: the next recvmsg on the
// socket fails with EINVAL, although nothing is wrong. The Conn must not
// fail a request for it.
func TestKernelDumpRecvRace(t *testing.T) {
	requireRoot(t)
	c := dial(t, unix.NETLINK_GENERIC, nil)
	var errs errorLog
	var wg sync.WaitGroup
	stop := make(chan struct{})
	wg.Add(1)
	go func() {
		defer wg.Done()
		defer close(stop)
		for i := range 1000 {
			ctx, cancel := context.WithTimeout(context.Background(), callTimeout)
			_, err := c.DumpAll(ctx, familyDump())
			cancel()
			if err != nil {
				errs.add(fmt.Sprintf("dump %d", i), err)
			}
		}
	}()
	for g := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				ctx, cancel := context.WithTimeout(context.Background(), callTimeout)
				msgs, err := c.Execute(ctx, getFamily("nlctrl"))
				cancel()
				if err == nil {
					err = checkOne(msgs)
				}
				if err != nil {
					errs.add(fmt.Sprintf("request %d/%d", g, i), err)
				}
			}
		}()
	}
	wg.Wait()
	errs.report(t)
}

// withLockedThread runs fn with the goroutine locked to its thread and
// returns the thread's network namespace before and after.
func withLockedThread(t *testing.T, fn func()) (before, after uint64) {
	t.Helper()
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	var err error
	if before, err = netnstest.ThreadInode(); err != nil {
		t.Fatal(err)
	}
	fn()
	if after, err = netnstest.ThreadInode(); err != nil {
		t.Fatal(err)
	}
	return before, after
}

func TestKernelNetNS(t *testing.T) {
	ns := newNS(t)
	kind := linkKind(t)
	nsIno, err := netnstest.Inode(ns)
	if err != nil {
		t.Fatal(err)
	}
	ctx := ctxFor(t, 10*time.Second)
	for _, tc := range []struct {
		name string
		cfg  socket.Config
	}{
		{"NetNSFD", socket.Config{NetNSFD: ns}},
		{"NetNSPath", socket.Config{NetNSPath: fmt.Sprintf("/proc/self/fd/%d", ns)}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var c *socket.Conn
			before, after := withLockedThread(t, func() {
				var err error
				if c, err = socket.Dial(unix.NETLINK_ROUTE, &tc.cfg); err != nil {
					t.Fatal(err)
				}
			})
			closeConn(t, c)
			if before != after {
				t.Fatalf("Dial moved the calling thread from namespace %d to %d", before, after)
			}
			if before == nsIno {
				t.Fatal("the test runs in the test namespace")
			}
			// The socket is in the namespace: a link made through it is
			// there and not in the test's namespace.
			name := "ns" + strings.ToLower(tc.name[5:])
			if err := newLink(ctx, c, name, kind); err != nil {
				t.Fatal(err)
			}
			if _, err := c.Execute(ctx, getLinkRequest(name)); err != nil {
				t.Fatalf("link %s not in the namespace: %v", name, err)
			}
			host := dial(t, unix.NETLINK_ROUTE, nil)
			if _, err := host.Execute(ctx, getLinkRequest(name)); !errors.Is(err, unix.ENODEV) {
				t.Fatalf("link %s in the test's namespace: %v", name, err)
			}
		})
	}
	t.Run("errors", func(t *testing.T) {
		devnull, err := os.Open("/dev/null")
		if err != nil {
			t.Fatal(err)
		}
		defer devnull.Close()
		for _, cfg := range []socket.Config{
			{NetNSPath: "/nonexistent/netns"},
			{NetNSFD: int(devnull.Fd())}, // not a namespace
			{NetNSPath: "/dev/null"},
		} {
			before, after := withLockedThread(t, func() {
				c, err := socket.Dial(unix.NETLINK_ROUTE, &cfg)
				if err == nil {
					c.Close()
					t.Errorf("Dial(%+v) succeeded", cfg)
				}
			})
			if before != after {
				t.Fatalf("failed Dial(%+v) moved the thread from namespace %d to %d", cfg, before, after)
			}
		}
	})
}

func TestKernelOptions(t *testing.T) {
	requireRoot(t)
	opt := func(t *testing.T, c *socket.Conn, level, name int) int {
		t.Helper()
		v, err := c.Option(level, name)
		if err != nil {
			t.Fatalf("getsockopt(%d, %d): %v", level, name, err)
		}
		return v
	}
	netlinkOpts := []struct {
		name string
		opt  int
		set  func(*socket.Config)
	}{
		{"Strict", unix.NETLINK_GET_STRICT_CHK, func(c *socket.Config) { c.Strict = true }},
		{"BroadcastError", unix.NETLINK_BROADCAST_ERROR, func(c *socket.Config) { c.BroadcastError = true }},
		{"NoENOBUFS", unix.NETLINK_NO_ENOBUFS, func(c *socket.Config) { c.NoENOBUFS = true }},
		{"CapAck", unix.NETLINK_CAP_ACK, func(c *socket.Config) { c.CapAck = true }},
		{"ListenAllNSID", unix.NETLINK_LISTEN_ALL_NSID, func(c *socket.Config) { c.ListenAllNSID = true }},
	}
	ctx := ctxFor(t, 10*time.Second)
	def := dial(t, unix.NETLINK_ROUTE, nil)
	// NETLINK_PKTINFO is always on: the Conn reads each datagram's group
	// from it (groups above 32 are not in the sender's address).
	if v := opt(t, def, unix.SOL_NETLINK, unix.NETLINK_PKTINFO); v != 1 {
		t.Errorf("default Conn: NETLINK_PKTINFO = %d, want 1", v)
	}
	for _, o := range netlinkOpts {
		if v := opt(t, def, unix.SOL_NETLINK, o.opt); v != 0 {
			t.Errorf("default Conn: %s option is %d", o.name, v)
		}
	}
	if v := opt(t, def, unix.SOL_NETLINK, unix.NETLINK_EXT_ACK); v != 1 {
		t.Errorf("default Conn: NETLINK_EXT_ACK = %d, want 1", v)
	}
	off := dial(t, unix.NETLINK_ROUTE, &socket.Config{DisableExtAck: true})
	if v := opt(t, off, unix.SOL_NETLINK, unix.NETLINK_EXT_ACK); v != 0 {
		t.Errorf("DisableExtAck: NETLINK_EXT_ACK = %d, want 0", v)
	}
	for _, o := range netlinkOpts {
		t.Run(o.name, func(t *testing.T) {
			var cfg socket.Config
			o.set(&cfg)
			c := dial(t, unix.NETLINK_ROUTE, &cfg)
			if v := opt(t, c, unix.SOL_NETLINK, o.opt); v != 1 {
				t.Errorf("%s: option = %d, want 1", o.name, v)
			}
			// Requests work with the option on.
			if _, err := c.Execute(ctx, getLinkRequest("lo")); err != nil {
				t.Errorf("request with %s: %v", o.name, err)
			}
			if err := c.SetOption(unix.SOL_NETLINK, o.opt, 0); err != nil {
				t.Fatal(err)
			}
			if v := opt(t, c, unix.SOL_NETLINK, o.opt); v != 0 {
				t.Errorf("%s after SetOption 0: %d", o.name, v)
			}
		})
	}
	t.Run("Buffers", func(t *testing.T) {
		const size = 3 << 20 // above the default net.core.rmem_max
		c := dial(t, unix.NETLINK_ROUTE, &socket.Config{ReadBuffer: size, WriteBuffer: size})
		// The kernel doubles the value for its bookkeeping.
		if v := opt(t, c, unix.SOL_SOCKET, unix.SO_RCVBUF); v < size {
			t.Errorf("SO_RCVBUF = %d, want at least %d", v, size)
		}
		if v := opt(t, c, unix.SOL_SOCKET, unix.SO_SNDBUF); v < size {
			t.Errorf("SO_SNDBUF = %d, want at least %d", v, size)
		}
		if v := opt(t, def, unix.SOL_SOCKET, unix.SO_RCVBUF); v >= size {
			t.Errorf("default SO_RCVBUF = %d", v)
		}
	})
	t.Run("Groups", func(t *testing.T) {
		c := dial(t, unix.NETLINK_ROUTE, &socket.Config{Groups: []uint32{unix.RTNLGRP_LINK, unix.RTNLGRP_IPV4_IFADDR}})
		rc, err := c.SyscallConn()
		if err != nil {
			t.Fatal(err)
		}
		var groups []byte
		var gerr error
		rc.Control(func(fd uintptr) {
			groups = make([]byte, 32)
			l := uint32(len(groups))
			_, _, e := unix.Syscall6(unix.SYS_GETSOCKOPT, fd, unix.SOL_NETLINK, unix.NETLINK_LIST_MEMBERSHIPS, uintptr(unsafe.Pointer(&groups[0])), uintptr(unsafe.Pointer(&l)), 0)
			if e != 0 {
				gerr = e
			}
			groups = groups[:l]
		})
		if gerr != nil {
			t.Fatal(gerr)
		}
		if len(groups) < 4 {
			t.Fatalf("NETLINK_LIST_MEMBERSHIPS returned %d bytes", len(groups))
		}
		mask := binary.NativeEndian.Uint32(groups)
		if want := uint32(1<<(unix.RTNLGRP_LINK-1) | 1<<(unix.RTNLGRP_IPV4_IFADDR-1)); mask != want {
			t.Errorf("memberships %#x, want %#x", mask, want)
		}
	})
	t.Run("BadGroup", func(t *testing.T) {
		if c, err := socket.Dial(unix.NETLINK_GENERIC, &socket.Config{Groups: []uint32{0xfff0}}); err == nil {
			c.Close()
			t.Error("Dial joining a nonexistent generic netlink group succeeded")
		}
	})
}

func TestKernelCloseUnblocks(t *testing.T) {
	requireRoot(t)
	c, err := socket.Dial(unix.NETLINK_ROUTE, nil)
	if err != nil {
		t.Fatal(err)
	}
	errc := make(chan error, 1)
	go func() {
		_, err := c.Receive(context.Background())
		errc <- err
	}()
	time.Sleep(50 * time.Millisecond)
	start := time.Now()
	if err := c.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	select {
	case err := <-errc:
		if d := time.Since(start); d > time.Second {
			t.Errorf("Receive returned %v after Close", d)
		}
		if !errors.Is(err, socket.ErrClosed) {
			t.Skipf("BUG: a Receive blocked in the kernel socket when Close is called returns %q (%T), not ErrClosed: "+
				"os.File's RawConn.Read returns internal/poll.ErrFileClosing, which is not os.ErrClosed", err, err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Receive still blocked 5s after Close")
	}
}

func TestKernelContextUnblocks(t *testing.T) {
	requireRoot(t)
	c := dial(t, unix.NETLINK_ROUTE, nil)
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(50*time.Millisecond, cancel)
	start := time.Now()
	_, err := c.Receive(ctx)
	if !errors.Is(err, context.Canceled) || time.Since(start) > time.Second {
		t.Fatalf("Receive = %v after %v, want Canceled promptly", err, time.Since(start))
	}
	dctx, dcancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer dcancel()
	start = time.Now()
	_, err = c.Receive(dctx)
	if !errors.Is(err, context.DeadlineExceeded) || time.Since(start) > time.Second {
		t.Fatalf("Receive = %v after %v, want DeadlineExceeded promptly", err, time.Since(start))
	}
	// The Conn works afterwards: the deadline was cleared.
	if _, err := c.Execute(ctxFor(t, 5*time.Second), getLinkRequest("lo")); err != nil {
		t.Fatal(err)
	}
}

// TestKernelCloseUnderLoad closes a Conn while many goroutines use it:
// nothing panics or hangs, and every call fails or succeeds cleanly.
func TestKernelCloseUnderLoad(t *testing.T) {
	requireRoot(t)
	c, err := socket.Dial(unix.NETLINK_GENERIC, nil)
	if err != nil {
		t.Fatal(err)
	}
	ctx := ctxFor(t, 30*time.Second)
	var wg sync.WaitGroup
	var other sync.Map // errors that are not ErrClosed, by text
	for g := range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; ; i++ {
				var err error
				// One goroutine dumps (concurrent dumps on a socket are
				// another matter: TestKernelConcurrentDumps).
				switch {
				case g == 0:
					_, err = c.DumpAll(ctx, familyDump())
				case g%2 == 1:
					_, err = c.Execute(ctx, getFamily("nlctrl"))
				default:
					short, cancel := context.WithTimeout(ctx, time.Millisecond)
					_, err = c.Receive(short)
					cancel()
					if errors.Is(err, context.DeadlineExceeded) {
						err = nil
					}
				}
				if err != nil {
					if !errors.Is(err, socket.ErrClosed) {
						other.Store(err.Error(), err)
					}
					return
				}
			}
		}()
	}
	time.Sleep(100 * time.Millisecond)
	start := time.Now()
	c.Close()
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("calls still running 5s after Close")
	}
	t.Logf("all calls returned %v after Close", time.Since(start))
	var msgs []string
	other.Range(func(k, _ any) bool { msgs = append(msgs, k.(string)); return true })
	if len(msgs) > 0 {
		t.Skipf("BUG: calls interrupted by Close returned errors that are not ErrClosed: %q", msgs)
	}
}

// TestKernelConcurrentDumps runs dumps that span many datagrams from
// several goroutines on one Conn. The kernel runs one dump at a time per
// socket (a second netlink_dump_start fails with EBUSY while one is in
// progress), so a Conn that is safe for concurrent use must not let its
// callers see that.
func TestKernelConcurrentDumps(t *testing.T) {
	kind := linkKind(t)
	ns := newNS(t)
	c := dial(t, unix.NETLINK_ROUTE, &socket.Config{NetNSFD: ns})
	ctx := ctxFor(t, 60*time.Second)
	const links = 100
	for i := range links {
		if err := newLink(ctx, c, fmt.Sprintf("cd%d", i), kind); err != nil {
			t.Fatal(err)
		}
	}
	all, err := c.DumpAll(ctx, linkDump) // lo, the links, and peers if veth
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	var errs errorLog
	for g := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 10 {
				ctx, cancel := context.WithTimeout(context.Background(), callTimeout)
				msgs, err := c.DumpAll(ctx, linkDump)
				cancel()
				if err == nil && len(msgs) != len(all) {
					err = fmt.Errorf("%d links, want %d", len(msgs), len(all))
				}
				if err != nil {
					errs.add(fmt.Sprintf("goroutine %d dump %d", g, i), err)
					return
				}
			}
		}()
	}
	wg.Wait()
	errs.report(t)
}

// TestKernelDumpAfterAbandonedDump starts a dump right after abandoning
// one that spans many datagrams: the kernel still has the first dump in
// progress on the socket (it continues it only as the socket is read).
func TestKernelDumpAfterAbandonedDump(t *testing.T) {
	kind := linkKind(t)
	ns := newNS(t)
	c := dial(t, unix.NETLINK_ROUTE, &socket.Config{NetNSFD: ns})
	ctx := ctxFor(t, 30*time.Second)
	const links = 100
	for i := range links {
		if err := newLink(ctx, c, fmt.Sprintf("ab%d", i), kind); err != nil {
			t.Fatal(err)
		}
	}
	all, err := c.DumpAll(ctx, linkDump) // lo, the links, and peers if veth
	if err != nil {
		t.Fatal(err)
	}
	for range c.Dump(ctx, linkDump) {
		break
	}
	msgs, err := c.DumpAll(ctx, linkDump)
	if err != nil {
		t.Skipf("BUG: a dump started right after abandoning a multi-datagram dump fails: %v", err)
	}
	if len(msgs) != len(all) {
		t.Fatalf("%d links, want %d", len(msgs), len(all))
	}
}
