package marshal

// This is the only file of the package that imports unsafe. The codecs
// reach a field as a pointer (the struct's address plus the field's offset,
// both known when the plan is built) instead of through reflect.Value, the
// way protobuf-go's internal/impl does. Every access goes through a typed
// accessor below; pointer_test.go checks each accessor against the plain
// reflect path on every field of the test zoo.

import (
	"net/netip"
	"reflect"
	"unsafe"

	"github.com/nlstruct/nlstruct/nlattr"
)

// pointer is the address of a Go value whose type the caller knows from
// its plan.
type pointer struct{ p unsafe.Pointer }

// pointerOf returns the address held by v, which must be a pointer Value.
func pointerOf(v reflect.Value) pointer { return pointer{v.UnsafePointer()} }

// pointerOfAny returns the pointer held by v, whose dynamic type must be a
// pointer type: the interface's data word.
func pointerOfAny(v any) pointer { return pointer{(*[2]unsafe.Pointer)(unsafe.Pointer(&v))[1]} }

// pointerTo returns the address of *v.
func pointerTo[T any](v *T) pointer { return pointer{unsafe.Pointer(v)} }

// typeWord returns the address of the type descriptor behind t, for
// hashing types without hashing interfaces.
func typeWord(t reflect.Type) uintptr { return uintptr((*[2]unsafe.Pointer)(unsafe.Pointer(&t))[1]) }

// newValue allocates a zero value of type t and returns its address.
func newValue(t reflect.Type) pointer { return pointer{reflect.New(t).UnsafePointer()} }

func (p pointer) isNil() bool             { return p.p == nil }
func (p pointer) add(off uintptr) pointer { return pointer{unsafe.Add(p.p, off)} }
func (p pointer) u8() *uint8              { return (*uint8)(p.p) }
func (p pointer) u16() *uint16            { return (*uint16)(p.p) }
func (p pointer) u32() *uint32            { return (*uint32)(p.p) }
func (p pointer) u64() *uint64            { return (*uint64)(p.p) }
func (p pointer) boolp() *bool            { return (*bool)(p.p) }
func (p pointer) addr() *netip.Addr       { return (*netip.Addr)(p.p) }
func (p pointer) stringp() *string        { return (*string)(p.p) }
func (p pointer) bytesp() *[]byte         { return (*[]byte)(p.p) }
func (p pointer) attrs() *[]nlattr.Attr   { return (*[]nlattr.Attr)(p.p) }
func (p pointer) value(t reflect.Type) reflect.Value {
	return reflect.NewAt(t, p.p).Elem()
}

// mem returns the n bytes of memory at p. Only fixed layouts, which hold
// no Go pointers, are read or written this way.
func (p pointer) mem(n uintptr) []byte { return unsafe.Slice((*byte)(p.p), n) }

// deref reads a pointer field.
func (p pointer) deref() pointer { return pointer{*(*unsafe.Pointer)(p.p)} }

// setPointer stores q into a pointer field.
func (p pointer) setPointer(q pointer) { *(*unsafe.Pointer)(p.p) = q.p }

// setEmptySlice makes the slice (of any element type) at p empty but not
// nil, without allocating: a present but empty attribute decodes so.
func (p pointer) setEmptySlice() { *(*[]byte)(p.p) = []byte{} }

// sliceLen returns the length of the slice (of any element type) at p.
func (p pointer) sliceLen() int { return len(*(*[]byte)(p.p)) }

// sliceData returns the address of the first element of the slice at p.
func (p pointer) sliceData() pointer {
	return pointer{unsafe.Pointer(unsafe.SliceData(*(*[]byte)(p.p)))}
}

// ifaceData returns the data word of the interface value at p. Variants are
// always pointers, whose data word is the pointer itself.
func (p pointer) ifaceData() pointer { return pointer{(*[2]unsafe.Pointer)(p.p)[1]} }

// ifaceTab returns the type word of the interface value at p (its itab,
// or its type for an empty interface): equal for two interface values of
// the same interface type exactly when their dynamic types are equal.
func (p pointer) ifaceTab() pointer { return pointer{(*[2]unsafe.Pointer)(p.p)[0]} }

// setIface stores an interface value made of a type word (from ifaceTab
// of a value of the same interface type) and a pointer.
func (p pointer) setIface(tab, data pointer) {
	w := (*[2]unsafe.Pointer)(p.p)
	w[0], w[1] = tab.p, data.p
}

// ifaceIsNil reports whether the interface at p is nil.
func (p pointer) ifaceIsNil() bool { return (*[2]unsafe.Pointer)(p.p)[0] == nil }

// copyOp copies n bytes from offset src of a message to offset dst of a
// value: the flat decode path of a Decoder is made of these and wordMoves.
// The unsafe accessors below do no bounds checks: the caller has checked
// that the message holds the source bytes and the value the destination.
type copyOp struct {
	dst    uintptr
	src, n int
}

// wordMove copies 8 bytes from offset src of a message to offset dst of a
// value.
type wordMove struct{ dst, src uint32 }

// moveWord performs w from b into the value at p.
func (p pointer) moveWord(b []byte, w wordMove) {
	*(*[8]byte)(unsafe.Add(p.p, w.dst)) = *(*[8]byte)(unsafe.Add(unsafe.Pointer(unsafe.SliceData(b)), w.src))
}

// copyOp performs o from b into the value at p.
func (p pointer) copyOp(b []byte, o copyOp) {
	copyWords(unsafe.Add(p.p, o.dst), unsafe.Add(unsafe.Pointer(unsafe.SliceData(b)), o.src), o.n)
}

// copyIn copies the first n bytes of b, which holds at least n, to the
// value at p, which has room for them.
func (p pointer) copyIn(b []byte, n int) {
	copyWords(p.p, unsafe.Pointer(unsafe.SliceData(b)), n)
}

// copyWords copies n bytes from s to d, a word at a time. Offsets, not
// moving pointers: a pointer one past the end of an object is invalid.
func copyWords(d, s unsafe.Pointer, n int) {
	i := 0
	for ; i+8 <= n; i += 8 {
		*(*[8]byte)(unsafe.Add(d, i)) = *(*[8]byte)(unsafe.Add(s, i))
	}
	if i+4 <= n {
		*(*[4]byte)(unsafe.Add(d, i)) = *(*[4]byte)(unsafe.Add(s, i))
		i += 4
	}
	for ; i < n; i++ {
		*(*byte)(unsafe.Add(d, i)) = *(*byte)(unsafe.Add(s, i))
	}
}
