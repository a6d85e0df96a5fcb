package connector

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"sync"
	"sync/atomic"

	"golang.org/x/sys/unix"

	"github.com/nlstruct/nlstruct/marshal"
	"github.com/nlstruct/nlstruct/socket"
)

// Header is struct cn_msg of <linux/connector.h>: the header of every
// connector message, which Len bytes of data follow.
type Header struct {
	ID    ID     `json:"id"`    // the connector user the message is for, or from
	Seq   uint32 `json:"seq"`   // sequence number
	Ack   uint32 `json:"ack"`   // acknowledgement number
	Len   uint16 `json:"len"`   // bytes of data after the header
	Flags uint16 `json:"flags"` // unused by the kernel's users
}

// ID is struct cb_id: the address of a connector user. Idx is also the
// number of the multicast group that the user's messages are sent to.
type ID struct {
	Idx uint32 `json:"idx"`
	Val uint32 `json:"val"`
}

// HeaderLen is sizeof(struct cn_msg).
const HeaderLen = 20

// Connector users of <linux/connector.h> (CN_IDX_*, CN_VAL_*).
const (
	IdxProc  = 0x1 // CN_IDX_PROC: process events (cn_proc.h)
	ValProc  = 0x1 // CN_VAL_PROC
	IdxCIFS  = 0x2 // CN_IDX_CIFS
	ValCIFS  = 0x1 // CN_VAL_CIFS
	IdxW1    = 0x3 // CN_W1_IDX: 1-wire
	ValW1    = 0x1 // CN_W1_VAL
	IdxV86D  = 0x4 // CN_IDX_V86D
	ValV86D  = 0x1 // CN_VAL_V86D_UVESAFB
	IdxBB    = 0x5 // CN_IDX_BB
	IdxDST   = 0x6 // CN_DST_IDX
	ValDST   = 0x1 // CN_DST_VAL
	IdxDM    = 0x7 // CN_IDX_DM: device mapper
	ValDMLog = 0x1 // CN_VAL_DM_USERSPACE_LOG
	IdxDRBD  = 0x8 // CN_IDX_DRBD
	ValDRBD  = 0x1 // CN_VAL_DRBD
	IdxKVP   = 0x9 // CN_KVP_IDX: Hyper-V KVP
	ValKVP   = 0x1 // CN_KVP_VAL
	IdxVSS   = 0xA // CN_VSS_IDX: Hyper-V VSS
	ValVSS   = 0x1 // CN_VSS_VAL

	// NetlinkUsers is CN_NETLINK_USERS: the highest index plus one.
	NetlinkUsers = 11
	// MaxMsgSize is CONNECTOR_MAX_MSG_SIZE: the most data one message
	// may carry.
	MaxMsgSize = 16384
)

// ProcID is the proc connector's address, {CN_IDX_PROC, CN_VAL_PROC}.
var ProcID = ID{Idx: IdxProc, Val: ValProc}

// Message is a connector message: its header and Header.Len bytes of data.
type Message struct {
	Header Header
	Data   []byte
}

// ErrMalformed reports a connector message that is too short for its
// header or for the data length its header claims.
var ErrMalformed = errors.New("connector: malformed message")

// ParseMessage decodes the payload of one netlink message (what
// socket.Message.Data holds) as a connector message. Data shares b's
// memory.
func ParseMessage(b []byte) (Message, error) {
	var m Message
	if err := marshal.Unmarshal(b, &m.Header); err != nil {
		return Message{}, fmt.Errorf("%w: %w", ErrMalformed, err)
	}
	rest := b[HeaderLen:]
	if int(m.Header.Len) > len(rest) {
		return Message{}, fmt.Errorf("%w: cn_msg.len is %d, but %d bytes follow the header", ErrMalformed, m.Header.Len, len(rest))
	}
	m.Data = rest[:m.Header.Len:m.Header.Len]
	return m, nil
}

// OverrunError reports that the socket's receive buffer overflowed, so the
// kernel dropped messages (ENOBUFS), or that the socket's multicast
// backlog overflowed. The stream that reports it goes on delivering.
// errors.Is(err, socket.ErrOverrun) holds.
type OverrunError struct {
	// Overruns counts the overruns seen so far on this stream's Conn,
	// this one included.
	Overruns uint64
}

func (e *OverrunError) Error() string {
	return fmt.Sprintf("connector: receive buffer overrun (%d so far): the kernel dropped messages, events were lost", e.Overruns)
}

// Unwrap returns socket.ErrOverrun.
func (e *OverrunError) Unwrap() error { return socket.ErrOverrun }

// ErrPermission is wrapped by the errors of joining a connector group or
// subscribing without CAP_NET_ADMIN, which kernels require (all but the
// newer ones, for the proc connector's group).
var ErrPermission = errors.New("connector: listening to connector groups needs CAP_NET_ADMIN: run as root")

// Conn is a NETLINK_CONNECTOR socket. Its methods are safe for concurrent
// use, but only one goroutine should receive at a time.
type Conn struct {
	sock     *socket.Conn
	overruns atomic.Uint64
	// setGroup, when set, replaces the socket's JoinGroup and LeaveGroup:
	// sockettest's fake kernel has no file descriptor to set options on.
	setGroup func(group uint32, join bool) error

	mu sync.Mutex
	// Messages read while waiting for an acknowledgement, delivered
	// before anything else, and whether an overrun came with them.
	stash        []socket.Message
	stashOverrun bool
}

// Dial opens a NETLINK_CONNECTOR socket configured by cfg (which may be
// nil). Groups in cfg are joined at once; an EPERM there wraps
// ErrPermission.
func Dial(cfg *socket.Config) (*Conn, error) {
	s, err := socket.Dial(unix.NETLINK_CONNECTOR, cfg)
	if err != nil {
		return nil, permission(err)
	}
	return NewConn(s), nil
}

// NewConn makes a connector Conn over an open NETLINK_CONNECTOR socket (or
// a sockettest fake kernel).
func NewConn(s *socket.Conn) *Conn { return &Conn{sock: s} }

// Socket returns the underlying socket.
func (c *Conn) Socket() *socket.Conn { return c.sock }

// Close closes the socket. Receives blocked on it return socket.ErrClosed.
func (c *Conn) Close() error { return c.sock.Close() }

// Join subscribes to the multicast group of connector user idx (the group
// number is the index: IdxProc for process events). It needs
// CAP_NET_ADMIN, except for IdxProc on newer kernels; an EPERM wraps
// ErrPermission.
func (c *Conn) Join(idx uint32) error {
	join := c.sock.JoinGroup
	if c.setGroup != nil {
		join = func(g uint32) error { return c.setGroup(g, true) }
	}
	if err := join(idx); err != nil {
		return permission(fmt.Errorf("connector: join group %d: %w", idx, err))
	}
	return nil
}

// Leave leaves the multicast group of connector user idx.
func (c *Conn) Leave(idx uint32) error {
	leave := c.sock.LeaveGroup
	if c.setGroup != nil {
		leave = func(g uint32) error { return c.setGroup(g, false) }
	}
	if err := leave(idx); err != nil {
		return fmt.Errorf("connector: leave group %d: %w", idx, err)
	}
	return nil
}

func permission(err error) error {
	if errors.Is(err, unix.EPERM) || errors.Is(err, unix.EACCES) {
		return fmt.Errorf("%w (%w)", ErrPermission, err)
	}
	return err
}

// Send sends data to the connector user h.ID, with h's sequence and
// acknowledgement numbers and flags; h.Len is set to len(data).
func (c *Conn) Send(h Header, data []byte) error {
	if len(data) > MaxMsgSize {
		return fmt.Errorf("connector: %d bytes of data, the kernel takes at most %d", len(data), MaxMsgSize)
	}
	h.Len = uint16(len(data))
	if _, err := c.sock.Send(socket.Request{Type: socket.TypeDone, Header: &h, Data: data}); err != nil {
		return fmt.Errorf("connector: send to %d:%d: %w", h.ID.Idx, h.ID.Val, err)
	}
	return nil
}

// SendValue sends v, a fixed-layout or tagged struct (or a pointer to
// one) encoded by package marshal, as the data of a message to h.ID.
func (c *Conn) SendValue(h Header, v any) error {
	data, err := marshal.Marshal(v)
	if err != nil {
		return fmt.Errorf("connector: %w", err)
	}
	return c.Send(h, data)
}

// Receive returns the next netlink messages received (multicast messages
// of the groups joined, and the kernel's unicast messages), waiting for at
// least one. Each message's Data is a connector message (ParseMessage).
// After an overrun it returns an *OverrunError once, and then goes on.
func (c *Conn) Receive(ctx context.Context) ([]socket.Message, error) {
	c.mu.Lock()
	q, over := c.stash, c.stashOverrun
	c.stash, c.stashOverrun = nil, false
	c.mu.Unlock()
	if over {
		c.unread(q)
		return nil, c.overrun()
	}
	if len(q) > 0 {
		return q, nil
	}
	msgs, err := c.sock.Receive(ctx)
	if errors.Is(err, socket.ErrOverrun) {
		return nil, c.overrun()
	}
	return msgs, err
}

func (c *Conn) overrun() error { return &OverrunError{Overruns: c.overruns.Add(1)} }

// unread puts messages back in front of those to receive next.
func (c *Conn) unread(msgs []socket.Message) {
	if len(msgs) == 0 {
		return
	}
	c.mu.Lock()
	c.stash = append(append([]socket.Message(nil), msgs...), c.stash...)
	c.mu.Unlock()
}

// stashMessage keeps a message read early, bounded like the socket's own
// multicast backlog.
func (c *Conn) stashMessage(m socket.Message) {
	c.mu.Lock()
	if len(c.stash) >= stashLimit {
		c.stash = c.stash[1:]
		c.stashOverrun = true
	}
	c.stash = append(c.stash, m)
	c.mu.Unlock()
}

func (c *Conn) stashOverrunNow() {
	c.mu.Lock()
	c.stashOverrun = true
	c.mu.Unlock()
}

const stashLimit = 4096

// Messages streams the connector messages received, parsed. An
// *OverrunError or a malformed message (an error wrapping ErrMalformed) is
// reported and the stream goes on; any other error (the context's, or
// socket.ErrClosed) ends it. Messages that are not connector messages
// (netlink control messages) are skipped.
func (c *Conn) Messages(ctx context.Context) iter.Seq2[Message, error] {
	return func(yield func(Message, error) bool) {
		for {
			msgs, err := c.Receive(ctx)
			if err != nil {
				var oe *OverrunError
				if errors.As(err, &oe) {
					if !yield(Message{}, err) {
						return
					}
					continue
				}
				yield(Message{}, err)
				return
			}
			for i, nm := range msgs {
				if !isConnectorType(nm.Header.Type) {
					continue
				}
				m, err := ParseMessage(nm.Data)
				if !yield(m, err) {
					c.unread(msgs[i+1:])
					return
				}
			}
		}
	}
}

// isConnectorType reports whether a netlink message type can carry a
// connector message: the kernel sends them as NLMSG_DONE; NOOP, ERROR and
// OVERRUN are netlink's own.
func isConnectorType(t uint16) bool {
	return t != socket.TypeNoop && t != socket.TypeError && t != socket.TypeOverrun
}
