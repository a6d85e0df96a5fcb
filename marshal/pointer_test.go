package marshal

// pointer_unsafe.go is the package's only use of unsafe. These tests check
// every typed accessor against the plain reflect path
// (reflect.Value.Field(i)...): reading random values of zoo-like types
// through pointer.add(field offset) and the accessor gives what reflect
// gives, and a write through the accessor is what reflect (and Go) then
// sees. They also check that the offsets in built plans address the fields
// reflect names. Run them with -race too: checkptr then validates every
// unsafe conversion.

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"net"
	"net/netip"
	"reflect"
	"testing"
	"unsafe"

	"pgregory.net/rapid"

	"github.com/nlstruct/nlstruct/nlattr"
)

// ptIface is implemented by *ptInner, as sub-message variants are.
type ptIface interface{ ptMethod() }

type ptInner struct {
	A uint16
	B int64
	C string
}

func (*ptInner) ptMethod() {}

// ptOther is a second implementation of ptIface.
type ptOther struct{ X uint32 }

func (*ptOther) ptMethod() {}

// ptFixed is a fixed layout with no hidden padding (24 bytes).
type ptFixed struct {
	A uint32
	B uint16
	C [2]uint8
	D uint64
	E int32
	F bool
	G [3]int8
}

type (
	ptU8    uint8
	ptI16   int16
	ptNamed uint32
	ptInt   int
)

// ptZoo has a field of every shape the codecs reach through a pointer.
type ptZoo struct {
	U8    uint8
	I8    int8
	U16   uint16
	I16   int16
	U32   uint32
	I32   int32
	U64   uint64
	I64   int64
	Uint  uint
	Int   int
	B     bool
	S     string
	Bs    []byte
	HW    net.HardwareAddr
	IP    net.IP
	Addr  netip.Addr
	Attrs []nlattr.Attr
	P     *uint32
	PS    *ptInner
	In    ptInner
	Arr   [5]uint16
	Sl    []uint32
	SlS   []ptInner
	SlP   []*ptInner
	Iface ptIface
	Fix   ptFixed
	NU8   ptU8
	NI16  ptI16
	Named ptNamed
	NInt  ptInt
	Tail  uint8 // unaligned position after a uint32
}

func genPtInner(t *rapid.T, label string) ptInner {
	return ptInner{
		A: rapid.Uint16().Draw(t, label+".A"),
		B: rapid.Int64().Draw(t, label+".B"),
		C: rapid.String().Draw(t, label+".C"),
	}
}

func genPtFixed(t *rapid.T) ptFixed {
	return ptFixed{
		A: rapid.Uint32().Draw(t, "Fix.A"), B: rapid.Uint16().Draw(t, "Fix.B"),
		C: [2]uint8{rapid.Uint8().Draw(t, "Fix.C0"), rapid.Uint8().Draw(t, "Fix.C1")},
		D: rapid.Uint64().Draw(t, "Fix.D"), E: rapid.Int32().Draw(t, "Fix.E"), F: rapid.Bool().Draw(t, "Fix.F"),
		G: [3]int8{rapid.Int8().Draw(t, "Fix.G0"), rapid.Int8().Draw(t, "Fix.G1"), rapid.Int8().Draw(t, "Fix.G2")},
	}
}

func ptMaybeNil[T any](t *rapid.T, label string, s []T) []T {
	if rapid.Bool().Draw(t, label+".nil") {
		return nil
	}
	if s == nil {
		s = []T{}
	}
	return s
}

func genPtZoo(t *rapid.T) *ptZoo {
	z := &ptZoo{
		U8: rapid.Uint8().Draw(t, "U8"), I8: rapid.Int8().Draw(t, "I8"),
		U16: rapid.Uint16().Draw(t, "U16"), I16: rapid.Int16().Draw(t, "I16"),
		U32: rapid.Uint32().Draw(t, "U32"), I32: rapid.Int32().Draw(t, "I32"),
		U64: rapid.Uint64().Draw(t, "U64"), I64: rapid.Int64().Draw(t, "I64"),
		Uint: rapid.Uint().Draw(t, "Uint"), Int: rapid.Int().Draw(t, "Int"),
		B: rapid.Bool().Draw(t, "B"), S: rapid.String().Draw(t, "S"),
		Bs:  ptMaybeNil(t, "Bs", rapid.SliceOf(rapid.Byte()).Draw(t, "Bs")),
		HW:  ptMaybeNil(t, "HW", rapid.SliceOfN(rapid.Byte(), 0, 8).Draw(t, "HW")),
		IP:  ptMaybeNil(t, "IP", rapid.SliceOfN(rapid.Byte(), 4, 4).Draw(t, "IP")),
		In:  genPtInner(t, "In"),
		Sl:  ptMaybeNil(t, "Sl", rapid.SliceOf(rapid.Uint32()).Draw(t, "Sl")),
		Fix: genPtFixed(t),
		NU8: ptU8(rapid.Uint8().Draw(t, "NU8")), NI16: ptI16(rapid.Int16().Draw(t, "NI16")),
		Named: ptNamed(rapid.Uint32().Draw(t, "Named")), NInt: ptInt(rapid.Int().Draw(t, "NInt")),
		Tail: rapid.Uint8().Draw(t, "Tail"),
	}
	if rapid.Bool().Draw(t, "Addr.valid") {
		z.Addr = netip.AddrFrom16([16]byte(rapid.SliceOfN(rapid.Byte(), 16, 16).Draw(t, "Addr")))
		if rapid.Bool().Draw(t, "Addr.zone") {
			z.Addr = z.Addr.WithZone("eth0")
		}
	}
	for i, n := 0, rapid.IntRange(-1, 3).Draw(t, "Attrs.n"); i < n; i++ {
		z.Attrs = append(z.Attrs, nlattr.Attr{Type: rapid.Uint16().Draw(t, "Attr.Type"), Data: rapid.SliceOf(rapid.Byte()).Draw(t, "Attr.Data")})
	}
	if rapid.Bool().Draw(t, "P.set") {
		z.P = new(uint32)
		*z.P = rapid.Uint32().Draw(t, "P")
	}
	if rapid.Bool().Draw(t, "PS.set") {
		in := genPtInner(t, "PS")
		z.PS = &in
	}
	for i := range z.Arr {
		z.Arr[i] = rapid.Uint16().Draw(t, "Arr")
	}
	for i, n := 0, rapid.IntRange(-1, 3).Draw(t, "SlS.n"); i < n; i++ {
		z.SlS = append(z.SlS, genPtInner(t, "SlS"))
	}
	for i, n := 0, rapid.IntRange(-1, 3).Draw(t, "SlP.n"); i < n; i++ {
		in := genPtInner(t, "SlP")
		z.SlP = append(z.SlP, &in)
	}
	if rapid.Bool().Draw(t, "Iface.set") {
		in := genPtInner(t, "Iface")
		z.Iface = &in
	}
	return z
}

// ptField returns the accessor's view of field name of *z, and reflect's.
func ptField(z *ptZoo, name string) (pointer, reflect.Value) {
	sf, ok := reflect.TypeFor[ptZoo]().FieldByName(name)
	if !ok {
		panic("no field " + name)
	}
	rv := reflect.ValueOf(z)
	return pointerOf(rv).add(sf.Offset), rv.Elem().FieldByIndex(sf.Index)
}

func TestPointerReadsMatchReflect(t *testing.T) {
	rapid.Check(t, func(rt *rapid.T) {
		z := genPtZoo(rt)
		fail := func(field string, got, want any) {
			rt.Helper()
			rt.Fatalf("%s: accessor reads %v, reflect %v", field, got, want)
		}
		base := pointerOf(reflect.ValueOf(z))
		if base.isNil() || !(pointer{}).isNil() {
			rt.Fatal("isNil")
		}
		if base.p != unsafe.Pointer(z) {
			rt.Fatal("pointerOf does not hold the struct's address")
		}
		// pointerOfAny: the data word of an interface holding a pointer.
		if pointerOfAny(z).p != unsafe.Pointer(z) || pointerOfAny(z.PS).p != unsafe.Pointer(z.PS) {
			rt.Fatal("pointerOfAny does not hold the pointer")
		}
		if z.Iface != nil && pointerOfAny(z.Iface).p != unsafe.Pointer(z.Iface.(*ptInner)) {
			rt.Fatal("pointerOfAny of an interface value does not hold its pointer")
		}
		// Every field: add(offset) is the field's address.
		rv := reflect.ValueOf(z).Elem()
		for i := range rv.NumField() {
			sf := rv.Type().Field(i)
			if got, want := base.add(sf.Offset).p, rv.Field(i).Addr().UnsafePointer(); got != want {
				rt.Fatalf("%s: add(%d) = %p, field at %p", sf.Name, sf.Offset, got, want)
			}
		}
		// Integers of every width and sign, named or not; readInt
		// sign-extends signed kinds as RegisterVariant stores keys.
		type intCase struct {
			name string
			read func(p pointer) uint64
		}
		u8 := func(p pointer) uint64 { return uint64(*p.u8()) }
		u16 := func(p pointer) uint64 { return uint64(*p.u16()) }
		u32 := func(p pointer) uint64 { return uint64(*p.u32()) }
		u64 := func(p pointer) uint64 { return *p.u64() }
		word := u64
		if ptrSize == 4 {
			word = u32
		}
		ints := []intCase{
			{"U8", u8}, {"I8", u8}, {"NU8", u8}, {"Tail", u8},
			{"U16", u16}, {"I16", u16}, {"NI16", u16},
			{"U32", u32}, {"I32", u32}, {"Named", u32},
			{"U64", u64}, {"I64", u64},
			{"Uint", word}, {"Int", word}, {"NInt", word},
		}
		for _, c := range ints {
			p, f := ptField(z, c.name)
			// want: the field's bits; ext: sign-extended to 64 bits.
			var want, ext uint64
			if f.CanInt() {
				ext = uint64(f.Int())
				want = ext
				if bits := 8 * f.Type().Size(); bits < 64 {
					want &= 1<<bits - 1
				}
			} else {
				want, ext = f.Uint(), f.Uint()
			}
			if got := c.read(p); got != want {
				fail(c.name, got, want)
			}
			if got := readInt(p, f.Kind()); got != ext {
				fail(c.name+" readInt", got, ext)
			}
		}
		if p, f := ptField(z, "B"); *p.boolp() != f.Bool() || *p.u8() != map[bool]uint8{false: 0, true: 1}[f.Bool()] {
			fail("B", *p.boolp(), f.Bool())
		}
		if p, f := ptField(z, "S"); *p.stringp() != f.String() {
			fail("S", *p.stringp(), f.String())
		}
		for _, name := range []string{"Bs", "HW", "IP"} {
			p, f := ptField(z, name)
			got := *p.bytesp()
			if !bytes.Equal(got, f.Bytes()) || (got == nil) != f.IsNil() || p.sliceLen() != f.Len() {
				fail(name, got, f.Bytes())
			}
			if f.Len() > 0 && p.sliceData().p != f.UnsafePointer() {
				fail(name+" sliceData", p.sliceData().p, f.UnsafePointer())
			}
		}
		if p, f := ptField(z, "Addr"); *p.addr() != f.Interface().(netip.Addr) {
			fail("Addr", *p.addr(), f.Interface())
		}
		if p, f := ptField(z, "Attrs"); !reflect.DeepEqual(*p.attrs(), f.Interface()) || p.sliceLen() != f.Len() {
			fail("Attrs", *p.attrs(), f.Interface())
		}
		// Pointers: deref is the pointee's address, nil when nil.
		if p, f := ptField(z, "P"); p.deref().p != f.UnsafePointer() || p.deref().isNil() != f.IsNil() {
			fail("P deref", p.deref().p, f.UnsafePointer())
		} else if !f.IsNil() && *p.deref().u32() != uint32(f.Elem().Uint()) {
			fail("P", *p.deref().u32(), f.Elem().Uint())
		}
		if p, f := ptField(z, "PS"); p.deref().p != f.UnsafePointer() {
			fail("PS deref", p.deref().p, f.UnsafePointer())
		} else if !f.IsNil() {
			checkPtInner(rt, "PS", p.deref(), f.Elem())
		}
		// A struct field and fields inside it (offsets add up).
		p, f := ptField(z, "In")
		checkPtInner(rt, "In", p, f)
		// An array: elements at i*size.
		p, f = ptField(z, "Arr")
		for i := range f.Len() {
			if got := *p.add(uintptr(i) * 2).u16(); got != uint16(f.Index(i).Uint()) {
				fail(fmt.Sprintf("Arr[%d]", i), got, f.Index(i).Uint())
			}
		}
		// Slices of any element type: length, data, elements; bytesp's
		// nil-ness (used for "absent") matches reflect's.
		for _, name := range []string{"Sl", "SlS", "SlP", "Attrs"} {
			p, f := ptField(z, name)
			if p.sliceLen() != f.Len() || (*p.bytesp() == nil) != f.IsNil() {
				fail(name+" len/nil", p.sliceLen(), f.Len())
			}
			if f.Len() > 0 && p.sliceData().p != f.UnsafePointer() {
				fail(name+" sliceData", p.sliceData().p, f.UnsafePointer())
			}
			es := f.Type().Elem().Size()
			for i := range f.Len() {
				ep := p.sliceData().add(uintptr(i) * es)
				if ep.p != f.Index(i).Addr().UnsafePointer() {
					fail(fmt.Sprintf("%s[%d] address", name, i), ep.p, f.Index(i).Addr().UnsafePointer())
				}
				switch name {
				case "Sl":
					if *ep.u32() != uint32(f.Index(i).Uint()) {
						fail(fmt.Sprintf("Sl[%d]", i), *ep.u32(), f.Index(i).Uint())
					}
				case "SlS":
					checkPtInner(rt, fmt.Sprintf("SlS[%d]", i), ep, f.Index(i))
				case "SlP":
					checkPtInner(rt, fmt.Sprintf("SlP[%d]", i), ep.deref(), f.Index(i).Elem())
				}
			}
		}
		// Interfaces: nil-ness and the data word (the variant's pointer).
		p, f = ptField(z, "Iface")
		if p.ifaceIsNil() != f.IsNil() {
			fail("Iface nil", p.ifaceIsNil(), f.IsNil())
		}
		if !f.IsNil() {
			if p.ifaceData().p != f.Elem().UnsafePointer() {
				fail("Iface data", p.ifaceData().p, f.Elem().UnsafePointer())
			}
			checkPtInner(rt, "Iface", p.ifaceData(), f.Elem().Elem())
			if p.value(f.Type()).Elem().Type() != reflect.TypeFor[*ptInner]() {
				fail("Iface dynamic type", p.value(f.Type()).Elem().Type(), "*ptInner")
			}
		}
		// A fixed layout's memory is its encoding/binary form in host order.
		p, f = ptField(z, "Fix")
		want, err := binary.Append(nil, binary.NativeEndian, f.Interface())
		if err != nil {
			rt.Fatal(err)
		}
		if got := p.mem(f.Type().Size()); !bytes.Equal(got, want) {
			fail("Fix mem", got, want)
		}
		// value(t) is the field itself, addressable.
		for i := range rv.NumField() {
			sf := rv.Type().Field(i)
			v := base.add(sf.Offset).value(sf.Type)
			if !v.CanSet() || v.Addr().UnsafePointer() != rv.Field(i).Addr().UnsafePointer() || !reflect.DeepEqual(v.Interface(), rv.Field(i).Interface()) {
				fail(sf.Name+" value", v, rv.Field(i))
			}
		}
	})
}

func checkPtInner(t *rapid.T, name string, p pointer, f reflect.Value) {
	t.Helper()
	in := f.Interface().(ptInner)
	offA, offB, offC := unsafe.Offsetof(in.A), unsafe.Offsetof(in.B), unsafe.Offsetof(in.C)
	if *p.add(offA).u16() != in.A || int64(*p.add(offB).u64()) != in.B || *p.add(offC).stringp() != in.C {
		t.Fatalf("%s: accessors read {%d %d %q}, reflect %+v", name, *p.add(offA).u16(), int64(*p.add(offB).u64()), *p.add(offC).stringp(), in)
	}
}

func TestPointerWritesSeenByReflect(t *testing.T) {
	rapid.Check(t, func(rt *rapid.T) {
		z := genPtZoo(rt)
		src := genPtZoo(rt) // the values to write
		fail := func(field string, got, want any) {
			rt.Helper()
			rt.Fatalf("%s: wrote %v through the accessor, reflect reads %v", field, want, got)
		}
		p, f := ptField(z, "U8")
		*p.u8() = src.U8
		if uint8(f.Uint()) != src.U8 || z.U8 != src.U8 {
			fail("U8", f.Uint(), src.U8)
		}
		p, f = ptField(z, "I8")
		*p.u8() = uint8(src.I8)
		if int8(f.Int()) != src.I8 {
			fail("I8", f.Int(), src.I8)
		}
		p, f = ptField(z, "U16")
		*p.u16() = src.U16
		if uint16(f.Uint()) != src.U16 {
			fail("U16", f.Uint(), src.U16)
		}
		p, f = ptField(z, "NI16")
		*p.u16() = uint16(src.NI16)
		if ptI16(f.Int()) != src.NI16 {
			fail("NI16", f.Int(), src.NI16)
		}
		p, f = ptField(z, "I32")
		*p.u32() = uint32(src.I32)
		if int32(f.Int()) != src.I32 {
			fail("I32", f.Int(), src.I32)
		}
		p, f = ptField(z, "Named")
		*p.u32() = uint32(src.Named)
		if ptNamed(f.Uint()) != src.Named {
			fail("Named", f.Uint(), src.Named)
		}
		p, f = ptField(z, "U64")
		*p.u64() = src.U64
		if f.Uint() != src.U64 {
			fail("U64", f.Uint(), src.U64)
		}
		p, f = ptField(z, "I64")
		*p.u64() = uint64(src.I64)
		if f.Int() != src.I64 {
			fail("I64", f.Int(), src.I64)
		}
		if ptrSize == 8 {
			p, f = ptField(z, "Int")
			*p.u64() = uint64(src.Int)
			if int(f.Int()) != src.Int {
				fail("Int", f.Int(), src.Int)
			}
			p, f = ptField(z, "Uint")
			*p.u64() = uint64(src.Uint)
			if uint(f.Uint()) != src.Uint {
				fail("Uint", f.Uint(), src.Uint)
			}
		}
		p, f = ptField(z, "Tail")
		named := z.Named
		*p.u8() = src.Tail
		if uint8(f.Uint()) != src.Tail || z.Named != named {
			fail("Tail", f.Uint(), src.Tail)
		}
		p, f = ptField(z, "B")
		*p.boolp() = src.B
		if f.Bool() != src.B {
			fail("B", f.Bool(), src.B)
		}
		p, f = ptField(z, "S")
		*p.stringp() = src.S
		if f.String() != src.S {
			fail("S", f.String(), src.S)
		}
		p, f = ptField(z, "Bs")
		*p.bytesp() = src.Bs
		if !bytes.Equal(f.Bytes(), src.Bs) || f.IsNil() != (src.Bs == nil) {
			fail("Bs", f.Bytes(), src.Bs)
		}
		p, f = ptField(z, "HW")
		*p.bytesp() = src.HW
		if !bytes.Equal(f.Bytes(), src.HW) || f.IsNil() != (src.HW == nil) {
			fail("HW", f.Bytes(), src.HW)
		}
		p, f = ptField(z, "Addr")
		*p.addr() = src.Addr
		if f.Interface().(netip.Addr) != src.Addr {
			fail("Addr", f.Interface(), src.Addr)
		}
		p, f = ptField(z, "Attrs")
		*p.attrs() = src.Attrs
		if !reflect.DeepEqual(f.Interface(), src.Attrs) {
			fail("Attrs", f.Interface(), src.Attrs)
		}
		// setPointer, as decoding allocates: a new value, then the field.
		p, f = ptField(z, "P")
		np := newValue(reflect.TypeFor[uint32]())
		if *np.u32() != 0 {
			fail("newValue", *np.u32(), 0)
		}
		*np.u32() = src.U32
		p.setPointer(np)
		if f.IsNil() || uint32(f.Elem().Uint()) != src.U32 || f.UnsafePointer() != np.p {
			fail("P", f, src.U32)
		}
		p.setPointer(pointer{})
		if !f.IsNil() || z.P != nil {
			fail("P (nil)", f, nil)
		}
		p, f = ptField(z, "PS")
		nps := newValue(reflect.TypeFor[ptInner]())
		*nps.add(unsafe.Offsetof(ptInner{}.A)).u16() = src.In.A
		*nps.add(unsafe.Offsetof(ptInner{}.B)).u64() = uint64(src.In.B)
		*nps.add(unsafe.Offsetof(ptInner{}.C)).stringp() = src.In.C
		p.setPointer(nps)
		if f.IsNil() || f.Elem().Interface().(ptInner) != src.In {
			fail("PS", f, src.In)
		}
		// Fields inside a struct, through add.
		p, _ = ptField(z, "In")
		*p.add(unsafe.Offsetof(ptInner{}.B)).u64() = uint64(src.In.B)
		if z.In.B != src.In.B {
			fail("In.B", z.In.B, src.In.B)
		}
		// Slice elements, through sliceData.
		if len(z.Sl) > 0 && len(src.Sl) > 0 {
			p, f = ptField(z, "Sl")
			last := uintptr(len(z.Sl) - 1)
			*p.sliceData().add(last * 4).u32() = src.Sl[0]
			if uint32(f.Index(int(last)).Uint()) != src.Sl[0] {
				fail("Sl[last]", f.Index(int(last)).Uint(), src.Sl[0])
			}
		}
		// setEmptySlice: empty but not nil, for any element type.
		for _, name := range []string{"Bs", "HW", "Sl", "SlS", "SlP", "Attrs"} {
			p, f := ptField(z, name)
			p.setEmptySlice()
			if f.IsNil() || f.Len() != 0 || p.sliceLen() != 0 {
				fail(name+" setEmptySlice", f, "empty, not nil")
			}
		}
		if z.Sl == nil || len(z.SlS) != 0 || z.SlP == nil {
			fail("setEmptySlice", z.Sl, "[]")
		}
		// value(t): a settable alias of the field.
		p, f = ptField(z, "Iface")
		if src.Iface != nil {
			p.value(f.Type()).Set(reflect.ValueOf(src.Iface))
			if f.IsNil() || p.ifaceIsNil() || p.ifaceData().p != unsafe.Pointer(src.Iface.(*ptInner)) {
				fail("Iface", f, src.Iface)
			}
		} else {
			p.value(f.Type()).SetZero()
			if !f.IsNil() || !p.ifaceIsNil() {
				fail("Iface (nil)", f, nil)
			}
		}
		// mem: bytes written into a fixed layout are what encoding/binary
		// reads from them.
		p, f = ptField(z, "Fix")
		raw := rapid.SliceOfN(rapid.Byte(), int(f.Type().Size()), int(f.Type().Size())).Draw(rt, "raw")
		copy(p.mem(f.Type().Size()), raw)
		var want ptFixed
		if _, err := binary.Decode(raw, binary.NativeEndian, &want); err != nil {
			rt.Fatal(err)
		}
		got := f.Interface().(ptFixed)
		// binary.Decode makes any non-zero byte true; memory keeps the
		// byte, so compare the bool through its byte.
		fOff := unsafe.Offsetof(ptFixed{}.F)
		if raw[fOff] != *p.add(fOff).u8() {
			fail("Fix.F byte", *p.add(fOff).u8(), raw[fOff])
		}
		got.F, want.F = false, false
		if got != want {
			fail("Fix", got, want)
		}
	})
}

// TestPointerIfaceWords checks ifaceTab (the type word) and setIface, which
// sub-message decoding uses to store a variant without reflect.
func TestPointerIfaceWords(t *testing.T) {
	rapid.Check(t, func(rt *rapid.T) {
		var vals [3]ptIface
		var anys [3]any
		for i := range vals {
			if rapid.Bool().Draw(rt, "inner") {
				vals[i] = &ptInner{A: uint16(i)}
			} else {
				vals[i] = &ptOther{X: uint32(i)}
			}
			anys[i] = vals[i]
		}
		for i := range vals {
			for j := range vals {
				pi, pj := pointer{unsafe.Pointer(&vals[i])}, pointer{unsafe.Pointer(&vals[j])}
				same := reflect.TypeOf(vals[i]) == reflect.TypeOf(vals[j])
				if (pi.ifaceTab() == pj.ifaceTab()) != same {
					rt.Fatalf("ifaceTab of %T and %T: equal = %v", vals[i], vals[j], !same)
				}
				ai, aj := pointer{unsafe.Pointer(&anys[i])}, pointer{unsafe.Pointer(&anys[j])}
				if (ai.ifaceTab() == aj.ifaceTab()) != same {
					rt.Fatalf("ifaceTab of any(%T) and any(%T): equal = %v", anys[i], anys[j], !same)
				}
			}
		}
		// setIface with a type word from a value of the same interface
		// type makes an interface reflect (and Go) see as that type.
		src := rapid.IntRange(0, 2).Draw(rt, "src")
		var dst ptIface
		var fresh unsafe.Pointer
		if _, ok := vals[src].(*ptInner); ok {
			fresh = unsafe.Pointer(&ptInner{A: 77})
		} else {
			fresh = unsafe.Pointer(&ptOther{X: 77})
		}
		pd := pointer{unsafe.Pointer(&dst)}
		pd.setIface(pointer{unsafe.Pointer(&vals[src])}.ifaceTab(), pointer{fresh})
		rv := reflect.ValueOf(&dst).Elem()
		if rv.IsNil() || rv.Elem().Type() != reflect.TypeOf(vals[src]) || rv.Elem().UnsafePointer() != fresh || pd.ifaceIsNil() || pd.ifaceData().p != fresh {
			rt.Fatalf("after setIface: %v (%T), want a %T at %p", rv, dst, vals[src], fresh)
		}
		switch d := dst.(type) {
		case *ptInner:
			if d.A != 77 {
				rt.Fatalf("through the interface: %+v", d)
			}
		case *ptOther:
			if d.X != 77 {
				rt.Fatalf("through the interface: %+v", d)
			}
		}
		pd.setIface(pointer{}, pointer{})
		if dst != nil || !pd.ifaceIsNil() {
			rt.Fatalf("setIface(nil, nil) leaves %v", dst)
		}
	})
}

// ptMsg is a message type whose plan's field offsets are checked against
// reflect's.
type ptMsg struct {
	Hdr   ptFixed       `nl:"header"`
	A     uint8         `nl:"type=1"`
	B     string        `nl:"type=2"`
	C     *ptMsgInner   `nl:"type=3,nested"`
	D     []ptMsgInner  `nl:"type=4,multi,nested"`
	E     netip.Addr    `nl:"type=5"`
	F     uint64        `nl:"type=6,be"`
	G     bool          `nl:"type=7,flag"`
	Attrs []nlattr.Attr `nl:"unknown"`
}

type ptMsgInner struct {
	X uint16 `nl:"type=1"`
	Y []byte `nl:"type=2"`
}

func TestPointerPlanOffsets(t *testing.T) {
	for _, typ := range []reflect.Type{reflect.TypeFor[ptMsg](), reflect.TypeFor[ptMsgInner]()} {
		pl := planFor(typ)
		if pl.err != nil {
			t.Fatal(pl.err)
		}
		v := reflect.New(typ)
		base := pointerOf(v)
		fields := append(append([]*field{}, pl.headers...), pl.attrs...)
		if pl.unknown != nil {
			fields = append(fields, pl.unknown)
		}
		if len(fields) != typ.NumField() {
			t.Errorf("%v: plan has %d fields, the type %d", typ, len(fields), typ.NumField())
		}
		for _, f := range fields {
			rf := v.Elem().FieldByName(f.name)
			if got, want := base.add(f.offset).p, rf.Addr().UnsafePointer(); got != want {
				t.Errorf("%v.%s: plan offset %d addresses %p, reflect %p", typ, f.name, f.offset, got, want)
			}
		}
	}
}

// TestTypeWord checks that typeWord tells types apart exactly as reflect's
// type identity does.
func TestTypeWord(t *testing.T) {
	types := []reflect.Type{
		reflect.TypeFor[int](), reflect.TypeFor[*int](), reflect.TypeFor[[]byte](),
		reflect.TypeFor[struct{ A uint32 }](), reflect.TypeFor[*struct{ A uint32 }](),
		reflect.PointerTo(reflect.TypeFor[int]()),
	}
	for i, a := range types {
		for j, b := range types {
			if (typeWord(a) == typeWord(b)) != (a == b) {
				t.Errorf("typeWord(%v) == typeWord(%v) is %v, but the types are equal: %v (%d, %d)", a, b, typeWord(a) == typeWord(b), a == b, i, j)
			}
		}
	}
}

// TestCopyAccessors checks the byte-moving accessors of the flat decode
// path (moveWord, copyOp, copyIn, pointerTo) against the copy builtin:
// every length, source offset and destination offset within a buffer, so
// that checkptr (-race) also sees every edge.
func TestCopyAccessors(t *testing.T) {
	src := make([]byte, 40)
	for i := range src {
		src[i] = byte(i*7 + 1)
	}
	type buf [48]byte
	for dst := 0; dst <= 8; dst++ {
		for from := 0; from <= 8; from++ {
			for n := 0; n <= 32; n++ {
				var got, want buf
				copy(want[dst:dst+n], src[from:from+n])
				pointerTo(&got).copyOp(src, copyOp{dst: uintptr(dst), src: from, n: n})
				if got != want {
					t.Fatalf("copyOp(dst %d, src %d, n %d): % x, want % x", dst, from, n, got, want)
				}
				got = buf{}
				pointerTo(&got).add(uintptr(dst)).copyIn(src[from:], n)
				if got != want {
					t.Fatalf("copyIn(dst %d, src %d, n %d): % x, want % x", dst, from, n, got, want)
				}
			}
			var got, want buf
			copy(want[dst:dst+8], src[from:from+8])
			pointerTo(&got).moveWord(src, wordMove{dst: uint32(dst), src: uint32(from)})
			if got != want {
				t.Fatalf("moveWord(dst %d, src %d): % x, want % x", dst, from, got, want)
			}
		}
	}
	// The exact end of the source slice and of the destination value.
	var v [8]byte
	pointerTo(&v).moveWord(src[32:], wordMove{})
	if !bytes.Equal(v[:], src[32:40]) {
		t.Errorf("moveWord at the ends: % x, want % x", v, src[32:40])
	}
}
