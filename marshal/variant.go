package marshal

import (
	"fmt"
	"reflect"
	"strings"
)

// Sub-messages. A field of interface type tagged selector=F holds one of
// several concrete types, chosen by the value of the sibling field F (a
// string or an integer, possibly inside a header: selector=Header.What).
// The concrete types are registered per interface type with
// RegisterVariant, keyed by the selector's value.

// registry maps an interface type to its registered variants.
var registry = map[reflect.Type][]variantCase{}

// RegisterVariant registers example's type (a pointer, such as
// (*VlanInfo)(nil) or &VlanInfo{}) as the concrete type that a field of
// interface type I holds when the field's selector equals key. key is a
// string or an integer, matching the selector field's kind.
//
// Call it from an init function. It panics if I is not an interface type,
// if example is not a non-interface pointer, or if key is already
// registered for I. Plans built before the call are discarded, so later
// uses see the new variant.
//
//	marshal.RegisterVariant[LinkData]("vlan", (*VlanData)(nil))
func RegisterVariant[I any](key any, example I) {
	it := reflect.TypeFor[I]()
	if it.Kind() != reflect.Interface {
		panic("marshal.RegisterVariant: " + it.String() + " is not an interface type")
	}
	et := reflect.TypeOf(example)
	if et == nil || et.Kind() != reflect.Pointer || et.Elem().Kind() == reflect.Pointer || et.Elem().Kind() == reflect.Interface {
		panic(fmt.Sprintf("marshal.RegisterVariant[%s]: the example must be a pointer to a value, such as (*T)(nil), not %v", it, et))
	}
	c := variantCase{t: et}
	switch k := reflect.ValueOf(key); k.Kind() {
	case reflect.String:
		c.isStr, c.str = true, k.String()
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		c.num = uint64(k.Int())
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		c.num = k.Uint()
	default:
		panic(fmt.Sprintf("marshal.RegisterVariant[%s]: key %v is not a string or an integer", it, key))
	}
	buildMu.Lock()
	defer buildMu.Unlock()
	for _, o := range registry[it] {
		if o.isStr == c.isStr && o.str == c.str && o.num == c.num {
			panic(fmt.Sprintf("marshal.RegisterVariant[%s]: key %v is already registered for %s", it, key, o.t))
		}
		if o.t == c.t {
			panic(fmt.Sprintf("marshal.RegisterVariant[%s]: %s is already registered, for key %s", it, et, o.keyString()))
		}
	}
	registry[it] = append(registry[it], c)
	cache.Clear()
	ptrPlans.Store(nil)
	for i := range recentPlans {
		recentPlans[i].Store(nil)
	}
}

type variantCase struct {
	isStr  bool
	str    string
	num    uint64
	t      reflect.Type // the registered pointer type
	val    value        // codec of t.Elem()
	tab    pointer      // the type word of an interface value holding a t
	noPtrs bool         // t.Elem() holds no Go pointers
	index  int          // position in variantSet.cases
	flags  uint16       // the NLA flag bits of an attribute holding it
	// fixed is set when the case is a plain fixed layout with no length
	// option: decoding it is a length check and fixedLayout.decode.
	fixed *fixedLayout
}

func (c *variantCase) keyString() string {
	if c.isStr {
		return fmt.Sprintf("%q", c.str)
	}
	return fmt.Sprint(c.num)
}

// variantSet is the compiled registry of one interface type.
type variantSet struct {
	iface reflect.Type
	isStr bool
	cases []*variantCase // in registration order; case i has index i
	byStr map[string]*variantCase
	// numTab holds the integer-keyed cases in an open-addressed table of
	// a power-of-two size, at least twice their number: slot
	// hashNum(key)>>numShift, probing forward. It is what lookup uses.
	numTab   []*variantCase
	numShift uint
	byType   map[reflect.Type]*variantCase
}

func (b *builder) variantSet(name string, it reflect.Type) (*variantSet, error) {
	cases := registry[it]
	if len(cases) == 0 {
		return nil, &TagError{Field: name, Option: "selector", Reason: "no variants are registered for " + it.String() + " (marshal.RegisterVariant)"}
	}
	vs := &variantSet{iface: it, isStr: cases[0].isStr, byStr: map[string]*variantCase{}, byType: map[reflect.Type]*variantCase{}}
	for i := range cases {
		c := cases[i]
		c.index = i
		if c.isStr != vs.isStr {
			return nil, &TagError{Field: name, Option: "selector", Reason: "the variants of " + it.String() + " mix string and integer keys"}
		}
		if !c.t.Implements(it) {
			return nil, &TagError{Field: name, Option: "selector", Reason: c.t.String() + " does not implement " + it.String()}
		}
		// The variant is the payload of the attribute or the body, so an
		// attribute set is always nested here.
		et := c.t.Elem()
		isSet := et.Kind() == reflect.Struct && b.plan(et).kind == planMessage
		v, err := b.compileValue(name+"("+c.t.String()+")", et, &tag{nested: isSet, checks: checks{minLen: -1, maxLen: -1}})
		if err != nil {
			return nil, err
		}
		c.val = v
		c.flags = v.flags(&tag{})
		if v.kind == vkFixed && !v.indirect && v.checks.minLen < 0 {
			c.fixed = v.fixed
		}
		c.noPtrs = !hasPointers(et)
		// The type word that an interface of type it holding a c.t
		// carries, to recognise and build such values without reflect.
		probe := reflect.New(it)
		probe.Elem().Set(reflect.Zero(c.t))
		c.tab = pointerOf(probe).ifaceTab()
		cp := &c
		if c.isStr {
			vs.byStr[c.str] = cp
		}
		vs.byType[c.t] = cp
		vs.cases = append(vs.cases, cp)
	}
	if !vs.isStr {
		bits := uint(1)
		for 1<<bits < 2*len(vs.cases) {
			bits++
		}
		vs.numTab = make([]*variantCase, 1<<bits)
		vs.numShift = 64 - bits
		mask := uint64(len(vs.numTab) - 1)
		for _, c := range vs.cases {
			i := hashNum(c.num) >> vs.numShift
			for vs.numTab[i] != nil {
				i = (i + 1) & mask
			}
			vs.numTab[i] = c
		}
	}
	return vs, nil
}

// selector locates the sibling field whose value chooses a variant.
type selector struct {
	path string
	off  uintptr
	kind reflect.Kind
}

// resolveSelector finds the field named by path (dotted through inline
// struct fields) in struct t.
func resolveSelector(t reflect.Type, name, path string, vs *variantSet) (selector, error) {
	s := selector{path: path}
	cur := t
	parts := strings.Split(path, ".")
	for i, part := range parts {
		if cur.Kind() != reflect.Struct {
			return s, &TagError{Field: name, Option: "selector=" + path, Reason: strings.Join(parts[:i], ".") + " is not a struct"}
		}
		sf, ok := cur.FieldByName(part)
		if !ok || len(sf.Index) != 1 {
			return s, &TagError{Field: name, Option: "selector=" + path, Reason: "no field " + part + " in " + cur.String()}
		}
		if part == name && i == 0 {
			return s, &TagError{Field: name, Option: "selector=" + path, Reason: "a field cannot select itself"}
		}
		s.off += sf.Offset
		cur = sf.Type
	}
	s.kind = cur.Kind()
	switch s.kind {
	case reflect.String:
		if !vs.isStr {
			return s, &TagError{Field: name, Option: "selector=" + path, Reason: "is a string, but the variants of " + vs.iface.String() + " have integer keys"}
		}
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		if vs.isStr {
			return s, &TagError{Field: name, Option: "selector=" + path, Reason: "is an integer, but the variants of " + vs.iface.String() + " have string keys"}
		}
	default:
		return s, &TagError{Field: name, Option: "selector=" + path, Reason: "must be a string or an integer field, not " + cur.String()}
	}
	return s, nil
}

// lookup returns the case chosen by the selector's value in the struct at
// base, or nil with the key as text.
func (s *selector) lookup(vs *variantSet, base pointer) *variantCase {
	p := base.add(s.off)
	if s.kind == reflect.String {
		k := *p.stringp()
		if len(vs.cases) <= 8 {
			// Few string keys (link kinds): comparing them is cheaper
			// than hashing.
			for _, c := range vs.cases {
				if c.str == k {
					return c
				}
			}
			return nil
		}
		return vs.byStr[k]
	}
	key := readInt(p, s.kind)
	mask := uint64(len(vs.numTab) - 1)
	for i := hashNum(key) >> vs.numShift; ; i = (i + 1) & mask {
		c := vs.numTab[i]
		if c == nil || c.num == key {
			return c
		}
	}
}

// hashNum spreads an integer key over 64 bits (Fibonacci hashing): the
// top bits index variantSet.numTab.
func hashNum(k uint64) uint64 { return k * 0x9E3779B97F4A7C15 }

func (s *selector) keyString(base pointer) string {
	p := base.add(s.off)
	if s.kind == reflect.String {
		return fmt.Sprintf("%q", *p.stringp())
	}
	return fmt.Sprint(readInt(p, s.kind))
}

// readInt reads an integer of the given kind, sign-extending signed kinds,
// as the uint64 that RegisterVariant stores for its key.
func readInt(p pointer, k reflect.Kind) uint64 {
	switch k {
	case reflect.Int8:
		return uint64(int8(*p.u8()))
	case reflect.Uint8:
		return uint64(*p.u8())
	case reflect.Int16:
		return uint64(int16(*p.u16()))
	case reflect.Uint16:
		return uint64(*p.u16())
	case reflect.Int32:
		return uint64(int32(*p.u32()))
	case reflect.Uint32:
		return uint64(*p.u32())
	case reflect.Int, reflect.Int64:
		if ptrSize == 4 && k == reflect.Int {
			return uint64(int32(*p.u32()))
		}
		return *p.u64()
	default: // Uint, Uint64
		if ptrSize == 4 && k == reflect.Uint {
			return uint64(*p.u32())
		}
		return *p.u64()
	}
}

const ptrSize = 4 << (^uintptr(0) >> 63)
