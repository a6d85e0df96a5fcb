package socket

import (
	"encoding/binary"
	"errors"
	"fmt"

	"github.com/nlstruct/nlstruct/nlattr"
)

// HeaderLen is the size of struct nlmsghdr.
const HeaderLen = 16

// Message types of <linux/netlink.h>. Family message types start at
// MinType.
const (
	TypeNoop    uint16 = 0x1 // NLMSG_NOOP
	TypeError   uint16 = 0x2 // NLMSG_ERROR: an error or an ACK
	TypeDone    uint16 = 0x3 // NLMSG_DONE: the end of a dump
	TypeOverrun uint16 = 0x4 // NLMSG_OVERRUN
	MinType     uint16 = 0x10
)

// Message flags of <linux/netlink.h>.
const (
	FlagRequest      uint16 = 0x01 // NLM_F_REQUEST
	FlagMulti        uint16 = 0x02 // NLM_F_MULTI: part of a multipart reply
	FlagAck          uint16 = 0x04 // NLM_F_ACK: reply with an ACK
	FlagEcho         uint16 = 0x08 // NLM_F_ECHO
	FlagDumpIntr     uint16 = 0x10 // NLM_F_DUMP_INTR: the dump was inconsistent
	FlagDumpFiltered uint16 = 0x20 // NLM_F_DUMP_FILTERED

	// Modifiers of GET requests.
	FlagRoot   uint16 = 0x100                // NLM_F_ROOT
	FlagMatch  uint16 = 0x200                // NLM_F_MATCH
	FlagAtomic uint16 = 0x400                // NLM_F_ATOMIC
	FlagDump          = FlagRoot | FlagMatch // NLM_F_DUMP

	// Modifiers of NEW requests.
	FlagReplace uint16 = 0x100 // NLM_F_REPLACE
	FlagExcl    uint16 = 0x200 // NLM_F_EXCL
	FlagCreate  uint16 = 0x400 // NLM_F_CREATE
	FlagAppend  uint16 = 0x800 // NLM_F_APPEND

	// Flags of NLMSG_ERROR.
	FlagCapped  uint16 = 0x100 // NLM_F_CAPPED: the request was not echoed
	FlagAckTLVs uint16 = 0x200 // NLM_F_ACK_TLVS: extended ACK attributes follow
)

// Header is struct nlmsghdr.
type Header struct {
	Length uint32 // nlmsg_len: header and payload, without trailing padding
	Type   uint16 // nlmsg_type
	Flags  uint16 // nlmsg_flags
	Seq    uint32 // nlmsg_seq
	PortID uint32 // nlmsg_pid
}

// Message is a netlink message: a header and its payload.
type Message struct {
	Header Header
	Data   []byte // the payload, without the header or trailing padding
}

func (h *Header) put(b []byte) {
	binary.NativeEndian.PutUint32(b[0:], h.Length)
	binary.NativeEndian.PutUint16(b[4:], h.Type)
	binary.NativeEndian.PutUint16(b[6:], h.Flags)
	binary.NativeEndian.PutUint32(b[8:], h.Seq)
	binary.NativeEndian.PutUint32(b[12:], h.PortID)
}

func parseHeader(b []byte) Header {
	return Header{
		Length: binary.NativeEndian.Uint32(b[0:]),
		Type:   binary.NativeEndian.Uint16(b[4:]),
		Flags:  binary.NativeEndian.Uint16(b[6:]),
		Seq:    binary.NativeEndian.Uint32(b[8:]),
		PortID: binary.NativeEndian.Uint32(b[12:]),
	}
}

// AppendMessage appends m to b with its header's Length set and padding
// added.
func AppendMessage(b []byte, m Message) []byte {
	h := m.Header
	h.Length = uint32(HeaderLen + len(m.Data))
	start := len(b)
	b = append(b, make([]byte, HeaderLen)...)
	h.put(b[start:])
	b = append(b, m.Data...)
	return append(b, make([]byte, nlattr.Align(len(m.Data))-len(m.Data))...)
}

// ErrMalformed reports a datagram whose message framing is impossible:
// nlmsg_len below the header size, past the end of the datagram, or
// trailing bytes too short for a header.
var ErrMalformed = errors.New("netlink: malformed message")

// ParseMessages splits a datagram into its messages. Their Data share b's
// memory.
func ParseMessages(b []byte) ([]Message, error) {
	var msgs []Message
	err := forEachMessage(b, func(m Message) { msgs = append(msgs, m) })
	return msgs, err
}

// forEachMessage calls fn for each message of datagram b; it stops at the
// first malformed message.
func forEachMessage(b []byte, fn func(Message)) error {
	for off := 0; off < len(b); {
		m, next, err := nextMessage(b, off)
		if err != nil {
			return err
		}
		fn(m)
		off = next
	}
	return nil
}

// nextMessage returns the message of datagram b at offset off and the
// offset of the one after it.
func nextMessage(b []byte, off int) (Message, int, error) {
	rest := b[off:]
	if len(rest) < HeaderLen {
		return Message{}, 0, fmt.Errorf("%w: %d trailing bytes at offset %d, want a %d-byte header", ErrMalformed, len(rest), off, HeaderLen)
	}
	h := parseHeader(rest)
	if h.Length < HeaderLen || uint64(h.Length) > uint64(len(rest)) {
		return Message{}, 0, fmt.Errorf("%w: nlmsg_len %d at offset %d, with %d bytes left", ErrMalformed, h.Length, off, len(rest))
	}
	m := Message{Header: h, Data: rest[HeaderLen:h.Length:h.Length]}
	return m, off + min(nlattr.Align(int(h.Length)), len(rest)), nil
}
