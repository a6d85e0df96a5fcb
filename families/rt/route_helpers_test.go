package rt_test

import (
	"net/netip"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/nlstruct/nlstruct/families/rt"
)

func TestNewRouteAndRulePrefixes(t *testing.T) {
	r := rt.NewRoute(netip.MustParsePrefix("10.1.2.3/16"), netip.MustParseAddr("10.10.0.2"), 0)
	if r.DstPrefix() != netip.MustParsePrefix("10.1.0.0/16") || r.Header.Family != unix.AF_INET ||
		r.Header.Scope != rt.ScopeUniverse || r.Header.Table != rt.TableMain || r.Header.Type != rt.RouteTypeUnicast {
		t.Errorf("NewRoute via a gateway: %+v", r.Header)
	}
	r = rt.NewRoute(netip.MustParsePrefix("2001:db8::/32"), netip.Addr{}, 3)
	if r.Header.Family != unix.AF_INET6 || r.Header.Scope != rt.ScopeLink || r.OIF != 3 || r.Gateway.IsValid() {
		t.Errorf("NewRoute on a link: %+v", r)
	}
	r = rt.NewRoute(netip.MustParsePrefix("0.0.0.0/0"), netip.MustParseAddr("10.10.0.1"), 0)
	if r.Dst.IsValid() || r.Header.DstLen != 0 || r.DstPrefix() != netip.MustParsePrefix("0.0.0.0/0") {
		t.Errorf("NewRoute default: Dst %v DstLen %d", r.Dst, r.Header.DstLen)
	}

	var rule rt.Rule
	rule.SetSrc(netip.MustParsePrefix("192.0.2.77/24"))
	rule.SetDst(netip.MustParsePrefix("2001:db8::1/64"))
	if rule.SrcPrefix() != netip.MustParsePrefix("192.0.2.0/24") || rule.Header.SrcLen != 24 {
		t.Errorf("SetSrc: %v /%d", rule.Src, rule.Header.SrcLen)
	}
	if rule.DstPrefix() != netip.MustParsePrefix("2001:db8::/64") || rule.Header.DstLen != 64 {
		t.Errorf("SetDst: %v /%d", rule.Dst, rule.Header.DstLen)
	}
	rule.SetSrc(netip.Prefix{})
	if rule.Src.IsValid() || rule.Header.SrcLen != 0 {
		t.Errorf("SetSrc of the zero Prefix left %v /%d", rule.Src, rule.Header.SrcLen)
	}
}

// TestRouteKernelNewRoute adds and deletes routes made with NewRoute and
// checks them with ip.
func TestRouteKernelNewRoute(t *testing.T) {
	ns, c := routeNS(t)
	ctx := addrCtx(t)
	veth0 := uint32(ns.Index(t, "veth0"))
	via := rt.NewRoute(netip.MustParsePrefix("10.80.1.9/24"), netip.MustParseAddr("10.10.0.2"), 0)
	direct := rt.NewRoute(netip.MustParsePrefix("10.81.0.0/16"), netip.Addr{}, veth0)
	v6 := rt.NewRoute(netip.MustParsePrefix("2001:db8:80::/48"), netip.MustParseAddr("2001:db8:10::2"), veth0)
	for _, r := range []*rt.Route{via, direct, v6} {
		if err := c.AddRoute(ctx, r); err != nil {
			t.Fatal(err)
		}
	}
	for _, tt := range []struct {
		family, dst, gateway, scope string
	}{
		{"-4", "10.80.1.0/24", "10.10.0.2", "global"},
		{"-4", "10.81.0.0/16", "", "link"},
		{"-6", "2001:db8:80::/48", "2001:db8:10::2", "global"},
	} {
		got, ok := routeIPFind(routeIPShow(t, ns.FD, tt.family), tt.dst, "main")
		if !ok {
			t.Errorf("ip shows no route to %s", tt.dst)
			continue
		}
		if got.Gateway != tt.gateway || got.Dev != "veth0" || got.Protocol != "static" || got.Scope != tt.scope {
			t.Errorf("ip shows %s as %+v, want via %q dev veth0 proto static scope %q", tt.dst, got, tt.gateway, tt.scope)
		}
	}
	for _, r := range []*rt.Route{via, direct, v6} {
		if err := c.DeleteRoute(ctx, r); err != nil {
			t.Fatal(err)
		}
	}
	if _, ok := routeIPFind(routeIPShow(t, ns.FD, "-4"), "10.80.1.0/24", "main"); ok {
		t.Error("the route made by NewRoute is still there after DeleteRoute")
	}
}
