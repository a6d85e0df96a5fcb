package marshal

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"net/netip"
	"reflect"
	"slices"

	"github.com/nlstruct/nlstruct/nlattr"
)

// decState is passed by value so that it never escapes to the heap.
type decState struct {
	depth, maxDepth int
	unknown         UnknownPolicy
	// A body sub-message kept from the value's previous contents, for
	// Options.ReuseVariants: its interface type word and pointer.
	spareTab, spare pointer
}

func (st decState) deeper() (decState, error) {
	if st.depth >= st.maxDepth {
		return st, errTooDeep(st.maxDepth)
	}
	st.depth++
	return st, nil
}

func errTooDeep(max int) error { return fmt.Errorf("%w: more than %d levels", ErrTooDeep, max) }

// decodePayload fills the struct at p from b: a fixed layout, or a
// message's headers followed by attributes or a body.
func (pl *plan) decodePayload(b []byte, p pointer, st decState) error {
	if pl.kind == planFixed {
		if len(b) < pl.fixed.size {
			return atOffset(errWidth(pl.fixed.size, len(b)), 0)
		}
		pl.fixed.decode(b, p)
		return nil
	}
	off, err := pl.decodeHeaders(b, p)
	if err != nil {
		return err
	}
	if f := pl.body; f != nil {
		if err := f.decodeVariant(b[off:], p, st); err != nil {
			return inField(err, f.name, 0, false, off)
		}
		return nil
	}
	return pl.decodeAttrs(b[off:], p, st, off)
}

// decodeHeaders fills the headers of the message at p from the start of
// b, and returns the offset of what follows them (attributes or a body).
func (pl *plan) decodeHeaders(b []byte, p pointer) (int, error) {
	off := 0
	for _, f := range pl.headers {
		n := f.val.fixed.size
		if len(b)-off < n {
			return 0, inField(fmt.Errorf("%w: want %d bytes, got %d", ErrTruncated, n, len(b)-off), f.name, 0, false, off)
		}
		f.val.fixed.decode(b[off:off+n], p.add(f.offset))
		off += n
	}
	return min(nlattr.Align(off), len(b)), nil
}

// pending is a sub-message attribute seen before the attributes that
// select its type were all read.
type pending struct {
	f    *field
	data []byte
	off  int
}

func (pl *plan) decodeAttrs(b []byte, base pointer, st decState, off0 int) error {
	var small [4]pending
	deferred := small[:0]
	it := nlattr.NewIter(b)
	for it.Next() {
		f := pl.lookup(it.Type())
		if f == nil {
			if err := pl.unknownAttr(&it, base, st, b[it.Offset():]); err != nil {
				return atOffset(err, off0+it.Offset())
			}
			continue
		}
		// The most common attributes, decoded in line.
		switch d := it.Data(); {
		case f.dop == opU32 && len(d) == 4:
			*base.add(f.offset).u32() = binary.NativeEndian.Uint32(d)
			continue
		case f.dop == opU8 && len(d) == 1:
			*base.add(f.offset).u8() = d[0]
			continue
		}
		if f.dop != 0 {
			if err := decodeFast(f, it.Data(), base.add(f.offset), st); err != nil {
				return inField(err, f.name, f.attrType, true, off0+it.Offset()+nlattr.HeaderLen)
			}
			continue
		}
		if f.val.kind == vkVariant && f.form == formAttr {
			deferred = addPending(deferred, pending{f, it.Data(), it.Offset()})
			continue
		}
		if err := f.decodeAttr(it.Data(), base, st, b[it.Offset():]); err != nil {
			return inField(err, f.name, f.attrType, true, off0+it.Offset()+nlattr.HeaderLen)
		}
	}
	if err := it.Err(); err != nil {
		return atOffset(err, off0)
	}
	for _, f := range pl.attrs {
		if f.form == formMulti && f.count.any() {
			if n := base.add(f.offset).sliceLen(); n > 0 {
				if err := f.count.checkLen(n, "elements"); err != nil {
					return inField(err, f.name, f.attrType, true, off0)
				}
			}
		}
	}
	for _, d := range deferred {
		if err := d.f.decodeVariant(d.data, base, st); err != nil {
			if err == errUnknownVariant {
				// No type is registered for the selector's value: treat
				// the attribute as unknown.
				uit := nlattr.NewIter(b[d.off:])
				uit.Next()
				if err := pl.unknownAttr(&uit, base, st, b[d.off:]); err != nil {
					return inField(err, d.f.name, d.f.attrType, true, off0+d.off)
				}
				continue
			}
			return inField(err, d.f.name, d.f.attrType, true, off0+d.off+nlattr.HeaderLen)
		}
	}
	return nil
}

// addPending records d, replacing an earlier attribute of the same field
// (the last one wins, as in the kernel's nla_parse).
func addPending(list []pending, d pending) []pending {
	for i := range list {
		if list[i].f == d.f {
			list[i] = d
			return list
		}
	}
	return append(list, d)
}

func (pl *plan) unknownAttr(it *nlattr.Iter, base pointer, st decState, rest []byte) error {
	switch {
	case st.unknown == RejectUnknown:
		return fmt.Errorf("%w: type %d (%d bytes) has no field in %s", ErrUnknownAttribute, it.Type(), len(it.Data()), pl.t)
	case st.unknown == DiscardUnknown || pl.unknown == nil:
		return nil
	}
	a := it.Attr()
	if len(a.Data) == 0 {
		a.Data = nil
	} else {
		a.Data = bytes.Clone(a.Data)
	}
	list := base.add(pl.unknown.offset).attrs()
	if len(*list) == cap(*list) {
		// Size the list for every unknown attribute still to come, so it
		// grows once per attribute set, not once per attribute.
		*list = slices.Grow(*list, pl.countUnknown(rest))
	}
	*list = append(*list, a)
	return nil
}

// countUnknown counts the attributes of b that have no field.
func (pl *plan) countUnknown(b []byte) int {
	n := 0
	it := nlattr.NewIter(b)
	for it.Next() {
		if pl.lookup(it.Type()) == nil {
			n++
		}
	}
	return n
}

// decodeAttr decodes one attribute's payload into field f of the struct
// at base. rest is the attribute stream from this attribute on, used to
// size multi slices exactly.
func (f *field) decodeAttr(data []byte, base pointer, st decState, rest []byte) error {
	p := base.add(f.offset)
	switch f.form {
	case formFlag:
		if len(data) != 0 {
			return fmt.Errorf("%w: a flag has no payload, got %d bytes", ErrBadLength, len(data))
		}
		*p.boolp() = true
		return nil
	case formMulti:
		rv := p.value(f.slice)
		n := rv.Len()
		if f.count.maxLen >= 0 && n+1 > f.count.maxLen {
			return f.count.checkLen(n+1, "elements")
		}
		if n == rv.Cap() {
			rv.Grow(countType(rest, f.attrType))
		}
		rv.SetLen(n + 1)
		ep := pointerOf(rv.Index(n).Addr())
		if err := f.val.decodeInto(data, ep, st); err != nil {
			rv.SetLen(n)
			return inIndex(err, n)
		}
		return nil
	case formArray:
		return f.decodeArray(data, p, st)
	case formRecords:
		return f.decodeRecords(data, p, st)
	}
	return f.val.decodeInto(data, p, st)
}

// recordLen reads the length of the record at the start of data (which
// holds at least the record's headers), checking that it covers the
// headers and fits in data.
func (f *field) recordLen(data []byte) (int, error) {
	var n int
	if f.recLen == 2 {
		n = int(binary.NativeEndian.Uint16(data))
	} else {
		n = int(binary.NativeEndian.Uint32(data))
	}
	if hs := f.val.child.hdrSize; n < hs || n > len(data) {
		return 0, fmt.Errorf("%w: a record claims %d bytes, with %d left and %d of headers", ErrBadLength, n, len(data), hs)
	}
	return n, nil
}

// decodeRecords decodes a records field: the attribute's payload is cut
// into records by the length each starts with, and each decoded as a
// message.
func (f *field) decodeRecords(data []byte, p pointer, st decState) error {
	st, err := st.deeper()
	if err != nil {
		return err
	}
	hs := f.val.child.hdrSize
	n := 0
	for off := 0; off < len(data); n++ {
		if len(data)-off < hs {
			return atOffset(inIndex(fmt.Errorf("%w: a record needs %d bytes of headers, %d left", ErrTruncated, hs, len(data)-off), n), off)
		}
		rec, err := f.recordLen(data[off:])
		if err != nil {
			return atOffset(inIndex(err, n), off)
		}
		off += nlattr.Align(rec)
	}
	if err := f.count.checkLen(n, "elements"); err != nil {
		return err
	}
	first := makeSlice(p, f.slice, n)
	es := f.slice.Elem().Size()
	off := 0
	for i := range n {
		rec, _ := f.recordLen(data[off:])
		if err := f.val.child.decodePayload(data[off:off+rec], first.add(uintptr(i)*es), st); err != nil {
			return atOffset(inIndex(err, i), off)
		}
		off += nlattr.Align(rec)
	}
	return nil
}

// decodeInto decodes into the value at p, allocating it first when the
// field is a pointer.
func (v *value) decodeInto(data []byte, p pointer, st decState) error {
	if v.indirect {
		if cur := p.deref(); !cur.isNil() {
			// A repeated attribute: decode over the value already there,
			// as for an inline field (nested sets merge, the last scalar
			// wins).
			return v.decodeValue(data, cur, st)
		}
		np := newValue(v.t)
		if err := v.decodeValue(data, np, st); err != nil {
			return err
		}
		p.setPointer(np)
		return nil
	}
	return v.decodeValue(data, p, st)
}

// countType counts the attributes of type t in b; it is bounded by the
// bytes actually present, never by a claimed length.
func countType(b []byte, t uint16) int {
	n := 0
	it := nlattr.NewIter(b)
	for it.Next() {
		if it.Type() == t {
			n++
		}
	}
	return n
}

func (f *field) decodeArray(data []byte, p pointer, st decState) error {
	st, err := st.deeper()
	if err != nil {
		return err
	}
	n := 0
	it := nlattr.NewIter(data)
	for it.Next() {
		n++
	}
	if err := it.Err(); err != nil {
		return err
	}
	if err := f.count.checkLen(n, "elements"); err != nil {
		return err
	}
	first := makeSlice(p, f.slice, n)
	if n == 0 {
		return nil
	}
	es := f.slice.Elem().Size()
	it = nlattr.NewIter(data)
	for i := 0; it.Next(); i++ {
		if err := f.val.decodeInto(it.Data(), first.add(uintptr(i)*es), st); err != nil {
			return atOffset(inIndex(err, i), it.Offset()+nlattr.HeaderLen)
		}
	}
	return nil
}

var errUnknownVariant = fmt.Errorf("%w: no type registered for the selector's value", ErrVariant)

// decodeVariant decodes a sub-message into interface field f of the
// struct at base, its type chosen by the selector.
func (f *field) decodeVariant(data []byte, base pointer, st decState) error {
	c := f.sel.lookup(f.val.variants, base)
	if c == nil {
		if f.form == formBody {
			if st.unknown == RejectUnknown && len(data) > 0 {
				return fmt.Errorf("%w: %s is %s", errUnknownVariant, f.sel.path, f.sel.keyString(base))
			}
			return nil
		}
		return errUnknownVariant
	}
	var np pointer
	if f.form == formBody && !st.spare.isNil() && st.spareTab == c.tab {
		np = st.spare
		if c.noPtrs {
			clear(np.mem(c.val.t.Size()))
		} else {
			np.value(c.val.t).SetZero()
		}
	} else {
		np = newValue(c.val.t)
	}
	// The kept body is the top-level message's: a body nested inside
	// this one must not be decoded over it.
	st.spareTab, st.spare = pointer{}, pointer{}
	if err := c.val.decodeValue(data, np, st); err != nil {
		return err
	}
	base.add(f.offset).setIface(c.tab, np)
	return nil
}

// decodeValue decodes one payload into the value at p.
func (v *value) decodeValue(data []byte, p pointer, st decState) error {
	switch v.kind {
	case vkU8:
		if len(data) != 1 {
			return errWidth(1, len(data))
		}
		*p.u8() = data[0]
		if v.checks.any() {
			return v.checkInt(uint64(data[0]), uint64(int8(data[0])))
		}
		return nil
	case vkBool:
		if len(data) != 1 {
			return errWidth(1, len(data))
		}
		*p.boolp() = data[0] != 0
		return nil
	case vkU16:
		if len(data) != 2 {
			return errWidth(2, len(data))
		}
		x := binary.NativeEndian.Uint16(data)
		if v.be {
			x = binary.BigEndian.Uint16(data)
		}
		*p.u16() = x
		if v.checks.any() {
			return v.checkInt(uint64(x), uint64(int16(x)))
		}
		return nil
	case vkU32:
		if len(data) != 4 {
			return errWidth(4, len(data))
		}
		x := binary.NativeEndian.Uint32(data)
		if v.be {
			x = binary.BigEndian.Uint32(data)
		}
		*p.u32() = x
		if v.checks.any() {
			return v.checkInt(uint64(x), uint64(int32(x)))
		}
		return nil
	case vkU64:
		if len(data) != 8 {
			return errWidth(8, len(data))
		}
		x := binary.NativeEndian.Uint64(data)
		if v.be {
			x = binary.BigEndian.Uint64(data)
		}
		*p.u64() = x
		if v.checks.any() {
			return v.checkInt(x, x)
		}
		return nil
	case vkVarU, vkVarS:
		order := binary.ByteOrder(binary.NativeEndian)
		if v.be {
			order = binary.BigEndian
		}
		var x uint64
		switch len(data) {
		case 4:
			x = uint64(order.Uint32(data))
			if v.kind == vkVarS {
				x = uint64(int32(x))
			}
		case 8:
			x = order.Uint64(data)
		default:
			return fmt.Errorf("%w: want 4 or 8 bytes, got %d", ErrBadLength, len(data))
		}
		if v.t.Size() == 4 {
			if (v.kind == vkVarU && x > 0xffffffff) || (v.kind == vkVarS && int64(x) != int64(int32(x))) {
				return fmt.Errorf("%w: %d does not fit in %s", ErrBadLength, x, v.t)
			}
			*p.u32() = uint32(x)
		} else {
			*p.u64() = x
		}
		if v.checks.any() {
			return v.checkInt(x, x)
		}
		return nil
	case vkString:
		if i := bytes.IndexByte(data, 0); i >= 0 {
			data = data[:i]
		}
		if err := v.checks.checkLen(len(data), "bytes"); err != nil {
			return err
		}
		*p.stringp() = string(data)
		return nil
	case vkBytes:
		if err := v.checks.checkLen(len(data), "bytes"); err != nil {
			return err
		}
		*p.bytesp() = append([]byte{}, data...)
		return nil
	case vkIP:
		if len(data) != 4 && len(data) != 16 {
			return fmt.Errorf("%w: an IP address has 4 or 16 bytes, got %d", ErrBadLength, len(data))
		}
		*p.bytesp() = append([]byte{}, data...)
		return nil
	case vkAddr:
		switch len(data) {
		case 4:
			*p.addr() = netip.AddrFrom4([4]byte(data))
		case 16:
			*p.addr() = netip.AddrFrom16([16]byte(data))
		default:
			return fmt.Errorf("%w: an IP address has 4 or 16 bytes, got %d", ErrBadLength, len(data))
		}
		return nil
	case vkFixed:
		want := v.fixed.size
		if v.checks.minLen >= 0 {
			want = v.checks.minLen
		}
		if len(data) < want {
			if want == v.fixed.size {
				return errWidth(want, len(data))
			}
			return errMinWidth(want, len(data))
		}
		v.fixed.decode(data, p)
		return nil
	case vkPacked:
		es := v.fixed.size
		if es == 0 || len(data)%es != 0 {
			return fmt.Errorf("%w: %d bytes is not a whole number of %d-byte elements", ErrBadLength, len(data), es)
		}
		n := len(data) / es
		if err := v.checks.checkLen(n, "elements"); err != nil {
			return err
		}
		first := makeSlice(p, v.t, n)
		if n > 0 {
			step := uintptr(v.t.Elem().Size())
			for i := range n {
				v.fixed.decode(data[i*es:], first.add(uintptr(i)*step))
			}
		}
		return nil
	case vkNested:
		st, err := st.deeper()
		if err != nil {
			return err
		}
		return v.child.decodePayload(data, p, st)
	case vkMap:
		return v.decodeMap(data, p, st)
	case vkCustom:
		u, ok := p.value(v.t).Addr().Interface().(Unmarshaler)
		if !ok {
			return fmt.Errorf("%w: %s does not implement Unmarshaler", ErrInvalid, v.t)
		}
		return u.UnmarshalNetlink(data)
	}
	return fmt.Errorf("%w: cannot decode into %s here", ErrInvalid, v.t)
}

// decodeMap decodes a nest whose entries are typed by their map key.
func (v *value) decodeMap(data []byte, p pointer, st decState) error {
	st, err := st.deeper()
	if err != nil {
		return err
	}
	m := p.value(v.t)
	if m.IsNil() {
		m.Set(reflect.MakeMap(v.t))
	}
	kt := v.t.Key()
	it := nlattr.NewIter(data)
	for it.Next() {
		ev := reflect.New(v.t.Elem())
		if err := v.elem.decodeInto(it.Data(), pointerOf(ev), st); err != nil {
			return atOffset(inIndex(err, int(it.Type())), it.Offset()+nlattr.HeaderLen)
		}
		k := reflect.New(kt).Elem()
		if k.CanInt() {
			if k.OverflowInt(int64(it.Type())) {
				return atOffset(fmt.Errorf("%w: attribute type %d does not fit in a %s key", ErrBadLength, it.Type(), kt), it.Offset())
			}
			k.SetInt(int64(it.Type()))
		} else {
			if k.OverflowUint(uint64(it.Type())) {
				return atOffset(fmt.Errorf("%w: attribute type %d does not fit in a %s key", ErrBadLength, it.Type(), kt), it.Offset())
			}
			k.SetUint(uint64(it.Type()))
		}
		m.SetMapIndex(k, ev.Elem())
	}
	return it.Err()
}

// makeSlice sets the slice of type t at p to n zero elements (empty but
// not nil for n == 0) with one allocation, and returns its first element.
func makeSlice(p pointer, t reflect.Type, n int) pointer {
	if n == 0 {
		p.setEmptySlice()
		return pointer{}
	}
	rv := p.value(t)
	rv.Set(reflect.Zero(t))
	rv.Grow(n)
	rv.SetLen(n)
	return p.sliceData()
}
