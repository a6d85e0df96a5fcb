package rt_test

import (
	"context"
	"encoding/json"
	"net/netip"
	"slices"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/nlstruct/nlstruct/families/rt"
)

// routeIPNextHop is a next hop in ip -j route's output of a multipath
// route.
type routeIPNextHop struct {
	Gateway string `json:"gateway"`
	Dev     string `json:"dev"`
	Weight  int    `json:"weight"`
}

// routeIPMultipath returns the next hops ip shows for the route to dst in
// the main table.
func routeIPMultipath(t *testing.T, fd int, family, dst string) []routeIPNextHop {
	t.Helper()
	var rs []struct {
		Dst      string           `json:"dst"`
		NextHops []routeIPNextHop `json:"nexthops"`
	}
	out := addrIP(t, fd, family, "-j", "route", "show", "table", "main")
	if err := json.Unmarshal(out, &rs); err != nil {
		t.Fatalf("ip -j route: %v\n%s", err, out)
	}
	for _, r := range rs {
		if r.Dst == dst {
			return r.NextHops
		}
	}
	t.Fatalf("ip shows no route to %s:\n%s", dst, out)
	return nil
}

// TestRouteKernelMultipath adds ECMP routes (RTA_MULTIPATH records) with
// nlstruct and checks them with ip, and reads back those ip adds, IPv4
// and IPv6, with gateways, links and weights.
func TestRouteKernelMultipath(t *testing.T) {
	ns, c := routeNS(t)
	ctx := context.Background()
	veth0 := ns.Index(t, "veth0")
	// The second next hop is on extra0 when the namespace has one, else
	// also on veth0.
	dev2, gw2 := "veth0", netip.MustParseAddr("10.10.0.3")
	if ns.Extra != "" {
		dev2, gw2 = "extra0", netip.MustParseAddr("10.11.0.3")
	}
	idx2 := ns.Index(t, dev2)

	// Added by nlstruct, checked with ip.
	r := &rt.Route{
		Header: rt.RtMsg{Family: unix.AF_INET, DstLen: 24, Table: rt.TableMain, Protocol: rt.ProtoStatic, Scope: rt.ScopeUniverse, Type: rt.RouteTypeUnicast},
		Dst:    netip.MustParseAddr("10.50.0.0"),
		MultiPath: []rt.NextHop{
			rt.NewNextHop(veth0, netip.MustParseAddr("10.10.0.2"), 1),
			rt.NewNextHop(idx2, gw2, 3),
		},
	}
	if err := c.AddRoute(ctx, r); err != nil {
		t.Fatal(err)
	}
	want := []routeIPNextHop{{"10.10.0.2", "veth0", 1}, {gw2.String(), dev2, 3}}
	if got := routeIPMultipath(t, ns.FD, "-4", "10.50.0.0/24"); !slices.Equal(got, want) {
		t.Errorf("ip shows the next hops as %+v, want %+v", got, want)
	}

	// Added by ip, read by nlstruct.
	addrIP(t, ns.FD, "route", "add", "10.51.0.0/24", "nexthop", "via", "10.10.0.4", "dev", "veth0", "weight", "2",
		"nexthop", "via", gw2.Next().String(), "dev", dev2, "weight", "5")
	addrIP(t, ns.FD, "-6", "route", "add", "2001:db8:51::/64", "nexthop", "via", "2001:db8:10::4", "dev", "veth0", "weight", "4",
		"nexthop", "via", "2001:db8:10::5", "dev", "veth0", "weight", "6")
	for _, tt := range []struct {
		family uint8
		dst    netip.Prefix
		want   []rt.NextHop
	}{
		{unix.AF_INET, netip.MustParsePrefix("10.50.0.0/24"), []rt.NextHop{
			rt.NewNextHop(veth0, netip.MustParseAddr("10.10.0.2"), 1), rt.NewNextHop(idx2, gw2, 3)}},
		{unix.AF_INET, netip.MustParsePrefix("10.51.0.0/24"), []rt.NextHop{
			rt.NewNextHop(veth0, netip.MustParseAddr("10.10.0.4"), 2), rt.NewNextHop(idx2, gw2.Next(), 5)}},
		{unix.AF_INET6, netip.MustParsePrefix("2001:db8:51::/64"), []rt.NextHop{
			rt.NewNextHop(veth0, netip.MustParseAddr("2001:db8:10::4"), 4), rt.NewNextHop(veth0, netip.MustParseAddr("2001:db8:10::5"), 6)}},
	} {
		routes, err := c.Routes(ctx, tt.family)
		if err != nil {
			t.Fatal(err)
		}
		got, ok := routeFind(routes, tt.dst, rt.TableMain)
		if !ok {
			t.Errorf("%v: no route read back", tt.dst)
			continue
		}
		if len(got.MultiPath) != len(tt.want) {
			t.Errorf("%v: %d next hops, want %d: %+v", tt.dst, len(got.MultiPath), len(tt.want), got.MultiPath)
			continue
		}
		for i, h := range got.MultiPath {
			w := tt.want[i]
			if h.Gateway != w.Gateway || h.Header.IfIndex != w.Header.IfIndex || h.Weight() != w.Weight() {
				t.Errorf("%v next hop %d: via %v on %d weight %d, want via %v on %d weight %d",
					tt.dst, i, h.Gateway, h.Header.IfIndex, h.Weight(), w.Gateway, w.Header.IfIndex, w.Weight())
			}
			if h.Header.Len == 0 {
				t.Errorf("%v next hop %d: rtnh_len is 0", tt.dst, i)
			}
		}
	}

	// The route deletes as read back.
	routes, err := c.Routes(ctx, unix.AF_INET)
	if err != nil {
		t.Fatal(err)
	}
	got, _ := routeFind(routes, netip.MustParsePrefix("10.51.0.0/24"), rt.TableMain)
	if err := c.DeleteRoute(ctx, &got); err != nil {
		t.Fatal(err)
	}
	if out := addrIP(t, ns.FD, "route", "show", "10.51.0.0/24"); len(out) != 0 {
		t.Errorf("after DeleteRoute, ip still shows %s", out)
	}
}
