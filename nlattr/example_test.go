package nlattr_test

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"

	"github.com/nlstruct/nlstruct/nlattr"
)

// Attribute types of a made-up netlink family.
const (
	attrMTU  = 1 // u32
	attrName = 2 // NUL-terminated string
	attrOpts = 3 // nested: optPort, optVerbose

	optPort    = 1 // u16
	optVerbose = 2 // flag
)

// Build a message with a nested attribute, then walk it with Iter.
func Example() {
	b := make([]byte, 0, 64) // reused buffers make encoding allocation-free
	b = nlattr.AppendU32(b, attrMTU, 42)
	b, err := nlattr.AppendString(b, attrName, "eth0")
	if err != nil {
		panic(err)
	}
	b, start := nlattr.BeginNested(b, attrOpts)
	b = nlattr.AppendU16(b, optPort, 8080)
	b = nlattr.AppendFlag(b, optVerbose)
	if b, err = nlattr.EndNested(b, start); err != nil {
		panic(err)
	}
	fmt.Printf("% x\n", b)

	it := nlattr.NewIter(b)
	for it.Next() {
		switch it.Type() {
		case attrMTU:
			fmt.Println("mtu:", binary.NativeEndian.Uint32(it.Data()))
		case attrName:
			fmt.Printf("name: %q\n", bytes.TrimSuffix(it.Data(), []byte{0}))
		case attrOpts:
			fmt.Println("opts: nested =", it.Flags()&nlattr.FlagNested != 0)
			in := nlattr.NewIter(it.Data())
			for in.Next() {
				switch in.Type() {
				case optPort:
					fmt.Println("  port:", binary.NativeEndian.Uint16(in.Data()))
				case optVerbose:
					fmt.Println("  verbose")
				}
			}
			if err := in.Err(); err != nil {
				fmt.Println("  error:", err)
			}
		}
	}
	if err := it.Err(); err != nil {
		fmt.Println("error:", err)
	}
	// Output:
	// 08 00 01 00 2a 00 00 00 09 00 02 00 65 74 68 30 00 00 00 00 10 00 03 80 06 00 01 00 90 1f 00 00 04 00 02 00
	// mtu: 42
	// name: "eth0"
	// opts: nested = true
	//   port: 8080
	//   verbose
}

// Parse a received attribute stream into a slice of Attr.
func ExampleParse() {
	msg := []byte{
		0x08, 0x00, 0x01, 0x00, 0x2a, 0x00, 0x00, 0x00, // type 1, u32 42
		0x04, 0x00, 0x02, 0x80, // type 2, empty nest (NLA_F_NESTED)
		0x06, 0x00, 0x03, 0x40, 0x1f, 0x90, // type 3, big-endian u16 (NLA_F_NET_BYTEORDER), no final padding
	}
	attrs, err := nlattr.Parse(msg)
	if err != nil {
		panic(err)
	}
	for _, a := range attrs {
		fmt.Printf("type=%d flags=%#04x nested=%v data=[% x]\n", a.Type, a.Flags, a.Nested(), a.Data)
	}
	// Output:
	// type=1 flags=0x0000 nested=false data=[2a 00 00 00]
	// type=2 flags=0x8000 nested=true data=[]
	// type=3 flags=0x4000 nested=false data=[1f 90]
}

// Malformed input yields the attributes before the fault and a
// *SyntaxError carrying the offset of the bad header.
func ExampleParse_truncated() {
	msg := []byte{
		0x08, 0x00, 0x01, 0x00, 0x2a, 0x00, 0x00, 0x00, // type 1, u32 42
		0x0c, 0x00, 0x02, 0x00, 0x01, 0x02, 0x03, 0x04, // claims 12 bytes, 8 left
	}
	attrs, err := nlattr.Parse(msg)
	fmt.Println(len(attrs), "attribute(s) before the error")
	fmt.Println(err)
	fmt.Println("truncated:", errors.Is(err, nlattr.ErrTruncated))
	var se *nlattr.SyntaxError
	if errors.As(err, &se) {
		fmt.Println("offset:", se.Offset)
	}
	// Output:
	// 1 attribute(s) before the error
	// nlattr: at offset 8: truncated: nla_len 12 runs past the 8 bytes left
	// truncated: true
	// offset: 8
}
