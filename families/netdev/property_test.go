package netdev_test

import (
	"bytes"
	"testing"

	"pgregory.net/rapid"

	"github.com/nlstruct/nlstruct/families/netdev"
	"github.com/nlstruct/nlstruct/marshal"
)

var genDevice = rapid.Custom(func(t *rapid.T) netdev.Device {
	return netdev.Device{
		Ifindex:               rapid.Uint32().Draw(t, "Ifindex"),
		XDPFeatures:           netdev.XDPAct(rapid.Uint64().Draw(t, "XDPFeatures")),
		XDPRxMetadataFeatures: netdev.XDPRxMetadata(rapid.Uint64().Draw(t, "XDPRxMetadataFeatures")),
		XSKFeatures:           netdev.XSKFlags(rapid.Uint64().Draw(t, "XSKFeatures")),
		XDPZCMaxSegs:          rapid.Uint32().Draw(t, "XDPZCMaxSegs"),
	}
})

// roundTrip checks Unmarshal(Marshal(x)) == x and that re-encoding gives
// the same bytes.
func roundTrip[T comparable](t *testing.T, g *rapid.Generator[T]) {
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
		if x != y {
			rt.Fatalf("Unmarshal(Marshal(%+v)) = %+v", x, y)
		}
		b2, err := marshal.Marshal(&y)
		if err != nil || !bytes.Equal(b, b2) {
			rt.Fatalf("re-encoding changed the bytes (%v):\n%x\n%x", err, b, b2)
		}
	})
}

func TestPropertyRoundTrip(t *testing.T) {
	t.Run("Device", func(t *testing.T) { roundTrip(t, genDevice) })
	t.Run("DevGetRequest", func(t *testing.T) {
		roundTrip(t, rapid.Custom(func(t *rapid.T) netdev.DevGetRequest {
			return netdev.DevGetRequest{Ifindex: rapid.Uint32Min(1).Draw(t, "Ifindex")}
		}))
	})
}

// TestPropertyHostile decodes random bytes, and captured replies with
// random bytes changed, as a Device: decoding never panics, and a value it
// accepts is a fixpoint of encode→decode.
func TestPropertyHostile(t *testing.T) {
	var seeds [][]byte
	for _, f := range []string{"dev-dump.hex", "dev-zerocopy.hex"} {
		for _, m := range readCapture(t, f) {
			seeds = append(seeds, m[4:])
		}
	}
	rapid.Check(t, func(rt *rapid.T) {
		var b []byte
		if rapid.Bool().Draw(rt, "random") {
			b = rapid.SliceOfN(rapid.Byte(), 0, 128).Draw(rt, "bytes")
		} else {
			b = bytes.Clone(rapid.SampledFrom(seeds).Draw(rt, "seed"))
			for range rapid.IntRange(1, 4).Draw(rt, "edits") {
				b[rapid.IntRange(0, len(b)-1).Draw(rt, "at")] = rapid.Byte().Draw(rt, "to")
			}
		}
		var d netdev.Device
		if err := marshal.Unmarshal(b, &d); err != nil {
			return
		}
		enc, err := marshal.Marshal(&d)
		if err != nil {
			rt.Fatalf("decoded %+v, cannot encode it: %v", d, err)
		}
		var again netdev.Device
		if err := marshal.Unmarshal(enc, &again); err != nil || again != d {
			rt.Fatalf("decode→encode→decode: %+v, %v; first %+v", again, err, d)
		}
	})
}
