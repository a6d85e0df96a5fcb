package ethtool_test

// Property tests (pgregory.net/rapid): for generated values x of every
// reply and request type, Unmarshal(Marshal(x)) == x and re-encoding gives
// the same bytes; for random bytes, decoding never panics and a successful
// decode is a fixpoint of encode→decode.
//
// The generators produce canonical values (see marshal/doc.go): strings
// hold no NUL (decoding stops at the first); multi slices are nil or
// non-empty (an empty one encodes as nothing); values respect the tags'
// checks (DevName at most 127 bytes, header flags within their max).

import (
	"bytes"
	"reflect"
	"testing"

	"github.com/google/go-cmp/cmp"
	"pgregory.net/rapid"

	"github.com/nlstruct/nlstruct/families/ethtool"
	"github.com/nlstruct/nlstruct/marshal"
)

func genStr(t *rapid.T, label string, maxLen int) string {
	return string(rapid.SliceOfN(rapid.ByteRange(1, 255), 0, maxLen).Draw(t, label))
}

func genOpt[T any](t *rapid.T, label string, g *rapid.Generator[T]) *T {
	if rapid.Bool().Draw(t, label+".nil") {
		return nil
	}
	v := g.Draw(t, label)
	return &v
}

var genHeader = rapid.Custom(func(t *rapid.T) ethtool.Header {
	return ethtool.Header{
		DevIndex: rapid.Uint32().Draw(t, "DevIndex"),
		DevName:  genStr(t, "DevName", 127),
		Flags:    ethtool.HeaderFlags(rapid.Uint32Range(0, 3).Draw(t, "Flags")),
	}
})

var genStatsHeader = rapid.Custom(func(t *rapid.T) ethtool.StatsHeader {
	return ethtool.StatsHeader{
		DevIndex: rapid.Uint32().Draw(t, "DevIndex"),
		DevName:  genStr(t, "DevName", 127),
		Flags:    ethtool.HeaderFlags(rapid.Uint32Range(0, 7).Draw(t, "Flags")),
	}
})

var genBit = rapid.Custom(func(t *rapid.T) ethtool.BitsetBit {
	return ethtool.BitsetBit{
		Index: rapid.Uint32().Draw(t, "Index"),
		Name:  genStr(t, "Name", 40),
		Value: rapid.Bool().Draw(t, "Value"),
	}
})

// genWords is a packed []uint32: nil (absent), empty (present, empty) or
// not.
func genWords(t *rapid.T, label string) []uint32 {
	switch rapid.IntRange(0, 2).Draw(t, label+".form") {
	case 0:
		return nil
	case 1:
		return []uint32{}
	}
	return rapid.SliceOfN(rapid.Uint32(), 1, 8).Draw(t, label)
}

var genBitset = rapid.Custom(func(t *rapid.T) ethtool.Bitset {
	b := ethtool.Bitset{
		NoMask: rapid.Bool().Draw(t, "NoMask"),
		Size:   rapid.Uint32().Draw(t, "Size"),
		Value:  genWords(t, "Value"),
		Mask:   genWords(t, "Mask"),
	}
	if !rapid.Bool().Draw(t, "Bits.nil") {
		b.Bits = &ethtool.BitsetBits{}
		if !rapid.Bool().Draw(t, "Bit.nil") {
			b.Bits.Bit = rapid.SliceOfN(genBit, 1, 6).Draw(t, "Bit")
		}
	}
	return b
})

var genLinkInfo = rapid.Custom(func(t *rapid.T) ethtool.LinkInfo {
	return ethtool.LinkInfo{
		Header:      genHeader.Draw(t, "Header"),
		Port:        ethtool.Port(rapid.Uint8().Draw(t, "Port")),
		PHYAddr:     rapid.Uint8().Draw(t, "PHYAddr"),
		TPMDIX:      ethtool.MDIX(rapid.Uint8().Draw(t, "TPMDIX")),
		TPMDIXCtrl:  ethtool.MDIX(rapid.Uint8().Draw(t, "TPMDIXCtrl")),
		Transceiver: ethtool.Transceiver(rapid.Uint8().Draw(t, "Transceiver")),
	}
})

var genLinkModes = rapid.Custom(func(t *rapid.T) ethtool.LinkModes {
	return ethtool.LinkModes{
		Header:           genHeader.Draw(t, "Header"),
		Autoneg:          ethtool.Autoneg(rapid.Uint8().Draw(t, "Autoneg")),
		Ours:             genOpt(t, "Ours", genBitset),
		Peer:             genOpt(t, "Peer", genBitset),
		Speed:            rapid.Uint32().Draw(t, "Speed"),
		Duplex:           ethtool.Duplex(rapid.Uint8().Draw(t, "Duplex")),
		MasterSlaveCfg:   ethtool.MasterSlaveCfg(rapid.Uint8().Draw(t, "MasterSlaveCfg")),
		MasterSlaveState: ethtool.MasterSlaveState(rapid.Uint8().Draw(t, "MasterSlaveState")),
		Lanes:            rapid.Uint32().Draw(t, "Lanes"),
		RateMatching:     ethtool.RateMatching(rapid.Uint8().Draw(t, "RateMatching")),
	}
})

var genLinkState = rapid.Custom(func(t *rapid.T) ethtool.LinkState {
	return ethtool.LinkState{
		Header:      genHeader.Draw(t, "Header"),
		Link:        genOpt(t, "Link", rapid.Bool()),
		SQI:         genOpt(t, "SQI", rapid.Uint32()),
		SQIMax:      genOpt(t, "SQIMax", rapid.Uint32()),
		ExtState:    genOpt(t, "ExtState", rapid.Uint8()),
		ExtSubstate: genOpt(t, "ExtSubstate", rapid.Uint8()),
		ExtDownCnt:  genOpt(t, "ExtDownCnt", rapid.Uint32()),
	}
})

// roundTrip checks Unmarshal(Marshal(x)) == x and that re-encoding gives
// the same bytes.
func roundTrip[T any](t *testing.T, g *rapid.Generator[T]) {
	rapid.Check(t, func(rt *rapid.T) {
		x := g.Draw(rt, "x")
		b, err := marshal.Marshal(&x)
		if err != nil {
			rt.Fatalf("Marshal(%+v): %v", x, err)
		}
		var y T
		if err := marshal.Unmarshal(b, &y); err != nil {
			rt.Fatalf("Unmarshal(%x): %v", b, err)
		}
		if d := cmp.Diff(x, y); d != "" {
			rt.Fatalf("Unmarshal(Marshal(x)) != x (-x +got):\n%s", d)
		}
		b2, err := marshal.Marshal(&y)
		if err != nil {
			rt.Fatal(err)
		}
		if !bytes.Equal(b, b2) {
			rt.Fatalf("re-encoding changed the bytes:\n%x\n%x", b, b2)
		}
	})
}

func TestPropertyRoundTrip(t *testing.T) {
	t.Run("Header", func(t *testing.T) { roundTrip(t, genHeader) })
	t.Run("StatsHeader", func(t *testing.T) { roundTrip(t, genStatsHeader) })
	t.Run("Bitset", func(t *testing.T) { roundTrip(t, genBitset) })
	t.Run("LinkInfo", func(t *testing.T) { roundTrip(t, genLinkInfo) })
	t.Run("LinkModes", func(t *testing.T) { roundTrip(t, genLinkModes) })
	t.Run("LinkState", func(t *testing.T) { roundTrip(t, genLinkState) })
	t.Run("LinkInfoRequest", func(t *testing.T) {
		roundTrip(t, rapid.Custom(func(t *rapid.T) ethtool.LinkInfoRequest {
			return ethtool.LinkInfoRequest{Header: genHeader.Draw(t, "Header")}
		}))
	})
	t.Run("LinkModesRequest", func(t *testing.T) {
		roundTrip(t, rapid.Custom(func(t *rapid.T) ethtool.LinkModesRequest {
			return ethtool.LinkModesRequest{Header: genHeader.Draw(t, "Header")}
		}))
	})
	t.Run("LinkStateRequest", func(t *testing.T) {
		roundTrip(t, rapid.Custom(func(t *rapid.T) ethtool.LinkStateRequest {
			return ethtool.LinkStateRequest{Header: genStatsHeader.Draw(t, "Header")}
		}))
	})
}

// TestPropertyHostile decodes random bytes, and captured replies with
// random bytes changed, into every reply type: decoding never panics, and
// a value it accepts is a fixpoint of encode→decode.
func TestPropertyHostile(t *testing.T) {
	var seeds [][]byte
	for _, f := range []string{"linkinfo-veth0.hex", "linkmodes-veth0.hex", "linkmodes-veth0-compact.hex", "linkstate-dump.hex"} {
		for _, m := range readCapture(t, f) {
			seeds = append(seeds, m[4:])
		}
	}
	types := []reflect.Type{reflect.TypeFor[ethtool.LinkInfo](), reflect.TypeFor[ethtool.LinkModes](), reflect.TypeFor[ethtool.LinkState](), reflect.TypeFor[ethtool.Bitset]()}
	rapid.Check(t, func(rt *rapid.T) {
		var b []byte
		if rapid.Bool().Draw(rt, "random") {
			b = rapid.SliceOfN(rapid.Byte(), 0, 256).Draw(rt, "bytes")
		} else {
			b = bytes.Clone(rapid.SampledFrom(seeds).Draw(rt, "seed"))
			for range rapid.IntRange(1, 4).Draw(rt, "edits") {
				if len(b) == 0 {
					break
				}
				b[rapid.IntRange(0, len(b)-1).Draw(rt, "at")] = rapid.Byte().Draw(rt, "to")
			}
		}
		typ := rapid.SampledFrom(types).Draw(rt, "type")
		v := reflect.New(typ).Interface()
		if err := marshal.Unmarshal(b, v); err != nil {
			return
		}
		enc, err := marshal.Marshal(v)
		if err != nil {
			// A decoded value may break the tags' own checks only if
			// decoding let it through: it must not.
			rt.Fatalf("decoded %+v from %x, but cannot encode it: %v", v, b, err)
		}
		w := reflect.New(typ).Interface()
		if err := marshal.Unmarshal(enc, w); err != nil {
			rt.Fatalf("re-decode: %v", err)
		}
		if d := cmp.Diff(v, w); d != "" {
			rt.Fatalf("decode→encode→decode is not a fixpoint (-first +second):\n%s", d)
		}
	})
}
