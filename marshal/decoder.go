package marshal

import (
	"encoding/binary"
	"fmt"
	"reflect"

	"github.com/nlstruct/nlstruct/nlattr"
)

// A Decoder decodes messages into values of one struct type T. It is
// Unmarshal with the plan looked up once, when the Decoder is made, and
// the argument typed, so a Decode does no type dispatch.
//
// With Options.ReuseVariants, a Decoder also keeps one value of each type
// that T's body sub-message (a selector= field without type=) can hold,
// and decodes each message's body into the kept value of the type the
// message selects. A loop decoding a stream of messages of mixed types
// then allocates nothing once it has seen each type, however the types
// alternate. The body that v points to after a Decode belongs to the
// Decoder and is overwritten by a later Decode that selects the same
// type: copy what you keep. Such a Decoder is not safe for concurrent
// use; without ReuseVariants a Decoder is.
//
// A Decoder keeps the plan it was made with: variants registered after
// NewDecoder are not seen by it.
type Decoder[T any] struct{ d decoder }

// decoder is the untyped part of a Decoder.
type decoder struct {
	pl     *plan
	st     decState
	reuse  bool
	spares []pointer // by variantCase.index of pl.body's variants
	flat   *flatBody // set when the body can take the flat path
}

// flatBody is the shortcut of a Decoder with ReuseVariants for a message
// made of plain headers (C structs whose wire bytes are their memory) and
// a body chosen by an integer: the cases live in the Decoder's own table
// with their kept values, and the headers and C struct bodies are decoded
// by straight copies.
type flatBody struct {
	bodyOff int        // where the body starts: the aligned header size
	iface   uintptr    // the body field's offset
	sel     selector   // its selector
	words   []wordMove // the headers, as 8-byte moves
	hdrOps  []copyOp   // the rest of the headers (tails shorter than 8)
	cases   []flatCase // open-addressed as variantSet.numTab
	shift   uint       // hashNum(key)>>shift is the first slot
	// keyOff is where a uint32 selector lies in the message, to be read
	// from there rather than after the copy; -1 for other selectors.
	keyOff int
}

// flatCase is one slot of flatBody.cases.
type flatCase struct {
	c     *variantCase // nil: an empty slot
	num   uint64
	tab   pointer
	spare pointer // the kept value, once the general path made it
	size  int     // the body's wire size; 0: the case takes the general path
	n     int     // the bytes to copy: size less trailing padding
}

// NewDecoder returns a Decoder of T with options o, or the tag mistake
// that T's plan has (the error every Unmarshal into a *T would return).
func NewDecoder[T any](o Options) (*Decoder[T], error) {
	t := reflect.TypeFor[T]()
	if t.Kind() != reflect.Struct {
		return nil, fmt.Errorf("marshal: %w: NewDecoder wants a struct type, got %v", ErrInvalid, t)
	}
	pl := planFor(t)
	if pl.err != nil {
		return nil, inType(pl.err, pl.t)
	}
	d := &Decoder[T]{decoder{pl: pl, st: decState{maxDepth: o.maxDepth(), unknown: o.Unknown}}}
	if o.ReuseVariants && pl.body != nil {
		d.d.reuse = true
		d.d.spares = make([]pointer, len(pl.body.val.variants.cases))
		d.d.flat = newFlatBody(pl)
	}
	return d, nil
}

func newFlatBody(pl *plan) *flatBody {
	f, vs := pl.body, pl.body.val.variants
	if vs.isStr {
		return nil
	}
	fb := &flatBody{
		bodyOff: nlattr.Align(pl.hdrSize),
		iface:   f.offset,
		sel:     f.sel,
		cases:   make([]flatCase, len(vs.numTab)),
		shift:   vs.numShift,
		keyOff:  -1,
	}
	// The flat path writes every field, so it does not zero the value
	// first: the headers and the body must be all of its fields, and
	// the headers must have no trailing padding.
	if pl.t.NumField() != len(pl.headers)+1 {
		return nil
	}
	off := 0
	// owner[i] says what byte i of the value is: -1 for part of no
	// field (the compiler's alignment padding), k for the data of header
	// k, len(pl.headers) for anything else.
	owner := make([]int, pl.t.Size())
	for i := range owner {
		owner[i] = -1
	}
	for i := range pl.t.NumField() {
		sf := pl.t.Field(i)
		for j := sf.Offset; j < sf.Offset+sf.Type.Size(); j++ {
			owner[j] = len(pl.headers)
		}
	}
	for k, h := range pl.headers {
		for j := h.offset; j < h.offset+uintptr(h.val.fixed.dataLen); j++ {
			owner[j] = k
		}
	}
	for k, h := range pl.headers {
		l := h.val.fixed
		if !l.decPlain || l.dataLen != l.size {
			return nil
		}
		n := l.size
		for i := 0; i+8 <= n; i += 8 {
			fb.words = append(fb.words, wordMove{dst: uint32(h.offset) + uint32(i), src: uint32(off + i)})
		}
		if tail := n % 8; tail != 0 {
			// A tail becomes one more word when the extra bytes it
			// writes are alignment padding or data of a later header
			// (copied over them afterwards), and it reads no further
			// than the headers.
			start := h.offset + uintptr(n-tail)
			ok := off+n-tail+8 <= pl.hdrSize && int(start)+8 <= len(owner)
			for j := h.offset + uintptr(n); ok && j < start+8; j++ {
				ok = owner[j] == -1 || (owner[j] > k && owner[j] < len(pl.headers))
			}
			if ok {
				fb.words = append(fb.words, wordMove{dst: uint32(start), src: uint32(off + n - tail)})
			} else {
				fb.hdrOps = append(fb.hdrOps, copyOp{dst: start, src: off + n - tail, n: tail})
			}
		}
		if f.sel.kind == reflect.Uint32 && f.sel.off >= h.offset && f.sel.off+4 <= h.offset+uintptr(l.dataLen) {
			fb.keyOff = off + int(f.sel.off-h.offset)
		}
		off += l.size
	}
	for i, c := range vs.numTab {
		if c == nil {
			continue
		}
		fc := flatCase{c: c, num: c.num, tab: c.tab}
		if l := c.fixed; l != nil && l.decPlain {
			// A kept value's trailing padding is zero: it was made
			// zero, and nothing writes padding but decoding, with
			// zeros.
			fc.size, fc.n = l.size, l.dataLen
		}
		fb.cases[i] = fc
	}
	return fb
}

// Decode decodes b into v as Unmarshal does: it first sets *v to its zero
// value, and v shares no memory with b (except, with ReuseVariants, the
// body, which v shares with the Decoder).
func (d *Decoder[T]) Decode(b []byte, v *T) error { return d.d.decode(b, pointerTo(v)) }

// decode is Decoder.Decode. The flat path is written out here, and
// everything else kept out of line, so that a flat decode is one call.
func (d *decoder) decode(b []byte, p pointer) error {
	fb := d.flat
	if fb == nil || p.isNil() || len(b) < fb.bodyOff {
		return d.decodeSlow(b, p)
	}
	for _, w := range fb.words {
		p.moveWord(b, w)
	}
	for _, o := range fb.hdrOps {
		p.copyOp(b, o)
	}
	var key uint64
	if fb.keyOff >= 0 {
		key = uint64(binary.NativeEndian.Uint32(b[fb.keyOff:]))
	} else {
		key = readInt(p.add(fb.sel.off), fb.sel.kind)
	}
	mask := uint64(len(fb.cases) - 1)
	for i := hashNum(key) >> fb.shift; ; i = (i + 1) & mask {
		e := &fb.cases[i]
		if e.c == nil || e.num == key {
			if e.size == 0 || e.spare.isNil() || len(b)-fb.bodyOff < e.size {
				return d.decodeSlow(b, p)
			}
			e.spare.copyIn(b[fb.bodyOff:], e.n)
			p.add(fb.iface).setIface(e.tab, e.spare)
			return nil
		}
	}
}

// decodeSlow zeroes the value at p and decodes b into it the general way.
//
//go:noinline
func (d *decoder) decodeSlow(b []byte, p pointer) error {
	pl := d.pl
	if p.isNil() {
		return fmt.Errorf("marshal: %w: Decode into a nil *%v", ErrInvalid, pl.t)
	}
	if pl.noPtrs {
		clear(p.mem(pl.t.Size()))
	} else {
		p.value(pl.t).SetZero()
	}
	var err error
	if d.reuse {
		err = d.decodeReusing(b, p)
	} else {
		err = pl.decodePayload(b, p, d.st)
	}
	if err != nil {
		return inType(err, pl.t)
	}
	return nil
}

// decodeReusing decodes a message with a body into the kept value of the
// body's type.
func (d *decoder) decodeReusing(b []byte, p pointer) error {
	pl := d.pl
	off, err := pl.decodeHeaders(b, p)
	if err != nil {
		return err
	}
	f := pl.body
	c := f.sel.lookup(f.val.variants, p)
	if c == nil {
		// No type for the selector's value: decodeVariant says what
		// that means under the options.
		if err := f.decodeVariant(b[off:], p, d.st); err != nil {
			return inField(err, f.name, 0, false, off)
		}
		return nil
	}
	np := d.spares[c.index]
	data := b[off:]
	if l := c.fixed; l != nil && !np.isNil() && len(data) >= l.size {
		// The common case of a body that is a C struct: decode
		// overwrites every byte, so no zeroing first.
		l.decode(data, np)
		p.add(f.offset).setIface(c.tab, np)
		return nil
	}
	switch {
	case np.isNil():
		np = newValue(c.val.t)
		d.spares[c.index] = np
		if d.flat != nil {
			d.flat.keep(c, np)
		}
	case c.noPtrs:
		clear(np.mem(c.val.t.Size()))
	default:
		np.value(c.val.t).SetZero()
	}
	if err := c.val.decodeValue(data, np, d.st); err != nil {
		return inField(err, f.name, 0, false, off)
	}
	p.add(f.offset).setIface(c.tab, np)
	return nil
}

// keep records np as the kept value of case c.
func (fb *flatBody) keep(c *variantCase, np pointer) {
	for i := range fb.cases {
		if fb.cases[i].c == c {
			fb.cases[i].spare = np
		}
	}
}
