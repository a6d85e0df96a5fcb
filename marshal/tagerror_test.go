package marshal_test

// Every mistake in the tag language is found when the plan is built,
// names the Go field and the option, wraps ErrTag, and is returned the
// same by every use of the type: Marshal, Unmarshal and Check.

import (
	"bytes"
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/nlstruct/nlstruct/marshal"
	"github.com/nlstruct/nlstruct/nlattr"
)

// Interfaces for the sub-message cases.
type (
	teStrIface   interface{ isTeStr() }   // variants with string keys
	teIntIface   interface{ isTeInt() }   // variants with integer keys
	teMixedIface interface{ isTeMixed() } // string and integer keys
	teEmptyIface interface{ isTeEmpty() } // no variants at all
	teBadIface   interface{ isTeBad() }   // a variant with a tag mistake
)

type teVarA struct {
	X uint32 `nl:"type=1"`
}
type teVarB struct {
	Y uint32 `nl:"type=1"`
}
type teVarBad struct {
	Bad string `nl:"type=1,be"`
}

func (*teVarA) isTeStr()   {}
func (*teVarB) isTeInt()   {}
func (*teVarA) isTeMixed() {}
func (*teVarB) isTeMixed() {}
func (*teVarBad) isTeBad() {}

func init() {
	marshal.RegisterVariant[teStrIface]("a", (*teVarA)(nil))
	marshal.RegisterVariant[teIntIface](1, (*teVarB)(nil))
	marshal.RegisterVariant[teMixedIface]("a", (*teVarA)(nil))
	marshal.RegisterVariant[teMixedIface](2, (*teVarB)(nil))
	marshal.RegisterVariant[teBadIface]("bad", (*teVarBad)(nil))
}

// Mutually recursive types: teRA is fine only if teRB is.
type teRA struct {
	Name string `nl:"type=1"`
	B    *teRB  `nl:"type=2,nested"`
}

type teRB struct {
	A   *teRA  `nl:"type=1,nested"`
	Bad string `nl:"type=2,be"`
}

type tagCase struct {
	name     string
	reason   string
	typ      reflect.Type
	field    string   // TagError.Field; "" means not checked
	option   string   // TagError.Option, exactly ("" when the whole field is at fault)
	contains []string // substrings of the message
	bug      string   // a known bug: skip when the expectation fails
}

func TestTagErrors(t *testing.T) {
	type Stats struct {
		Conns uint32 `nl:"type=1"`
	}
	type Hdr struct {
		A uint8
		B uint8
		_ uint16
	}

	type UnknownOption struct {
		A uint32 `nl:"type=1,bogus"`
	}
	type OptionTwice struct {
		A uint32 `nl:"type=1,type=2"`
	}
	type FlagTwice struct {
		A uint32 `nl:"type=1,omitempty,omitempty"`
	}
	type ValueNotTaken struct {
		S Stats `nl:"type=1,nested=yes"`
	}
	type TypeWithoutValue struct {
		A uint32 `nl:"type"`
	}
	type TypeEmptyValue struct {
		A uint32 `nl:"type="`
	}
	type MinWithoutValue struct {
		A uint32 `nl:"type=1,min="`
	}
	type SelectorWithoutValue struct {
		A any `nl:"type=1,selector"`
	}
	type LenNotNumber struct {
		S string `nl:"type=1,maxlen=x"`
	}
	type TypeZero struct {
		A uint32 `nl:"type=0"`
	}
	type TypeTooBig struct {
		A uint32 `nl:"type=0x4000"`
	}
	type TypeNotNumber struct {
		A uint32 `nl:"type=abc"`
	}
	type DuplicateType struct {
		A uint32 `nl:"type=1"`
		B uint32 `nl:"type=1"`
	}
	type NestedOnInt struct {
		A uint32 `nl:"type=1,nested"`
	}
	type NestedOnString struct {
		S string `nl:"type=1,nested"`
	}
	type MissingNested struct {
		S Stats `nl:"type=1"`
	}
	type BEOnString struct {
		S string `nl:"type=1,be"`
	}
	type NetOrderOnBytes struct {
		B []byte `nl:"type=1,netbyteorder"`
	}
	type FlagOnInt struct {
		A uint32 `nl:"type=1,flag"`
	}
	type FlagWithOmitempty struct {
		A bool `nl:"type=1,flag,omitempty"`
	}
	type MultiOnInt struct {
		A uint32 `nl:"type=1,multi"`
	}
	type MultiOnBytes struct {
		A []byte `nl:"type=1,multi"`
	}
	type ArrayOnString struct {
		S string `nl:"type=1,array"`
	}
	type MultiAndArray struct {
		A []uint32 `nl:"type=1,multi,array"`
	}
	type OmitemptyOnMulti struct {
		A []uint32 `nl:"type=1,multi,omitempty"`
	}
	type MinOnString struct {
		S string `nl:"type=1,min=3"`
	}
	type MaxOnString struct {
		S string `nl:"type=1,max=3"`
	}
	type LenOnInt struct {
		A uint32 `nl:"type=1,len=4"`
	}
	type MinlenOnInt struct {
		A uint32 `nl:"type=1,minlen=4"`
	}
	type MinAboveMax struct {
		A uint8 `nl:"type=1,min=10,max=5"`
	}
	type MinlenAboveMaxlen struct {
		S string `nl:"type=1,minlen=5,maxlen=4"`
	}
	type LenAndMinlen struct {
		S string `nl:"type=1,len=4,minlen=2"`
	}
	type MinOutOfRange struct {
		A uint8 `nl:"type=1,min=256"`
	}
	type NegativeMinOnUnsigned struct {
		A uint16 `nl:"type=1,min=-1"`
	}
	type MaxlenOnFixed struct {
		H Hdr `nl:"type=1,maxlen=2"`
	}
	type MinlenAboveFixedSize struct {
		H Hdr `nl:"type=1,minlen=5"`
	}

	type PadInside struct {
		A uint8
		B uint32
	}
	type InnerPadding struct {
		P PadInside `nl:"type=1"`
	}
	type PadAtEnd struct {
		A uint32
		B uint8
	}
	type TrailingPadding struct {
		P PadAtEnd `nl:"type=1"`
	}
	type PaddedHeader struct {
		H PadAtEnd `nl:"header"`
	}
	type ArrayOfPadded struct {
		P [2]PadAtEnd `nl:"type=1"`
	}
	type WithInt struct {
		A int
		B uint64
	}
	type IntInFixed struct {
		F WithInt `nl:"type=1"`
	}
	type WithString struct {
		A uint32
		S string
	}
	type StringInFixed struct {
		F WithString `nl:"type=1"`
	}
	type WithPointer struct {
		P *uint64
	}
	type PointerInFixed struct {
		F WithPointer `nl:"type=1"`
	}
	type WithSkip struct {
		A uint32
		B uint32 `nl:"-"`
	}
	type SkipInFixed struct {
		F WithSkip `nl:"type=1"`
	}
	type WithOption struct {
		A uint32 `nl:"omitempty"`
	}
	type OptionInFixed struct {
		F WithOption `nl:"type=1"`
	}

	type HeaderAfterAttr struct {
		A uint32 `nl:"type=1"`
		H Hdr    `nl:"header"`
	}
	type HeaderNotFixed struct {
		H Stats `nl:"header"`
	}
	type HeaderWithType struct {
		H Hdr `nl:"header,type=1"`
	}
	type UnknownWrongType struct {
		U []byte `nl:"unknown"`
	}
	type UnknownTwice struct {
		U []nlattr.Attr `nl:"unknown"`
		V []nlattr.Attr `nl:"unknown"`
	}
	type InterfaceNoSelector struct {
		D any `nl:"type=1"`
	}
	type SelectorOnInt struct {
		K string `nl:"type=1"`
		D uint32 `nl:"type=2,selector=K"`
	}
	type SelectorMissing struct {
		D teStrIface `nl:"type=2,selector=Nope"`
	}
	type SelectorMissingInHeader struct {
		H Hdr        `nl:"header"`
		D teIntIface `nl:"selector=H.C"`
	}
	type SelectorBool struct {
		K bool       `nl:"type=1"`
		D teStrIface `nl:"type=2,selector=K"`
	}
	type SelectorBytes struct {
		K []byte     `nl:"type=1"`
		D teStrIface `nl:"type=2,selector=K"`
	}
	type SelectorIntForStringKeys struct {
		K uint32     `nl:"type=1"`
		D teStrIface `nl:"type=2,selector=K"`
	}
	type SelectorStringForIntKeys struct {
		K string     `nl:"type=1"`
		D teIntIface `nl:"type=2,selector=K"`
	}
	type SelectorSelf struct {
		D teStrIface `nl:"type=2,selector=D"`
	}
	type NoVariants struct {
		K string       `nl:"type=1"`
		D teEmptyIface `nl:"type=2,selector=K"`
	}
	type MixedKeys struct {
		K string       `nl:"type=1"`
		D teMixedIface `nl:"type=2,selector=K"`
	}
	type BodyWithAttrs struct {
		H Hdr        `nl:"header"`
		D teIntIface `nl:"selector=H.A"`
		A uint32     `nl:"type=1"`
	}
	type MultiOfVariants struct {
		K string       `nl:"type=1"`
		D []teStrIface `nl:"type=2,multi,selector=K"`
	}
	type BadVariant struct {
		K string     `nl:"type=1"`
		D teBadIface `nl:"type=2,selector=K"`
	}
	type BodyPointerToIface struct {
		H Hdr         `nl:"header"`
		D *teIntIface `nl:"selector=H.A"`
	}
	type AttrPointerToIface struct {
		K string      `nl:"type=1"`
		D *teStrIface `nl:"type=2,selector=K"`
	}

	type Untagged struct {
		A uint32 `nl:"type=1"`
		B uint32
	}
	type UnexportedTagged struct {
		A uint32 `nl:"type=1"`
		b uint32 `nl:"type=2"`
	}
	type NoTypeOption struct {
		A uint32 `nl:"type=1"`
		B uint32 `nl:"omitempty"`
	}
	type PointerToPointer struct {
		P **uint32 `nl:"type=1"`
	}
	type Unsupported struct {
		F float64 `nl:"type=1"`
	}
	type ChanField struct {
		C chan int `nl:"type=1"`
	}

	type Inner struct {
		Bad string `nl:"type=1,be"`
	}
	type Outer struct {
		Inner Inner `nl:"type=1,nested"`
	}
	type Mid struct {
		In *Inner `nl:"type=1,nested"`
	}
	type Outer2 struct {
		Name string `nl:"type=1"`
		Mid  Mid    `nl:"type=2,nested"`
	}
	type ViaMulti struct {
		L []Inner `nl:"type=1,multi,nested"`
	}
	type BadHdr struct {
		A uint8
		S string
	}
	type ViaHeader struct {
		H BadHdr `nl:"header"`
	}
	type SelfRecursiveBad struct {
		Next *SelfRecursiveBad `nl:"type=1,nested"`
		Bad  string            `nl:"type=2,be"`
	}

	_ = UnexportedTagged{}.b // keep vet quiet about the unused field

	cases := []tagCase{
		{name: "unknown option", typ: reflect.TypeFor[UnknownOption](), field: "A", option: "bogus", contains: []string{"unknown option"}},
		{name: "option given twice", typ: reflect.TypeFor[OptionTwice](), field: "A", option: "type=2", contains: []string{"given twice"}},
		{name: "flag option given twice", typ: reflect.TypeFor[FlagTwice](), field: "A", option: "omitempty", contains: []string{"given twice"}},
		{name: "value for an option that takes none", typ: reflect.TypeFor[ValueNotTaken](), field: "S", option: "nested=yes", contains: []string{"takes no value"}},
		{name: "type without value", typ: reflect.TypeFor[TypeWithoutValue](), field: "A", option: "type", contains: []string{"needs a value"}},
		{name: "type= with empty value", typ: reflect.TypeFor[TypeEmptyValue](), field: "A", option: "type=", contains: []string{"needs a value"}},
		{name: "min= with empty value", typ: reflect.TypeFor[MinWithoutValue](), field: "A", option: "min=", contains: []string{"needs a value"}},
		{name: "selector without value", typ: reflect.TypeFor[SelectorWithoutValue](), field: "A", option: "selector", contains: []string{"needs a value"}},
		{name: "maxlen= not a number", typ: reflect.TypeFor[LenNotNumber](), field: "S", option: "maxlen=x", contains: []string{"length"}},
		{name: "type=0", reason: "0 is not a valid attribute type", typ: reflect.TypeFor[TypeZero](), field: "A", option: "type=0", contains: []string{"from 1 to 16383"}},
		{name: "type=0x4000", reason: "the top two bits of nla_type are flags", typ: reflect.TypeFor[TypeTooBig](), field: "A", option: "type=0x4000", contains: []string{"from 1 to 16383"}},
		{name: "type=abc", typ: reflect.TypeFor[TypeNotNumber](), field: "A", option: "type=abc", contains: []string{"from 1 to 16383"}},
		{name: "duplicate type number", typ: reflect.TypeFor[DuplicateType](), field: "B", option: "type=1", contains: []string{"already used by field A"}},
		{name: "nested on an integer", typ: reflect.TypeFor[NestedOnInt](), field: "A", option: "nested", contains: []string{"not an attribute set"}},
		{name: "nested on a string", typ: reflect.TypeFor[NestedOnString](), field: "S", option: "nested", contains: []string{"not an attribute set"}},
		{name: "attribute set without nested", typ: reflect.TypeFor[MissingNested](), field: "S", option: "", contains: []string{"is an attribute set", "nested"}},
		{name: "be on a string", typ: reflect.TypeFor[BEOnString](), field: "S", option: "be", contains: []string{"only to integers"}},
		{name: "netbyteorder on []byte", reason: "netbyteorder implies be", typ: reflect.TypeFor[NetOrderOnBytes](), field: "B", option: "netbyteorder", contains: []string{"only to integers"},
			bug: "netbyteorder on a non-integer is reported as option \"be\", which the user did not write"},
		{name: "flag on a non-bool", typ: reflect.TypeFor[FlagOnInt](), field: "A", option: "flag", contains: []string{"needs a bool"}},
		{name: "flag with omitempty", typ: reflect.TypeFor[FlagWithOmitempty](), field: "A", option: "omitempty", contains: []string{"cannot be combined with"}},
		{name: "multi on a non-slice", typ: reflect.TypeFor[MultiOnInt](), field: "A", option: "multi", contains: []string{"needs a slice"}},
		{name: "multi on []byte", typ: reflect.TypeFor[MultiOnBytes](), field: "A", option: "multi", contains: []string{"needs a slice"}},
		{name: "array on a string", typ: reflect.TypeFor[ArrayOnString](), field: "S", option: "array", contains: []string{"needs a slice"}},
		{name: "multi and array", typ: reflect.TypeFor[MultiAndArray](), field: "A", option: "array", contains: []string{"cannot be combined with multi"}},
		{name: "omitempty on multi", typ: reflect.TypeFor[OmitemptyOnMulti](), field: "A", option: "omitempty", contains: []string{"no effect"}},
		{name: "min on a string", typ: reflect.TypeFor[MinOnString](), field: "S", option: "min", contains: []string{"only to integers"}},
		{name: "max on a string", typ: reflect.TypeFor[MaxOnString](), field: "S", option: "max", contains: []string{"only to integers"},
			bug: "max= on a string is reported as option \"min\" (compileValue always names min)"},
		{name: "len on an integer", typ: reflect.TypeFor[LenOnInt](), field: "A", option: "len", contains: []string{"length checks"}},
		{name: "minlen on an integer", typ: reflect.TypeFor[MinlenOnInt](), field: "A", option: "minlen", contains: []string{"length checks"},
			bug: "minlen= on an integer is reported as option \"len\" (compileValue always names len)"},
		{name: "min above max", typ: reflect.TypeFor[MinAboveMax](), field: "A", option: "min=10", contains: []string{"larger than max=5"}},
		{name: "minlen above maxlen", typ: reflect.TypeFor[MinlenAboveMaxlen](), field: "S", option: "minlen", contains: []string{"larger than maxlen"}},
		{name: "len with minlen", typ: reflect.TypeFor[LenAndMinlen](), field: "S", option: "minlen=2", contains: []string{"cannot be combined"}},
		{name: "min= out of the type's range", typ: reflect.TypeFor[MinOutOfRange](), field: "A", option: "min=256", contains: []string{"8-bit unsigned"}},
		{name: "negative min= on an unsigned field", typ: reflect.TypeFor[NegativeMinOnUnsigned](), field: "A", option: "min=-1", contains: []string{"16-bit unsigned"}},
		{name: "maxlen on a fixed layout", typ: reflect.TypeFor[MaxlenOnFixed](), field: "H", option: "maxlen", contains: []string{"only minlen="},
			bug: "maxlen= on a fixed layout is reported as option \"len\""},
		{name: "minlen above a fixed layout's size", typ: reflect.TypeFor[MinlenAboveFixedSize](), field: "H", option: "minlen", contains: []string{"larger than the layout's 4 bytes"}},

		{name: "hidden padding inside a fixed layout", typ: reflect.TypeFor[InnerPadding](),
			contains: []string{"field P", "3 bytes of hidden padding at offset 1", "after field A", "`_ [3]byte`"}},
		{name: "hidden padding at the end of a fixed layout", typ: reflect.TypeFor[TrailingPadding](),
			contains: []string{"field P", "3 bytes of hidden padding at offset 5", "after field B", "`_ [3]byte`"}},
		{name: "hidden padding in a header", typ: reflect.TypeFor[PaddedHeader](),
			contains: []string{"field H", "3 bytes of hidden padding", "`_ [3]byte`"}},
		{name: "hidden padding in an array attribute", typ: reflect.TypeFor[ArrayOfPadded](),
			contains: []string{"field P", "3 bytes of hidden padding", "`_ [3]byte`"},
			bug:      "an array attribute of padded structs ([2]struct{A uint32; B uint8}) is accepted: fixedOf's array case never checks for hidden padding, so the compiler's padding bytes are sent"},
		{name: "int in a fixed layout", typ: reflect.TypeFor[IntInFixed](), field: "F.A", contains: []string{"int cannot be part of a fixed layout"}},
		{name: "string in a fixed layout", typ: reflect.TypeFor[StringInFixed](), field: "F.S", contains: []string{"string cannot be part of a fixed layout"}},
		{name: "pointer in a fixed layout", typ: reflect.TypeFor[PointerInFixed](), field: "F.P", contains: []string{"*uint64 cannot be part of a fixed layout"}},
		{name: "skipped field in a fixed layout", typ: reflect.TypeFor[SkipInFixed](), field: "F.B", option: "-", contains: []string{"name it _"}},
		{name: "option other than be in a fixed layout", typ: reflect.TypeFor[OptionInFixed](), field: "F.A", option: "omitempty", contains: []string{"only be is"}},

		{name: "header after an attribute", typ: reflect.TypeFor[HeaderAfterAttr](), field: "H", option: "header", contains: []string{"before every attribute"}},
		{name: "header that is an attribute set", typ: reflect.TypeFor[HeaderNotFixed](), field: "H", contains: []string{"not a fixed layout"}},
		{name: "header with type=", typ: reflect.TypeFor[HeaderWithType](), field: "H", option: "type", contains: []string{"cannot be combined with header"}},
		{name: "unknown of the wrong type", typ: reflect.TypeFor[UnknownWrongType](), field: "U", option: "unknown", contains: []string{"needs type []nlattr.Attr"}},
		{name: "two unknown fields", typ: reflect.TypeFor[UnknownTwice](), field: "V", option: "unknown", contains: []string{"only one field"}},
		{name: "interface without selector", typ: reflect.TypeFor[InterfaceNoSelector](), field: "D", option: "", contains: []string{"need selector="}},
		{name: "selector on a non-interface", typ: reflect.TypeFor[SelectorOnInt](), field: "D", option: "selector", contains: []string{"only to interface fields"}},
		{name: "selector naming a missing field", typ: reflect.TypeFor[SelectorMissing](), field: "D", option: "selector=Nope", contains: []string{"no field Nope"}},
		{name: "selector naming a missing header field", typ: reflect.TypeFor[SelectorMissingInHeader](), field: "D", option: "selector=H.C", contains: []string{"no field C"}},
		{name: "selector naming a bool", typ: reflect.TypeFor[SelectorBool](), field: "D", option: "selector=K", contains: []string{"string or an integer", "bool"}},
		{name: "selector naming a []byte", typ: reflect.TypeFor[SelectorBytes](), field: "D", option: "selector=K", contains: []string{"string or an integer", "[]uint8"}},
		{name: "integer selector, string keys", typ: reflect.TypeFor[SelectorIntForStringKeys](), field: "D", option: "selector=K", contains: []string{"integer", "string keys"}},
		{name: "string selector, integer keys", typ: reflect.TypeFor[SelectorStringForIntKeys](), field: "D", option: "selector=K", contains: []string{"string", "integer keys"}},
		{name: "selector naming itself", typ: reflect.TypeFor[SelectorSelf](), field: "D", option: "selector=D", contains: []string{"cannot select itself"}},
		{name: "no variants registered", typ: reflect.TypeFor[NoVariants](), field: "D", option: "selector", contains: []string{"no variants are registered", "RegisterVariant"}},
		{name: "variants with mixed keys", typ: reflect.TypeFor[MixedKeys](), field: "D", option: "selector", contains: []string{"mix string and integer keys"}},
		{name: "body with attributes", typ: reflect.TypeFor[BodyWithAttrs](), field: "D", option: "selector", contains: []string{"rest of the payload"}},
		{name: "multi of sub-messages", typ: reflect.TypeFor[MultiOfVariants](), field: "D", option: "multi", contains: []string{"not supported"}},
		{name: "variant with a tag mistake", typ: reflect.TypeFor[BadVariant](), option: "be", contains: []string{"teVarBad", "Bad"}},
		{name: "body of pointer-to-interface type", typ: reflect.TypeFor[BodyPointerToIface](), field: "D", option: "selector", contains: []string{"not a pointer"}},
		{name: "sub-message of pointer-to-interface type", typ: reflect.TypeFor[AttrPointerToIface](), field: "D", option: "selector", contains: []string{"not a pointer"}},

		{name: "exported field without tag", typ: reflect.TypeFor[Untagged](), field: "B", option: "", contains: []string{"has no nl tag", `nl:"-"`}},
		{name: "unexported field with tag", typ: reflect.TypeFor[UnexportedTagged](), field: "b", option: "", contains: []string{"unexported"}},
		{name: "attribute field without type=", typ: reflect.TypeFor[NoTypeOption](), field: "B", option: "", contains: []string{"needs type=N"}},
		{name: "pointer to pointer", typ: reflect.TypeFor[PointerToPointer](), field: "P", contains: []string{"pointers to pointers"}},
		{name: "float", typ: reflect.TypeFor[Unsupported](), field: "F", contains: []string{"unsupported type float64"}},
		{name: "chan", typ: reflect.TypeFor[ChanField](), field: "C", contains: []string{"unsupported type chan int"}},

		{name: "mistake in a nested type", reason: "the path runs from the top-level type to the bad field", typ: reflect.TypeFor[Outer](), field: "Inner.Bad", option: "be", contains: []string{"Outer", "Inner.Bad"}},
		{name: "mistake two levels down, through a pointer", typ: reflect.TypeFor[Outer2](), field: "Mid.In.Bad", option: "be", contains: []string{"Outer2", "Mid.In.Bad"}},
		{name: "mistake in a multi element type", typ: reflect.TypeFor[ViaMulti](), field: "L.Bad", option: "be"},
		{name: "mistake in a header type", typ: reflect.TypeFor[ViaHeader](), field: "H.S", contains: []string{"string cannot be part of a fixed layout"}},
		{name: "mistake in a self-recursive type", typ: reflect.TypeFor[SelfRecursiveBad](), field: "Bad", option: "be"},
		{name: "mistake inside mutual recursion", reason: "teRA is fine itself, but reaches teRB, which is not", typ: reflect.TypeFor[teRA](), field: "B.Bad", option: "be", contains: []string{"teRA"}},
		{name: "mistake inside mutual recursion, other side", typ: reflect.TypeFor[teRB](), option: "be", contains: []string{"teRB", "Bad"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if tc.reason != "" {
				t.Log(tc.reason)
			}
			checkTagError(t, tc)
		})
	}
}

// checkTagError checks one type's plan error through every entry point.
func checkTagError(t *testing.T, tc tagCase) {
	t.Helper()
	err := marshal.Check(tc.typ)
	if err == nil {
		if tc.bug != "" {
			t.Skipf("BUG: %s (Check(%s) returned nil)", tc.bug, tc.typ)
		}
		t.Fatalf("Check(%s) = nil, want a tag error", tc.typ)
	}
	msg := err.Error()
	if !errors.Is(err, marshal.ErrTag) {
		t.Errorf("errors.Is(%v, ErrTag) = false", err)
	}
	var te *marshal.TagError
	if !errors.As(err, &te) {
		t.Fatalf("%v: not a *TagError", err)
	}
	var me *marshal.Error
	if !errors.As(err, &me) {
		t.Fatalf("%v: not an *Error", err)
	}
	if len(me.Path) == 0 || me.Path[0] != tc.typ.Name() {
		t.Errorf("Path = %q, want it to start with the type's name %q", me.Path, tc.typ.Name())
	}
	if prefix := "marshal: " + tc.typ.Name() + ": field "; !strings.HasPrefix(msg, prefix) {
		t.Errorf("message %q does not start with %q", msg, prefix)
	}
	if tc.field != "" && te.Field != tc.field {
		t.Errorf("Field = %q, want %q (%v)", te.Field, tc.field, err)
	}
	if te.Option != tc.option && !(tc.option == "" && tc.field == "" && len(tc.contains) > 0) {
		if tc.bug != "" {
			t.Skipf("BUG: %s (got %v)", tc.bug, err)
		}
		t.Errorf("Option = %q, want %q (%v)", te.Option, tc.option, err)
	}
	if te.Option != "" && !strings.Contains(msg, `option "`+te.Option+`"`) {
		t.Errorf("message %q does not quote the option %q", msg, te.Option)
	}
	for _, s := range tc.contains {
		if !strings.Contains(msg, s) {
			t.Errorf("message %q does not contain %q", msg, s)
		}
	}

	// The same error, from every use of the type.
	ptr := reflect.New(tc.typ)
	uses := map[string]func() error{
		"Check again": func() error { return marshal.Check(tc.typ) },
		"Check(*T)":   func() error { return marshal.Check(reflect.PointerTo(tc.typ)) },
		"Marshal(&v)": func() error { _, err := marshal.Marshal(ptr.Interface()); return err },
		"Marshal(v)":  func() error { _, err := marshal.Marshal(ptr.Elem().Interface()); return err },
		"Append": func() error {
			prefix := []byte{1, 2, 3}
			b, err := marshal.Append(prefix, ptr.Interface())
			if !bytes.Equal(b, prefix) {
				t.Errorf("Append on a tag error returned % x, want the prefix", b)
			}
			return err
		},
		"Unmarshal":                 func() error { return marshal.Unmarshal(nil, ptr.Interface()) },
		"Unmarshal(bytes)":          func() error { return marshal.Unmarshal([]byte{4, 0, 1, 0}, ptr.Interface()) },
		"Options.Unmarshal(strict)": func() error { return marshal.Options{Unknown: marshal.RejectUnknown}.Unmarshal(nil, ptr.Interface()) },
	}
	for name, use := range uses {
		got := use()
		if got == nil {
			t.Errorf("%s: no error", name)
			continue
		}
		if got.Error() != msg {
			t.Errorf("%s: %q, want the same error as Check: %q", name, got, msg)
		}
		if !errors.Is(got, marshal.ErrTag) {
			t.Errorf("%s: errors.Is(ErrTag) = false", name)
		}
	}
	if _, ok := marshal.PathAt(ptr.Interface(), []byte{4, 0, 1, 0}, 0); ok {
		t.Errorf("PathAt on a type with a tag error reported ok")
	}
}

func TestRecursiveTypeIsFine(t *testing.T) {
	type Node struct {
		Val  uint32 `nl:"type=1"`
		Next *Node  `nl:"type=2,nested"`
		Kids []Node `nl:"type=3,multi,nested"`
	}
	if err := marshal.Check(reflect.TypeFor[Node]()); err != nil {
		t.Fatalf("Check: %v", err)
	}
	v := &Node{Val: 1, Next: &Node{Val: 2}, Kids: []Node{{Val: 3}}}
	want := hexb(
		"08 00 01 00", "01 00 00 00", // Val 1
		"0c 00 02 80",                // Next: len 4+8, nested
		"08 00 01 00", "02 00 00 00", //   Val 2
		"0c 00 03 80",                // Kids[0]: len 4+8, nested
		"08 00 01 00", "03 00 00 00", //   Val 3
	)
	got, err := marshal.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("Marshal:\n got % x\nwant % x", got, want)
	}
	var back Node
	if err := marshal.Unmarshal(want, &back); err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff(v, &back); d != "" {
		t.Errorf("round trip (-want +got):\n%s", d)
	}
}

func TestCheckArguments(t *testing.T) {
	if err := marshal.Check(nil); !errors.Is(err, marshal.ErrInvalid) {
		t.Errorf("Check(nil) = %v, want ErrInvalid", err)
	}
	if err := marshal.Check(reflect.TypeFor[int]()); err == nil {
		t.Errorf("Check(int) = nil, want an error")
	}
	if _, err := marshal.Marshal(42); !errors.Is(err, marshal.ErrInvalid) {
		t.Errorf("Marshal(42) = %v, want ErrInvalid", err)
	}
	if _, err := marshal.Marshal((*tbStats)(nil)); !errors.Is(err, marshal.ErrInvalid) {
		t.Errorf("Marshal(nil pointer) = %v, want ErrInvalid", err)
	}
	if err := marshal.Unmarshal(nil, tbStats{}); !errors.Is(err, marshal.ErrInvalid) {
		t.Errorf("Unmarshal into a non-pointer = %v, want ErrInvalid", err)
	}
	if err := marshal.Unmarshal(nil, (*tbStats)(nil)); !errors.Is(err, marshal.ErrInvalid) {
		t.Errorf("Unmarshal into a nil pointer = %v, want ErrInvalid", err)
	}
}
