package rt_test

import (
	"bytes"
	"context"
	"encoding/hex"
	"fmt"
	"net/netip"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"golang.org/x/sys/unix"
	"pgregory.net/rapid"

	"github.com/nlstruct/nlstruct/families/rt"
	"github.com/nlstruct/nlstruct/marshal"
	"github.com/nlstruct/nlstruct/nlattr"
	"github.com/nlstruct/nlstruct/socket"
)

// linkCaptureEnv turns TestLinkCapture on: it then rewrites
// testdata/link_*.hex from the running kernel.
const linkCaptureEnv = "NLSTRUCT_CAPTURE"

// linkCaptureSetup are the ip commands that make the links of
// testdata/link_dump.hex, in a fresh network namespace. The decoding test
// expects what they say.
var linkCaptureSetup = [][]string{
	{"link", "add", "v0", "address", "02:00:00:00:00:01", "mtu", "1400", "type", "veth", "peer", "name", "v1", "address", "02:00:00:00:00:02"},
	{"link", "add", "br0", "address", "02:00:00:00:00:03", "type", "bridge", "forward_delay", "1000", "priority", "4096"},
	{"link", "set", "v1", "master", "br0"},
	{"link", "set", "v1", "type", "bridge_slave", "cost", "33"},
	{"link", "add", "mv0", "link", "v0", "address", "02:00:00:00:00:04", "type", "macvlan", "mode", "bridge"},
	{"link", "add", "vx0", "address", "02:00:00:00:00:05", "type", "vxlan", "id", "42", "remote", "10.0.0.2", "local", "10.0.0.1", "dstport", "4789"},
	{"link", "add", "ifb0", "type", "ifb"},
	{"link", "set", "ifb0", "alias", "captured"}, // ifb takes no address
	{"link", "property", "add", "dev", "ifb0", "altname", "an-alternative-name-for-ifb0"},
}

// TestLinkCapture records a real kernel's RTM_GETLINK dump into
// testdata/link_dump.hex, for TestLinkDecodeCaptured. Run it as root:
//
//	NLSTRUCT_CAPTURE=1 go test -run TestLinkCapture ./families/rt
//
// It works in a fresh network namespace whose links iproute2 makes
// (linkCaptureSetup), so the replies do not depend on the machine. The
// file holds one message per line, the hex of the payload (ifinfomsg,
// then the attributes), after comment lines saying what it is.
func TestLinkCapture(t *testing.T) {
	if os.Getenv(linkCaptureEnv) == "" {
		t.Skipf("set %s=1 to record testdata/link_*.hex from the running kernel", linkCaptureEnv)
	}
	c, fd := linkNS(t)
	var cmds []string
	for _, args := range linkCaptureSetup {
		linkRun(t, fd, "ip", args...)
		cmds = append(cmds, "ip "+strings.Join(args, " "))
	}
	ms, err := c.Socket().DumpAll(context.Background(), socket.Request{Type: unix.RTM_GETLINK, Data: make([]byte, unix.SizeofIfInfomsg)})
	if err != nil {
		t.Fatal(err)
	}
	var uts unix.Utsname
	if err := unix.Uname(&uts); err != nil {
		t.Fatal(err)
	}
	var sb strings.Builder
	sb.WriteString("# RTM_GETLINK dump (an all-zero ifinfomsg, no attributes): lo (1), v1 (2), v0 (3), br0 (4), mv0 (5), vx0 (6), ifb0 (7).\n")
	fmt.Fprintf(&sb, "# Captured from Linux %s by TestLinkCapture (%s=1 go test -run TestLinkCapture ./families/rt).\n",
		unix.ByteSliceToString(uts.Release[:]), linkCaptureEnv)
	sb.WriteString("# In a fresh network namespace, after:\n")
	for _, c := range cmds {
		fmt.Fprintf(&sb, "#   %s\n", c)
	}
	sb.WriteString("# One message per line: the rtnetlink payload (ifinfomsg, then the attributes) in hex.\n")
	for _, m := range ms {
		if m.Header.Type != unix.RTM_NEWLINK {
			t.Fatalf("message of type %d in the dump", m.Header.Type)
		}
		sb.WriteString(hex.EncodeToString(m.Data))
		sb.WriteString("\n")
	}
	if err := os.WriteFile(filepath.Join("testdata", "link_dump.hex"), []byte(sb.String()), 0o644); err != nil {
		t.Fatal(err)
	}
}

// linkReadCapture reads the messages of testdata/name.
func linkReadCapture(t testing.TB, name string) [][]byte {
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

// linkNests names the attribute sets of a link message that are nested
// (by type, at each level), for linkCanon.
var linkNests = map[string]map[uint16]string{
	"link": {unix.IFLA_LINKINFO: "info", unix.IFLA_PROP_LIST: "props"},
	"info": {unix.IFLA_INFO_DATA: "data", unix.IFLA_INFO_SLAVE_DATA: "slave"},
}

// linkOmitted returns the attribute types of struct type t whose fields
// are tagged omitempty and are not slices: a zero value the kernel sends
// there is not encoded again.
func linkOmitted(t reflect.Type) map[uint16]bool {
	out := map[uint16]bool{}
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	for f := range t.Fields() {
		opts := strings.Split(f.Tag.Get("nl"), ",")
		if !slices.Contains(opts, "omitempty") || f.Type.Kind() == reflect.Slice {
			continue // an empty slice is omitted; six zero bytes are not
		}
		var n uint16
		if _, err := fmt.Sscanf(opts[0], "type=%d", &n); err == nil {
			out[n] = true
		}
	}
	return out
}

// linkCanon returns the attributes of b as sorted strings, recursing into
// the nests of linkNests: the same attributes in another order compare
// equal.
// Attributes whose payload is all zeros and whose field is omitempty
// (omit, by level) are left out. Everything else, flags included, must be
// the same.
func linkCanon(t *testing.T, b []byte, level string, omit map[string]map[uint16]bool) []string {
	t.Helper()
	attrs, err := nlattr.Parse(b)
	if err != nil {
		t.Fatalf("%s: %v", level, err)
	}
	var out []string
	for _, a := range attrs {
		if sub, ok := linkNests[level][a.Type]; ok {
			out = append(out, fmt.Sprintf("%d/%#x:{%s}", a.Type, a.Flags, strings.Join(linkCanon(t, a.Data, sub, omit), " ")))
			continue
		}
		if omit[level][a.Type] && len(a.Data) > 0 && !slices.ContainsFunc(a.Data, func(c byte) bool { return c != 0 }) {
			continue
		}
		out = append(out, fmt.Sprintf("%d/%#x:%x", a.Type, a.Flags, a.Data))
	}
	slices.Sort(out)
	return out
}

// TestLinkDecodeCaptured decodes the dump that TestLinkCapture recorded
// from a real kernel, checks the links against what made them
// (linkCaptureSetup), and re-encodes each: the attributes must be the
// kernel's, flags included (but for their order, and zero values of
// omitempty fields, which a request leaves out), and encoding
// what that decodes to must give the same bytes again.
func TestLinkDecodeCaptured(t *testing.T) {
	msgs := linkReadCapture(t, "link_dump.hex")
	var links []rt.Link
	for i, m := range msgs {
		var l rt.Link
		if err := marshal.Unmarshal(m, &l); err != nil {
			t.Fatalf("message %d: %v", i, err)
		}
		links = append(links, l)

		b, err := marshal.Marshal(&l)
		if err != nil {
			t.Fatalf("message %d: %v", i, err)
		}
		if !bytes.Equal(b[:unix.SizeofIfInfomsg], m[:unix.SizeofIfInfomsg]) {
			t.Errorf("%s: re-encoded header %x, kernel's %x", l.Name, b[:unix.SizeofIfInfomsg], m[:unix.SizeofIfInfomsg])
		}
		omit := map[string]map[uint16]bool{"link": linkOmitted(reflect.TypeFor[rt.Link]()), "info": linkOmitted(reflect.TypeFor[rt.LinkInfo]())}
		if l.Info != nil && l.Info.Data != nil {
			omit["data"] = linkOmitted(reflect.TypeOf(l.Info.Data))
		}
		if l.Info != nil && l.Info.SlaveData != nil {
			omit["slave"] = linkOmitted(reflect.TypeOf(l.Info.SlaveData))
		}
		if d := cmp.Diff(linkCanon(t, m[unix.SizeofIfInfomsg:], "link", omit), linkCanon(t, b[unix.SizeofIfInfomsg:], "link", nil)); d != "" {
			t.Errorf("%s: re-encoded attributes differ (-kernel +nlstruct):\n%s", l.Name, d)
		}
		var again rt.Link
		if err := marshal.Unmarshal(b, &again); err != nil {
			t.Fatal(err)
		}
		if d := cmp.Diff(l, again, linkCmp); d != "" {
			t.Errorf("%s: decode→encode→decode (-first +again):\n%s", l.Name, d)
		}
		if b2, err := marshal.Marshal(&again); err != nil || !bytes.Equal(b, b2) {
			t.Errorf("%s: encoding is not stable (%v)", l.Name, err)
		}
	}

	type want struct {
		name, kind, slaveKind, address string
		index, master, parent          int32
		mtu                            uint32
	}
	wants := []want{
		{name: "lo", index: 1, mtu: 65536, address: "00:00:00:00:00:00"},
		{name: "v1", index: 2, kind: "veth", slaveKind: "bridge", master: 4, parent: 3, mtu: 1500, address: "02:00:00:00:00:02"},
		{name: "v0", index: 3, kind: "veth", parent: 2, mtu: 1400, address: "02:00:00:00:00:01"},
		{name: "br0", index: 4, kind: "bridge", mtu: 1500, address: "02:00:00:00:00:03"},
		{name: "mv0", index: 5, kind: "macvlan", parent: 3, mtu: 1400, address: "02:00:00:00:00:04"},
		{name: "vx0", index: 6, kind: "vxlan", mtu: 1500, address: "02:00:00:00:00:05"},
		{name: "ifb0", index: 7, kind: "ifb", mtu: 1500}, // a random address
	}
	if len(links) != len(wants) {
		t.Fatalf("%d links, want %d", len(links), len(wants))
	}
	for i, w := range wants {
		l := links[i]
		var kind, slaveKind string
		if l.Info != nil {
			kind, slaveKind = l.Info.Kind, l.Info.SlaveKind
		}
		var master int32
		if l.Master != nil {
			master = *l.Master
		}
		got := want{name: l.Name, kind: kind, slaveKind: slaveKind, address: l.Address.String(), index: l.Header.Index,
			master: master, parent: l.ParentIndex, mtu: l.MTU}
		if w.address == "" {
			got.address = ""
		}
		if got != w {
			t.Errorf("link %d:\n got %+v\nwant %+v", i, got, w)
		}
		if l.Stats64 == nil || l.OperState != rt.LinkOperDown && w.name != "lo" {
			t.Errorf("%s: stats64 %v operstate %v; want counters and DOWN", l.Name, l.Stats64, l.OperState)
		}
	}
	lo := links[0]
	if lo.Header.Type != unix.ARPHRD_LOOPBACK || lo.Header.Flags&unix.IFF_LOOPBACK == 0 || lo.Info != nil {
		t.Errorf("lo: header %+v info %+v", lo.Header, lo.Info)
	}
	br, _ := links[3].Info.Data.(*rt.BridgeData)
	if br == nil || *br.ForwardDelay != 1000 || *br.Priority != 4096 || br.BridgeID == nil ||
		br.BridgeID.Prio != [2]byte{0x10, 0} || br.BridgeID.Addr != [6]byte{2, 0, 0, 0, 0, 3} {
		t.Errorf("br0 data %+v", br)
	}
	port, _ := links[1].Info.SlaveData.(*rt.BridgePortData)
	if port == nil || *port.Cost != 33 || *port.State != rt.BridgeStateDisabled || port.No != 1 {
		t.Errorf("v1 port data %+v", port)
	}
	if mv, _ := links[4].Info.Data.(*rt.MacvlanData); mv == nil || mv.Mode != rt.MacvlanModeBridge {
		t.Errorf("mv0 data %+v", links[4].Info.Data)
	}
	vx, _ := links[5].Info.Data.(*rt.VxlanData)
	if vx == nil || vx.ID != 42 || vx.Group != netip.MustParseAddr("10.0.0.2") || vx.Local != netip.MustParseAddr("10.0.0.1") || vx.Port != 4789 {
		t.Errorf("vx0 data %+v", vx)
	}
	ifb := links[6]
	if ifb.Alias == nil || *ifb.Alias != "captured" || ifb.Props == nil || !slices.Equal(ifb.Props.AltNames, []string{"an-alternative-name-for-ifb0"}) {
		t.Errorf("ifb0: alias %v props %+v", ifb.Alias, ifb.Props)
	}
}

// TestLinkPropertyHostile decodes random bytes, and captured messages with
// random bytes changed, as a Link: decoding never panics, and a value it
// accepts is a fixpoint of encode→decode.
func TestLinkPropertyHostile(t *testing.T) {
	seeds := linkReadCapture(t, "link_dump.hex")
	rapid.Check(t, func(rt_ *rapid.T) {
		var b []byte
		if rapid.Bool().Draw(rt_, "random") {
			b = rapid.SliceOfN(rapid.Byte(), 0, 256).Draw(rt_, "bytes")
		} else {
			b = bytes.Clone(rapid.SampledFrom(seeds).Draw(rt_, "seed"))
			for range rapid.IntRange(1, 4).Draw(rt_, "edits") {
				b[rapid.IntRange(0, len(b)-1).Draw(rt_, "at")] = rapid.Byte().Draw(rt_, "to")
			}
		}
		var l rt.Link
		if err := marshal.Unmarshal(b, &l); err != nil {
			return
		}
		enc, err := marshal.Marshal(&l)
		if err != nil {
			rt_.Fatalf("decoded %+v, cannot encode it: %v", l, err)
		}
		var again rt.Link
		if err := marshal.Unmarshal(enc, &again); err != nil {
			rt_.Fatalf("decode→encode→decode: %v", err)
		}
		if d := cmp.Diff(l, again, linkCmp); d != "" {
			rt_.Fatalf("decode→encode→decode (-first +again):\n%s", d)
		}
	})
}
