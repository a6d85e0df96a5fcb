package ipvs_test

// Byte-exact vectors from the kernel: TestVMCapture sets up a fixed IPVS
// configuration in the VM and prints the kernel's replies, one line each,
// after captureMarker on the console; TestIPVSInVM (on the host) collects
// them. With NLSTRUCT_CAPTURE=1 it writes them to testdata/*.hex:
//
//	NLSTRUCT_CAPTURE=1 go test -count=1 -run TestIPVSInVM ./families/ipvs
//
// Without it, it compares the captures marked stable (no counters that
// depend on timing) with the checked-in files, when the VM runs the kernel
// they were captured from. decode_test.go decodes the files on the host.

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
	"time"

	"github.com/google/go-cmp/cmp"
	"golang.org/x/sys/unix"

	"github.com/nlstruct/nlstruct/families/genl"
	"github.com/nlstruct/nlstruct/families/ipvs"
	"github.com/nlstruct/nlstruct/marshal"
	"github.com/nlstruct/nlstruct/socket"
)

// captureMarker starts every console line of TestVMCapture's output:
// "IPVS-CAPTURE <file> <line of the file>".
const captureMarker = "IPVS-CAPTURE "

// captureEnv, set to 1 on the host, makes TestIPVSInVM write testdata.
const captureEnv = "NLSTRUCT_CAPTURE"

// keyAttrs is the identity of a service, the body of the get requests
// below (a test-local tagged struct: the package's request types are
// unexported).
type keyAttrs struct {
	AF       uint16       `nl:"type=1"`
	Protocol uint16       `nl:"type=2"`
	Address  ipvs.Address `nl:"type=3"`
	Port     uint16       `nl:"type=4,be"`
	FWMark   uint32       `nl:"type=5,omitempty"`
}

type keyRequest struct {
	Service *keyAttrs `nl:"type=1,nested"`
}

func keyOf(s *ipvs.Service) *keyRequest {
	return &keyRequest{Service: &keyAttrs{AF: s.AF, Protocol: s.Protocol, Address: s.Address, Port: s.Port, FWMark: s.FWMark}}
}

// reply is the package's (unexported) reply type, IPVS_CMD_ATTR_*, as the
// external tests see it.
type reply struct {
	Service       *ipvs.Service     `nl:"type=1,nested"`
	Dest          *ipvs.Destination `nl:"type=2,nested"`
	Daemon        *ipvs.Daemon      `nl:"type=3,nested"`
	TimeoutTCP    *uint32           `nl:"type=4"`
	TimeoutTCPFin *uint32           `nl:"type=5"`
	TimeoutUDP    *uint32           `nl:"type=6"`
}

// capture is one testdata file: what it holds and the messages.
type capture struct {
	file, what string
	stable     bool // the same bytes on every run of the same kernel
	msgs       [][]byte
}

// The configuration TestVMCapture captures (decode_test.go checks these
// values in the files).
var (
	capTCP = func() *ipvs.Service {
		s := service(unix.IPPROTO_TCP, "10.0.0.1:80", "wlc")
		s.Flags.Flags, s.Timeout, s.Netmask = ipvs.SvcPersistent, 300, mask4(24)
		return s
	}()
	capUDP6 = func() *ipvs.Service {
		s := service(unix.IPPROTO_UDP, "[fd00::1]:53", "sh")
		s.Flags.Flags, s.Timeout, s.Netmask = ipvs.SvcPersistent|ipvs.SvcSHFallback|ipvs.SvcSHPort, 60, 64
		return s
	}()
	capFWMark = fwmarkService(unix.AF_INET, 7, "rr")
	capSIP    = func() *ipvs.Service {
		s := service(unix.IPPROTO_UDP, "10.0.0.2:5060", "wlc")
		s.Flags.Flags, s.Timeout, s.PEName = ipvs.SvcPersistent|ipvs.SvcOnePacket, 360, "sip"
		return s
	}()
	capTraffic = service(unix.IPPROTO_UDP, "10.0.0.3:53", "rr")
	capDests   = func() []*ipvs.Destination {
		masq := dest("10.200.0.2:8080", ipvs.Masquerade, 70000)
		masq.UpperThresh, masq.LowerThresh = 100, 10
		gue := dest("10.200.0.4:80", ipvs.Tunnel, 2)
		gue.TunType, gue.TunPort, gue.TunFlags = ipvs.TunnelGUE, 6080, ipvs.TunnelChecksum
		gre := dest("10.200.0.5:80", ipvs.Tunnel, 3)
		gre.TunType, gre.TunFlags = ipvs.TunnelGRE, ipvs.TunnelChecksum
		gue6 := dest("[fd00:200::6]:80", ipvs.Tunnel, 4)
		gue6.TunType, gue6.TunPort, gue6.TunFlags = ipvs.TunnelGUE, 6081, ipvs.TunnelRemoteChecksum
		return []*ipvs.Destination{
			masq,
			dest("10.200.0.3:80", ipvs.Route, 1),
			gue, gre,
			dest("10.200.0.7:80", ipvs.Tunnel, 5),    // IPIP
			dest("10.200.0.1:80", ipvs.LocalNode, 6), // the VM's own address
			gue6,
		}
	}()
	capDaemons = []*ipvs.Daemon{
		{State: ipvs.StateMaster, McastIfn: "dummy0", SyncID: 5, SyncMaxLen: 1400, McastPort: 8849, McastTTL: 3},
		{State: ipvs.StateBackup, McastIfn: "dummy0", SyncID: 6, McastGroup6: netip.MustParseAddr("ff02::99").As16()},
	}
	capTimeouts = ipvs.Timeouts{TCP: 100, TCPFin: 20, UDP: 30}
)

// TestVMCapture records the kernel's replies for the configuration above
// and prints them for TestIPVSInVM; it also checks that each decodes, and
// that decode→encode→decode is a fixpoint.
func TestVMCapture(t *testing.T) {
	c, ctx := setup(t)
	g, err := genl.Dial(nil)
	if err != nil {
		t.Fatal(err)
	}
	defer g.Close()
	fam, err := g.Family(ctx, ipvs.Family)
	if err != nil {
		t.Fatal(err)
	}
	do := func(cmd uint8, body any) [][]byte {
		t.Helper()
		ms, err := g.Execute(ctx, ipvs.Family, genl.Request{Command: cmd, Body: body})
		if err != nil {
			t.Fatalf("command %d: %v", cmd, err)
		}
		return payloads(ms)
	}
	dump := func(cmd uint8, body any) [][]byte {
		t.Helper()
		ms, err := g.Socket().DumpAll(ctx, socket.Request{Type: fam.ID, Header: &genl.Header{Command: cmd, Version: uint8(fam.Version)}, Body: body})
		if err != nil {
			t.Fatalf("dump %d: %v", cmd, err)
		}
		return payloads(ms)
	}
	var caps []capture
	add := func(file, what string, stable bool, msgs [][]byte) {
		caps = append(caps, capture{file: file, what: what, stable: stable, msgs: msgs})
	}

	// Daemons first: not while a destination leads to the other family.
	for _, d := range capDaemons {
		if err := c.NewDaemon(ctx, d); err != nil {
			t.Fatal(err)
		}
	}
	add("daemons.hex", "IPVS_CMD_GET_DAEMON (dump): a master (IPv4 default group 224.0.0.81, syncid 5, maxlen 1400, port 8849, ttl 3) and a backup (group ff02::99, syncid 6, defaults) on dummy0 (MTU 1500)", true,
		dump(ipvs.CmdGetDaemon, nil))
	for _, st := range []uint32{ipvs.StateMaster, ipvs.StateBackup} {
		if err := c.DeleteDaemon(ctx, st); err != nil {
			t.Fatal(err)
		}
	}

	if err := c.SetTimeouts(ctx, capTimeouts); err != nil {
		t.Fatal(err)
	}
	add("timeouts.hex", "IPVS_CMD_GET_CONFIG (do) after setting the timeouts to tcp 100, tcpfin 20, udp 30", true, do(ipvs.CmdGetConfig, nil))
	add("info.hex", "IPVS_CMD_GET_INFO (do)", true, do(ipvs.CmdGetInfo, nil))

	for _, s := range []*ipvs.Service{capTCP, capUDP6, capFWMark, capSIP, capTraffic} {
		if err := c.NewService(ctx, s); err != nil {
			t.Fatal(err)
		}
	}
	for _, d := range capDests {
		if err := c.NewDestination(ctx, capTCP, d); err != nil {
			t.Fatal(err)
		}
	}
	add("service-tcp4.hex", "IPVS_CMD_GET_SERVICE (do): TCP 10.0.0.1:80 wlc persistent 300 mask 255.255.255.0, no traffic", true, do(ipvs.CmdGetService, keyOf(capTCP)))
	add("service-udp6.hex", "IPVS_CMD_GET_SERVICE (do): UDP [fd00::1]:53 sh (sh-fallback,sh-port) persistent 60 mask 64, no traffic", true, do(ipvs.CmdGetService, keyOf(capUDP6)))
	add("service-fwmark.hex", "IPVS_CMD_GET_SERVICE (do): FWM 7 (IPv4) rr, no traffic", true, do(ipvs.CmdGetService, keyOf(capFWMark)))
	add("service-sip.hex", "IPVS_CMD_GET_SERVICE (do): UDP 10.0.0.2:5060 wlc persistent 360 pe sip ops, no traffic", true, do(ipvs.CmdGetService, keyOf(capSIP)))
	add("dests-tcp4.hex", "IPVS_CMD_GET_DEST (dump) of TCP 10.0.0.1:80, newest first: [fd00:200::6]:80 tunnel GUE port 6081 remote checksum weight 4; 10.200.0.1:80 local weight 6; 10.200.0.7:80 tunnel IPIP weight 5; 10.200.0.5:80 tunnel GRE checksum weight 3; 10.200.0.4:80 tunnel GUE port 6080 checksum weight 2; 10.200.0.3:80 route weight 1; 10.200.0.2:8080 masq weight 70000 thresholds 100/10", true,
		dump(ipvs.CmdGetDest, keyOf(capTCP)))

	// Traffic: three datagrams of 11 bytes through a UDP service, from
	// three sockets; the counters show once the estimator has run.
	if err := c.NewDestination(ctx, capTraffic, dest("10.200.0.9:5353", ipvs.Masquerade, 1)); err != nil {
		t.Fatal(err)
	}
	sendUDP(t, "10.0.0.3:53", 3, []byte("hello world"))
	waitCounted(t, c, capTraffic, 3)
	time.Sleep(2500 * time.Millisecond) // and once more, for the rates
	add("service-traffic.hex", "IPVS_CMD_GET_SERVICE (do): UDP 10.0.0.3:53 rr after 3 datagrams of 11 bytes (39 bytes each with the IPv4 and UDP headers) from 3 sockets", false, do(ipvs.CmdGetService, keyOf(capTraffic)))
	add("dests-traffic.hex", "IPVS_CMD_GET_DEST (dump) of UDP 10.0.0.3:53: 10.200.0.9:5353 masq weight 1, after the same 3 datagrams", false, dump(ipvs.CmdGetDest, keyOf(capTraffic)))

	var uts unix.Utsname
	if err := unix.Uname(&uts); err != nil {
		t.Fatal(err)
	}
	release := unix.ByteSliceToString(uts.Release[:])
	for _, cp := range caps {
		for i, m := range cp.msgs {
			checkFixpoint(t, fmt.Sprintf("%s message %d", cp.file, i), m)
		}
		for _, line := range captureFile(cp, release) {
			fmt.Printf("%s%s %s\n", captureMarker, cp.file, line)
		}
	}
}

// captureFile is the text of a testdata file, line by line.
func captureFile(cp capture, release string) []string {
	out := []string{
		"# " + cp.what + ".",
		"# Captured from Linux " + release + " (Debian's cloud kernel in internal/vmtest's VM) by TestVMCapture:",
		"#   " + captureEnv + "=1 go test -count=1 -run TestIPVSInVM ./families/ipvs",
	}
	if cp.stable {
		out = append(out, "# Stable: the same kernel sends the same bytes; TestIPVSInVM compares them.")
	} else {
		out = append(out, "# Counters and rates depend on timing: not compared with a fresh capture.")
	}
	out = append(out, "# One message per line: the generic netlink payload (genlmsghdr, then the attributes) in hex.")
	for _, m := range cp.msgs {
		out = append(out, hex.EncodeToString(m))
	}
	return out
}

// checkFixpoint decodes a genl payload as the reply type (or Info, for
// IPVS_CMD_SET_INFO), then checks that encoding and decoding again gives
// the same value and encoding that the same bytes.
func checkFixpoint(t *testing.T, name string, m []byte) {
	t.Helper()
	if len(m) < genl.HeaderLen {
		t.Fatalf("%s: %d bytes", name, len(m))
	}
	var v1, v2 any = &reply{}, &reply{}
	if m[0] == ipvs.CmdSetInfo {
		v1, v2 = &ipvs.Info{}, &ipvs.Info{}
	}
	if err := marshal.Unmarshal(m[genl.HeaderLen:], v1); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	b1, err := marshal.Marshal(v1)
	if err != nil {
		t.Fatalf("%s: encode: %v", name, err)
	}
	if err := marshal.Unmarshal(b1, v2); err != nil {
		t.Fatalf("%s: decode again: %v", name, err)
	}
	if d := cmp.Diff(v1, v2, addrEqual); d != "" {
		t.Errorf("%s: decode→encode→decode changed the value (-first +second):\n%s", name, d)
	}
	if b2, err := marshal.Marshal(v2); err != nil || !bytes.Equal(b1, b2) {
		t.Errorf("%s: the second encoding differs (%v)", name, err)
	}
}

func payloads(ms []socket.Message) [][]byte {
	var out [][]byte
	for _, m := range ms {
		out = append(out, bytes.Clone(m.Data))
	}
	return out
}

// handleCaptures runs on the host after the VM: it groups the captured
// lines by file, then writes testdata (NLSTRUCT_CAPTURE=1) or compares
// the stable captures with it.
func handleCaptures(t *testing.T, lines []string) {
	files := map[string][]string{}
	var order []string
	for _, l := range lines {
		name, line, ok := strings.Cut(strings.TrimSpace(l), " ")
		if !ok || filepath.Base(name) != name || !strings.HasSuffix(name, ".hex") {
			t.Errorf("malformed capture line %q", l)
			continue
		}
		if _, seen := files[name]; !seen {
			order = append(order, name)
		}
		files[name] = append(files[name], line)
	}
	if len(files) == 0 {
		t.Errorf("TestVMCapture printed no captures")
		return
	}
	if os.Getenv(captureEnv) == "1" {
		for _, name := range order {
			body := strings.Join(files[name], "\n") + "\n"
			if err := os.WriteFile(filepath.Join("testdata", name), []byte(body), 0o644); err != nil {
				t.Fatal(err)
			}
		}
		t.Logf("wrote %d files to testdata: %v", len(order), order)
		return
	}
	compared := 0
	for _, name := range order {
		fresh := files[name]
		if !slices.Contains(fresh, "# Stable: the same kernel sends the same bytes; TestIPVSInVM compares them.") {
			continue
		}
		old, err := os.ReadFile(filepath.Join("testdata", name))
		if err != nil {
			t.Errorf("%s: %v (capture it with %s=1)", name, err, captureEnv)
			continue
		}
		oldLines := strings.Split(strings.TrimRight(string(old), "\n"), "\n")
		if kernelLine(oldLines) != kernelLine(fresh) {
			t.Logf("%s was captured from another kernel (%q, now %q): not compared", name, kernelLine(oldLines), kernelLine(fresh))
			continue
		}
		if d := cmp.Diff(hexLines(oldLines), hexLines(fresh)); d != "" {
			t.Errorf("the kernel's replies differ from testdata/%s (-file +now):\n%s", name, d)
		}
		compared++
	}
	t.Logf("compared %d stable captures with testdata", compared)
}

func kernelLine(lines []string) string {
	for _, l := range lines {
		if strings.HasPrefix(l, "# Captured from Linux ") {
			return l
		}
	}
	return ""
}

func hexLines(lines []string) []string {
	var out []string
	for _, l := range lines {
		if l != "" && !strings.HasPrefix(l, "#") {
			out = append(out, l)
		}
	}
	return out
}
