package socket

import (
	"errors"
	"fmt"
	"net"
	"strings"

	"golang.org/x/sys/unix"
)

var (
	// ErrClosed is returned by calls on a closed Conn, and by calls that
	// were blocked when it was closed. It wraps net.ErrClosed.
	ErrClosed = fmt.Errorf("netlink: %w", net.ErrClosed)
	// ErrOverrun reports that the socket's receive buffer overflowed and
	// the kernel dropped messages (ENOBUFS). The Conn keeps working; a
	// multicast listener should resynchronise (dump again). It wraps
	// unix.ENOBUFS.
	ErrOverrun = fmt.Errorf("netlink: receive buffer overrun, messages were lost: %w", unix.ENOBUFS)
	// ErrDumpInterrupted reports a dump whose messages carried
	// NLM_F_DUMP_INTR: the kernel's data changed during the dump, so the
	// results may be inconsistent. DumpAll returns the partial results with
	// it, and retries first when Config.DumpRetries allows.
	ErrDumpInterrupted = errors.New("netlink: dump interrupted (NLM_F_DUMP_INTR), results may be inconsistent")
)

// Error is a request's failure reported by the kernel in NLMSG_ERROR (or
// in NLMSG_DONE at the end of a dump), with the extended ACK it carried.
// errors.Is(err, unix.EINVAL) and the like work through Unwrap.
type Error struct {
	Errno   unix.Errno // the error code, positive
	Type    uint16     // the request's message type
	Seq     uint32     // the request's sequence number
	Message string     // the extended ACK's message (NLMSGERR_ATTR_MSG)
	// Offset is the byte offset, from the start of the request's netlink
	// header, of the attribute the kernel rejected (NLMSGERR_ATTR_OFFS),
	// or -1.
	Offset int
	// Field names the Go field at Offset, when the request was built from
	// a tagged struct, e.g. "Link.Attrs.Name".
	Field string
	// MissingType is the type of a required attribute that was missing
	// (NLMSGERR_ATTR_MISS_TYPE), or 0.
	MissingType uint16
	// MissingNest is the offset of the nest that lacked it
	// (NLMSGERR_ATTR_MISS_NEST), or -1; MissingNestField names its field.
	MissingNest      int
	MissingNestField string
	// Policy is the policy of the rejected attribute (NLMSGERR_ATTR_POLICY).
	Policy *AttrPolicy
	// Cookie is the subsystem's cookie (NLMSGERR_ATTR_COOKIE).
	Cookie []byte
}

func (e *Error) Error() string {
	var sb strings.Builder
	fmt.Fprintf(&sb, "netlink: request type %d (seq %d): %v", e.Type, e.Seq, e.Errno)
	if e.Message != "" {
		fmt.Fprintf(&sb, ": %s", e.Message)
	}
	if e.Field != "" {
		fmt.Fprintf(&sb, " (the kernel rejected %s, at offset %d)", e.Field, e.Offset)
	} else if e.Offset >= 0 {
		fmt.Fprintf(&sb, " (at offset %d)", e.Offset)
	}
	if e.MissingType != 0 {
		fmt.Fprintf(&sb, " (missing attribute type %d", e.MissingType)
		if e.MissingNestField != "" {
			fmt.Fprintf(&sb, " in %s", e.MissingNestField)
		} else if e.MissingNest >= 0 {
			fmt.Fprintf(&sb, " in the nest at offset %d", e.MissingNest)
		}
		sb.WriteString(")")
	}
	return sb.String()
}

// Unwrap returns the errno, so errors.Is(err, unix.ENOENT) works.
func (e *Error) Unwrap() error { return e.Errno }

// extAck is the extended ACK's attribute set (NLMSGERR_ATTR_*).
type extAck struct {
	Msg      string      `nl:"type=1"`
	Offset   *uint32     `nl:"type=2"`
	Cookie   []byte      `nl:"type=3"`
	Policy   *AttrPolicy `nl:"type=4,nested"`
	MissType *uint32     `nl:"type=5"`
	MissNest *uint32     `nl:"type=6"`
}

// AttrPolicy describes how the kernel validates one attribute
// (NL_POLICY_TYPE_ATTR_* of <linux/netlink.h>): in an extended ACK and in
// generic netlink's policy dumps.
type AttrPolicy struct {
	Type           uint32  `nl:"type=1"`  // NL_ATTR_TYPE_*: the attribute's kind
	MinValueSigned *int64  `nl:"type=2"`  // smallest allowed signed value
	MaxValueSigned *int64  `nl:"type=3"`  // largest allowed signed value
	MinValue       *uint64 `nl:"type=4"`  // smallest allowed unsigned value
	MaxValue       *uint64 `nl:"type=5"`  // largest allowed unsigned value
	MinLength      *uint32 `nl:"type=6"`  // shortest allowed payload
	MaxLength      *uint32 `nl:"type=7"`  // longest allowed payload
	PolicyIndex    *uint32 `nl:"type=8"`  // nested policy, by index in the dump
	PolicyMaxType  *uint32 `nl:"type=9"`  // the nested policy's highest type
	Bitfield32Mask *uint32 `nl:"type=10"` // allowed bits of a bitfield32
	Mask           *uint64 `nl:"type=12"` // allowed bits of an integer
}

// NL_ATTR_TYPE_* values of AttrPolicy.Type.
const (
	PolicyInvalid     = 0
	PolicyFlag        = 1
	PolicyU8          = 2
	PolicyU16         = 3
	PolicyU32         = 4
	PolicyU64         = 5
	PolicyS8          = 6
	PolicyS16         = 7
	PolicyS32         = 8
	PolicyS64         = 9
	PolicyBinary      = 10
	PolicyString      = 11
	PolicyNulString   = 12
	PolicyNested      = 13
	PolicyNestedArray = 14
	PolicyBitfield32  = 15
	PolicySint        = 16
	PolicyUint        = 17
)
