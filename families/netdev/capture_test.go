package netdev_test

import (
	"bytes"
	"context"
	"encoding/hex"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/nlstruct/nlstruct/families/genl"
	"github.com/nlstruct/nlstruct/families/netdev"
	"github.com/nlstruct/nlstruct/internal/linktest"
	"github.com/nlstruct/nlstruct/socket"
)

// captureEnv turns TestCapture on: it then rewrites testdata/*.hex from the
// running kernel.
const captureEnv = "NLSTRUCT_CAPTURE"

// TestCapture records real kernel replies into testdata/*.hex, for the
// decoding tests (decode_test.go). Run it as root:
//
//	NLSTRUCT_CAPTURE=1 go test -run TestCapture ./families/netdev
//
// It works in a fresh network namespace (see linktest.New), so the replies do
// not depend on the machine. Each file holds one message per line: the hex
// of the generic netlink payload (genlmsghdr, then the attributes), after
// comment lines saying what it is.
func TestCapture(t *testing.T) {
	if os.Getenv(captureEnv) == "" {
		t.Skipf("set %s=1 to record testdata/*.hex from the running kernel", captureEnv)
	}
	ns := linktest.New(t)
	ctx := context.Background()
	ms, err := ns.Genl.Execute(ctx, netdev.Family, genl.Request{Command: netdev.CmdDevGet, Body: &netdev.DevGetRequest{Ifindex: uint32(ns.Index(t, "veth0"))}})
	if err != nil {
		t.Fatal(err)
	}
	writeCapture(t, "dev-veth0.hex", "NETDEV_CMD_DEV_GET (do) for veth0 (ifindex 3), one end of a veth pair", inTestNS, payloads(ms))
	f, err := ns.Genl.Family(ctx, netdev.Family)
	if err != nil {
		t.Fatal(err)
	}
	ms, err = ns.Genl.Socket().DumpAll(ctx, socket.Request{Type: f.ID, Header: &genl.Header{Command: netdev.CmdDevGet, Version: netdev.Version}})
	if err != nil {
		t.Fatal(err)
	}
	writeCapture(t, "dev-dump.hex", "NETDEV_CMD_DEV_GET (dump): lo (1), veth1 (2), veth0 (3), extra0 (4, "+ns.Extra+")", inTestNS, payloads(ms))

	// The only attribute the namespace's devices lack is
	// NETDEV_A_DEV_XDP_ZC_MAX_SEGS, sent for AF_XDP zero-copy devices:
	// take one from the test's own namespace, if it has one.
	c, err := genl.Dial(nil)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	devs, err := netdev.New(c).Devices(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range devs {
		if d.XDPFeatures&netdev.XDPActXSKZerocopy == 0 {
			continue
		}
		ifi, err := net.InterfaceByIndex(int(d.Ifindex))
		if err != nil {
			t.Fatal(err)
		}
		driver, _ := os.Readlink(filepath.Join("/sys/class/net", ifi.Name, "device/driver"))
		ms, err := c.Execute(ctx, netdev.Family, genl.Request{Command: netdev.CmdDevGet, Body: &netdev.DevGetRequest{Ifindex: d.Ifindex}})
		if err != nil {
			t.Fatal(err)
		}
		writeCapture(t, "dev-zerocopy.hex", fmt.Sprintf("NETDEV_CMD_DEV_GET (do) for %s (ifindex %d, driver %s), an AF_XDP zero-copy device", ifi.Name, d.Ifindex, filepath.Base(driver)),
			"In the root network namespace of the capturing machine (a VM)", payloads(ms))
		break
	}
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
	fmt.Fprintf(&sb, "# Captured from Linux %s by TestCapture (%s=1 go test -run TestCapture ./families/netdev).\n", unix.ByteSliceToString(uts.Release[:]), captureEnv)
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
