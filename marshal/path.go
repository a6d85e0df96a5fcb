package marshal

import (
	"fmt"
	"reflect"

	"github.com/nlstruct/nlstruct/nlattr"
)

// PathAt names the Go field encoded at byte offset off of b, where b is the
// encoding of v (as returned by Marshal). The kernel reports where it
// rejected a request as such an offset in its extended ACK; PathAt turns
// it into "Service.Scheduler" or "Link.LinkInfo.Data.ID". The path starts
// with v's type name and ends at the innermost field whose bytes (header
// or payload) contain off. It reports false when off is outside b or the
// type cannot be planned.
func PathAt(v any, b []byte, off int) (string, bool) {
	rv := reflect.ValueOf(v)
	var p pointer
	if rv.Kind() == reflect.Pointer && !rv.IsNil() {
		p = pointerOf(rv)
		rv = rv.Elem()
	}
	if rv.Kind() != reflect.Struct || off < 0 || off >= len(b) {
		return "", false
	}
	pl := planFor(rv.Type())
	if pl.err != nil {
		return "", false
	}
	if p.isNil() {
		cp := reflect.New(rv.Type())
		cp.Elem().Set(rv)
		p = pointerOf(cp)
	}
	path := append([]string{typeName(pl.t)}, pl.pathAt(b, p, off, 0)...)
	return joinPath(path), true
}

func typeName(t reflect.Type) string {
	if t.Name() != "" {
		return t.Name()
	}
	return t.String()
}

// pathAt walks b, the payload of the struct at p (nil when unknown), to
// the field containing off.
func (pl *plan) pathAt(b []byte, p pointer, off, depth int) []string {
	if depth > DefaultMaxDepth*2 {
		return nil
	}
	if pl.kind == planFixed {
		return fixedPath(pl.t, off)
	}
	cur := 0
	for _, f := range pl.headers {
		if off < cur+f.val.fixed.size {
			return append([]string{f.name}, fixedPath(f.val.t, off-cur)...)
		}
		cur += f.val.fixed.size
	}
	cur = nlattr.Align(cur)
	if cur > len(b) {
		return nil
	}
	if f := pl.body; f != nil {
		return append([]string{f.name}, f.variantPath(b[cur:], p, off-cur, depth)...)
	}
	seen := map[uint16]int{}
	it := nlattr.NewIter(b[cur:])
	for it.Next() {
		start := cur + it.Offset()
		data := it.Data()
		typ := it.Type()
		seen[typ]++
		if off < start || off >= start+nlattr.HeaderLen+len(data) {
			continue
		}
		f := pl.lookup(typ)
		if f == nil {
			return []string{fmt.Sprintf("(attr %d)", typ)}
		}
		name := f.name
		inner := off - start - nlattr.HeaderLen
		var fp pointer
		if !p.isNil() {
			fp = p.add(f.offset)
		}
		switch f.form {
		case formMulti:
			i := seen[typ] - 1
			name = fmt.Sprintf("%s[%d]", f.name, i)
			if inner >= 0 && !fp.isNil() && i < fp.sliceLen() {
				return append([]string{name}, f.val.pathAt(data, fp.sliceData().add(uintptr(i)*f.slice.Elem().Size()), inner, depth)...)
			}
			return []string{name}
		case formRecords:
			return append([]string{name}, f.recordsPath(data, fp, inner, depth)...)
		case formArray:
			if inner < 0 {
				return []string{name}
			}
			eit := nlattr.NewIter(data)
			for i := 0; eit.Next(); i++ {
				es := eit.Offset()
				if inner >= es && inner < es+nlattr.HeaderLen+len(eit.Data()) {
					name = fmt.Sprintf("%s[%d]", f.name, i)
					var ep pointer
					if !fp.isNil() && i < fp.sliceLen() {
						ep = fp.sliceData().add(uintptr(i) * f.slice.Elem().Size())
					}
					if in := inner - es - nlattr.HeaderLen; in >= 0 {
						return append([]string{name}, f.val.pathAt(eit.Data(), ep, in, depth)...)
					}
					return []string{name}
				}
			}
			return []string{name}
		}
		if inner < 0 {
			return []string{name}
		}
		if f.val.kind == vkVariant {
			return append([]string{name}, f.variantPath(data, p, inner, depth)...)
		}
		return append([]string{name}, f.val.pathAt(data, fp, inner, depth)...)
	}
	return nil
}

// pathAt descends into a value's payload where it has fields.
func (v *value) pathAt(data []byte, p pointer, off, depth int) []string {
	if !p.isNil() && v.indirect {
		p = p.deref()
	}
	switch v.kind {
	case vkNested:
		return v.child.pathAt(data, p, off, depth+1)
	case vkFixed:
		return fixedPath(v.t, off)
	}
	return nil
}

// variantPath descends into the sub-message held by interface field f of
// the struct at base.
func (f *field) variantPath(data []byte, base pointer, off, depth int) []string {
	if base.isNil() {
		return nil
	}
	fp := base.add(f.offset)
	if fp.ifaceIsNil() {
		return nil
	}
	c := f.val.variants.byType[fp.value(f.val.t).Elem().Type()]
	if c == nil {
		return nil
	}
	return c.val.pathAt(data, fp.ifaceData(), off, depth)
}

// fixedPath names the field of fixed layout t at byte offset off.
func fixedPath(t reflect.Type, off int) []string {
	switch t.Kind() {
	case reflect.Struct:
		for i := range t.NumField() {
			sf := t.Field(i)
			if off >= int(sf.Offset) && off < int(sf.Offset+sf.Type.Size()) {
				return append([]string{sf.Name}, fixedPath(sf.Type, off-int(sf.Offset))...)
			}
		}
	case reflect.Array:
		if es := int(t.Elem().Size()); es > 0 && t.Elem().Kind() != reflect.Uint8 {
			i := off / es
			sub := fixedPath(t.Elem(), off-i*es)
			return append([]string{fmt.Sprintf("[%d]", i)}, sub...)
		}
	}
	return nil
}

// recordsPath names the record of a records field holding offset off of
// its payload data, and the field inside it.
func (f *field) recordsPath(data []byte, fp pointer, off, depth int) []string {
	if off < 0 {
		return nil
	}
	hs := f.val.child.hdrSize
	for i, start := 0, 0; start < len(data) && len(data)-start >= hs; i++ {
		rec, err := f.recordLen(data[start:])
		if err != nil {
			return nil
		}
		if off < start+rec {
			var ep pointer
			if !fp.isNil() && i < fp.sliceLen() {
				ep = fp.sliceData().add(uintptr(i) * f.slice.Elem().Size())
			}
			idx := fmt.Sprintf("[%d]", i)
			return append([]string{idx}, f.val.child.pathAt(data[start:start+rec], ep, off-start, depth+1)...)
		}
		start += nlattr.Align(rec)
	}
	return nil
}
