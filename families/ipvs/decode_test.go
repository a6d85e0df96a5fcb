package ipvs

// Decoding the kernel's replies that TestVMCapture recorded in testdata
// (see capture_test.go and testdata/README.md), on the host.

import (
	"bytes"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"net"
	"net/netip"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"golang.org/x/sys/unix"

	"github.com/nlstruct/nlstruct/families/genl"
	"github.com/nlstruct/nlstruct/marshal"
	"github.com/nlstruct/nlstruct/nlattr"
)

// readCapture reads the messages (genl payloads) of testdata/name.
func readCapture(t testing.TB, name string) [][]byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	var out [][]byte
	for line := range strings.Lines(string(b)) {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		m, err := hex.DecodeString(line)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		out = append(out, m)
	}
	if len(out) == 0 {
		t.Fatalf("%s: no messages", name)
	}
	return out
}

func ip(s string) Address { return AddressFrom(netip.MustParseAddr(s)) }

func netipMust(s string) netip.Addr { return netip.MustParseAddr(s) }

func mask4(bits int) uint32 { return binary.NativeEndian.Uint32(net.CIDRMask(bits, 32)) }

var addrCmp = cmp.Comparer(func(a, b Address) bool { return a == b })

// flatAttr is one attribute of a message, flattened: its path of types
// from the top ("1/10/4") and, unless it is a nest, its payload.
type flatAttr struct {
	Path    string
	Payload string
	Nested  bool // NLA_F_NESTED was set
}

// flatten walks an attribute stream, descending into the attributes whose
// path is in nests (test-side cross-check: the attribute framing only).
func flatten(t *testing.T, b []byte, prefix string, nests map[string]bool) []flatAttr {
	t.Helper()
	var out []flatAttr
	it := nlattr.NewIter(b)
	for it.Next() {
		path := prefix + fmt.Sprint(it.Type())
		if nests[path] {
			out = append(out, flatAttr{Path: path, Nested: it.Attr().Nested()})
			out = append(out, flatten(t, it.Data(), path+"/", nests)...)
			continue
		}
		out = append(out, flatAttr{Path: path, Payload: hex.EncodeToString(it.Data()), Nested: it.Attr().Nested()})
	}
	if err := it.Err(); err != nil {
		t.Fatalf("walking %x: %v", b, err)
	}
	return out
}

// replyNests are the nested attribute sets of the replies.
var replyNests = map[string]bool{"1": true, "1/10": true, "1/12": true, "2": true, "2/10": true, "2/12": true, "3": true}

// TestDecodeCaptured decodes every captured reply, checks every field,
// checks that decode→encode→decode is a fixpoint, and that the encoding
// of the decoded value is the kernel's message: the same attributes in
// the same order with the same payloads. Two differences are expected and
// checked: the kernel starts its nests with nla_nest_start_noflag (no
// NLA_F_NESTED) while marshal sets the flag on every nest; and a
// firewall-mark service, for which the kernel sends no protocol, address
// or port, encodes them as zeros.
func TestDecodeCaptured(t *testing.T) {
	zero := &Stats{}
	zero64 := &Stats64{}
	all := ^uint32(0)
	svc := func(s Service) *message {
		if s.Stats == nil {
			s.Stats, s.Stats64 = zero, zero64
		}
		return &message{Service: &s}
	}
	dst := func(d Destination) *message {
		if d.Stats == nil {
			d.Stats, d.Stats64 = zero, zero64
		}
		return &message{Dest: &d}
	}
	u32 := func(v uint32) *uint32 { return &v }
	traffic := &Stats{Conns: 3, InPkts: 3, InBytes: 3 * 39, InBPS: 11}
	traffic64 := &Stats64{Conns: 3, InPkts: 3, InBytes: 3 * 39, InBPS: 11}
	tests := []struct {
		file  string
		cmd   uint8
		want  []any
		extra []string // attributes the encoding adds (zero payloads)
	}{
		{"service-tcp4.hex", CmdNewService, []any{svc(Service{AF: unix.AF_INET, Protocol: unix.IPPROTO_TCP, Address: ip("10.0.0.1"), Port: 80,
			Scheduler: "wlc", Flags: Flags{SvcPersistent | SvcHashed, all}, Timeout: 300, Netmask: mask4(24)})}, nil},
		{"service-udp6.hex", CmdNewService, []any{svc(Service{AF: unix.AF_INET6, Protocol: unix.IPPROTO_UDP, Address: ip("fd00::1"), Port: 53,
			Scheduler: "sh", Flags: Flags{SvcPersistent | SvcHashed | SvcSHFallback | SvcSHPort, all}, Timeout: 60, Netmask: 64})}, nil},
		{"service-fwmark.hex", CmdNewService, []any{svc(Service{AF: unix.AF_INET, FWMark: 7,
			Scheduler: "rr", Flags: Flags{SvcHashed, all}, Netmask: all})}, []string{"1/2", "1/3", "1/4"}},
		{"service-sip.hex", CmdNewService, []any{svc(Service{AF: unix.AF_INET, Protocol: unix.IPPROTO_UDP, Address: ip("10.0.0.2"), Port: 5060,
			Scheduler: "wlc", PEName: "sip", Flags: Flags{SvcPersistent | SvcHashed | SvcOnePacket, all}, Timeout: 360, Netmask: all})}, nil},
		{"service-traffic.hex", CmdNewService, []any{svc(Service{AF: unix.AF_INET, Protocol: unix.IPPROTO_UDP, Address: ip("10.0.0.3"), Port: 53,
			Scheduler: "rr", Flags: Flags{SvcHashed, all}, Netmask: all, Stats: traffic, Stats64: traffic64})}, nil},
		{"dests-tcp4.hex", CmdNewDest, []any{
			dst(Destination{Address: ip("fd00:200::6"), Port: 80, FwdMethod: Tunnel, Weight: 4, TunType: TunnelGUE, TunPort: 6081, TunFlags: TunnelRemoteChecksum, AF: unix.AF_INET6}),
			dst(Destination{Address: ip("10.200.0.1"), Port: 80, FwdMethod: LocalNode, Weight: 6, AF: unix.AF_INET}),
			dst(Destination{Address: ip("10.200.0.7"), Port: 80, FwdMethod: Tunnel, Weight: 5, TunType: TunnelIPIP, AF: unix.AF_INET}),
			dst(Destination{Address: ip("10.200.0.5"), Port: 80, FwdMethod: Tunnel, Weight: 3, TunType: TunnelGRE, TunFlags: TunnelChecksum, AF: unix.AF_INET}),
			dst(Destination{Address: ip("10.200.0.4"), Port: 80, FwdMethod: Tunnel, Weight: 2, TunType: TunnelGUE, TunPort: 6080, TunFlags: TunnelChecksum, AF: unix.AF_INET}),
			dst(Destination{Address: ip("10.200.0.3"), Port: 80, FwdMethod: Route, Weight: 1, AF: unix.AF_INET}),
			dst(Destination{Address: ip("10.200.0.2"), Port: 8080, FwdMethod: Masquerade, Weight: 70000, UpperThresh: 100, LowerThresh: 10, AF: unix.AF_INET}),
		}, nil},
		{"dests-traffic.hex", CmdNewDest, []any{
			dst(Destination{Address: ip("10.200.0.9"), Port: 5353, FwdMethod: Masquerade, Weight: 1, InactConns: 3, AF: unix.AF_INET, Stats: traffic, Stats64: traffic64}),
		}, nil},
		{"daemons.hex", CmdNewDaemon, []any{
			&message{Daemon: &Daemon{State: StateMaster, McastIfn: "dummy0", SyncID: 5, SyncMaxLen: 1400, McastPort: 8849, McastTTL: 3, McastGroup: 0xe0000051}},
			&message{Daemon: &Daemon{State: StateBackup, McastIfn: "dummy0", SyncID: 6, SyncMaxLen: 1500 - 40 - 8, McastPort: 8848, McastTTL: 1,
				McastGroup6: netipMust("ff02::99").As16()}},
		}, nil},
		{"info.hex", CmdSetInfo, []any{&Info{Version: 0x010201, ConnTableSize: 4096}}, nil},
		{"timeouts.hex", CmdSetConfig, []any{&message{TimeoutTCP: u32(100), TimeoutTCPFin: u32(20), TimeoutUDP: u32(30)}}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			msgs := readCapture(t, tt.file)
			if len(msgs) != len(tt.want) {
				t.Fatalf("%d messages, want %d", len(msgs), len(tt.want))
			}
			for i, m := range msgs {
				var gh genl.Header
				if err := marshal.Unmarshal(m[:genl.HeaderLen], &gh); err != nil {
					t.Fatal(err)
				}
				if gh.Command != tt.cmd || gh.Version != 1 {
					t.Errorf("message %d: genlmsghdr %+v, want command %d version 1", i, gh, tt.cmd)
				}
				attrs := m[genl.HeaderLen:]
				want := tt.want[i]
				got := reflect.New(reflect.TypeOf(want).Elem()).Interface()
				if err := marshal.Unmarshal(attrs, got); err != nil {
					t.Fatalf("message %d: %v", i, err)
				}
				if d := cmp.Diff(want, got, addrCmp); d != "" {
					t.Errorf("message %d: decoded value (-want +got):\n%s", i, d)
				}
				enc, err := marshal.Marshal(got)
				if err != nil {
					t.Fatalf("message %d: encode: %v", i, err)
				}
				again := reflect.New(reflect.TypeOf(want).Elem()).Interface()
				if err := marshal.Unmarshal(enc, again); err != nil {
					t.Fatalf("message %d: decode again: %v", i, err)
				}
				if d := cmp.Diff(got, again, addrCmp); d != "" {
					t.Errorf("message %d: decode→encode→decode changed the value (-first +second):\n%s", i, d)
				}
				if enc2, err := marshal.Marshal(again); err != nil || !bytes.Equal(enc, enc2) {
					t.Errorf("message %d: encode→decode→encode changed the bytes (%v)", i, err)
				}
				nests := replyNests
				if tt.cmd == CmdSetInfo {
					nests = nil // Info is flat
				}
				compareWithKernel(t, i, attrs, enc, tt.extra, nests)
			}
		})
	}
}

// compareWithKernel checks that enc, the encoding of the value decoded from
// the kernel's attrs, is attrs but for NLA_F_NESTED and the extra
// attributes (which must be zeros).
func compareWithKernel(t *testing.T, i int, attrs, enc []byte, extra []string, nests map[string]bool) {
	t.Helper()
	kernel := flatten(t, attrs, "", nests)
	ours := flatten(t, enc, "", nests)
	isExtra := map[string]bool{}
	for _, p := range extra {
		isExtra[p] = true
	}
	var kept []flatAttr
	for _, a := range ours {
		if isExtra[a.Path] {
			if strings.Trim(a.Payload, "0") != "" {
				t.Errorf("message %d: the encoding adds %s = %s, want zeros", i, a.Path, a.Payload)
			}
			delete(isExtra, a.Path)
			continue
		}
		kept = append(kept, a)
	}
	if len(isExtra) != 0 {
		t.Errorf("message %d: the encoding lacks the expected extra attributes %v", i, isExtra)
	}
	for j := range kernel {
		if kernel[j].Nested {
			t.Errorf("message %d: the kernel set NLA_F_NESTED on %s", i, kernel[j].Path)
		}
		kernel[j].Nested = nests[kernel[j].Path] // marshal flags every nest
	}
	if d := cmp.Diff(kernel, kept); d != "" {
		t.Errorf("message %d: the encoding differs from the kernel's message other than by NLA_F_NESTED (-kernel +encoding):\n%s", i, d)
	}
	if len(extra) == 0 && len(enc) != len(attrs) {
		t.Errorf("message %d: %d bytes encoded, the kernel sent %d", i, len(enc), len(attrs))
	}
}

// TestRequestEncoding checks what the client's requests carry: the key of
// a service, a full service with the defaults filled in, a destination,
// a daemon; each decoded back with the reply types.
func TestRequestEncoding(t *testing.T) {
	s4 := &Service{AF: unix.AF_INET, Protocol: unix.IPPROTO_TCP, Address: ip("10.0.0.1"), Port: 80, Scheduler: "wlc", PEName: "sip",
		Flags: Flags{Flags: SvcPersistent}, Timeout: 300, Stats: &Stats{Conns: 1}}
	s6 := &Service{AF: unix.AF_INET6, FWMark: 9, Scheduler: "rr"}
	d := &Destination{Address: ip("10.200.0.2"), Port: 8080, FwdMethod: Tunnel, Weight: 70000, UpperThresh: 10, LowerThresh: 5,
		AF: unix.AF_INET, TunType: TunnelGUE, TunPort: 6080, TunFlags: TunnelChecksum, ActiveConns: 7}
	all := ^uint32(0)
	for _, tc := range []struct {
		name string
		req  *request
		want message
	}{
		{"key", &request{Service: key(s4)}, message{Service: &Service{AF: unix.AF_INET, Protocol: unix.IPPROTO_TCP, Address: ip("10.0.0.1"), Port: 80}}},
		{"full IPv4", &request{Service: full(s4)}, message{Service: &Service{AF: unix.AF_INET, Protocol: unix.IPPROTO_TCP, Address: ip("10.0.0.1"), Port: 80,
			Scheduler: "wlc", PEName: "sip", Flags: Flags{SvcPersistent, all}, Timeout: 300, Netmask: all}}},
		{"full IPv6 fwmark", &request{Service: full(s6)}, message{Service: &Service{AF: unix.AF_INET6, FWMark: 9, Scheduler: "rr", Flags: Flags{0, all}, Netmask: 128}}},
		{"destination", &request{Service: key(s6), Dest: destFull(d)}, message{Service: &Service{AF: unix.AF_INET6, FWMark: 9},
			Dest: &Destination{Address: ip("10.200.0.2"), Port: 8080, FwdMethod: Tunnel, Weight: 70000, UpperThresh: 10, LowerThresh: 5,
				AF: unix.AF_INET, TunType: TunnelGUE, TunPort: 6080, TunFlags: TunnelChecksum}}},
		{"timeouts", &request{TimeoutUDP: 30}, message{TimeoutUDP: ptr(uint32(30))}},
		{"daemon", &request{Daemon: &daemonSpec{State: StateBackup, McastIfn: "eth0", SyncID: ptr(uint32(0)), McastPort: 8849, McastGroup: 0xe0000051}},
			message{Daemon: &Daemon{State: StateBackup, McastIfn: "eth0", McastPort: 8849, McastGroup: 0xe0000051}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b, err := marshal.Marshal(tc.req)
			if err != nil {
				t.Fatal(err)
			}
			var got message
			if err := marshal.Unmarshal(b, &got); err != nil {
				t.Fatal(err)
			}
			if d := cmp.Diff(tc.want, got, addrCmp); d != "" {
				t.Errorf("(-want +got):\n%s\n%x", d, b)
			}
		})
	}
	// The daemon's port is in host byte order, its IPv4 group in network
	// byte order (what ipvsadm sends and the kernel reads: nla_get_u16,
	// nla_get_in_addr).
	b, err := marshal.Marshal(&daemonSpec{State: StateMaster, McastPort: 8849, McastGroup: 0xe0000051})
	if err != nil {
		t.Fatal(err)
	}
	for _, w := range []string{"0600070091220000", "08000500e0000051"} {
		if !strings.Contains(hex.EncodeToString(b), w) {
			t.Errorf("daemon request %x lacks %s", b, w)
		}
	}
}

func ptr[T any](v T) *T { return &v }
