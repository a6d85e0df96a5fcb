package bench

import (
	"testing"

	"github.com/jsimonetti/rtnetlink/v2"
)

var sink []byte

// BenchmarkEncode encodes each message with every codec. Codecs with an
// append form append into one reused buffer (buf[:0] each iteration).
func BenchmarkEncode(b *testing.B) {
	svc, link := NewService(), NewLink()
	for _, c := range serviceCodecs {
		b.Run("service/"+c.name, func(b *testing.B) { benchEncode(b, c.enc, &svc) })
	}
	for _, c := range linkCodecs {
		b.Run("link/"+c.name, func(b *testing.B) { benchEncode(b, c.enc, &link) })
	}
	b.Run("link/jsimonetti", func(b *testing.B) {
		m := JsimonettiLinkMessage(&link)
		b.ReportAllocs()
		var out []byte
		for b.Loop() {
			var err error
			if out, err = m.MarshalBinary(); err != nil {
				b.Fatal(err)
			}
		}
		sink = out
	})
}

// BenchmarkDecode decodes the same bytes (the floor's encoding, which every
// encoder reproduces exactly) with every codec into a zeroed value.
func BenchmarkDecode(b *testing.B) {
	svc, link := NewService(), NewLink()
	svcWire, err := FloorAppendService(nil, &svc)
	if err != nil {
		b.Fatal(err)
	}
	linkWire, err := FloorAppendLink(nil, &link)
	if err != nil {
		b.Fatal(err)
	}
	for _, c := range serviceCodecs {
		b.Run("service/"+c.name, func(b *testing.B) { benchDecode(b, c.dec, svcWire) })
	}
	for _, c := range linkCodecs {
		b.Run("link/"+c.name, func(b *testing.B) { benchDecode(b, c.dec, linkWire) })
	}
	b.Run("link/jsimonetti", func(b *testing.B) {
		m := new(rtnetlink.LinkMessage)
		b.ReportAllocs()
		for b.Loop() {
			*m = rtnetlink.LinkMessage{}
			if err := m.UnmarshalBinary(linkWire); err != nil {
				b.Fatal(err)
			}
		}
	})
}

func benchEncode[T any](b *testing.B, enc func([]byte, *T) ([]byte, error), v *T) {
	buf := make([]byte, 0, 4096)
	b.ReportAllocs()
	for b.Loop() {
		var err error
		if buf, err = enc(buf[:0], v); err != nil {
			b.Fatal(err)
		}
	}
	sink = buf
}

func benchDecode[T any](b *testing.B, dec func([]byte, *T) error, wire []byte) {
	out := new(T)
	b.ReportAllocs()
	for b.Loop() {
		*out = *new(T)
		if err := dec(wire, out); err != nil {
			b.Fatal(err)
		}
	}
}
