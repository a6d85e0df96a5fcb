package ipvs_test

// Cross-checks with Debian's ipvsadm, both ways, in the VM: what nlstruct
// creates, ipvsadm -Ln --exact lists field for field (its text output
// parsed here); what ipvsadm creates, nlstruct reads back field for field.

import (
	"encoding/binary"
	"net"
	"net/netip"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"golang.org/x/sys/unix"

	"github.com/nlstruct/nlstruct/families/ipvs"
)

// admService is one service of ipvsadm -L's output, field by field.
type admService struct {
	Proto      string // TCP, UDP, SCTP or FWM
	Addr       string // address:port, or an FWM service's mark
	IPv6       bool   // "IPv6" after an FWM mark
	Sched      string
	SchedFlags []string // the parenthesised list after the scheduler
	Persistent bool
	Timeout    string
	Mask       string
	PE         string
	OPS        bool
	Counters   []string // --stats and --rate: the five numbers
	Dests      []admDest
}

// admDest is one destination line: its address and the columns after it,
// as the listing's header names them.
type admDest struct {
	Addr string
	Cols []string
}

func allDigits(ss []string) bool {
	for _, s := range ss {
		if s == "" || strings.Trim(s, "0123456789") != "" {
			return false
		}
	}
	return len(ss) > 0
}

// parseList parses the output of ipvsadm -L (any of its formats).
func parseList(t *testing.T, out string) []admService {
	t.Helper()
	var svcs []admService
	for line := range strings.Lines(out) {
		line = strings.TrimRight(line, "\n")
		switch {
		case strings.TrimSpace(line) == "",
			strings.HasPrefix(line, "IP Virtual Server version"),
			strings.HasPrefix(line, "Prot LocalAddress:Port"),
			strings.Contains(line, "RemoteAddress:Port"):
			continue
		case strings.HasPrefix(line, "  -> "):
			f := strings.Fields(strings.TrimPrefix(line, "  -> "))
			if len(svcs) == 0 || len(f) == 0 {
				t.Fatalf("ipvsadm: a destination line outside a service: %q", line)
			}
			s := &svcs[len(svcs)-1]
			s.Dests = append(s.Dests, admDest{Addr: f[0], Cols: f[1:]})
			continue
		}
		f := strings.Fields(line)
		if len(f) < 2 {
			t.Fatalf("ipvsadm: cannot parse %q", line)
		}
		s := admService{Proto: f[0], Addr: f[1]}
		rest := f[2:]
		if s.Proto == "FWM" && len(rest) > 0 && rest[0] == "IPv6" {
			s.IPv6, rest = true, rest[1:]
		}
		if allDigits(rest) {
			s.Counters = rest
			svcs = append(svcs, s)
			continue
		}
		if len(rest) == 0 {
			t.Fatalf("ipvsadm: no scheduler in %q", line)
		}
		s.Sched, rest = rest[0], rest[1:]
		if len(rest) > 0 && strings.HasPrefix(rest[0], "(") {
			s.SchedFlags, rest = strings.Split(strings.Trim(rest[0], "()"), ","), rest[1:]
		}
		for len(rest) > 0 {
			switch {
			case rest[0] == "persistent" && len(rest) > 1:
				s.Persistent, s.Timeout, rest = true, rest[1], rest[2:]
			case rest[0] == "mask" && len(rest) > 1:
				s.Mask, rest = rest[1], rest[2:]
			case rest[0] == "pe" && len(rest) > 1:
				s.PE, rest = rest[1], rest[2:]
			case rest[0] == "ops":
				s.OPS, rest = true, rest[1:]
			default:
				t.Fatalf("ipvsadm: unknown %q in %q", rest[0], line)
			}
		}
		svcs = append(svcs, s)
	}
	return svcs
}

// listing is one of ipvsadm's -L formats and what its destination columns
// are, from nlstruct's values.
type listing struct {
	opt  string
	cols func(s *ipvs.Service, d *ipvs.Destination) []string
	// counters gives the service's counter columns (--stats, --rate);
	// nil for the formats that show the scheduler and flags.
	counters func(st *ipvs.Stats64) []string
}

func u(v uint64) string { return itoa(v) }

var listings = []listing{
	{opt: "--tun-info", cols: func(s *ipvs.Service, d *ipvs.Destination) []string {
		return []string{fwdName(d.FwdMethod), tunInfo(d), u(uint64(d.Weight)), u(uint64(d.ActiveConns)), u(uint64(d.InactConns))}
	}},
	{opt: "--thresholds", cols: func(s *ipvs.Service, d *ipvs.Destination) []string {
		return []string{u(uint64(d.UpperThresh)), u(uint64(d.LowerThresh)), u(uint64(d.ActiveConns)), u(uint64(d.InactConns))}
	}},
	{opt: "--persistent-conn", cols: func(s *ipvs.Service, d *ipvs.Destination) []string {
		return []string{u(uint64(d.Weight)), u(uint64(d.PersistConns)), u(uint64(d.ActiveConns)), u(uint64(d.InactConns))}
	}},
}

var counterListings = []listing{
	{opt: "--stats", counters: func(st *ipvs.Stats64) []string {
		return []string{u(st.Conns), u(st.InPkts), u(st.OutPkts), u(st.InBytes), u(st.OutBytes)}
	}},
	{opt: "--rate", counters: func(st *ipvs.Stats64) []string {
		return []string{u(st.CPS), u(st.InPPS), u(st.OutPPS), u(st.InBPS), u(st.OutBPS)}
	}},
}

// fwdName is ipvsadm's name of a forwarding method.
func fwdName(m ipvs.ForwardMethod) string {
	return map[ipvs.ForwardMethod]string{ipvs.Masquerade: "Masq", ipvs.LocalNode: "Local", ipvs.Tunnel: "Tunnel", ipvs.Route: "Route"}[m]
}

// tunInfo is ipvsadm's TunnelInfo column (fwd_tun_info): type, GUE port
// and checksum flag ("-c", "+c", "r+c": it names one flag, so the test
// sets one at a time).
func tunInfo(d *ipvs.Destination) string {
	if d.FwdMethod != ipvs.Tunnel {
		return "n/a"
	}
	flags := []string{"-c", "+c", "r+c"}[d.TunFlags]
	switch d.TunType {
	case ipvs.TunnelIPIP:
		return "ipip"
	case ipvs.TunnelGUE:
		return "gue:" + u(uint64(d.TunPort)) + ":" + flags
	}
	return "gre:" + flags
}

// schedFlagNames are ipvsadm's names of a scheduler's flags.
func schedFlagNames(sched string, flags uint32) []string {
	names := []string{"flag-1", "flag-2", "flag-3"}
	if sched == "sh" || sched == "mh" {
		names[0], names[1] = sched+"-fallback", sched+"-port"
	}
	var out []string
	for i, f := range []uint32{ipvs.SvcSched1, ipvs.SvcSched2, ipvs.SvcSched3} {
		if flags&f != 0 {
			out = append(out, names[i])
		}
	}
	return out
}

// admOf is how ipvsadm lists service s with destinations ds in format l.
func admOf(s *ipvs.Service, ds []ipvs.Destination, l listing) admService {
	a := admService{Proto: protoName(s.Protocol), Addr: netip.AddrPortFrom(s.Addr(), s.Port).String()}
	if s.FWMark != 0 {
		a.Proto, a.Addr, a.IPv6 = "FWM", u(uint64(s.FWMark)), s.AF == unix.AF_INET6
	}
	if l.counters != nil {
		a.Counters = l.counters(s.Stats64)
	} else {
		f := s.Flags.Flags
		a.Sched, a.SchedFlags = s.Scheduler, schedFlagNames(s.Scheduler, f)
		if f&ipvs.SvcPersistent != 0 {
			a.Persistent, a.Timeout, a.PE = true, u(uint64(s.Timeout)), s.PEName
			switch {
			case s.AF == unix.AF_INET && s.Netmask != ^uint32(0):
				var b [4]byte
				binary.NativeEndian.PutUint32(b[:], s.Netmask)
				a.Mask = net.IP(b[:]).String()
			case s.AF == unix.AF_INET6 && s.Netmask != 128:
				a.Mask = u(uint64(s.Netmask))
			}
		}
		a.OPS = f&ipvs.SvcOnePacket != 0
	}
	for i := range ds {
		d := &ds[i]
		ad := admDest{Addr: netip.AddrPortFrom(d.Addr(s.AF), d.Port).String()}
		if l.counters != nil {
			ad.Cols = l.counters(d.Stats64)
		} else {
			ad.Cols = l.cols(s, d)
		}
		a.Dests = append(a.Dests, ad)
	}
	return a
}

var admOrder = cmp.Options{
	cmpopts.SortSlices(func(a, b admService) bool { return a.Proto+a.Addr < b.Proto+b.Addr }),
	cmpopts.SortSlices(func(a, b admDest) bool { return a.Addr < b.Addr }),
	cmpopts.EquateEmpty(),
}

// state is services with their destinations.
type state struct {
	svcs  []ipvs.Service
	dests [][]ipvs.Destination
}

// readState reads every service and its destinations.
func readState(t *testing.T, c *ipvs.Client) state {
	t.Helper()
	ctx := testCtx(t)
	svcs, err := c.Services(ctx)
	if err != nil {
		t.Fatal(err)
	}
	st := state{svcs: svcs}
	for i := range svcs {
		ds, err := c.Destinations(ctx, &svcs[i])
		if err != nil {
			t.Fatal(err)
		}
		st.dests = append(st.dests, ds)
	}
	return st
}

func (st state) adm(l listing) []admService {
	var out []admService
	for i := range st.svcs {
		out = append(out, admOf(&st.svcs[i], st.dests[i], l))
	}
	return out
}

// checkIpvsadmLists compares ipvsadm -Ln --exact in every format that
// shows settings with st.
func checkIpvsadmLists(t *testing.T, st state) {
	t.Helper()
	for _, l := range listings {
		got := parseList(t, ipvsadm(t, "-Ln", "--exact", l.opt))
		if d := cmp.Diff(st.adm(l), got, admOrder); d != "" {
			t.Errorf("ipvsadm -Ln --exact %s (-nlstruct +ipvsadm):\n%s", l.opt, d)
		}
	}
}

// checkStatsWithIpvsadm compares the counters and rates ipvsadm lists with
// nlstruct's, read before and after ipvsadm and equal (retried while the
// estimator changes them in between).
func checkStatsWithIpvsadm(t *testing.T, c *ipvs.Client) {
	t.Helper()
	for _, l := range counterListings {
		var diff string
		for range 10 {
			before := readState(t, c).adm(l)
			got := parseList(t, ipvsadm(t, "-Ln", "--exact", l.opt))
			after := readState(t, c).adm(l)
			if !cmp.Equal(before, after, admOrder) {
				time.Sleep(100 * time.Millisecond)
				continue
			}
			diff = cmp.Diff(before, got, admOrder)
			break
		}
		if diff != "" {
			t.Errorf("ipvsadm -Ln --exact %s (-nlstruct +ipvsadm):\n%s", l.opt, diff)
		}
	}
}

// TestVMIpvsadmListsNlstruct creates services and destinations of every
// kind with nlstruct and checks that ipvsadm lists exactly them.
func TestVMIpvsadmListsNlstruct(t *testing.T) {
	c, ctx := setup(t)
	var want state
	add := func(s *ipvs.Service, ds ...*ipvs.Destination) {
		t.Helper()
		if err := c.NewService(ctx, s); err != nil {
			t.Fatalf("%s: %v", svcName(s), err)
		}
		want.svcs = append(want.svcs, wantService(s))
		var wd []ipvs.Destination
		for _, d := range ds {
			if err := c.NewDestination(ctx, s, d); err != nil {
				t.Fatalf("%s: %+v: %v", svcName(s), d, err)
			}
			wd = append(wd, wantDest(s, d))
		}
		want.dests = append(want.dests, wd)
	}

	tcp := service(unix.IPPROTO_TCP, "10.0.7.1:80", "wlc")
	tcp.Flags.Flags, tcp.Timeout, tcp.Netmask = ipvs.SvcPersistent, 300, mask4(24)
	masq := dest("10.200.0.2:8080", ipvs.Masquerade, 70000)
	masq.UpperThresh, masq.LowerThresh = 100, 10
	ds := []*ipvs.Destination{masq}
	for _, d := range forwardCases(false)[1:] {
		if d.FwdMethod == ipvs.Route {
			d.Weight = 2
		}
		ds = append(ds, d)
	}
	mixed := dest("[fd00:200::9]:80", ipvs.Tunnel, 4)
	mixed.TunType, mixed.TunPort, mixed.TunFlags = ipvs.TunnelGUE, 7777, ipvs.TunnelRemoteChecksum
	add(tcp, append(ds, mixed)...)

	udp6 := service(unix.IPPROTO_UDP, "[fd00:7::1]:53", "sh")
	udp6.Flags.Flags, udp6.Timeout, udp6.Netmask = ipvs.SvcPersistent|ipvs.SvcSHFallback|ipvs.SvcSHPort, 60, 64
	add(udp6, forwardCases(true)...)

	sctp := service(unix.IPPROTO_SCTP, "10.0.7.2:5000", "mh")
	sctp.Flags.Flags = ipvs.SvcSHPort
	add(sctp, dest("10.200.0.2:5000", ipvs.Masquerade, 1))

	sip := service(unix.IPPROTO_UDP, "10.0.7.3:5060", "wlc")
	sip.Flags.Flags, sip.Timeout, sip.PEName = ipvs.SvcPersistent|ipvs.SvcOnePacket, 360, "sip"
	add(sip)

	allPorts := service(unix.IPPROTO_TCP, "10.0.7.4:0", "lc")
	allPorts.Flags.Flags, allPorts.Timeout = ipvs.SvcPersistent, 10
	add(allPorts, dest("10.200.0.3:0", ipvs.Route, 1))

	add(fwmarkService(unix.AF_INET, 7, "rr"), dest("10.200.0.3:0", ipvs.Route, 1), dest("10.200.0.4:0", ipvs.Tunnel, 1))
	fw6 := fwmarkService(unix.AF_INET6, 8, "rr")
	fw6.Flags.Flags = ipvs.SvcSched3
	add(fw6, dest("[fd00:200::3]:0", ipvs.Route, 1))

	// What nlstruct set is what ipvsadm shows...
	checkIpvsadmLists(t, want)
	// ...and what nlstruct reads.
	got := readState(t, c)
	for _, l := range listings {
		if d := cmp.Diff(want.adm(l), got.adm(l), admOrder); d != "" {
			t.Errorf("%s: what nlstruct set and read differ (-set +read):\n%s", l.opt, d)
		}
	}
	checkStatsWithIpvsadm(t, c)

	// Timeouts.
	if err := c.SetTimeouts(ctx, ipvs.Timeouts{TCP: 111, TCPFin: 22, UDP: 33}); err != nil {
		t.Fatal(err)
	}
	if out := strings.TrimSpace(ipvsadm(t, "-Ln", "--timeout")); out != "Timeout (tcp tcpfin udp): 111 22 33" {
		t.Errorf("ipvsadm --timeout: %q", out)
	}

	// Sync daemons (after a flush: not while a destination leads to the
	// other address family).
	if err := c.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	for _, d := range []*ipvs.Daemon{
		{State: ipvs.StateMaster, McastIfn: "dummy0", SyncID: 5, SyncMaxLen: 1400, McastPort: 8849, McastTTL: 3},
		{State: ipvs.StateBackup, McastIfn: "dummy0", SyncID: 6, McastGroup6: netip.MustParseAddr("ff02::99").As16()},
	} {
		if err := c.NewDaemon(ctx, d); err != nil {
			t.Fatal(err)
		}
	}
	daemons, err := c.Daemons(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var wantLines []string
	for _, d := range daemons {
		wantLines = append(wantLines, daemonLine(&d))
	}
	if gotLines := lines(ipvsadm(t, "-Ln", "--daemon")); !slices.Equal(gotLines, wantLines) {
		t.Errorf("ipvsadm --daemon:\n%q\nwant (from nlstruct's Daemons)\n%q", gotLines, wantLines)
	}
	if want := []string{
		"master sync daemon (mcast=dummy0, syncid=5, maxlen=1400, group=224.0.0.81, port=8849, ttl=3)",
		"backup sync daemon (mcast=dummy0, syncid=6, maxlen=1452, group=ff02::99, port=8848, ttl=1)",
	}; !slices.Equal(wantLines, want) {
		t.Errorf("nlstruct's daemons as ipvsadm would list them:\n%q\nwant\n%q", wantLines, want)
	}
}

// daemonLine is how ipvsadm -L --daemon lists d.
func daemonLine(d *ipvs.Daemon) string {
	state := map[uint32]string{ipvs.StateMaster: "master", ipvs.StateBackup: "backup"}[d.State]
	g, _ := d.Group()
	return state + " sync daemon (mcast=" + d.McastIfn + ", syncid=" + u(uint64(d.SyncID)) + ", maxlen=" + u(uint64(d.SyncMaxLen)) +
		", group=" + g.String() + ", port=" + u(uint64(d.McastPort)) + ", ttl=" + u(uint64(d.McastTTL)) + ")"
}

func lines(s string) []string {
	var out []string
	for l := range strings.Lines(s) {
		if l = strings.TrimSpace(l); l != "" {
			out = append(out, l)
		}
	}
	return out
}

// TestVMNlstructReadsIpvsadm creates services, destinations, timeouts and
// daemons with ipvsadm (-A, -a, -E, -e, --set, --start-daemon) and checks
// that nlstruct reads exactly them.
func TestVMNlstructReadsIpvsadm(t *testing.T) {
	c, ctx := setup(t)

	// Daemons first: the kernel refuses them while a destination leads
	// to the other address family.
	ipvsadm(t, "--start-daemon", "master", "--mcast-interface", "dummy0", "--syncid", "5", "--mcast-port", "8849", "--mcast-ttl", "3", "--sync-maxlen", "1400")
	ipvsadm(t, "--start-daemon", "backup", "--mcast-interface", "dummy0", "--syncid", "6", "--mcast-group", "224.0.0.99")
	daemons, err := c.Daemons(ctx)
	if err != nil {
		t.Fatal(err)
	}
	wantDaemons := []ipvs.Daemon{
		{State: ipvs.StateMaster, McastIfn: "dummy0", SyncID: 5, SyncMaxLen: 1400, McastPort: 8849, McastTTL: 3, McastGroup: 0xe0000051},
		{State: ipvs.StateBackup, McastIfn: "dummy0", SyncID: 6, SyncMaxLen: 1472, McastPort: 8848, McastTTL: 1, McastGroup: 0xe0000063},
	}
	if d := cmp.Diff(wantDaemons, daemons); d != "" {
		t.Errorf("daemons ipvsadm started (-want +nlstruct):\n%s", d)
	}
	// One stopped by nlstruct, one by ipvsadm.
	if err := c.DeleteDaemon(ctx, ipvs.StateMaster); err != nil {
		t.Fatal(err)
	}
	ipvsadm(t, "--stop-daemon", "backup")
	if ds, err := c.Daemons(ctx); err != nil || len(ds) != 0 {
		t.Errorf("daemons after stopping both: %+v, %v", ds, err)
	}

	ipvsadm(t, "--set", "100", "20", "30")
	if got, err := c.Timeouts(ctx); err != nil || got != (ipvs.Timeouts{TCP: 100, TCPFin: 20, UDP: 30}) {
		t.Errorf("timeouts ipvsadm set: %+v, %v", got, err)
	}

	for _, args := range [][]string{
		{"-A", "-t", "10.0.8.1:80", "-s", "wlc", "-p", "300", "-M", "255.255.255.0"},
		{"-a", "-t", "10.0.8.1:80", "-r", "10.200.0.2:8080", "-m", "-w", "70000", "-x", "100", "-y", "10"},
		{"-a", "-t", "10.0.8.1:80", "-r", "10.200.0.3", "-g", "-w", "0"},
		{"-a", "-t", "10.0.8.1:80", "-r", "10.200.0.4", "-i", "--tun-type", "gue", "--tun-port", "6080", "--tun-csum"},
		{"-a", "-t", "10.0.8.1:80", "-r", "10.200.0.5", "-i", "--tun-type", "gre", "--tun-nocsum"},
		{"-a", "-t", "10.0.8.1:80", "-r", "10.200.0.6", "-i"},
		{"-a", "-t", "10.0.8.1:80", "-r", "10.200.0.1", "-g"}, // the VM's own address: still Route
		{"-a", "-t", "10.0.8.1:80", "-r", "[fd00:200::7]:80", "-i", "--tun-type", "gue", "--tun-port", "6081", "--tun-remcsum"},
		{"-A", "-u", "[fd00:8::1]:53", "-s", "sh", "-b", "sh-fallback,sh-port", "-p", "60", "-M", "64"},
		{"-a", "-u", "[fd00:8::1]:53", "-r", "[fd00:200::2]:5353", "-m", "-w", "3"},
		{"-A", "--sctp-service", "10.0.8.2:5000", "-s", "mh", "-b", "mh-port"},
		{"-A", "-u", "10.0.8.3:5060", "-p", "360", "--pe", "sip", "-o"},
		{"-A", "-f", "7", "-s", "rr"},
		{"-a", "-f", "7", "-r", "10.200.0.3:0", "-g"},
		{"-A", "-f", "8", "-6", "-s", "lc"},
		// Edits.
		{"-E", "-t", "10.0.8.1:80", "-s", "rr", "-p", "120", "-M", "255.255.0.0"},
		{"-e", "-t", "10.0.8.1:80", "-r", "10.200.0.2:8080", "-m", "-w", "5", "-x", "50", "-y", "5"},
	} {
		ipvsadm(t, args...)
	}

	type sd struct {
		s  ipvs.Service
		ds []ipvs.Destination
	}
	h := uint32(ipvs.SvcHashed)
	all := ^uint32(0)
	v4, v6 := uint16(unix.AF_INET), uint16(unix.AF_INET6)
	d := func(ap string, fwd ipvs.ForwardMethod, w uint32) ipvs.Destination { return *dest(ap, fwd, w) }
	tun := func(ap string, w uint32, tt ipvs.TunnelType, port, flags uint16) ipvs.Destination {
		x := d(ap, ipvs.Tunnel, w)
		x.TunType, x.TunPort, x.TunFlags = tt, port, flags
		return x
	}
	masq := d("10.200.0.2:8080", ipvs.Masquerade, 5)
	masq.UpperThresh, masq.LowerThresh = 50, 5
	want := []sd{
		{ipvs.Service{AF: v4, Protocol: unix.IPPROTO_TCP, Address: addr("10.0.8.1"), Port: 80, Scheduler: "rr",
			Flags: ipvs.Flags{Flags: ipvs.SvcPersistent | h, Mask: all}, Timeout: 120, Netmask: mask4(16)},
			[]ipvs.Destination{
				masq,
				// ipvsadm gives routing and tunnelling destinations
				// the service's port.
				d("10.200.0.3:80", ipvs.Route, 0),
				tun("10.200.0.4:80", 1, ipvs.TunnelGUE, 6080, ipvs.TunnelChecksum),
				tun("10.200.0.5:80", 1, ipvs.TunnelGRE, 0, ipvs.TunnelNoChecksum),
				tun("10.200.0.6:80", 1, ipvs.TunnelIPIP, 0, 0),
				d("10.200.0.1:80", ipvs.Route, 1),
				tun("[fd00:200::7]:80", 1, ipvs.TunnelGUE, 6081, ipvs.TunnelRemoteChecksum),
			}},
		{ipvs.Service{AF: v6, Protocol: unix.IPPROTO_UDP, Address: addr("fd00:8::1"), Port: 53, Scheduler: "sh",
			Flags: ipvs.Flags{Flags: ipvs.SvcPersistent | ipvs.SvcSHFallback | ipvs.SvcSHPort | h, Mask: all}, Timeout: 60, Netmask: 64},
			[]ipvs.Destination{d("[fd00:200::2]:5353", ipvs.Masquerade, 3)}},
		{ipvs.Service{AF: v4, Protocol: unix.IPPROTO_SCTP, Address: addr("10.0.8.2"), Port: 5000, Scheduler: "mh",
			Flags: ipvs.Flags{Flags: ipvs.SvcSHPort | h, Mask: all}, Netmask: all}, nil},
		{ipvs.Service{AF: v4, Protocol: unix.IPPROTO_UDP, Address: addr("10.0.8.3"), Port: 5060, Scheduler: "wlc", PEName: "sip",
			Flags: ipvs.Flags{Flags: ipvs.SvcPersistent | ipvs.SvcOnePacket | h, Mask: all}, Timeout: 360, Netmask: all}, nil},
		{ipvs.Service{AF: v4, FWMark: 7, Scheduler: "rr", Flags: ipvs.Flags{Flags: h, Mask: all}, Netmask: all},
			[]ipvs.Destination{d("10.200.0.3:0", ipvs.Route, 1)}},
		{ipvs.Service{AF: v6, FWMark: 8, Scheduler: "lc", Flags: ipvs.Flags{Flags: h, Mask: all}, Netmask: 128}, nil},
	}
	svcs, err := c.Services(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(svcs) != len(want) {
		t.Errorf("nlstruct reads %d services, ipvsadm made %d", len(svcs), len(want))
	}
	for _, w := range want {
		got := findService(svcs, &w.s)
		if got == nil {
			t.Errorf("nlstruct does not list %s", svcName(&w.s))
			continue
		}
		checkService(t, got, w.s)
		one, err := c.Service(ctx, &w.s)
		if err != nil {
			t.Fatal(err)
		}
		checkService(t, one, w.s)
		ds, err := c.Destinations(ctx, got)
		if err != nil {
			t.Fatal(err)
		}
		checkDests(t, got, ds, w.ds...)
	}
	// And ipvsadm lists what nlstruct reads.
	checkIpvsadmLists(t, readState(t, c))
}
