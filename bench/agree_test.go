package bench

import (
	"bytes"
	"encoding/hex"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/jsimonetti/rtnetlink/v2"
)

// cmpOpts ignores the blank padding fields of the fixed-layout structs.
var cmpOpts = cmp.Options{cmpopts.IgnoreUnexported(IfInfomsg{}, LinkIfmap{})}

// The encoded sizes, worked out by hand from the attribute list in
// README.md, as a check on all encoders that does not come from any of them.
const (
	serviceWireLen = 312
	linkWireLen    = 488
)

// TestCodecsAgree checks that the comparison is fair: every encoder turns
// the same value into the same bytes, and every decoder turns those bytes
// back into a value equal to the original.
func TestCodecsAgree(t *testing.T) {
	t.Run("service", func(t *testing.T) { testAgree(t, NewService(), serviceCodecs, serviceWireLen) })
	t.Run("link", func(t *testing.T) { testAgree(t, NewLink(), linkCodecs, linkWireLen) })
}

func testAgree[T any](t *testing.T, v T, codecs []codec[T], wantLen int) {
	// The floor's bytes are the reference; the length check and the other
	// encoders agreeing with it keep it honest.
	var ref codec[T]
	for _, c := range codecs {
		if c.name == "floor" {
			ref = c
		}
	}
	want, err := ref.enc(nil, &v)
	if err != nil {
		t.Fatal(err)
	}
	if len(want) != wantLen {
		t.Errorf("%s encoding is %d bytes, want %d", ref.name, len(want), wantLen)
	}
	for _, c := range codecs {
		t.Run(c.name, func(t *testing.T) {
			got, err := c.enc(nil, &v)
			if err != nil {
				t.Fatalf("encode: %v", err)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("encode: bytes differ from %s's\ngot:\n%s\nwant:\n%s", ref.name, hex.Dump(got), hex.Dump(want))
			}
			if c.appends {
				prefix := []byte("prefix")
				got, err := c.enc(bytes.Clone(prefix), &v)
				if err != nil {
					t.Fatalf("encode after a prefix: %v", err)
				}
				if !bytes.Equal(got, append(prefix, want...)) {
					t.Errorf("encode after a prefix: got\n%s", hex.Dump(got))
				}
			}
			var out T
			if err := c.dec(want, &out); err != nil {
				t.Fatalf("decode: %v", err)
			}
			if diff := cmp.Diff(v, out, cmpOpts); diff != "" {
				t.Errorf("decode: value differs from the original (-want +got):\n%s", diff)
			}
			// The decoded value must not alias the input buffer, which a
			// netlink reader reuses for the next message.
			wire := bytes.Clone(want)
			var out2 T
			if err := c.dec(wire, &out2); err != nil {
				t.Fatalf("decode: %v", err)
			}
			clear(wire)
			if diff := cmp.Diff(v, out2, cmpOpts); diff != "" {
				t.Errorf("decoded value changed when the input buffer was overwritten (-want +got):\n%s", diff)
			}
		})
	}
}

// TestJsimonetti checks jsimonetti/rtnetlink on the same bytes: its
// UnmarshalBinary yields every attribute its LinkMessage has a field for,
// and its own MarshalBinary/UnmarshalBinary round trip keeps what it encodes.
func TestJsimonetti(t *testing.T) {
	link := NewLink()
	wire, err := FloorAppendLink(nil, &link)
	if err != nil {
		t.Fatal(err)
	}
	want := JsimonettiLinkMessage(&link)
	var got rtnetlink.LinkMessage
	if err := got.UnmarshalBinary(wire); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(want, &got); diff != "" {
		t.Errorf("UnmarshalBinary (-want +got):\n%s", diff)
	}

	enc, err := want.MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	var back rtnetlink.LinkMessage
	if err := back.UnmarshalBinary(enc); err != nil {
		t.Fatal(err)
	}
	// What MarshalBinary writes of this message; the rest has no encoder.
	a := want.Attributes
	wantBack := &rtnetlink.LinkMessage{
		Type: want.Type, Index: want.Index, Flags: want.Flags, Change: want.Change,
		Attributes: &rtnetlink.LinkAttributes{
			Address: a.Address, Broadcast: a.Broadcast, Info: a.Info, MTU: a.MTU,
			Name: a.Name, OperationalState: a.OperationalState, QueueDisc: a.QueueDisc,
		},
	}
	if diff := cmp.Diff(wantBack, &back); diff != "" {
		t.Errorf("round trip (-want +got):\n%s", diff)
	}
}

// TestFloorAllocs keeps the floor honest: encoding into a buffer with room
// allocates nothing, and decoding allocates only what the value holds.
func TestFloorAllocs(t *testing.T) {
	svc, link := NewService(), NewLink()
	buf := make([]byte, 0, 4096)
	if n := testing.AllocsPerRun(100, func() { buf, _ = FloorAppendService(buf[:0], &svc) }); n != 0 {
		t.Errorf("FloorAppendService: %v allocs, want 0", n)
	}
	if n := testing.AllocsPerRun(100, func() { buf, _ = FloorAppendLink(buf[:0], &link) }); n != 0 {
		t.Errorf("FloorAppendLink: %v allocs, want 0", n)
	}
	svcWire, _ := FloorAppendService(nil, &svc)
	linkWire, _ := FloorAppendLink(nil, &link)
	var s Service
	// SchedName, PEName.
	if n := testing.AllocsPerRun(100, func() { s = Service{}; _ = FloorDecodeService(svcWire, &s) }); n != 2 {
		t.Errorf("FloorDecodeService: %v allocs, want 2", n)
	}
	var l Link
	// Name, Qdisc, Address, Broadcast, LinkInfo.Kind, the *VlanData.
	if n := testing.AllocsPerRun(100, func() { l = Link{}; _ = FloorDecodeLink(linkWire, &l) }); n != 6 {
		t.Errorf("FloorDecodeLink: %v allocs, want 6", n)
	}
}
