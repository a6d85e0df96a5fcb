package marshal

import (
	"encoding/binary"
	"fmt"
	"reflect"
	"sort"
	"strings"

	"github.com/nlstruct/nlstruct/nlattr"
)

// encState is passed by value so that it never escapes to the heap.
type encState struct {
	depth, maxDepth int
}

// appendPayload appends the payload of the struct at p: a fixed layout, or
// a message's headers followed by its attributes or body.
func (pl *plan) appendPayload(b []byte, p pointer, st encState) ([]byte, error) {
	if pl.kind == planFixed {
		return pl.fixed.append(b, p), nil
	}
	start := len(b)
	for _, f := range pl.headers {
		b = f.val.fixed.append(b, p.add(f.offset))
	}
	b = padTo(b, len(b)-start)
	b, err := pl.appendOps(b, p, st)
	if err != nil {
		return b[:start], err
	}
	if f := pl.unknown; f != nil {
		for i, a := range *p.add(f.offset).attrs() {
			mark := len(b)
			if b, err = nlattr.AppendAttr(b, a); err != nil {
				return b[:mark], inField(err, fmt.Sprintf("%s[%d]", f.name, i), a.Type, true, -1)
			}
		}
	}
	if f := pl.body; f != nil {
		mark := len(b)
		if b, err = f.appendVariant(b, p, st, false); err != nil {
			return b[:mark], inField(err, f.name, 0, false, -1)
		}
	}
	return b, nil
}

// padTo pads an item of n bytes to the attribute alignment.
func padTo(b []byte, n int) []byte {
	return append(b, zeroPad[:nlattr.Align(n)-n]...)
}

var zeroPad [nlattr.AlignTo]byte

// appendHeader appends an attribute header of known length.
func appendHeader(b []byte, hdr uint16, n int) []byte {
	return binary.NativeEndian.AppendUint32(b, uint32(n)|uint32(hdr)<<16)
}

// endAttr back-patches the length of the attribute started at start.
func endAttr(b []byte, start int) ([]byte, error) {
	n := len(b) - start
	if n > nlattr.MaxLen {
		return b[:start], fmt.Errorf("%w: %d bytes", ErrTooLarge, n)
	}
	binary.NativeEndian.PutUint16(b[start:], uint16(n))
	return padTo(b, n), nil
}

// appendAttr appends field f of the struct at base as attributes.
func (f *field) appendAttr(b []byte, base pointer, st encState) ([]byte, error) {
	p := base.add(f.offset)
	switch f.form {
	case formFlag:
		if *p.boolp() {
			b = appendHeader(b, f.hdr, nlattr.HeaderLen)
		}
		return b, nil
	case formMulti:
		return f.appendMulti(b, p, st)
	case formArray:
		return f.appendArray(b, p, st)
	case formRecords:
		return f.appendRecords(b, p, st)
	}
	v := &f.val
	// omitempty omits zero values; a pointer is omitted only when nil
	// (as in encoding/json): a pointer to a zero is how a caller says
	// "send this zero".
	omit := f.omitempty
	if v.indirect {
		if p = p.deref(); p.isNil() {
			return b, nil
		}
		omit = false
	}
	// Fast paths for the common fixed-width integers.
	if !v.checks.any() {
		switch v.kind {
		case vkU32:
			x := *p.u32()
			if omit && x == 0 {
				return b, nil
			}
			b = appendHeader(b, f.hdr, 8)
			if v.be {
				return binary.BigEndian.AppendUint32(b, x), nil
			}
			return binary.NativeEndian.AppendUint32(b, x), nil
		case vkU16:
			x := *p.u16()
			if omit && x == 0 {
				return b, nil
			}
			b = appendHeader(b, f.hdr, 6)
			if v.be {
				b = binary.BigEndian.AppendUint16(b, x)
			} else {
				b = binary.NativeEndian.AppendUint16(b, x)
			}
			return append(b, 0, 0), nil
		case vkU8:
			x := *p.u8()
			if omit && x == 0 {
				return b, nil
			}
			b = appendHeader(b, f.hdr, 5)
			return append(b, x, 0, 0, 0), nil
		case vkU64:
			x := *p.u64()
			if omit && x == 0 {
				return b, nil
			}
			b = appendHeader(b, f.hdr, 12)
			if v.be {
				return binary.BigEndian.AppendUint64(b, x), nil
			}
			return binary.NativeEndian.AppendUint64(b, x), nil
		}
	}
	if v.kind == vkVariant {
		return f.appendVariant(b, base, st, true)
	}
	if v.absent(p) || (omit && v.isZero(p)) {
		return b, nil
	}
	start := len(b)
	b = appendHeader(b, f.hdr, 0)
	b, err := v.appendValue(b, p, st)
	if err != nil {
		return b[:start], err
	}
	return endAttr(b, start)
}

func (f *field) appendMulti(b []byte, p pointer, st encState) ([]byte, error) {
	n := p.sliceLen()
	if err := f.count.checkLen(n, "elements"); err != nil && n > 0 {
		return b, err
	}
	v := &f.val
	size := f.slice.Elem().Size()
	data := p.sliceData()
	for i := range n {
		ep := data.add(uintptr(i) * size)
		if v.indirect {
			if ep = ep.deref(); ep.isNil() {
				return b, inField(fmt.Errorf("%w: nil element", ErrInvalid), fmt.Sprintf("[%d]", i), 0, false, -1)
			}
		}
		start := len(b)
		b = appendHeader(b, f.hdr, 0)
		var err error
		if b, err = v.appendValue(b, ep, st); err == nil {
			b, err = endAttr(b, start)
		}
		if err != nil {
			return b[:start], inIndex(err, i)
		}
	}
	return b, nil
}

func (f *field) appendArray(b []byte, p pointer, st encState) ([]byte, error) {
	if *p.bytesp() == nil {
		return b, nil
	}
	n := p.sliceLen()
	if err := f.count.checkLen(n, "elements"); err != nil {
		return b, err
	}
	if st.depth >= st.maxDepth {
		return b, fmt.Errorf("%w: more than %d levels", ErrTooDeep, st.maxDepth)
	}
	st.depth++
	v := &f.val
	entryHdr := v.flags(&tag{})
	size := f.slice.Elem().Size()
	data := p.sliceData()
	outer := len(b)
	b = appendHeader(b, f.hdr, 0)
	for i := range n {
		ep := data.add(uintptr(i) * size)
		if v.indirect {
			if ep = ep.deref(); ep.isNil() {
				return b[:outer], inIndex(fmt.Errorf("%w: nil element", ErrInvalid), i)
			}
		}
		start := len(b)
		// Entries are typed by their index, counting from 1.
		b = appendHeader(b, uint16(i+1)&nlattr.TypeMask|entryHdr, 0)
		var err error
		if b, err = v.appendValue(b, ep, st); err == nil {
			b, err = endAttr(b, start)
		}
		if err != nil {
			return b[:outer], inIndex(err, i)
		}
	}
	return endAttr(b, outer)
}

// appendRecords appends a records field: one attribute holding each
// element's message, its length written into its first field, each
// padded to 4 bytes. A nil slice is not encoded; an empty one is an
// empty attribute.
func (f *field) appendRecords(b []byte, p pointer, st encState) ([]byte, error) {
	if *p.bytesp() == nil {
		return b, nil
	}
	n := p.sliceLen()
	if err := f.count.checkLen(n, "elements"); err != nil {
		return b, err
	}
	if st.depth >= st.maxDepth {
		return b, fmt.Errorf("%w: more than %d levels", ErrTooDeep, st.maxDepth)
	}
	st.depth++
	size := f.slice.Elem().Size()
	data := p.sliceData()
	outer := len(b)
	b = appendHeader(b, f.hdr, 0)
	for i := range n {
		start := len(b)
		var err error
		if b, err = f.val.child.appendPayload(b, data.add(uintptr(i)*size), st); err != nil {
			return b[:outer], inIndex(err, i)
		}
		rec := len(b) - start
		if f.recLen == 2 {
			if rec > 0xffff {
				return b[:outer], inIndex(fmt.Errorf("%w: a record of %d bytes", ErrTooLarge, rec), i)
			}
			binary.NativeEndian.PutUint16(b[start:], uint16(rec))
		} else {
			binary.NativeEndian.PutUint32(b[start:], uint32(rec))
		}
		b = padTo(b, rec)
	}
	return endAttr(b, outer)
}

// inIndex names slice element i in err's path: the element is part of the
// field that the caller adds.
func inIndex(err error, i int) error {
	e := asError(err)
	idx := fmt.Sprintf("[%d]", i)
	if n := len(e.rpath); n > 0 && strings.HasPrefix(e.rpath[n-1], "[") {
		e.rpath[n-1] = idx + e.rpath[n-1]
	} else {
		e.rpath = append(e.rpath, idx)
	}
	return e
}

// appendVariant appends the sub-message held by interface field f of the
// struct at base, as an attribute (withHeader) or as the body.
func (f *field) appendVariant(b []byte, base pointer, st encState, withHeader bool) ([]byte, error) {
	p := base.add(f.offset)
	if p.ifaceIsNil() {
		return b, nil
	}
	c := f.sel.lookup(f.val.variants, base)
	if c == nil || p.ifaceTab() != c.tab {
		dyn := p.value(f.val.t).Elem().Type()
		c = f.val.variants.byType[dyn]
		if c == nil {
			return b, fmt.Errorf("%w: %s is not registered for %s (marshal.RegisterVariant)", ErrVariant, dyn, f.val.t)
		}
		return b, fmt.Errorf("%w: %s is %s, but the field holds %s, registered for %s", ErrVariant, f.sel.path, f.sel.keyString(base), dyn, c.keyString())
	}
	dp := p.ifaceData()
	if dp.isNil() {
		return b, nil
	}
	if !withHeader {
		return c.val.appendValue(b, dp, st)
	}
	start := len(b)
	hdr := f.hdr
	if !f.noFlag {
		hdr |= c.flags
	}
	b = appendHeader(b, hdr, 0)
	b, err := c.val.appendValue(b, dp, st)
	if err != nil {
		return b[:start], err
	}
	return endAttr(b, start)
}

// absent reports whether the value at p is never encoded: nil slices,
// invalid addresses and nil interfaces.
func (v *value) absent(p pointer) bool {
	switch v.kind {
	case vkBytes, vkIP, vkPacked:
		return *p.bytesp() == nil
	case vkAddr:
		return !p.addr().IsValid()
	case vkMap:
		return p.value(v.t).IsNil()
	}
	return false
}

// isZero reports whether the value at p is its type's zero value, for
// omitempty.
func (v *value) isZero(p pointer) bool {
	switch v.kind {
	case vkU8, vkBool:
		return *p.u8() == 0
	case vkU16:
		return *p.u16() == 0
	case vkU32:
		return *p.u32() == 0
	case vkU64:
		return *p.u64() == 0
	case vkString:
		return *p.stringp() == ""
	case vkBytes, vkIP, vkPacked:
		return len(*p.bytesp()) == 0
	case vkAddr:
		return !p.addr().IsValid()
	}
	return p.value(v.t).IsZero()
}

// appendValue appends the payload of the value at p.
func (v *value) appendValue(b []byte, p pointer, st encState) ([]byte, error) {
	switch v.kind {
	case vkU8:
		x := *p.u8()
		if v.checks.any() {
			if err := v.checkInt(uint64(x), uint64(int8(x))); err != nil {
				return b, err
			}
		}
		return append(b, x), nil
	case vkBool:
		if *p.boolp() {
			return append(b, 1), nil
		}
		return append(b, 0), nil
	case vkU16:
		x := *p.u16()
		if v.checks.any() {
			if err := v.checkInt(uint64(x), uint64(int16(x))); err != nil {
				return b, err
			}
		}
		if v.be {
			return binary.BigEndian.AppendUint16(b, x), nil
		}
		return binary.NativeEndian.AppendUint16(b, x), nil
	case vkU32:
		x := *p.u32()
		if v.checks.any() {
			if err := v.checkInt(uint64(x), uint64(int32(x))); err != nil {
				return b, err
			}
		}
		if v.be {
			return binary.BigEndian.AppendUint32(b, x), nil
		}
		return binary.NativeEndian.AppendUint32(b, x), nil
	case vkU64:
		x := *p.u64()
		if v.checks.any() {
			if err := v.checkInt(x, x); err != nil {
				return b, err
			}
		}
		if v.be {
			return binary.BigEndian.AppendUint64(b, x), nil
		}
		return binary.NativeEndian.AppendUint64(b, x), nil
	case vkVarU, vkVarS:
		x := readInt(p, v.t.Kind())
		if v.checks.any() {
			if err := v.checkInt(x, x); err != nil {
				return b, err
			}
		}
		// YNL uint/sint: 4 bytes when the value fits, else 8.
		fits := x <= 0xffffffff
		if v.kind == vkVarS {
			fits = int64(x) == int64(int32(x))
		}
		order := binary.ByteOrder(binary.NativeEndian)
		if v.be {
			order = binary.BigEndian
		}
		if fits {
			return binary.Append(b, order, uint32(x))
		}
		return order.(binary.AppendByteOrder).AppendUint64(b, x), nil
	case vkString:
		s := *p.stringp()
		if err := v.checks.checkLen(len(s), "bytes"); err != nil {
			return b, err
		}
		b = append(b, s...)
		return append(b, 0), nil
	case vkBytes, vkIP:
		s := *p.bytesp()
		if v.kind == vkIP {
			if s4 := netIPTo4(s); s4 != nil {
				s = s4
			} else if len(s) != 16 {
				return b, fmt.Errorf("%w: net.IP of %d bytes is neither IPv4 nor IPv6", ErrBadLength, len(s))
			}
		}
		if err := v.checks.checkLen(len(s), "bytes"); err != nil {
			return b, err
		}
		return append(b, s...), nil
	case vkAddr:
		a := *p.addr()
		if a.Is4() {
			x := a.As4()
			return append(b, x[:]...), nil
		}
		x := a.As16()
		return append(b, x[:]...), nil
	case vkFixed:
		return v.fixed.append(b, p), nil
	case vkPacked:
		n := p.sliceLen()
		if err := v.checks.checkLen(n, "elements"); err != nil {
			return b, err
		}
		data := p.sliceData()
		es := uintptr(v.t.Elem().Size())
		for i := range n {
			b = v.fixed.append(b, data.add(uintptr(i)*es))
		}
		return b, nil
	case vkNested:
		if st.depth >= st.maxDepth {
			return b, fmt.Errorf("%w: more than %d levels", ErrTooDeep, st.maxDepth)
		}
		st.depth++
		return v.child.appendPayload(b, p, st)
	case vkMap:
		return v.appendMap(b, p, st)
	case vkCustom:
		m, ok := p.value(v.t).Addr().Interface().(Marshaler)
		if !ok {
			return b, fmt.Errorf("%w: %s does not implement Marshaler", ErrInvalid, v.t)
		}
		return m.MarshalNetlink(b)
	}
	return b, fmt.Errorf("%w: cannot encode %s here", ErrInvalid, v.t)
}

// checkInt applies min=/max= to an integer given both as unsigned and
// sign-extended.
func (v *value) checkInt(u, s uint64) error {
	if v.signed {
		return v.checks.checkSigned(int64(s))
	}
	return v.checks.checkUnsigned(u)
}

func netIPTo4(ip []byte) []byte {
	if len(ip) == 4 {
		return ip
	}
	if len(ip) == 16 && isZeros(ip[:10]) && ip[10] == 0xff && ip[11] == 0xff {
		return ip[12:16]
	}
	return nil
}

func isZeros(b []byte) bool {
	for _, c := range b {
		if c != 0 {
			return false
		}
	}
	return true
}

// appendMap appends a map's entries in key order, each an attribute typed
// by its key. (Sorting the keys allocates; maps are rare in requests.)
func (v *value) appendMap(b []byte, p pointer, st encState) ([]byte, error) {
	if st.depth >= st.maxDepth {
		return b, fmt.Errorf("%w: more than %d levels", ErrTooDeep, st.maxDepth)
	}
	st.depth++
	m := p.value(v.t)
	keys := m.MapKeys()
	signed := v.t.Key().Kind() >= reflect.Int && v.t.Key().Kind() <= reflect.Int64
	key := func(k reflect.Value) int64 {
		if signed {
			return k.Int()
		}
		return int64(k.Uint())
	}
	sort.Slice(keys, func(i, j int) bool { return key(keys[i]) < key(keys[j]) })
	hdrFlags := v.elem.flags(&tag{})
	tmp := reflect.New(v.t.Elem())
	for _, k := range keys {
		kv := key(k)
		if kv < 0 || kv > int64(nlattr.MaxType) {
			return b, fmt.Errorf("%w: map key %d is not an attribute type (0..%d)", ErrBadLength, kv, nlattr.MaxType)
		}
		tmp.Elem().Set(m.MapIndex(k))
		ep := pointerOf(tmp)
		if v.elem.indirect {
			if ep = ep.deref(); ep.isNil() {
				continue
			}
		}
		start := len(b)
		b = appendHeader(b, uint16(kv)|hdrFlags, 0)
		var err error
		if b, err = v.elem.appendValue(b, ep, st); err == nil {
			b, err = endAttr(b, start)
		}
		if err != nil {
			return b[:start], inField(err, fmt.Sprintf("[%d]", kv), 0, false, -1)
		}
	}
	return b, nil
}
