package rt_test

// Neighbour tests against the running kernel, each in a private network
// namespace, cross-checked with iproute2 (ip, bridge). They need root and
// skip without it.

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"os"
	"os/exec"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"golang.org/x/sys/unix"

	"github.com/nlstruct/nlstruct/families/rt"
	"github.com/nlstruct/nlstruct/internal/netnstest"
	"github.com/nlstruct/nlstruct/socket"
)

// neighNS is a private network namespace with an rt.Conn in it.
type neighNS struct {
	fd int
	c  *rt.Conn
}

// neighNewNS creates the namespace. It skips the test when not root or
// when iproute2 is missing.
func neighNewNS(t *testing.T) *neighNS {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("needs root: creates a network namespace and links in it with ip")
	}
	for _, tool := range []string{"ip", "bridge"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("needs iproute2's %s: %v", tool, err)
		}
	}
	fd := netnstest.New(t)
	c, err := rt.Dial(&socket.Config{NetNSFD: fd})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return &neighNS{fd: fd, c: c}
}

// tryRun runs a command (ip, bridge) in the namespace and returns its
// standard output.
func (ns *neighNS) tryRun(t *testing.T, name string, args ...string) ([]byte, error) {
	t.Helper()
	var (
		out []byte
		err error
	)
	netnstest.Run(t, ns.fd, func() {
		cmd := exec.Command(name, args...)
		var stderr strings.Builder
		cmd.Stderr = &stderr
		out, err = cmd.Output()
		if err != nil {
			err = fmt.Errorf("%s %s: %w: %s", name, strings.Join(args, " "), err, strings.TrimSpace(stderr.String()))
		}
	})
	return out, err
}

// run is tryRun failing the test on error.
func (ns *neighNS) run(t *testing.T, name string, args ...string) []byte {
	t.Helper()
	out, err := ns.tryRun(t, name, args...)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// script runs ip commands, one per line ("link add ...").
func (ns *neighNS) script(t *testing.T, lines string) {
	t.Helper()
	for line := range strings.Lines(lines) {
		if f := strings.Fields(line); len(f) > 0 {
			ns.run(t, f[0], f[1:]...)
		}
	}
}

// json runs a command printing JSON and decodes its output into v.
func (ns *neighNS) json(t *testing.T, v any, name string, args ...string) {
	t.Helper()
	out := ns.run(t, name, args...)
	if len(strings.TrimSpace(string(out))) == 0 {
		out = []byte("[]")
	}
	if err := json.Unmarshal(out, v); err != nil {
		t.Fatalf("%s %s: %v: %s", name, strings.Join(args, " "), err, out)
	}
}

// ifindex returns the index of the named link.
func (ns *neighNS) ifindex(t *testing.T, name string) int32 {
	t.Helper()
	var links []struct {
		Index int32 `json:"ifindex"`
	}
	ns.json(t, &links, "ip", "-j", "link", "show", "dev", name)
	if len(links) != 1 {
		t.Fatalf("link %s: %v", name, links)
	}
	return links[0].Index
}

// neighSetup makes veth0 (10.0.0.1/24, 2001:db8::1/64; its peer veth1)
// and a bridge br0 with the port vethb0 (its peer vethb1), all up.
func neighSetup(t *testing.T, ns *neighNS) {
	t.Helper()
	ns.script(t, `ip link add veth0 type veth peer name veth1
ip link add br0 type bridge
ip link add vethb0 type veth peer name vethb1
ip link set vethb0 master br0
ip link set veth0 up
ip link set veth1 up
ip link set vethb0 up
ip link set vethb1 up
ip link set br0 up
ip addr add 10.0.0.1/24 dev veth0
ip addr add 2001:db8::1/64 dev veth0 nodad`)
}

func neighCtx(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// neighIP is an entry of ip -j -s neigh, or of bridge -j fdb: the keys
// present, with their values (flags such as "router" have the value nil).
type neighIP map[string]any

func (e neighIP) str(k string) string { s, _ := e[k].(string); return s }

func (e neighIP) has(k string) bool { _, ok := e[k]; return ok }

// states returns the "state" list of an ip neigh entry.
func (e neighIP) states() []string {
	var out []string
	l, _ := e["state"].([]any)
	for _, s := range l {
		out = append(out, s.(string))
	}
	return out
}

// neighIPState turns ip's state names into a NeighState.
func neighIPState(t *testing.T, names []string) rt.NeighState {
	t.Helper()
	m := map[string]rt.NeighState{
		"INCOMPLETE": unix.NUD_INCOMPLETE, "REACHABLE": unix.NUD_REACHABLE, "STALE": unix.NUD_STALE,
		"DELAY": unix.NUD_DELAY, "PROBE": unix.NUD_PROBE, "FAILED": unix.NUD_FAILED,
		"NOARP": unix.NUD_NOARP, "PERMANENT": unix.NUD_PERMANENT, "NONE": unix.NUD_NONE,
	}
	var s rt.NeighState
	for _, n := range names {
		v, ok := m[n]
		if !ok {
			t.Fatalf("ip shows an unknown state %q", n)
		}
		s |= v
	}
	return s
}

// neighFind returns the entry for dst on ifindex in ns, or nil.
func neighFind(ns []rt.Neighbour, dst netip.Addr, ifindex int32) *rt.Neighbour {
	for i := range ns {
		if ns[i].Dst == dst && ns[i].Header.Ifindex == ifindex {
			return &ns[i]
		}
	}
	return nil
}

// neighShow returns what ip -j -s neigh shows for dst (nud all), or nil.
func neighShow(t *testing.T, ns *neighNS, dst string, extra ...string) neighIP {
	t.Helper()
	var es []neighIP
	ns.json(t, &es, "ip", append([]string{"-j", "-s", "neigh", "show", "to", dst, "nud", "all"}, extra...)...)
	switch len(es) {
	case 0:
		return nil
	case 1:
		return es[0]
	}
	t.Fatalf("ip neigh shows %d entries for %s: %v", len(es), dst, es)
	return nil
}

func neighMAC(t *testing.T, s string) net.HardwareAddr {
	t.Helper()
	m, err := net.ParseMAC(s)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// TestNeighKernelAdd adds permanent IPv4 and IPv6 entries, a NOARP entry
// with a protocol, a router entry, a proxy entry and a bridge fdb entry
// with nlstruct, and checks them with ip and bridge, and as read back.
func TestNeighKernelAdd(t *testing.T) {
	ns := neighNewNS(t)
	neighSetup(t, ns)
	ctx := neighCtx(t)
	veth0 := ns.ifindex(t, "veth0")
	adds := []rt.Neighbour{
		{Header: rt.NdMsg{Family: unix.AF_INET, Ifindex: veth0, State: rt.NUDPermanent},
			Dst: netip.MustParseAddr("10.0.0.2"), LLAddr: neighMAC(t, "02:00:00:00:00:02")},
		{Header: rt.NdMsg{Family: unix.AF_INET6, Ifindex: veth0, State: rt.NUDPermanent},
			Dst: netip.MustParseAddr("2001:db8::2"), LLAddr: neighMAC(t, "02:00:00:00:00:12")},
		{Header: rt.NdMsg{Family: unix.AF_INET, Ifindex: veth0, State: rt.NUDNoARP},
			Dst: netip.MustParseAddr("10.0.0.3"), LLAddr: neighMAC(t, "02:00:00:00:00:03"), Protocol: unix.RTPROT_STATIC},
		{Header: rt.NdMsg{Family: unix.AF_INET6, Ifindex: veth0, State: rt.NUDPermanent, Flags: rt.NTFRouter},
			Dst: netip.MustParseAddr("2001:db8::3"), LLAddr: neighMAC(t, "02:00:00:00:00:13")},
	}
	for i := range adds {
		if err := ns.c.AddNeighbour(ctx, &adds[i]); err != nil {
			t.Fatal(err)
		}
	}
	// What ip shows.
	for _, n := range adds {
		e := neighShow(t, ns, n.Dst.String())
		if e == nil {
			t.Errorf("ip neigh does not show %s", n.Dst)
			continue
		}
		if e.str("dev") != "veth0" || e.str("lladdr") != n.LLAddr.String() {
			t.Errorf("ip neigh shows %s on %q lladdr %q, want veth0 %s", n.Dst, e.str("dev"), e.str("lladdr"), n.LLAddr)
		}
		if got := neighIPState(t, e.states()); got != n.Header.State {
			t.Errorf("ip neigh shows %s in state %v, want %v", n.Dst, got, n.Header.State)
		}
		if e.has("router") != (n.Header.Flags&rt.NTFRouter != 0) {
			t.Errorf("ip neigh shows %s with router=%v, want flags %v", n.Dst, e.has("router"), n.Header.Flags)
		}
		if n.Protocol == unix.RTPROT_STATIC && e.str("protocol") != "static" {
			t.Errorf("ip neigh shows %s with protocol %q, want static", n.Dst, e.str("protocol"))
		}
	}
	// What nlstruct reads back.
	got, err := ns.c.Neighbours(ctx, unix.AF_UNSPEC)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range adds {
		n := neighFind(got, want.Dst, veth0)
		if n == nil {
			t.Errorf("Neighbours: no %s", want.Dst)
			continue
		}
		if n.CacheInfo == nil || n.Probes == nil || *n.Probes != 0 {
			t.Errorf("Neighbours: %s: cacheinfo %v probes %v, want cacheinfo and 0 probes", want.Dst, n.CacheInfo, n.Probes)
		}
		n.CacheInfo, n.Probes = nil, nil
		want.Header.Type = unix.RTN_UNICAST
		if d := cmp.Diff(want, *n, neighCmp); d != "" {
			t.Errorf("Neighbours: %s (-added +read):\n%s", want.Dst, d)
		}
	}

	// A proxy entry.
	proxy := rt.Neighbour{Header: rt.NdMsg{Family: unix.AF_INET6, Ifindex: veth0, Flags: rt.NTFProxy}, Dst: netip.MustParseAddr("2001:db8::99")}
	if err := ns.c.AddNeighbour(ctx, &proxy); err != nil {
		t.Fatal(err)
	}
	var proxies []neighIP
	ns.json(t, &proxies, "ip", "-j", "neigh", "show", "proxy")
	if len(proxies) != 1 || proxies[0].str("dst") != "2001:db8::99" || proxies[0].str("dev") != "veth0" || !proxies[0].has("proxy") {
		t.Errorf("ip neigh show proxy: %v, want 2001:db8::99 on veth0", proxies)
	}

	// A bridge fdb entry on the port vethb0.
	vethb0 := ns.ifindex(t, "vethb0")
	fdb := rt.Neighbour{Header: rt.NdMsg{Family: unix.AF_BRIDGE, Ifindex: vethb0, State: rt.NUDNoARP, Flags: rt.NTFMaster},
		LLAddr: neighMAC(t, "02:00:00:00:00:aa")}
	if err := ns.c.AddNeighbour(ctx, &fdb); err != nil {
		t.Fatal(err)
	}
	var fdbs []neighIP
	ns.json(t, &fdbs, "bridge", "-j", "fdb", "show", "dev", "vethb0")
	i := slices.IndexFunc(fdbs, func(e neighIP) bool { return e.str("mac") == "02:00:00:00:00:aa" })
	if i < 0 {
		t.Fatalf("bridge fdb show dev vethb0: no 02:00:00:00:00:aa in %v", fdbs)
	}
	if e := fdbs[i]; e.str("master") != "br0" || e.str("state") != "static" {
		t.Errorf("bridge fdb shows %v, want master br0, state static", e)
	}
}

// TestNeighKernelRead makes entries with ip and bridge and checks that
// nlstruct reads every entry ip shows, with the same address, device,
// link-layer address, state, flags and protocol.
func TestNeighKernelRead(t *testing.T) {
	ns := neighNewNS(t)
	neighSetup(t, ns)
	ctx := neighCtx(t)
	ns.script(t, `ip neigh add 10.0.0.2 lladdr 02:00:00:00:00:02 dev veth0 nud permanent
ip neigh add 10.0.0.3 lladdr 02:00:00:00:00:03 dev veth0 nud noarp
ip neigh add 10.0.0.4 lladdr 02:00:00:00:00:04 dev veth0 nud stale protocol 42 extern_learn
ip neigh add 10.0.0.5 lladdr 02:00:00:00:00:05 dev veth0 nud reachable
ip neigh add 10.0.0.6 dev veth0 managed
ip -6 neigh add 2001:db8::2 lladdr 02:00:00:00:00:12 dev veth0 nud permanent router
ip -6 neigh add 2001:db8::3 lladdr 02:00:00:00:00:13 dev veth0 nud delay
ip neigh add proxy 10.0.0.99 dev veth0
ip -6 neigh add proxy 2001:db8::99 dev veth0
bridge fdb add 02:00:00:00:00:aa dev vethb0 master static
bridge fdb add 02:00:00:00:00:bb dev vethb0 master static sticky`)
	// The managed entry's probes and the dynamic entries' states change
	// as time passes: read both sides now and compare the settled fields.
	var shown []neighIP
	ns.json(t, &shown, "ip", "-j", "-s", "neigh", "show", "nud", "all")
	got, err := ns.c.Neighbours(ctx, unix.AF_UNSPEC)
	if err != nil {
		t.Fatal(err)
	}
	// The kernel adds multicast NOARP entries as it sends MLD and IGMP
	// reports, at times of its own: count the others.
	unicast := func(dst netip.Addr) bool { return !dst.IsMulticast() }
	var nGot, nShown int
	for _, n := range got {
		if unicast(n.Dst) {
			nGot++
		}
	}
	for _, e := range shown {
		if unicast(netip.MustParseAddr(e.str("dst"))) {
			nShown++
		}
	}
	if nGot != nShown || nGot != 7 {
		t.Errorf("Neighbours: %d unicast entries, ip neigh shows %d, want 7", nGot, nShown)
	}
	for _, e := range shown {
		dst := netip.MustParseAddr(e.str("dst"))
		n := neighFind(got, dst, ns.ifindex(t, e.str("dev")))
		if n == nil {
			t.Errorf("Neighbours: no %s on %s, which ip shows", dst, e.str("dev"))
			continue
		}
		wantFamily := uint8(unix.AF_INET)
		if dst.Is6() {
			wantFamily = unix.AF_INET6
		}
		if n.Header.Family != wantFamily || n.LLAddr.String() != e.str("lladdr") {
			t.Errorf("%s: family %d lladdr %q, ip shows lladdr %q", dst, n.Header.Family, n.LLAddr, e.str("lladdr"))
		}
		if want := neighIPState(t, e.states()); n.Header.State != want && !(dst.String() == "10.0.0.6") {
			t.Errorf("%s: state %v, ip shows %v", dst, n.Header.State, want)
		}
		for flag, name := range map[rt.NeighFlags]string{rt.NTFRouter: "router", rt.NTFExtLearned: "extern_learn", rt.NTFOffloaded: "offload"} {
			if (n.Header.Flags&flag != 0) != e.has(name) {
				t.Errorf("%s: flags %v, ip shows %s=%v", dst, n.Header.Flags, name, e.has(name))
			}
		}
		if (n.FlagsExt&rt.NTFExtManaged != 0) != e.has("managed") {
			t.Errorf("%s: extended flags %v, ip shows managed=%v", dst, n.FlagsExt, e.has("managed"))
		}
		if n.Probes == nil || n.CacheInfo == nil {
			t.Errorf("%s: no probes or cacheinfo", dst)
		}
	}
	// Values ip does not spell the same way, checked by hand.
	veth0 := ns.ifindex(t, "veth0")
	if n := neighFind(got, netip.MustParseAddr("10.0.0.4"), veth0); n == nil || n.Protocol != 42 || n.Header.Flags != rt.NTFExtLearned || n.Header.State != rt.NUDStale {
		t.Errorf("10.0.0.4: %+v, want protocol 42, flags extern_learn, state STALE", n)
	}
	if n := neighFind(got, netip.MustParseAddr("10.0.0.6"), veth0); n == nil || n.FlagsExt != rt.NTFExtManaged || n.LLAddr != nil {
		t.Errorf("10.0.0.6: %+v, want extended flags managed and no lladdr", n)
	}

	// Proxies: a dump of their own.
	proxies, err := ns.c.ProxyNeighbours(ctx, unix.AF_UNSPEC)
	if err != nil {
		t.Fatal(err)
	}
	wantProxies := []rt.Neighbour{
		{Header: rt.NdMsg{Family: unix.AF_INET, Ifindex: veth0, Flags: rt.NTFProxy, Type: unix.RTN_UNICAST}, Dst: netip.MustParseAddr("10.0.0.99")},
		{Header: rt.NdMsg{Family: unix.AF_INET6, Ifindex: veth0, Flags: rt.NTFProxy, Type: unix.RTN_UNICAST}, Dst: netip.MustParseAddr("2001:db8::99")},
	}
	if d := cmp.Diff(wantProxies, proxies, neighCmp); d != "" {
		t.Errorf("ProxyNeighbours (-want +got):\n%s", d)
	}

	// The bridge's forwarding database.
	fdb, err := ns.c.Neighbours(ctx, unix.AF_BRIDGE)
	if err != nil {
		t.Fatal(err)
	}
	var shownFDB []neighIP
	ns.json(t, &shownFDB, "bridge", "-j", "fdb", "show")
	br0 := ns.ifindex(t, "br0")
	// The bridge's static and permanent entries that bridge shows are
	// all there. (Dynamic ones are learnt from traffic, and the devices'
	// own multicast entries follow their addresses, at times of their
	// own.)
	var checked int
	for _, e := range shownFDB {
		if e.str("master") != "br0" || e.str("state") == "" {
			continue
		}
		checked++
		if !slices.ContainsFunc(fdb, func(n rt.Neighbour) bool {
			return n.LLAddr.String() == e.str("mac") && n.Header.Ifindex == ns.ifindex(t, e.str("ifname")) && n.Master == uint32(br0)
		}) {
			t.Errorf("Neighbours(AF_BRIDGE): no %s on %s, which bridge fdb shows", e.str("mac"), e.str("ifname"))
		}
	}
	if checked < 3 {
		t.Errorf("bridge fdb shows %d static or permanent entries of br0, want at least 3 (vethb0's address, :aa, :bb): %v", checked, shownFDB)
	}
	vethb0 := ns.ifindex(t, "vethb0")
	for _, mac := range []string{"02:00:00:00:00:aa", "02:00:00:00:00:bb"} {
		i := slices.IndexFunc(fdb, func(n rt.Neighbour) bool { return n.LLAddr.String() == mac })
		if i < 0 {
			t.Errorf("Neighbours(AF_BRIDGE): no %s", mac)
			continue
		}
		n := fdb[i]
		if n.CacheInfo == nil {
			t.Errorf("%s: no cacheinfo", mac)
		}
		n.CacheInfo = nil
		// The bridge names itself in NDA_MASTER, not with NTF_MASTER.
		want := rt.Neighbour{Header: rt.NdMsg{Family: unix.AF_BRIDGE, Ifindex: vethb0, State: rt.NUDNoARP},
			LLAddr: neighMAC(t, mac), Master: uint32(br0)}
		if mac == "02:00:00:00:00:bb" {
			want.Header.Flags = rt.NTFSticky
		}
		if d := cmp.Diff(want, n, neighCmp); d != "" {
			t.Errorf("fdb %s (-want +got):\n%s", mac, d)
		}
	}
}

// TestNeighKernelReplaceDelete replaces and deletes entries, proxies and
// fdb entries, checking with ip and bridge.
func TestNeighKernelReplaceDelete(t *testing.T) {
	ns := neighNewNS(t)
	neighSetup(t, ns)
	ctx := neighCtx(t)
	veth0 := ns.ifindex(t, "veth0")
	n := rt.Neighbour{Header: rt.NdMsg{Family: unix.AF_INET, Ifindex: veth0, State: rt.NUDPermanent},
		Dst: netip.MustParseAddr("10.0.0.2"), LLAddr: neighMAC(t, "02:00:00:00:00:02")}
	if err := ns.c.ReplaceNeighbour(ctx, &n); err != nil {
		t.Fatalf("replace creates: %v", err)
	}
	n.LLAddr = neighMAC(t, "02:00:00:00:00:22")
	if err := ns.c.AddNeighbour(ctx, &n); !errors.Is(err, unix.EEXIST) {
		t.Errorf("add again: %v, want EEXIST", err)
	}
	if e := neighShow(t, ns, "10.0.0.2"); e.str("lladdr") != "02:00:00:00:00:02" {
		t.Errorf("after a failed add, ip shows %v, want lladdr 02:00:00:00:00:02", e)
	}
	if err := ns.c.ReplaceNeighbour(ctx, &n); err != nil {
		t.Fatal(err)
	}
	if e := neighShow(t, ns, "10.0.0.2"); e.str("lladdr") != "02:00:00:00:00:22" {
		t.Errorf("after replace, ip shows %v, want lladdr 02:00:00:00:00:22", e)
	}

	// Delete an entry made by ip, as read back.
	ns.run(t, "ip", "-6", "neigh", "add", "2001:db8::2", "lladdr", "02:00:00:00:00:12", "dev", "veth0", "nud", "permanent")
	all, err := ns.c.Neighbours(ctx, unix.AF_INET6)
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range all {
		if n.Header.Family != unix.AF_INET6 {
			t.Errorf("Neighbours(AF_INET6) gave %+v", n)
		}
	}
	v6 := neighFind(all, netip.MustParseAddr("2001:db8::2"), veth0)
	if v6 == nil {
		t.Fatal("Neighbours(AF_INET6): no 2001:db8::2")
	}
	for _, del := range []*rt.Neighbour{&n, v6} {
		if err := ns.c.DeleteNeighbour(ctx, del); err != nil {
			t.Fatal(err)
		}
		if e := neighShow(t, ns, del.Dst.String()); e != nil {
			t.Errorf("after delete, ip shows %v", e)
		}
	}
	err = ns.c.DeleteNeighbour(ctx, &n)
	if !errors.Is(err, unix.ENOENT) || !strings.Contains(err.Error(), "delete neighbour 10.0.0.2") {
		t.Errorf("delete again: %v, want ENOENT naming the request", err)
	}

	// Proxy.
	ns.run(t, "ip", "neigh", "add", "proxy", "10.0.0.99", "dev", "veth0")
	proxies, err := ns.c.ProxyNeighbours(ctx, unix.AF_INET)
	if err != nil || len(proxies) != 1 {
		t.Fatalf("ProxyNeighbours: %v, %v", proxies, err)
	}
	if err := ns.c.DeleteNeighbour(ctx, &proxies[0]); err != nil {
		t.Fatal(err)
	}
	if out := ns.run(t, "ip", "neigh", "show", "proxy"); len(strings.TrimSpace(string(out))) != 0 {
		t.Errorf("after delete, ip neigh show proxy: %s", out)
	}

	// Bridge fdb.
	ns.run(t, "bridge", "fdb", "add", "02:00:00:00:00:aa", "dev", "vethb0", "master", "static")
	fdb, err := ns.c.Neighbours(ctx, unix.AF_BRIDGE)
	if err != nil {
		t.Fatal(err)
	}
	i := slices.IndexFunc(fdb, func(n rt.Neighbour) bool { return n.LLAddr.String() == "02:00:00:00:00:aa" })
	if i < 0 {
		t.Fatal("Neighbours(AF_BRIDGE): no 02:00:00:00:00:aa")
	}
	if err := ns.c.DeleteNeighbour(ctx, &fdb[i]); err != nil {
		t.Fatal(err)
	}
	if out := ns.run(t, "bridge", "fdb", "show", "dev", "vethb0"); strings.Contains(string(out), "02:00:00:00:00:aa") {
		t.Errorf("after delete, bridge fdb shows:\n%s", out)
	}
}

// TestNeighKernelErrors checks that failures carry the kernel's errno and
// name the request.
func TestNeighKernelErrors(t *testing.T) {
	ns := neighNewNS(t)
	neighSetup(t, ns)
	ctx := neighCtx(t)
	veth0 := ns.ifindex(t, "veth0")
	mac := neighMAC(t, "02:00:00:00:00:02")
	for _, tc := range []struct {
		name string
		n    rt.Neighbour
		do   func(context.Context, *rt.Neighbour) error
		want unix.Errno
		what string
	}{
		{"no such device", rt.Neighbour{Header: rt.NdMsg{Family: unix.AF_INET, Ifindex: 999, State: rt.NUDPermanent}, Dst: netip.MustParseAddr("10.0.0.2"), LLAddr: mac},
			ns.c.AddNeighbour, unix.ENODEV, "add neighbour 10.0.0.2 lladdr 02:00:00:00:00:02 on ifindex 999"},
		{"no destination", rt.Neighbour{Header: rt.NdMsg{Family: unix.AF_INET, Ifindex: veth0, State: rt.NUDPermanent}, LLAddr: mac},
			ns.c.AddNeighbour, unix.EINVAL, "add neighbour (family 2)"},
		{"short link-layer address", rt.Neighbour{Header: rt.NdMsg{Family: unix.AF_INET, Ifindex: veth0, State: rt.NUDPermanent}, Dst: netip.MustParseAddr("10.0.0.2"), LLAddr: mac[:3]},
			ns.c.AddNeighbour, unix.EINVAL, "add neighbour 10.0.0.2 lladdr 02:00:00 on ifindex"},
		{"no such family", rt.Neighbour{Header: rt.NdMsg{Family: 99, Ifindex: veth0, State: rt.NUDPermanent}, Dst: netip.MustParseAddr("10.0.0.2"), LLAddr: mac},
			ns.c.AddNeighbour, unix.EAFNOSUPPORT, "add neighbour 10.0.0.2"},
		{"delete missing", rt.Neighbour{Header: rt.NdMsg{Family: unix.AF_INET6, Ifindex: veth0}, Dst: netip.MustParseAddr("2001:db8::7")},
			ns.c.DeleteNeighbour, unix.ENOENT, "delete neighbour 2001:db8::7 on ifindex"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.do(ctx, &tc.n)
			if !errors.Is(err, tc.want) {
				t.Fatalf("got %v, want %v", err, tc.want)
			}
			if !strings.Contains(err.Error(), tc.what) {
				t.Errorf("error %q does not say %q", err, tc.what)
			}
		})
	}
	if _, err := ns.c.Neighbours(ctx, unix.AF_INET); err != nil {
		t.Errorf("the Conn does not work after the errors: %v", err)
	}
}

// TestNeighRuleKernelStrict lists neighbours, proxies, the fdb and rules
// on a socket with strict checking (NETLINK_GET_STRICT_CHK), under which
// the kernel rejects dump requests with stray header fields.
func TestNeighRuleKernelStrict(t *testing.T) {
	ns := neighNewNS(t)
	neighSetup(t, ns)
	ns.script(t, `ip neigh add 10.0.0.2 lladdr 02:00:00:00:00:02 dev veth0 nud permanent
ip neigh add proxy 10.0.0.99 dev veth0`)
	ctx := neighCtx(t)
	c, err := rt.Dial(&socket.Config{NetNSFD: ns.fd, Strict: true})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	veth0 := ns.ifindex(t, "veth0")
	got, err := c.Neighbours(ctx, unix.AF_INET)
	if err != nil || neighFind(got, netip.MustParseAddr("10.0.0.2"), veth0) == nil {
		t.Errorf("Neighbours: %v, %v; want 10.0.0.2", got, err)
	}
	proxies, err := c.ProxyNeighbours(ctx, unix.AF_INET)
	if err != nil || neighFind(proxies, netip.MustParseAddr("10.0.0.99"), veth0) == nil {
		t.Errorf("ProxyNeighbours: %v, %v; want 10.0.0.99", proxies, err)
	}
	if fdb, err := c.Neighbours(ctx, unix.AF_BRIDGE); err != nil || len(fdb) == 0 {
		t.Errorf("Neighbours(AF_BRIDGE): %v, %v; want the bridge's entries", fdb, err)
	}
	rules, err := c.Rules(ctx, unix.AF_INET)
	if d := cmp.Diff(ruleDefaults(unix.AF_INET), rules, neighCmp); err != nil || d != "" {
		t.Errorf("Rules: %v (-want +got):\n%s", err, d)
	}
}
