package ipvs_test

// The requests nlstruct sends against those ipvsadm (libipvs) sends for
// the same operation, captured in the VM on an nlmon device.

import (
	"bytes"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"net"
	"net/netip"
	"os/exec"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"golang.org/x/sys/unix"

	"github.com/nlstruct/nlstruct/families/genl"
	"github.com/nlstruct/nlstruct/families/ipvs"
	"github.com/nlstruct/nlstruct/nlattr"
)

// nlmonTap captures the netlink messages of every socket in the VM on an
// nlmon device through an AF_PACKET socket.
type nlmonTap struct {
	fd     int
	family uint16 // IPVS's generic netlink id
	mu     sync.Mutex
	msgs   [][]byte
	done   chan struct{}
}

func htons(v uint16) uint16 { return v<<8 | v>>8 }

func newNlmonTap(t *testing.T, family uint16) *nlmonTap {
	t.Helper()
	for _, args := range [][]string{{"link", "add", "nlmon0", "type", "nlmon"}, {"link", "set", "nlmon0", "up"}} {
		if out, err := exec.Command("ip", args...).CombinedOutput(); err != nil {
			t.Fatalf("ip %v: %v\n%s", args, err, out)
		}
	}
	t.Cleanup(func() { exec.Command("ip", "link", "del", "nlmon0").Run() })
	ifi, err := net.InterfaceByName("nlmon0")
	if err != nil {
		t.Fatal(err)
	}
	fd, err := unix.Socket(unix.AF_PACKET, unix.SOCK_RAW, int(htons(unix.ETH_P_ALL)))
	if err != nil {
		t.Fatal(err)
	}
	if err := unix.Bind(fd, &unix.SockaddrLinklayer{Protocol: htons(unix.ETH_P_ALL), Ifindex: ifi.Index}); err != nil {
		t.Fatal(err)
	}
	tv := unix.Timeval{Usec: 100000}
	if err := unix.SetsockoptTimeval(fd, unix.SOL_SOCKET, unix.SO_RCVTIMEO, &tv); err != nil {
		t.Fatal(err)
	}
	tap := &nlmonTap{fd: fd, family: family, done: make(chan struct{})}
	go tap.loop()
	t.Cleanup(func() { close(tap.done); time.Sleep(200 * time.Millisecond); unix.Close(fd) })
	return tap
}

func (tap *nlmonTap) loop() {
	buf := make([]byte, 1<<16)
	for {
		select {
		case <-tap.done:
			return
		default:
		}
		n, from, err := unix.Recvfrom(tap.fd, buf, 0)
		if err != nil {
			if errors.Is(err, unix.EAGAIN) || errors.Is(err, unix.EINTR) {
				continue
			}
			return
		}
		ll, ok := from.(*unix.SockaddrLinklayer)
		if !ok || htons(ll.Protocol) != unix.NETLINK_GENERIC || n < 16+4 {
			continue
		}
		m := buf[:n]
		typ := binary.NativeEndian.Uint16(m[4:])
		flags := binary.NativeEndian.Uint16(m[6:])
		if typ != tap.family || flags&unix.NLM_F_REQUEST == 0 {
			continue
		}
		tap.mu.Lock()
		tap.msgs = append(tap.msgs, append([]byte(nil), m...))
		tap.mu.Unlock()
	}
}

// take waits a moment and returns (and forgets) the IPVS requests seen.
func (tap *nlmonTap) take() [][]byte {
	time.Sleep(150 * time.Millisecond)
	tap.mu.Lock()
	defer tap.mu.Unlock()
	out := tap.msgs
	tap.msgs = nil
	return out
}

// kernelView is what the kernel reads of an IPVS request (genl payload
// after the netlink header): the command, whether it is a dump, and the
// attributes ip_vs_genl_parse_service, _parse_dest, the daemon and config
// handlers read for that command, keyed by their path ("1/6"), with the
// kernel's reading applied: an address is copied into 16 bytes, a string
// ends at its first NUL, an optional attribute that is absent reads as
// zero (so zero is left out), and a service with a firewall mark is
// identified by it alone.
type kernelView struct {
	Cmd   uint8
	Dump  bool
	Attrs map[string]string
}

func attrMap(t *testing.T, b []byte) map[uint16][]byte {
	t.Helper()
	out := map[uint16][]byte{}
	it := nlattr.NewIter(b)
	for it.Next() {
		out[it.Type()] = it.Data()
	}
	if err := it.Err(); err != nil {
		t.Fatalf("%x: %v", b, err)
	}
	return out
}

func viewOf(t *testing.T, m []byte) kernelView {
	t.Helper()
	flags := binary.NativeEndian.Uint16(m[6:])
	v := kernelView{Cmd: m[16], Dump: flags&unix.NLM_F_DUMP == unix.NLM_F_DUMP, Attrs: map[string]string{}}
	top := attrMap(t, m[16+genl.HeaderLen:])
	isZero := func(b []byte) bool { return strings.Trim(hex.EncodeToString(b), "0") == "" }
	put := func(path string, b []byte, optional bool) {
		if b == nil || (optional && isZero(b)) {
			return
		}
		v.Attrs[path] = hex.EncodeToString(b)
	}
	str := func(b []byte) []byte {
		if i := bytes.IndexByte(b, 0); i >= 0 {
			return b[:i]
		}
		return b
	}
	addr := func(b []byte) []byte {
		if b == nil {
			return nil
		}
		var a [16]byte
		copy(a[:], b)
		return a[:]
	}
	in := func(cmds ...uint8) bool { return slices.Contains(cmds, v.Cmd) }

	if svc, ok := top[1]; ok && (in(ipvs.CmdNewService, ipvs.CmdSetService, ipvs.CmdDelService, ipvs.CmdNewDest, ipvs.CmdSetDest,
		ipvs.CmdDelDest, ipvs.CmdGetDest, ipvs.CmdZero) || (v.Cmd == ipvs.CmdGetService && !v.Dump)) {
		a := attrMap(t, svc)
		put("1/1", a[1], false)
		if fw, ok := a[5]; ok {
			put("1/5", fw, false)
		} else {
			put("1/2", a[2], false)
			put("1/3", addr(a[3]), false)
			put("1/4", a[4], false)
		}
		if in(ipvs.CmdNewService, ipvs.CmdSetService) {
			put("1/6", str(a[6]), false)
			put("1/11", str(a[11]), true)
			put("1/7", a[7], false)
			put("1/8", a[8], false)
			put("1/9", a[9], false)
		}
	}
	if dst, ok := top[2]; ok && in(ipvs.CmdNewDest, ipvs.CmdSetDest, ipvs.CmdDelDest) {
		a := attrMap(t, dst)
		put("2/1", addr(a[1]), false)
		put("2/2", a[2], false)
		put("2/11", a[11], true)
		if in(ipvs.CmdNewDest, ipvs.CmdSetDest) {
			for _, n := range []uint16{3, 4, 5, 6} {
				put("2/"+itoa(uint64(n)), a[n], false)
			}
			for _, n := range []uint16{13, 14, 15} {
				put("2/"+itoa(uint64(n)), a[n], true)
			}
		}
	}
	if dm, ok := top[3]; ok && in(ipvs.CmdNewDaemon, ipvs.CmdDelDaemon) {
		a := attrMap(t, dm)
		put("3/1", a[1], false)
		if v.Cmd == ipvs.CmdNewDaemon {
			put("3/2", str(a[2]), false)
			put("3/3", a[3], false)
			for _, n := range []uint16{4, 5, 6, 7, 8} {
				put("3/"+itoa(uint64(n)), a[n], true)
			}
		}
	}
	if v.Cmd == ipvs.CmdSetConfig {
		for _, n := range []uint16{4, 5, 6} {
			put(itoa(uint64(n)), top[n], true)
		}
	}
	return v
}

// TestVMRequestsMatchIpvsadm runs each operation with ipvsadm and then
// with nlstruct, captures both requests on an nlmon device, and compares
// what the kernel reads of them.
func TestVMRequestsMatchIpvsadm(t *testing.T) {
	c, ctx := setup(t)
	g, err := genl.Dial(nil)
	if err != nil {
		t.Fatal(err)
	}
	defer g.Close()
	f, err := g.Family(ctx, ipvs.Family)
	if err != nil {
		t.Fatal(err)
	}
	tap := newNlmonTap(t, f.ID)

	tcp := service(unix.IPPROTO_TCP, "10.0.0.1:80", "wlc")
	tcp.Flags.Flags, tcp.Timeout, tcp.Netmask = ipvs.SvcPersistent, 300, mask4(24)
	tcpEdit := *tcp
	tcpEdit.Scheduler, tcpEdit.Timeout, tcpEdit.Netmask = "rr", 120, mask4(16)
	masq := dest("10.200.0.2:8080", ipvs.Masquerade, 70000)
	masq.UpperThresh, masq.LowerThresh = 100, 10
	masqEdit := dest("10.200.0.2:8080", ipvs.Masquerade, 5)
	gue := dest("10.200.0.4:80", ipvs.Tunnel, 1)
	gue.TunType, gue.TunPort, gue.TunFlags = ipvs.TunnelGUE, 6080, ipvs.TunnelChecksum
	gre6 := dest("[fd00:200::5]:80", ipvs.Tunnel, 2)
	gre6.TunType, gre6.TunFlags = ipvs.TunnelGRE, ipvs.TunnelChecksum
	udp6 := service(unix.IPPROTO_UDP, "[fd00::1]:53", "sh")
	udp6.Flags.Flags, udp6.Timeout, udp6.Netmask = ipvs.SvcPersistent|ipvs.SvcSHFallback|ipvs.SvcSHPort, 60, 64
	fw := fwmarkService(unix.AF_INET, 7, "rr")
	sip := service(unix.IPPROTO_UDP, "10.0.0.2:5060", "wlc")
	sip.Flags.Flags, sip.Timeout, sip.PEName = ipvs.SvcPersistent|ipvs.SvcOnePacket, 360, "sip"

	ignore := func(...any) {} // the request is what counts, not its result
	for _, tc := range []struct {
		name  string
		adm   []string
		nl    func()
		cmds  []uint8 // the commands compared, in the order sent
		sleep bool    // wait for a new sync thread to run
	}{
		{"list", []string{"-Ln"}, func() { ignore(c.Info(ctx)); ignore(c.Services(ctx)) }, []uint8{ipvs.CmdGetInfo, ipvs.CmdGetService}, false},
		{"add TCP service", []string{"-A", "-t", "10.0.0.1:80", "-s", "wlc", "-p", "300", "-M", "255.255.255.0"},
			func() { ignore(c.NewService(ctx, tcp)) }, []uint8{ipvs.CmdNewService}, false},
		{"edit service", []string{"-E", "-t", "10.0.0.1:80", "-s", "rr", "-p", "120", "-M", "255.255.0.0"},
			func() { ignore(c.UpdateService(ctx, &tcpEdit)) }, []uint8{ipvs.CmdSetService}, false},
		{"add masq destination", []string{"-a", "-t", "10.0.0.1:80", "-r", "10.200.0.2:8080", "-m", "-w", "70000", "-x", "100", "-y", "10"},
			func() { ignore(c.NewDestination(ctx, tcp, masq)) }, []uint8{ipvs.CmdNewDest}, false},
		{"add GUE destination", []string{"-a", "-t", "10.0.0.1:80", "-r", "10.200.0.4", "-i", "--tun-type", "gue", "--tun-port", "6080", "--tun-csum"},
			func() { ignore(c.NewDestination(ctx, tcp, gue)) }, []uint8{ipvs.CmdNewDest}, false},
		{"add IPv6 GRE destination", []string{"-a", "-t", "10.0.0.1:80", "-r", "[fd00:200::5]:80", "-i", "-w", "2", "--tun-type", "gre", "--tun-csum"},
			func() { ignore(c.NewDestination(ctx, tcp, gre6)) }, []uint8{ipvs.CmdNewDest}, false},
		{"edit destination", []string{"-e", "-t", "10.0.0.1:80", "-r", "10.200.0.2:8080", "-m", "-w", "5"},
			func() { ignore(c.UpdateDestination(ctx, tcp, masqEdit)) }, []uint8{ipvs.CmdSetDest}, false},
		{"list one service", []string{"-Ln", "-t", "10.0.0.1:80"},
			func() { ignore(c.Info(ctx)); ignore(c.Service(ctx, tcp)); ignore(c.Destinations(ctx, tcp)) },
			[]uint8{ipvs.CmdGetInfo, ipvs.CmdGetService, ipvs.CmdGetDest}, false},
		{"zero a service", []string{"-Z", "-t", "10.0.0.1:80"}, func() { ignore(c.Zero(ctx, tcp)) }, []uint8{ipvs.CmdZero}, false},
		{"zero all", []string{"-Z"}, func() { ignore(c.Zero(ctx, nil)) }, []uint8{ipvs.CmdZero}, false},
		{"delete destination", []string{"-d", "-t", "10.0.0.1:80", "-r", "10.200.0.2:8080"},
			func() { ignore(c.DeleteDestination(ctx, tcp, masq)) }, []uint8{ipvs.CmdDelDest}, false},
		{"delete service", []string{"-D", "-t", "10.0.0.1:80"}, func() { ignore(c.DeleteService(ctx, tcp)) }, []uint8{ipvs.CmdDelService}, false},
		{"add IPv6 UDP service", []string{"-A", "-u", "[fd00::1]:53", "-s", "sh", "-b", "sh-fallback,sh-port", "-p", "60", "-M", "64"},
			func() { ignore(c.NewService(ctx, udp6)) }, []uint8{ipvs.CmdNewService}, false},
		{"add fwmark service", []string{"-A", "-f", "7", "-s", "rr"}, func() { ignore(c.NewService(ctx, fw)) }, []uint8{ipvs.CmdNewService}, false},
		{"add SIP service", []string{"-A", "-u", "10.0.0.2:5060", "-s", "wlc", "-p", "360", "--pe", "sip", "-o"},
			func() { ignore(c.NewService(ctx, sip)) }, []uint8{ipvs.CmdNewService}, false},
		{"flush", []string{"-C"}, func() { ignore(c.Flush(ctx)) }, []uint8{ipvs.CmdFlush}, false},
		{"set timeouts", []string{"--set", "100", "20", "30"}, func() { ignore(c.SetTimeouts(ctx, ipvs.Timeouts{TCP: 100, TCPFin: 20, UDP: 30})) },
			[]uint8{ipvs.CmdSetConfig}, false},
		{"list timeouts", []string{"-L", "--timeout"}, func() { ignore(c.Timeouts(ctx)) }, []uint8{ipvs.CmdGetConfig}, false},
		{"start master", []string{"--start-daemon", "master", "--mcast-interface", "dummy0", "--syncid", "5", "--mcast-port", "8849", "--mcast-ttl", "3", "--sync-maxlen", "1400"},
			func() {
				ignore(c.NewDaemon(ctx, &ipvs.Daemon{State: ipvs.StateMaster, McastIfn: "dummy0", SyncID: 5, McastPort: 8849, McastTTL: 3, SyncMaxLen: 1400}))
			}, []uint8{ipvs.CmdNewDaemon}, true},
		{"start backup", []string{"--start-daemon", "backup", "--mcast-interface", "dummy0", "--syncid", "6", "--mcast-group", "ff02::99"},
			func() {
				ignore(c.NewDaemon(ctx, &ipvs.Daemon{State: ipvs.StateBackup, McastIfn: "dummy0", SyncID: 6, McastGroup6: netip.MustParseAddr("ff02::99").As16()}))
			}, []uint8{ipvs.CmdNewDaemon}, true},
		{"list daemons", []string{"-L", "--daemon"}, func() { ignore(c.Daemons(ctx)) }, []uint8{ipvs.CmdGetDaemon}, false},
		{"stop master", []string{"--stop-daemon", "master"}, func() { ignore(c.DeleteDaemon(ctx, ipvs.StateMaster)) }, []uint8{ipvs.CmdDelDaemon}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tap.take()
			exec.Command("ipvsadm", tc.adm...).Run() // may fail: the request is what counts
			adm := pick(t, tap.take(), tc.cmds)
			if tc.sleep {
				time.Sleep(200 * time.Millisecond)
			}
			tc.nl()
			ours := pick(t, tap.take(), tc.cmds)
			if adm == nil || ours == nil {
				t.Fatalf("commands %v: ipvsadm sent %d, nlstruct %d", tc.cmds, len(adm), len(ours))
			}
			for i := range tc.cmds {
				va, vo := viewOf(t, adm[i]), viewOf(t, ours[i])
				if d := cmp.Diff(va, vo); d != "" {
					t.Errorf("command %d: what the kernel reads (-ipvsadm +nlstruct):\n%s\nipvsadm %x\nnlstruct %x", tc.cmds[i], d, adm[i], ours[i])
				}
			}
		})
	}
}

// pick returns the first request of each command in cmds, in order, or nil.
func pick(t *testing.T, msgs [][]byte, cmds []uint8) [][]byte {
	t.Helper()
	var out [][]byte
	for _, want := range cmds {
		found := false
		for len(msgs) > 0 {
			m := msgs[0]
			msgs = msgs[1:]
			if len(m) > 16 && m[16] == want {
				out = append(out, m)
				found = true
				break
			}
		}
		if !found {
			return nil
		}
	}
	return out
}
