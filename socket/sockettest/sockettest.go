// Package sockettest is a fake netlink kernel for unit tests: a Conn whose
// requests go to a Go function instead of the kernel, so that families and
// their users can be tested without root, and faults the real kernel
// rarely shows (interrupted dumps, overruns, huge or malformed messages,
// forged replies) can be produced on demand.
//
//	conn, k := sockettest.Dial(func(k *sockettest.Kernel, req socket.Message) {
//		k.Reply(req, 0, payload) // a reply with the request's seq and port id
//		k.Ack(req, 0, nil)       // then the ACK
//	}, nil)
//
// The handler runs in the goroutine that sent the request, before Send
// returns; what it queues is received in order, one datagram per call.
package sockettest

import (
	"encoding/binary"
	"math/bits"
	"os"
	"sync"
	"time"

	"golang.org/x/sys/unix"

	"github.com/nlstruct/nlstruct/marshal"
	"github.com/nlstruct/nlstruct/nlattr"
	"github.com/nlstruct/nlstruct/socket"
	"github.com/nlstruct/nlstruct/socket/internal/hook"
)

// PortID is the port id of every fake Conn.
const PortID = 4242

// Handler answers one request message.
type Handler func(k *Kernel, req socket.Message)

// Kernel is the fake kernel behind one Conn.
type Kernel struct {
	handler Handler

	mu       sync.Mutex
	queue    []datagram
	errs     []error
	notify   chan struct{}
	deadline time.Time
	dlChange chan struct{}
	closed   chan struct{}
	once     sync.Once
	requests []socket.Message
}

type datagram struct {
	data  []byte
	from  uint32
	group uint32 // multicast group number, 0 for unicast
}

// Dial returns a Conn served by handler (which may be nil: the Kernel then
// only sends what the test tells it to).
func Dial(handler Handler, cfg *socket.Config) (*socket.Conn, *Kernel) {
	k := &Kernel{
		handler:  handler,
		notify:   make(chan struct{}, 1),
		dlChange: make(chan struct{}, 1),
		closed:   make(chan struct{}),
	}
	return hook.NewConn(transport{k}, cfg).(*socket.Conn), k
}

// Requests returns copies of the request messages received so far.
func (k *Kernel) Requests() []socket.Message {
	k.mu.Lock()
	defer k.mu.Unlock()
	out := make([]socket.Message, len(k.requests))
	for i, m := range k.requests {
		m.Data = append([]byte(nil), m.Data...)
		out[i] = m
	}
	return out
}

// Send queues one datagram holding msgs, from the kernel (port 0),
// unicast. Each header's Length is set from its Data.
func (k *Kernel) Send(msgs ...socket.Message) {
	k.SendRaw(pack(msgs), 0, 0)
}

// Multicast queues one datagram holding msgs, sent to multicast group
// (a group number; any, like the kernel's NETLINK_PKTINFO reports).
func (k *Kernel) Multicast(group uint32, msgs ...socket.Message) {
	k.queueDatagram(datagram{pack(msgs), 0, group})
}

// SendRaw queues a datagram exactly as given, from port id from, to the
// groups bitmask (0: unicast; the lowest set bit names the group). Use it
// for forged and malformed replies.
func (k *Kernel) SendRaw(b []byte, from, groups uint32) {
	var group uint32
	if groups != 0 {
		group = uint32(bits.TrailingZeros32(groups)) + 1
	}
	k.queueDatagram(datagram{append([]byte(nil), b...), from, group})
}

func (k *Kernel) queueDatagram(d datagram) {
	k.mu.Lock()
	k.queue = append(k.queue, d)
	k.mu.Unlock()
	signal(k.notify)
}

// Overrun makes the next receive fail with ENOBUFS, as the kernel does
// after dropping messages for a full receive buffer.
func (k *Kernel) Overrun() {
	k.mu.Lock()
	k.errs = append(k.errs, os.NewSyscallError("recvmsg", unix.ENOBUFS))
	k.mu.Unlock()
	signal(k.notify)
}

// Reply queues one reply to req with the given flags and payload, with
// req's sequence number and port id and req's message type.
func (k *Kernel) Reply(req socket.Message, flags uint16, data []byte) {
	k.Send(ReplyTo(req, req.Header.Type, flags, data))
}

// ReplyTo builds a message answering req.
func ReplyTo(req socket.Message, typ, flags uint16, data []byte) socket.Message {
	return socket.Message{Header: socket.Header{Type: typ, Flags: flags, Seq: req.Header.Seq, PortID: req.Header.PortID}, Data: data}
}

// ExtAck is an extended ACK to attach to an error.
type ExtAck struct {
	Message     string  `nl:"type=1,omitempty"`
	Offset      *uint32 `nl:"type=2"`
	Cookie      []byte  `nl:"type=3"`
	MissingType *uint32 `nl:"type=5"`
	MissingNest *uint32 `nl:"type=6"`
}

// Ack queues NLMSG_ERROR for req: an ACK when errno is 0, else the error,
// with ext's attributes when ext is not nil. The request is echoed as the
// kernel does without NETLINK_CAP_ACK (header only for ACKs).
func (k *Kernel) Ack(req socket.Message, errno unix.Errno, ext *ExtAck) {
	k.Send(ErrorMessage(req, errno, ext))
}

// ErrorMessage builds the NLMSG_ERROR that Ack sends.
func ErrorMessage(req socket.Message, errno unix.Errno, ext *ExtAck) socket.Message {
	var flags uint16
	data := binary.NativeEndian.AppendUint32(nil, uint32(-int32(errno)))
	orig := req.Header
	orig.Length = uint32(socket.HeaderLen + len(req.Data))
	if errno == 0 {
		flags |= socket.FlagCapped
		orig.Length = socket.HeaderLen
		data = appendHeader(data, orig)
	} else {
		data = appendHeader(data, orig)
		data = append(data, req.Data...)
		data = append(data, make([]byte, nlattr.Align(len(req.Data))-len(req.Data))...)
	}
	if ext != nil {
		flags |= socket.FlagAckTLVs
		var err error
		if data, err = marshal.Append(data, ext); err != nil {
			panic(err)
		}
	}
	return ReplyTo(req, socket.TypeError, flags, data)
}

// Done queues NLMSG_DONE ending a dump, with flags (such as
// socket.FlagDumpIntr) and an error code (0 for success).
func (k *Kernel) Done(req socket.Message, flags uint16, errno unix.Errno) {
	k.Send(ReplyTo(req, socket.TypeDone, flags|socket.FlagMulti, binary.NativeEndian.AppendUint32(nil, uint32(-int32(errno)))))
}

func appendHeader(b []byte, h socket.Header) []byte {
	b = binary.NativeEndian.AppendUint32(b, h.Length)
	b = binary.NativeEndian.AppendUint16(b, h.Type)
	b = binary.NativeEndian.AppendUint16(b, h.Flags)
	b = binary.NativeEndian.AppendUint32(b, h.Seq)
	return binary.NativeEndian.AppendUint32(b, h.PortID)
}

func pack(msgs []socket.Message) []byte {
	var b []byte
	for _, m := range msgs {
		b = socket.AppendMessage(b, m)
	}
	return b
}

func signal(ch chan struct{}) {
	select {
	case ch <- struct{}{}:
	default:
	}
}

// transport is the Conn's side of the Kernel. Its methods are exported
// only because package socket's transport interface needs them to be.
type transport struct{ k *Kernel }

// Send receives a datagram from the Conn and runs the handler on each of
// its messages.
func (t transport) Send(b []byte) error {
	k := t.k
	select {
	case <-k.closed:
		return os.ErrClosed
	default:
	}
	msgs, err := socket.ParseMessages(b)
	if err != nil {
		return err
	}
	for _, m := range msgs {
		m.Data = append([]byte(nil), m.Data...)
		k.mu.Lock()
		k.requests = append(k.requests, m)
		k.mu.Unlock()
		if k.handler != nil {
			k.handler(k, m)
		}
	}
	return nil
}

// Recv returns the next queued datagram (or error), waiting for one until
// the deadline or Close.
func (t transport) Recv(b []byte, peek bool) (int, uint32, uint32, error) {
	k := t.k
	for {
		k.mu.Lock()
		select {
		case <-k.closed:
			k.mu.Unlock()
			return 0, 0, 0, os.ErrClosed
		default:
		}
		if len(k.errs) > 0 {
			err := k.errs[0]
			k.errs = k.errs[1:]
			k.mu.Unlock()
			return 0, 0, 0, err
		}
		if len(k.queue) > 0 {
			d := k.queue[0]
			if !peek {
				k.queue = k.queue[1:]
			}
			k.mu.Unlock()
			copy(b, d.data)
			return len(d.data), d.from, d.group, nil
		}
		dl := k.deadline
		k.mu.Unlock()
		var timeout <-chan time.Time
		var timer *time.Timer
		if !dl.IsZero() {
			wait := time.Until(dl)
			if wait <= 0 {
				return 0, 0, 0, os.ErrDeadlineExceeded
			}
			timer = time.NewTimer(wait)
			timeout = timer.C
		}
		select {
		case <-k.notify:
		case <-k.dlChange:
		case <-k.closed:
		case <-timeout:
		}
		if timer != nil {
			timer.Stop()
		}
	}
}

func (t transport) SetReadDeadline(d time.Time) error {
	t.k.mu.Lock()
	t.k.deadline = d
	t.k.mu.Unlock()
	signal(t.k.dlChange)
	return nil
}

func (t transport) PortID() uint32 { return PortID }

func (t transport) Close() error {
	t.k.once.Do(func() { close(t.k.closed) })
	return nil
}
