// Package nlattr holds the netlink attribute (TLV) primitives that the rest of
// nlstruct is built on: the 4-byte attribute header, alignment, append
// helpers for every integer width in native and big-endian byte order,
// strings, bytes and flags, nested attributes with a back-patched length, and
// a zero-allocation iterator over an attribute stream.
//
// Nothing here uses reflection. Every append helper appends to the caller's
// buffer and allocates only when that buffer has no room, so encoding into a
// reused buffer allocates nothing.
//
// The wire format is the one in <linux/netlink.h>:
//
//	 <----- NLA_HDRLEN -----> <-- NLA_ALIGN(payload) -->
//	+------------------------+--------------------+-----+
//	| nla_len  |  nla_type   |      payload       | pad |
//	+------------------------+--------------------+-----+
//	 <----------------- nla_len ----------------->
//
// nla_len and nla_type are in the host's byte order. The top two bits of
// nla_type are the flags NLA_F_NESTED and NLA_F_NET_BYTEORDER; the remaining
// 14 bits are the attribute type.
//
// # Decoding hostile input
//
// [Iter] never reads outside the buffer it was given and never allocates. An
// nla_len below the header size, an nla_len that runs past the end of the
// buffer, and trailing bytes too short to hold a header are reported as a
// [*SyntaxError] carrying the byte offset, which wraps [ErrTruncated] or
// [ErrBadLength] for errors.Is. The padding after the last attribute may be
// absent, as the kernel allows.
package nlattr

import (
	"encoding/binary"
	"errors"
	"fmt"
)

// Sizes and flags from <linux/netlink.h>.
const (
	// HeaderLen is NLA_HDRLEN, the size of struct nlattr.
	HeaderLen = 4
	// AlignTo is NLA_ALIGNTO: attributes start on 4-byte boundaries.
	AlignTo = 4
	// MaxLen is the largest nla_len a 16-bit length field can carry.
	MaxLen = 0xffff
	// FlagNested is NLA_F_NESTED: the payload is itself an attribute stream.
	FlagNested uint16 = 1 << 15
	// FlagNetByteOrder is NLA_F_NET_BYTEORDER: the payload is big-endian.
	FlagNetByteOrder uint16 = 1 << 14
	// TypeMask selects the attribute type from nla_type (NLA_TYPE_MASK).
	TypeMask uint16 = ^(FlagNested | FlagNetByteOrder)
	// MaxType is the largest attribute type number.
	MaxType = TypeMask
)

// Sentinel errors wrapped by [*SyntaxError] and by the errors of the marshal
// package, for errors.Is.
var (
	// ErrTruncated means the input ended inside a header or payload.
	ErrTruncated = errors.New("truncated")
	// ErrBadLength means a length field or payload size is impossible or
	// not the size the value needs.
	ErrBadLength = errors.New("bad length")
	// ErrTooLarge means an attribute would exceed MaxLen bytes.
	ErrTooLarge = errors.New("attribute larger than 65535 bytes")
)

// SyntaxError reports malformed attribute framing at a byte offset of the
// buffer given to [NewIter].
type SyntaxError struct {
	Offset int   // byte offset of the attribute header at fault
	Err    error // ErrTruncated or ErrBadLength, with details
}

func (e *SyntaxError) Error() string {
	return fmt.Sprintf("nlattr: at offset %d: %v", e.Offset, e.Err)
}

func (e *SyntaxError) Unwrap() error { return e.Err }

// Align rounds n up to the next multiple of AlignTo (NLA_ALIGN).
func Align(n int) int { return (n + AlignTo - 1) &^ (AlignTo - 1) }

// Attr is one attribute: its type number, its flag bits and its payload.
// It is used for the marshal package's "unknown" option and by users who
// want raw access.
type Attr struct {
	Type  uint16 // the attribute type, 1..MaxType (flags removed)
	Flags uint16 // FlagNested and FlagNetByteOrder bits as received
	Data  []byte // the payload, without header or padding
}

// Nested reports whether the NLA_F_NESTED flag is set.
func (a Attr) Nested() bool { return a.Flags&FlagNested != 0 }

// AppendAttr appends a with its header and padding. Bits of a.Type beyond
// TypeMask and bits of a.Flags other than the two flags are ignored, so
// the attribute written always parses back as a.
func AppendAttr(b []byte, a Attr) ([]byte, error) {
	if len(a.Data) > MaxLen-HeaderLen {
		return b, ErrTooLarge
	}
	b = AppendHeader(b, a.Type&TypeMask|a.Flags&^TypeMask, HeaderLen+len(a.Data))
	b = append(b, a.Data...)
	return padAfter(b, HeaderLen+len(a.Data)), nil
}

// Parse returns the attributes of b. The Data of each shares b's memory.
// Most callers should prefer the allocation-free [Iter].
func Parse(b []byte) ([]Attr, error) {
	var attrs []Attr
	it := NewIter(b)
	for it.Next() {
		attrs = append(attrs, Attr{Type: it.Type(), Flags: it.Flags(), Data: it.Data()})
	}
	return attrs, it.Err()
}

// AppendHeader appends an attribute header with nla_type typ (flags
// included) and nla_len length, truncated to 16 bits: callers check
// lengths against MaxLen. The caller appends the payload and then
// calls [Pad].
func AppendHeader(b []byte, typ uint16, length int) []byte {
	return binary.NativeEndian.AppendUint32(b, uint32(uint16(length))|uint32(typ)<<16)
}

// Pad appends zero bytes until len(b) is a multiple of AlignTo. It assumes
// b starts at a 4-byte boundary of the message being built.
func Pad(b []byte) []byte {
	switch len(b) & (AlignTo - 1) {
	case 1:
		return append(b, 0, 0, 0)
	case 2:
		return append(b, 0, 0)
	case 3:
		return append(b, 0)
	}
	return b
}

// AppendU8 appends an 8-bit attribute (payload 1 byte, 3 bytes padding).
func AppendU8(b []byte, typ uint16, v uint8) []byte {
	b = AppendHeader(b, typ, HeaderLen+1)
	return append(b, v, 0, 0, 0)
}

// AppendU16 appends a 16-bit attribute in host byte order.
func AppendU16(b []byte, typ uint16, v uint16) []byte {
	b = AppendHeader(b, typ, HeaderLen+2)
	b = binary.NativeEndian.AppendUint16(b, v)
	return append(b, 0, 0)
}

// AppendU32 appends a 32-bit attribute in host byte order.
func AppendU32(b []byte, typ uint16, v uint32) []byte {
	b = AppendHeader(b, typ, HeaderLen+4)
	return binary.NativeEndian.AppendUint32(b, v)
}

// AppendU64 appends a 64-bit attribute in host byte order.
func AppendU64(b []byte, typ uint16, v uint64) []byte {
	b = AppendHeader(b, typ, HeaderLen+8)
	return binary.NativeEndian.AppendUint64(b, v)
}

// AppendU16BE appends a 16-bit attribute in big-endian (network) order.
func AppendU16BE(b []byte, typ uint16, v uint16) []byte {
	b = AppendHeader(b, typ, HeaderLen+2)
	b = binary.BigEndian.AppendUint16(b, v)
	return append(b, 0, 0)
}

// AppendU32BE appends a 32-bit attribute in big-endian (network) order.
func AppendU32BE(b []byte, typ uint16, v uint32) []byte {
	b = AppendHeader(b, typ, HeaderLen+4)
	return binary.BigEndian.AppendUint32(b, v)
}

// AppendU64BE appends a 64-bit attribute in big-endian (network) order.
func AppendU64BE(b []byte, typ uint16, v uint64) []byte {
	b = AppendHeader(b, typ, HeaderLen+8)
	return binary.BigEndian.AppendUint64(b, v)
}

// AppendS8 appends a signed 8-bit attribute.
func AppendS8(b []byte, typ uint16, v int8) []byte { return AppendU8(b, typ, uint8(v)) }

// AppendS16 appends a signed 16-bit attribute in host byte order.
func AppendS16(b []byte, typ uint16, v int16) []byte { return AppendU16(b, typ, uint16(v)) }

// AppendS32 appends a signed 32-bit attribute in host byte order.
func AppendS32(b []byte, typ uint16, v int32) []byte { return AppendU32(b, typ, uint32(v)) }

// AppendS64 appends a signed 64-bit attribute in host byte order.
func AppendS64(b []byte, typ uint16, v int64) []byte { return AppendU64(b, typ, uint64(v)) }

// AppendUint appends a YNL variable-width "uint": 4 bytes when v fits in 32
// bits, 8 bytes otherwise.
func AppendUint(b []byte, typ uint16, v uint64) []byte {
	if v <= 0xffffffff {
		return AppendU32(b, typ, uint32(v))
	}
	return AppendU64(b, typ, v)
}

// AppendSint appends a YNL variable-width "sint": 4 bytes when v fits in 32
// bits, 8 bytes otherwise.
func AppendSint(b []byte, typ uint16, v int64) []byte {
	if v == int64(int32(v)) {
		return AppendU32(b, typ, uint32(int32(v)))
	}
	return AppendU64(b, typ, uint64(v))
}

// AppendString appends s as a NUL-terminated string attribute (NLA_NUL_STRING
// and NLA_STRING both accept this form).
func AppendString(b []byte, typ uint16, s string) ([]byte, error) {
	if len(s) > MaxLen-HeaderLen-1 {
		return b, ErrTooLarge
	}
	b = AppendHeader(b, typ, HeaderLen+len(s)+1)
	b = append(b, s...)
	b = append(b, 0)
	return padAfter(b, HeaderLen+len(s)+1), nil
}

// AppendBytes appends p as a binary attribute.
func AppendBytes(b []byte, typ uint16, p []byte) ([]byte, error) {
	if len(p) > MaxLen-HeaderLen {
		return b, ErrTooLarge
	}
	b = AppendHeader(b, typ, HeaderLen+len(p))
	b = append(b, p...)
	return padAfter(b, HeaderLen+len(p)), nil
}

// AppendFlag appends an NLA_FLAG attribute: a header with no payload.
func AppendFlag(b []byte, typ uint16) []byte {
	return AppendHeader(b, typ, HeaderLen)
}

// BeginNested appends the header of a nested attribute (with FlagNested set)
// whose length is not yet known, and returns the offset to pass to
// [EndNested] once the nested attributes have been appended.
func BeginNested(b []byte, typ uint16) ([]byte, int) {
	return Begin(b, typ|FlagNested)
}

// Begin appends the header of an attribute with nla_type typ (flags
// included) whose length is not yet known, and returns its offset for [End].
func Begin(b []byte, typ uint16) ([]byte, int) {
	start := len(b)
	return AppendHeader(b, typ, 0), start
}

// EndNested is [End]; it closes an attribute opened by [BeginNested].
func EndNested(b []byte, start int) ([]byte, error) { return End(b, start) }

// End back-patches nla_len of the attribute opened at start by [Begin] and
// pads b. An attribute longer than MaxLen bytes is an error (ErrTooLarge);
// b is then returned truncated to start.
func End(b []byte, start int) ([]byte, error) {
	n := len(b) - start
	if n > MaxLen {
		return b[:start], ErrTooLarge
	}
	binary.NativeEndian.PutUint16(b[start:], uint16(n))
	return padAfter(b, n), nil
}

// padAfter appends the padding that follows an attribute of length n.
// Padding depends on the attribute's length, not on len(b), so attributes
// appended to a buffer that does not start 4-byte aligned are still laid
// out as the kernel expects relative to the start of the message.
func padAfter(b []byte, n int) []byte {
	return append(b, zeros[:Align(n)-n]...)
}

var zeros [AlignTo]byte

// Iter walks an attribute stream without allocating. Use it as
//
//	it := nlattr.NewIter(b)
//	for it.Next() {
//		switch it.Type() { ... it.Data() ... }
//	}
//	if err := it.Err(); err != nil { ... }
type Iter struct {
	b    []byte
	off  int // offset of the next header
	cur  int // offset of the current header
	typ  uint16
	data []byte
	err  error
}

// NewIter returns an iterator over the attributes in b.
func NewIter(b []byte) Iter { return Iter{b: b} }

// Next advances to the next attribute. It returns false at the end of the
// stream or on malformed input; Err tells which.
func (it *Iter) Next() bool {
	if it.err != nil || it.off >= len(it.b) {
		return false
	}
	rest := it.b[it.off:]
	if len(rest) < HeaderLen {
		it.err = &SyntaxError{Offset: it.off, Err: fmt.Errorf("%w: %d bytes left, want at least %d for an attribute header", ErrTruncated, len(rest), HeaderLen)}
		return false
	}
	n := int(binary.NativeEndian.Uint16(rest))
	if n < HeaderLen {
		it.err = &SyntaxError{Offset: it.off, Err: fmt.Errorf("%w: nla_len %d is below the header size %d", ErrBadLength, n, HeaderLen)}
		return false
	}
	if n > len(rest) {
		it.err = &SyntaxError{Offset: it.off, Err: fmt.Errorf("%w: nla_len %d runs past the %d bytes left", ErrTruncated, n, len(rest))}
		return false
	}
	it.cur = it.off
	it.typ = binary.NativeEndian.Uint16(rest[2:])
	it.data = rest[HeaderLen:n:n]
	it.off += min(Align(n), len(rest))
	return true
}

// Type returns the current attribute's type number, flags removed.
func (it *Iter) Type() uint16 { return it.typ & TypeMask }

// Flags returns the current attribute's flag bits (FlagNested,
// FlagNetByteOrder).
func (it *Iter) Flags() uint16 { return it.typ &^ TypeMask }

// Data returns the current attribute's payload. It shares the iterator's
// buffer and has no spare capacity.
func (it *Iter) Data() []byte { return it.data }

// Offset returns the byte offset of the current attribute's header within
// the buffer given to NewIter.
func (it *Iter) Offset() int { return it.cur }

// Attr returns the current attribute.
func (it *Iter) Attr() Attr { return Attr{Type: it.Type(), Flags: it.Flags(), Data: it.data} }

// Err returns the error that stopped the iteration, or nil at a clean end.
func (it *Iter) Err() error { return it.err }
