package ethtool_test

import (
	"bytes"
	"context"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/nlstruct/nlstruct/families/ethtool"
	"github.com/nlstruct/nlstruct/families/genl"
	"github.com/nlstruct/nlstruct/internal/linktest"
	"github.com/nlstruct/nlstruct/socket"
)

// captureEnv turns TestCapture on: it then rewrites testdata/*.hex from the
// running kernel.
const captureEnv = "NLSTRUCT_CAPTURE"

// TestCapture records real kernel replies into testdata/*.hex, for the
// decoding tests (decode_test.go). Run it as root:
//
//	NLSTRUCT_CAPTURE=1 go test -run TestCapture ./families/ethtool
//
// It works in a fresh network namespace (see linktest.New), so the replies
// (ifindexes, names) do not depend on the machine. Each file holds one
// message per line: the hex of the generic netlink payload (genlmsghdr,
// then the attributes), after comment lines saying what it is.
func TestCapture(t *testing.T) {
	if os.Getenv(captureEnv) == "" {
		t.Skipf("set %s=1 to record testdata/*.hex from the running kernel", captureEnv)
	}
	ns := linktest.New(t)
	ctx := context.Background()
	do := func(cmd uint8, body any) [][]byte {
		t.Helper()
		ms, err := ns.Genl.Execute(ctx, ethtool.Family, genl.Request{Command: cmd, Body: body})
		if err != nil {
			t.Fatal(err)
		}
		return payloads(ms)
	}
	dump := func(cmd uint8, body any) [][]byte {
		t.Helper()
		f, err := ns.Genl.Family(ctx, ethtool.Family)
		if err != nil {
			t.Fatal(err)
		}
		ms, err := ns.Genl.Socket().DumpAll(ctx, socket.Request{Type: f.ID, Header: &genl.Header{Command: cmd, Version: ethtool.Version}, Body: body})
		if err != nil {
			t.Fatal(err)
		}
		return payloads(ms)
	}
	byName := func(name string) ethtool.Header { return ethtool.Header{DevName: name} }
	stats := func(name string) ethtool.StatsHeader {
		return ethtool.StatsHeader{DevName: name, Flags: ethtool.FlagStats}
	}
	writeCapture(t, "linkinfo-veth0.hex", "ETHTOOL_MSG_LINKINFO_GET (do) for veth0, one end of a veth pair (both ends up)", inTestNS,
		do(ethtool.MsgLinkInfoGet, &ethtool.LinkInfoRequest{Header: byName("veth0")}))
	writeCapture(t, "linkinfo-dump.hex", "ETHTOOL_MSG_LINKINFO_GET (dump): veth1 and veth0; lo and extra0 report no link settings and are left out", inTestNS,
		dump(ethtool.MsgLinkInfoGet, &ethtool.LinkInfoRequest{}))
	writeCapture(t, "linkmodes-veth0.hex", "ETHTOOL_MSG_LINKMODES_GET (do) for veth0, verbose bit sets", inTestNS,
		do(ethtool.MsgLinkModesGet, &ethtool.LinkModesRequest{Header: byName("veth0")}))
	writeCapture(t, "linkmodes-veth0-compact.hex", "ETHTOOL_MSG_LINKMODES_GET (do) for veth0 with ETHTOOL_FLAG_COMPACT_BITSETS", inTestNS,
		do(ethtool.MsgLinkModesGet, &ethtool.LinkModesRequest{Header: ethtool.Header{DevName: "veth0", Flags: ethtool.FlagCompactBitsets}}))
	writeCapture(t, "linkstate-veth0.hex", "ETHTOOL_MSG_LINKSTATE_GET (do) for veth0 with ETHTOOL_FLAG_STATS (link up)", inTestNS,
		do(ethtool.MsgLinkStateGet, &ethtool.LinkStateRequest{Header: stats("veth0")}))
	writeCapture(t, "linkstate-dump.hex", "ETHTOOL_MSG_LINKSTATE_GET (dump) with ETHTOOL_FLAG_STATS: lo (down: link 0), veth1, veth0 (up: link 1), extra0 ("+ns.Extra+": no get_link, so no link attribute)", inTestNS,
		dump(ethtool.MsgLinkStateGet, &ethtool.LinkStateRequest{Header: ethtool.StatsHeader{Flags: ethtool.FlagStats}}))
}

// payloads returns the messages' payloads, copied.
func payloads(ms []socket.Message) [][]byte {
	var out [][]byte
	for _, m := range ms {
		out = append(out, bytes.Clone(m.Data))
	}
	return out
}

// inTestNS says where the namespace captures come from.
const inTestNS = "In a fresh network namespace: lo, veth1/veth0 (a veth pair, both up) and extra0 (dummy or ifb, up)"

// writeCapture writes testdata/name: comment lines (what it is, where it
// comes from, how it was made), then one message per line in hex.
func writeCapture(t *testing.T, name, what, where string, msgs [][]byte) {
	t.Helper()
	var uts unix.Utsname
	if err := unix.Uname(&uts); err != nil {
		t.Fatal(err)
	}
	var sb strings.Builder
	fmt.Fprintf(&sb, "# %s.\n", what)
	fmt.Fprintf(&sb, "# Captured from Linux %s by TestCapture (%s=1 go test -run TestCapture ./families/ethtool).\n", unix.ByteSliceToString(uts.Release[:]), captureEnv)
	fmt.Fprintf(&sb, "# %s.\n", where)
	sb.WriteString("# One message per line: the generic netlink payload (genlmsghdr, then the attributes) in hex.\n")
	for _, m := range msgs {
		sb.WriteString(hex.EncodeToString(m))
		sb.WriteString("\n")
	}
	if err := os.WriteFile(filepath.Join("testdata", name), []byte(sb.String()), 0o644); err != nil {
		t.Fatal(err)
	}
}

// readCapture reads the messages of testdata/name.
func readCapture(t *testing.T, name string) [][]byte {
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
