package rt_test

// Address tests against the running kernel, in a private network
// namespace (linktest.New), cross-checked with iproute2's ip. They need
// root and skip without it.

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net/netip"
	"os/exec"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"golang.org/x/sys/unix"

	"github.com/nlstruct/nlstruct/families/rt"
	"github.com/nlstruct/nlstruct/internal/linktest"
	"github.com/nlstruct/nlstruct/internal/netnstest"
	"github.com/nlstruct/nlstruct/socket"
)

func addrCtx(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// addrIP runs ip with args inside the namespace fd and returns what it
// prints; it fails the test if ip fails.
func addrIP(t *testing.T, fd int, args ...string) []byte {
	t.Helper()
	out, err := addrTryIP(t, fd, args...)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// addrTryIP runs ip with args inside the namespace fd.
func addrTryIP(t *testing.T, fd int, args ...string) ([]byte, error) {
	t.Helper()
	if _, err := exec.LookPath("ip"); err != nil {
		t.Skipf("needs iproute2's ip: %v", err)
	}
	var (
		out    []byte
		err    error
		stderr bytes.Buffer
	)
	netnstest.Run(t, fd, func() {
		cmd := exec.Command("ip", args...)
		cmd.Stderr = &stderr
		out, err = cmd.Output()
	})
	if err != nil {
		return nil, &addrIPError{args: args, err: err, stderr: stderr.String()}
	}
	return out, nil
}

type addrIPError struct {
	args   []string
	err    error
	stderr string
}

func (e *addrIPError) Error() string {
	return "ip " + strings.Join(e.args, " ") + ": " + e.err.Error() + ": " + strings.TrimSpace(e.stderr)
}

// addrNS makes a namespace with links (veth0, veth1 and extra0, up) and an
// rt.Conn in it.
func addrNS(t *testing.T) (*linktest.NS, *rt.Conn) {
	t.Helper()
	ns := linktest.New(t)
	c, err := rt.Dial(&socket.Config{NetNSFD: ns.FD})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return ns, c
}

// addrIPLink is a link in ip -j addr's output.
type addrIPLink struct {
	IfIndex  uint32       `json:"ifindex"`
	IfName   string       `json:"ifname"`
	AddrInfo []addrIPAddr `json:"addr_info"`
}

// addrIPAddr is an address in ip -j addr's output.
type addrIPAddr struct {
	Family        string `json:"family"`
	Local         string `json:"local"`
	Address       string `json:"address"` // the peer
	PrefixLen     int    `json:"prefixlen"`
	Broadcast     string `json:"broadcast"`
	Scope         string `json:"scope"`
	Label         string `json:"label"`
	Metric        uint32 `json:"metric"`
	Dynamic       bool   `json:"dynamic"`
	Secondary     bool   `json:"secondary"`
	NoDAD         bool   `json:"nodad"`
	NoPrefixRoute bool   `json:"noprefixroute"`
	Tentative     bool   `json:"tentative"`
	ValidLft      uint32 `json:"valid_life_time"`
	PreferredLft  uint32 `json:"preferred_life_time"`
}

// addrIPShow returns ip -j addr show's links, with args such as "dev",
// "veth0".
func addrIPShow(t *testing.T, fd int, args ...string) []addrIPLink {
	t.Helper()
	out := addrIP(t, fd, append([]string{"-j", "addr", "show"}, args...)...)
	var links []addrIPLink
	if err := json.Unmarshal(out, &links); err != nil {
		t.Fatalf("ip -j addr: %v\n%s", err, out)
	}
	return links
}

// addrIPFind returns the address local on ifindex in ip's output.
func addrIPFind(links []addrIPLink, ifindex uint32, local string) (addrIPAddr, bool) {
	for _, l := range links {
		if l.IfIndex != ifindex {
			continue
		}
		for _, a := range l.AddrInfo {
			if a.Local == local {
				return a, true
			}
		}
	}
	return addrIPAddr{}, false
}

// addrFind returns the address a on ifindex among as.
func addrFind(as []rt.Address, ifindex uint32, a netip.Addr) (rt.Address, bool) {
	for _, x := range as {
		if x.Header.Index == ifindex && x.Addr() == a {
			return x, true
		}
	}
	return rt.Address{}, false
}

// addrNoTimes ignores the timestamps (and the lifetimes) in an
// AddrCacheInfo, which the tests check on their own.
var addrNoTimes = cmpopts.IgnoreFields(rt.Address{}, "CacheInfo")

// addrCmpAddr compares netip.Addr values (which have unexported
// fields) with ==, and takes empty slices for nil.
var addrCmpAddr = cmp.Options{cmp.Comparer(func(a, b netip.Addr) bool { return a == b }), cmpopts.EquateEmpty()}

// TestAddrKernelAdd adds IPv4 and IPv6 addresses with nlstruct, checks
// them with ip, reads them back, and deletes them.
func TestAddrKernelAdd(t *testing.T) {
	ns, c := addrNS(t)
	ctx := addrCtx(t)
	idx := uint32(ns.Index(t, "veth0"))

	v4 := rt.NewAddress(idx, netip.MustParsePrefix("10.9.0.1/24"))
	v4.Broadcast = netip.MustParseAddr("10.9.0.255")
	v4.Label = "veth0:nl"
	v4.RoutePriority = 77
	v6 := rt.NewAddress(idx, netip.MustParsePrefix("2001:db8:9::1/64"))
	v6.Flags = rt.AddrFlagNoDAD | rt.AddrFlagNoPrefixRoute
	v6.CacheInfo = &rt.AddrCacheInfo{Preferred: 100, Valid: 200}
	for _, a := range []*rt.Address{v4, v6} {
		if err := c.AddAddress(ctx, a); err != nil {
			t.Fatal(err)
		}
	}

	links := addrIPShow(t, ns.FD, "dev", "veth0")
	got4, ok := addrIPFind(links, idx, "10.9.0.1")
	if !ok {
		t.Fatalf("ip does not show 10.9.0.1 on veth0: %+v", links)
	}
	want4 := addrIPAddr{Family: "inet", Local: "10.9.0.1", PrefixLen: 24, Broadcast: "10.9.0.255", Scope: "global",
		Label: "veth0:nl", Metric: 77, ValidLft: rt.LifetimeInfinite, PreferredLft: rt.LifetimeInfinite}
	if d := cmp.Diff(want4, got4); d != "" {
		t.Errorf("ip's view of the IPv4 address (-want +got):\n%s", d)
	}
	got6, ok := addrIPFind(links, idx, "2001:db8:9::1")
	if !ok {
		t.Fatalf("ip does not show 2001:db8:9::1 on veth0: %+v", links)
	}
	// The lifetimes count down from 200 and 100 seconds.
	if got6.ValidLft > 200 || got6.ValidLft < 190 || got6.PreferredLft > 100 || got6.PreferredLft < 90 {
		t.Errorf("ip shows lifetimes valid %d preferred %d, want 200 and 100 (or a little less)", got6.ValidLft, got6.PreferredLft)
	}
	got6.ValidLft, got6.PreferredLft = 0, 0
	want6 := addrIPAddr{Family: "inet6", Local: "2001:db8:9::1", PrefixLen: 64, Scope: "global", Dynamic: true, NoDAD: true, NoPrefixRoute: true}
	if d := cmp.Diff(want6, got6); d != "" {
		t.Errorf("ip's view of the IPv6 address (-want +got):\n%s", d)
	}

	// Adding either again is EEXIST.
	for _, a := range []*rt.Address{v4, v6} {
		err := c.AddAddress(ctx, a)
		if !errors.Is(err, unix.EEXIST) {
			t.Errorf("adding %s again: %v, want EEXIST", a.Prefix(), err)
		} else if want := "add address " + a.Prefix().String() + " to ifindex"; !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not say %q", err, want)
		}
	}

	// Read back, each family on its own.
	for _, tt := range []struct {
		family uint8
		want   *rt.Address
		other  netip.Addr
	}{{unix.AF_INET, v4, v6.Local}, {unix.AF_INET6, v6, v4.Local}} {
		as, err := c.Addresses(ctx, tt.family)
		if err != nil {
			t.Fatal(err)
		}
		for _, a := range as {
			if a.Header.Family != tt.family {
				t.Errorf("Addresses(%d) returned %s of family %d", tt.family, a.Prefix(), a.Header.Family)
			}
		}
		if _, ok := addrFind(as, idx, tt.other); ok {
			t.Errorf("Addresses(%d) has %s", tt.family, tt.other)
		}
		got, ok := addrFind(as, idx, tt.want.Addr())
		if !ok {
			t.Fatalf("Addresses(%d) has no %s: %+v", tt.family, tt.want.Prefix(), as)
		}
		want := *tt.want
		want.Header.Scope = rt.ScopeUniverse
		switch tt.family {
		case unix.AF_INET:
			want.Flags = rt.AddrFlagPermanent
			want.Header.Flags = uint8(rt.AddrFlagPermanent)
			if got.CacheInfo == nil || got.CacheInfo.Valid != rt.LifetimeInfinite || got.CacheInfo.Preferred != rt.LifetimeInfinite {
				t.Errorf("IPv4 CacheInfo %+v, want infinite lifetimes", got.CacheInfo)
			}
		case unix.AF_INET6:
			// IPv6 sends IFA_ADDRESS only, as there is no peer.
			want.Local = netip.Addr{}
			want.Header.Flags = uint8(rt.AddrFlagNoDAD)
			if ci := got.CacheInfo; ci == nil || ci.Valid > 200 || ci.Valid < 190 || ci.Preferred > 100 || ci.Preferred < 90 {
				t.Errorf("IPv6 CacheInfo %+v, want lifetimes 200 and 100 (or a little less)", ci)
			} else if ci.Created == 0 || ci.Updated < ci.Created {
				t.Errorf("IPv6 CacheInfo %+v: timestamps created %d, updated %d", ci, ci.Created, ci.Updated)
			}
		}
		if d := cmp.Diff(want, got, addrNoTimes, addrCmpAddr); d != "" {
			t.Errorf("Addresses(%d) (-want +got):\n%s", tt.family, d)
		}
	}

	// Delete; then ip shows neither, and deleting again is
	// EADDRNOTAVAIL.
	for _, a := range []*rt.Address{v4, v6} {
		if err := c.DeleteAddress(ctx, a); err != nil {
			t.Fatal(err)
		}
	}
	links = addrIPShow(t, ns.FD, "dev", "veth0")
	for _, a := range []string{"10.9.0.1", "2001:db8:9::1"} {
		if _, ok := addrIPFind(links, idx, a); ok {
			t.Errorf("ip still shows %s after DeleteAddress", a)
		}
	}
	for _, a := range []*rt.Address{v4, v6} {
		if err := c.DeleteAddress(ctx, a); !errors.Is(err, unix.EADDRNOTAVAIL) {
			t.Errorf("deleting %s again: %v, want EADDRNOTAVAIL", a.Prefix(), err)
		}
	}
}

// TestAddrKernelReadIP adds addresses with ip and reads them with
// nlstruct: prefix length, label, broadcast, peer, flags, scope and
// lifetimes; then compares every address ip lists with Addresses.
func TestAddrKernelReadIP(t *testing.T) {
	ns, c := addrNS(t)
	ctx := addrCtx(t)
	idx := uint32(ns.Index(t, "veth0"))
	addrIP(t, ns.FD, "addr", "add", "10.9.1.1/24", "brd", "+", "dev", "veth0", "label", "veth0:x", "valid_lft", "300", "preferred_lft", "200", "scope", "link")
	addrIP(t, ns.FD, "addr", "add", "10.9.1.2/24", "dev", "veth0", "scope", "link")
	addrIP(t, ns.FD, "addr", "add", "10.9.2.1", "peer", "10.9.2.2/32", "dev", "veth0")
	addrIP(t, ns.FD, "-6", "addr", "add", "2001:db8:1::1/64", "dev", "veth0", "nodad", "noprefixroute")

	as, err := c.Addresses(ctx, 0)
	if err != nil {
		t.Fatal(err)
	}
	a4 := netip.MustParseAddr("10.9.1.1")
	want := []rt.Address{
		{
			Header:    rt.IfAddrMsg{Family: unix.AF_INET, PrefixLen: 24, Scope: rt.ScopeLink, Index: idx},
			Address:   a4,
			Local:     a4,
			Label:     "veth0:x",
			Broadcast: netip.MustParseAddr("10.9.1.255"),
		},
		{
			// The second address in 10.9.1.0/24 is secondary (it
			// must have the primary's scope).
			Header:  rt.IfAddrMsg{Family: unix.AF_INET, PrefixLen: 24, Flags: uint8(rt.AddrFlagSecondary | rt.AddrFlagPermanent), Scope: rt.ScopeLink, Index: idx},
			Address: netip.MustParseAddr("10.9.1.2"),
			Local:   netip.MustParseAddr("10.9.1.2"),
			Label:   "veth0",
			Flags:   rt.AddrFlagSecondary | rt.AddrFlagPermanent,
		},
		{
			// A point-to-point address: Address is the peer.
			Header:  rt.IfAddrMsg{Family: unix.AF_INET, PrefixLen: 32, Flags: uint8(rt.AddrFlagPermanent), Index: idx},
			Address: netip.MustParseAddr("10.9.2.2"),
			Local:   netip.MustParseAddr("10.9.2.1"),
			Label:   "veth0",
			Flags:   rt.AddrFlagPermanent,
		},
		{
			Header:  rt.IfAddrMsg{Family: unix.AF_INET6, PrefixLen: 64, Flags: uint8(rt.AddrFlagNoDAD | rt.AddrFlagPermanent), Index: idx},
			Address: netip.MustParseAddr("2001:db8:1::1"),
			Flags:   rt.AddrFlagNoDAD | rt.AddrFlagNoPrefixRoute | rt.AddrFlagPermanent,
		},
	}
	for _, w := range want {
		got, ok := addrFind(as, idx, w.Addr())
		if !ok {
			t.Errorf("Addresses has no %s on veth0", w.Prefix())
			continue
		}
		if d := cmp.Diff(w, got, addrNoTimes, addrCmpAddr); d != "" {
			t.Errorf("%s (-want +got):\n%s", w.Prefix(), d)
		}
		ci := got.CacheInfo
		switch {
		case ci == nil:
			t.Errorf("%s: no CacheInfo", w.Prefix())
		case w.Addr() == a4:
			if ci.Valid > 300 || ci.Valid < 290 || ci.Preferred > 200 || ci.Preferred < 190 {
				t.Errorf("%s: CacheInfo %+v, want lifetimes 300 and 200 (or a little less)", w.Prefix(), ci)
			}
		default:
			if ci.Valid != rt.LifetimeInfinite || ci.Preferred != rt.LifetimeInfinite {
				t.Errorf("%s: CacheInfo %+v, want infinite lifetimes", w.Prefix(), ci)
			}
		}
	}
	if got, _ := addrFind(as, idx, netip.MustParseAddr("10.9.2.1")); got.Prefix() != netip.MustParsePrefix("10.9.2.1/32") {
		t.Errorf("Prefix of the point-to-point address = %s, want 10.9.2.1/32", got.Prefix())
	}

	// Every address ip lists, nlstruct lists, the same.
	type key struct {
		ifindex uint32
		local   string
		peer    string
		bits    int
		scope   string
		label   string
	}
	var fromIP, fromNL []key
	for _, l := range addrIPShow(t, ns.FD) {
		for _, a := range l.AddrInfo {
			fromIP = append(fromIP, key{l.IfIndex, a.Local, a.Address, a.PrefixLen, a.Scope, a.Label})
		}
	}
	for _, a := range as {
		k := key{a.Header.Index, a.Addr().String(), "", int(a.Header.PrefixLen), a.Header.Scope.String(), a.Label}
		if a.Local.IsValid() && a.Address.IsValid() && a.Local != a.Address {
			k.peer = a.Address.String()
		}
		fromNL = append(fromNL, k)
	}
	less := func(a, b key) int { return strings.Compare(a.local+"/"+a.peer, b.local+"/"+b.peer) }
	slices.SortFunc(fromIP, less)
	slices.SortFunc(fromNL, less)
	if d := cmp.Diff(fromIP, fromNL, cmp.AllowUnexported(key{})); d != "" {
		t.Errorf("addresses listed by ip (-) and by Addresses (+):\n%s", d)
	}
	if len(fromNL) < len(want) {
		t.Errorf("only %d addresses listed", len(fromNL))
	}
}

// TestAddrKernelReplace changes an address's lifetimes with
// ReplaceAddress, which also creates an address that is not there.
func TestAddrKernelReplace(t *testing.T) {
	ns, c := addrNS(t)
	ctx := addrCtx(t)
	idx := uint32(ns.Index(t, "veth0"))
	a := rt.NewAddress(idx, netip.MustParsePrefix("10.9.3.1/24"))
	a.CacheInfo = &rt.AddrCacheInfo{Preferred: 300, Valid: 300}
	if err := c.ReplaceAddress(ctx, a); err != nil {
		t.Fatalf("ReplaceAddress of a new address: %v", err)
	}
	a.CacheInfo = &rt.AddrCacheInfo{Preferred: 1000, Valid: 2000}
	if err := c.ReplaceAddress(ctx, a); err != nil {
		t.Fatal(err)
	}
	got, ok := addrIPFind(addrIPShow(t, ns.FD, "dev", "veth0"), idx, "10.9.3.1")
	if !ok {
		t.Fatal("ip does not show 10.9.3.1")
	}
	if got.ValidLft > 2000 || got.ValidLft < 1990 || got.PreferredLft > 1000 || got.PreferredLft < 990 || !got.Dynamic {
		t.Errorf("after ReplaceAddress ip shows %+v, want lifetimes 2000 and 1000", got)
	}
	// AddAddress refuses what ReplaceAddress accepts.
	if err := c.AddAddress(ctx, a); !errors.Is(err, unix.EEXIST) {
		t.Errorf("AddAddress of an existing address: %v, want EEXIST", err)
	}
}

// TestAddrKernelErrors checks that the kernel's errors come back as
// errnos, saying which request failed.
func TestAddrKernelErrors(t *testing.T) {
	ns, c := addrNS(t)
	ctx := addrCtx(t)
	idx := uint32(ns.Index(t, "veth0"))
	tests := []struct {
		name string
		do   func() error
		want unix.Errno
		msg  string
	}{
		{"no such link", func() error {
			return c.AddAddress(ctx, rt.NewAddress(9999, netip.MustParsePrefix("10.9.4.1/24")))
		}, unix.ENODEV, "add address 10.9.4.1/24 to ifindex 9999"},
		{"delete IPv4 not there", func() error {
			return c.DeleteAddress(ctx, rt.NewAddress(idx, netip.MustParsePrefix("10.9.4.1/24")))
		}, unix.EADDRNOTAVAIL, "delete address 10.9.4.1/24 on ifindex"},
		{"delete IPv6 not there", func() error {
			return c.DeleteAddress(ctx, rt.NewAddress(idx, netip.MustParsePrefix("2001:db8:4::1/64")))
		}, unix.EADDRNOTAVAIL, "delete address 2001:db8:4::1/64"},
		{"IPv6 prefix too long", func() error {
			a := rt.NewAddress(idx, netip.MustParsePrefix("2001:db8:4::1/64"))
			a.Header.PrefixLen = 129
			return c.AddAddress(ctx, a)
		}, unix.EINVAL, "add address"},
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
}
