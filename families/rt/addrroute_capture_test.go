package rt_test

import (
	"bytes"

	"encoding/hex"
	"fmt"
	"net/netip"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"golang.org/x/sys/unix"

	"github.com/nlstruct/nlstruct/families/rt"
	"github.com/nlstruct/nlstruct/internal/netnstest"
	"github.com/nlstruct/nlstruct/marshal"
	"github.com/nlstruct/nlstruct/nlattr"
	"github.com/nlstruct/nlstruct/socket"
)

// addrCaptureEnv turns TestAddrRouteCapture on: it then rewrites
// testdata/addr*.hex and testdata/route*.hex from the running kernel.
const addrCaptureEnv = "NLSTRUCT_CAPTURE"

// addrCaptureSetup is how the capture namespace is made: ip commands run
// in a fresh network namespace, after IPv6 link-local addresses are
// turned off (net.ipv6.conf.{all,default}.addr_gen_mode=1) so that the
// replies do not depend on random MAC addresses or on the timing of DAD.
var addrCaptureSetup = [][]string{
	{"link", "set", "lo", "up"},
	{"link", "add", "veth0", "address", "02:00:00:00:00:01", "type", "veth", "peer", "name", "veth1", "address", "02:00:00:00:00:02"},
	{"link", "set", "veth0", "up"},
	{"link", "set", "veth1", "up"},
	{"addr", "add", "10.10.0.1/24", "brd", "+", "dev", "veth0", "label", "veth0:main"},
	{"addr", "add", "10.10.0.5/24", "dev", "veth0"},
	{"-6", "addr", "add", "2001:db8:10::1/64", "dev", "veth0", "nodad"},
	{"-6", "addr", "add", "2001:db8:11::1/64", "dev", "veth0", "nodad", "noprefixroute", "valid_lft", "3600", "preferred_lft", "1800"},
	{"route", "add", "10.20.0.0/16", "via", "10.10.0.2", "proto", "static", "metric", "50", "mtu", "1400"},
	{"route", "add", "10.22.0.0/16", "via", "10.10.0.2", "table", "1000"},
	{"route", "add", "blackhole", "10.24.0.0/16"},
	{"route", "add", "10.25.0.0/16", "via", "inet6", "2001:db8:10::2", "dev", "veth0"},
	{"-6", "route", "add", "2001:db8:20::/48", "via", "2001:db8:10::2", "metric", "100", "pref", "high"},
	{"-6", "route", "add", "2001:db8:21::/48", "dev", "veth0", "table", "1001", "mtu", "1300"},
}

// addrCaptureNS makes the capture namespace (see addrCaptureSetup).
func addrCaptureNS(t *testing.T) int {
	fd := netnstest.New(t)
	netnstest.Run(t, fd, func() {
		for _, f := range []string{"all", "default"} {
			if err := os.WriteFile("/proc/sys/net/ipv6/conf/"+f+"/addr_gen_mode", []byte("1"), 0); err != nil {
				t.Error(err)
			}
		}
	})
	for _, args := range addrCaptureSetup {
		addrIP(t, fd, args...)
	}
	return fd
}

// TestAddrRouteCapture records real kernel replies into
// testdata/addr_dump.hex, testdata/route_dump.hex and
// testdata/route_get.hex, for TestAddrRouteDecodeCaptured. Run it as root:
//
//	NLSTRUCT_CAPTURE=1 go test -run TestAddrRouteCapture ./families/rt
func TestAddrRouteCapture(t *testing.T) {
	if os.Getenv(addrCaptureEnv) == "" {
		t.Skipf("set %s=1 to record testdata/addr*.hex and testdata/route*.hex from the running kernel", addrCaptureEnv)
	}
	fd := addrCaptureNS(t)
	c, err := socket.Dial(unix.NETLINK_ROUTE, &socket.Config{NetNSFD: fd})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	ctx := addrCtx(t)
	var setup []string
	for _, args := range addrCaptureSetup {
		setup = append(setup, "ip "+strings.Join(args, " "))
	}
	where := "In a fresh network namespace with net.ipv6.conf.{all,default}.addr_gen_mode=1, set up with: " + strings.Join(setup, "; ")

	ms, err := c.DumpAll(ctx, socket.Request{Type: unix.RTM_GETADDR, Body: &rt.Address{}})
	if err != nil {
		t.Fatal(err)
	}
	addrWriteCapture(t, "addr_dump.hex", "RTM_GETADDR dump, family AF_UNSPEC: every address", where, addrPayloads(ms))

	var routes [][]byte
	for _, family := range []uint8{unix.AF_INET, unix.AF_INET6} {
		ms, err := c.DumpAll(ctx, socket.Request{Type: unix.RTM_GETROUTE, Body: &rt.Route{Header: rt.RtMsg{Family: family}}})
		if err != nil {
			t.Fatal(err)
		}
		routes = append(routes, addrPayloads(ms)...)
	}
	addrWriteCapture(t, "route_dump.hex", "RTM_GETROUTE dumps, family AF_INET then AF_INET6: every route of every table", where, routes)

	var gets [][]byte
	for _, dst := range []string{"10.20.5.5", "2001:db8:20::5"} {
		a := netip.MustParseAddr(dst)
		fam := uint8(unix.AF_INET)
		if a.Is6() {
			fam = unix.AF_INET6
		}
		req := &rt.Route{Header: rt.RtMsg{Family: fam, DstLen: uint8(a.BitLen()), Flags: rt.RouteFlagLookupTable}, Dst: a}
		err := c.DoOne(ctx, socket.Request{Type: unix.RTM_GETROUTE, Body: req}, func(m socket.Message) error {
			gets = append(gets, bytes.Clone(m.Data))
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	addrWriteCapture(t, "route_get.hex", "RTM_GETROUTE for 10.20.5.5 then 2001:db8:20::5, with RTM_F_LOOKUP_TABLE (what RouteGet sends)", where, gets)
}

// addrPayloads returns the messages' payloads, copied.
func addrPayloads(ms []socket.Message) [][]byte {
	var out [][]byte
	for _, m := range ms {
		out = append(out, bytes.Clone(m.Data))
	}
	return out
}

// addrWriteCapture writes testdata/name: comment lines (what it is, where
// it comes from, how it was made), then one message per line in hex.
func addrWriteCapture(t *testing.T, name, what, where string, msgs [][]byte) {
	t.Helper()
	var uts unix.Utsname
	if err := unix.Uname(&uts); err != nil {
		t.Fatal(err)
	}
	var sb strings.Builder
	fmt.Fprintf(&sb, "# %s.\n", what)
	fmt.Fprintf(&sb, "# Captured from Linux %s by TestAddrRouteCapture (%s=1 go test -run TestAddrRouteCapture ./families/rt).\n", unix.ByteSliceToString(uts.Release[:]), addrCaptureEnv)
	fmt.Fprintf(&sb, "# %s.\n", where)
	sb.WriteString("# One message per line: the rtnetlink payload (the fixed header, then the attributes) in hex.\n")
	for _, m := range msgs {
		sb.WriteString(hex.EncodeToString(m))
		sb.WriteString("\n")
	}
	if err := os.WriteFile(filepath.Join("testdata", name), []byte(sb.String()), 0o644); err != nil {
		t.Fatal(err)
	}
}

// addrReadCapture reads the messages of testdata/name.
func addrReadCapture(t *testing.T, name string) [][]byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	var out [][]byte
	for line := range strings.Lines(string(b)) {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		m, err := hex.DecodeString(line)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		out = append(out, m)
	}
	if len(out) == 0 {
		t.Fatalf("%s: no messages", name)
	}
	return out
}

// addrCheckReencode encodes v (decoded from the kernel's bytes kern) and
// checks the result: it must decode to v again, and hold the kernel's
// header and attributes, byte for byte, except that marshal writes
// attributes in field order, the kernel in its own (RTA_TABLE first, say).
// RTA_METRICS, which the kernel opens without NLA_F_NESTED
// (nla_nest_start_noflag), must come back without it too (noflag).
func addrCheckReencode[T any](t *testing.T, i int, kern []byte, v *T, hdrLen int) {
	t.Helper()
	b, err := marshal.Marshal(v)
	if err != nil {
		t.Fatalf("message %d: %v", i, err)
	}
	var again T
	if err := marshal.Unmarshal(b, &again); err != nil {
		t.Fatalf("message %d: %v", i, err)
	}
	if d := cmp.Diff(*v, again, addrCmpAddr); d != "" {
		t.Errorf("message %d: decode→encode→decode (-first +again):\n%s", i, d)
	}
	if bytes.Equal(b, kern) {
		return
	}
	if !bytes.Equal(b[:hdrLen], kern[:hdrLen]) {
		t.Fatalf("message %d: re-encoded header %x, kernel sent %x", i, b[:hdrLen], kern[:hdrLen])
	}
	ours, err1 := nlattr.Parse(b[hdrLen:])
	theirs, err2 := nlattr.Parse(kern[hdrLen:])
	if err1 != nil || err2 != nil {
		t.Fatalf("message %d: %v, %v", i, err1, err2)
	}
	byType := func(a, b nlattr.Attr) int { return int(a.Type) - int(b.Type) }
	slices.SortStableFunc(ours, byType)
	slices.SortStableFunc(theirs, byType)
	if d := cmp.Diff(theirs, ours); d != "" {
		t.Errorf("message %d: re-encoded attributes (-kernel +ours):\n%s", i, d)
	}
}

// TestAddrDecodeCaptured decodes the address dump that TestAddrRouteCapture
// recorded from a real kernel (setup in addrCaptureSetup), checks every
// field, and re-encodes it, which must give the kernel's bytes back.
func TestAddrDecodeCaptured(t *testing.T) {
	const lo, veth0 = 1, 3
	addr := netip.MustParseAddr
	perm := rt.AddrFlagPermanent
	inf := func(t *testing.T, ci *rt.AddrCacheInfo) {
		if ci == nil || ci.Preferred != rt.LifetimeInfinite || ci.Valid != rt.LifetimeInfinite {
			t.Errorf("CacheInfo %+v, want infinite lifetimes", ci)
		}
	}
	tests := []struct {
		want rt.Address
		ci   func(*testing.T, *rt.AddrCacheInfo)
	}{
		// lo comes up with 127.0.0.1/8 (label lo) and ::1/128, which
		// the kernel marks IFAPROT_KERNEL_LO.
		{rt.Address{Header: rt.IfAddrMsg{Family: unix.AF_INET, PrefixLen: 8, Flags: uint8(perm), Scope: rt.ScopeHost, Index: lo},
			Address: addr("127.0.0.1"), Local: addr("127.0.0.1"), Label: "lo", Flags: perm}, inf},
		{rt.Address{Header: rt.IfAddrMsg{Family: unix.AF_INET, PrefixLen: 24, Flags: uint8(perm), Index: veth0},
			Address: addr("10.10.0.1"), Local: addr("10.10.0.1"), Label: "veth0:main", Broadcast: addr("10.10.0.255"), Flags: perm}, inf},
		// The second address of 10.10.0.0/24 is secondary, labelled
		// by its link, and has no broadcast (ip was not asked).
		{rt.Address{Header: rt.IfAddrMsg{Family: unix.AF_INET, PrefixLen: 24, Flags: uint8(perm | rt.AddrFlagSecondary), Index: veth0},
			Address: addr("10.10.0.5"), Local: addr("10.10.0.5"), Label: "veth0", Flags: perm | rt.AddrFlagSecondary}, inf},
		{rt.Address{Header: rt.IfAddrMsg{Family: unix.AF_INET6, PrefixLen: 128, Flags: uint8(perm), Scope: rt.ScopeHost, Index: lo},
			Address: addr("::1"), Flags: perm, Proto: rt.AddrProtoKernelLo}, inf},
		// IPv6 lists the newest address of a link first. With finite
		// lifetimes it is not permanent; IFA_F_NOPREFIXROUTE (0x200)
		// is only in IFA_FLAGS, beyond ifa_flags' 8 bits.
		{rt.Address{Header: rt.IfAddrMsg{Family: unix.AF_INET6, PrefixLen: 64, Flags: uint8(rt.AddrFlagNoDAD), Index: veth0},
			Address: addr("2001:db8:11::1"), Flags: rt.AddrFlagNoDAD | rt.AddrFlagNoPrefixRoute},
			func(t *testing.T, ci *rt.AddrCacheInfo) {
				if ci == nil || ci.Preferred != 1800 || ci.Valid != 3600 {
					t.Errorf("CacheInfo %+v, want the lifetimes ip gave (1800, 3600)", ci)
				}
			}},
		{rt.Address{Header: rt.IfAddrMsg{Family: unix.AF_INET6, PrefixLen: 64, Flags: uint8(perm | rt.AddrFlagNoDAD), Index: veth0},
			Address: addr("2001:db8:10::1"), Flags: perm | rt.AddrFlagNoDAD}, inf},
	}
	msgs := addrReadCapture(t, "addr_dump.hex")
	if len(msgs) != len(tests) {
		t.Fatalf("%d messages, want %d", len(msgs), len(tests))
	}
	for i, m := range msgs {
		var got rt.Address
		if err := marshal.Unmarshal(m, &got); err != nil {
			t.Fatalf("message %d: %v", i, err)
		}
		if d := cmp.Diff(tests[i].want, got, addrNoTimes, addrCmpAddr); d != "" {
			t.Errorf("message %d (-want +got):\n%s", i, d)
		}
		tests[i].ci(t, got.CacheInfo)
		if ci := got.CacheInfo; ci != nil && (ci.Created == 0 || ci.Updated != ci.Created) {
			t.Errorf("message %d: timestamps created %d updated %d: want the same, not 0 (never updated)", i, ci.Created, ci.Updated)
		}
		addrCheckReencode(t, i, m, &got, unix.SizeofIfAddrmsg)
	}
}

// TestRouteDecodeCaptured decodes the route dumps and lookups that
// TestAddrRouteCapture recorded from a real kernel (setup in
// addrCaptureSetup), checks every field, and re-encodes them.
func TestRouteDecodeCaptured(t *testing.T) {
	const lo, veth1, veth0 = 1, 2, 3
	addr := netip.MustParseAddr
	hdr := func(family, dstLen, table uint8, proto rt.RouteProtocol, scope rt.Scope, typ rt.RouteType) rt.RtMsg {
		return rt.RtMsg{Family: family, DstLen: dstLen, Table: table, Protocol: proto, Scope: scope, Type: typ}
	}
	const (
		v4, v6              = unix.AF_INET, unix.AF_INET6
		kernel, boot, stat  = rt.ProtoKernel, rt.ProtoBoot, rt.ProtoStatic
		univ, link, host    = rt.ScopeUniverse, rt.ScopeLink, rt.ScopeHost
		ucast, local, bcast = rt.RouteTypeUnicast, rt.RouteTypeLocal, rt.RouteTypeBroadcast
		main, ltab, compat  = rt.TableMain, rt.TableLocal, rt.TableCompat
	)
	// IPv6 sends every route's metric, preference and (zero) cache info.
	ci6 := &rt.RouteCacheInfo{}
	medium := new(rt.PrefMedium)
	dumps := []rt.Route{
		// IPv4: the kernel walks table 1000 first, then main, then local.
		{Header: hdr(v4, 16, compat, boot, univ, ucast), Dst: addr("10.22.0.0"), OIF: veth0, Gateway: addr("10.10.0.2"), Table: 1000},
		{Header: hdr(v4, 24, main, kernel, link, ucast), Dst: addr("10.10.0.0"), OIF: veth0, PrefSrc: addr("10.10.0.1"), Table: main},
		{Header: hdr(v4, 16, main, stat, univ, ucast), Dst: addr("10.20.0.0"), OIF: veth0, Gateway: addr("10.10.0.2"),
			Priority: new(uint32(50)), Metrics: &rt.RouteMetrics{MTU: 1400}, Table: main},
		{Header: hdr(v4, 16, main, boot, univ, rt.RouteTypeBlackhole), Dst: addr("10.24.0.0"), Table: main},
		{Header: hdr(v4, 16, main, boot, univ, ucast), Dst: addr("10.25.0.0"), OIF: veth0, Via: &rt.Via{Addr: addr("2001:db8:10::2")}, Table: main},
		{Header: hdr(v4, 32, ltab, kernel, host, local), Dst: addr("10.10.0.1"), OIF: veth0, PrefSrc: addr("10.10.0.1"), Table: ltab},
		{Header: hdr(v4, 32, ltab, kernel, host, local), Dst: addr("10.10.0.5"), OIF: veth0, PrefSrc: addr("10.10.0.1"), Table: ltab},
		{Header: hdr(v4, 32, ltab, kernel, link, bcast), Dst: addr("10.10.0.255"), OIF: veth0, PrefSrc: addr("10.10.0.1"), Table: ltab},
		{Header: hdr(v4, 8, ltab, kernel, host, local), Dst: addr("127.0.0.0"), OIF: lo, PrefSrc: addr("127.0.0.1"), Table: ltab},
		{Header: hdr(v4, 32, ltab, kernel, host, local), Dst: addr("127.0.0.1"), OIF: lo, PrefSrc: addr("127.0.0.1"), Table: ltab},
		{Header: hdr(v4, 32, ltab, kernel, link, bcast), Dst: addr("127.255.255.255"), OIF: lo, PrefSrc: addr("127.0.0.1"), Table: ltab},
		// IPv6: table 1001, main, local. The kernel's prefix routes
		// have metric 256 and local routes metric 0.
		{Header: hdr(v6, 48, compat, boot, univ, ucast), Dst: addr("2001:db8:21::"), OIF: veth0, Priority: new(uint32(1024)),
			Metrics: &rt.RouteMetrics{MTU: 1300}, CacheInfo: ci6, Table: 1001, Pref: medium},
		{Header: hdr(v6, 128, main, kernel, univ, ucast), Dst: addr("::1"), OIF: lo, Priority: new(uint32(256)), CacheInfo: ci6, Table: main, Pref: medium},
		{Header: hdr(v6, 64, main, kernel, univ, ucast), Dst: addr("2001:db8:10::"), OIF: veth0, Priority: new(uint32(256)), CacheInfo: ci6, Table: main, Pref: medium},
		{Header: hdr(v6, 48, main, boot, univ, ucast), Dst: addr("2001:db8:20::"), OIF: veth0, Gateway: addr("2001:db8:10::2"),
			Priority: new(uint32(100)), CacheInfo: ci6, Table: main, Pref: new(rt.PrefHigh)},
		{Header: hdr(v6, 128, ltab, kernel, univ, local), Dst: addr("::1"), OIF: lo, Priority: new(uint32(0)), CacheInfo: ci6, Table: ltab, Pref: medium},
		{Header: hdr(v6, 128, ltab, kernel, univ, local), Dst: addr("2001:db8:10::1"), OIF: veth0, Priority: new(uint32(0)), CacheInfo: ci6, Table: ltab, Pref: medium},
		{Header: hdr(v6, 128, ltab, kernel, univ, local), Dst: addr("2001:db8:11::1"), OIF: veth0, Priority: new(uint32(0)), CacheInfo: ci6, Table: ltab, Pref: medium},
		{Header: hdr(v6, 8, ltab, kernel, univ, rt.RouteTypeMulticast), Dst: addr("ff00::"), OIF: veth1, Priority: new(uint32(256)), CacheInfo: ci6, Table: ltab, Pref: medium},
		{Header: hdr(v6, 8, ltab, kernel, univ, rt.RouteTypeMulticast), Dst: addr("ff00::"), OIF: veth0, Priority: new(uint32(256)), CacheInfo: ci6, Table: ltab, Pref: medium},
	}
	// The lookups: a cloned route (RTM_F_CLONED), with the path's MTU,
	// the user (root) and the source the kernel picked; the IPv6 one
	// has the route's metric and preference, and an empty source
	// prefix (RTA_SRC ::/128).
	getHdr4 := hdr(v4, 32, main, rt.ProtoUnspec, univ, ucast)
	getHdr4.Flags = rt.RouteFlagCloned
	getHdr6 := hdr(v6, 128, main, boot, univ, ucast)
	getHdr6.SrcLen = 128
	gets := []rt.Route{
		{Header: getHdr4, Dst: addr("10.20.5.5"), OIF: veth0, Gateway: addr("10.10.0.2"), PrefSrc: addr("10.10.0.1"),
			Metrics: &rt.RouteMetrics{MTU: 1400}, Table: main, UID: new(uint32(0))},
		{Header: getHdr6, Dst: addr("2001:db8:20::5"), Src: addr("::"), OIF: veth0, Gateway: addr("2001:db8:10::2"), PrefSrc: addr("2001:db8:11::1"),
			Priority: new(uint32(100)), Table: main, Pref: new(rt.PrefHigh)},
	}
	for _, tt := range []struct {
		file string
		want []rt.Route
		opts cmp.Option
	}{
		{"route_dump.hex", dumps, nil},
		// A lookup's cache info holds reference counts: check only
		// that it is there.
		{"route_get.hex", gets, routeIgnore},
	} {
		t.Run(tt.file, func(t *testing.T) {
			msgs := addrReadCapture(t, tt.file)
			if len(msgs) != len(tt.want) {
				t.Fatalf("%d messages, want %d", len(msgs), len(tt.want))
			}
			for i, m := range msgs {
				var got rt.Route
				if err := marshal.Unmarshal(m, &got); err != nil {
					t.Fatalf("message %d: %v", i, err)
				}
				if d := cmp.Diff(tt.want[i], got, addrCmpAddr, tt.opts); d != "" {
					t.Errorf("message %d (-want +got):\n%s", i, d)
				}
				if tt.opts != nil && got.CacheInfo == nil {
					t.Errorf("message %d: no CacheInfo", i)
				}
				addrCheckReencode(t, i, m, &got, unix.SizeofRtMsg)
			}
		})
	}
}
