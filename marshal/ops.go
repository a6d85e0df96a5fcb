package marshal

import (
	"encoding/binary"
	"fmt"

	"github.com/nlstruct/nlstruct/nlattr"
)

// The encoder of a message plan is a flat list of ops compiled once. Runs
// of attributes whose encoded size is known when the plan is built
// (fixed-width integers and fixed layouts that are always written) are
// reserved in one step and stored at precomputed positions; other fields
// take the general path, with strings and nested sets handled inline.

type opKind uint8

const (
	opRun    opKind = iota + 1 // the next n ops write size bytes in total
	opU8                       // u8 or bool: header, 1 byte, 3 padding
	opU16                      // header, 2 bytes, 2 padding
	opU16BE                    //
	opU32                      // header, 4 bytes
	opU32BE                    //
	opU64                      // header, 8 bytes
	opU64BE                    //
	opFixed                    // header, fixed layout, padding
	opString                   // header, string, NUL, padding
	opBytes                    // header, bytes, padding
	opNested                   // nested attribute set, inline struct
	opField                    // anything else: field.appendAttr
)

type encOp struct {
	kind opKind
	n    int     // opRun: number of ops in the run
	size int     // bytes written (opRun: the run's total)
	off  uintptr // field offset
	hdr  uint32  // precomputed header word: nla_len | nla_type<<16
	f    *field
	run  *encRun // opRun: the run's template and stores
}

// encRun is a run of attributes whose bytes, but for their values, are
// known when the plan is built: tmpl holds them (headers, zero values,
// padding), and encoding the run is copying tmpl and storing each value
// at its place, kind by kind, with no dispatch per attribute.
type encRun struct {
	tmpl                       []byte
	u8, u16, u16be, u32, u32be []store
	u64, u64be                 []store
	fixed                      []fixedStore
}

// store puts the value of the field at offset src of the struct at
// offset dst of the run.
type store struct{ dst, src uint32 }

type fixedStore struct {
	store
	l *fixedLayout
}

// compileRun builds the template and stores of the run of ops.
func compileRun(ops []encOp, size int) *encRun {
	r := &encRun{tmpl: make([]byte, size)}
	pos := 0
	for _, o := range ops {
		binary.NativeEndian.PutUint32(r.tmpl[pos:], o.hdr)
		st := store{dst: uint32(pos + nlattr.HeaderLen), src: uint32(o.off)}
		switch o.kind {
		case opU8:
			r.u8 = append(r.u8, st)
		case opU16:
			r.u16 = append(r.u16, st)
		case opU16BE:
			r.u16be = append(r.u16be, st)
		case opU32:
			r.u32 = append(r.u32, st)
		case opU32BE:
			r.u32be = append(r.u32be, st)
		case opU64:
			r.u64 = append(r.u64, st)
		case opU64BE:
			r.u64be = append(r.u64be, st)
		case opFixed:
			r.fixed = append(r.fixed, fixedStore{st, o.f.val.fixed})
		}
		pos += o.size
	}
	return r
}

// write fills w, the run's bytes, from the struct at p.
func (r *encRun) write(w []byte, p pointer) {
	copy(w, r.tmpl)
	for _, s := range r.u32 {
		binary.NativeEndian.PutUint32(w[s.dst:], *p.add(uintptr(s.src)).u32())
	}
	for _, s := range r.u64 {
		binary.NativeEndian.PutUint64(w[s.dst:], *p.add(uintptr(s.src)).u64())
	}
	for _, s := range r.u8 {
		w[s.dst] = *p.add(uintptr(s.src)).u8()
	}
	for _, s := range r.u16 {
		binary.NativeEndian.PutUint16(w[s.dst:], *p.add(uintptr(s.src)).u16())
	}
	for _, s := range r.u16be {
		binary.BigEndian.PutUint16(w[s.dst:], *p.add(uintptr(s.src)).u16())
	}
	for _, s := range r.u32be {
		binary.BigEndian.PutUint32(w[s.dst:], *p.add(uintptr(s.src)).u32())
	}
	for _, s := range r.u64be {
		binary.BigEndian.PutUint64(w[s.dst:], *p.add(uintptr(s.src)).u64())
	}
	for _, s := range r.fixed {
		d := w[s.dst : int(s.dst)+s.l.size]
		copy(d, p.add(uintptr(s.src)).mem(uintptr(s.l.size)))
		if !s.l.plain {
			s.l.fixup(d)
		}
	}
}

// compileOps builds the encoder ops of a message plan's attributes.
func compileOps(attrs []*field) []encOp {
	var ops []encOp
	run := -1
	for _, f := range attrs {
		op := encOp{off: f.offset, f: f, kind: opField}
		v := &f.val
		plain := f.form == formAttr && !v.indirect && !v.checks.any()
		if plain && !f.omitempty {
			switch v.kind {
			case vkU8, vkBool:
				op.kind, op.size = opU8, 8
			case vkU16:
				op.kind, op.size = opU16, 8
				if v.be {
					op.kind = opU16BE
				}
			case vkU32:
				op.kind, op.size = opU32, 8
				if v.be {
					op.kind = opU32BE
				}
			case vkU64:
				op.kind, op.size = opU64, 12
				if v.be {
					op.kind = opU64BE
				}
			case vkFixed:
				if n := nlattr.HeaderLen + v.fixed.size; n <= nlattr.MaxLen {
					op.kind, op.size = opFixed, nlattr.Align(n)
				}
			}
		}
		if op.kind != opField {
			n := op.size
			if op.kind == opU8 {
				n = 5
			} else if op.kind == opU16 || op.kind == opU16BE {
				n = 6
			} else if op.kind == opFixed {
				n = nlattr.HeaderLen + v.fixed.size
			}
			op.hdr = uint32(n) | uint32(f.hdr)<<16
			if run < 0 {
				run = len(ops)
				ops = append(ops, encOp{kind: opRun})
			}
			ops[run].n++
			ops[run].size += op.size
			ops = append(ops, op)
			continue
		}
		run = -1
		if plain && v.kind == vkString {
			op.kind = opString
		} else if plain && v.kind == vkBytes {
			op.kind = opBytes
		} else if plain && v.kind == vkNested && !f.omitempty {
			op.kind = opNested
		}
		ops = append(ops, op)
	}
	for i := range ops {
		if ops[i].kind == opRun && ops[i].n >= minTemplateRun {
			ops[i].run = compileRun(ops[i+1:i+1+ops[i].n], ops[i].size)
		}
	}
	return ops
}

// minTemplateRun is the shortest run encoded from a template: for fewer
// attributes, copying the template and walking the store lists costs
// more than writing each attribute in turn (measured on the bench's
// IPVS requests and service message).
const minTemplateRun = 6

// writeRun writes a short run attribute by attribute.
func writeRun(w []byte, p pointer, run []encOp) {
	pos := 0
	for j := range run {
		o := &run[j]
		fp := p.add(o.off)
		binary.NativeEndian.PutUint32(w[pos:], o.hdr)
		switch o.kind {
		case opU8:
			binary.NativeEndian.PutUint32(w[pos+4:], 0)
			w[pos+4] = *fp.u8()
		case opU16:
			binary.NativeEndian.PutUint16(w[pos+4:], *fp.u16())
			binary.NativeEndian.PutUint16(w[pos+6:], 0)
		case opU16BE:
			binary.BigEndian.PutUint16(w[pos+4:], *fp.u16())
			binary.NativeEndian.PutUint16(w[pos+6:], 0)
		case opU32:
			binary.NativeEndian.PutUint32(w[pos+4:], *fp.u32())
		case opU32BE:
			binary.BigEndian.PutUint32(w[pos+4:], *fp.u32())
		case opU64:
			binary.NativeEndian.PutUint64(w[pos+4:], *fp.u64())
		case opU64BE:
			binary.BigEndian.PutUint64(w[pos+4:], *fp.u64())
		case opFixed:
			l := o.f.val.fixed
			d := w[pos+4 : pos+o.size]
			n := copy(d, fp.mem(uintptr(l.size)))
			clear(d[n:])
			if !l.plain {
				l.fixup(d[:n])
			}
		}
		pos += o.size
	}
}

// appendOps runs the ops over the struct at p.
func (pl *plan) appendOps(b []byte, p pointer, st encState) ([]byte, error) {
	ops := pl.ops
	for i := 0; i < len(ops); i++ {
		op := &ops[i]
		switch op.kind {
		case opRun:
			start := len(b)
			if cap(b)-start < op.size {
				b = append(b[:cap(b)], make([]byte, op.size-(cap(b)-start))...)
			}
			b = b[:start+op.size]
			if op.run != nil {
				op.run.write(b[start:], p)
			} else {
				writeRun(b[start:], p, ops[i+1:i+1+op.n])
			}
			i += op.n
		case opString:
			s := *p.add(op.off).stringp()
			if s == "" && op.f.omitempty {
				continue
			}
			n := nlattr.HeaderLen + len(s) + 1
			if n > nlattr.MaxLen {
				return b, inField(fmt.Errorf("%w: %d bytes", ErrTooLarge, n), op.f.name, op.f.attrType, true, -1)
			}
			b = appendHeader(b, op.f.hdr, n)
			b = append(b, s...)
			b = append(b, zeroPad[:nlattr.Align(n)-n+1]...)
		case opBytes:
			d := *p.add(op.off).bytesp()
			if d == nil || (len(d) == 0 && op.f.omitempty) {
				continue
			}
			n := nlattr.HeaderLen + len(d)
			if n > nlattr.MaxLen {
				return b, inField(fmt.Errorf("%w: %d bytes", ErrTooLarge, n), op.f.name, op.f.attrType, true, -1)
			}
			b = appendHeader(b, op.f.hdr, n)
			b = append(b, d...)
			b = append(b, zeroPad[:nlattr.Align(n)-n]...)
		case opNested:
			start := len(b)
			b = appendHeader(b, op.f.hdr, 0)
			var err error
			if st.depth >= st.maxDepth {
				err = fmt.Errorf("%w: more than %d levels", ErrTooDeep, st.maxDepth)
			} else {
				cst := st
				cst.depth++
				b, err = op.f.val.child.appendPayload(b, p.add(op.off), cst)
			}
			if err == nil {
				b, err = endAttr(b, start)
			}
			if err != nil {
				return b[:start], inField(err, op.f.name, op.f.attrType, true, -1)
			}
		default:
			mark := len(b)
			var err error
			if b, err = op.f.appendAttr(b, p, st); err != nil {
				return b[:mark], inField(err, op.f.name, op.f.attrType, true, -1)
			}
		}
	}
	return b, nil
}

// decodeOp picks the decoder fast path of a field, or 0.
func decodeOp(f *field) opKind {
	v := &f.val
	if f.form != formAttr || v.indirect || v.checks.any() {
		return 0
	}
	switch v.kind {
	case vkU8:
		return opU8
	case vkU16:
		if v.be {
			return opU16BE
		}
		return opU16
	case vkU32:
		if v.be {
			return opU32BE
		}
		return opU32
	case vkU64:
		if v.be {
			return opU64BE
		}
		return opU64
	case vkString:
		return opString
	case vkBytes:
		return opBytes
	case vkFixed:
		return opFixed
	case vkNested:
		return opNested
	}
	return 0
}

// decodeFast decodes data into field f at fp by its fast path. It repeats
// decodeValue's integer and string cases (without checks) on purpose:
// calling decodeValue from the attribute loop instead was measured ~15%
// slower on the service benchmark (bench/), its larger switch and the
// check tests costing on every attribute.
func decodeFast(f *field, data []byte, fp pointer, st decState) error {
	switch f.dop {
	case opU8:
		if len(data) != 1 {
			return errWidth(1, len(data))
		}
		*fp.u8() = data[0]
	case opU16:
		if len(data) != 2 {
			return errWidth(2, len(data))
		}
		*fp.u16() = binary.NativeEndian.Uint16(data)
	case opU16BE:
		if len(data) != 2 {
			return errWidth(2, len(data))
		}
		*fp.u16() = binary.BigEndian.Uint16(data)
	case opU32:
		if len(data) != 4 {
			return errWidth(4, len(data))
		}
		*fp.u32() = binary.NativeEndian.Uint32(data)
	case opU32BE:
		if len(data) != 4 {
			return errWidth(4, len(data))
		}
		*fp.u32() = binary.BigEndian.Uint32(data)
	case opU64:
		if len(data) != 8 {
			return errWidth(8, len(data))
		}
		*fp.u64() = binary.NativeEndian.Uint64(data)
	case opU64BE:
		if len(data) != 8 {
			return errWidth(8, len(data))
		}
		*fp.u64() = binary.BigEndian.Uint64(data)
	case opString:
		for i, c := range data {
			if c == 0 {
				data = data[:i]
				break
			}
		}
		*fp.stringp() = string(data)
	case opBytes:
		*fp.bytesp() = append([]byte{}, data...)
	case opFixed:
		l := f.val.fixed
		if len(data) < l.size {
			return errWidth(l.size, len(data))
		}
		l.decode(data, fp)
	case opNested:
		if st.depth >= st.maxDepth {
			return errTooDeep(st.maxDepth)
		}
		st.depth++
		return f.val.child.decodePayload(data, fp, st)
	}
	return nil
}
