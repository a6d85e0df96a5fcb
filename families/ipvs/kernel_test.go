package ipvs_test

// Every Client method against the VM's kernel (see vm_test.go).

import (
	"encoding/binary"
	"errors"
	"net"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"golang.org/x/sys/unix"

	"github.com/nlstruct/nlstruct/families/genl"
	"github.com/nlstruct/nlstruct/families/ipvs"
	"github.com/nlstruct/nlstruct/marshal"
	"github.com/nlstruct/nlstruct/socket"
)

// mask4 is an IPv4 netmask of the given length as Service.Netmask holds
// it.
func mask4(bits int) uint32 { return binary.NativeEndian.Uint32(net.CIDRMask(bits, 32)) }

// TestVMInfo checks Info against /proc/net/ip_vs and ipvsadm's header.
func TestVMInfo(t *testing.T) {
	c, ctx := setup(t)
	info, err := c.Info(ctx)
	if err != nil {
		t.Fatal(err)
	}
	v := info.Version
	want := "IP Virtual Server version " + itoa(uint64(v>>16&0xff)) + "." + itoa(uint64(v>>8&0xff)) + "." + itoa(uint64(v&0xff)) +
		" (size=" + itoa(uint64(info.ConnTableSize)) + ")"
	proc, err := os.ReadFile("/proc/net/ip_vs")
	if err != nil {
		t.Fatal(err)
	}
	if first, _, _ := strings.Cut(string(proc), "\n"); first != want {
		t.Errorf("/proc/net/ip_vs says %q, Info %+v says %q", first, info, want)
	}
	out := ipvsadm(t, "-Ln")
	if first, _, _ := strings.Cut(out, "\n"); first != want {
		t.Errorf("ipvsadm says %q, Info %+v says %q", first, info, want)
	}
	if v != 0x010201 || info.ConnTableSize == 0 {
		t.Errorf("Info = %+v, want version 1.2.1 and a table size", info)
	}
}

// serviceCases are a TCP, UDP and SCTP service for each address family,
// and a firewall-mark service for each, with a masquerading, a routing and
// a tunnelling destination.
func serviceCases() []struct {
	name             string
	s                *ipvs.Service
	masq, route, tun string
	mask             uint32
} {
	type tc = struct {
		name             string
		s                *ipvs.Service
		masq, route, tun string
		mask             uint32
	}
	v4 := func(name string, s *ipvs.Service) tc {
		return tc{name, s, "10.200.0.2:8080", "10.200.0.3:80", "10.200.0.4:80", mask4(24)}
	}
	v6 := func(name string, s *ipvs.Service) tc {
		return tc{name, s, "[fd00:200::2]:8080", "[fd00:200::3]:80", "[fd00:200::4]:80", 64}
	}
	return []tc{
		v4("TCP4", service(unix.IPPROTO_TCP, "10.0.1.1:80", "wlc")),
		v4("UDP4", service(unix.IPPROTO_UDP, "10.0.1.1:80", "wlc")),
		v4("SCTP4", service(unix.IPPROTO_SCTP, "10.0.1.1:80", "wlc")),
		v6("TCP6", service(unix.IPPROTO_TCP, "[fd00:1::1]:80", "wlc")),
		v6("UDP6", service(unix.IPPROTO_UDP, "[fd00:1::1]:80", "wlc")),
		v6("SCTP6", service(unix.IPPROTO_SCTP, "[fd00:1::1]:80", "wlc")),
		v4("FWMark4", fwmarkService(unix.AF_INET, 1, "wlc")),
		v6("FWMark6", fwmarkService(unix.AF_INET6, 2, "wlc")),
	}
}

// TestVMServices runs every service and destination method on each kind
// of service.
func TestVMServices(t *testing.T) {
	c, ctx := setup(t)
	for _, tc := range serviceCases() {
		t.Run(tc.name, func(t *testing.T) {
			s := tc.s
			if err := c.NewService(ctx, s); err != nil {
				t.Fatal(err)
			}
			got, err := c.Service(ctx, s)
			if err != nil {
				t.Fatal(err)
			}
			checkService(t, got, wantService(s))
			all, err := c.Services(ctx)
			if err != nil {
				t.Fatal(err)
			}
			checkService(t, findService(all, s), wantService(s))
			if err := c.NewService(ctx, s); !errors.Is(err, unix.EEXIST) {
				t.Errorf("creating it again: %v, want EEXIST", err)
			}

			// Every setting at once.
			u := *s
			u.Scheduler, u.Flags, u.Timeout, u.Netmask = "rr", ipvs.Flags{Flags: ipvs.SvcPersistent}, 120, tc.mask
			if err := c.UpdateService(ctx, &u); err != nil {
				t.Fatal(err)
			}
			got, err = c.Service(ctx, s)
			if err != nil {
				t.Fatal(err)
			}
			checkService(t, got, wantService(&u))
			// Flags with a mask change only the masked flags: set
			// one-packet scheduling, keep persistence.
			u.Flags = ipvs.Flags{Flags: ipvs.SvcOnePacket, Mask: ipvs.SvcOnePacket}
			if err := c.UpdateService(ctx, &u); err != nil {
				t.Fatal(err)
			}
			got, err = c.Service(ctx, s)
			if err != nil {
				t.Fatal(err)
			}
			u.Flags = ipvs.Flags{Flags: ipvs.SvcPersistent | ipvs.SvcOnePacket}
			checkService(t, got, wantService(&u))

			masq, route, tun := dest(tc.masq, ipvs.Masquerade, 1), dest(tc.route, ipvs.Route, 2), dest(tc.tun, ipvs.Tunnel, 3)
			masq.UpperThresh, masq.LowerThresh = 100, 10
			for _, d := range []*ipvs.Destination{masq, route, tun} {
				if err := c.NewDestination(ctx, s, d); err != nil {
					t.Fatalf("new destination %v: %v", d.Addr(s.AF), err)
				}
			}
			ds, err := c.Destinations(ctx, s)
			if err != nil {
				t.Fatal(err)
			}
			checkDests(t, s, ds, wantDest(s, masq), wantDest(s, route), wantDest(s, tun))

			masq.Weight, masq.UpperThresh, masq.LowerThresh = 70000, 0, 0
			if err := c.UpdateDestination(ctx, s, masq); err != nil {
				t.Fatal(err)
			}
			// Route to tunnel (GUE): the forwarding method and the
			// tunnel settings change.
			route.FwdMethod, route.TunType, route.TunPort, route.TunFlags = ipvs.Tunnel, ipvs.TunnelGUE, 6080, ipvs.TunnelChecksum
			if err := c.UpdateDestination(ctx, s, route); err != nil {
				t.Fatal(err)
			}
			ds, err = c.Destinations(ctx, s)
			if err != nil {
				t.Fatal(err)
			}
			checkDests(t, s, ds, wantDest(s, masq), wantDest(s, route), wantDest(s, tun))

			if err := c.DeleteDestination(ctx, s, tun); err != nil {
				t.Fatal(err)
			}
			ds, err = c.Destinations(ctx, s)
			if err != nil {
				t.Fatal(err)
			}
			checkDests(t, s, ds, wantDest(s, masq), wantDest(s, route))

			if err := c.DeleteService(ctx, s); err != nil {
				t.Fatal(err)
			}
			if _, err := c.Service(ctx, s); !errors.Is(err, unix.ESRCH) {
				t.Errorf("get after delete: %v, want ESRCH", err)
			}
			all, err = c.Services(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if findService(all, s) != nil {
				t.Errorf("the deleted service is still listed: %+v", all)
			}
		})
	}
}

// forwardCases are a destination for every forwarding method and tunnel
// setting the kernel has, at addresses in the VM's dummy0 subnet (prefix
// "10.200.0." or "fd00:200::").
func forwardCases(v6 bool) []*ipvs.Destination {
	at := func(n, port string) string {
		if v6 {
			return "[fd00:200::" + n + "]:" + port
		}
		return "10.200.0." + n + ":" + port
	}
	tunnel := func(n string, tt ipvs.TunnelType, port, flags uint16) *ipvs.Destination {
		d := dest(at(n, "80"), ipvs.Tunnel, 1)
		d.TunType, d.TunPort, d.TunFlags = tt, port, flags
		return d
	}
	return []*ipvs.Destination{
		dest(at("2", "8080"), ipvs.Masquerade, 1),
		dest(at("3", "80"), ipvs.Route, 1),
		tunnel("4", ipvs.TunnelIPIP, 0, 0),
		tunnel("5", ipvs.TunnelGUE, 6080, ipvs.TunnelNoChecksum),
		tunnel("6", ipvs.TunnelGUE, 6081, ipvs.TunnelChecksum),
		tunnel("7", ipvs.TunnelGUE, 6082, ipvs.TunnelRemoteChecksum),
		tunnel("8", ipvs.TunnelGRE, 0, ipvs.TunnelNoChecksum),
		tunnel("9", ipvs.TunnelGRE, 0, ipvs.TunnelChecksum),
		// The VM's own address, handed to the local stack.
		dest(at("1", "80"), ipvs.LocalNode, 1),
	}
}

// TestVMForwarding adds a destination with every forwarding method and
// tunnel setting to an IPv4 and an IPv6 service.
func TestVMForwarding(t *testing.T) {
	c, ctx := setup(t)
	for _, s := range []*ipvs.Service{service(unix.IPPROTO_TCP, "10.0.2.1:80", "rr"), service(unix.IPPROTO_TCP, "[fd00:2::1]:80", "rr")} {
		t.Run(svcName(s), func(t *testing.T) {
			if err := c.NewService(ctx, s); err != nil {
				t.Fatal(err)
			}
			var want []ipvs.Destination
			for _, d := range forwardCases(s.AF == unix.AF_INET6) {
				if err := c.NewDestination(ctx, s, d); err != nil {
					t.Errorf("new destination %+v: %v", d, err)
					continue
				}
				want = append(want, wantDest(s, d))
			}
			ds, err := c.Destinations(ctx, s)
			if err != nil {
				t.Fatal(err)
			}
			checkDests(t, s, ds, want...)
		})
	}
}

// TestVMMixedFamily checks the kernel's rule that only tunnels may lead
// to the other address family.
func TestVMMixedFamily(t *testing.T) {
	c, ctx := setup(t)
	s4, s6 := service(unix.IPPROTO_UDP, "10.0.3.1:53", "rr"), service(unix.IPPROTO_UDP, "[fd00:3::1]:53", "rr")
	for _, s := range []*ipvs.Service{s4, s6} {
		if err := c.NewService(ctx, s); err != nil {
			t.Fatal(err)
		}
	}
	t6, t4 := dest("[fd00:200::9]:53", ipvs.Tunnel, 1), dest("10.200.0.9:53", ipvs.Tunnel, 1)
	t6.TunType, t6.TunPort = ipvs.TunnelGUE, 6080
	if err := c.NewDestination(ctx, s4, t6); err != nil {
		t.Fatal(err)
	}
	if err := c.NewDestination(ctx, s6, t4); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		s *ipvs.Service
		d *ipvs.Destination
	}{{s4, t6}, {s6, t4}} {
		ds, err := c.Destinations(ctx, tc.s)
		if err != nil {
			t.Fatal(err)
		}
		checkDests(t, tc.s, ds, wantDest(tc.s, tc.d))
	}
	err := c.NewDestination(ctx, s4, dest("[fd00:200::8]:53", ipvs.Masquerade, 1))
	checkKernelError(t, err, unix.EINVAL, "new destination")
	// While a destination leads to the other family, the kernel refuses
	// to start a sync daemon.
	err = c.NewDaemon(ctx, &ipvs.Daemon{State: ipvs.StateMaster, McastIfn: "dummy0", SyncID: 1})
	checkKernelError(t, err, unix.EINVAL, "start daemon")
}

// knownSchedulers are every scheduler name Linux has had.
var knownSchedulers = []string{"rr", "wrr", "lc", "wlc", "lblc", "lblcr", "dh", "sh", "sed", "nq", "fo", "ovf", "mh", "twos"}

// shippedSchedulers lists the kernel's ip_vs_*.ko* modules that are
// schedulers (not the core, an application helper or a persistence
// engine).
func shippedSchedulers(t *testing.T) map[string]bool {
	var uts unix.Utsname
	if err := unix.Uname(&uts); err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join("/lib/modules", unix.ByteSliceToString(uts.Release[:]), "kernel/net/netfilter/ipvs")
	files, err := filepath.Glob(filepath.Join(dir, "ip_vs_*.ko*"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no IPVS modules in %s (%v)", dir, err)
	}
	out := map[string]bool{}
	for _, f := range files {
		name, _, _ := strings.Cut(strings.TrimPrefix(filepath.Base(f), "ip_vs_"), ".ko")
		if name == "ftp" || strings.HasPrefix(name, "pe_") {
			continue
		}
		out[name] = true
	}
	return out
}

func loadedModules(t *testing.T) map[string]bool {
	b, err := os.ReadFile("/proc/modules")
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]bool{}
	for line := range strings.Lines(string(b)) {
		if f := strings.Fields(line); len(f) > 0 {
			out[f[0]] = true
		}
	}
	return out
}

// TestVMSchedulers creates a service with every scheduler name: those the
// kernel ships must work (and ipvsadm must show them), the others must
// fail with ENOENT.
func TestVMSchedulers(t *testing.T) {
	c, ctx := setup(t)
	shipped := shippedSchedulers(t)
	loaded := loadedModules(t)
	names := slices.Clone(knownSchedulers)
	for n := range shipped {
		if !slices.Contains(names, n) {
			t.Errorf("the kernel ships scheduler %q, which the test does not know", n)
			names = append(names, n)
		}
	}
	t.Logf("the kernel ships the schedulers %v", slices.Sorted(func(yield func(string) bool) {
		for n := range shipped {
			if !yield(n) {
				return
			}
		}
	}))
	for i, name := range append(names, "none") {
		s := service(unix.IPPROTO_TCP, "10.0.4.1:"+itoa(uint64(1000+i)), name)
		err := c.NewService(ctx, s)
		if !shipped[name] && name != "none" {
			checkKernelError(t, err, unix.ENOENT, "new service")
			continue
		}
		if name != "none" && !loaded["ip_vs_"+name] {
			t.Errorf("ip_vs_%s is shipped but not loaded", name)
		}
		if err != nil {
			t.Errorf("scheduler %s: %v", name, err)
			continue
		}
		got, err := c.Service(ctx, s)
		if err != nil {
			t.Fatal(err)
		}
		checkService(t, got, wantService(s))
		adm := parseList(t, ipvsadm(t, "-Ln", "--exact", "-t", netip.AddrPortFrom(s.Addr(), s.Port).String()))
		if len(adm) != 1 || adm[0].Sched != name {
			t.Errorf("ipvsadm lists %+v, want one service with scheduler %s", adm, name)
		}
	}
	// The scheduler flags of sh and mh.
	for i, name := range []string{"sh", "mh"} {
		if !shipped[name] {
			continue
		}
		s := service(unix.IPPROTO_UDP, "10.0.4.2:"+itoa(uint64(2000+i)), name)
		s.Flags.Flags = ipvs.SvcSHFallback | ipvs.SvcSHPort
		if err := c.NewService(ctx, s); err != nil {
			t.Fatal(err)
		}
		got, err := c.Service(ctx, s)
		if err != nil {
			t.Fatal(err)
		}
		checkService(t, got, wantService(s))
		adm := parseList(t, ipvsadm(t, "-Ln", "--exact", "-u", netip.AddrPortFrom(s.Addr(), s.Port).String()))
		if want := []string{name + "-fallback", name + "-port"}; len(adm) != 1 || !slices.Equal(adm[0].SchedFlags, want) {
			t.Errorf("ipvsadm lists %+v, want scheduler flags %v", adm, want)
		}
	}
}

// TestVMTimeouts sets and reads the timeouts, and checks them with
// ipvsadm.
func TestVMTimeouts(t *testing.T) {
	c, ctx := setup(t)
	check := func(want ipvs.Timeouts) {
		t.Helper()
		got, err := c.Timeouts(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if got != want {
			t.Errorf("Timeouts = %+v, want %+v", got, want)
		}
		adm := strings.TrimSpace(ipvsadm(t, "-Ln", "--timeout"))
		if w := "Timeout (tcp tcpfin udp): " + itoa(uint64(want.TCP)) + " " + itoa(uint64(want.TCPFin)) + " " + itoa(uint64(want.UDP)); adm != w {
			t.Errorf("ipvsadm: %q, want %q", adm, w)
		}
	}
	check(defaultTimeouts)
	if err := c.SetTimeouts(ctx, ipvs.Timeouts{TCP: 100, TCPFin: 20, UDP: 30}); err != nil {
		t.Fatal(err)
	}
	check(ipvs.Timeouts{TCP: 100, TCPFin: 20, UDP: 30})
	// Zero leaves a timeout as it is.
	if err := c.SetTimeouts(ctx, ipvs.Timeouts{UDP: 45}); err != nil {
		t.Fatal(err)
	}
	check(ipvs.Timeouts{TCP: 100, TCPFin: 20, UDP: 45})
	if err := c.SetTimeouts(ctx, ipvs.Timeouts{}); err != nil {
		t.Fatal(err)
	}
	check(ipvs.Timeouts{TCP: 100, TCPFin: 20, UDP: 45})
}

// TestVMDaemons starts, lists and stops sync daemons.
func TestVMDaemons(t *testing.T) {
	c, ctx := setup(t)
	list := func() []ipvs.Daemon {
		t.Helper()
		ds, err := c.Daemons(ctx)
		if err != nil {
			t.Fatal(err)
		}
		return ds
	}
	if ds := list(); len(ds) != 0 {
		t.Fatalf("daemons before starting any: %+v", ds)
	}
	// The kernel's defaults: group 224.0.0.81, port 8848, TTL 1, and the
	// largest payload dummy0's MTU (1500) allows.
	master := ipvs.Daemon{State: ipvs.StateMaster, McastIfn: "dummy0", SyncID: 7}
	if err := c.NewDaemon(ctx, &master); err != nil {
		t.Fatal(err)
	}
	wantMaster := master
	wantMaster.SyncMaxLen, wantMaster.McastPort, wantMaster.McastTTL, wantMaster.McastGroup = 1500-20-8, 8848, 1, 0xe0000051
	backup := ipvs.Daemon{State: ipvs.StateBackup, McastIfn: "dummy0", SyncID: 8, SyncMaxLen: 1024, McastGroup: 0xe0000063, McastPort: 9000, McastTTL: 5}
	if err := c.NewDaemon(ctx, &backup); err != nil {
		t.Fatal(err)
	}
	ds := list()
	if d := cmp.Diff([]ipvs.Daemon{wantMaster, backup}, ds); d != "" {
		t.Errorf("daemons (-want +got):\n%s", d)
	}
	if len(ds) == 2 {
		if g, ok := ds[1].Group(); !ok || g != netip.MustParseAddr("224.0.0.99") {
			t.Errorf("backup's group: %v %v", g, ok)
		}
	}
	if err := c.NewDaemon(ctx, &master); !errors.Is(err, unix.EEXIST) {
		t.Errorf("starting the master again: %v, want EEXIST", err)
	}
	if err := c.DeleteDaemon(ctx, ipvs.StateMaster); err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff([]ipvs.Daemon{backup}, list()); d != "" {
		t.Errorf("daemons after stopping the master (-want +got):\n%s", d)
	}
	if err := c.DeleteDaemon(ctx, ipvs.StateBackup); err != nil {
		t.Fatal(err)
	}
	checkKernelError(t, c.DeleteDaemon(ctx, ipvs.StateBackup), unix.ESRCH, "stop daemon")

	// Stopped at once after it starts, before its thread has run, a
	// daemon stops but the kernel sends no answer (see DeleteDaemon).
	for i := range 5 {
		d := ipvs.Daemon{State: ipvs.StateMaster, McastIfn: "dummy0", SyncID: uint32(20 + i)}
		if err := c.NewDaemon(ctx, &d); err != nil {
			t.Fatal(err)
		}
		start := time.Now()
		if err := c.DeleteDaemon(ctx, ipvs.StateMaster); err != nil {
			t.Fatalf("stopping a daemon just started: %v", err)
		}
		if took := time.Since(start); took > 5*time.Second {
			t.Errorf("stopping a daemon just started took %v", took)
		}
		if ds := list(); len(ds) != 0 {
			t.Fatalf("daemons after stopping: %+v", ds)
		}
	}

	// An IPv6 group: the payload is 20 bytes smaller.
	m6 := ipvs.Daemon{State: ipvs.StateMaster, McastIfn: "dummy0", SyncID: 9, McastGroup6: netip.MustParseAddr("ff02::51").As16()}
	if err := c.NewDaemon(ctx, &m6); err != nil {
		t.Fatal(err)
	}
	want6 := m6
	want6.SyncMaxLen, want6.McastPort, want6.McastTTL = 1500-40-8, 8848, 1
	ds = list()
	if d := cmp.Diff([]ipvs.Daemon{want6}, ds); d != "" {
		t.Errorf("IPv6 daemon (-want +got):\n%s", d)
	}
	if len(ds) == 1 {
		if g, ok := ds[0].Group(); !ok || g != netip.MustParseAddr("ff02::51") {
			t.Errorf("IPv6 group: %v %v", g, ok)
		}
	}
}

// TestVMCounters sends traffic through two services and checks their
// counters, then zeroes one and then all.
func TestVMCounters(t *testing.T) {
	c, ctx := setup(t)
	a, b := service(unix.IPPROTO_UDP, "10.0.5.1:53", "rr"), service(unix.IPPROTO_UDP, "10.0.5.2:53", "rr")
	a.Flags.Flags, a.Timeout = ipvs.SvcPersistent, 100
	da, db := dest("10.200.0.2:5353", ipvs.Masquerade, 1), dest("10.200.0.3:5353", ipvs.Masquerade, 1)
	for _, p := range []struct {
		s *ipvs.Service
		d *ipvs.Destination
	}{{a, da}, {b, db}} {
		if err := c.NewService(ctx, p.s); err != nil {
			t.Fatal(err)
		}
		if err := c.NewDestination(ctx, p.s, p.d); err != nil {
			t.Fatal(err)
		}
	}
	payload := []byte("hello world")
	sendUDP(t, "10.0.5.1:53", 3, payload)
	sendUDP(t, "10.0.5.2:53", 2, payload)
	bytesPer := uint64(20 + 8 + len(payload)) // IPv4 and UDP headers
	for _, p := range []struct {
		s               *ipvs.Service
		n               uint64
		persist, inact  uint32
		wantPersistConn uint32
	}{{a, 3, 1, 3, 1}, {b, 2, 0, 2, 0}} {
		got := waitCounted(t, c, p.s, p.n)
		st := got.Stats64
		if st.Conns != p.n || st.InPkts != p.n || st.InBytes != p.n*bytesPer || st.OutPkts != 0 || st.OutBytes != 0 {
			t.Errorf("%s: counters %+v, want %d connections, packets and %d bytes in", svcName(p.s), *st, p.n, p.n*bytesPer)
		}
		s32 := got.Stats
		if uint64(s32.Conns) != st.Conns || uint64(s32.InPkts) != st.InPkts || s32.InBytes != st.InBytes {
			t.Errorf("%s: 32-bit counters %+v differ from the 64-bit ones %+v", svcName(p.s), *s32, *st)
		}
		ds, err := c.Destinations(ctx, p.s)
		if err != nil || len(ds) != 1 {
			t.Fatalf("destinations: %+v, %v", ds, err)
		}
		d := ds[0]
		// UDP connections are inactive; a persistent service adds a
		// template.
		if d.InactConns != p.inact || d.ActiveConns != 0 || d.PersistConns != p.wantPersistConn {
			t.Errorf("%s: destination connections active %d inactive %d persistent %d, want 0 %d %d",
				svcName(p.s), d.ActiveConns, d.InactConns, d.PersistConns, p.inact, p.wantPersistConn)
		}
		if d.Stats64.Conns != p.n || d.Stats64.InPkts != p.n || d.Stats64.InBytes != p.n*bytesPer {
			t.Errorf("%s: destination counters %+v", svcName(p.s), *d.Stats64)
		}
	}
	// Counters agree with ipvsadm's.
	checkStatsWithIpvsadm(t, c)

	zeroed := func(s *ipvs.Service) bool {
		t.Helper()
		got, err := c.Service(ctx, s)
		if err != nil {
			t.Fatal(err)
		}
		ds, err := c.Destinations(ctx, s)
		if err != nil {
			t.Fatal(err)
		}
		z := *got.Stats64 == ipvs.Stats64{} && *got.Stats == ipvs.Stats{}
		for _, d := range ds {
			z = z && *d.Stats64 == ipvs.Stats64{} && *d.Stats == ipvs.Stats{}
		}
		return z
	}
	if err := c.Zero(ctx, a); err != nil {
		t.Fatal(err)
	}
	if !zeroed(a) || zeroed(b) {
		t.Errorf("after zeroing %s: zeroed %v, and %s zeroed %v", svcName(a), zeroed(a), svcName(b), zeroed(b))
	}
	if err := c.Zero(ctx, nil); err != nil {
		t.Fatal(err)
	}
	if !zeroed(a) || !zeroed(b) {
		t.Errorf("after zeroing all: %v %v", zeroed(a), zeroed(b))
	}
}

// TestVMFlush checks that Flush deletes every service.
func TestVMFlush(t *testing.T) {
	c, ctx := setup(t)
	for _, tc := range serviceCases() {
		if err := c.NewService(ctx, tc.s); err != nil {
			t.Fatal(err)
		}
		if err := c.NewDestination(ctx, tc.s, dest(tc.masq, ipvs.Masquerade, 1)); err != nil {
			t.Fatal(err)
		}
	}
	all, err := c.Services(ctx)
	if err != nil || len(all) != len(serviceCases()) {
		t.Fatalf("services: %d, %v; want %d", len(all), err, len(serviceCases()))
	}
	if err := c.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	if all, err := c.Services(ctx); err != nil || len(all) != 0 {
		t.Errorf("services after flush: %+v, %v", all, err)
	}
	if out := parseList(t, ipvsadm(t, "-Ln")); len(out) != 0 {
		t.Errorf("ipvsadm lists %+v after flush", out)
	}
	if err := c.Flush(ctx); err != nil {
		t.Errorf("flushing an empty table: %v", err)
	}
}

// checkKernelError checks that err is the kernel's errno for operation op
// (the text names the operation), with the field named when the kernel
// gave an offset (IPVS parses its nested attributes without extended
// ACKs, so it gives none here).
func checkKernelError(t *testing.T, err error, errno unix.Errno, op string) {
	t.Helper()
	if err == nil {
		t.Errorf("%s: no error, want %v", op, errno)
		return
	}
	var se *socket.Error
	if !errors.As(err, &se) {
		t.Errorf("%s: %v (%T) is not a *socket.Error", op, err, err)
		return
	}
	if se.Errno != errno || !errors.Is(err, errno) {
		t.Errorf("%s: errno %v (%v), want %v", op, se.Errno, err, errno)
	}
	if !strings.HasPrefix(err.Error(), "ipvs: "+op+": ") {
		t.Errorf("error %q does not name the operation %q", err, op)
	}
	if se.Offset >= 0 && se.Field == "" {
		t.Errorf("%s: the kernel gave offset %d but the error names no field: %v", op, se.Offset, err)
	}
	if se.Offset < 0 && se.Field != "" {
		t.Errorf("%s: a field (%s) without an offset: %v", op, se.Field, err)
	}
}

// TestVMErrors checks what the kernel rejects and how it is reported.
func TestVMErrors(t *testing.T) {
	c, ctx := setup(t)
	s := service(unix.IPPROTO_TCP, "10.0.6.1:80", "rr")
	missing := service(unix.IPPROTO_TCP, "10.0.6.1:81", "rr")
	if err := c.NewService(ctx, s); err != nil {
		t.Fatal(err)
	}
	d := dest("10.200.0.2:80", ipvs.Masquerade, 1)
	if err := c.NewDestination(ctx, s, d); err != nil {
		t.Fatal(err)
	}
	bad := func(mod func(*ipvs.Service)) *ipvs.Service {
		x := *missing
		mod(&x)
		return &x
	}
	badDest := func(mod func(*ipvs.Destination)) *ipvs.Destination {
		x := *dest("10.200.0.3:80", ipvs.Masquerade, 1)
		mod(&x)
		return &x
	}
	for _, tc := range []struct {
		name  string
		err   error
		errno unix.Errno
		op    string
	}{
		// No such scheduler or persistence engine (module): ENOENT.
		{"unknown scheduler", c.NewService(ctx, bad(func(x *ipvs.Service) { x.Scheduler = "nosuch" })), unix.ENOENT, "new service"},
		{"unknown persistence engine", c.NewService(ctx, bad(func(x *ipvs.Service) { x.PEName = "nosuch" })), unix.ENOENT, "new service"},
		{"unknown scheduler on update", c.UpdateService(ctx, bad(func(x *ipvs.Service) { *x = *s; x.Scheduler = "nosuch" })), unix.ENOENT, "set service"},
		{"duplicate service", c.NewService(ctx, s), unix.EEXIST, "new service"},
		{"address family", c.NewService(ctx, bad(func(x *ipvs.Service) { x.AF = 7 })), unix.EAFNOSUPPORT, "new service"},
		// No such service: ESRCH.
		{"destination for a missing service", c.NewDestination(ctx, missing, d), unix.ESRCH, "new destination"},
		{"update a missing service", c.UpdateService(ctx, missing), unix.ESRCH, "set service"},
		{"delete a missing service", c.DeleteService(ctx, missing), unix.ESRCH, "delete service"},
		{"get a missing service", getErr(c.Service(ctx, missing)), unix.ESRCH, "get service"},
		{"zero a missing service", c.Zero(ctx, missing), unix.ESRCH, "zero"},
		// No such destination: ENOENT.
		{"update a missing destination", c.UpdateDestination(ctx, s, badDest(func(*ipvs.Destination) {})), unix.ENOENT, "set destination"},
		{"delete a missing destination", c.DeleteDestination(ctx, s, badDest(func(*ipvs.Destination) {})), unix.ENOENT, "delete destination"},
		{"duplicate destination", c.NewDestination(ctx, s, d), unix.EEXIST, "new destination"},
		{"lower threshold above upper", c.NewDestination(ctx, s, badDest(func(x *ipvs.Destination) { x.UpperThresh, x.LowerThresh = 10, 20 })), unix.ERANGE, "new destination"},
		{"GUE without a port", c.NewDestination(ctx, s, badDest(func(x *ipvs.Destination) { x.FwdMethod, x.TunType = ipvs.Tunnel, ipvs.TunnelGUE })), unix.EINVAL, "new destination"},
		{"stop a daemon that is not running", c.DeleteDaemon(ctx, ipvs.StateBackup), unix.ESRCH, "stop daemon"},
		{"daemon on a missing interface", c.NewDaemon(ctx, &ipvs.Daemon{State: ipvs.StateMaster, McastIfn: "nosuch0", SyncID: 1}), unix.ENODEV, "start daemon"},
		{"daemon group not multicast", c.NewDaemon(ctx, &ipvs.Daemon{State: ipvs.StateMaster, McastIfn: "dummy0", SyncID: 1, McastGroup: 0x0a000001}), unix.EINVAL, "start daemon"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			checkKernelError(t, tc.err, tc.errno, tc.op)
			t.Logf("%v", tc.err)
		})
	}

	// The kernel lists no destinations for a missing service, without
	// an error (ip_vs_genl_dump_dests ends the dump quietly).
	if ds, err := c.Destinations(ctx, missing); err != nil || len(ds) != 0 {
		t.Errorf("destinations of a missing service: %+v, %v", ds, err)
	}

	// What the tags forbid never reaches the kernel: the error names
	// the field.
	err := c.NewService(ctx, bad(func(x *ipvs.Service) { x.Scheduler = "a-very-long-name" }))
	var me *marshal.Error
	if !errors.As(err, &me) || !strings.Contains(err.Error(), "Scheduler") || !strings.HasPrefix(err.Error(), "ipvs: new service: ") {
		t.Errorf("a 16-byte scheduler name: %v (%T), want a marshal error naming Scheduler", err, err)
	}

	// A top-level attribute the kernel's policy rejects comes back with
	// an extended ACK whose offset names the Go field.
	type badConfig struct {
		TimeoutTCP uint16 `nl:"type=4"` // the kernel wants a u32
	}
	g, err := genl.Dial(nil)
	if err != nil {
		t.Fatal(err)
	}
	defer g.Close()
	_, err = g.Execute(ctx, ipvs.Family, genl.Request{Command: ipvs.CmdSetConfig, Body: &badConfig{TimeoutTCP: 5}})
	var se *socket.Error
	if !errors.As(err, &se) {
		t.Fatalf("a u16 timeout: %v (%T), want a *socket.Error", err, err)
	}
	if se.Offset < 0 || se.Field != "badConfig.TimeoutTCP" || !strings.Contains(err.Error(), "the kernel rejected badConfig.TimeoutTCP") {
		t.Errorf("a u16 timeout: %v (offset %d, field %q), want the field named", err, se.Offset, se.Field)
	}
	t.Logf("a u16 timeout: %v", err)
}

func getErr(_ *ipvs.Service, err error) error { return err }

// ipvsadm runs ipvsadm and returns its output.
func ipvsadm(t *testing.T, args ...string) string {
	t.Helper()
	out, err := exec.Command("ipvsadm", args...).CombinedOutput()
	if err != nil {
		t.Fatalf("ipvsadm %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return string(out)
}
