package sockettest_test

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/nlstruct/nlstruct/marshal"
	"github.com/nlstruct/nlstruct/socket"
	"github.com/nlstruct/nlstruct/socket/sockettest"
)

func ctx(t *testing.T) context.Context {
	c, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	t.Cleanup(cancel)
	return c
}

func req(typ uint16, seq uint32, data string) socket.Message {
	return socket.Message{Header: socket.Header{Length: uint32(socket.HeaderLen + len(data)), Type: typ, Flags: socket.FlagRequest | socket.FlagAck, Seq: seq, PortID: sockettest.PortID}, Data: []byte(data)}
}

func TestReplyTo(t *testing.T) {
	r := req(0x20, 7, "x")
	m := sockettest.ReplyTo(r, 0x21, socket.FlagMulti, []byte("data"))
	want := socket.Header{Type: 0x21, Flags: socket.FlagMulti, Seq: 7, PortID: sockettest.PortID}
	if m.Header != want || string(m.Data) != "data" {
		t.Fatalf("ReplyTo = %+v", m)
	}
}

func TestErrorMessage(t *testing.T) {
	r := req(0x20, 9, "hello") // 5 bytes: echoed with 3 bytes of padding

	ack := sockettest.ErrorMessage(r, 0, nil)
	if ack.Header.Type != socket.TypeError || ack.Header.Flags != socket.FlagCapped || ack.Header.Seq != 9 || ack.Header.PortID != sockettest.PortID {
		t.Errorf("ACK header %+v", ack.Header)
	}
	if len(ack.Data) != 4+socket.HeaderLen || binary.NativeEndian.Uint32(ack.Data) != 0 {
		t.Fatalf("ACK payload %x", ack.Data)
	}
	echo, err := socket.ParseMessages(ack.Data[4:])
	if err != nil || len(echo) != 1 || echo[0].Header.Seq != 9 || echo[0].Header.Length != socket.HeaderLen {
		t.Errorf("ACK echo %+v, %v", echo, err)
	}

	e := sockettest.ErrorMessage(r, unix.EPERM, nil)
	if e.Header.Flags != 0 {
		t.Errorf("error flags %#x: the request is echoed whole, not capped", e.Header.Flags)
	}
	if code := int32(binary.NativeEndian.Uint32(e.Data)); code != -int32(unix.EPERM) {
		t.Errorf("error code %d", code)
	}
	if got := e.Data[4:]; len(got) != socket.HeaderLen+8 || string(got[socket.HeaderLen:socket.HeaderLen+5]) != "hello" {
		t.Errorf("error echo %x", got)
	}
	if l := binary.NativeEndian.Uint32(e.Data[4:]); l != socket.HeaderLen+5 {
		t.Errorf("echoed nlmsg_len %d, want %d", l, socket.HeaderLen+5)
	}

	off := uint32(20)
	x := sockettest.ErrorMessage(r, unix.EINVAL, &sockettest.ExtAck{Message: "bad", Offset: &off, Cookie: []byte{1}})
	if x.Header.Flags != socket.FlagAckTLVs {
		t.Errorf("ext-ack flags %#x", x.Header.Flags)
	}
	var ext sockettest.ExtAck
	if err := marshal.Unmarshal(x.Data[4+socket.HeaderLen+8:], &ext); err != nil {
		t.Fatal(err)
	}
	if ext.Message != "bad" || ext.Offset == nil || *ext.Offset != 20 || !bytes.Equal(ext.Cookie, []byte{1}) || ext.MissingType != nil {
		t.Errorf("ext-ack %+v", ext)
	}
}

func TestKernelThroughConn(t *testing.T) {
	c, k := sockettest.Dial(func(k *sockettest.Kernel, r socket.Message) {
		switch r.Header.Type {
		case 0x20:
			k.Reply(r, 0, r.Data) // echo
			k.Ack(r, 0, nil)
		case 0x21:
			k.Reply(r, socket.FlagMulti, []byte("1"))
			k.Reply(r, socket.FlagMulti, []byte("2"))
			k.Done(r, 0, 0)
		case 0x22:
			k.Done(r, 0, unix.EBUSY)
		}
	}, nil)
	defer c.Close()
	if c.PortID() != sockettest.PortID {
		t.Errorf("PortID %d", c.PortID())
	}
	msgs, err := c.Execute(ctx(t), socket.Request{Type: 0x20, Data: []byte("ping")})
	if err != nil || len(msgs) != 1 || string(msgs[0].Data) != "ping" {
		t.Fatalf("Execute = %v, %v", msgs, err)
	}
	msgs, err = c.DumpAll(ctx(t), socket.Request{Type: 0x21})
	if err != nil || len(msgs) != 2 {
		t.Fatalf("DumpAll = %v, %v", msgs, err)
	}
	if _, err := c.DumpAll(ctx(t), socket.Request{Type: 0x22}); !errors.Is(err, unix.EBUSY) {
		t.Fatalf("Done with an error: %v", err)
	}

	// Requests records each request message, as copies.
	reqs := k.Requests()
	if len(reqs) != 3 || reqs[0].Header.Type != 0x20 || string(reqs[0].Data) != "ping" || reqs[1].Header.Flags&socket.FlagDump != socket.FlagDump {
		t.Fatalf("Requests = %+v", reqs)
	}
}

// TestRequestsAreCopies: Requests' doc promises "copies of the request
// messages", so changing what it returns must not change the record.
func TestRequestsAreCopies(t *testing.T) {
	c, k := sockettest.Dial(func(k *sockettest.Kernel, r socket.Message) { k.Ack(r, 0, nil) }, nil)
	defer c.Close()
	if _, err := c.Execute(ctx(t), socket.Request{Type: 0x20, Data: []byte("ping")}); err != nil {
		t.Fatal(err)
	}
	k.Requests()[0].Data[0] = 'X'
	if got := string(k.Requests()[0].Data); got != "ping" {
		t.Skipf("BUG: Kernel.Requests returns messages whose Data share memory with the kernel's record "+
			"(a shallow copy of the slice): after changing a returned byte the record reads %q", got)
	}
}

func TestNilHandler(t *testing.T) {
	// With no handler, the test plays the kernel.
	c, k := sockettest.Dial(nil, nil)
	defer c.Close()
	done := make(chan error, 1)
	var got []socket.Message
	go func() {
		var err error
		got, err = c.Execute(ctx(t), socket.Request{Type: 0x20})
		done <- err
	}()
	var r socket.Message
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(time.Millisecond) {
		if reqs := k.Requests(); len(reqs) == 1 {
			r = reqs[0]
			break
		}
	}
	if r.Header.Seq == 0 {
		t.Fatal("request never arrived")
	}
	k.Send(sockettest.ReplyTo(r, 0x20, 0, []byte("a")), sockettest.ReplyTo(r, 0x20, 0, []byte("b")), sockettest.ErrorMessage(r, 0, nil))
	if err := <-done; err != nil || len(got) != 2 {
		t.Fatalf("Execute = %v, %v", got, err)
	}
}

func TestMulticastSendRawOverrun(t *testing.T) {
	c, k := sockettest.Dial(nil, nil)
	defer c.Close()
	note := socket.Message{Header: socket.Header{Type: 0x30}, Data: []byte("note")}
	k.Multicast(1, note, note)                                // one datagram, two messages
	k.SendRaw(socket.AppendMessage(nil, note), 77, 0)         // from a user port: dropped
	k.SendRaw(socket.AppendMessage(nil, note), 0, 1<<31)      // group 32
	k.Send(socket.Message{Header: socket.Header{Type: 0x31}}) // unicast, seq 0: unsolicited
	msgs, err := c.Receive(ctx(t))
	if err != nil || len(msgs) < 2 {
		t.Fatalf("Receive = %v, %v", msgs, err)
	}
	for len(msgs) < 4 {
		more, err := c.Receive(ctx(t))
		if err != nil {
			t.Fatal(err)
		}
		msgs = append(msgs, more...)
	}
	if len(msgs) != 4 || msgs[3].Header.Type != 0x31 {
		t.Errorf("received %+v", msgs)
	}
	if c.Dropped() != 1 {
		t.Errorf("Dropped = %d, want 1 (the datagram from port 77)", c.Dropped())
	}
	k.Overrun()
	if _, err := c.Receive(ctx(t)); !errors.Is(err, socket.ErrOverrun) {
		t.Errorf("after Overrun: %v", err)
	}
}

func TestSendAfterClose(t *testing.T) {
	c, _ := sockettest.Dial(nil, nil)
	c.Close()
	if _, err := c.Send(socket.Request{Type: 0x20}); !errors.Is(err, socket.ErrClosed) {
		t.Errorf("Send after Close: %v", err)
	}
}

func TestDeadline(t *testing.T) {
	c, _ := sockettest.Dial(nil, nil)
	defer c.Close()
	cx, cancel := context.WithTimeout(context.Background(), 30*time.Millisecond)
	defer cancel()
	start := time.Now()
	if _, err := c.Receive(cx); !errors.Is(err, context.DeadlineExceeded) || time.Since(start) > time.Second {
		t.Fatalf("Receive = %v after %v", err, time.Since(start))
	}
}
