package ethtool_test

import (
	"bytes"
	"reflect"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/nlstruct/nlstruct/families/ethtool"
	"github.com/nlstruct/nlstruct/families/genl"
	"github.com/nlstruct/nlstruct/marshal"
)

func ptr[T any](v T) *T { return &v }

// TestDecodeCaptured decodes the replies that TestCapture recorded from a
// real kernel (testdata/*.hex), checks their fields, re-encodes them
// (which must give the kernel's bytes back: same attributes, same order,
// same NLA_F_NESTED flags) and decodes again (which must give the same
// value).
func TestDecodeCaptured(t *testing.T) {
	veth0 := ethtool.Header{DevIndex: 3, DevName: "veth0"}
	veth1 := ethtool.Header{DevIndex: 2, DevName: "veth1"}
	vethInfo := func(h ethtool.Header) *ethtool.LinkInfo {
		// veth_get_link_ksettings: PORT_TP; no PHY, MDI-X or transceiver.
		return &ethtool.LinkInfo{Header: h, Port: ethtool.PortTP, Transceiver: ethtool.XcvrInternal}
	}
	// veth reports 10000 Mb/s, full duplex, autoneg off and no link modes;
	// the kernel has 121 link modes (__ETHTOOL_LINK_MODE_MASK_NBITS).
	vethModes := func(ours *ethtool.Bitset) *ethtool.LinkModes {
		return &ethtool.LinkModes{Header: veth0, Autoneg: ethtool.AutonegDisable, Ours: ours, Speed: 10000, Duplex: ethtool.DuplexFull, RateMatching: ethtool.RateMatchNone}
	}
	tests := []struct {
		file string
		cmd  uint8
		want []any
	}{
		{"linkinfo-veth0.hex", ethtool.MsgLinkInfoGetReply, []any{vethInfo(veth0)}},
		{"linkinfo-dump.hex", ethtool.MsgLinkInfoGetReply, []any{vethInfo(veth1), vethInfo(veth0)}},
		{"linkmodes-veth0.hex", ethtool.MsgLinkModesGetReply, []any{
			// Verbose: an empty bits nest (no mode is supported).
			vethModes(&ethtool.Bitset{Size: 121, Bits: &ethtool.BitsetBits{}}),
		}},
		{"linkmodes-veth0-compact.hex", ethtool.MsgLinkModesGetReply, []any{
			// Compact: value and mask bitmaps of 4 words, all zero.
			vethModes(&ethtool.Bitset{Size: 121, Value: []uint32{0, 0, 0, 0}, Mask: []uint32{0, 0, 0, 0}}),
		}},
		{"linkstate-veth0.hex", ethtool.MsgLinkStateGetReply, []any{
			&ethtool.LinkState{Header: veth0, Link: ptr(true)},
		}},
		{"linkstate-dump.hex", ethtool.MsgLinkStateGetReply, []any{
			&ethtool.LinkState{Header: ethtool.Header{DevIndex: 1, DevName: "lo"}, Link: ptr(false)},
			&ethtool.LinkState{Header: veth1, Link: ptr(true)},
			&ethtool.LinkState{Header: veth0, Link: ptr(true)},
			// No get_link: no link attribute at all.
			&ethtool.LinkState{Header: ethtool.Header{DevIndex: 4, DevName: "extra0"}},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			msgs := readCapture(t, tt.file)
			if len(msgs) != len(tt.want) {
				t.Fatalf("%d messages, want %d", len(msgs), len(tt.want))
			}
			for i, m := range msgs {
				var gh genl.Header
				if err := marshal.Unmarshal(m[:genl.HeaderLen], &gh); err != nil {
					t.Fatal(err)
				}
				if gh.Command != tt.cmd || gh.Version != ethtool.Version {
					t.Errorf("message %d: genlmsghdr %+v, want command %d version %d", i, gh, tt.cmd, ethtool.Version)
				}
				attrs := m[genl.HeaderLen:]
				want := tt.want[i]
				got := reflect.New(reflect.TypeOf(want).Elem()).Interface()
				if err := marshal.Unmarshal(attrs, got); err != nil {
					t.Fatalf("message %d: %v", i, err)
				}
				if d := cmp.Diff(want, got); d != "" {
					t.Errorf("message %d: decoded value (-want +got):\n%s", i, d)
				}
				b, err := marshal.Marshal(got)
				if err != nil {
					t.Fatalf("message %d: encode: %v", i, err)
				}
				if !bytes.Equal(b, attrs) {
					t.Errorf("message %d: re-encoded\n%x\nkernel sent\n%x", i, b, attrs)
				}
				again := reflect.New(reflect.TypeOf(want).Elem()).Interface()
				if err := marshal.Unmarshal(b, again); err != nil {
					t.Fatalf("message %d: decode again: %v", i, err)
				}
				if d := cmp.Diff(got, again); d != "" {
					t.Errorf("message %d: decode→encode→decode changed the value (-first +second):\n%s", i, d)
				}
			}
		})
	}
}

// TestBitsetReaders checks IsSet, InMask and Names on both forms of bit
// sets and on a set without a mask.
func TestBitsetReaders(t *testing.T) {
	verbose := &ethtool.Bitset{Size: 40, Bits: &ethtool.BitsetBits{Bit: []ethtool.BitsetBit{
		{Index: 0, Name: "10baseT/Half"},
		{Index: 5, Name: "1000baseT/Full", Value: true},
		{Index: 33, Name: "bit33", Value: true},
	}}}
	compact := &ethtool.Bitset{Size: 40, Value: []uint32{1 << 5, 1 << 1}, Mask: []uint32{1<<0 | 1<<5, 1 << 1}}
	for name, b := range map[string]*ethtool.Bitset{"verbose": verbose, "compact": compact} {
		for i := uint32(0); i < 64; i++ {
			set := i == 5 || i == 33
			mask := set || i == 0
			if b.IsSet(i) != set || b.InMask(i) != mask {
				t.Errorf("%s bit %d: IsSet %v InMask %v, want %v %v", name, i, b.IsSet(i), b.InMask(i), set, mask)
			}
		}
	}
	if got, want := verbose.Names(), []string{"1000baseT/Full", "bit33"}; !reflect.DeepEqual(got, want) {
		t.Errorf("Names() = %q, want %q", got, want)
	}
	if compact.Names() != nil {
		t.Errorf("compact Names() = %q, want nil", compact.Names())
	}
	list := &ethtool.Bitset{NoMask: true, Bits: &ethtool.BitsetBits{Bit: []ethtool.BitsetBit{{Index: 2, Name: "two"}}}}
	if !list.IsSet(2) || !list.InMask(2) || list.IsSet(3) || !reflect.DeepEqual(list.Names(), []string{"two"}) {
		t.Errorf("a list (NoMask) set: IsSet(2)=%v InMask(2)=%v IsSet(3)=%v Names=%q", list.IsSet(2), list.InMask(2), list.IsSet(3), list.Names())
	}
	var none *ethtool.Bitset
	if none.IsSet(0) || none.InMask(0) || none.Names() != nil {
		t.Error("a nil *Bitset reports bits")
	}
}
