package genl

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"sort"

	"github.com/nlstruct/nlstruct/marshal"
	"github.com/nlstruct/nlstruct/socket"
)

// Mismatch is one disagreement between a tagged request type and the
// kernel's policy for it.
type Mismatch struct {
	// Field is the Go field path (e.g. "GetLinkInfo.Header.Index"), or,
	// for an attribute the type does not declare, the path of the
	// attribute set followed by "(attr N)".
	Field string
	// Attr is the attribute type.
	Attr uint16
	// Problem says what disagrees.
	Problem string
	// Undeclared marks an attribute the kernel accepts that the type does
	// not declare: information (requests need not set every attribute),
	// not a disagreement.
	Undeclared bool
	// Unvalidated marks an operation whose requests (of the kind checked)
	// the kernel does not validate at all: information, not a
	// disagreement.
	Unvalidated bool
}

// Disagreements returns the mismatches that are not merely information
// (undeclared attributes, unvalidated operations).
func Disagreements(ms []Mismatch) []Mismatch {
	var out []Mismatch
	for _, m := range ms {
		if !m.Undeclared && !m.Unvalidated {
			out = append(out, m)
		}
	}
	return out
}

func (m Mismatch) String() string { return m.Field + ": " + m.Problem }

// CheckPolicy compares the tags of request type t (a struct or pointer
// type, as passed in Request.Body) with the kernel's policy for the
// family's command cmd (its dump policy with dump set) and returns every
// disagreement: a width or kind that differs (u16 against u32, a flat
// attribute where the kernel wants a nest, a string where it wants binary
// data), a tag check that allows values or lengths the kernel rejects,
// and (marked Undeclared) attributes the kernel accepts that t does not
// declare. No Disagreements means the kernel will accept every value that
// passes t's own checks, as far as its policy says. It needs a kernel
// with policy dumps (5.10 and later).
func (c *Conn) CheckPolicy(ctx context.Context, family string, cmd uint8, dump bool, t reflect.Type) ([]Mismatch, error) {
	desc, err := marshal.Describe(t)
	if err != nil {
		return nil, err
	}
	op := uint32(cmd)
	pol, err := c.Policy(ctx, family, &op)
	if errors.Is(err, ErrNoPolicy) {
		return []Mismatch{{Field: typeName(desc.Type), Problem: fmt.Sprintf("the kernel has no %s policy for command %d of %q (%v)", doOrDump(dump), cmd, family, err)}}, nil
	}
	if err != nil {
		return nil, err
	}
	attrs, ok := pol.ForOp(op, dump)
	if !ok {
		m := Mismatch{Field: typeName(desc.Type), Problem: fmt.Sprintf("the kernel has no %s policy for command %d of %q", doOrDump(dump), cmd, family)}
		if _, known := pol.Ops[op]; known {
			// The operation exists, but requests of this kind are not
			// validated (GENL_DONT_VALIDATE_DUMP and the like): the
			// kernel accepts any attributes, so nothing can disagree.
			m.Unvalidated = true
			m.Problem += ": it does not validate them"
		}
		return []Mismatch{m}, nil
	}
	pc := policyChecker{pol: pol, seen: map[visit]bool{}}
	pc.compare(typeName(desc.Type), desc, attrs)
	return pc.out, nil
}

func doOrDump(dump bool) string {
	if dump {
		return "dump"
	}
	return "do"
}

func typeName(t reflect.Type) string {
	if t.Name() != "" {
		return t.Name()
	}
	return t.String()
}

type visit struct {
	desc *marshal.MessageDesc
	idx  uint32
}

type policyChecker struct {
	pol  *Policy
	seen map[visit]bool
	out  []Mismatch
}

func (pc *policyChecker) add(field string, attr uint16, format string, args ...any) {
	pc.out = append(pc.out, Mismatch{Field: field, Attr: attr, Problem: fmt.Sprintf(format, args...)})
}

// compare checks the attributes of desc against one kernel policy.
func (pc *policyChecker) compare(path string, desc *marshal.MessageDesc, attrs map[uint32]socket.AttrPolicy) {
	declared := map[uint16]bool{}
	for _, a := range desc.Attrs {
		declared[a.Type] = true
		field := path + "." + a.Field
		kp, ok := attrs[uint32(a.Type)]
		if !ok || kp.Type == socket.PolicyInvalid {
			pc.add(field, a.Type, "the kernel's policy has no attribute %d: it rejects or ignores it", a.Type)
			continue
		}
		pc.compareAttr(field, a, kp)
	}
	var extra []int
	for t, kp := range attrs {
		if !declared[uint16(t)] && kp.Type != socket.PolicyInvalid {
			extra = append(extra, int(t))
		}
	}
	sort.Ints(extra)
	for _, t := range extra {
		pc.out = append(pc.out, Mismatch{Field: fmt.Sprintf("%s.(attr %d)", path, t), Attr: uint16(t), Undeclared: true,
			Problem: fmt.Sprintf("the kernel accepts attribute %d (%s) but %s does not declare it", t, policyKind(attrs[uint32(t)].Type), typeName(desc.Type))})
	}
}

// compareAttr checks one attribute's kind, bounds and nesting.
func (pc *policyChecker) compareAttr(field string, a marshal.AttrDesc, kp socket.AttrPolicy) {
	want := policyKind(kp.Type)
	got := describeKind(a)
	mismatch := func() { pc.add(field, a.Type, "the kernel wants %s, the field is %s", want, got) }
	switch kp.Type {
	case socket.PolicyU8, socket.PolicyS8:
		if a.Kind != marshal.KindU8 {
			mismatch()
		}
	case socket.PolicyU16, socket.PolicyS16:
		if a.Kind != marshal.KindU16 {
			mismatch()
		}
	case socket.PolicyU32, socket.PolicyS32:
		if a.Kind != marshal.KindU32 {
			mismatch()
		}
	case socket.PolicyU64, socket.PolicyS64:
		if a.Kind != marshal.KindU64 {
			mismatch()
		}
	case socket.PolicyUint, socket.PolicySint:
		if a.Kind != marshal.KindUint && a.Kind != marshal.KindSint && a.Kind != marshal.KindU32 && a.Kind != marshal.KindU64 {
			mismatch()
		}
	case socket.PolicyFlag:
		if a.Kind != marshal.KindFlag {
			mismatch()
		}
	case socket.PolicyString, socket.PolicyNulString:
		if a.Kind != marshal.KindString {
			mismatch()
		}
	case socket.PolicyBinary:
		if a.Kind != marshal.KindBinary {
			mismatch()
		}
	case socket.PolicyBitfield32:
		if a.Kind != marshal.KindBinary || (a.Size != 0 && a.Size != 8) {
			mismatch()
		}
	case socket.PolicyNested:
		if a.Kind != marshal.KindNested && a.Kind != marshal.KindMap && a.Kind != marshal.KindVariant {
			mismatch()
			return
		}
		pc.nested(field, a, kp)
	case socket.PolicyNestedArray:
		if a.Kind != marshal.KindArray && a.Kind != marshal.KindMap {
			mismatch()
			return
		}
		pc.nested(field, a, kp)
	}
	pc.bounds(field, a, kp)
}

// nested compares a nested attribute set with its policy, once per pair.
func (pc *policyChecker) nested(field string, a marshal.AttrDesc, kp socket.AttrPolicy) {
	if a.Nested == nil || kp.PolicyIndex == nil {
		return
	}
	v := visit{a.Nested, *kp.PolicyIndex}
	if pc.seen[v] {
		return
	}
	pc.seen[v] = true
	if sub, ok := pc.pol.Policies[*kp.PolicyIndex]; ok {
		pc.compare(field, a.Nested, sub)
	}
}

// bounds checks that the tag's checks allow nothing the kernel rejects.
func (pc *policyChecker) bounds(field string, a marshal.AttrDesc, kp socket.AttrPolicy) {
	switch a.Kind {
	case marshal.KindU8, marshal.KindU16, marshal.KindU32, marshal.KindU64, marshal.KindUint, marshal.KindSint:
		if a.Signed {
			lo, hi := signedRange(a)
			if kp.MinValueSigned != nil && lo < *kp.MinValueSigned {
				pc.add(field, a.Type, "the tag allows values down to %d, the kernel rejects below %d (add min=%d)", lo, *kp.MinValueSigned, *kp.MinValueSigned)
			}
			if kp.MaxValueSigned != nil && hi > *kp.MaxValueSigned {
				pc.add(field, a.Type, "the tag allows values up to %d, the kernel rejects above %d (add max=%d)", hi, *kp.MaxValueSigned, *kp.MaxValueSigned)
			}
			return
		}
		lo, hi := unsignedRange(a)
		if kp.Mask != nil {
			mask := *kp.Mask
			// The smallest value with a bit outside the mask; the range
			// allows a rejected value if it holds that one or either end
			// has such a bit.
			first := ^mask & -^mask
			if first != 0 && ((lo <= first && first <= hi) || lo&^mask != 0 || hi&^mask != 0) {
				pc.add(field, a.Type, "the tag allows values up to %d, the kernel accepts only the bits %#x (add max=%d if they are the low bits)", hi, mask, mask)
			}
		}
		if kp.MinValue != nil && lo < *kp.MinValue {
			pc.add(field, a.Type, "the tag allows values down to %d, the kernel rejects below %d (add min=%d)", lo, *kp.MinValue, *kp.MinValue)
		}
		if kp.MaxValue != nil && hi > *kp.MaxValue {
			pc.add(field, a.Type, "the tag allows values up to %d, the kernel rejects above %d (add max=%d)", hi, *kp.MaxValue, *kp.MaxValue)
		}
	case marshal.KindString, marshal.KindBinary:
		lo, hi := a.MinLen, a.MaxLen
		if a.Size > 0 {
			lo, hi = a.Size, a.Size
		}
		// For strings the kernel compares the length without the NUL
		// that Marshal appends, as the tag's checks do. An unset bound
		// is -1.
		if kp.MaxLength != nil && (hi < 0 || hi > int(*kp.MaxLength)) {
			pc.add(field, a.Type, "the tag allows %s, the kernel accepts at most %d bytes (add maxlen=%d)", lenText(hi), *kp.MaxLength, *kp.MaxLength)
		}
		if kp.MinLength != nil && max(lo, 0) < int(*kp.MinLength) {
			pc.add(field, a.Type, "the tag allows %d bytes, the kernel wants at least %d (add minlen=%d)", max(lo, 0), *kp.MinLength, *kp.MinLength)
		}
	}
}

func lenText(n int) string {
	if n < 0 {
		return "any length"
	}
	return fmt.Sprintf("%d bytes", n)
}

// signedRange and unsignedRange give the values a field may hold: its
// tag's bounds, else its type's.
func signedRange(a marshal.AttrDesc) (int64, int64) {
	bits := map[marshal.Kind]uint{marshal.KindU8: 8, marshal.KindU16: 16, marshal.KindU32: 32}[a.Kind]
	lo, hi := int64(-1)<<63, int64(^uint64(0)>>1)
	if bits != 0 {
		lo, hi = -1<<(bits-1), 1<<(bits-1)-1
	}
	if a.HasMin {
		lo = a.Min
	}
	if a.HasMax {
		hi = a.Max
	}
	return lo, hi
}

func unsignedRange(a marshal.AttrDesc) (uint64, uint64) {
	bits := map[marshal.Kind]uint{marshal.KindU8: 8, marshal.KindU16: 16, marshal.KindU32: 32}[a.Kind]
	lo, hi := uint64(0), ^uint64(0)
	if bits != 0 {
		hi = 1<<bits - 1
	}
	if a.HasMin {
		lo = a.UMin
	}
	if a.HasMax {
		hi = a.UMax
	}
	return lo, hi
}

func describeKind(a marshal.AttrDesc) string {
	s := a.Kind.String()
	if a.Signed {
		s = "s" + s[1:]
	}
	if a.Kind == marshal.KindBinary && a.Size > 0 {
		s = fmt.Sprintf("binary (%d bytes)", a.Size)
	}
	return s
}

var policyKinds = map[uint32]string{
	socket.PolicyFlag: "flag", socket.PolicyU8: "u8", socket.PolicyU16: "u16", socket.PolicyU32: "u32", socket.PolicyU64: "u64",
	socket.PolicyS8: "s8", socket.PolicyS16: "s16", socket.PolicyS32: "s32", socket.PolicyS64: "s64",
	socket.PolicyBinary: "binary", socket.PolicyString: "string", socket.PolicyNulString: "NUL-terminated string",
	socket.PolicyNested: "nested", socket.PolicyNestedArray: "nested array", socket.PolicyBitfield32: "bitfield32",
	socket.PolicySint: "sint", socket.PolicyUint: "uint",
}

// policyKind names an NL_ATTR_TYPE_* value.
func policyKind(t uint32) string {
	if s, ok := policyKinds[t]; ok {
		return s
	}
	return fmt.Sprintf("kind %d", t)
}
