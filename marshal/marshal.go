package marshal

import (
	"fmt"
	"reflect"
)

// Marshaler is implemented by types that encode their own attribute
// payload. MarshalNetlink appends the payload (without the attribute
// header, which the caller writes) to b. It is found when the plan is
// built, on the type or its pointer.
type Marshaler interface {
	MarshalNetlink(b []byte) ([]byte, error)
}

// Unmarshaler is implemented by types that decode their own attribute
// payload. data is the payload without header or padding; it is only valid
// during the call, so keep a copy of anything retained.
type Unmarshaler interface {
	UnmarshalNetlink(data []byte) error
}

// UnknownPolicy says what decoding does with attributes that have no field.
type UnknownPolicy uint8

const (
	// KeepUnknown collects unknown attributes into the struct's
	// `nl:"unknown"` field when it has one, and ignores them otherwise.
	KeepUnknown UnknownPolicy = iota
	// DiscardUnknown ignores unknown attributes, even where a struct has
	// an unknown field.
	DiscardUnknown
	// RejectUnknown makes an unknown attribute (or a non-empty
	// sub-message whose selector has no registered type) an error wrapping
	// ErrUnknownAttribute or ErrVariant.
	RejectUnknown
)

// DefaultMaxDepth is the nesting depth allowed when Options.MaxDepth is 0.
// The kernel's own policies nest far less deeply.
const DefaultMaxDepth = 32

// Options tune encoding and decoding. The zero value is the default used
// by the package-level functions.
type Options struct {
	// Unknown says what Unmarshal does with attributes that have no field.
	Unknown UnknownPolicy
	// MaxDepth bounds the nesting of attribute sets, on both encode and
	// decode; 0 means DefaultMaxDepth.
	MaxDepth int
	// ReuseVariants lets Unmarshal keep the value that a body sub-message
	// field (selector= without type=) already points to, when the new
	// message selects the same type: it is zeroed and decoded over instead
	// of allocating a new one. A loop decoding a stream of messages into
	// one value then allocates nothing once it has seen each type. Do not
	// keep the old pointer: its contents change. A Decoder made with this
	// option keeps one value of every type instead, so it allocates
	// nothing even when the types alternate.
	ReuseVariants bool
}

func (o Options) maxDepth() int {
	if o.MaxDepth <= 0 {
		return DefaultMaxDepth
	}
	return o.MaxDepth
}

// Marshal returns the encoding of v, a struct or a pointer to one.
func Marshal(v any) ([]byte, error) { return Options{}.Append(nil, v) }

// Append appends the encoding of v, a struct or a pointer to one, to b.
// With a pointer and a b with room, it allocates nothing. On error it
// returns b unchanged.
func Append(b []byte, v any) ([]byte, error) { return Options{}.Append(b, v) }

// Unmarshal decodes b into v, which must be a non-nil pointer to a struct.
// It first sets *v to its zero value, so nothing from a previous use of v
// survives. Strings, byte slices and slices are copied: v shares no memory
// with b.
func Unmarshal(b []byte, v any) error { return Options{}.Unmarshal(b, v) }

// Marshal is like the package-level Marshal, with these options.
func (o Options) Marshal(v any) ([]byte, error) { return o.Append(nil, v) }

// Append is like the package-level Append, with these options.
func (o Options) Append(b []byte, v any) ([]byte, error) {
	var p pointer
	var pl *plan
	t := reflect.TypeOf(v)
	switch {
	case t == nil:
		return b, fmt.Errorf("marshal: %w: want a struct or a non-nil pointer to one, got nil", ErrInvalid)
	case t.Kind() == reflect.Pointer && t.Elem().Kind() == reflect.Struct:
		if p = pointerOfAny(v); p.isNil() {
			return b, fmt.Errorf("marshal: %w: want a struct or a non-nil pointer to one, got a nil %T", ErrInvalid, v)
		}
		pl = planForPointer(t)
	case t.Kind() == reflect.Struct:
		cp := reflect.New(t)
		cp.Elem().Set(reflect.ValueOf(v))
		p = pointerOf(cp)
		pl = planFor(t)
	default:
		return b, fmt.Errorf("marshal: %w: want a struct or a non-nil pointer to one, got %T", ErrInvalid, v)
	}
	if pl.err != nil {
		return b, inType(pl.err, pl.t)
	}
	out, err := pl.appendPayload(b, p, encState{maxDepth: o.maxDepth()})
	if err != nil {
		return b, inType(err, pl.t)
	}
	return out, nil
}

// Unmarshal is like the package-level Unmarshal, with these options.
func (o Options) Unmarshal(b []byte, v any) error {
	t := reflect.TypeOf(v)
	if t == nil || t.Kind() != reflect.Pointer || t.Elem().Kind() != reflect.Struct || pointerOfAny(v).isNil() {
		return fmt.Errorf("marshal: %w: want a non-nil pointer to a struct, got %T", ErrInvalid, v)
	}
	pl := planForPointer(t)
	if pl.err != nil {
		return inType(pl.err, pl.t)
	}
	p := pointerOfAny(v)
	st := decState{maxDepth: o.maxDepth(), unknown: o.Unknown}
	if o.ReuseVariants && pl.body != nil {
		if bp := p.add(pl.body.offset); !bp.ifaceIsNil() {
			st.spareTab, st.spare = bp.ifaceTab(), bp.ifaceData()
		}
	}
	if pl.noPtrs {
		clear(p.mem(pl.t.Size()))
	} else {
		p.value(pl.t).SetZero()
	}
	if err := pl.decodePayload(b, p, st); err != nil {
		return inType(err, pl.t)
	}
	return nil
}

// Check builds the plan of t (a struct type, or a pointer to one) and
// returns the tag mistake it finds, if any: the same error every Marshal
// or Unmarshal of the type would return. Use it in a test or an init
// function to catch mistakes before the first message is sent:
//
//	if err := marshal.Check(reflect.TypeFor[MyRequest]()); err != nil { ... }
func Check(t reflect.Type) error {
	if t == nil {
		return fmt.Errorf("marshal: %w: nil type", ErrInvalid)
	}
	if t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if pl := planFor(t); pl.err != nil {
		return inType(pl.err, pl.t)
	}
	return nil
}
