package marshal

import (
	"reflect"
	"strconv"
)

// Kind is how an attribute's value is encoded, as Describe reports it.
type Kind uint8

// The kinds of Describe.
const (
	KindInvalid Kind = iota
	KindU8           // 8-bit integer (or bool without flag)
	KindU16          // 16-bit integer
	KindU32          // 32-bit integer
	KindU64          // 64-bit integer
	KindUint         // YNL variable-width uint (Go uint)
	KindSint         // YNL variable-width sint (Go int)
	KindFlag         // NLA_FLAG
	KindString       // NUL-terminated string
	KindBinary       // bytes, a fixed layout, an address or a custom type
	KindNested       // a nested attribute set
	KindArray        // an indexed array of entries
	KindMap          // a nest of entries typed by key
	KindVariant      // a sub-message chosen by a selector
)

var kindNames = [...]string{"invalid", "u8", "u16", "u32", "u64", "uint", "sint", "flag", "string", "binary", "nested", "indexed-array", "map", "sub-message"}

func (k Kind) String() string {
	if int(k) < len(kindNames) {
		return kindNames[k]
	}
	return "kind(" + strconv.Itoa(int(k)) + ")"
}

// MessageDesc describes the attributes of a message or attribute-set type.
type MessageDesc struct {
	Type  reflect.Type
	Attrs []AttrDesc
}

// AttrDesc describes one attribute field, for tools that compare a type
// with what the kernel expects (such as generic netlink's policy check).
type AttrDesc struct {
	Field     string // the Go field name
	Type      uint16 // the attribute type
	Kind      Kind
	Signed    bool // a signed integer
	BigEndian bool // be or netbyteorder
	Multi     bool // one attribute per slice element
	// Size is the payload size of a fixed-size binary value (a fixed
	// layout or [N]byte), or 0.
	Size int
	// Nested describes the attribute set of KindNested (and the entries
	// of an array or map of sets); nil otherwise. Recursive types give
	// recursive descriptions.
	Nested *MessageDesc
	// Elem describes the entries of KindArray and KindMap.
	Elem *AttrDesc
	// The tag's checks: HasMin/HasMax with Min/Max (signed) or
	// UMin/UMax (unsigned); MinLen/MaxLen, -1 when unset.
	HasMin, HasMax bool
	Min, Max       int64
	UMin, UMax     uint64
	MinLen, MaxLen int
}

// Describe reports how the message or attribute-set type t (a struct, or
// a pointer to one) is encoded: its attributes with their type numbers,
// kinds and checks. It returns the type's tag error, if any.
func Describe(t reflect.Type) (*MessageDesc, error) {
	if err := Check(t); err != nil {
		return nil, err
	}
	if t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	return describePlan(planFor(t), map[*plan]*MessageDesc{}), nil
}

func describePlan(pl *plan, seen map[*plan]*MessageDesc) *MessageDesc {
	if d, ok := seen[pl]; ok {
		return d
	}
	d := &MessageDesc{Type: pl.t}
	seen[pl] = d
	for _, f := range pl.attrs {
		a := describeValue(&f.val, seen)
		a.Field, a.Type = f.name, f.attrType
		switch f.form {
		case formFlag:
			a.Kind = KindFlag
		case formMulti:
			a.Multi = true
		case formRecords:
			// Not an attribute set: records of a message each, cut by
			// the length each starts with. Policies see binary.
			a = AttrDesc{Field: f.name, Type: f.attrType, Kind: KindBinary, MinLen: f.count.minLen, MaxLen: f.count.maxLen}
		case formArray:
			elem := a
			a = AttrDesc{Field: f.name, Type: f.attrType, Kind: KindArray, Elem: &elem, Nested: elem.Nested, MinLen: f.count.minLen, MaxLen: f.count.maxLen}
		}
		d.Attrs = append(d.Attrs, a)
	}
	return d
}

func describeValue(v *value, seen map[*plan]*MessageDesc) AttrDesc {
	a := AttrDesc{
		Signed: v.signed, BigEndian: v.be,
		HasMin: v.checks.hasMin, HasMax: v.checks.hasMax,
		Min: v.checks.min, Max: v.checks.max, UMin: v.checks.umin, UMax: v.checks.umax,
		MinLen: v.checks.minLen, MaxLen: v.checks.maxLen,
	}
	switch v.kind {
	case vkU8, vkBool:
		a.Kind = KindU8
	case vkU16:
		a.Kind = KindU16
	case vkU32:
		a.Kind = KindU32
	case vkU64:
		a.Kind = KindU64
	case vkVarU:
		a.Kind = KindUint
	case vkVarS:
		a.Kind = KindSint
	case vkString:
		a.Kind = KindString
	case vkFixed:
		a.Kind, a.Size = KindBinary, v.fixed.size
	case vkNested:
		a.Kind, a.Nested = KindNested, describePlan(v.child, seen)
	case vkMap:
		elem := describeValue(v.elem, seen)
		a.Kind, a.Elem, a.Nested = KindMap, &elem, elem.Nested
	case vkVariant:
		a.Kind = KindVariant
	default: // bytes, packed, addresses, custom
		a.Kind = KindBinary
	}
	return a
}

// FixedSize returns the encoded size of a fixed-layout type t (a struct
// without attributes, an array or a sized integer), such as a family
// header.
func FixedSize(t reflect.Type) (int, error) {
	if t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if t.Kind() == reflect.Struct {
		pl := planFor(t)
		if pl.err != nil {
			return 0, inType(pl.err, t)
		}
		if pl.kind != planFixed {
			return 0, inType(&TagError{Field: t.Name(), Reason: "is an attribute set, not a fixed layout"}, t)
		}
		return pl.fixed.size, nil
	}
	buildMu.Lock()
	defer buildMu.Unlock()
	b := builder{plans: map[reflect.Type]*plan{}}
	l, err := b.fixedOf(t, t.String())
	if err != nil {
		return 0, inType(err, t)
	}
	return l.size, nil
}
