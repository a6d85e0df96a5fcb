package rt_test

import (
	"bytes"
	"encoding/hex"
	"net/netip"
	"reflect"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"pgregory.net/rapid"

	"golang.org/x/sys/unix"

	"github.com/nlstruct/nlstruct/families/rt"
	"github.com/nlstruct/nlstruct/marshal"
	"github.com/nlstruct/nlstruct/nlattr"
)

// addrHex decodes hex written with spaces between the parts.
func addrHex(t *testing.T, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(strings.Join(strings.Fields(s), ""))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestAddrEncode checks the bytes of address requests, written out from
// <linux/if_addr.h>: ifaddrmsg (family, prefixlen, flags, scope, index),
// then the attributes.
func TestAddrEncode(t *testing.T) {
	v6 := rt.NewAddress(7, netip.MustParsePrefix("2001:db8::1/64"))
	v6.Flags = rt.AddrFlagNoDAD | rt.AddrFlagNoPrefixRoute
	v6.CacheInfo = &rt.AddrCacheInfo{Preferred: 100, Valid: 200}
	tests := []struct {
		name string
		in   *rt.Address
		want string
	}{{
		name: "dump request",
		in:   &rt.Address{Header: rt.IfAddrMsg{Family: unix.AF_INET6}},
		want: "0a000000 00000000",
	}, {
		name: "IPv4 with label and broadcast",
		in: func() *rt.Address {
			a := rt.NewAddress(3, netip.MustParsePrefix("10.0.0.1/24"))
			a.Label = "eth0:1"
			a.Broadcast = netip.MustParseAddr("10.0.0.255")
			return a
		}(),
		want: "02180000 03000000" +
			" 0800 0100 0a000001" + // IFA_ADDRESS
			" 0800 0200 0a000001" + // IFA_LOCAL
			" 0b00 0300 657468303a3100 00" + // IFA_LABEL "eth0:1\0", padded
			" 0800 0400 0a0000ff", // IFA_BROADCAST
	}, {
		name: "IPv6 with flags and lifetimes",
		in:   v6,
		want: "0a400000 07000000" +
			" 1400 0100 20010db8000000000000000000000001" +
			" 1400 0200 20010db8000000000000000000000001" +
			" 1400 0600 64000000 c8000000 00000000 00000000" + // IFA_CACHEINFO
			" 0800 0800 02020000", // IFA_FLAGS
	}, {
		name: "route priority, proto, target nsid",
		in: &rt.Address{Header: rt.IfAddrMsg{Family: unix.AF_INET, PrefixLen: 8, Scope: rt.ScopeHost, Index: 1},
			RoutePriority: 300, TargetNetNSID: new(int32(0)), Proto: rt.AddrProtoKernelLo},
		want: "0208 00fe 01000000" +
			" 0800 0900 2c010000" + // IFA_RT_PRIORITY
			" 0800 0a00 00000000" + // IFA_TARGET_NETNSID
			" 0500 0b00 01000000", // IFA_PROTO
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := marshal.Marshal(tt.in)
			if err != nil {
				t.Fatal(err)
			}
			want := addrHex(t, tt.want)
			if !bytes.Equal(got, want) {
				t.Errorf("Marshal =\n%x\nwant\n%x", got, want)
			}
			var back rt.Address
			if err := marshal.Unmarshal(want, &back); err != nil {
				t.Fatal(err)
			}
			if d := cmp.Diff(tt.in, &back, addrCmpAddr); d != "" {
				t.Errorf("Unmarshal (-want +got):\n%s", d)
			}
		})
	}
}

// TestAddrHelpers checks NewAddress, Addr, Prefix and AllFlags.
func TestAddrHelpers(t *testing.T) {
	// An IPv4-mapped prefix of at least 96 bits is an IPv4 prefix (the
	// last 32 bits are the IPv4 address and its /24); a shorter one is
	// an IPv6 prefix that happens to hold a mapped address.
	a := rt.NewAddress(5, netip.MustParsePrefix("::ffff:192.0.2.1/120"))
	if a.Header.Family != unix.AF_INET || a.Local != netip.MustParseAddr("192.0.2.1") || a.Header.PrefixLen != 24 || a.Header.Index != 5 {
		t.Errorf("NewAddress(::ffff:192.0.2.1/120): %+v, want AF_INET 192.0.2.1/24 on 5", a)
	}
	a = rt.NewAddress(5, netip.MustParsePrefix("::ffff:192.0.2.1/80"))
	if a.Header.Family != unix.AF_INET6 || a.Local != netip.MustParseAddr("::ffff:192.0.2.1") || a.Header.PrefixLen != 80 {
		t.Errorf("NewAddress(::ffff:192.0.2.1/80): %+v, want AF_INET6 ::ffff:192.0.2.1/80", a)
	}
	for _, tt := range []struct {
		reason string
		a      rt.Address
		prefix string
		flags  rt.AddrFlags
	}{
		{"IPv6 without peer: Address only",
			rt.Address{Header: rt.IfAddrMsg{Family: unix.AF_INET6, PrefixLen: 64, Flags: 0x80}, Address: netip.MustParseAddr("2001:db8::1")},
			"2001:db8::1/64", rt.AddrFlagPermanent},
		{"point-to-point: Local is ours, Address the peer's",
			rt.Address{Header: rt.IfAddrMsg{Family: unix.AF_INET, PrefixLen: 32}, Address: netip.MustParseAddr("10.0.0.2"), Local: netip.MustParseAddr("10.0.0.1"),
				Flags: rt.AddrFlagPermanent | rt.AddrFlagNoPrefixRoute},
			"10.0.0.1/32", rt.AddrFlagPermanent | rt.AddrFlagNoPrefixRoute},
	} {
		if got := tt.a.Prefix().String(); got != tt.prefix {
			t.Errorf("%s: Prefix = %s, want %s", tt.reason, got, tt.prefix)
		}
		if got := tt.a.AllFlags(); got != tt.flags {
			t.Errorf("%s: AllFlags = %#x, want %#x", tt.reason, got, tt.flags)
		}
	}
}

// TestAddrLayouts checks the fixed layouts' sizes against the C structs.
func TestAddrLayouts(t *testing.T) {
	for _, tt := range []struct {
		t    reflect.Type
		size uintptr
	}{
		{reflect.TypeFor[rt.IfAddrMsg](), unix.SizeofIfAddrmsg},
		{reflect.TypeFor[rt.AddrCacheInfo](), unix.SizeofIfaCacheinfo},
	} {
		if tt.t.Size() != tt.size {
			t.Errorf("%s is %d bytes, want %d", tt.t, tt.t.Size(), tt.size)
		}
		if err := marshal.Check(tt.t); err != nil {
			t.Error(err)
		}
	}
	if err := marshal.Check(reflect.TypeFor[rt.Address]()); err != nil {
		t.Error(err)
	}
}

// Generators for the property tests.

var addrGenV4 = rapid.Custom(func(t *rapid.T) netip.Addr {
	return netip.AddrFrom4([4]byte(rapid.SliceOfN(rapid.Byte(), 4, 4).Draw(t, "v4")))
})

var addrGenV6 = rapid.Custom(func(t *rapid.T) netip.Addr {
	return netip.AddrFrom16([16]byte(rapid.SliceOfN(rapid.Byte(), 16, 16).Draw(t, "v6")))
})

// addrGenIP is an invalid (absent), IPv4 or IPv6 address.
var addrGenIP = rapid.Custom(func(t *rapid.T) netip.Addr {
	switch rapid.IntRange(0, 2).Draw(t, "kind") {
	case 1:
		return addrGenV4.Draw(t, "addr")
	case 2:
		return addrGenV6.Draw(t, "addr")
	}
	return netip.Addr{}
})

// addrGenUnknown draws attributes with types from lo to hi (none of them
// a field's), as the unknown field holds them.
func addrGenUnknown(lo, hi uint16) *rapid.Generator[[]nlattr.Attr] {
	return rapid.Custom(func(t *rapid.T) []nlattr.Attr {
		n := rapid.IntRange(0, 3).Draw(t, "n")
		if n == 0 {
			return nil
		}
		out := make([]nlattr.Attr, n)
		for i := range out {
			out[i] = nlattr.Attr{
				Type: rapid.Uint16Range(lo, hi).Draw(t, "type"),
				Data: rapid.SliceOfN(rapid.Byte(), 0, 12).Draw(t, "data"),
			}
			if rapid.Bool().Draw(t, "nested") {
				out[i].Flags = nlattr.FlagNested
			}
		}
		return out
	})
}

// addrPtr draws nil or a pointer to a value of g.
func addrPtr[T any](g *rapid.Generator[T]) *rapid.Generator[*T] {
	return rapid.Custom(func(t *rapid.T) *T {
		if rapid.Bool().Draw(t, "absent") {
			return nil
		}
		v := g.Draw(t, "v")
		return &v
	})
}

var addrGenIfAddrMsg = rapid.Custom(func(t *rapid.T) rt.IfAddrMsg {
	return rt.IfAddrMsg{
		Family:    rapid.Uint8().Draw(t, "Family"),
		PrefixLen: rapid.Uint8().Draw(t, "PrefixLen"),
		Flags:     rapid.Uint8().Draw(t, "Flags"),
		Scope:     rt.Scope(rapid.Uint8().Draw(t, "Scope")),
		Index:     rapid.Uint32().Draw(t, "Index"),
	}
})

var addrGenCacheInfo = rapid.Custom(func(t *rapid.T) rt.AddrCacheInfo {
	return rt.AddrCacheInfo{
		Preferred: rapid.Uint32().Draw(t, "Preferred"),
		Valid:     rapid.Uint32().Draw(t, "Valid"),
		Created:   rapid.Uint32().Draw(t, "Created"),
		Updated:   rapid.Uint32().Draw(t, "Updated"),
	}
})

var addrGenAddress = rapid.Custom(func(t *rapid.T) rt.Address {
	return rt.Address{
		Header:        addrGenIfAddrMsg.Draw(t, "Header"),
		Address:       addrGenIP.Draw(t, "Address"),
		Local:         addrGenIP.Draw(t, "Local"),
		Label:         rapid.StringMatching(`[a-z0-9:]{0,15}`).Draw(t, "Label"),
		Broadcast:     addrGenIP.Draw(t, "Broadcast"),
		Anycast:       addrGenIP.Draw(t, "Anycast"),
		CacheInfo:     addrPtr(addrGenCacheInfo).Draw(t, "CacheInfo"),
		Multicast:     addrGenIP.Draw(t, "Multicast"),
		Flags:         rt.AddrFlags(rapid.Uint32().Draw(t, "Flags")),
		RoutePriority: rapid.Uint32().Draw(t, "RoutePriority"),
		TargetNetNSID: addrPtr(rapid.Int32()).Draw(t, "TargetNetNSID"),
		Proto:         rt.AddrProto(rapid.Uint8().Draw(t, "Proto")),
		Unknown:       addrGenUnknown(12, 100).Draw(t, "Unknown"),
	}
})

// addrRoundTrip checks that Unmarshal(Marshal(x)) equals x, and that
// encoding the result gives the same bytes.
func addrRoundTrip[T any](t *testing.T, g *rapid.Generator[T]) {
	rapid.Check(t, func(r *rapid.T) {
		x := g.Draw(r, "x")
		b, err := marshal.Marshal(&x)
		if err != nil {
			r.Fatalf("Marshal(%+v): %v", x, err)
		}
		var y T
		if err := marshal.Unmarshal(b, &y); err != nil {
			r.Fatalf("Unmarshal(%x): %v", b, err)
		}
		if d := cmp.Diff(x, y, addrCmpAddr); d != "" {
			r.Fatalf("Unmarshal(Marshal(x)) (-x +got):\n%s", d)
		}
		b2, err := marshal.Marshal(&y)
		if err != nil || !bytes.Equal(b, b2) {
			r.Fatalf("re-encoding changed the bytes (%v):\n%x\n%x", err, b, b2)
		}
	})
}

func TestAddrPropertyRoundTrip(t *testing.T) {
	t.Run("IfAddrMsg", func(t *testing.T) { addrRoundTrip(t, addrGenIfAddrMsg) })
	t.Run("AddrCacheInfo", func(t *testing.T) { addrRoundTrip(t, addrGenCacheInfo) })
	t.Run("Address", func(t *testing.T) { addrRoundTrip(t, addrGenAddress) })
}

// addrHostile decodes random bytes, and seeds with random bytes changed,
// as a T: decoding never panics, and a value it accepts is a fixpoint of
// encode→decode.
func addrHostile[T any](t *testing.T, seeds [][]byte) {
	rapid.Check(t, func(r *rapid.T) {
		var b []byte
		if rapid.Bool().Draw(r, "random") {
			b = rapid.SliceOfN(rapid.Byte(), 0, 128).Draw(r, "bytes")
		} else {
			b = bytes.Clone(rapid.SampledFrom(seeds).Draw(r, "seed"))
			for range rapid.IntRange(1, 4).Draw(r, "edits") {
				b[rapid.IntRange(0, len(b)-1).Draw(r, "at")] = rapid.Byte().Draw(r, "to")
			}
		}
		var v T
		if err := marshal.Unmarshal(b, &v); err != nil {
			return
		}
		enc, err := marshal.Marshal(&v)
		if err != nil {
			r.Fatalf("decoded %+v, cannot encode it: %v", v, err)
		}
		var again T
		if err := marshal.Unmarshal(enc, &again); err != nil {
			r.Fatalf("decode→encode→decode: %v", err)
		}
		if d := cmp.Diff(v, again, addrCmpAddr); d != "" {
			r.Fatalf("decode→encode→decode (-first +again):\n%s", d)
		}
	})
}

func TestAddrPropertyHostile(t *testing.T) {
	addrHostile[rt.Address](t, addrReadCapture(t, "addr_dump.hex"))
}
