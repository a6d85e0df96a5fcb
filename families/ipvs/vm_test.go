package ipvs_test

// The kernel tests of this package need IPVS, which the host kernel may
// not have: TestIPVSInVM boots Debian's cloud kernel under qemu
// (internal/vmtest) once and runs every TestVM* test of the package (the
// external tests here and the internal ones in package ipvs) inside it.
// Run directly on the host, the TestVM* tests skip.
//
// Inside the VM: ip_vs and every scheduler are loaded, dummy0 has
// 10.200.0.1/24 and fd00:200::1/64 with default routes through it, and
// Debian's ipvsadm is on PATH. Each TestVM* test starts and ends with an
// empty IPVS table, no sync daemons and the default timeouts (setup).

import (
	"context"
	"errors"
	"net"
	"net/netip"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"golang.org/x/sys/unix"

	"github.com/nlstruct/nlstruct/families/ipvs"
	"github.com/nlstruct/nlstruct/internal/vmtest"
)

// vmRun selects what TestIPVSInVM runs in the VM.
const vmRun = "^TestVM"

// TestIPVSInVM boots the VM and runs the TestVM* tests in it. With
// NLSTRUCT_CAPTURE=1 it also rewrites testdata/*.hex from what TestVMCapture
// printed (see capture_test.go).
func TestIPVSInVM(t *testing.T) {
	if vmtest.InVM() {
		t.Skip("inside the VM: the TestVM* tests are the tests here")
	}
	tap := &consoleTap{T: t}
	vmtest.Run(tap, vmtest.Options{
		Run:     vmRun,
		Modules: []string{"nlmon"}, // TestVMRequestsMatchIpvsadm
		Timeout: 4 * time.Minute,
	})
	if !t.Failed() {
		handleCaptures(t, tap.captured())
	}
}

// consoleTap is the *testing.T given to vmtest.Run: it also keeps the VM's
// console lines that carry captured messages.
type consoleTap struct {
	*testing.T
	mu    sync.Mutex
	lines []string
}

func (c *consoleTap) Log(args ...any) {
	c.T.Helper()
	if len(args) == 1 {
		if s, ok := args[0].(string); ok {
			if _, rest, found := strings.Cut(s, captureMarker); found {
				c.mu.Lock()
				c.lines = append(c.lines, rest)
				c.mu.Unlock()
			}
		}
	}
	c.T.Log(args...)
}

func (c *consoleTap) captured() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]string(nil), c.lines...)
}

// inVM skips t outside the VM.
func inVM(t *testing.T) {
	t.Helper()
	if !vmtest.InVM() {
		t.Skip("needs the kernel's IPVS: runs inside the VM that TestIPVSInVM boots")
	}
}

func testCtx(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// defaultTimeouts are the kernel's (IP_VS_TCP_S_ESTABLISHED, _FIN_WAIT,
// IP_VS_UDP_S_NORMAL).
var defaultTimeouts = ipvs.Timeouts{TCP: 900, TCPFin: 120, UDP: 300}

// setup skips t outside the VM; inside, it returns a client on an empty
// IPVS table with no daemons and the default timeouts, and leaves them so
// when t ends.
func setup(t *testing.T) (*ipvs.Client, context.Context) {
	t.Helper()
	inVM(t)
	ctx := testCtx(t)
	c, err := ipvs.Dial(nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	reset(t, c)
	t.Cleanup(func() { reset(t, c) })
	return c, ctx
}

func reset(t *testing.T, c *ipvs.Client) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if err := c.Flush(ctx); err != nil {
		t.Fatalf("flush: %v", err)
	}
	for _, st := range []uint32{ipvs.StateMaster, ipvs.StateBackup} {
		if err := c.DeleteDaemon(ctx, st); err != nil && !errors.Is(err, unix.ESRCH) {
			t.Fatalf("stop daemon %d: %v", st, err)
		}
	}
	if err := c.SetTimeouts(ctx, defaultTimeouts); err != nil {
		t.Fatalf("set timeouts: %v", err)
	}
}

func addr(s string) ipvs.Address { return ipvs.AddressFrom(netip.MustParseAddr(s)) }

func family(a netip.Addr) uint16 {
	if a.Is4() {
		return unix.AF_INET
	}
	return unix.AF_INET6
}

// service is the service proto at ap ("10.0.0.1:80", "[fd00::1]:80").
func service(proto uint16, ap, sched string) *ipvs.Service {
	p := netip.MustParseAddrPort(ap)
	return &ipvs.Service{AF: family(p.Addr()), Protocol: proto, Address: ipvs.AddressFrom(p.Addr()), Port: p.Port(), Scheduler: sched}
}

func fwmarkService(af uint16, mark uint32, sched string) *ipvs.Service {
	return &ipvs.Service{AF: af, FWMark: mark, Scheduler: sched}
}

// dest is a destination at ap, with its own address family set.
func dest(ap string, fwd ipvs.ForwardMethod, weight uint32) *ipvs.Destination {
	p := netip.MustParseAddrPort(ap)
	return &ipvs.Destination{AF: family(p.Addr()), Address: ipvs.AddressFrom(p.Addr()), Port: p.Port(), FwdMethod: fwd, Weight: weight}
}

// wantService is what the kernel reports for a service created (or last
// updated) as s: the hashed flag set, the mask all ones, the default
// netmask, and for a firewall-mark service no protocol, address or port.
func wantService(s *ipvs.Service) ipvs.Service {
	w := *s
	w.Stats, w.Stats64 = nil, nil
	w.Flags = ipvs.Flags{Flags: s.Flags.Flags | ipvs.SvcHashed, Mask: ^uint32(0)}
	if w.Netmask == 0 {
		w.Netmask = ^uint32(0)
		if w.AF == unix.AF_INET6 {
			w.Netmask = 128
		}
	}
	if w.FWMark != 0 {
		w.Protocol, w.Address, w.Port = 0, ipvs.Address{}, 0
	}
	return w
}

// wantDest is what the kernel reports for destination d of service s,
// created or last updated as d, with no connections. (The kernel keeps
// the port and the forwarding method it is given: ipvsadm is what makes
// a routing or tunnelling destination's port the service's, and kernels
// since 2.6.37 no longer make a destination at a local address LocalNode
// themselves.)
func wantDest(s *ipvs.Service, d *ipvs.Destination) ipvs.Destination {
	w := *d
	w.Stats, w.Stats64 = nil, nil
	w.ActiveConns, w.InactConns, w.PersistConns = 0, 0, 0
	if w.AF == 0 {
		w.AF = s.AF
	}
	return w
}

var (
	addrEqual   = cmp.Comparer(func(a, b ipvs.Address) bool { return a == b })
	ignoreStats = cmpopts.IgnoreFields(ipvs.Service{}, "Stats", "Stats64")
	ignoreDStat = cmpopts.IgnoreFields(ipvs.Destination{}, "Stats", "Stats64")
)

// checkService compares a service as read with the expected one,
// ignoring counters.
func checkService(t *testing.T, got *ipvs.Service, want ipvs.Service) {
	t.Helper()
	if got == nil {
		t.Errorf("no service, want %+v", want)
		return
	}
	if d := cmp.Diff(want, *got, addrEqual, ignoreStats); d != "" {
		t.Errorf("service %s (-want +got):\n%s", svcName(&want), d)
	}
	if got.Stats == nil || got.Stats64 == nil {
		t.Errorf("service %s: no counters (Stats %v, Stats64 %v)", svcName(&want), got.Stats, got.Stats64)
	}
}

// findService returns the service of svcs that s identifies.
func findService(svcs []ipvs.Service, s *ipvs.Service) *ipvs.Service {
	var found *ipvs.Service
	for i := range svcs {
		g := &svcs[i]
		if g.AF != s.AF || g.FWMark != s.FWMark {
			continue
		}
		if s.FWMark == 0 && (g.Protocol != s.Protocol || g.Address != s.Address || g.Port != s.Port) {
			continue
		}
		if found != nil {
			return nil // twice: not a match
		}
		found = g
	}
	return found
}

// checkDests compares a service's destinations, in any order, with the
// expected ones, ignoring counters.
func checkDests(t *testing.T, s *ipvs.Service, got []ipvs.Destination, want ...ipvs.Destination) {
	t.Helper()
	key := func(d ipvs.Destination) string { return d.Addr(s.AF).String() }
	less := func(a, b ipvs.Destination) bool { return key(a) < key(b) }
	if d := cmp.Diff(want, got, addrEqual, ignoreDStat, cmpopts.SortSlices(less)); d != "" {
		t.Errorf("destinations of %s (-want +got):\n%s", svcName(s), d)
	}
	for _, d := range got {
		if d.Stats == nil || d.Stats64 == nil {
			t.Errorf("destination %s: no counters", key(d))
		}
	}
}

func svcName(s *ipvs.Service) string {
	if s.FWMark != 0 {
		return "fwmark " + itoa(uint64(s.FWMark)) + map[bool]string{true: " (IPv6)", false: ""}[s.AF == unix.AF_INET6]
	}
	return protoName(s.Protocol) + " " + netip.AddrPortFrom(s.Addr(), s.Port).String()
}

func protoName(p uint16) string {
	switch p {
	case unix.IPPROTO_TCP:
		return "TCP"
	case unix.IPPROTO_UDP:
		return "UDP"
	case unix.IPPROTO_SCTP:
		return "SCTP"
	}
	return "proto " + itoa(uint64(p))
}

func itoa(v uint64) string { return strconv.FormatUint(v, 10) }

// sendUDP sends n datagrams of payload to ap from the VM itself, each from
// its own socket (so each is a new connection). IPVS schedules locally
// generated packets at LOCAL_OUT.
func sendUDP(t *testing.T, ap string, n int, payload []byte) {
	t.Helper()
	for range n {
		conn, err := net.Dial("udp", ap)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := conn.Write(payload); err != nil {
			t.Fatalf("send to %s: %v", ap, err)
		}
		conn.Close()
	}
}

// waitCounted waits until the kernel reports at least conns connections
// for service s: the counters are per-CPU and the estimator sums them
// every two seconds.
func waitCounted(t *testing.T, c *ipvs.Client, s *ipvs.Service, conns uint64) *ipvs.Service {
	t.Helper()
	ctx := testCtx(t)
	deadline := time.Now().Add(10 * time.Second)
	for {
		got, err := c.Service(ctx, s)
		if err != nil {
			t.Fatal(err)
		}
		if got.Stats64 != nil && got.Stats64.Conns >= conns {
			return got
		}
		if time.Now().After(deadline) {
			t.Fatalf("service %s: %+v connections after 10s, want %d", svcName(s), got.Stats64, conns)
		}
		time.Sleep(250 * time.Millisecond)
	}
}
