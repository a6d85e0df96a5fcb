package marshal_test

import (
	"errors"
	"fmt"
	"reflect"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"pgregory.net/rapid"

	"github.com/nlstruct/nlstruct/internal/zoo"
	"github.com/nlstruct/nlstruct/marshal"
)

// Decoder tests: a Decoder must decode every input exactly as Unmarshal
// does, with and without ReuseVariants, whichever path it takes. The dc*
// types are shaped to exercise the flat path of a Decoder with
// ReuseVariants (plain headers, a body chosen by an integer) and its
// edges: a header whose Go alignment leaves a gap (dcMsg then dcEv), a
// header shorter than a word, bodies with trailing padding, shorter than a
// word, with inner padding, and an attribute-set body (the general path).

type dcMsg struct {
	Idx, Val, Seq, Ack uint32
	Len, Flags         uint16
} // 20 bytes, aligned to 4: the next header starts at 24 in memory, 20 on the wire

type dcEv struct {
	What uint32
	CPU  uint32
	TS   uint64
}

type dcBody interface{ dcBody() }

type dcEvent struct {
	Msg  dcMsg  `nl:"header"`
	Ev   dcEv   `nl:"header"`
	Body dcBody `nl:"selector=Ev.What"`
}

// Bodies. Keys: 0, 1, 2, 4, 0x40, 0x80000000.
type (
	dcNone struct{ Err uint32 }                     // 4 bytes
	dcFork struct{ PPID, PTGID, CPID, CTGID int32 } // 16 bytes, a word multiple
	dcAck  struct {
		Err uint32
		_   [12]byte // trailing padding: must decode as zeros
	}
	dcTiny  struct{ N [3]byte } // shorter than a word
	dcInner struct {
		P uint16
		_ [2]byte // inner padding: the general path
		Q uint32
	}
	dcAttrs struct { // an attribute set: the general path
		X uint32 `nl:"type=1"`
		S string `nl:"type=2"`
	}
)

func (*dcNone) dcBody()  {}
func (*dcFork) dcBody()  {}
func (*dcAck) dcBody()   {}
func (*dcTiny) dcBody()  {}
func (*dcInner) dcBody() {}
func (*dcAttrs) dcBody() {}

// dcSmall has a 4-byte header (its tail cannot be widened: it would read
// past the header) and a signed 8-bit selector with a negative key.
type dcSmallHdr struct {
	Kind int8
	Len  uint8
	Seq  uint16
}

type dcSmallBody interface{ dcSmall() }

type dcSmall struct {
	H    dcSmallHdr  `nl:"header"`
	Body dcSmallBody `nl:"selector=H.Kind"`
}

type dcSmallA struct{ A, B uint32 }
type dcSmallB struct{ C uint8 }

func (*dcSmallA) dcSmall() {}
func (*dcSmallB) dcSmall() {}

// dcSkip has a skipped field besides its header and body: a Decoder must
// zero it, so it cannot take the flat path.
type dcSkip struct {
	Ev   dcEv   `nl:"header"`
	Note string `nl:"-"`
	Body dcBody `nl:"selector=Ev.What"`
}

func init() {
	marshal.RegisterVariant[dcBody](uint32(0), (*dcNone)(nil))
	marshal.RegisterVariant[dcBody](uint32(1), (*dcFork)(nil))
	marshal.RegisterVariant[dcBody](uint32(2), (*dcAck)(nil))
	marshal.RegisterVariant[dcBody](uint32(4), (*dcTiny)(nil))
	marshal.RegisterVariant[dcBody](uint32(0x40), (*dcInner)(nil))
	marshal.RegisterVariant[dcBody](uint32(0x80000000), (*dcAttrs)(nil))
	marshal.RegisterVariant[dcSmallBody](int8(-3), (*dcSmallA)(nil))
	marshal.RegisterVariant[dcSmallBody](int8(5), (*dcSmallB)(nil))
}

var dcKeys = []uint32{0, 1, 2, 4, 0x40, 0x80000000}

func dcBodyOf(t *rapid.T, what uint32) dcBody {
	u32 := rapid.Uint32()
	i32 := rapid.Int32()
	switch what {
	case 0:
		return &dcNone{Err: u32.Draw(t, "err")}
	case 1:
		return &dcFork{i32.Draw(t, "ppid"), i32.Draw(t, "ptgid"), i32.Draw(t, "cpid"), i32.Draw(t, "ctgid")}
	case 2:
		return &dcAck{Err: u32.Draw(t, "err")}
	case 4:
		var n [3]byte
		copy(n[:], rapid.SliceOfN(rapid.Byte(), 3, 3).Draw(t, "n"))
		return &dcTiny{N: n}
	case 0x40:
		return &dcInner{P: rapid.Uint16().Draw(t, "p"), Q: u32.Draw(t, "q")}
	default:
		return &dcAttrs{X: u32.Draw(t, "x"), S: rapid.StringMatching(`[a-z]{0,9}`).Draw(t, "s")}
	}
}

func dcEventGen(t *rapid.T) *dcEvent {
	what := rapid.SampledFrom(dcKeys).Draw(t, "what")
	return &dcEvent{
		Msg:  dcMsg{rapid.Uint32().Draw(t, "idx"), rapid.Uint32().Draw(t, "val"), rapid.Uint32().Draw(t, "seq"), rapid.Uint32().Draw(t, "ack"), rapid.Uint16().Draw(t, "len"), rapid.Uint16().Draw(t, "flags")},
		Ev:   dcEv{What: what, CPU: rapid.Uint32().Draw(t, "cpu"), TS: rapid.Uint64().Draw(t, "ts")},
		Body: dcBodyOf(t, what),
	}
}

func dcSmallGen(t *rapid.T) *dcSmall {
	if rapid.Bool().Draw(t, "a") {
		return &dcSmall{H: dcSmallHdr{Kind: -3, Len: rapid.Uint8().Draw(t, "len"), Seq: rapid.Uint16().Draw(t, "seq")}, Body: &dcSmallA{rapid.Uint32().Draw(t, "a"), rapid.Uint32().Draw(t, "b")}}
	}
	return &dcSmall{H: dcSmallHdr{Kind: 5, Seq: rapid.Uint16().Draw(t, "seq")}, Body: &dcSmallB{rapid.Uint8().Draw(t, "c")}}
}

func dcSkipGen(t *rapid.T) *dcSkip {
	ev := dcEventGen(t)
	return &dcSkip{Ev: ev.Ev, Body: ev.Body}
}

// mutate returns b, or (sometimes) b damaged: cut short, extended, with
// bytes changed, or with the selector replaced.
func mutate(t *rapid.T, b []byte, selOff, selLen int) []byte {
	b = append([]byte(nil), b...)
	switch rapid.IntRange(0, 5).Draw(t, "mutation") {
	case 1:
		b = b[:rapid.IntRange(0, len(b)).Draw(t, "cut")]
	case 2:
		b = append(b, rapid.SliceOfN(rapid.Byte(), 1, 16).Draw(t, "extra")...)
	case 3:
		if len(b) > 0 {
			i := rapid.IntRange(0, len(b)-1).Draw(t, "at")
			b[i] = rapid.Byte().Draw(t, "byte")
		}
	case 4:
		if len(b) >= selOff+selLen {
			copy(b[selOff:], rapid.SliceOfN(rapid.Byte(), selLen, selLen).Draw(t, "selector"))
		}
	}
	return b
}

// dcOpts compares values including the contents of _ padding fields (cmp
// cannot see them; reflect.DeepEqual, also used, does).
var dcOpts = cmpopts.IgnoreUnexported(dcAck{}, dcInner{})

// checkDecoder decodes a stream of messages made by gen with three
// Decoders (ReuseVariants, plain, RejectUnknown with ReuseVariants) and
// compares each result with Unmarshal's: same value, same error.
func checkDecoder[T any](t *rapid.T, gen func(*rapid.T) *T, selOff, selLen int) {
	reuse, err := marshal.NewDecoder[T](marshal.Options{ReuseVariants: true})
	if err != nil {
		t.Fatal(err)
	}
	plain, err := marshal.NewDecoder[T](marshal.Options{})
	if err != nil {
		t.Fatal(err)
	}
	strictOpts := marshal.Options{ReuseVariants: true, Unknown: marshal.RejectUnknown}
	strict, err := marshal.NewDecoder[T](strictOpts)
	if err != nil {
		t.Fatal(err)
	}
	var vr, vs T // reused across the stream, as a caller would
	n := rapid.IntRange(1, 12).Draw(t, "messages")
	for i := range n {
		b, err := marshal.Marshal(gen(t))
		if err != nil {
			t.Fatal(err)
		}
		b = mutate(t, b, selOff, selLen)
		for _, c := range []struct {
			name string
			dec  *marshal.Decoder[T]
			v    *T
			opts marshal.Options
		}{
			{"ReuseVariants", reuse, &vr, marshal.Options{}},
			{"plain", plain, new(T), marshal.Options{}},
			{"RejectUnknown", strict, &vs, strictOpts},
		} {
			var want T
			wantErr := c.opts.Unmarshal(b, &want)
			gotErr := c.dec.Decode(b, c.v)
			if fmt.Sprint(wantErr) != fmt.Sprint(gotErr) {
				t.Fatalf("message %d, %s, % x: Decode error %v, Unmarshal error %v", i, c.name, b, gotErr, wantErr)
			}
			if wantErr != nil {
				var we, ge *marshal.Error
				if errors.As(wantErr, &we) != errors.As(gotErr, &ge) || (we != nil && !reflect.DeepEqual(we, ge)) {
					t.Fatalf("message %d, %s: Decode error %#v, Unmarshal error %#v", i, c.name, gotErr, wantErr)
				}
				continue
			}
			if diff := cmp.Diff(&want, c.v, dcOpts); diff != "" {
				t.Fatalf("message %d, %s, % x (-Unmarshal +Decode):\n%s", i, c.name, b, diff)
			}
			if !reflect.DeepEqual(&want, c.v) {
				t.Fatalf("message %d, %s, % x: values differ in padding: Unmarshal %+v, Decode %+v", i, c.name, b, want, *c.v)
			}
		}
	}
}

func TestDecoderMatchesUnmarshal(t *testing.T) {
	t.Run("event", rapid.MakeCheck(func(t *rapid.T) { checkDecoder(t, dcEventGen, 20, 4) }))
	t.Run("small", rapid.MakeCheck(func(t *rapid.T) { checkDecoder(t, dcSmallGen, 0, 1) }))
	t.Run("skip", rapid.MakeCheck(func(t *rapid.T) { checkDecoder(t, dcSkipGen, 0, 4) }))
	// Zoo types: big-endian and bool headers, attribute sets, nested
	// sub-messages (none of which take the flat path).
	t.Run("zoo.ProcEvent", rapid.MakeCheck(func(t *rapid.T) {
		checkDecoder(t, func(t *rapid.T) *zoo.ProcEvent {
			return rapid.SampledFrom(zooOf[zoo.ProcEvent]()).Draw(t, "sample")
		}, 0, 4)
	}))
	t.Run("zoo.Notify", rapid.MakeCheck(func(t *rapid.T) {
		checkDecoder(t, func(t *rapid.T) *zoo.Notify {
			return rapid.SampledFrom(zooOf[zoo.Notify]()).Draw(t, "sample")
		}, 0, 2)
	}))
}

// zooOf returns the zoo's samples of type T.
func zooOf[T any]() []*T {
	var out []*T
	for _, s := range zoo.Samples() {
		if v, ok := s.(*T); ok {
			out = append(out, v)
		}
	}
	if len(out) == 0 {
		panic(fmt.Sprintf("no zoo samples of %T", *new(T)))
	}
	return out
}

func TestDecoderKeepsOneBodyPerType(t *testing.T) {
	dec, err := marshal.NewDecoder[dcEvent](marshal.Options{ReuseVariants: true})
	if err != nil {
		t.Fatal(err)
	}
	msgs := make([][]byte, len(dcKeys))
	for i, k := range dcKeys {
		ev := &dcEvent{Msg: dcMsg{Seq: uint32(i)}, Ev: dcEv{What: k}}
		switch k {
		case 0:
			ev.Body = &dcNone{Err: 7}
		case 1:
			ev.Body = &dcFork{1, 2, 3, 4}
		case 2:
			ev.Body = &dcAck{Err: 9}
		case 4:
			ev.Body = &dcTiny{[3]byte{1, 2, 3}}
		case 0x40:
			ev.Body = &dcInner{P: 5, Q: 6}
		default:
			ev.Body = &dcAttrs{X: 8, S: "x"}
		}
		if msgs[i], err = marshal.Marshal(ev); err != nil {
			t.Fatal(err)
		}
	}
	var ev dcEvent
	first := map[reflect.Type]dcBody{}
	for round := range 3 {
		for i, b := range msgs {
			if err := dec.Decode(b, &ev); err != nil {
				t.Fatalf("round %d, message %d: %v", round, i, err)
			}
			bt := reflect.TypeOf(ev.Body)
			if round == 0 {
				first[bt] = ev.Body
			} else if ev.Body != first[bt] {
				t.Errorf("round %d: the %v body is a new value, want the kept one", round, bt)
			}
		}
	}
	// dcAttrs holds a string, which the decode allocates; the rest of the
	// stream must allocate nothing.
	fixed := msgs[:len(msgs)-1]
	if n := testing.AllocsPerRun(100, func() {
		for _, b := range fixed {
			_ = dec.Decode(b, &ev)
		}
	}); n != 0 {
		t.Errorf("%v allocations per pass over %d warm messages, want 0", n, len(fixed))
	}
}

func TestDecoderInvalid(t *testing.T) {
	dec, err := marshal.NewDecoder[dcEvent](marshal.Options{ReuseVariants: true})
	if err != nil {
		t.Fatal(err)
	}
	b, _ := marshal.Marshal(&dcEvent{Body: &dcNone{}})
	if err := dec.Decode(b, nil); !errors.Is(err, marshal.ErrInvalid) {
		t.Errorf("Decode into nil: %v, want ErrInvalid", err)
	}
	if _, err := marshal.NewDecoder[int](marshal.Options{}); !errors.Is(err, marshal.ErrInvalid) {
		t.Errorf("NewDecoder[int]: %v, want ErrInvalid", err)
	}
	type badTag struct {
		X uint32 `nl:"type=1,bogus"`
	}
	_, err = marshal.NewDecoder[badTag](marshal.Options{})
	var te *marshal.TagError
	if !errors.As(err, &te) {
		t.Errorf("NewDecoder of a mistagged type: %v, want a *TagError", err)
	}
	if want := marshal.Check(reflect.TypeFor[badTag]()); fmt.Sprint(err) != fmt.Sprint(want) {
		t.Errorf("NewDecoder error %q, Check error %q", err, want)
	}
}
