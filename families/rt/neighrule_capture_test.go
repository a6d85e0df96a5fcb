package rt_test

import (
	"bytes"
	"context"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/netip"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/nlstruct/nlstruct/families/rt"
	"github.com/nlstruct/nlstruct/marshal"
	"github.com/nlstruct/nlstruct/socket"
)

// neighCaptureEnv turns TestNeighRuleCapture on.
const neighCaptureEnv = "NLSTRUCT_CAPTURE"

// neighCaptureSetup is the namespace the neighbour captures come from,
// after neighSetup; the entries the captures keep are these.
const neighCaptureSetup = `ip neigh add 10.0.0.2 lladdr 02:00:00:00:00:02 dev veth0 nud permanent
ip neigh add 10.0.0.3 lladdr 02:00:00:00:00:03 dev veth0 nud noarp
ip neigh add 10.0.0.4 lladdr 02:00:00:00:00:04 dev veth0 nud stale protocol 42 extern_learn
ip -6 neigh add 2001:db8::2 lladdr 02:00:00:00:00:12 dev veth0 nud permanent router
ip neigh add proxy 10.0.0.99 dev veth0
ip -6 neigh add proxy 2001:db8::99 dev veth0
bridge fdb add 02:00:00:00:00:aa dev vethb0 master static
bridge fdb add 02:00:00:00:00:bb dev vethb0 master static sticky`

// neighCaptureDsts are the entries neigh_dump.hex keeps (the namespace
// also has multicast NOARP entries the kernel makes as it sends MLD and
// IGMP reports, at times of its own).
var neighCaptureDsts = []string{"10.0.0.2", "10.0.0.3", "10.0.0.4", "2001:db8::2"}

// TestNeighRuleCapture records real kernel replies into
// testdata/neigh*.hex and testdata/rule*.hex, for the decoding tests
// (TestNeighDecodeCapture, TestRuleDecodeCapture). Run it as root:
//
//	NLSTRUCT_CAPTURE=1 go test -run TestNeighRuleCapture ./families/rt
func TestNeighRuleCapture(t *testing.T) {
	if os.Getenv(neighCaptureEnv) == "" {
		t.Skipf("set %s=1 to record testdata/neigh*.hex and testdata/rule*.hex from the running kernel", neighCaptureEnv)
	}
	ns := neighNewNS(t)
	neighSetup(t, ns)
	ns.script(t, neighCaptureSetup)
	ctx := context.Background()
	sc := ns.c.Socket()
	where := fmt.Sprintf("In a fresh network namespace: veth0 (10.0.0.1/24, 2001:db8::1/64; ifindex %d) and its peer veth1 (%d), a bridge br0 (%d) with the port vethb0 (%d; its peer vethb1, %d), all up; then:\n",
		ns.ifindex(t, "veth0"), ns.ifindex(t, "veth1"), ns.ifindex(t, "br0"), ns.ifindex(t, "vethb0"), ns.ifindex(t, "vethb1")) + neighCaptureSetup

	// The neighbours, with what ip said at the same moment.
	ms := neighDump(t, ctx, sc, unix.RTM_GETNEIGH, &rt.NdMsg{Family: unix.AF_UNSPEC})
	ms = slices.DeleteFunc(ms, func(m []byte) bool {
		var n rt.Neighbour
		if err := marshal.Unmarshal(m, &n); err != nil {
			t.Fatal(err)
		}
		return !slices.Contains(neighCaptureDsts, n.Dst.String())
	})
	var shown []neighIP
	ns.json(t, &shown, "ip", "-j", "-s", "neigh", "show", "nud", "all")
	shown = slices.DeleteFunc(shown, func(e neighIP) bool { return !slices.Contains(neighCaptureDsts, e.str("dst")) })
	ipJSON, err := json.Marshal(shown)
	if err != nil {
		t.Fatal(err)
	}
	neighWriteCapture(t, "neigh_dump.hex", "RTM_GETNEIGH dump, family AF_UNSPEC: the entries for "+strings.Join(neighCaptureDsts, ", ")+" (the others, multicast NOARP entries, left out)",
		where+"\nip -j -s neigh show nud all, run just after, said (the same entries): "+string(ipJSON), ms)

	ms = neighDump(t, ctx, sc, unix.RTM_GETNEIGH, &rt.NdMsg{Family: unix.AF_UNSPEC, Flags: rt.NTFProxy})
	neighWriteCapture(t, "neigh_proxy_dump.hex", "RTM_GETNEIGH dump, family AF_UNSPEC, ndm_flags NTF_PROXY: all the proxy entries", where, ms)

	ms = neighDump(t, ctx, sc, unix.RTM_GETNEIGH, &rt.NdMsg{Family: unix.AF_BRIDGE})
	ms = slices.DeleteFunc(ms, func(m []byte) bool {
		var n rt.Neighbour
		if err := marshal.Unmarshal(m, &n); err != nil {
			t.Fatal(err)
		}
		return !strings.HasPrefix(n.LLAddr.String(), "02:00:00:00:00:")
	})
	var shownFDB []neighIP
	ns.json(t, &shownFDB, "bridge", "-j", "-s", "fdb", "show", "dev", "vethb0")
	shownFDB = slices.DeleteFunc(shownFDB, func(e neighIP) bool { return !strings.HasPrefix(e.str("mac"), "02:00:00:00:00:") })
	fdbJSON, err := json.Marshal(shownFDB)
	if err != nil {
		t.Fatal(err)
	}
	neighWriteCapture(t, "neigh_fdb_dump.hex", "RTM_GETNEIGH dump, family AF_BRIDGE: the entries for 02:00:00:00:00:aa and :bb (the bridge's own and multicast entries left out)",
		where+"\nbridge -j -s fdb show dev vethb0, run just after, said (the same entries): "+string(fdbJSON), ms)

	// The rules: the defaults, then the rules of ruleCases added with ip.
	ns2 := neighNewNS(t)
	ruleLinks(t, ns2)
	var script []string
	for _, c := range ruleCases() {
		ns2.run(t, "ip", strings.Fields(c.ipArgs)...)
		script = append(script, "ip "+c.ipArgs)
	}
	where = "In a fresh network namespace with veth0 (down) and lo (up); then:\n" + strings.Join(script, "\n")
	var rules [][]byte
	for _, family := range []uint8{unix.AF_INET, unix.AF_INET6} {
		rules = append(rules, neighDump(t, ctx, ns2.c.Socket(), unix.RTM_GETRULE, &rt.FibRuleHdr{Family: family})...)
	}
	neighWriteCapture(t, "rule_dump.hex", "RTM_GETRULE dumps, family AF_INET then AF_INET6: every rule", where, rules)
}

// neighDump runs a dump and returns the replies' payloads.
func neighDump(t *testing.T, ctx context.Context, sc *socket.Conn, typ uint16, body any) [][]byte {
	t.Helper()
	ms, err := sc.DumpAll(ctx, socket.Request{Type: typ, Body: body})
	if err != nil {
		t.Fatal(err)
	}
	var out [][]byte
	for _, m := range ms {
		out = append(out, bytes.Clone(m.Data))
	}
	return out
}

// neighWriteCapture writes testdata/name: comment lines (what it is, where
// it comes from, how it was made), then one message payload per line in
// hex.
func neighWriteCapture(t *testing.T, name, what, where string, msgs [][]byte) {
	t.Helper()
	var uts unix.Utsname
	if err := unix.Uname(&uts); err != nil {
		t.Fatal(err)
	}
	var sb strings.Builder
	fmt.Fprintf(&sb, "# %s.\n", what)
	fmt.Fprintf(&sb, "# Captured from Linux %s by TestNeighRuleCapture (%s=1 go test -run TestNeighRuleCapture ./families/rt).\n", unix.ByteSliceToString(uts.Release[:]), neighCaptureEnv)
	for line := range strings.Lines(where) {
		fmt.Fprintf(&sb, "# %s\n", strings.TrimRight(line, "\n"))
	}
	sb.WriteString("# One message per line: the netlink payload (the fixed header, then the attributes) in hex.\n")
	for _, m := range msgs {
		sb.WriteString(hex.EncodeToString(m))
		sb.WriteString("\n")
	}
	if err := os.WriteFile(filepath.Join("testdata", name), []byte(sb.String()), 0o644); err != nil {
		t.Fatal(err)
	}
}

// neighReadCapture reads the messages of testdata/name.
func neighReadCapture(t *testing.T, name string) [][]byte {
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

// neighCaptureComment returns the rest of the comment line of
// testdata/name that starts with prefix (after "# ").
func neighCaptureComment(t *testing.T, name, prefix string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	for line := range strings.Lines(string(b)) {
		if rest, ok := strings.CutPrefix(strings.TrimSpace(line), "# "+prefix); ok {
			return rest
		}
	}
	t.Fatalf("%s: no comment line %q", name, prefix)
	return ""
}

// neighAddr is netip.MustParseAddr, short.
func neighAddr(s string) netip.Addr { return netip.MustParseAddr(s) }
