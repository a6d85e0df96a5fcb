package marshal_test

// Hostile input: every decoder meets bytes built to hurt it, and every
// encoder meets values it cannot encode. The answer must be an
// *marshal.Error that says where (field path, attribute types, byte
// offset) and wraps the right sentinel; never a panic, a hang, a stack
// overflow or an allocation sized by a length the input claims.
//
// Every identifier here starts with hx so that it cannot collide with the
// other test files of the package.

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"reflect"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/nlstruct/nlstruct/marshal"
	"github.com/nlstruct/nlstruct/nlattr"
)

// ---- types ----------------------------------------------------------------

// hxNode is recursive: nesting is bounded only by the input.
type hxNode struct {
	Val  uint32  `nl:"type=1,omitempty"`
	Next *hxNode `nl:"type=2,nested"`
}

// hxTree recurses through slices, to build cycles that are not pointers.
type hxTree struct {
	Kids []hxTree `nl:"type=1,multi,nested"`
	Arr  []hxTree `nl:"type=2,array,nested"`
}

// hxFixed is an 8-byte fixed layout.
type hxFixed struct {
	A uint32
	B uint16
	C uint16
}

// hxHdr is a 12-byte fixed header (ifinfomsg-like).
type hxHdr struct {
	Family uint8
	_      [3]byte
	Index  int32
	Flags  uint32
}

// hxGenl is a 4-byte fixed header (genlmsghdr-like).
type hxGenl struct {
	Cmd     uint8
	Version uint8
	_       uint16
}

// hxWidths has one attribute of every fixed-size kind.
type hxWidths struct {
	U8    uint8      `nl:"type=1"`
	U16   uint16     `nl:"type=2"`
	U32   uint32     `nl:"type=3"`
	U64   uint64     `nl:"type=4"`
	Bool  bool       `nl:"type=5"`
	Uint  uint       `nl:"type=6"`
	Int   int        `nl:"type=7"`
	Addr  netip.Addr `nl:"type=8"`
	IP    net.IP     `nl:"type=9"`
	Arr   [6]byte    `nl:"type=10"`
	Fixed hxFixed    `nl:"type=11"`
	Flag  bool       `nl:"type=12,flag"`
	BE16  uint16     `nl:"type=13,be"`
	I8    int8       `nl:"type=14"`
	I64   int64      `nl:"type=15,netbyteorder"`
}

// hxOuter puts hxWidths under a nested attribute and a nested pointer.
type hxOuter struct {
	Name string    `nl:"type=1"`
	In   hxWidths  `nl:"type=2,nested"`
	InP  *hxWidths `nl:"type=3,nested"`
}

// hxMsg is a message with two fixed headers.
type hxMsg struct {
	Hdr  hxHdr  `nl:"header"`
	Genl hxGenl `nl:"header"`
	Name string `nl:"type=1"`
	MTU  uint32 `nl:"type=2"`
}

// hxWrap puts hxMsg (headers and all) in a nested attribute.
type hxWrap struct {
	Pad uint32 `nl:"type=2"`
	M   hxMsg  `nl:"type=1,nested"`
}

type hxInner struct {
	A uint32 `nl:"type=1"`
	B string `nl:"type=2"`
}

// hxMulti has every kind of repeated field.
type hxMulti struct {
	Nums   []uint32  `nl:"type=1,multi"`
	Items  []hxInner `nl:"type=2,multi,nested"`
	Packed []uint32  `nl:"type=3"`
	Arr    []hxInner `nl:"type=4,array,nested"`
	ArrN   []uint32  `nl:"type=5,array"`
}

// hxBig holds values that can exceed the 16-bit attribute length.
type hxBig struct {
	S   string        `nl:"type=1"`
	B   []byte        `nl:"type=2"`
	N   *hxBlob       `nl:"type=3,nested"`
	M   [][]byte      `nl:"type=4,multi"`
	A   [][]byte      `nl:"type=5,array"`
	F   *[70000]byte  `nl:"type=6"`
	Kin string        `nl:"type=7"`
	D   hxLinkData    `nl:"type=8,selector=Kin"`
	U   []nlattr.Attr `nl:"unknown"`
}

type hxBlob struct {
	P1 []byte `nl:"type=1"`
	P2 []byte `nl:"type=2"`
}

// Sub-messages chosen by a string attribute.
type hxLinkData interface{ hxLinkData() }

type hxVlan struct {
	ID    uint16 `nl:"type=1"`
	Proto uint16 `nl:"type=2,be"`
}

type hxMacvlan struct {
	Mode uint32 `nl:"type=1"`
}

type hxBlobData struct {
	P []byte `nl:"type=1"`
	Q []byte `nl:"type=2"`
}

// hxRogue implements hxLinkData but is never registered.
type hxRogue struct {
	X uint8 `nl:"type=1"`
}

func (*hxVlan) hxLinkData()     {}
func (*hxMacvlan) hxLinkData()  {}
func (*hxBlobData) hxLinkData() {}
func (*hxRogue) hxLinkData()    {}

type hxLinkInfo struct {
	Kind string     `nl:"type=1"`
	Data hxLinkData `nl:"type=2,selector=Kind"`
}

type hxLinkInfoU struct {
	Kind    string        `nl:"type=1"`
	Data    hxLinkData    `nl:"type=2,selector=Kind"`
	Unknown []nlattr.Attr `nl:"unknown"`
}

// Sub-messages as the body, chosen by a header field.
type hxEvent interface{ hxEvent() }

type hxEvHdr struct {
	What uint32
	Len  uint32
}

// hxFork is a fixed layout (struct fork_proc_event-like).
type hxFork struct {
	Parent uint32
	Child  uint32
}

// hxForkMsg carries hxFork as a message with only a header, the way a
// fixed-layout variant can be written today.
type hxForkMsg struct {
	F hxFork `nl:"header"`
}

type hxExit struct {
	PID  uint32 `nl:"type=1"`
	Code int32  `nl:"type=2"`
}

func (*hxForkMsg) hxEvent() {}
func (*hxExit) hxEvent()    {}

type hxEvMsg struct {
	Hdr hxEvHdr `nl:"header"`
	Ev  hxEvent `nl:"selector=Hdr.What"`
}

// hxCEvent has a fixed layout as a variant, as a proc connector event is.
// It has an interface of its own: registering hxFork poisons every type
// using the interface while fixed-layout variants are rejected.
type hxCEvent interface{ hxCEvent() }

func (*hxFork) hxCEvent() {}

type hxCMsg struct {
	Hdr hxEvHdr  `nl:"header"`
	Ev  hxCEvent `nl:"selector=Hdr.What"`
}

// hxCustom encodes its own payload.
type hxCustom struct{ b []byte }

func (c *hxCustom) MarshalNetlink(b []byte) ([]byte, error) { return append(b, c.b...), nil }
func (c *hxCustom) UnmarshalNetlink(d []byte) error {
	if len(d) > 8 {
		return fmt.Errorf("%w: custom payload of %d bytes", marshal.ErrBadLength, len(d))
	}
	c.b = bytes.Clone(d)
	return nil
}

type hxStats struct {
	Packets uint64 `nl:"type=1"`
	Bytes   uint64 `nl:"type=2"`
	Drops   uint32 `nl:"type=3,max=1000"`
}

// hxRich has a bit of everything, for the mutation test.
type hxRich struct {
	Hdr     hxHdr         `nl:"header"`
	Name    string        `nl:"type=1,maxlen=32"`
	MTU     uint32        `nl:"type=2,min=68,max=65535"`
	Flags   uint32        `nl:"type=3,be"`
	Up      bool          `nl:"type=4,flag"`
	Speed   uint          `nl:"type=5"`
	Delta   int           `nl:"type=6"`
	Addr    netip.Addr    `nl:"type=7"`
	IP      net.IP        `nl:"type=8"`
	Mac     [6]byte       `nl:"type=9"`
	Stats   *hxStats      `nl:"type=10,nested"`
	Inner   hxInner       `nl:"type=11,nested"`
	Nums    []uint32      `nl:"type=12,multi,maxlen=8"`
	Items   []hxInner     `nl:"type=13,multi,nested"`
	Arr     []hxInner     `nl:"type=14,array,nested"`
	Packed  []hxFixed     `nl:"type=15"`
	Kind    string        `nl:"type=16"`
	Data    hxLinkData    `nl:"type=17,selector=Kind"`
	Short   hxFixed       `nl:"type=18,minlen=4"`
	Custom  *hxCustom     `nl:"type=19"`
	Ptrs    []*hxStats    `nl:"type=20,multi,nested"`
	Unknown []nlattr.Attr `nl:"unknown"`
}

func init() {
	marshal.RegisterVariant[hxLinkData]("vlan", (*hxVlan)(nil))
	marshal.RegisterVariant[hxLinkData]("macvlan", (*hxMacvlan)(nil))
	marshal.RegisterVariant[hxLinkData]("blob", (*hxBlobData)(nil))
	marshal.RegisterVariant[hxEvent](uint32(1), (*hxForkMsg)(nil))
	marshal.RegisterVariant[hxEvent](uint32(2), (*hxExit)(nil))
	marshal.RegisterVariant[hxCEvent](uint32(1), (*hxFork)(nil))
}

// ---- building bytes by hand -------------------------------------------------

// hxH is a raw attribute header with the given nla_len and nla_type,
// followed by payload, without padding.
func hxH(nlaLen, typ uint16, payload ...byte) []byte {
	b := make([]byte, 4, 4+len(payload))
	binary.NativeEndian.PutUint16(b, nlaLen)
	binary.NativeEndian.PutUint16(b[2:], typ)
	return append(b, payload...)
}

// hxA is a well-formed attribute: header, payload, padding.
func hxA(typ uint16, payload ...byte) []byte {
	b := hxH(uint16(4+len(payload)), typ, payload...)
	return append(b, make([]byte, nlattr.Align(len(b))-len(b))...)
}

// hxN is a well-formed nested attribute holding parts.
func hxN(typ uint16, parts ...[]byte) []byte {
	return hxA(typ|nlattr.FlagNested, hxCat(parts...)...)
}

func hxCat(parts ...[]byte) []byte {
	var b []byte
	for _, p := range parts {
		b = append(b, p...)
	}
	return b
}

func hxU32(v uint32) []byte { return binary.NativeEndian.AppendUint32(nil, v) }

// ---- checking errors ---------------------------------------------------------

// hxWhere is what an error must say.
type hxWhere struct {
	path  string   // Error.FieldPath()
	attrs []uint16 // Error.Attrs
	off   int      // Error.Offset
	msg   string   // a substring of Error.Error()
}

// hxCheck asserts that err is an *marshal.Error wrapping sentinel and
// naming want.
func hxCheck(t *testing.T, err, sentinel error, want hxWhere) *marshal.Error {
	t.Helper()
	if err == nil {
		t.Fatalf("got no error, want one wrapping %q at %s", sentinel, want.path)
	}
	var e *marshal.Error
	if !errors.As(err, &e) {
		t.Fatalf("got %T (%v), want *marshal.Error", err, err)
	}
	if !errors.Is(err, sentinel) {
		t.Errorf("error %q does not wrap %q", err, sentinel)
	}
	if got := e.FieldPath(); got != want.path {
		t.Errorf("path: got %q, want %q (error %q)", got, want.path, err)
	}
	if diff := cmp.Diff(want.attrs, e.Attrs, cmpopts.EquateEmpty()); diff != "" {
		t.Errorf("attrs (-want +got):\n%s(error %q)", diff, err)
	}
	if e.Offset != want.off {
		t.Errorf("offset: got %d, want %d (error %q)", e.Offset, want.off, err)
	}
	if !strings.Contains(err.Error(), want.msg) {
		t.Errorf("error %q does not contain %q", err, want.msg)
	}
	return e
}

// hxDeep builds levels nested hxNode.Next attributes by hand, innermost
// holding inner.
func hxDeep(levels int, inner []byte) []byte {
	b := inner
	for range levels {
		b = append(hxH(uint16(4+len(b)), 2|nlattr.FlagNested), b...)
	}
	return b
}

// hxTwos is n attribute types 2, the Next field of hxNode.
func hxTwos(n int) []uint16 {
	a := make([]uint16, n)
	for i := range a {
		a[i] = 2
	}
	return a
}

// hxFinish runs f in a goroutine and fails if it does not return within
// limit: a hang must show up as a failure, not as a test-binary timeout.
func hxFinish(t *testing.T, limit time.Duration, f func()) time.Duration {
	t.Helper()
	done := make(chan time.Duration, 1)
	start := time.Now()
	go func() {
		f()
		done <- time.Since(start)
	}()
	select {
	case d := <-done:
		return d
	case <-time.After(limit):
		t.Fatalf("did not finish within %v", limit)
		return 0
	}
}

// ---- nesting depth -----------------------------------------------------------

// TestHostileDeepNesting decodes nesting as deep as 16-bit attribute
// lengths allow.
func TestHostileDeepNesting(t *testing.T) {
	const levels = 16000 // 4*16000+8 bytes: just under 0xffff for the outermost
	in := hxDeep(levels, hxA(1, hxU32(7)...))
	if len(in) > nlattr.MaxLen {
		t.Fatalf("input of %d bytes does not fit a 16-bit length", len(in))
	}

	var err error
	d := hxFinish(t, 30*time.Second, func() { err = marshal.Unmarshal(in, new(hxNode)) })
	// The attribute that is one level too deep is reported: its payload
	// starts after DefaultMaxDepth+1 headers of 4 bytes.
	const n = marshal.DefaultMaxDepth + 1
	wantPath := "hxNode" + strings.Repeat(".Next", n)
	hxCheck(t, err, marshal.ErrTooDeep, hxWhere{path: wantPath, attrs: hxTwos(n), off: 4 * n, msg: "more than 32 levels"})
	allocs := testing.AllocsPerRun(10, func() { _ = marshal.Unmarshal(in, new(hxNode)) })
	t.Logf("%d levels (%d bytes): ErrTooDeep after %v, %v allocs", levels, len(in), d, allocs)

	// With the limit lifted the whole chain decodes: no stack overflow,
	// and it encodes back to the same bytes.
	deep := marshal.Options{MaxDepth: levels + 1}
	var v hxNode
	d = hxFinish(t, 30*time.Second, func() { err = deep.Unmarshal(in, &v) })
	if err != nil {
		t.Fatalf("MaxDepth %d: %v", levels+1, err)
	}
	got, p := 0, &v
	for ; p.Next != nil; p = p.Next {
		got++
	}
	if got != levels || p.Val != 7 {
		t.Fatalf("decoded %d levels ending in Val %d, want %d ending in 7", got, p.Val, levels)
	}
	out, err := deep.Marshal(&v)
	if err != nil {
		t.Fatalf("re-encode: %v", err)
	}
	if !bytes.Equal(out, in) {
		t.Fatalf("re-encoding %d levels differs from the input", levels)
	}
	t.Logf("MaxDepth %d: decoded all %d levels in %v", levels+1, levels, d)

	// PathAt walks the same bytes without recursing without bound.
	hxFinish(t, 30*time.Second, func() {
		for _, off := range []int{0, 4, len(in) / 2, len(in) - 8, len(in) - 1} {
			if _, ok := marshal.PathAt(&v, in, off); !ok {
				t.Errorf("PathAt(%d) = false, want a path", off)
			}
			marshal.PathAt(&hxNode{}, in, off)
		}
	})
}

// TestHostileDeepErrorPathIsLinear: with a raised MaxDepth, an error found
// at the bottom of deep nesting must not cost more than the nesting did.
func TestHostileDeepErrorPathIsLinear(t *testing.T) {
	deep := marshal.Options{MaxDepth: 1 << 20}
	bad := hxA(1, 0, 0) // Val with 2 bytes: ErrBadLength at the bottom
	perByte := func(levels int) float64 {
		in := hxDeep(levels, bad)
		var err error
		bytesPerOp := hxBytesPerOp(3, func() { err = deep.Unmarshal(in, new(hxNode)) })
		if !errors.Is(err, marshal.ErrBadLength) {
			t.Fatalf("%d levels: got %v, want ErrBadLength", levels, err)
		}
		return bytesPerOp / float64(len(in))
	}
	small, large := perByte(250), perByte(2000)
	t.Logf("decode: bytes allocated per input byte: %.0f at 250 levels, %.0f at 2000 levels", small, large)

	// Encoding a cycle fails at MaxDepth the same way.
	self := &hxNode{Val: 1}
	self.Next = self
	perLevel := func(depth int) float64 {
		var err error
		bytesPerOp := hxBytesPerOp(3, func() { _, err = marshal.Options{MaxDepth: depth}.Marshal(self) })
		if !errors.Is(err, marshal.ErrTooDeep) {
			t.Fatalf("cycle at MaxDepth %d: got %v, want ErrTooDeep", depth, err)
		}
		return bytesPerOp / float64(depth)
	}
	encSmall, encLarge := perLevel(250), perLevel(2000)
	t.Logf("encode: bytes allocated per level: %.0f at MaxDepth 250, %.0f at MaxDepth 2000", encSmall, encLarge)

	if large > 4*small+64 || encLarge > 4*encSmall+64 {
		t.Skipf("BUG: the error path is quadratic in the nesting depth: each level prepends its name to a fresh copy of Error.Path and Error.Attrs (inField), "+
			"so with a raised MaxDepth a 64 KB input of 16000 levels with a bad innermost value allocates ~2.2 GB and takes seconds, "+
			"and encoding a pointer cycle with MaxDepth 4000 allocates ~156 MB; "+
			"decode: %.0f bytes per input byte at 2000 levels vs %.0f at 250; encode: %.0f bytes per level at 2000 vs %.0f at 250",
			large, small, encLarge, encSmall)
	}
}

// TestHostileDeepMaxDepthBoundary checks the exact boundary of
// Options.MaxDepth on encode and decode.
func TestHostileDeepMaxDepthBoundary(t *testing.T) {
	// Four nested levels below the top.
	v := &hxNode{Val: 1, Next: &hxNode{Val: 2, Next: &hxNode{Val: 3, Next: &hxNode{Val: 4, Next: &hxNode{Val: 5}}}}}
	in, err := marshal.Options{MaxDepth: 4}.Marshal(v)
	if err != nil {
		t.Fatalf("encode with MaxDepth 4: %v", err)
	}
	var got hxNode
	if err := (marshal.Options{MaxDepth: 4}).Unmarshal(in, &got); err != nil {
		t.Fatalf("decode with MaxDepth 4: %v", err)
	}
	if diff := cmp.Diff(v, &got); diff != "" {
		t.Errorf("decode with MaxDepth 4 (-want +got):\n%s", diff)
	}

	three := marshal.Options{MaxDepth: 3}
	_, err = three.Marshal(v)
	hxCheck(t, err, marshal.ErrTooDeep, hxWhere{path: "hxNode.Next.Next.Next.Next", attrs: []uint16{2, 2, 2, 2}, off: -1, msg: "more than 3 levels"})
	// Offsets: each level is a Val attribute (8 bytes) then the Next
	// header (4 bytes); the fourth Next's payload starts at 4*12.
	err = three.Unmarshal(in, new(hxNode))
	hxCheck(t, err, marshal.ErrTooDeep, hxWhere{path: "hxNode.Next.Next.Next.Next", attrs: []uint16{2, 2, 2, 2}, off: 48, msg: "more than 3 levels"})

	// The same boundary holds for arrays, which nest twice (the array and
	// each entry).
	tr := hxTree{Arr: []hxTree{{Arr: []hxTree{{}}}}} // 4 levels: arr, entry, arr, entry
	if _, err := (marshal.Options{MaxDepth: 4}).Marshal(&tr); err != nil {
		t.Fatalf("array tree with MaxDepth 4: %v", err)
	}
	_, err = three.Marshal(&tr)
	hxCheck(t, err, marshal.ErrTooDeep, hxWhere{path: "hxTree.Arr[0].Arr[0]", attrs: []uint16{2, 2}, off: -1, msg: "more than 3 levels"})
	tin, _ := marshal.Options{MaxDepth: 4}.Marshal(&tr)
	if err := (marshal.Options{MaxDepth: 4}).Unmarshal(tin, new(hxTree)); err != nil {
		t.Fatalf("decode array tree with MaxDepth 4: %v", err)
	}
	if err := three.Unmarshal(tin, new(hxTree)); !errors.Is(err, marshal.ErrTooDeep) {
		t.Fatalf("decode array tree with MaxDepth 3: got %v, want ErrTooDeep", err)
	}
}

// TestHostileDeepCycles encodes values that reach themselves.
func TestHostileDeepCycles(t *testing.T) {
	self := &hxNode{Val: 1}
	self.Next = self
	for _, o := range []marshal.Options{{}, {MaxDepth: 100}} {
		var err error
		hxFinish(t, 10*time.Second, func() { _, err = o.Marshal(self) })
		n := o.MaxDepth
		if n == 0 {
			n = marshal.DefaultMaxDepth
		}
		hxCheck(t, err, marshal.ErrTooDeep, hxWhere{path: "hxNode" + strings.Repeat(".Next", n+1), attrs: hxTwos(n + 1), off: -1, msg: "nesting too deep"})
	}

	buf := []byte("keep")
	out, err := marshal.Append(buf, self)
	if err == nil || string(out) != "keep" {
		t.Errorf("Append of a cycle: got %q, %v; want the buffer unchanged and an error", out, err)
	}

	// Cycles through a slice's backing array.
	kids := []hxTree{{}}
	kids[0].Kids = kids
	_, err = marshal.Marshal(&kids[0])
	if !errors.Is(err, marshal.ErrTooDeep) {
		t.Errorf("multi cycle: got %v, want ErrTooDeep", err)
	}
	arr := []hxTree{{}}
	arr[0].Arr = arr
	_, err = marshal.Marshal(&arr[0])
	if !errors.Is(err, marshal.ErrTooDeep) {
		t.Errorf("array cycle: got %v, want ErrTooDeep", err)
	}
}

// ---- lying lengths -----------------------------------------------------------

// TestHostileBadAttrLength feeds nla_len values below the header size,
// past the buffer, and 0xffff on a short buffer, at top level, inside a
// nested attribute and inside a nested pointer.
func TestHostileBadAttrLength(t *testing.T) {
	name := hxA(1, 'a', 'b', 0) // 8 bytes: the bad header comes after it
	u8 := hxA(1, 5)             // 8 bytes
	type layout struct {
		name string
		wrap func(bad []byte) []byte // places bad, returns the whole input
		path string
		attr []uint16
		off  int // of the bad header in the whole input
	}
	layouts := []layout{
		{"top", func(bad []byte) []byte { return hxCat(name, bad) }, "hxOuter", nil, 8},
		{"nested", func(bad []byte) []byte { return hxCat(name, hxN(2, u8, bad)) }, "hxOuter.In", []uint16{2}, 20},
		{"nested pointer", func(bad []byte) []byte { return hxCat(name, hxN(3, u8, bad)) }, "hxOuter.InP", []uint16{3}, 20},
	}
	type bad struct {
		name     string
		bytes    []byte
		sentinel error
		msg      string
	}
	var bads []bad
	for n := range 4 {
		bads = append(bads, bad{fmt.Sprintf("nla_len %d", n), hxH(uint16(n), 1, 0, 0, 0, 0), marshal.ErrBadLength, fmt.Sprintf("nla_len %d is below the header size", n)})
	}
	bads = append(bads,
		bad{"nla_len past the buffer", hxH(13, 1, 1, 2, 3, 4), marshal.ErrTruncated, "nla_len 13 runs past the 8 bytes left"},
		bad{"nla_len 0xffff", hxH(0xffff, 1, 1, 2, 3, 4), marshal.ErrTruncated, "nla_len 65535 runs past the 8 bytes left"},
		bad{"3 trailing bytes", []byte{8, 0, 1}, marshal.ErrTruncated, "3 bytes left"},
		bad{"1 trailing byte", []byte{8}, marshal.ErrTruncated, "1 bytes left"},
	)
	for _, l := range layouts {
		for _, b := range bads {
			t.Run(l.name+"/"+b.name, func(t *testing.T) {
				in := l.wrap(b.bytes)
				err := marshal.Unmarshal(in, new(hxOuter))
				hxCheck(t, err, b.sentinel, hxWhere{path: l.path, attrs: l.attr, off: l.off, msg: b.msg})
			})
		}
	}

	// A nested attribute whose own nla_len runs past the buffer is caught
	// before anything inside it is looked at.
	in := hxCat(name, hxH(0xffff, 2|nlattr.FlagNested), u8)
	hxCheck(t, marshal.Unmarshal(in, new(hxOuter)), marshal.ErrTruncated, hxWhere{path: "hxOuter", off: 8, msg: "nla_len 65535"})

	// An inner attribute may not run past its nest, even when the bytes
	// after the nest would cover it.
	in = hxCat(name, hxN(2, hxH(12, 1, 5, 0, 0, 0)), hxA(9, 1, 2, 3, 4))
	hxCheck(t, marshal.Unmarshal(in, new(hxOuter)), marshal.ErrTruncated, hxWhere{path: "hxOuter.In", attrs: []uint16{2}, off: 12, msg: "nla_len 12 runs past the 8 bytes left"})
}

// TestHostileWrongWidth gives every fixed-size kind a payload of the wrong
// size, at top level and inside nested attributes.
func TestHostileWrongWidth(t *testing.T) {
	cases := []struct {
		field string
		typ   uint16
		size  int
		msg   string
	}{
		{"U8", 1, 0, "want 1 bytes, got 0"},
		{"U8", 1, 2, "want 1 bytes, got 2"},
		{"U16", 2, 1, "want 2 bytes, got 1"},
		{"U16", 2, 4, "want 2 bytes, got 4"},
		{"U32", 3, 2, "want 4 bytes, got 2"},
		{"U32", 3, 8, "want 4 bytes, got 8"},
		{"U64", 4, 4, "want 8 bytes, got 4"},
		{"U64", 4, 16, "want 8 bytes, got 16"},
		{"Bool", 5, 4, "want 1 bytes, got 4"},
		{"Bool", 5, 0, "want 1 bytes, got 0"},
		{"Uint", 6, 2, "want 4 or 8 bytes, got 2"},
		{"Uint", 6, 6, "want 4 or 8 bytes, got 6"},
		{"Uint", 6, 16, "want 4 or 8 bytes, got 16"},
		{"Int", 7, 0, "want 4 or 8 bytes, got 0"},
		{"Int", 7, 5, "want 4 or 8 bytes, got 5"},
		{"Addr", 8, 6, "an IP address has 4 or 16 bytes, got 6"},
		{"Addr", 8, 0, "an IP address has 4 or 16 bytes, got 0"},
		{"IP", 9, 5, "an IP address has 4 or 16 bytes, got 5"},
		{"IP", 9, 17, "an IP address has 4 or 16 bytes, got 17"},
		{"Arr", 10, 5, "want 6 bytes, got 5"},
		{"Arr", 10, 0, "want 6 bytes, got 0"},
		{"Fixed", 11, 7, "want 8 bytes, got 7"},
		{"Flag", 12, 4, "a flag has no payload, got 4 bytes"},
		{"BE16", 13, 3, "want 2 bytes, got 3"},
		{"I8", 14, 4, "want 1 bytes, got 4"},
		{"I64", 15, 7, "want 8 bytes, got 7"},
	}
	pre := hxA(3, hxU32(9)...) // a valid U32 first: the bad one is at offset 8
	for _, c := range cases {
		payload := bytes.Repeat([]byte{0xa5}, c.size)
		bad := hxA(c.typ, payload...)
		t.Run(fmt.Sprintf("%s/%d", c.field, c.size), func(t *testing.T) {
			err := marshal.Unmarshal(hxCat(pre, bad), new(hxWidths))
			hxCheck(t, err, marshal.ErrBadLength, hxWhere{path: "hxWidths." + c.field, attrs: []uint16{c.typ}, off: 12, msg: "bad length: " + c.msg})

			// Inside In (attr 2) after Name (8 bytes): the nest's payload
			// starts at 12, the bad attribute's payload at 12+8+4.
			in := hxCat(hxA(1, 'a', 'b', 0), hxN(2, pre, bad))
			err = marshal.Unmarshal(in, new(hxOuter))
			hxCheck(t, err, marshal.ErrBadLength, hxWhere{path: "hxOuter.In." + c.field, attrs: []uint16{2, c.typ}, off: 24, msg: c.msg})

			in = hxCat(hxA(1, 'a', 'b', 0), hxN(3, pre, bad))
			err = marshal.Unmarshal(in, new(hxOuter))
			hxCheck(t, err, marshal.ErrBadLength, hxWhere{path: "hxOuter.InP." + c.field, attrs: []uint16{3, c.typ}, off: 24, msg: c.msg})
		})
	}

	// Longer fixed layouts are accepted, their tail ignored (the kernel
	// grows structs at their end); right-sized everything decodes.
	in := hxCat(hxA(10, 1, 2, 3, 4, 5, 6, 7, 8), hxA(11, bytes.Repeat([]byte{1}, 12)...), hxA(6, binary.NativeEndian.AppendUint64(nil, 1)...), hxA(12))
	var w hxWidths
	if err := marshal.Unmarshal(in, &w); err != nil {
		t.Fatalf("longer fixed layouts: %v", err)
	}
	if w.Arr != [6]byte{1, 2, 3, 4, 5, 6} || w.Fixed.A != 0x01010101 || !w.Flag || w.Uint != 1 {
		t.Errorf("decoded %+v", w)
	}
}

// TestHostileTruncatedHeaders cuts fixed headers and attribute bodies.
func TestHostileTruncatedHeaders(t *testing.T) {
	full, err := marshal.Marshal(&hxMsg{Hdr: hxHdr{Family: 2, Index: 7, Flags: 1}, Genl: hxGenl{Cmd: 3, Version: 1}, Name: "eth0", MTU: 1500})
	if err != nil {
		t.Fatal(err)
	}
	// Headers: 12 + 4 bytes, then Name (4+5 -> 12 bytes), then MTU (8).
	if len(full) != 16+12+8 {
		t.Fatalf("encoding is %d bytes, want 36", len(full))
	}
	for n := range 16 {
		err := marshal.Unmarshal(full[:n], new(hxMsg))
		if n < 12 {
			hxCheck(t, err, marshal.ErrTruncated, hxWhere{path: "hxMsg.Hdr", off: 0, msg: fmt.Sprintf("want 12 bytes, got %d", n)})
		} else {
			hxCheck(t, err, marshal.ErrTruncated, hxWhere{path: "hxMsg.Genl", off: 12, msg: fmt.Sprintf("want 4 bytes, got %d", n-12)})
		}
	}
	// Exactly the headers: no attributes, no error.
	if err := marshal.Unmarshal(full[:16], new(hxMsg)); err != nil {
		t.Errorf("headers only: %v", err)
	}
	// Cut inside an attribute: the header at 16 (Name) or 28 (MTU) runs
	// past the end. A cut inside MTU's header leaves fewer than 4 bytes.
	for n := 17; n < len(full); n++ {
		if n >= 25 && n <= 28 {
			continue // Name is whole: its padding may be missing
		}
		err := marshal.Unmarshal(full[:n], new(hxMsg))
		off := 16
		if n > 28 {
			off = 28
		}
		hxCheck(t, err, marshal.ErrTruncated, hxWhere{path: "hxMsg", off: off, msg: "truncated"})
	}

	// The same cuts inside a nested attribute: the nest's payload starts at
	// 8+4, so every offset moves by 12, and the path names the nest.
	for n := range 16 {
		in := hxCat(hxA(2, hxU32(1)...), hxN(1, full[:n]))
		err := marshal.Unmarshal(in, new(hxWrap))
		if n < 12 {
			hxCheck(t, err, marshal.ErrTruncated, hxWhere{path: "hxWrap.M.Hdr", attrs: []uint16{1}, off: 12, msg: fmt.Sprintf("want 12 bytes, got %d", n)})
		} else {
			hxCheck(t, err, marshal.ErrTruncated, hxWhere{path: "hxWrap.M.Genl", attrs: []uint16{1}, off: 24, msg: fmt.Sprintf("want 4 bytes, got %d", n-12)})
		}
	}
	in := hxCat(hxA(2, hxU32(1)...), hxN(1, full[:20]))
	hxCheck(t, marshal.Unmarshal(in, new(hxWrap)), marshal.ErrTruncated, hxWhere{path: "hxWrap.M", attrs: []uint16{1}, off: 12 + 16, msg: "runs past"})

	// A fixed layout at top level, cut short (its offset is checked in
	// TestHostileDecodeOffsetKnown).
	fb, _ := marshal.Marshal(&hxFixed{A: 1, B: 2, C: 3})
	for n := range 8 {
		err := marshal.Unmarshal(fb[:n], new(hxFixed))
		hxCheck(t, err, marshal.ErrBadLength, hxWhere{path: "hxFixed", off: hxOffset(err), msg: fmt.Sprintf("want 8 bytes, got %d", n)})
	}
}

// hxOffset returns the offset err carries.
func hxOffset(err error) int {
	var e *marshal.Error
	if errors.As(err, &e) {
		return e.Offset
	}
	return -2
}

// hxCounted has a multi field with an element count check.
type hxCounted struct {
	Nums []uint32 `nl:"type=1,multi,maxlen=2"`
}

type hxCountedWrap struct {
	C hxCounted `nl:"type=1,nested"`
}

// TestHostileDecodeOffsetKnown: every decode error says where it is; -1
// ("unknown") is for encoding.
func TestHostileDecodeOffsetKnown(t *testing.T) {
	var bugs []string
	fb, _ := marshal.Marshal(&hxFixed{A: 1, B: 2, C: 3})
	err := marshal.Unmarshal(fb[:5], new(hxFixed))
	if !errors.Is(err, marshal.ErrBadLength) {
		t.Fatalf("short fixed layout: %v", err)
	}
	if off := hxOffset(err); off != 0 {
		bugs = append(bugs, fmt.Sprintf("a top-level fixed layout cut short reports Offset %d, want 0 (decodePayload's errWidth gets no offset): "+
			"Unmarshal(%x, new(hxFixed)) = %q", off, fb[:5], err))
	}

	num := func(v uint32) []byte { return hxA(1, hxU32(v)...) }
	three := hxCat(num(1), num(2), num(3))
	err = marshal.Unmarshal(three, new(hxCounted))
	if !errors.Is(err, marshal.ErrCheck) || hxOffset(err) == -2 {
		t.Fatalf("three elements for maxlen=2: %v", err)
	}
	nested := hxOffset(marshal.Unmarshal(hxN(1, three), new(hxCountedWrap)))
	if off := hxOffset(err); off < 0 {
		bugs = append(bugs, fmt.Sprintf("a multi count check (maxlen=) failing at top level reports Offset %d, but %d (the nest's payload) one level down: "+
			"decodeAttrs passes -1 to inField; Unmarshal(%x, new(hxCounted)) = %q", off, nested, three, err))
	}
	if len(bugs) > 0 {
		t.Skip("BUG: " + strings.Join(bugs, "; "))
	}
}

// TestHostileRepeatedLies covers repeated fields whose input claims more
// than it holds.
func TestHostileRepeatedLies(t *testing.T) {
	num := func(v uint32) []byte { return hxA(1, hxU32(v)...) }

	// Three Nums, then a fourth claiming 0xffff bytes: the slice is sized
	// from what is present and the lie is an error at its header.
	in := hxCat(num(1), num(2), num(3), hxH(0xffff, 1, 4, 0, 0, 0))
	hxCheck(t, marshal.Unmarshal(in, new(hxMulti)), marshal.ErrTruncated, hxWhere{path: "hxMulti", off: 24, msg: "nla_len 65535 runs past the 8 bytes left"})

	// An Items nest that claims 0xfff0 bytes around one small element.
	in = hxCat(num(1), hxH(0xfff0, 2|nlattr.FlagNested), hxA(1, hxU32(1)...))
	hxCheck(t, marshal.Unmarshal(in, new(hxMulti)), marshal.ErrTruncated, hxWhere{path: "hxMulti", off: 8, msg: "nla_len 65520"})

	// An element of the wrong width, third of five.
	in = hxCat(num(1), num(2), hxA(1, 1, 2), num(4), num(5))
	hxCheck(t, marshal.Unmarshal(in, new(hxMulti)), marshal.ErrBadLength, hxWhere{path: "hxMulti.Nums[2]", attrs: []uint16{1}, off: 20, msg: "want 4 bytes, got 2"})

	// A nested element whose inner attribute lies.
	in = hxCat(hxN(2, hxA(1, hxU32(1)...)), hxN(2, hxA(1, hxU32(1)...), hxH(2, 2)))
	hxCheck(t, marshal.Unmarshal(in, new(hxMulti)), marshal.ErrBadLength, hxWhere{path: "hxMulti.Items[1]", attrs: []uint16{2}, off: 12 + 4 + 8, msg: "nla_len 2"})

	// Packed []uint32 of a length that is not a multiple of 4.
	for _, n := range []int{1, 2, 3, 5, 6, 7, 4093} {
		in := hxCat(num(1), hxA(3, make([]byte, n)...))
		hxCheck(t, marshal.Unmarshal(in, new(hxMulti)), marshal.ErrBadLength, hxWhere{path: "hxMulti.Packed", attrs: []uint16{3}, off: 12, msg: fmt.Sprintf("%d bytes is not a whole number of 4-byte elements", n)})
	}
	// Packed claiming 4000 elements with bytes for 2.
	in = hxCat(num(1), hxH(16004, 3, 1, 0, 0, 0, 2, 0, 0, 0))
	hxCheck(t, marshal.Unmarshal(in, new(hxMulti)), marshal.ErrTruncated, hxWhere{path: "hxMulti", off: 8, msg: "nla_len 16004"})

	// Arrays whose entries lie about their lengths: the error comes from
	// counting the entries, before anything is allocated.
	entry := func(i uint16, v uint32) []byte { return hxA(i, hxU32(v)...) }
	arrCases := []struct {
		name     string
		payload  []byte
		sentinel error
		path     string
		off      int // within the array's payload
		msg      string
	}{
		{"entry past the array", hxCat(entry(1, 1), hxH(0x100, 2, 0, 0, 0, 0)), marshal.ErrTruncated, "hxMulti.ArrN", 8, "nla_len 256 runs past the 8 bytes left"},
		{"entry of nla_len 0", hxCat(entry(1, 1), hxH(0, 2, 0, 0, 0, 0)), marshal.ErrBadLength, "hxMulti.ArrN", 8, "nla_len 0"},
		{"entry of nla_len 3", hxCat(entry(1, 1), entry(2, 2), hxH(3, 3, 0, 0, 0, 0)), marshal.ErrBadLength, "hxMulti.ArrN", 16, "nla_len 3"},
		{"entry cut in its header", hxCat(entry(1, 1), []byte{8, 0}), marshal.ErrTruncated, "hxMulti.ArrN", 8, "2 bytes left"},
		{"entry of the wrong width", hxCat(entry(1, 1), hxA(2, 1, 2), entry(3, 3)), marshal.ErrBadLength, "hxMulti.ArrN[1]", 12, "want 4 bytes, got 2"},
	}
	for _, c := range arrCases {
		t.Run(c.name, func(t *testing.T) {
			in := hxCat(num(7), hxN(5, c.payload))
			// The array's payload starts at 8+4.
			hxCheck(t, marshal.Unmarshal(in, new(hxMulti)), c.sentinel, hxWhere{path: c.path, attrs: []uint16{5}, off: 12 + c.off, msg: c.msg})
			allocs := testing.AllocsPerRun(20, func() { _ = marshal.Unmarshal(in, new(hxMulti)) })
			t.Logf("%v allocs", allocs)
		})
	}
	// A nested array entry whose inner attribute lies.
	in = hxN(4, hxN(1, hxA(1, hxU32(1)...)), hxN(2, hxA(2, 'x', 0), hxH(9, 1, 0, 0, 0, 0)))
	hxCheck(t, marshal.Unmarshal(in, new(hxMulti)), marshal.ErrTruncated, hxWhere{path: "hxMulti.Arr[1]", attrs: []uint16{4}, off: 4 + 12 + 4 + 8, msg: "nla_len 9"})
}

// hxMerge has the same attribute set as a value and behind a pointer.
type hxMerge struct {
	S  hxStats  `nl:"type=1,nested"`
	SP *hxStats `nl:"type=2,nested"`
}

// TestHostileRepeatedNested: "repeated nested sets are merged" (doc.go),
// whether the field is a struct or a pointer to one.
func TestHostileRepeatedNested(t *testing.T) {
	u64 := func(v uint64) []byte { return binary.NativeEndian.AppendUint64(nil, v) }
	in := hxCat(hxN(1, hxA(1, u64(1)...)), hxN(1, hxA(2, u64(2)...)),
		hxN(2, hxA(1, u64(1)...)), hxN(2, hxA(2, u64(2)...)))
	var v hxMerge
	if err := marshal.Unmarshal(in, &v); err != nil {
		t.Fatal(err)
	}
	want := hxStats{Packets: 1, Bytes: 2}
	if diff := cmp.Diff(want, v.S); diff != "" {
		t.Errorf("repeated nested struct (-want +got):\n%s", diff)
	}
	if v.SP == nil || *v.SP != want {
		t.Skipf("BUG: repeated nested sets are merged into a struct field but not into a pointer field: "+
			"decodeInto allocates a fresh value for every occurrence, so the last one wins (got %+v, want %+v); "+
			"each repeat also costs a new allocation", v.SP, want)
	}
}

// ---- encoding what does not fit -------------------------------------------------

// TestHostileTooLarge encodes attributes over 0xffff bytes.
func TestHostileTooLarge(t *testing.T) {
	big := func(n int) []byte { return bytes.Repeat([]byte{'x'}, n) }
	var arr70k [70000]byte
	cases := []struct {
		name string
		v    hxBig
		path string
		attr []uint16
	}{
		{"string", hxBig{S: string(big(0xffff))}, "hxBig.S", []uint16{1}},
		{"string just over", hxBig{S: string(big(0xffff - 4))}, "hxBig.S", []uint16{1}},
		{"bytes", hxBig{B: big(70000)}, "hxBig.B", []uint16{2}},
		{"bytes just over", hxBig{B: big(0xffff - 3)}, "hxBig.B", []uint16{2}},
		{"nested total", hxBig{N: &hxBlob{P1: big(40000), P2: big(40000)}}, "hxBig.N", []uint16{3}},
		{"nested member", hxBig{N: &hxBlob{P1: big(10), P2: big(70000)}}, "hxBig.N.P2", []uint16{3, 2}},
		{"multi element", hxBig{M: [][]byte{big(10), big(70000)}}, "hxBig.M[1]", []uint16{4}},
		{"array total", hxBig{A: [][]byte{big(40000), big(40000)}}, "hxBig.A", []uint16{5}},
		{"array entry", hxBig{A: [][]byte{big(1), big(0xffff)}}, "hxBig.A[1]", []uint16{5}},
		{"fixed array", hxBig{F: &arr70k}, "hxBig.F", []uint16{6}},
		{"sub-message total", hxBig{Kin: "blob", D: &hxBlobData{P: big(40000), Q: big(40000)}}, "hxBig.D", []uint16{8}},
		{"sub-message member", hxBig{Kin: "blob", D: &hxBlobData{P: big(70000)}}, "hxBig.D.P", []uint16{8, 1}},
		{"unknown", hxBig{U: []nlattr.Attr{{Type: 99, Data: big(1)}, {Type: 100, Data: big(0xffff)}}}, "hxBig.U[1]", []uint16{100}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			prefix := make([]byte, 5, 1<<18)
			copy(prefix, "hello")
			out, err := marshal.Append(prefix, &c.v)
			hxCheck(t, err, marshal.ErrTooLarge, hxWhere{path: c.path, attrs: c.attr, off: -1, msg: "larger than 65535"})
			if len(out) != 5 || &out[0] != &prefix[0] || string(out) != "hello" {
				t.Errorf("Append on error returned %d bytes %q..., want the buffer unchanged", len(out), out[:min(len(out), 8)])
			}
			if out, err := marshal.Marshal(c.v); err == nil || out != nil {
				t.Errorf("Marshal by value: got %d bytes, %v; want nil and an error", len(out), err)
			}
		})
	}

	// Exactly 0xffff bytes fits, and decodes back.
	for _, v := range []hxBig{{S: string(big(0xffff - 5))}, {B: big(0xffff - 4)}} {
		b, err := marshal.Marshal(&v)
		if err != nil {
			t.Fatalf("attribute of exactly 0xffff bytes: %v", err)
		}
		longest := 0
		for it := nlattr.NewIter(b); it.Next(); {
			longest = max(longest, nlattr.HeaderLen+len(it.Data()))
		}
		if longest != 0xffff {
			t.Errorf("longest nla_len %#x, want 0xffff", longest)
		}
		var back hxBig
		if err := marshal.Unmarshal(b, &back); err != nil {
			t.Fatalf("decode attribute of 0xffff bytes: %v", err)
		}
		if len(back.S) != len(v.S) || len(back.B) != len(v.B) {
			t.Errorf("decoded %d/%d bytes, want %d/%d", len(back.S), len(back.B), len(v.S), len(v.B))
		}
	}
}

// ---- sub-messages ---------------------------------------------------------------

// TestHostileVariant covers selectors with no registered variant and
// variants that disagree with their selector.
func TestHostileVariant(t *testing.T) {
	kind := func(s string) []byte { return hxA(1, append([]byte(s), 0)...) }
	data := hxN(2, hxA(1, 5, 0), hxA(2, 0, 1))

	// The data attribute comes first: it must wait for the selector.
	in := hxCat(data, kind("vlan"))
	var li hxLinkInfo
	if err := marshal.Unmarshal(in, &li); err != nil {
		t.Fatalf("registered variant: %v", err)
	}
	if diff := cmp.Diff(hxLinkInfo{Kind: "vlan", Data: &hxVlan{ID: 5, Proto: 1}}, li); diff != "" {
		t.Errorf("registered variant (-want +got):\n%s", diff)
	}

	in = hxCat(kind("bogus"), data)
	// Ignored by default.
	if err := marshal.Unmarshal(in, &li); err != nil || li.Data != nil || li.Kind != "bogus" {
		t.Errorf("unregistered variant, no unknown field: %+v, %v; want it ignored", li, err)
	}
	// Collected where there is an unknown field.
	var lu hxLinkInfoU
	if err := marshal.Unmarshal(in, &lu); err != nil {
		t.Fatalf("unregistered variant with an unknown field: %v", err)
	}
	want := hxLinkInfoU{Kind: "bogus", Unknown: []nlattr.Attr{{Type: 2, Flags: nlattr.FlagNested, Data: data[4:]}}}
	if diff := cmp.Diff(want, lu); diff != "" {
		t.Errorf("unregistered variant collected (-want +got):\n%s", diff)
	}
	// And it survives a round trip.
	if out, err := marshal.Marshal(&lu); err != nil || !bytes.Equal(out, in) {
		t.Errorf("re-encoding the collected variant: %x, %v; want %x", out, err, in)
	}
	// DiscardUnknown drops it even then.
	if err := (marshal.Options{Unknown: marshal.DiscardUnknown}).Unmarshal(in, &lu); err != nil || lu.Unknown != nil || lu.Data != nil {
		t.Errorf("DiscardUnknown: %+v, %v", lu, err)
	}
	// RejectUnknown makes it an error naming the field and the attribute.
	reject := marshal.Options{Unknown: marshal.RejectUnknown}
	for _, v := range []any{new(hxLinkInfo), new(hxLinkInfoU)} {
		err := reject.Unmarshal(in, v)
		name := reflect.TypeOf(v).Elem().Name()
		if !errors.Is(err, marshal.ErrUnknownAttribute) && !errors.Is(err, marshal.ErrVariant) {
			t.Errorf("RejectUnknown into %s: got %v, want ErrUnknownAttribute or ErrVariant", name, err)
			continue
		}
		hxCheck(t, err, err.(*marshal.Error).Err, hxWhere{path: name + ".Data", attrs: []uint16{2}, off: 12, msg: "type 2"})
	}
	// No selector at all: the same as an unregistered one.
	if err := marshal.Unmarshal(data, &li); err != nil || li.Data != nil {
		t.Errorf("variant with no selector: %+v, %v", li, err)
	}
	// A registered variant whose payload is bad is an error inside it.
	in = hxCat(kind("vlan"), hxN(2, hxA(1, 5, 0, 0, 0)))
	hxCheck(t, marshal.Unmarshal(in, &li), marshal.ErrBadLength, hxWhere{path: "hxLinkInfo.Data.ID", attrs: []uint16{2, 1}, off: 12 + 4 + 4, msg: "want 2 bytes, got 4"})

	// Encoding: the value's type must be the one the selector names.
	encCases := []struct {
		name string
		v    hxLinkInfo
		msg  string
	}{
		{"other registered type", hxLinkInfo{Kind: "vlan", Data: &hxMacvlan{Mode: 1}}, `Kind is "vlan", but the field holds *marshal_test.hxMacvlan, registered for "macvlan"`},
		{"selector unregistered", hxLinkInfo{Kind: "bogus", Data: &hxVlan{}}, `Kind is "bogus"`},
		{"empty selector", hxLinkInfo{Data: &hxVlan{}}, `Kind is ""`},
		{"type unregistered", hxLinkInfo{Kind: "vlan", Data: &hxRogue{}}, "*marshal_test.hxRogue is not registered"},
	}
	for _, c := range encCases {
		buf := []byte{1, 2, 3}
		out, err := marshal.Append(buf, &c.v)
		hxCheck(t, err, marshal.ErrVariant, hxWhere{path: "hxLinkInfo.Data", attrs: []uint16{2}, off: -1, msg: c.msg})
		if !bytes.Equal(out, []byte{1, 2, 3}) {
			t.Errorf("%s: Append returned %x, want the buffer unchanged", c.name, out)
		}
	}

	// The body form: the header selects; an unknown selector is ignored,
	// or an error with RejectUnknown.
	body := hxCat(hxU32(9), hxU32(8), hxU32(1), hxU32(2))
	var ev hxEvMsg
	if err := marshal.Unmarshal(body, &ev); err != nil || ev.Ev != nil || ev.Hdr.What != 9 {
		t.Errorf("body with unregistered selector: %+v, %v", ev, err)
	}
	hxCheck(t, reject.Unmarshal(body, &ev), marshal.ErrVariant, hxWhere{path: "hxEvMsg.Ev", off: 8, msg: "Hdr.What is 9"})
	body = hxCat(hxU32(1), hxU32(8), hxU32(1))
	hxCheck(t, marshal.Unmarshal(body, &ev), marshal.ErrTruncated, hxWhere{path: "hxEvMsg.Ev.F", off: 8, msg: "want 8 bytes, got 4"})
	_, err := marshal.Marshal(&hxEvMsg{Hdr: hxEvHdr{What: 2}, Ev: &hxForkMsg{}})
	hxCheck(t, err, marshal.ErrVariant, hxWhere{path: "hxEvMsg.Ev", off: -1, msg: "Hdr.What is 2"})
}

// TestHostileVariantFixedLayout: a sub-message may be a fixed layout (the
// doc's own example, a proc connector event chosen by its what field, is a
// C struct), and a short one is ErrBadLength naming the field.
func TestHostileVariantFixedLayout(t *testing.T) {
	if err := marshal.Check(reflect.TypeFor[hxCMsg]()); err != nil {
		t.Skipf("BUG: a fixed-layout variant cannot be registered: variantSet compiles every variant with tag{nested: true}, "+
			"and compileValue rejects nested on anything but an attribute set, so every type with a field of the interface fails to plan: %v", err)
	}
	in := hxCat(hxU32(1), hxU32(8), hxU32(3), hxU32(4))
	var m hxCMsg
	if err := marshal.Unmarshal(in, &m); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(hxCMsg{Hdr: hxEvHdr{What: 1, Len: 8}, Ev: &hxFork{Parent: 3, Child: 4}}, m); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
	hxCheck(t, marshal.Unmarshal(in[:12], &m), marshal.ErrBadLength, hxWhere{path: "hxCMsg.Ev", off: 8, msg: "want 8 bytes, got 4"})
}

// ---- never panics ----------------------------------------------------------------

// hxSentinels are the errors a decode may wrap.
var hxSentinels = []error{marshal.ErrTruncated, marshal.ErrBadLength, marshal.ErrTooDeep, marshal.ErrCheck, marshal.ErrUnknownAttribute, marshal.ErrVariant}

// hxSeeds are valid values of several types; their encodings are mutated.
func hxSeeds() []any {
	five := &hxNode{Val: 1, Next: &hxNode{Val: 2, Next: &hxNode{Next: &hxNode{Val: 4}}}}
	return []any{
		&hxRich{
			Hdr:  hxHdr{Family: 10, Index: 3, Flags: 0x1003},
			Name: "eth0", MTU: 1500, Flags: 0x8001, Up: true, Speed: 1 << 33, Delta: -5,
			Addr: netip.MustParseAddr("fe80::1"), IP: net.IPv4(10, 0, 0, 1).To4(), Mac: [6]byte{2, 0, 0, 0, 0, 1},
			Stats:  &hxStats{Packets: 10, Bytes: 1000, Drops: 3},
			Inner:  hxInner{A: 1, B: "in"},
			Nums:   []uint32{1, 2, 3},
			Items:  []hxInner{{A: 1, B: "a"}, {A: 2}},
			Arr:    []hxInner{{B: "x"}, {A: 9}},
			Packed: []hxFixed{{1, 2, 3}, {4, 5, 6}},
			Kind:   "vlan", Data: &hxVlan{ID: 100, Proto: 0x8100},
			Short:   hxFixed{A: 5},
			Custom:  &hxCustom{b: []byte{1, 2, 3}},
			Ptrs:    []*hxStats{{Packets: 1}, {Drops: 2}},
			Unknown: []nlattr.Attr{{Type: 99, Data: []byte{1, 2}}, {Type: 98, Flags: nlattr.FlagNested, Data: hxA(1, 0, 0, 0, 0)}},
		},
		&hxWidths{U8: 1, U16: 2, U32: 3, U64: 4, Bool: true, Uint: 6, Int: -7, Addr: netip.MustParseAddr("1.2.3.4"), IP: net.ParseIP("::1"),
			Arr: [6]byte{1, 2, 3}, Fixed: hxFixed{1, 2, 3}, Flag: true, BE16: 13, I8: -14, I64: -15},
		&hxOuter{Name: "o", In: hxWidths{U32: 1, Addr: netip.MustParseAddr("::2")}, InP: &hxWidths{IP: net.IPv4(1, 1, 1, 1)}},
		&hxMsg{Hdr: hxHdr{Family: 1}, Genl: hxGenl{Cmd: 2}, Name: "m", MTU: 9000},
		&hxMulti{Nums: []uint32{1, 2}, Items: []hxInner{{A: 1}}, Packed: []uint32{3, 4}, Arr: []hxInner{{B: "y"}}, ArrN: []uint32{5, 6, 7}},
		&hxLinkInfoU{Kind: "macvlan", Data: &hxMacvlan{Mode: 4}},
		&hxEvMsg{Hdr: hxEvHdr{What: 2, Len: 16}, Ev: &hxExit{PID: 1, Code: -1}},
		&hxEvMsg{Hdr: hxEvHdr{What: 1, Len: 8}, Ev: &hxForkMsg{F: hxFork{Parent: 1, Child: 2}}},
		five,
		&hxTree{Kids: []hxTree{{Arr: []hxTree{{}, {Kids: []hxTree{{}}}}}}},
	}
}

var hxOptions = []marshal.Options{{}, {Unknown: marshal.RejectUnknown}, {Unknown: marshal.DiscardUnknown}, {MaxDepth: 1}}

// hxDecode unmarshals in into a new value of the type of seed under o,
// turning a panic into a test failure, and checks the error it returns.
func hxDecode(t *testing.T, o marshal.Options, seed any, in []byte, what string) (v any, err error) {
	t.Helper()
	typ := reflect.TypeOf(seed).Elem()
	v = reflect.New(typ).Interface()
	func() {
		defer func() {
			if r := recover(); r != nil {
				err = fmt.Errorf("panic: %v", r)
				t.Fatalf("%s %s under %+v: Unmarshal(%x) panicked: %v", typ.Name(), what, o, in, r)
			}
		}()
		err = o.Unmarshal(in, v)
	}()
	if err == nil {
		return v, nil
	}
	var e *marshal.Error
	if !errors.As(err, &e) {
		t.Fatalf("%s %s: Unmarshal(%x) returned %T %v, want *marshal.Error", typ.Name(), what, in, err, err)
	}
	known := false
	for _, s := range hxSentinels {
		known = known || errors.Is(err, s)
	}
	if !known || len(e.Path) == 0 || e.Path[0] != typ.Name() || e.Offset > len(in) {
		t.Fatalf("%s %s: Unmarshal(%x) returned %q (path %q, offset %d): want a known sentinel, a path starting at the type, an offset within the input",
			typ.Name(), what, in, err, e.Path, e.Offset)
	}
	return v, err
}

// hxReencode marshals a decoded value and decodes it again: neither may
// panic, and a value that decoded and encoded must decode again.
func hxReencode(t *testing.T, o marshal.Options, v any, in []byte, what string) {
	t.Helper()
	var out []byte
	var err error
	func() {
		defer func() {
			if r := recover(); r != nil {
				t.Fatalf("%T %s: Marshal of the value decoded from %x panicked: %v", v, what, in, r)
			}
		}()
		out, err = o.Marshal(v)
	}()
	if err != nil {
		return
	}
	if _, err := hxDecode(t, o, v, out, what+" re-encoded"); err != nil {
		t.Errorf("%T %s: decoded %x, encoded %x, which does not decode: %v", v, what, in, out, err)
	}
}

// TestHostileNeverPanics runs Unmarshal over every single-byte change and
// every truncation of valid encodings, under several options.
func TestHostileNeverPanics(t *testing.T) {
	// Every byte value under the default options (a few in -short mode),
	// a few values under the others.
	var all []byte
	for b := range 256 {
		all = append(all, byte(b))
	}
	few := []byte{0x00, 0x01, 0x03, 0x04, 0x05, 0x7f, 0x80, 0xfe, 0xff}
	for _, seed := range hxSeeds() {
		typ := reflect.TypeOf(seed).Elem().Name()
		t.Run(typ, func(t *testing.T) {
			enc, err := marshal.Marshal(seed)
			if err != nil {
				t.Fatalf("seed: %v", err)
			}
			if _, err := hxDecode(t, marshal.Options{}, seed, enc, "seed"); err != nil {
				t.Fatalf("seed does not decode: %v", err)
			}
			runs, fails := 0, 0
			for oi, o := range hxOptions {
				values := few
				if oi == 0 && !testing.Short() {
					values = all
				}
				for n := range len(enc) {
					v, err := hxDecode(t, o, seed, enc[:n], fmt.Sprintf("cut to %d", n))
					if err == nil {
						hxReencode(t, o, v, enc[:n], fmt.Sprintf("cut to %d", n))
					} else {
						fails++
					}
					runs++
				}
				mut := bytes.Clone(enc)
				for i := range enc {
					for _, b := range values {
						if b == enc[i] {
							continue
						}
						mut[i] = b
						what := fmt.Sprintf("byte %d set to %#x", i, b)
						v, err := hxDecode(t, o, seed, mut, what)
						if err == nil {
							hxReencode(t, o, v, mut, what)
						} else {
							fails++
						}
						runs++
					}
					mut[i] = enc[i]
				}
				// PathAt on every offset of every truncation.
				for n := range len(enc) + 1 {
					for off := -1; off <= n; off++ {
						marshal.PathAt(seed, enc[:n], off)
					}
				}
			}
			t.Logf("%d bytes: %d decodes, %d errors", len(enc), runs, fails)
		})
	}
}

// TestHostileNeverPanicsPathAt runs PathAt over single-byte changes.
func TestHostileNeverPanicsPathAt(t *testing.T) {
	for _, seed := range hxSeeds() {
		enc, err := marshal.Marshal(seed)
		if err != nil {
			t.Fatal(err)
		}
		mut := bytes.Clone(enc)
		for i := range enc {
			for _, b := range []byte{0, 1, 4, 0x80, 0xff, enc[i] ^ 0x80, enc[i] + 4} {
				mut[i] = b
				for off := -1; off <= len(enc); off++ {
					if off%8 != 0 && (off < i-4 || off > i+4) {
						continue // every 8th offset, and all near the change
					}
					func() {
						defer func() {
							if r := recover(); r != nil {
								t.Fatalf("%T: PathAt(%x, %d) panicked: %v", seed, mut, off, r)
							}
						}()
						marshal.PathAt(seed, mut, off)
					}()
				}
			}
			mut[i] = enc[i]
		}
	}
}

// ---- allocation bounds ----------------------------------------------------------------

// hxBytesPerOp returns the bytes allocated per call of f, from the
// runtime's TotalAlloc over runs calls.
func hxBytesPerOp(runs int, f func()) float64 {
	f() // warm up: plans, caches
	runtime.GC()
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	for range runs {
		f()
	}
	runtime.ReadMemStats(&after)
	return float64(after.TotalAlloc-before.TotalAlloc) / float64(runs)
}

// TestHostileAllocBound decodes inputs whose lengths claim large sizes,
// and inputs that hold many small items: the bytes allocated must stay
// within a small constant times the input's length.
func TestHostileAllocBound(t *testing.T) {
	axSkipInstrumented(t)
	repeat := func(n int, b []byte) []byte { return bytes.Repeat(b, n) }
	const perByte, slack = 16, 4096 // bound: perByte*len(input) + slack
	const unknownBug = "BUG: the unknown field is grown by append, one attribute at a time, not sized from the attributes present as multi slices are: " +
		"every unknown attribute costs its nlattr.Attr (32 bytes) several times over"
	cases := []struct {
		name string
		in   []byte
		v    func() any
		bug  string
	}{
		{"claim 0xffff at top", hxH(0xffff, 1, 1, 2, 3, 4), func() any { return new(hxMulti) }, ""},
		{"claim 0xffff packed", hxCat(hxA(1, hxU32(1)...), hxH(0xffff, 3, 1, 2, 3, 4)), func() any { return new(hxMulti) }, ""},
		{"claim 0xffff nested", hxH(0xffff, 2|nlattr.FlagNested, hxA(1, hxU32(1)...)...), func() any { return new(hxMulti) }, ""},
		{"claim 0xffff in array", hxN(4, hxA(1, hxU32(1)...), hxH(0xffff, 2)), func() any { return new(hxMulti) }, ""},
		{"claim 0xffff in nested array entry", hxN(4, hxN(1, hxH(0xfff0, 1))), func() any { return new(hxMulti) }, ""},
		{"claim 0xffff string", hxH(0xffff, 1, 'a', 'b'), func() any { return new(hxOuter) }, ""},
		{"16000 empty array entries", hxCat(hxH(4+4*16000, 4|nlattr.FlagNested), repeat(16000, hxH(4, 1))), func() any { return new(hxMulti) }, ""},
		{"8000 multi elements", repeat(8000, hxA(1, hxU32(1)...)), func() any { return new(hxMulti) }, ""},
		{"8000 multi elements, one bad at the end", hxCat(repeat(7999, hxA(1, hxU32(1)...)), hxA(1, 1)), func() any { return new(hxMulti) }, ""},
		{"16000 empty nested elements", repeat(16000, hxH(4, 2|nlattr.FlagNested)), func() any { return new(hxMulti) }, ""},
		{"16000 empty unknown attributes", repeat(16000, hxH(4, 77)), func() any { return new(hxLinkInfoU) }, unknownBug},
		{"8000 one-byte unknown attributes", repeat(8000, hxA(77, 1)), func() any { return new(hxLinkInfoU) }, unknownBug},
		{"8000 repeated strings", repeat(8000, hxA(1, 'a', 'b', 'c', 0)), func() any { return new(hxOuter) }, ""},
		{"8000 repeated nested pointers", repeat(8000, hxN(3, hxA(3, hxU32(1)...))), func() any { return new(hxOuter) }, ""},
		{"deep nesting", hxDeep(16000, nil), func() any { return new(hxNode) }, ""},
		{"4000 packed elements", hxA(3, make([]byte, 16000)...), func() any { return new(hxMulti) }, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var err error
			allocs := testing.AllocsPerRun(5, func() { err = marshal.Unmarshal(c.in, c.v()) })
			per := hxBytesPerOp(5, func() { _ = marshal.Unmarshal(c.in, c.v()) })
			limit := float64(perByte*len(c.in) + slack)
			t.Logf("%d input bytes: %v allocs, %.0f bytes allocated (%.2f per input byte); err %v", len(c.in), allocs, per, per/float64(len(c.in)), err)
			if per > limit && c.bug != "" {
				t.Skipf("%s: %.0f bytes allocated for %d input bytes, over the bound %.0f", c.bug, per, len(c.in), limit)
			}
			if per > limit {
				t.Errorf("allocated %.0f bytes for %d input bytes, over the bound %.0f", per, len(c.in), limit)
			}
		})
	}
}
