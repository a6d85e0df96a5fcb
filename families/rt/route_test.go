package rt_test

import (
	"bytes"
	"errors"
	"net/netip"
	"reflect"
	"testing"

	"github.com/google/go-cmp/cmp"
	"golang.org/x/sys/unix"
	"pgregory.net/rapid"

	"github.com/nlstruct/nlstruct/families/rt"
	"github.com/nlstruct/nlstruct/marshal"
)

// TestRouteEncode checks the bytes of route requests, written out from
// <linux/rtnetlink.h>: rtmsg (family, dst_len, src_len, tos, table,
// protocol, scope, type, flags), then the attributes.
func TestRouteEncode(t *testing.T) {
	tests := []struct {
		name string
		in   *rt.Route
		want string
	}{{
		name: "IPv4 via gateway, table 1000, metric, mtu",
		in: &rt.Route{
			Header:   rt.RtMsg{Family: unix.AF_INET, DstLen: 16, Protocol: rt.ProtoStatic, Type: rt.RouteTypeUnicast},
			Dst:      netip.MustParseAddr("10.20.0.0"),
			Gateway:  netip.MustParseAddr("10.10.0.2"),
			Priority: new(uint32(50)),
			Metrics:  &rt.RouteMetrics{MTU: 1400, CCAlgo: "bbr"},
			Table:    1000,
		},
		want: "02100000 00040001 00000000" +
			" 0800 0100 0a140000" + // RTA_DST
			" 0800 0500 0a0a0002" + // RTA_GATEWAY
			" 0800 0600 32000000" + // RTA_PRIORITY 50
			" 1400 0800 0800 0200 78050000 0800 1000 62627200" + // RTA_METRICS, no NLA_F_NESTED, as the kernel writes it {RTAX_MTU 1400, RTAX_CC_ALGO "bbr"}
			" 0800 0f00 e8030000", // RTA_TABLE 1000
	}, {
		name: "IPv6 lookup with pref, uid, ports, flow label",
		in: &rt.Route{
			Header:    rt.RtMsg{Family: unix.AF_INET6, DstLen: 128, Flags: rt.RouteFlagLookupTable},
			Dst:       netip.MustParseAddr("2001:db8::5"),
			Pref:      new(rt.PrefLow),
			UID:       new(uint32(0)),
			IPProto:   unix.IPPROTO_TCP,
			DPort:     443,
			FlowLabel: 0x12345,
		},
		want: "0a800000 00000000 00100000" +
			" 1400 0100 20010db8000000000000000000000005" +
			" 0500 1400 03000000" + // RTA_PREF low
			" 0800 1900 00000000" + // RTA_UID 0
			" 0500 1b00 06000000" + // RTA_IP_PROTO tcp
			" 0600 1d00 01bb0000" + // RTA_DPORT 443, big-endian
			" 0800 1f00 00012345", // RTA_FLOWLABEL, big-endian
	}, {
		name: "IPv4 via IPv6 (RTA_VIA)",
		in: &rt.Route{
			Header: rt.RtMsg{Family: unix.AF_INET, Table: rt.TableMain, Type: rt.RouteTypeUnicast},
			OIF:    3,
			Via:    &rt.Via{Addr: netip.MustParseAddr("fe80::1")},
		},
		want: "02000000 fe000001 00000000" +
			" 0800 0400 03000000" + // RTA_OIF
			" 1600 1200 0a00 fe800000000000000000000000000001 0000", // RTA_VIA: AF_INET6, address, padding
	}, {
		name: "cache info",
		in: &rt.Route{
			Header:    rt.RtMsg{Family: unix.AF_INET6},
			CacheInfo: &rt.RouteCacheInfo{ClntRef: 1, LastUse: 2, Expires: -3, Error: 4, Used: 5, ID: 6, TS: 7, TSAge: 8},
		},
		want: "0a000000 00000000 00000000" +
			" 2400 0c00 01000000 02000000 fdffffff 04000000 05000000 06000000 07000000 08000000",
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
			var back rt.Route
			if err := marshal.Unmarshal(want, &back); err != nil {
				t.Fatal(err)
			}
			if d := cmp.Diff(tt.in, &back, addrCmpAddr); d != "" {
				t.Errorf("Unmarshal (-want +got):\n%s", d)
			}
		})
	}
}

// TestRouteDecodeShortCacheInfo decodes the 20-byte rta_cacheinfo of the
// YNL spec (the fields before rta_id).
func TestRouteDecodeShortCacheInfo(t *testing.T) {
	b := addrHex(t, "0a000000 00000000 00000000 1800 0c00 01000000 02000000 03000000 04000000 05000000")
	var r rt.Route
	if err := marshal.Unmarshal(b, &r); err != nil {
		t.Fatal(err)
	}
	want := &rt.RouteCacheInfo{ClntRef: 1, LastUse: 2, Expires: 3, Error: 4, Used: 5}
	if d := cmp.Diff(want, r.CacheInfo); d != "" {
		t.Errorf("CacheInfo (-want +got):\n%s", d)
	}
}

// TestRouteVia checks RTA_VIA's decoding of good and bad payloads.
func TestRouteVia(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want netip.Addr
		raw  bool // kept whole in Raw
		ok   bool
	}{
		{"IPv4", "0200 c0000201", netip.MustParseAddr("192.0.2.1"), false, true},
		{"IPv6", "0a00 20010db8000000000000000000000001", netip.MustParseAddr("2001:db8::1"), false, true},
		{"IPv4 address, IPv6 family", "0a00 c0000201", netip.Addr{}, false, false},
		{"IPv6 address, IPv4 family", "0200 20010db8000000000000000000000001", netip.Addr{}, false, false},
		{"no address", "0200", netip.Addr{}, false, false},
		{"empty", "", netip.Addr{}, false, false},
		{"one byte", "02", netip.Addr{}, false, false},
		// AF_PACKET (17): an MPLS route's next hop by MAC address.
		{"AF_PACKET", "1100 020000000001", netip.Addr{}, true, true},
		{"AF_MPLS label", "1c00 00001000", netip.Addr{}, true, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var v rt.Via
			err := v.UnmarshalNetlink(addrHex(t, tt.in))
			if (err == nil) != tt.ok {
				t.Fatalf("UnmarshalNetlink: %v, want ok=%v", err, tt.ok)
			}
			if v.Addr != tt.want {
				t.Errorf("Addr = %v, want %v", v.Addr, tt.want)
			}
			if tt.raw && !bytes.Equal(v.Raw, addrHex(t, tt.in)) {
				t.Errorf("Raw = %x, want %s", v.Raw, tt.in)
			}
			if !tt.raw && v.Raw != nil {
				t.Errorf("Raw = %x, want nil", v.Raw)
			}
			if !tt.ok {
				return
			}
			b, err := v.MarshalNetlink(nil)
			if err != nil || !bytes.Equal(b, addrHex(t, tt.in)) {
				t.Errorf("MarshalNetlink = %x, %v; want %s", b, err, tt.in)
			}
		})
	}
	// An invalid address cannot be encoded, and says so through
	// Marshal.
	_, err := marshal.Marshal(&rt.Route{Via: &rt.Via{}})
	if err == nil {
		t.Error("Marshal of a Via without an address succeeded")
	}
	// A bad RTA_VIA fails decoding of the whole route.
	var r rt.Route
	if err := marshal.Unmarshal(addrHex(t, "02000000 00000000 00000000 0600 1200 0200 0000"), &r); err == nil {
		t.Error("Unmarshal of a 2-byte RTA_VIA succeeded")
	} else if errors.Is(err, marshal.ErrTag) {
		t.Errorf("Unmarshal: %v", err)
	}
}

// TestRouteHelpers checks TableID, DstPrefix and SrcPrefix.
func TestRouteHelpers(t *testing.T) {
	tests := []struct {
		reason string
		r      rt.Route
		table  uint32
		dst    string
		src    string
	}{
		{"default IPv4 route in main",
			rt.Route{Header: rt.RtMsg{Family: unix.AF_INET, Table: rt.TableMain}},
			rt.TableMain, "0.0.0.0/0", "0.0.0.0/0"},
		{"RTA_TABLE over rtm_table's TableCompat",
			rt.Route{Header: rt.RtMsg{Family: unix.AF_INET6, DstLen: 48, Table: rt.TableCompat}, Dst: netip.MustParseAddr("2001:db8::"), Table: 1000},
			1000, "2001:db8::/48", "::/0"},
		{"source-specific IPv6 route",
			rt.Route{Header: rt.RtMsg{Family: unix.AF_INET6, DstLen: 64, SrcLen: 56}, Dst: netip.MustParseAddr("2001:db8:1::"), Src: netip.MustParseAddr("2001:db8:2::")},
			0, "2001:db8:1::/64", "2001:db8:2::/56"},
	}
	for _, tt := range tests {
		if got := tt.r.TableID(); got != tt.table {
			t.Errorf("%s: TableID = %d, want %d", tt.reason, got, tt.table)
		}
		if got := tt.r.DstPrefix().String(); got != tt.dst {
			t.Errorf("%s: DstPrefix = %s, want %s", tt.reason, got, tt.dst)
		}
		if got := tt.r.SrcPrefix().String(); got != tt.src {
			t.Errorf("%s: SrcPrefix = %s, want %s", tt.reason, got, tt.src)
		}
	}
	if p := (&rt.Route{}).DstPrefix(); p.IsValid() {
		t.Errorf("DstPrefix of a route of no family = %v, want invalid", p)
	}
}

// TestRouteLayouts checks the fixed layouts' sizes against the C structs.
func TestRouteLayouts(t *testing.T) {
	for _, tt := range []struct {
		t    reflect.Type
		size uintptr
	}{
		{reflect.TypeFor[rt.RtMsg](), unix.SizeofRtMsg},
		{reflect.TypeFor[rt.RouteCacheInfo](), 32}, // struct rta_cacheinfo
	} {
		if tt.t.Size() != tt.size {
			t.Errorf("%s is %d bytes, want %d", tt.t, tt.t.Size(), tt.size)
		}
	}
	for _, ty := range []reflect.Type{reflect.TypeFor[rt.RtMsg](), reflect.TypeFor[rt.RouteCacheInfo](), reflect.TypeFor[rt.RouteMetrics](), reflect.TypeFor[rt.Route]()} {
		if err := marshal.Check(ty); err != nil {
			t.Error(err)
		}
	}
}

// Generators for the property tests.

var routeGenRtMsg = rapid.Custom(func(t *rapid.T) rt.RtMsg {
	return rt.RtMsg{
		Family:   rapid.Uint8().Draw(t, "Family"),
		DstLen:   rapid.Uint8().Draw(t, "DstLen"),
		SrcLen:   rapid.Uint8().Draw(t, "SrcLen"),
		TOS:      rapid.Uint8().Draw(t, "TOS"),
		Table:    rapid.Uint8().Draw(t, "Table"),
		Protocol: rt.RouteProtocol(rapid.Uint8().Draw(t, "Protocol")),
		Scope:    rt.Scope(rapid.Uint8().Draw(t, "Scope")),
		Type:     rt.RouteType(rapid.Uint8().Draw(t, "Type")),
		Flags:    rt.RouteFlags(rapid.Uint32().Draw(t, "Flags")),
	}
})

var routeGenCacheInfo = rapid.Custom(func(t *rapid.T) rt.RouteCacheInfo {
	return rt.RouteCacheInfo{
		ClntRef: rapid.Uint32().Draw(t, "ClntRef"),
		LastUse: rapid.Uint32().Draw(t, "LastUse"),
		Expires: rapid.Int32().Draw(t, "Expires"),
		Error:   rapid.Uint32().Draw(t, "Error"),
		Used:    rapid.Uint32().Draw(t, "Used"),
		ID:      rapid.Uint32().Draw(t, "ID"),
		TS:      rapid.Uint32().Draw(t, "TS"),
		TSAge:   rapid.Uint32().Draw(t, "TSAge"),
	}
})

var routeGenMetrics = rapid.Custom(func(t *rapid.T) rt.RouteMetrics {
	u := func(name string) uint32 {
		if rapid.Bool().Draw(t, name+"?") {
			return 0
		}
		return rapid.Uint32().Draw(t, name)
	}
	return rt.RouteMetrics{
		Lock: u("Lock"), MTU: u("MTU"), Window: u("Window"), RTT: u("RTT"), RTTVar: u("RTTVar"),
		SSThresh: u("SSThresh"), CWnd: u("CWnd"), AdvMSS: u("AdvMSS"), Reordering: u("Reordering"),
		HopLimit: u("HopLimit"), InitCWnd: u("InitCWnd"), Features: u("Features"), RTOMin: u("RTOMin"),
		InitRWnd: u("InitRWnd"), QuickAck: u("QuickAck"),
		CCAlgo:           rapid.StringMatching(`[a-z0-9]{0,15}`).Draw(t, "CCAlgo"),
		FastOpenNoCookie: u("FastOpenNoCookie"),
		Unknown:          addrGenUnknown(18, 60).Draw(t, "Unknown"),
	}
})

var routeGenVia = rapid.Custom(func(t *rapid.T) rt.Via {
	switch rapid.IntRange(0, 2).Draw(t, "family") {
	case 0:
		return rt.Via{Addr: addrGenV6.Draw(t, "Addr")}
	case 1:
		// AF_PACKET and a MAC address, kept raw.
		return rt.Via{Raw: append([]byte{17, 0}, rapid.SliceOfN(rapid.Byte(), 6, 6).Draw(t, "MAC")...)}
	}
	return rt.Via{Addr: addrGenV4.Draw(t, "Addr")}
})

// routeGenNextHop makes a next hop whose rtnh_len is what Marshal will
// write: its own encoding's length (worked out by encoding it alone, as
// a record is its message's payload).
var routeGenNextHop = rapid.Custom(func(t *rapid.T) rt.NextHop {
	h := rt.NextHop{
		Header:  rt.RtNextHop{Flags: rapid.Uint8().Draw(t, "Flags"), Hops: rapid.Uint8().Draw(t, "Hops"), IfIndex: rapid.Int32().Draw(t, "IfIndex")},
		Gateway: addrGenIP.Draw(t, "Gateway"),
		Flow:    rapid.Uint32().Draw(t, "Flow"),
		Via:     addrPtr(routeGenVia).Draw(t, "Via"),
		Unknown: addrGenUnknown(19, 40).Draw(t, "Unknown"),
	}
	b, err := marshal.Marshal(&h)
	if err != nil {
		t.Fatal(err)
	}
	h.Header.Len = uint16(len(b))
	return h
})

var routeGenRoute = rapid.Custom(func(t *rapid.T) rt.Route {
	bytesOrNil := func(name string) []byte {
		if rapid.Bool().Draw(t, name+"?") {
			return nil
		}
		return rapid.SliceOfN(rapid.Byte(), 1, 24).Draw(t, name)
	}
	return rt.Route{
		Header:       routeGenRtMsg.Draw(t, "Header"),
		Dst:          addrGenIP.Draw(t, "Dst"),
		Src:          addrGenIP.Draw(t, "Src"),
		IIF:          rapid.Uint32().Draw(t, "IIF"),
		OIF:          rapid.Uint32().Draw(t, "OIF"),
		Gateway:      addrGenIP.Draw(t, "Gateway"),
		Priority:     addrPtr(rapid.Uint32()).Draw(t, "Priority"),
		PrefSrc:      addrGenIP.Draw(t, "PrefSrc"),
		Metrics:      addrPtr(routeGenMetrics).Draw(t, "Metrics"),
		MultiPath:    rapid.SliceOfN(routeGenNextHop, 0, 3).Draw(t, "MultiPath"),
		Flow:         rapid.Uint32().Draw(t, "Flow"),
		CacheInfo:    addrPtr(routeGenCacheInfo).Draw(t, "CacheInfo"),
		Table:        rapid.Uint32().Draw(t, "Table"),
		Mark:         rapid.Uint32().Draw(t, "Mark"),
		Via:          addrPtr(routeGenVia).Draw(t, "Via"),
		NewDst:       bytesOrNil("NewDst"),
		Pref:         addrPtr(rapid.Custom(func(t *rapid.T) rt.RoutePref { return rt.RoutePref(rapid.Uint8().Draw(t, "Pref")) })).Draw(t, "Pref"),
		EncapType:    rapid.Uint16().Draw(t, "EncapType"),
		Encap:        bytesOrNil("Encap"),
		Expires:      rapid.Uint().Draw(t, "Expires"),
		UID:          addrPtr(rapid.Uint32()).Draw(t, "UID"),
		TTLPropagate: addrPtr(rapid.Uint8()).Draw(t, "TTLPropagate"),
		IPProto:      rapid.Uint8().Draw(t, "IPProto"),
		SPort:        rapid.Uint16().Draw(t, "SPort"),
		DPort:        rapid.Uint16().Draw(t, "DPort"),
		NHID:         rapid.Uint32().Draw(t, "NHID"),
		FlowLabel:    rapid.Uint32().Draw(t, "FlowLabel"),
		Unknown:      addrGenUnknown(32, 200).Draw(t, "Unknown"),
	}
})

func TestRoutePropertyRoundTrip(t *testing.T) {
	t.Run("RtMsg", func(t *testing.T) { addrRoundTrip(t, routeGenRtMsg) })
	t.Run("RouteCacheInfo", func(t *testing.T) { addrRoundTrip(t, routeGenCacheInfo) })
	// RouteMetrics and Via are attribute payloads: they round trip
	// inside a Route.
	t.Run("Route", func(t *testing.T) { addrRoundTrip(t, routeGenRoute) })
	t.Run("RouteMetrics", func(t *testing.T) {
		addrRoundTrip(t, rapid.Custom(func(t *rapid.T) rt.Route {
			m := routeGenMetrics.Draw(t, "Metrics")
			return rt.Route{Metrics: &m}
		}))
	})
	t.Run("Via", func(t *testing.T) {
		rapid.Check(t, func(r *rapid.T) {
			v := routeGenVia.Draw(r, "v")
			b, err := v.MarshalNetlink(nil)
			if err != nil {
				r.Fatal(err)
			}
			var got rt.Via
			if err := got.UnmarshalNetlink(b); err != nil || got.Addr != v.Addr || !bytes.Equal(got.Raw, v.Raw) {
				r.Fatalf("UnmarshalNetlink(MarshalNetlink(%+v)) = %+v, %v", v, got, err)
			}
		})
	})
}

func TestRoutePropertyHostile(t *testing.T) {
	seeds := append(addrReadCapture(t, "route_dump.hex"), addrReadCapture(t, "route_get.hex")...)
	addrHostile[rt.Route](t, seeds)
}

// TestRouteStrings checks the names of values ip has no name for (the
// named ones are checked against ip in the kernel tests).
func TestRouteStrings(t *testing.T) {
	for _, tt := range []struct {
		got, want string
	}{
		{rt.RouteType(12).String(), "12"},
		{rt.RouteTypeXResolve.String(), "xresolve"},
		{rt.RouteProtocol(17).String(), "17"},
		{rt.ProtoEIGRP.String(), "eigrp"},
		{rt.RoutePref(2).String(), "2"},
		{rt.Scope(100).String(), "100"},
		{rt.ScopeSite.String(), "site"},
	} {
		if tt.got != tt.want {
			t.Errorf("String() = %q, want %q", tt.got, tt.want)
		}
	}
}

// TestRouteExpiresWidths decodes RTA_EXPIRES in both widths the kernel
// writes: 4 bytes for IPv6 routes, 8 (nla_put_u64_64bit) for multicast
// forwarding entries, whose dumps must not fail on it.
func TestRouteExpiresWidths(t *testing.T) {
	const hdr = "0200 0000 fe03 0001 00000000" // rtmsg: AF_INET, table main, proto boot, unicast
	for _, tt := range []struct {
		name, attr string
		want       uint
	}{
		{"u32", "0800 1700 05000000", 5},
		{"u64", "0c00 1700 0500000000000000", 5},
		{"u64, high bits", "0c00 1700 0000000001000000", 1 << 32},
	} {
		var r rt.Route
		if err := marshal.Unmarshal(addrHex(t, hdr+tt.attr), &r); err != nil {
			t.Errorf("%s: %v", tt.name, err)
			continue
		}
		if r.Expires != tt.want {
			t.Errorf("%s: Expires = %d, want %d", tt.name, r.Expires, tt.want)
		}
	}
}
