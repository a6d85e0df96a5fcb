package socket_test

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/nlstruct/nlstruct/marshal"
	"github.com/nlstruct/nlstruct/socket"
	"github.com/nlstruct/nlstruct/socket/sockettest"
)

// Tagged structs shared by the tests: small slices of generic netlink's
// controller and of rtnetlink's links, declared the way a family package
// declares them.

// genlHdr is struct genlmsghdr.
type genlHdr struct {
	Cmd     uint8
	Version uint8
	_       uint16
}

// ctrlFamily is a CTRL_CMD_GETFAMILY request or CTRL_CMD_NEWFAMILY reply.
type ctrlFamily struct {
	Header  genlHdr `nl:"header"`
	ID      uint16  `nl:"type=1,omitempty"` // CTRL_ATTR_FAMILY_ID
	Name    string  `nl:"type=2,omitempty"` // CTRL_ATTR_FAMILY_NAME
	Version uint32  `nl:"type=3,omitempty"` // CTRL_ATTR_VERSION
	HdrSize uint32  `nl:"type=4,omitempty"` // CTRL_ATTR_HDRSIZE
	MaxAttr uint32  `nl:"type=5,omitempty"` // CTRL_ATTR_MAXATTR
}

// ifInfoMsg is struct ifinfomsg.
type ifInfoMsg struct {
	Family uint8
	_      uint8
	Type   uint16
	Index  int32
	Flags  uint32
	Change uint32
}

// linkInfo is IFLA_LINKINFO's attribute set.
type linkInfo struct {
	Kind string `nl:"type=1,omitempty"` // IFLA_INFO_KIND
}

// linkMsg is an RTM_{NEW,GET,DEL}LINK message.
type linkMsg struct {
	Info     ifInfoMsg `nl:"header"`
	Name     string    `nl:"type=3,omitempty"`  // IFLA_IFNAME
	MTU      uint32    `nl:"type=4,omitempty"`  // IFLA_MTU
	LinkInfo *linkInfo `nl:"type=18,nested"`    // IFLA_LINKINFO
	Group    uint32    `nl:"type=27,omitempty"` // IFLA_GROUP
}

func getFamily(name string) socket.Request {
	return socket.Request{
		Type: unix.GENL_ID_CTRL,
		Body: &ctrlFamily{Header: genlHdr{Cmd: unix.CTRL_CMD_GETFAMILY, Version: 1}, Name: name},
	}
}

func decodeFamily(t testing.TB, m socket.Message) ctrlFamily {
	t.Helper()
	var f ctrlFamily
	if err := marshal.Unmarshal(m.Data, &f); err != nil {
		t.Fatalf("decode CTRL reply: %v", err)
	}
	return f
}

func decodeLink(t testing.TB, m socket.Message) linkMsg {
	t.Helper()
	var l linkMsg
	if err := marshal.Unmarshal(m.Data, &l); err != nil {
		t.Fatalf("decode link: %v", err)
	}
	return l
}

// ctxFor returns a context that ends after d, or with the test.
func ctxFor(t testing.TB, d time.Duration) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), d)
	t.Cleanup(cancel)
	return ctx
}

func closeConn(t testing.TB, c *socket.Conn) {
	t.Cleanup(func() { c.Close() })
}

// ack is a handler answering every request with an ACK.
func ack(k *sockettest.Kernel, req socket.Message) { k.Ack(req, 0, nil) }

// u32 returns the native-endian encoding of v.
func u32(v int32) []byte { return binary.NativeEndian.AppendUint32(nil, uint32(v)) }

func TestExecuteFake(t *testing.T) {
	c, k := sockettest.Dial(func(k *sockettest.Kernel, req socket.Message) {
		var f ctrlFamily
		if err := marshal.Unmarshal(req.Data, &f); err != nil {
			k.Ack(req, unix.EINVAL, &sockettest.ExtAck{Message: err.Error()})
			return
		}
		out, err := marshal.Marshal(&ctrlFamily{Header: genlHdr{Cmd: unix.CTRL_CMD_NEWFAMILY, Version: 2}, ID: 0x10, Name: f.Name})
		if err != nil {
			panic(err)
		}
		k.Send(sockettest.ReplyTo(req, unix.GENL_ID_CTRL, 0, out))
		k.Ack(req, 0, nil)
	}, nil)
	closeConn(t, c)
	if c.PortID() != sockettest.PortID {
		t.Errorf("PortID = %d, want %d", c.PortID(), sockettest.PortID)
	}
	msgs, err := c.Execute(ctxFor(t, 5*time.Second), getFamily("nlctrl"))
	if err != nil {
		t.Fatal(err)
	}
	if len(msgs) != 1 {
		t.Fatalf("got %d replies, want 1", len(msgs))
	}
	if f := decodeFamily(t, msgs[0]); f.Name != "nlctrl" || f.ID != 0x10 || f.Header.Cmd != unix.CTRL_CMD_NEWFAMILY {
		t.Errorf("reply %+v", f)
	}
	reqs := k.Requests()
	if len(reqs) != 1 {
		t.Fatalf("kernel saw %d requests", len(reqs))
	}
	h := reqs[0].Header
	if h.Type != unix.GENL_ID_CTRL || h.Flags != socket.FlagRequest|socket.FlagAck || h.PortID != sockettest.PortID || h.Seq == 0 {
		t.Errorf("request header %+v", h)
	}
	if int(h.Length) != socket.HeaderLen+len(reqs[0].Data) {
		t.Errorf("request nlmsg_len %d with %d bytes of payload", h.Length, len(reqs[0].Data))
	}
	if msgs[0].Header.Seq != h.Seq {
		t.Errorf("reply seq %d, request seq %d", msgs[0].Header.Seq, h.Seq)
	}

	// Sequence numbers increase from one request to the next.
	if _, err := c.Execute(ctxFor(t, 5*time.Second), getFamily("x")); err != nil {
		t.Fatal(err)
	}
	if reqs := k.Requests(); reqs[1].Header.Seq == reqs[0].Header.Seq {
		t.Errorf("two requests with seq %d", reqs[0].Header.Seq)
	}
}

func TestRequestFlagsAndData(t *testing.T) {
	c, k := sockettest.Dial(ack, nil)
	closeConn(t, c)
	ctx := ctxFor(t, 5*time.Second)
	if _, err := c.Execute(ctx, socket.Request{Type: 0x20, Flags: socket.FlagCreate | socket.FlagExcl, Data: []byte{1, 2, 3}}); err != nil {
		t.Fatal(err)
	}
	seq, err := c.Send(socket.Request{Type: 0x21, Data: []byte{9}})
	if err != nil {
		t.Fatal(err)
	}
	reqs := k.Requests()
	if len(reqs) != 2 {
		t.Fatalf("%d requests", len(reqs))
	}
	if got, want := reqs[0].Header.Flags, socket.FlagRequest|socket.FlagAck|socket.FlagCreate|socket.FlagExcl; got != want {
		t.Errorf("Execute flags %#x, want %#x", got, want)
	}
	if string(reqs[0].Data) != "\x01\x02\x03" {
		t.Errorf("Execute payload %x", reqs[0].Data)
	}
	if got := reqs[1].Header.Flags; got != socket.FlagRequest {
		t.Errorf("Send flags %#x, want only NLM_F_REQUEST", got)
	}
	if reqs[1].Header.Seq != seq {
		t.Errorf("Send returned seq %d, sent %d", seq, reqs[1].Header.Seq)
	}
}

// TestSendRepliesReachReceive: Send's doc says that replies to a request
// sent with Send "arrive through Receive".
func TestSendRepliesReachReceive(t *testing.T) {
	c, _ := sockettest.Dial(func(k *sockettest.Kernel, req socket.Message) {
		k.Reply(req, 0, []byte("reply to Send"))
	}, nil)
	closeConn(t, c)
	seq, err := c.Send(socket.Request{Type: 0x21})
	if err != nil {
		t.Fatal(err)
	}
	msgs, err := c.Receive(ctxFor(t, 200*time.Millisecond))
	if err != nil {
		t.Skipf("BUG: the reply (seq %d) to a request made with Send is dropped (Dropped=%d), "+
			"but Send's doc says replies arrive through Receive; Receive returned %v", seq, c.Dropped(), err)
	}
	if len(msgs) != 1 || msgs[0].Header.Seq != seq || string(msgs[0].Data) != "reply to Send" {
		t.Fatalf("Receive = %v", msgs)
	}
}

func TestDoOne(t *testing.T) {
	c, k := sockettest.Dial(func(k *sockettest.Kernel, req socket.Message) {
		switch string(req.Data) {
		case "one":
			k.Reply(req, 0, []byte("the reply"))
			k.Reply(req, 0, []byte("late")) // after the end: dropped
		case "multi":
			k.Reply(req, socket.FlagMulti, []byte("m1"))
			k.Reply(req, socket.FlagMulti, []byte("m2"))
			k.Done(req, 0, 0)
		case "error":
			k.Ack(req, unix.ENOENT, nil)
		}
	}, nil)
	closeConn(t, c)
	ctx := ctxFor(t, 5*time.Second)
	var got []string
	collect := func(m socket.Message) error { got = append(got, string(m.Data)); return nil }
	if err := c.DoOne(ctx, socket.Request{Type: 0x20, Data: []byte("one")}, collect); err != nil {
		t.Fatal(err)
	}
	if req := k.Requests()[0]; req.Header.Flags != socket.FlagRequest {
		t.Errorf("DoOne flags %#x, want NLM_F_REQUEST only (no ACK)", req.Header.Flags)
	}
	if err := c.DoOne(ctx, socket.Request{Type: 0x20, Data: []byte("multi")}, collect); err != nil {
		t.Fatal(err)
	}
	if strings.Join(got, ",") != "the reply,m1,m2" {
		t.Errorf("replies %v", got)
	}
	if err := c.DoOne(ctx, socket.Request{Type: 0x20, Data: []byte("error")}, collect); !errors.Is(err, unix.ENOENT) {
		t.Errorf("DoOne error: %v", err)
	}
	if c.Dropped() != 1 {
		t.Errorf("Dropped = %d, want 1 (the reply after the first)", c.Dropped())
	}
}

func TestTypedHelpers(t *testing.T) {
	reply := func(name string) []byte {
		b, err := marshal.Marshal(&ctrlFamily{Header: genlHdr{Cmd: unix.CTRL_CMD_NEWFAMILY}, ID: 0x10, Name: name})
		if err != nil {
			panic(err)
		}
		return b
	}
	c, k := sockettest.Dial(func(k *sockettest.Kernel, req socket.Message) {
		var f ctrlFamily
		marshal.Unmarshal(req.Data, &f)
		switch {
		case req.Header.Flags&socket.FlagDump == socket.FlagDump:
			for _, n := range []string{"a", "b", "c"} {
				k.Reply(req, socket.FlagMulti, reply(n))
			}
			k.Done(req, 0, 0)
		case f.Name == "none":
			k.Ack(req, 0, nil)
		case f.Name == "bad":
			k.Reply(req, 0, []byte{1, 2, 3}) // too short for genlmsghdr
			k.Ack(req, 0, nil)
		default:
			k.Reply(req, 0, reply(f.Name))
			k.Ack(req, 0, nil)
		}
	}, nil)
	closeConn(t, c)
	ctx := ctxFor(t, 5*time.Second)

	fams, err := socket.Query[ctrlFamily](ctx, c, getFamily("nlctrl"))
	if err != nil || len(fams) != 1 || fams[0].Name != "nlctrl" {
		t.Fatalf("Query = %+v, %v", fams, err)
	}
	if _, err := socket.Query[ctrlFamily](ctx, c, getFamily("bad")); err == nil {
		t.Error("Query decoding a 3-byte reply: no error")
	}

	var f ctrlFamily
	ok, err := socket.Get(ctx, c, getFamily("x"), &f)
	if err != nil || !ok || f.Name != "x" {
		t.Fatalf("Get = %v, %v, %+v", ok, err, f)
	}
	if reqs := k.Requests(); reqs[len(reqs)-1].Header.Flags&socket.FlagAck != 0 {
		t.Error("Get asked for an ACK")
	}

	var names []string
	for f, err := range socket.DumpOf[ctrlFamily](ctx, c, familyDump()) {
		if err != nil {
			t.Fatal(err)
		}
		names = append(names, f.Name)
	}
	if strings.Join(names, "") != "abc" {
		t.Errorf("DumpOf: %v", names)
	}
	for range socket.DumpOf[ctrlFamily](ctx, c, familyDump()) {
		break // stopping early is fine
	}
}

func familyDump() socket.Request {
	return socket.Request{Type: unix.GENL_ID_CTRL, Body: &ctrlFamily{Header: genlHdr{Cmd: unix.CTRL_CMD_GETFAMILY, Version: 1}}}
}

// familyAttrs is ctrlFamily without its header, for Request.Header.
type familyAttrs struct {
	ID   uint16 `nl:"type=1,omitempty"`
	Name string `nl:"type=2,omitempty"`
}

func TestRequestHeader(t *testing.T) {
	// Request.Header is encoded before Body, padded to 4 bytes; the
	// kernel's offsets are then named in Body.
	body := &familyAttrs{ID: 7, Name: "abc"}
	c, k := sockettest.Dial(func(k *sockettest.Kernel, req socket.Message) {
		// genlmsghdr (4) + CTRL_ATTR_FAMILY_ID (8): the name's offset.
		off := uint32(socket.HeaderLen + 4 + 8)
		k.Ack(req, unix.EINVAL, &sockettest.ExtAck{Message: "bad name", Offset: &off})
	}, nil)
	closeConn(t, c)
	for _, hdr := range []any{genlHdr{Cmd: 3, Version: 1}, &genlHdr{Cmd: 3, Version: 1}} {
		_, err := c.Execute(ctxFor(t, time.Second), socket.Request{Type: 0x10, Header: hdr, Body: body})
		var e *socket.Error
		if !errors.As(err, &e) || e.Field != "familyAttrs.Name" || e.Message != "bad name" {
			t.Errorf("Header %T: err = %v, want the kernel to reject familyAttrs.Name", hdr, err)
		}
	}
	reqs := k.Requests()
	want, err := marshal.Marshal(&ctrlFamily{Header: genlHdr{Cmd: 3, Version: 1}, ID: 7, Name: "abc"})
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(reqs[0].Data, want) || !bytes.Equal(reqs[1].Data, want) {
		t.Errorf("payload with Header\n%x\nwant (as one tagged struct)\n%x", reqs[0].Data, want)
	}

	// A header whose size is not a multiple of 4 is padded, also before
	// raw Data.
	type odd struct {
		A, B, C uint8
	}
	if _, err := c.Execute(ctxFor(t, time.Second), socket.Request{Type: 0x10, Header: odd{1, 2, 3}, Data: []byte{9, 9, 9, 9}}); !errors.Is(err, unix.EINVAL) {
		t.Fatal(err)
	}
	if got := k.Requests()[2].Data; !bytes.Equal(got, []byte{1, 2, 3, 0, 9, 9, 9, 9}) {
		t.Errorf("3-byte header and Data: payload %x, want 01020300 09090909", got)
	}
}

func TestDoFnError(t *testing.T) {
	c, _ := sockettest.Dial(func(k *sockettest.Kernel, req socket.Message) {
		k.Reply(req, 0, []byte("one"))
		k.Reply(req, 0, []byte("two"))
		k.Ack(req, 0, nil)
	}, nil)
	closeConn(t, c)
	ctx := ctxFor(t, 5*time.Second)
	stop := errors.New("stop")
	n := 0
	err := c.Do(ctx, socket.Request{Type: 0x20}, func(m socket.Message) error {
		n++
		return stop
	})
	if err != stop || n != 1 {
		t.Fatalf("Do = %v after %d calls, want fn's error after 1", err, n)
	}
	// What is left of that request is dropped; the next one works.
	msgs, err := c.Execute(ctx, socket.Request{Type: 0x20})
	if err != nil || len(msgs) != 2 || string(msgs[0].Data) != "one" || string(msgs[1].Data) != "two" {
		t.Fatalf("Execute = %v, %v", msgs, err)
	}
}

func TestMarshalErrorSendsNothing(t *testing.T) {
	c, k := sockettest.Dial(ack, nil)
	closeConn(t, c)
	type bad struct {
		X int `nl:"type=1,bogus"`
	}
	_, err := c.Execute(ctxFor(t, time.Second), socket.Request{Type: 0x20, Body: &bad{}})
	if !errors.Is(err, marshal.ErrTag) {
		t.Fatalf("err = %v, want marshal.ErrTag", err)
	}
	if n := len(k.Requests()); n != 0 {
		t.Fatalf("kernel saw %d requests", n)
	}
	// The Conn still works.
	if _, err := c.Execute(ctxFor(t, time.Second), socket.Request{Type: 0x20}); err != nil {
		t.Fatal(err)
	}
}

func TestErrno(t *testing.T) {
	c, _ := sockettest.Dial(func(k *sockettest.Kernel, req socket.Message) {
		k.Ack(req, unix.ENOENT, nil)
	}, nil)
	closeConn(t, c)
	_, err := c.Execute(ctxFor(t, time.Second), socket.Request{Type: 0x33, Data: []byte{1, 2, 3, 4, 5}})
	var e *socket.Error
	if !errors.As(err, &e) || !errors.Is(err, unix.ENOENT) {
		t.Fatalf("err = %v, want *socket.Error wrapping ENOENT", err)
	}
	if e.Errno != unix.ENOENT || e.Type != 0x33 || e.Seq == 0 || e.Message != "" || e.Offset != -1 || e.MissingNest != -1 || e.Field != "" {
		t.Errorf("error %+v", e)
	}
	if s := e.Error(); s == "" {
		t.Error("empty Error()")
	}
}

func TestOutOfOrderReplies(t *testing.T) {
	// The kernel answers requests in the reverse order of their arrival:
	// each caller still gets its own reply.
	const n = 16
	var mu sync.Mutex
	var held []socket.Message
	c, k := sockettest.Dial(func(k *sockettest.Kernel, req socket.Message) {
		mu.Lock()
		defer mu.Unlock()
		held = append(held, req)
		if len(held) == n {
			for i := len(held) - 1; i >= 0; i-- {
				k.Reply(held[i], 0, held[i].Data)
				k.Ack(held[i], 0, nil)
			}
		}
	}, nil)
	closeConn(t, c)
	ctx := ctxFor(t, 10*time.Second)
	var wg sync.WaitGroup
	var errs errorLog
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			want := fmt.Sprintf("request %d", i)
			msgs, err := c.Execute(ctx, socket.Request{Type: 0x20, Data: []byte(want)})
			if err == nil {
				err = checkOne(msgs)
			}
			if err == nil && string(msgs[0].Data) != want {
				err = fmt.Errorf("got %v", msgs)
			}
			if err != nil {
				errs.add(want, err)
			}
		}()
	}
	wg.Wait()
	if len(k.Requests()) != n {
		t.Errorf("kernel saw %d requests", len(k.Requests()))
	}
	errs.report(t)
}

func TestLateReplyDropped(t *testing.T) {
	// A request that gave up (its context ended) leaves no trace: its late
	// reply is dropped, never given to the next request or to Receive.
	var first socket.Message
	c, k := sockettest.Dial(func(k *sockettest.Kernel, req socket.Message) {
		if req.Header.Type == 0x20 {
			first = req // answered later
			return
		}
		k.Reply(req, 0, []byte("second"))
		k.Ack(req, 0, nil)
	}, nil)
	closeConn(t, c)
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	if _, err := c.Execute(ctx, socket.Request{Type: 0x20}); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("err = %v, want DeadlineExceeded", err)
	}
	k.Reply(first, 0, []byte("late"))
	k.Ack(first, 0, nil)
	msgs, err := c.Execute(ctxFor(t, time.Second), socket.Request{Type: 0x21})
	if err != nil || len(msgs) != 1 || string(msgs[0].Data) != "second" {
		t.Fatalf("Execute = %v, %v", msgs, err)
	}
	if c.Dropped() != 2 {
		t.Errorf("Dropped = %d, want 2", c.Dropped())
	}
	rctx, rcancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer rcancel()
	if got, err := c.Receive(rctx); err == nil {
		t.Errorf("Receive got %v: a late reply reached the multicast queue", got)
	}
}

func TestClosed(t *testing.T) {
	c, _ := sockettest.Dial(ack, nil)
	if err := c.Close(); err != nil {
		t.Fatalf("first Close: %v", err)
	}
	if err := c.Close(); !errors.Is(err, socket.ErrClosed) {
		t.Errorf("second Close: %v, want ErrClosed", err)
	}
	ctx := ctxFor(t, time.Second)
	if _, err := c.Execute(ctx, socket.Request{Type: 0x20}); !errors.Is(err, socket.ErrClosed) || !errors.Is(err, net.ErrClosed) {
		t.Errorf("Execute after Close: %v", err)
	}
	if _, err := c.Send(socket.Request{Type: 0x20}); !errors.Is(err, socket.ErrClosed) {
		t.Errorf("Send after Close: %v", err)
	}
	if _, err := c.Receive(ctx); !errors.Is(err, socket.ErrClosed) {
		t.Errorf("Receive after Close: %v", err)
	}
	for _, err := range c.Dump(ctx, socket.Request{Type: 0x20}) {
		if !errors.Is(err, socket.ErrClosed) {
			t.Errorf("Dump after Close: %v", err)
		}
	}
	if _, err := c.DumpAll(ctx, socket.Request{Type: 0x20}); !errors.Is(err, socket.ErrClosed) {
		t.Errorf("DumpAll after Close: %v", err)
	}
	if _, err := c.SyscallConn(); err == nil {
		t.Error("SyscallConn of a fake Conn: no error")
	}
}

func TestFakeNoSyscallConn(t *testing.T) {
	c, _ := sockettest.Dial(nil, nil)
	closeConn(t, c)
	if _, err := c.Option(unix.SOL_NETLINK, unix.NETLINK_EXT_ACK); err == nil {
		t.Error("Option on a fake Conn: no error")
	}
	if err := c.JoinGroup(1); err == nil {
		t.Error("JoinGroup on a fake Conn: no error")
	}
}

// bugClass names the reported socket bug that an error from a concurrent
// test shows, or "" for an error that is a plain failure. Each class has a
// test of its own that reproduces it.
func bugClass(err error) string {
	switch {
	case errors.Is(err, context.DeadlineExceeded):
		return "lost wakeup: a request waited for a reply already read (TestFakeLostWakeup)"
	case errors.Is(err, errMissingReply):
		return "lost wakeup: a request succeeded without the reply queued for it (TestFakeLostWakeup)"
	case errors.Is(err, unix.EBUSY):
		return "concurrent dumps fail with EBUSY (TestKernelConcurrentDumps)"
	case strings.Contains(err.Error(), "recvmsg: invalid argument"):
		return "spurious EINVAL from recvmsg while a dump starts (TestKernelDumpRecvRace)"
	}
	return ""
}

// errMissingReply reports a request that succeeded without its reply.
var errMissingReply = errors.New("request succeeded without its reply")

// checkOne returns errMissingReply for no replies, an error for more
// than one, and nil for exactly one.
func checkOne(msgs []socket.Message) error {
	switch len(msgs) {
	case 0:
		return errMissingReply
	case 1:
		return nil
	}
	return fmt.Errorf("%d replies, want 1", len(msgs))
}

// errorLog collects the errors of a concurrent test.
type errorLog struct {
	mu    sync.Mutex
	known map[string]int
	other []string
}

func (l *errorLog) add(what string, err error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if class := bugClass(err); class != "" {
		if l.known == nil {
			l.known = map[string]int{}
		}
		l.known[class]++
		return
	}
	if len(l.other) < 20 {
		l.other = append(l.other, fmt.Sprintf("%s: %v", what, err))
	}
}

// report fails the test for unexpected errors and skips it, naming the
// bug, when the only errors are those of known bugs.
func (l *errorLog) report(t *testing.T) {
	t.Helper()
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, e := range l.other {
		t.Error(e)
	}
	if len(l.other) == 0 && len(l.known) > 0 {
		t.Skipf("BUG: %v", l.known)
	}
}
