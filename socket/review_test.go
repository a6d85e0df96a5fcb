package socket_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/nlstruct/nlstruct/socket"
	"github.com/nlstruct/nlstruct/socket/sockettest"
)

// TestSendReplyWhileReceiving: a reply to Send that arrives while another
// goroutine is already reading goes to Receive, not to the dropped count.
func TestSendReplyWhileReceiving(t *testing.T) {
	c, _ := sockettest.Dial(func(k *sockettest.Kernel, req socket.Message) {
		k.Reply(req, 0, []byte("reply"))
	}, nil)
	closeConn(t, c)
	got := make(chan []socket.Message, 1)
	go func() {
		msgs, _ := c.Receive(ctxFor(t, 2*time.Second))
		got <- msgs
	}()
	time.Sleep(20 * time.Millisecond) // let Receive become the reader
	if _, err := c.Send(socket.Request{Type: 0x20}); err != nil {
		t.Fatal(err)
	}
	msgs := <-got
	if len(msgs) != 1 || string(msgs[0].Data) != "reply" || c.Dropped() != 0 {
		t.Fatalf("Receive = %d messages, Dropped = %d; want the reply and no drops", len(msgs), c.Dropped())
	}
}

// TestMalformedFailsItsOwnRequest: in a datagram holding a complete ACK and
// then a broken message, the ACK's request succeeds and the request the
// broken message names fails.
func TestMalformedFailsItsOwnRequest(t *testing.T) {
	var first socket.Message
	c, k := sockettest.Dial(func(k *sockettest.Kernel, req socket.Message) {
		if req.Header.Type == 0x20 {
			first = req
			return
		}
		ack := socket.AppendMessage(nil, sockettest.ErrorMessage(req, 0, nil))
		broken := socket.AppendMessage(nil, sockettest.ReplyTo(first, 0x20, 0, nil))
		broken[0], broken[1], broken[2], broken[3] = 0, 0, 0, 0 // nlmsg_len 0
		k.SendRaw(append(ack, broken...), 0, 0)
	}, nil)
	closeConn(t, c)
	ctx := ctxFor(t, 2*time.Second)
	errFirst := make(chan error, 1)
	go func() { errFirst <- c.Do(ctx, socket.Request{Type: 0x20}, nil) }()
	for len(k.Requests()) == 0 {
		time.Sleep(time.Millisecond)
	}
	if err := c.Do(ctx, socket.Request{Type: 0x21}, nil); err != nil {
		t.Errorf("the request whose ACK arrived whole: %v", err)
	}
	if err := <-errFirst; !errors.Is(err, socket.ErrMalformed) {
		t.Errorf("the request the broken message names: %v, want ErrMalformed", err)
	}
}

// TestPanickingCallbackReleasesReader: a panic in a reply callback, once
// recovered, leaves the Conn usable.
func TestPanickingCallbackReleasesReader(t *testing.T) {
	c, _ := sockettest.Dial(func(k *sockettest.Kernel, req socket.Message) {
		k.Reply(req, 0, []byte("x"))
		k.Ack(req, 0, nil)
	}, nil)
	closeConn(t, c)
	ctx := ctxFor(t, 2*time.Second)
	func() {
		defer func() { recover() }()
		c.Do(ctx, socket.Request{Type: 0x20}, func(socket.Message) error { panic("boom") })
	}()
	if _, err := c.Execute(ctx, socket.Request{Type: 0x20}); err != nil {
		t.Fatalf("after a recovered panic: %v", err)
	}
}

// TestCanceledContextSendsNothing: a request whose context is already done
// is not sent.
func TestCanceledContextSendsNothing(t *testing.T) {
	c, k := sockettest.Dial(func(k *sockettest.Kernel, req socket.Message) { k.Ack(req, 0, nil) }, nil)
	closeConn(t, c)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := c.Do(ctx, socket.Request{Type: 0x20}, nil); !errors.Is(err, context.Canceled) {
		t.Errorf("Do = %v, want context.Canceled", err)
	}
	for _, err := range c.Dump(ctx, socket.Request{Type: 0x20}) {
		if !errors.Is(err, context.Canceled) {
			t.Errorf("Dump = %v, want context.Canceled", err)
		}
	}
	if n := len(k.Requests()); n != 0 {
		t.Errorf("the kernel saw %d requests, want 0", n)
	}
}

// TestCloseWithConcurrentWaits: Close returns promptly while one goroutine
// waits in Receive and another in a SyscallConn Read on a real socket.
func TestCloseWithConcurrentWaits(t *testing.T) {
	c, err := socket.Dial(unix.NETLINK_ROUTE, nil)
	if err != nil {
		t.Skipf("no netlink socket: %v", err)
	}
	rc, err := c.SyscallConn()
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 2)
	go func() { _, err := c.Receive(context.Background()); done <- err }()
	go func() { done <- rc.Read(func(uintptr) bool { return false }) }()
	time.Sleep(50 * time.Millisecond)
	closed := make(chan struct{})
	go func() { c.Close(); close(closed) }()
	select {
	case <-closed:
	case <-time.After(2 * time.Second):
		t.Fatal("Close did not return")
	}
	for range 2 {
		select {
		case <-done:
		case <-time.After(2 * time.Second):
			t.Fatal("a wait did not end after Close")
		}
	}
}
