package rt_test

// Route tests against the running kernel, in a private network namespace
// (linktest.New), cross-checked with iproute2's ip. They need root and
// skip without it.

import (
	"encoding/json"
	"errors"
	"net/netip"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"golang.org/x/sys/unix"

	"github.com/nlstruct/nlstruct/families/rt"
	"github.com/nlstruct/nlstruct/internal/linktest"
)

// routeIPRoute is a route in ip -d -j route's output.
type routeIPRoute struct {
	Type     string           `json:"type"`
	Dst      string           `json:"dst"`
	Gateway  string           `json:"gateway"`
	Via      *routeIPVia      `json:"via"`
	Dev      string           `json:"dev"`
	Table    string           `json:"table"`
	Protocol string           `json:"protocol"`
	Scope    string           `json:"scope"`
	Metric   *uint32          `json:"metric"`
	PrefSrc  string           `json:"prefsrc"`
	Pref     string           `json:"pref"`
	Metrics  []map[string]any `json:"metrics"`
}

type routeIPVia struct {
	Family string `json:"family"`
	Host   string `json:"host"`
}

// routeIPShow returns ip -d -j route show table all for family ("-4" or
// "-6").
func routeIPShow(t *testing.T, fd int, family string) []routeIPRoute {
	t.Helper()
	out := addrIP(t, fd, family, "-d", "-j", "route", "show", "table", "all")
	var rs []routeIPRoute
	if err := json.Unmarshal(out, &rs); err != nil {
		t.Fatalf("ip -j route: %v\n%s", err, out)
	}
	for i := range rs {
		if rs[i].Table == "" {
			rs[i].Table = "main"
		}
	}
	return rs
}

// routeIPFind returns the route to dst in table among rs.
func routeIPFind(rs []routeIPRoute, dst, table string) (routeIPRoute, bool) {
	for _, r := range rs {
		if r.Dst == dst && r.Table == table {
			return r, true
		}
	}
	return routeIPRoute{}, false
}

// routeFind returns the route to dst in table among rs.
func routeFind(rs []rt.Route, dst netip.Prefix, table uint32) (rt.Route, bool) {
	for _, r := range rs {
		if r.DstPrefix() == dst && r.TableID() == table {
			return r, true
		}
	}
	return rt.Route{}, false
}

// routeNS is a namespace with veth0 (10.10.0.1/24, 2001:db8:10::1/64)
// and extra0 (10.11.0.1/24), and an rt.Conn in it.
func routeNS(t *testing.T) (*linktest.NS, *rt.Conn) {
	t.Helper()
	ns, c := addrNS(t)
	addrIP(t, ns.FD, "addr", "add", "10.10.0.1/24", "dev", "veth0")
	addrIP(t, ns.FD, "-6", "addr", "add", "2001:db8:10::1/64", "dev", "veth0", "nodad")
	if ns.Extra != "" {
		addrIP(t, ns.FD, "addr", "add", "10.11.0.1/24", "dev", "extra0")
	}
	return ns, c
}

// routeTableName is ip's name of a table.
func routeTableName(id uint32) string {
	switch id {
	case rt.TableMain:
		return "main"
	case rt.TableLocal:
		return "local"
	case rt.TableDefault:
		return "default"
	}
	return strconv.FormatUint(uint64(id), 10)
}

// routePrefName is ip's name of a router preference, if any.
func routePrefName(p *rt.RoutePref) string {
	if p == nil {
		return ""
	}
	return p.String()
}

// routeIPDst is ip's name of a route's destination.
func routeIPDst(r *rt.Route) string {
	p := r.DstPrefix()
	switch {
	case p.Bits() == 0:
		return "default"
	case p.Bits() == p.Addr().BitLen():
		return p.Addr().String()
	}
	return p.String()
}

var routeIgnore = cmpopts.IgnoreFields(rt.Route{}, "CacheInfo")

// TestRouteKernelAdd adds routes with nlstruct (via a gateway, direct,
// in a table over 255, with metrics and priority, IPv4 and IPv6), checks
// them with ip, reads them back, and deletes them.
func TestRouteKernelAdd(t *testing.T) {
	ns, c := routeNS(t)
	ctx := addrCtx(t)
	veth0 := uint32(ns.Index(t, "veth0"))
	gw4 := netip.MustParseAddr("10.10.0.2")
	gw6 := netip.MustParseAddr("2001:db8:10::2")
	v4 := func(dst string) rt.RtMsg {
		p := netip.MustParsePrefix(dst)
		return rt.RtMsg{Family: unix.AF_INET, DstLen: uint8(p.Bits()), Table: rt.TableMain, Protocol: rt.ProtoStatic, Type: rt.RouteTypeUnicast}
	}
	v6 := func(dst string) rt.RtMsg {
		h := v4(dst)
		h.Family = unix.AF_INET6
		return h
	}
	addr := netip.MustParseAddr
	tests := []struct {
		name string
		add  rt.Route
		ip   routeIPRoute // what ip shows
		read rt.Route     // what Routes reads back (besides CacheInfo)
	}{{
		name: "IPv4 via gateway",
		add:  rt.Route{Header: v4("10.20.0.0/16"), Dst: addr("10.20.0.0"), Gateway: gw4},
		ip:   routeIPRoute{Type: "unicast", Dst: "10.20.0.0/16", Gateway: "10.10.0.2", Dev: "veth0", Table: "main", Protocol: "static", Scope: "global"},
		read: rt.Route{Header: v4("10.20.0.0/16"), Dst: addr("10.20.0.0"), Gateway: gw4, OIF: veth0, Table: rt.TableMain},
	}, {
		name: "IPv4 direct",
		add: rt.Route{Header: func() rt.RtMsg { h := v4("10.21.0.0/16"); h.Scope = rt.ScopeLink; return h }(),
			Dst: addr("10.21.0.0"), OIF: veth0},
		ip: routeIPRoute{Type: "unicast", Dst: "10.21.0.0/16", Dev: "veth0", Table: "main", Protocol: "static", Scope: "link"},
		read: rt.Route{Header: func() rt.RtMsg { h := v4("10.21.0.0/16"); h.Scope = rt.ScopeLink; return h }(),
			Dst: addr("10.21.0.0"), OIF: veth0, Table: rt.TableMain},
	}, {
		// ip route sends RT_TABLE_UNSPEC and RTA_TABLE; the kernel
		// answers with RT_TABLE_COMPAT and RTA_TABLE.
		name: "IPv4 table 1000",
		add: rt.Route{Header: func() rt.RtMsg { h := v4("10.22.0.0/16"); h.Table = rt.TableUnspec; return h }(),
			Dst: addr("10.22.0.0"), Gateway: gw4, Table: 1000},
		ip: routeIPRoute{Type: "unicast", Dst: "10.22.0.0/16", Gateway: "10.10.0.2", Dev: "veth0", Table: "1000", Protocol: "static", Scope: "global"},
		read: rt.Route{Header: func() rt.RtMsg { h := v4("10.22.0.0/16"); h.Table = rt.TableCompat; return h }(),
			Dst: addr("10.22.0.0"), Gateway: gw4, OIF: veth0, Table: 1000},
	}, {
		name: "IPv4 mtu and priority",
		add: rt.Route{Header: v4("10.23.0.0/16"), Dst: addr("10.23.0.0"), Gateway: gw4, Priority: new(uint32(50)),
			Metrics: &rt.RouteMetrics{MTU: 1400, AdvMSS: 1360}},
		ip: routeIPRoute{Type: "unicast", Dst: "10.23.0.0/16", Gateway: "10.10.0.2", Dev: "veth0", Table: "main", Protocol: "static", Scope: "global",
			Metric: new(uint32(50)), Metrics: []map[string]any{{"mtu": 1400.0, "advmss": 1360.0}}},
		read: rt.Route{Header: v4("10.23.0.0/16"), Dst: addr("10.23.0.0"), Gateway: gw4, OIF: veth0, Table: rt.TableMain,
			Priority: new(uint32(50)), Metrics: &rt.RouteMetrics{MTU: 1400, AdvMSS: 1360}},
	}, {
		name: "IPv4 blackhole",
		add: rt.Route{Header: func() rt.RtMsg { h := v4("10.24.0.0/16"); h.Type = rt.RouteTypeBlackhole; return h }(),
			Dst: addr("10.24.0.0")},
		ip: routeIPRoute{Type: "blackhole", Dst: "10.24.0.0/16", Table: "main", Protocol: "static", Scope: "global"},
		read: rt.Route{Header: func() rt.RtMsg { h := v4("10.24.0.0/16"); h.Type = rt.RouteTypeBlackhole; return h }(),
			Dst: addr("10.24.0.0"), Table: rt.TableMain},
	}, {
		// An IPv4 route via an IPv6 next hop (RFC 5549) has RTA_VIA.
		name: "IPv4 via IPv6",
		add:  rt.Route{Header: v4("10.25.0.0/16"), Dst: addr("10.25.0.0"), Via: &rt.Via{Addr: gw6}, OIF: veth0},
		ip: routeIPRoute{Type: "unicast", Dst: "10.25.0.0/16", Via: &routeIPVia{Family: "inet6", Host: "2001:db8:10::2"},
			Dev: "veth0", Table: "main", Protocol: "static", Scope: "global"},
		read: rt.Route{Header: v4("10.25.0.0/16"), Dst: addr("10.25.0.0"), Via: &rt.Via{Addr: gw6}, OIF: veth0, Table: rt.TableMain},
	}, {
		name: "IPv6 via gateway",
		add:  rt.Route{Header: v6("2001:db8:20::/48"), Dst: addr("2001:db8:20::"), Gateway: gw6, Priority: new(uint32(100)), Pref: new(rt.PrefHigh)},
		ip: routeIPRoute{Type: "unicast", Dst: "2001:db8:20::/48", Gateway: "2001:db8:10::2", Dev: "veth0", Table: "main", Protocol: "static", Scope: "global",
			Metric: new(uint32(100)), Pref: "high"},
		read: rt.Route{Header: v6("2001:db8:20::/48"), Dst: addr("2001:db8:20::"), Gateway: gw6, OIF: veth0, Table: rt.TableMain,
			Priority: new(uint32(100)), Pref: new(rt.PrefHigh)},
	}, {
		// IPv6 gives a route without a priority metric 1024
		// (IP6_RT_PRIO_USER), and medium preference.
		name: "IPv6 direct in table 1001 with mtu",
		add: rt.Route{Header: func() rt.RtMsg { h := v6("2001:db8:21::/48"); h.Table = rt.TableUnspec; return h }(),
			Dst: addr("2001:db8:21::"), OIF: veth0, Table: 1001, Metrics: &rt.RouteMetrics{MTU: 1300}},
		ip: routeIPRoute{Type: "unicast", Dst: "2001:db8:21::/48", Dev: "veth0", Table: "1001", Protocol: "static", Scope: "global",
			Metric: new(uint32(1024)), Pref: "medium", Metrics: []map[string]any{{"mtu": 1300.0}}},
		read: rt.Route{Header: func() rt.RtMsg { h := v6("2001:db8:21::/48"); h.Table = rt.TableCompat; return h }(),
			Dst: addr("2001:db8:21::"), OIF: veth0, Table: 1001, Priority: new(uint32(1024)), Pref: new(rt.PrefMedium),
			Metrics: &rt.RouteMetrics{MTU: 1300}},
	}}
	for _, tt := range tests {
		if err := c.AddRoute(ctx, &tt.add); err != nil {
			t.Fatalf("%s: %v", tt.name, err)
		}
	}
	ip4, ip6 := routeIPShow(t, ns.FD, "-4"), routeIPShow(t, ns.FD, "-6")
	r4, err := c.Routes(ctx, unix.AF_INET)
	if err != nil {
		t.Fatal(err)
	}
	r6, err := c.Routes(ctx, unix.AF_INET6)
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ips, rs := ip4, r4
			if tt.add.Header.Family == unix.AF_INET6 {
				ips, rs = ip6, r6
			}
			got, ok := routeIPFind(ips, tt.ip.Dst, tt.ip.Table)
			if !ok {
				t.Errorf("ip does not show the route: %+v", ips)
			} else if d := cmp.Diff(tt.ip, got); d != "" {
				t.Errorf("ip shows (-want +got):\n%s", d)
			}
			read, ok := routeFind(rs, tt.add.DstPrefix(), tt.add.TableID())
			if !ok {
				t.Fatalf("Routes has no %s in table %d", tt.add.DstPrefix(), tt.add.TableID())
			}
			if d := cmp.Diff(tt.read, read, routeIgnore, addrCmpAddr); d != "" {
				t.Errorf("Routes (-want +got):\n%s", d)
			}
			// Adding it again is EEXIST.
			if err := c.AddRoute(ctx, &tt.add); !errors.Is(err, unix.EEXIST) {
				t.Errorf("adding it again: %v, want EEXIST", err)
			}
			// The route as it was added deletes it; then ip does not
			// show it, and deleting again is ESRCH.
			if err := c.DeleteRoute(ctx, &tt.add); err != nil {
				t.Fatal(err)
			}
			family := "-4"
			if tt.add.Header.Family == unix.AF_INET6 {
				family = "-6"
			}
			if _, ok := routeIPFind(routeIPShow(t, ns.FD, family), tt.ip.Dst, tt.ip.Table); ok {
				t.Errorf("ip still shows the route after DeleteRoute")
			}
			err := c.DeleteRoute(ctx, &tt.add)
			if !errors.Is(err, unix.ESRCH) {
				t.Errorf("deleting it again: %v, want ESRCH", err)
			} else if want := "delete route " + tt.add.DstPrefix().String(); !strings.Contains(err.Error(), want) {
				t.Errorf("error %q does not say %q", err, want)
			}
		})
	}
}

// TestRouteKernelReadIP adds routes with ip and reads them with nlstruct,
// then checks that every route ip lists (both families, every table) is
// read the same.
func TestRouteKernelReadIP(t *testing.T) {
	ns, c := routeNS(t)
	ctx := addrCtx(t)
	veth0 := uint32(ns.Index(t, "veth0"))
	addrIP(t, ns.FD, "route", "add", "10.30.0.0/16", "via", "10.10.0.2", "table", "2000", "mtu", "1400", "metric", "60", "proto", "static")
	addrIP(t, ns.FD, "route", "add", "blackhole", "10.31.0.0/16")
	addrIP(t, ns.FD, "route", "add", "10.32.0.0/16", "dev", "veth0", "src", "10.10.0.1")
	addrIP(t, ns.FD, "-6", "route", "add", "2001:db8:30::/48", "via", "2001:db8:10::2", "metric", "300", "pref", "low", "table", "2000")
	addr := netip.MustParseAddr

	r4, err := c.Routes(ctx, unix.AF_INET)
	if err != nil {
		t.Fatal(err)
	}
	r6, err := c.Routes(ctx, unix.AF_INET6)
	if err != nil {
		t.Fatal(err)
	}
	want := []rt.Route{
		{
			Header: rt.RtMsg{Family: unix.AF_INET, DstLen: 16, Table: rt.TableCompat, Protocol: rt.ProtoStatic, Type: rt.RouteTypeUnicast},
			Dst:    addr("10.30.0.0"), Gateway: addr("10.10.0.2"), OIF: veth0, Priority: new(uint32(60)), Table: 2000,
			Metrics: &rt.RouteMetrics{MTU: 1400},
		},
		{
			// ip route's default protocol is boot.
			Header: rt.RtMsg{Family: unix.AF_INET, DstLen: 16, Table: rt.TableMain, Protocol: rt.ProtoBoot, Type: rt.RouteTypeBlackhole},
			Dst:    addr("10.31.0.0"), Table: rt.TableMain,
		},
		{
			// A direct route: ip route makes it link scope.
			Header: rt.RtMsg{Family: unix.AF_INET, DstLen: 16, Table: rt.TableMain, Protocol: rt.ProtoBoot, Scope: rt.ScopeLink, Type: rt.RouteTypeUnicast},
			Dst:    addr("10.32.0.0"), OIF: veth0, PrefSrc: addr("10.10.0.1"), Table: rt.TableMain,
		},
		{
			Header: rt.RtMsg{Family: unix.AF_INET6, DstLen: 48, Table: rt.TableCompat, Protocol: rt.ProtoBoot, Type: rt.RouteTypeUnicast},
			Dst:    addr("2001:db8:30::"), Gateway: addr("2001:db8:10::2"), OIF: veth0, Priority: new(uint32(300)), Table: 2000,
			Pref: new(rt.PrefLow),
		},
	}
	for _, w := range want {
		rs := r4
		if w.Header.Family == unix.AF_INET6 {
			rs = r6
		}
		got, ok := routeFind(rs, w.DstPrefix(), w.TableID())
		if !ok {
			t.Errorf("Routes has no %s in table %d", w.DstPrefix(), w.TableID())
			continue
		}
		if d := cmp.Diff(w, got, routeIgnore, addrCmpAddr); d != "" {
			t.Errorf("%s (-want +got):\n%s", w.DstPrefix(), d)
		}
	}

	// Every route ip lists, nlstruct lists, the same, and no more.
	names := routeLinkNames(t, ns)
	for _, fam := range []struct {
		flag string
		rs   []rt.Route
	}{{"-4", r4}, {"-6", r6}} {
		ips := routeIPShow(t, ns.FD, fam.flag)
		var fromNL []routeIPRoute
		for i := range fam.rs {
			fromNL = append(fromNL, routeAsIP(&fam.rs[i], names))
		}
		key := func(r routeIPRoute) string { return r.Table + " " + r.Type + " " + r.Dst + " " + r.Dev }
		opt := cmpopts.SortSlices(func(a, b routeIPRoute) bool { return key(a) < key(b) })
		if len(ips) < 8 {
			t.Errorf("ip %s lists only %d routes", fam.flag, len(ips))
		}
		if d := cmp.Diff(ips, fromNL, opt); d != "" {
			t.Errorf("%s routes listed by ip (-) and by Routes (+):\n%s", fam.flag, d)
		}
	}
}

// routeLinkNames maps the namespace's ifindexes to names.
func routeLinkNames(t *testing.T, ns *linktest.NS) map[uint32]string {
	names := map[uint32]string{}
	for _, n := range []string{"lo", "veth0", "veth1", "extra0"} {
		if n == "extra0" && ns.Extra == "" {
			continue
		}
		names[uint32(ns.Index(t, n))] = n
	}
	return names
}

// routeAsIP is what ip -d -j route shows for r.
func routeAsIP(r *rt.Route, names map[uint32]string) routeIPRoute {
	o := routeIPRoute{
		Type:     r.Header.Type.String(),
		Dst:      routeIPDst(r),
		Dev:      names[r.OIF],
		Table:    routeTableName(r.TableID()),
		Protocol: r.Header.Protocol.String(),
		Scope:    r.Header.Scope.String(),
		Metric:   r.Priority,
		Pref:     routePrefName(r.Pref),
	}
	if r.Gateway.IsValid() {
		o.Gateway = r.Gateway.String()
	}
	if r.PrefSrc.IsValid() {
		o.PrefSrc = r.PrefSrc.String()
	}
	if r.Via != nil {
		o.Via = &routeIPVia{Family: "inet", Host: r.Via.Addr.String()}
		if r.Via.Addr.Is6() {
			o.Via.Family = "inet6"
		}
	}
	if m := r.Metrics; m != nil {
		mm := map[string]any{}
		if m.MTU != 0 {
			mm["mtu"] = float64(m.MTU)
		}
		if m.AdvMSS != 0 {
			mm["advmss"] = float64(m.AdvMSS)
		}
		if m.HopLimit != 0 {
			mm["hoplimit"] = float64(m.HopLimit)
		}
		o.Metrics = []map[string]any{mm}
	}
	return o
}

// routeIPGet is ip -j route get's answer.
type routeIPGet struct {
	Dst     string `json:"dst"`
	Gateway string `json:"gateway"`
	Dev     string `json:"dev"`
	PrefSrc string `json:"prefsrc"`
}

// TestRouteKernelGet checks that RouteGet agrees with ip route get, and
// reports the table the lookup used: with a rule sending some
// destinations to table 3000 (a custom rule also parts the local table
// from the main one, which the kernel otherwise merges).
func TestRouteKernelGet(t *testing.T) {
	ns, c := routeNS(t)
	ctx := addrCtx(t)
	addrIP(t, ns.FD, "route", "add", "10.20.0.0/16", "via", "10.10.0.2")
	addrIP(t, ns.FD, "-6", "route", "add", "2001:db8:20::/48", "via", "2001:db8:10::2")
	addrIP(t, ns.FD, "route", "add", "10.60.0.0/16", "via", "10.10.0.3", "table", "3000")
	addrIP(t, ns.FD, "rule", "add", "to", "10.60.0.0/16", "table", "3000")
	addrIP(t, ns.FD, "-6", "route", "add", "2001:db8:60::/48", "via", "2001:db8:10::3", "table", "3000")
	addrIP(t, ns.FD, "-6", "rule", "add", "to", "2001:db8:60::/48", "table", "3000")
	names := routeLinkNames(t, ns)
	for _, tt := range []struct {
		dst   string
		table uint32
	}{
		{"10.20.5.5", rt.TableMain},
		{"10.10.0.77", rt.TableMain},
		{"10.10.0.1", rt.TableLocal},
		{"10.60.0.5", 3000},
		{"2001:db8:20::5", rt.TableMain},
		{"2001:db8:10::9", rt.TableMain},
		{"2001:db8:10::1", rt.TableLocal},
		{"2001:db8:60::5", 3000},
	} {
		t.Run(tt.dst, func(t *testing.T) {
			out := addrIP(t, ns.FD, "-j", "route", "get", tt.dst)
			var ipr []routeIPGet
			if err := json.Unmarshal(out, &ipr); err != nil || len(ipr) != 1 {
				t.Fatalf("ip -j route get %s: %v\n%s", tt.dst, err, out)
			}
			r, err := c.RouteGet(ctx, netip.MustParseAddr(tt.dst))
			if err != nil {
				t.Fatal(err)
			}
			got := routeIPGet{Dst: r.Dst.String(), Dev: names[r.OIF]}
			if r.Gateway.IsValid() {
				got.Gateway = r.Gateway.String()
			}
			if r.PrefSrc.IsValid() {
				got.PrefSrc = r.PrefSrc.String()
			}
			if d := cmp.Diff(ipr[0], got); d != "" {
				t.Errorf("ip route get (-) and RouteGet (+):\n%s", d)
			}
			if r.TableID() != tt.table {
				t.Errorf("RouteGet: table %d (Table %d, Header.Table %d), want %d", r.TableID(), r.Table, r.Header.Table, tt.table)
			}
			if r.Header.DstLen != uint8(r.Dst.BitLen()) {
				t.Errorf("RouteGet: DstLen %d for %s", r.Header.DstLen, r.Dst)
			}
		})
	}
}

// TestRouteKernelReplace changes a route's gateway with ReplaceRoute.
func TestRouteKernelReplace(t *testing.T) {
	ns, c := routeNS(t)
	ctx := addrCtx(t)
	r := rt.Route{
		Header:   rt.RtMsg{Family: unix.AF_INET, DstLen: 16, Table: rt.TableMain, Protocol: rt.ProtoStatic, Type: rt.RouteTypeUnicast},
		Dst:      netip.MustParseAddr("10.40.0.0"),
		Gateway:  netip.MustParseAddr("10.10.0.2"),
		Priority: new(uint32(10)),
	}
	if err := c.ReplaceRoute(ctx, &r); err != nil {
		t.Fatalf("ReplaceRoute of a new route: %v", err)
	}
	r.Gateway = netip.MustParseAddr("10.10.0.3")
	if err := c.ReplaceRoute(ctx, &r); err != nil {
		t.Fatal(err)
	}
	var found []string
	for _, x := range routeIPShow(t, ns.FD, "-4") {
		if x.Dst == "10.40.0.0/16" {
			found = append(found, x.Gateway)
		}
	}
	if d := cmp.Diff([]string{"10.10.0.3"}, found); d != "" {
		t.Errorf("gateways of 10.40.0.0/16 after ReplaceRoute (-want +got):\n%s", d)
	}
}

// TestRouteKernelErrors checks that the kernel's errors come back as
// errnos, saying which request failed.
func TestRouteKernelErrors(t *testing.T) {
	ns, c := routeNS(t)
	ctx := addrCtx(t)
	addr := netip.MustParseAddr
	hdr := rt.RtMsg{Family: unix.AF_INET, DstLen: 16, Table: rt.TableMain, Protocol: rt.ProtoStatic, Type: rt.RouteTypeUnicast}
	hdr6 := hdr
	hdr6.Family, hdr6.DstLen = unix.AF_INET6, 48
	tests := []struct {
		name string
		do   func() error
		want unix.Errno
		msg  string
	}{
		{"gateway not on a link", func() error {
			return c.AddRoute(ctx, &rt.Route{Header: hdr, Dst: addr("10.50.0.0"), Gateway: addr("10.99.0.1")})
		}, unix.ENETUNREACH, "add route 10.50.0.0/16 via 10.99.0.1"},
		{"no such link", func() error {
			h := hdr
			h.Scope = rt.ScopeLink
			return c.AddRoute(ctx, &rt.Route{Header: h, Dst: addr("10.50.0.0"), OIF: 9999})
		}, unix.ENODEV, "add route 10.50.0.0/16 dev 9999"},
		{"delete IPv4 not there", func() error {
			return c.DeleteRoute(ctx, &rt.Route{Header: hdr, Dst: addr("10.51.0.0")})
		}, unix.ESRCH, "delete route 10.51.0.0/16"},
		{"delete IPv6 not there", func() error {
			return c.DeleteRoute(ctx, &rt.Route{Header: hdr6, Dst: addr("2001:db8:51::"), Table: 3000})
		}, unix.ESRCH, "delete route 2001:db8:51::/48 table 3000"},
		{"get IPv4 no route", func() error {
			_, err := c.RouteGet(ctx, addr("192.0.2.1"))
			return err
		}, unix.ENETUNREACH, "get route to 192.0.2.1"},
		{"get IPv6 no route", func() error {
			_, err := c.RouteGet(ctx, addr("2001:db8:99::1"))
			return err
		}, unix.ENETUNREACH, "get route to 2001:db8:99::1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.do()
			if !errors.Is(err, tt.want) {
				t.Fatalf("got %v, want %v", err, tt.want)
			}
			if !strings.Contains(err.Error(), tt.msg) {
				t.Errorf("error %q does not say %q", err, tt.msg)
			}
		})
	}
	// ip agrees on the RouteGet errors.
	for _, dst := range []string{"192.0.2.1", "2001:db8:99::1"} {
		if _, err := addrTryIP(t, ns.FD, "route", "get", dst); err == nil || !strings.Contains(err.Error(), "unreachable") {
			t.Errorf("ip route get %s: %v, want Network is unreachable", dst, err)
		}
	}
}

// TestRouteKernelLookup asks for routes with the lookup's other keys
// (mark, uid, source): policy rules send each to its own table, and the
// answers must match ip route get with the same keys.
func TestRouteKernelLookup(t *testing.T) {
	ns, c := routeNS(t)
	ctx := addrCtx(t)
	addrIP(t, ns.FD, "route", "add", "10.70.0.0/16", "via", "10.10.0.2")
	addrIP(t, ns.FD, "route", "add", "10.70.0.0/16", "via", "10.10.0.4", "table", "3001")
	addrIP(t, ns.FD, "route", "add", "10.70.0.0/16", "via", "10.10.0.5", "table", "3002")
	addrIP(t, ns.FD, "rule", "add", "fwmark", "7", "lookup", "3001")
	addrIP(t, ns.FD, "rule", "add", "uidrange", "1000-1000", "lookup", "3002")
	dst := netip.MustParseAddr("10.70.0.5")
	for _, tt := range []struct {
		name    string
		req     rt.Route
		ipArgs  []string
		gateway string
		table   uint32
	}{
		{"plain", rt.Route{Dst: dst}, nil, "10.10.0.2", rt.TableMain},
		{"mark 7", rt.Route{Dst: dst, Mark: 7}, []string{"mark", "7"}, "10.10.0.4", 3001},
		{"uid 1000", rt.Route{Dst: dst, UID: new(uint32(1000))}, []string{"uid", "1000"}, "10.10.0.5", 3002},
		{"uid 1001", rt.Route{Dst: dst, UID: new(uint32(1001))}, []string{"uid", "1001"}, "10.10.0.2", rt.TableMain},
	} {
		t.Run(tt.name, func(t *testing.T) {
			out := addrIP(t, ns.FD, append([]string{"-j", "route", "get", dst.String()}, tt.ipArgs...)...)
			var ipr []routeIPGet
			if err := json.Unmarshal(out, &ipr); err != nil || len(ipr) != 1 {
				t.Fatalf("ip -j route get: %v\n%s", err, out)
			}
			if ipr[0].Gateway != tt.gateway {
				t.Fatalf("ip route get %v: via %s, want %s (the setup is wrong)", tt.ipArgs, ipr[0].Gateway, tt.gateway)
			}
			req := tt.req
			r, err := c.RouteLookup(ctx, &req)
			if err != nil {
				t.Fatal(err)
			}
			if r.Gateway.String() != tt.gateway || r.TableID() != tt.table {
				t.Errorf("RouteLookup: via %v table %d, want via %s table %d", r.Gateway, r.TableID(), tt.gateway, tt.table)
			}
			if req.Header.Family != 0 || req.Header.Flags != 0 {
				t.Errorf("RouteLookup modified its request: %+v", req.Header)
			}
		})
	}
	if _, err := c.RouteLookup(ctx, &rt.Route{}); err == nil {
		t.Error("RouteLookup without a destination succeeded")
	}
}
