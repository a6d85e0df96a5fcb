package bench

// families/ipvs (nlstruct) against github.com/moby/ipvs's codec, on the
// same service and destination messages: see "IPVS: nlstruct against
// moby/ipvs" in README.md.
//
// moby/ipvs keeps its codec unexported: fillService and fillDestination
// build the request attributes, (*Handle).parseService and
// parseDestination decode a reply's generic netlink payload. Its exported
// path (Handle.NewService, GetServices, ...) needs a netlink socket with
// IPVS behind it, so the benchmarks reach the codec itself with
// //go:linkname and measure exactly the encoding and the decoding.

import (
	"bytes"
	"encoding/binary"
	"encoding/hex"
	"net"
	"net/netip"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	_ "unsafe" // go:linkname

	"github.com/google/go-cmp/cmp"
	mobyipvs "github.com/moby/ipvs"
	"github.com/vishvananda/netlink/nl"
	"golang.org/x/sys/unix"

	"github.com/nlstruct/nlstruct/families/genl"
	nlipvs "github.com/nlstruct/nlstruct/families/ipvs"
	"github.com/nlstruct/nlstruct/marshal"
	"github.com/nlstruct/nlstruct/nlattr"
	"github.com/nlstruct/nlstruct/socket"
	"github.com/nlstruct/nlstruct/socket/sockettest"
)

//go:linkname mobyFillService github.com/moby/ipvs.fillService
func mobyFillService(s *mobyipvs.Service) nl.NetlinkRequestData

//go:linkname mobyFillDestination github.com/moby/ipvs.fillDestination
func mobyFillDestination(d *mobyipvs.Destination) nl.NetlinkRequestData

//go:linkname mobyParseService github.com/moby/ipvs.(*Handle).parseService
func mobyParseService(h *mobyipvs.Handle, msg []byte) (*mobyipvs.Service, error)

//go:linkname mobyParseDestination github.com/moby/ipvs.(*Handle).parseDestination
func mobyParseDestination(h *mobyipvs.Handle, msg []byte) (*mobyipvs.Destination, error)

// The request shapes of families/ipvs (its unexported serviceSpec,
// destSpec and request, tag for tag): what Client.NewService and
// NewDestination send. TestIPVSRequestShapes checks them against the
// requests the client really sends.
type ipvsServiceSpec struct {
	AF        uint16         `nl:"type=1"`
	Protocol  uint16         `nl:"type=2"`
	Address   nlipvs.Address `nl:"type=3"`
	Port      uint16         `nl:"type=4,be"`
	FWMark    uint32         `nl:"type=5,omitempty"`
	Scheduler string         `nl:"type=6,omitempty,maxlen=15"`
	Flags     *nlipvs.Flags  `nl:"type=7"`
	Timeout   *uint32        `nl:"type=8"`
	Netmask   *uint32        `nl:"type=9"`
	PEName    string         `nl:"type=11,omitempty,maxlen=15"`
}

type ipvsDestSpec struct {
	Address     nlipvs.Address        `nl:"type=1"`
	Port        uint16                `nl:"type=2,be"`
	FwdMethod   *nlipvs.ForwardMethod `nl:"type=3"`
	Weight      *uint32               `nl:"type=4"`
	UpperThresh *uint32               `nl:"type=5"`
	LowerThresh *uint32               `nl:"type=6"`
	AF          uint16                `nl:"type=11,omitempty"`
	TunType     nlipvs.TunnelType     `nl:"type=13,omitempty"`
	TunPort     uint16                `nl:"type=14,be,omitempty"`
	TunFlags    uint16                `nl:"type=15,omitempty"`
}

type ipvsRequest struct {
	Service *ipvsServiceSpec `nl:"type=1,nested"`
	Dest    *ipvsDestSpec    `nl:"type=2,nested"`
}

// ipvsReply is families/ipvs's reply shape (its unexported message) for
// a service or a destination.
type ipvsReply struct {
	Service *nlipvs.Service     `nl:"type=1,nested"`
	Dest    *nlipvs.Destination `nl:"type=2,nested"`
}

func u32p(v uint32) *uint32 { return &v }

// The values encoded: a persistent TCP service on 10.0.0.1:80 with a /24
// persistence mask, and a masquerading destination 10.200.0.2:8080 of
// weight 3 with connection thresholds, as nlstruct's request shapes and as
// moby/ipvs's types.
var (
	ipvsSvcAddr  = netip.MustParseAddr("10.0.0.1")
	ipvsDestAddr = netip.MustParseAddr("10.200.0.2")
	mask24       = nativeU32(net.CIDRMask(24, 32))

	nlSvcSpec = ipvsServiceSpec{AF: unix.AF_INET, Protocol: unix.IPPROTO_TCP, Address: nlipvs.AddressFrom(ipvsSvcAddr), Port: 80,
		Scheduler: "wlc", Flags: &nlipvs.Flags{Flags: nlipvs.SvcPersistent, Mask: ^uint32(0)}, Timeout: u32p(300), Netmask: u32p(mask24)}
	nlDestSpec = ipvsDestSpec{Address: nlipvs.AddressFrom(ipvsDestAddr), Port: 8080, FwdMethod: func() *nlipvs.ForwardMethod {
		m := nlipvs.Masquerade
		return &m
	}(), Weight: u32p(3), UpperThresh: u32p(100), LowerThresh: u32p(10)}

	mobySvc = mobyipvs.Service{Address: net.IP(ipvsSvcAddr.AsSlice()), Protocol: unix.IPPROTO_TCP, Port: 80, SchedName: "wlc",
		Flags: nlipvs.SvcPersistent, Timeout: 300, Netmask: mask24, AddressFamily: unix.AF_INET}
	mobyDest = mobyipvs.Destination{Address: net.IP(ipvsDestAddr.AsSlice()), Port: 8080, Weight: 3,
		ConnectionFlags: mobyipvs.ConnectionFlagMasq, UpperThreshold: 100, LowerThreshold: 10, AddressFamily: unix.AF_INET}
)

// nativeU32 reads a netmask's bytes as families/ipvs's Service.Netmask
// and moby/ipvs's Service.Netmask hold it.
func nativeU32(b []byte) uint32 { return binary.NativeEndian.Uint32(b) }

// ipvsCapture reads one message (a generic netlink payload) of a file that
// families/ipvs's TestVMCapture recorded from the kernel.
func ipvsCapture(t testing.TB, file string, index int) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "families", "ipvs", "testdata", file))
	if err != nil {
		t.Fatal(err)
	}
	var msgs [][]byte
	for _, line := range strings.Split(string(b), "\n") {
		if line = strings.TrimSpace(line); line != "" && !strings.HasPrefix(line, "#") {
			m, err := hex.DecodeString(line)
			if err != nil {
				t.Fatal(err)
			}
			msgs = append(msgs, m)
		}
	}
	if index < 0 {
		index += len(msgs)
	}
	return msgs[index]
}

// The kernel's replies the decoders read: a UDP service and its
// masquerading destination after three datagrams (every counter group
// present, some non-zero), from Linux 6.1.
const (
	ipvsServiceWire = "service-traffic.hex"
	ipvsDestWire    = "dests-traffic.hex"
)

// encodings of one attribute stream, flattened for comparison: type and
// payload of each attribute in order, nests descended, NLA_F_NESTED
// ignored, addresses (service attribute 3, destination attribute 1)
// padded to the 16 bytes the kernel copies them into.
func flatIPVS(t *testing.T, b []byte, path string) []string {
	t.Helper()
	var out []string
	it := nlattr.NewIter(b)
	for it.Next() {
		p := path + "/" + strconv.Itoa(int(it.Type()))
		switch p {
		case "/1", "/2":
			out = append(out, p)
			out = append(out, flatIPVS(t, it.Data(), p)...)
		case "/1/3", "/2/1":
			var a [16]byte
			copy(a[:], it.Data())
			out = append(out, p+"="+hex.EncodeToString(a[:]))
		default:
			out = append(out, p+"="+hex.EncodeToString(it.Data()))
		}
	}
	if err := it.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// TestIPVSRequestShapes checks that the bench's request shapes encode
// exactly what families/ipvs's Client sends, captured on a fake kernel.
func TestIPVSRequestShapes(t *testing.T) {
	var mu sync.Mutex
	var sent [][]byte
	const id = 0x20
	conn, _ := sockettest.Dial(func(k *sockettest.Kernel, req socket.Message) {
		if req.Header.Type == genl.IDCtrl {
			b, err := marshal.Append([]byte{genl.CtrlCmdNewFamily, 2, 0, 0}, &genl.Family{ID: id, Name: nlipvs.Family, Version: 1})
			if err != nil {
				t.Error(err)
			}
			k.Reply(req, 0, b)
			return
		}
		mu.Lock()
		sent = append(sent, bytes.Clone(req.Data[genl.HeaderLen:]))
		mu.Unlock()
		k.Ack(req, 0, nil)
	}, nil)
	c := nlipvs.New(genl.NewConn(conn))
	defer c.Close()
	svc := &nlipvs.Service{AF: unix.AF_INET, Protocol: unix.IPPROTO_TCP, Address: nlipvs.AddressFrom(ipvsSvcAddr), Port: 80,
		Scheduler: "wlc", Flags: nlipvs.Flags{Flags: nlipvs.SvcPersistent}, Timeout: 300, Netmask: mask24}
	dst := &nlipvs.Destination{Address: nlipvs.AddressFrom(ipvsDestAddr), Port: 8080, FwdMethod: nlipvs.Masquerade, Weight: 3, UpperThresh: 100, LowerThresh: 10}
	if err := c.NewService(t.Context(), svc); err != nil {
		t.Fatal(err)
	}
	if err := c.NewDestination(t.Context(), svc, dst); err != nil {
		t.Fatal(err)
	}
	wantSvc, err := marshal.Marshal(&ipvsRequest{Service: &nlSvcSpec})
	if err != nil {
		t.Fatal(err)
	}
	key := ipvsServiceSpec{AF: nlSvcSpec.AF, Protocol: nlSvcSpec.Protocol, Address: nlSvcSpec.Address, Port: nlSvcSpec.Port}
	wantDest, err := marshal.Marshal(&ipvsRequest{Service: &key, Dest: &nlDestSpec})
	if err != nil {
		t.Fatal(err)
	}
	if len(sent) != 2 || !bytes.Equal(sent[0], wantSvc) || !bytes.Equal(sent[1], wantDest) {
		t.Fatalf("the client sent\n%x\nthe bench's shapes encode\n%x\n%x", sent, wantSvc, wantDest)
	}
}

// TestIPVSCodecsAgree checks that both codecs encode the same messages and
// decode the kernel's bytes into the same values (where moby/ipvs has a
// field for them).
func TestIPVSCodecsAgree(t *testing.T) {
	// Encoding: the same attributes in the same order with the same
	// payloads. Two differences remain: moby/ipvs writes an IPv4 address
	// in 4 bytes (nlstruct and libipvs write the 16-byte union; the kernel
	// copies either into it), and sets no NLA_F_NESTED.
	for _, tc := range []struct {
		name string
		ours *ipvsRequest
		moby nl.NetlinkRequestData
	}{
		{"service", &ipvsRequest{Service: &nlSvcSpec}, mobyFillService(&mobySvc)},
		{"destination", &ipvsRequest{Dest: &nlDestSpec}, mobyFillDestination(&mobyDest)},
	} {
		ours, err := marshal.Marshal(tc.ours)
		if err != nil {
			t.Fatal(err)
		}
		theirs := tc.moby.Serialize()
		if d := cmp.Diff(flatIPVS(t, theirs, ""), flatIPVS(t, ours, "")); d != "" {
			t.Errorf("%s: the encodings differ (-moby +nlstruct):\n%s\nmoby     %x\nnlstruct %x", tc.name, d, theirs, ours)
		}
		t.Logf("%s: nlstruct %d bytes, moby/ipvs %d bytes", tc.name, len(ours), len(theirs))
	}

	// Decoding the kernel's service.
	wire := ipvsCapture(t, ipvsServiceWire, 0)
	var r ipvsReply
	if err := marshal.Unmarshal(wire[genl.HeaderLen:], &r); err != nil {
		t.Fatal(err)
	}
	ms, err := mobyParseService(nil, wire)
	if err != nil {
		t.Fatal(err)
	}
	s, st := r.Service, r.Service.Stats
	want := mobyipvs.Service{Address: net.IP(s.Addr().AsSlice()), Protocol: s.Protocol, Port: s.Port, FWMark: s.FWMark, SchedName: s.Scheduler,
		Flags: s.Flags.Flags, Timeout: s.Timeout, Netmask: s.Netmask, AddressFamily: s.AF, PEName: s.PEName,
		Stats: mobyipvs.SvcStats{Connections: st.Conns, PacketsIn: st.InPkts, PacketsOut: st.OutPkts, BytesIn: st.InBytes, BytesOut: st.OutBytes,
			CPS: st.CPS, BPSOut: st.OutBPS, PPSIn: st.InPPS, PPSOut: st.OutPPS, BPSIn: st.InBPS}}
	if d := cmp.Diff(want, *ms); d != "" {
		t.Errorf("service: decodings differ (-nlstruct +moby):\n%s", d)
	}
	if st.Conns != 3 || st.InBytes != 117 {
		t.Errorf("service counters %+v", *st)
	}

	// Decoding the kernel's destination.
	wire = ipvsCapture(t, ipvsDestWire, 0)
	r = ipvsReply{}
	if err := marshal.Unmarshal(wire[genl.HeaderLen:], &r); err != nil {
		t.Fatal(err)
	}
	md, err := mobyParseDestination(nil, wire)
	if err != nil {
		t.Fatal(err)
	}
	d, dst := r.Dest, r.Dest.Stats
	wantD := mobyipvs.Destination{Address: net.IP(d.Addr(0).AsSlice()), Port: d.Port, Weight: int(d.Weight), ConnectionFlags: uint32(d.FwdMethod),
		AddressFamily: d.AF, UpperThreshold: d.UpperThresh, LowerThreshold: d.LowerThresh, ActiveConnections: int(d.ActiveConns), InactiveConnections: int(d.InactConns),
		Stats: mobyipvs.DstStats{Connections: dst.Conns, PacketsIn: dst.InPkts, PacketsOut: dst.OutPkts, BytesIn: dst.InBytes, BytesOut: dst.OutBytes,
			CPS: dst.CPS, BPSOut: dst.OutBPS, PPSIn: dst.InPPS, PPSOut: dst.OutPPS, BPSIn: dst.InBPS}}
	if diff := cmp.Diff(wantD, *md); diff != "" {
		t.Errorf("destination: decodings differ (-nlstruct +moby):\n%s", diff)
	}
	if d.InactConns != 3 || dst.Conns != 3 {
		t.Errorf("destination %+v", *d)
	}
}

// TestIPVSMobyBugs records what moby/ipvs v1.1.0's decoder gets wrong
// (README.md): it reads the u32 weight as a u16, drops the persistence
// engine, and its addresses alias the message buffer. nlstruct gets each
// right. If moby/ipvs fixes one, this test fails: update the README.
func TestIPVSMobyBugs(t *testing.T) {
	// The kernel's own message for a destination of weight 70000.
	wire := ipvsCapture(t, "dests-tcp4.hex", -1)
	var r ipvsReply
	if err := marshal.Unmarshal(wire[genl.HeaderLen:], &r); err != nil {
		t.Fatal(err)
	}
	md, err := mobyParseDestination(nil, wire)
	if err != nil {
		t.Fatal(err)
	}
	if r.Dest.Weight != 70000 || md.Weight != 70000&0xffff {
		t.Errorf("weight 70000 from the kernel: nlstruct %d, moby %d (want 70000 and 4464, its low 16 bits)", r.Dest.Weight, md.Weight)
	}
	t.Logf("weight 70000 from the kernel: nlstruct %d, moby/ipvs %d", r.Dest.Weight, md.Weight)

	// moby's own round trip: its encoder writes the weight as a u32, its
	// decoder reads two bytes of it.
	big := mobyDest
	big.Weight = 70000
	enc := mobyFillDestination(&big).Serialize()
	md, err = mobyParseDestination(nil, append([]byte{nlipvs.CmdNewDest, 1, 0, 0}, enc...))
	if err != nil {
		t.Fatal(err)
	}
	if md.Weight != 4464 {
		t.Errorf("moby/ipvs round trip of weight 70000: %d", md.Weight)
	}
	t.Logf("moby/ipvs encode→decode of weight 70000: %d", md.Weight)
	var nd ipvsReply
	ours, err := marshal.Marshal(&ipvsReply{Dest: &nlipvs.Destination{Address: nlipvs.AddressFrom(ipvsDestAddr), Weight: 70000}})
	if err != nil {
		t.Fatal(err)
	}
	if err := marshal.Unmarshal(ours, &nd); err != nil || nd.Dest.Weight != 70000 {
		t.Errorf("nlstruct round trip of weight 70000: %+v, %v", nd.Dest, err)
	}

	// The persistence engine: the kernel sends "sip"; moby/ipvs has no
	// case for IPVS_SVC_ATTR_PE_NAME in its decoder.
	wire = ipvsCapture(t, "service-sip.hex", 0)
	r = ipvsReply{}
	if err := marshal.Unmarshal(wire[genl.HeaderLen:], &r); err != nil {
		t.Fatal(err)
	}
	ms, err := mobyParseService(nil, wire)
	if err != nil {
		t.Fatal(err)
	}
	if r.Service.PEName != "sip" || ms.PEName != "" {
		t.Errorf("persistence engine: nlstruct %q, moby %q", r.Service.PEName, ms.PEName)
	}

	// Aliasing: moby/ipvs's addresses point into the message it decoded
	// (net.IP(attr.Value)); overwriting the buffer changes them.
	wire = bytes.Clone(ipvsCapture(t, ipvsServiceWire, 0))
	ms, err = mobyParseService(nil, wire)
	if err != nil {
		t.Fatal(err)
	}
	r = ipvsReply{}
	if err := marshal.Unmarshal(wire[genl.HeaderLen:], &r); err != nil {
		t.Fatal(err)
	}
	before := ms.Address.String()
	clear(wire)
	if ms.Address.String() == before || r.Service.Addr().String() != before {
		t.Errorf("after clearing the buffer: moby's address %v (was %s), nlstruct's %v", ms.Address, before, r.Service.Addr())
	}
	t.Logf("after clearing the buffer: moby/ipvs's address %v (was %s), nlstruct's %v", ms.Address, before, r.Service.Addr())
}

var ipvsSink any

// BenchmarkIPVS encodes a service and a destination as the request
// attribute each library builds, and decodes the kernel's reply for each,
// with nlstruct (families/ipvs's types) and with moby/ipvs's codec.
func BenchmarkIPVS(b *testing.B) {
	b.Run("encode/service/nlstruct", func(b *testing.B) {
		req := &ipvsRequest{Service: &nlSvcSpec}
		buf := make([]byte, 0, 1024)
		b.ReportAllocs()
		for b.Loop() {
			var err error
			if buf, err = marshal.Append(buf[:0], req); err != nil {
				b.Fatal(err)
			}
		}
		sink = buf
	})
	b.Run("encode/service/moby", func(b *testing.B) {
		b.ReportAllocs()
		var out []byte
		for b.Loop() {
			out = mobyFillService(&mobySvc).Serialize()
		}
		sink = out
	})
	b.Run("encode/destination/nlstruct", func(b *testing.B) {
		req := &ipvsRequest{Dest: &nlDestSpec}
		buf := make([]byte, 0, 1024)
		b.ReportAllocs()
		for b.Loop() {
			var err error
			if buf, err = marshal.Append(buf[:0], req); err != nil {
				b.Fatal(err)
			}
		}
		sink = buf
	})
	b.Run("encode/destination/moby", func(b *testing.B) {
		b.ReportAllocs()
		var out []byte
		for b.Loop() {
			out = mobyFillDestination(&mobyDest).Serialize()
		}
		sink = out
	})
	svcWire, destWire := ipvsCapture(b, ipvsServiceWire, 0), ipvsCapture(b, ipvsDestWire, 0)
	b.Run("decode/service/nlstruct", func(b *testing.B) {
		r := new(ipvsReply)
		b.ReportAllocs()
		for b.Loop() {
			*r = ipvsReply{}
			if err := marshal.Unmarshal(svcWire[genl.HeaderLen:], r); err != nil {
				b.Fatal(err)
			}
		}
		ipvsSink = r
	})
	b.Run("decode/service/moby", func(b *testing.B) {
		b.ReportAllocs()
		var s *mobyipvs.Service
		for b.Loop() {
			var err error
			if s, err = mobyParseService(nil, svcWire); err != nil {
				b.Fatal(err)
			}
		}
		ipvsSink = s
	})
	b.Run("decode/destination/nlstruct", func(b *testing.B) {
		r := new(ipvsReply)
		b.ReportAllocs()
		for b.Loop() {
			*r = ipvsReply{}
			if err := marshal.Unmarshal(destWire[genl.HeaderLen:], r); err != nil {
				b.Fatal(err)
			}
		}
		ipvsSink = r
	})
	b.Run("decode/destination/moby", func(b *testing.B) {
		b.ReportAllocs()
		var d *mobyipvs.Destination
		for b.Loop() {
			var err error
			if d, err = mobyParseDestination(nil, destWire); err != nil {
				b.Fatal(err)
			}
		}
		ipvsSink = d
	})
}
