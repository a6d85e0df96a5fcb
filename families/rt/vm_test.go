package rt_test

// Link kinds whose drivers the host kernel may lack (dummy, 8021q,
// bonding): TestRtInVM boots Debian's cloud kernel under qemu
// (internal/vmtest) with those modules loaded and runs the TestVMLink*
// tests inside it. Run directly on the host, the TestVMLink* tests skip.
//
// The VM has busybox but no iproute2, so what nlstruct writes and reads is
// cross-checked against /proc/net/vlan, /proc/net/bonding and
// /sys/class/net, read inside the test's private network namespace:
// /proc/thread-self/net from a thread in it, and a sysfs mounted by a
// thread in it (in a mount namespace of its own), since sysfs shows the
// devices of the namespace that mounts it. The 802.1Q/802.1ad protocol,
// which neither shows, is checked on the wire: a frame sent on the VLAN is
// captured on its parent and its tag read.

import (
	"bytes"
	"errors"
	"fmt"
	"net/netip"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"golang.org/x/sys/unix"

	"github.com/nlstruct/nlstruct/families/rt"
	"github.com/nlstruct/nlstruct/internal/netnstest"
	"github.com/nlstruct/nlstruct/internal/vmtest"
	"github.com/nlstruct/nlstruct/nlattr"
	"github.com/nlstruct/nlstruct/socket"
)

// TestRtInVM boots the VM with the dummy, 8021q and bonding modules and
// runs the TestVMLink* tests in it. Without the VM's kernel and tools
// (internal/vmtest/install-deps.sh) it skips, or fails when
// NLSTRUCT_REQUIRE_VM=1.
func TestRtInVM(t *testing.T) {
	if vmtest.InVM() {
		t.Skip("inside the VM: the TestVMLink* tests are the tests here")
	}
	vmtest.Run(t, vmtest.Options{
		Run:     "^TestVMLink",
		Modules: []string{"dummy", "8021q", "bonding"},
		Timeout: 4 * time.Minute,
	})
}

// vmLinkNS skips t outside the VM; inside, it creates a private network
// namespace and returns an rt.Conn in it and the namespace's fd.
func vmLinkNS(t *testing.T) (*rt.Conn, int) {
	t.Helper()
	if !vmtest.InVM() {
		t.Skip("needs the dummy, 8021q and bonding drivers: runs inside the VM that TestRtInVM boots")
	}
	fd := netnstest.New(t)
	c, err := rt.Dial(&socket.Config{NetNSFD: fd})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c, fd
}

// vmLinkAdd creates l and returns it as the kernel reports it. In the VM
// every kind used here must exist: a failure fails the test.
func vmLinkAdd(t *testing.T, c *rt.Conn, l *rt.Link) *rt.Link {
	t.Helper()
	if err := c.AddLink(linkCtx(t), l); err != nil {
		t.Fatalf("AddLink(%s): %v", l.Name, err)
	}
	return linkByName(t, c, l.Name)
}

// vmLinkSet calls SetLink, failing the test on an error.
func vmLinkSet(t *testing.T, c *rt.Conn, l *rt.Link) {
	t.Helper()
	if err := c.SetLink(linkCtx(t), l); err != nil {
		t.Fatal(err)
	}
}

// vmLinkUp brings the link up (or down), failing the test on an error.
func vmLinkUp(t *testing.T, c *rt.Conn, index int32, up bool) {
	t.Helper()
	if err := c.SetLinkUp(linkCtx(t), index, up); err != nil {
		t.Fatal(err)
	}
}

// vmLinkSysfs reads /sys/class/net/<p> for each p, as seen from the
// network namespace fd: on a thread of its own that enters the namespace,
// unshares its mount namespace and mounts a sysfs there. Values are
// trimmed; a symbolic link (such as <dev>/master) reads as the base name
// of its target; a missing file is absent from the map.
func vmLinkSysfs(t *testing.T, fd int, paths ...string) map[string]string {
	t.Helper()
	out := make(map[string]string)
	errc := make(chan error, 1)
	go func() {
		// The thread's namespaces change for good: it stays locked, so
		// the runtime ends it with this goroutine.
		runtime.LockOSThread()
		errc <- func() error {
			if err := unix.Unshare(unix.CLONE_NEWNS); err != nil {
				return fmt.Errorf("unshare(CLONE_NEWNS): %w", err)
			}
			if err := unix.Mount("", "/", "", unix.MS_REC|unix.MS_PRIVATE, ""); err != nil {
				return fmt.Errorf("make / private: %w", err)
			}
			if err := unix.Setns(fd, unix.CLONE_NEWNET); err != nil {
				return fmt.Errorf("enter the network namespace: %w", err)
			}
			if err := unix.Mount("sysfs", "/sys", "sysfs", 0, ""); err != nil {
				return fmt.Errorf("mount sysfs: %w", err)
			}
			for _, p := range paths {
				full := "/sys/class/net/" + p
				fi, err := os.Lstat(full)
				if errors.Is(err, os.ErrNotExist) {
					continue
				}
				if err != nil {
					return err
				}
				if fi.Mode()&os.ModeSymlink != 0 {
					target, err := os.Readlink(full)
					if err != nil {
						return err
					}
					out[p] = filepath.Base(target)
					continue
				}
				b, err := os.ReadFile(full)
				if err != nil {
					return err
				}
				out[p] = strings.TrimSpace(string(b))
			}
			return nil
		}()
	}()
	if err := <-errc; err != nil {
		t.Fatalf("reading sysfs in the namespace: %v", err)
	}
	return out
}

// vmLinkSysfsCheck compares /sys/class/net/<p> with want[p] for each p;
// a want of "<absent>" expects no such file.
func vmLinkSysfsCheck(t *testing.T, fd int, want map[string]string) {
	t.Helper()
	var paths []string
	for p := range want {
		paths = append(paths, p)
	}
	slices.Sort(paths)
	got := vmLinkSysfs(t, fd, paths...)
	for _, p := range paths {
		g, ok := got[p]
		if !ok {
			g = vmLinkAbsent
		}
		if g != want[p] {
			t.Errorf("sysfs %s = %q, want %q", p, g, want[p])
		}
	}
}

// vmLinkAbsent stands for a missing file in vmLinkSysfsCheck.
const vmLinkAbsent = "<absent>"

// vmLinkSysfsWait polls /sys/class/net/<p> until it reads want, for up to
// 20 s (bonding's link monitor runs on timers, slow under emulation).
func vmLinkSysfsWait(t *testing.T, fd int, p, want string) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		got := vmLinkSysfs(t, fd, p)[p]
		if got == want {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("sysfs %s = %q after 20 s, want %q", p, got, want)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// vmLinkSysfsNum returns the number at the end of a sysfs value such as
// bonding's "active-backup 1".
func vmLinkSysfsNum(t *testing.T, v string) uint64 {
	t.Helper()
	f := strings.Fields(v)
	if len(f) == 0 {
		t.Fatalf("sysfs value %q has no number", v)
	}
	n, err := strconv.ParseUint(f[len(f)-1], 10, 32)
	if err != nil {
		t.Fatalf("sysfs value %q: %v", v, err)
	}
	return n
}

// vmLinkProcNet returns /proc/net/<p> as the network namespace fd sees it
// (read through /proc/thread-self/net from a thread inside it), and
// whether it exists.
func vmLinkProcNet(t *testing.T, fd int, p string) (string, bool) {
	t.Helper()
	var (
		b   []byte
		err error
	)
	netnstest.Run(t, fd, func() { b, err = os.ReadFile("/proc/thread-self/net/" + p) })
	if errors.Is(err, os.ErrNotExist) {
		return "", false
	}
	if err != nil {
		t.Fatal(err)
	}
	return string(b), true
}

// vmLinkNames returns the names nlstruct lists in the namespace.
func vmLinkNames(t *testing.T, c *rt.Conn) []string {
	t.Helper()
	ls, err := c.Links(linkCtx(t))
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, l := range ls {
		names = append(names, l.Name)
	}
	slices.Sort(names)
	return names
}

// vmLinkGone checks that the link is gone for both nlstruct and sysfs.
func vmLinkGone(t *testing.T, c *rt.Conn, fd int, index int32, name string) {
	t.Helper()
	if _, err := c.Link(linkCtx(t), index); !errors.Is(err, unix.ENODEV) {
		t.Errorf("Link(%d) after deleting %s: %v, want ENODEV", index, name, err)
	}
	vmLinkSysfsCheck(t, fd, map[string]string{name + "/ifindex": vmLinkAbsent})
}

// vmLinkReadAll reads the link with Link, LinkByName and Links, checks
// that the three agree (but for counters), and returns it.
func vmLinkReadAll(t *testing.T, c *rt.Conn, name string) *rt.Link {
	t.Helper()
	ctx := linkCtx(t)
	byName := linkByName(t, c, name)
	byIndex, err := c.Link(ctx, byName.Header.Index)
	if err != nil {
		t.Fatal(err)
	}
	all, err := c.Links(ctx)
	if err != nil {
		t.Fatal(err)
	}
	i := slices.IndexFunc(all, func(l rt.Link) bool { return l.Name == name })
	if i < 0 {
		t.Fatalf("Links does not list %s", name)
	}
	// Counters move between the reads: the statistics, and IFLA_AF_SPEC
	// (kept in Unknown), which holds IPv6's live packet counters.
	noStats := cmp.Options{
		cmpopts.IgnoreFields(rt.Link{}, "Stats", "Stats64"),
		cmpopts.IgnoreSliceElements(func(a nlattr.Attr) bool { return a.Type == unix.IFLA_AF_SPEC }),
		cmpopts.EquateComparable(netip.Addr{}),
	}
	if d := cmp.Diff(byName, byIndex, noStats); d != "" {
		t.Errorf("%s: LinkByName and Link differ (-byname +byindex):\n%s", name, d)
	}
	if d := cmp.Diff(*byName, all[i], noStats); d != "" {
		t.Errorf("%s: LinkByName and Links differ (-byname +dump):\n%s", name, d)
	}
	return byName
}

// vmLinkHex is a sysfs "0x..." value as a number.
func vmLinkHex(t *testing.T, v string) uint32 {
	t.Helper()
	n, err := strconv.ParseUint(strings.TrimPrefix(v, "0x"), 16, 32)
	if err != nil {
		t.Fatalf("sysfs value %q: %v", v, err)
	}
	return uint32(n)
}

// vmLinkOperFlags are the IFF_* bits the kernel derives from the
// operational state for RTM_NEWLINK but does not keep in dev->flags
// (which sysfs's flags shows).
const vmLinkOperFlags = unix.IFF_RUNNING | unix.IFF_LOWER_UP | unix.IFF_DORMANT

// TestVMLinkDummy creates a dummy device with nlstruct, changes it, and
// checks each step against sysfs.
func TestVMLinkDummy(t *testing.T) {
	c, fd := vmLinkNS(t)
	d0 := vmLinkAdd(t, c, &rt.Link{
		Name: "d0", MTU: 9000, Address: linkMAC("02:00:00:00:aa:01"), TxQLen: new(uint32(100)), Group: new(uint32(7)),
		Info: &rt.LinkInfo{Kind: "dummy"},
	})
	idx := d0.Header.Index
	if d0.Info == nil || d0.Info.Kind != "dummy" || d0.Info.Data != nil || d0.MTU != 9000 ||
		d0.Address.String() != "02:00:00:00:aa:01" || d0.TxQLen == nil || *d0.TxQLen != 100 ||
		d0.Group == nil || *d0.Group != 7 || d0.Header.Type != unix.ARPHRD_ETHER {
		t.Errorf("d0 as read: info %+v mtu %d address %s txqlen %v group %v type %d; want a dummy with what was set",
			d0.Info, d0.MTU, d0.Address, d0.TxQLen, d0.Group, d0.Header.Type)
	}
	vmLinkSysfsCheck(t, fd, map[string]string{
		"d0/ifindex": strconv.Itoa(int(idx)), "d0/type": "1", "d0/mtu": "9000", "d0/address": "02:00:00:00:aa:01",
		"d0/tx_queue_len": "100", "d0/netdev_group": "7", "d0/operstate": "down",
	})
	if got := vmLinkNames(t, c); !slices.Equal(got, []string{"d0", "lo"}) {
		t.Errorf("Links lists %v, want [d0 lo]", got)
	}

	vmLinkSet(t, c, &rt.Link{Header: rt.IfInfoMsg{Index: idx}, MTU: 1280, Alias: new("set by nlstruct"), Address: linkMAC("02:00:00:00:aa:02")})
	vmLinkUp(t, c, idx, true)
	d0 = vmLinkReadAll(t, c, "d0")
	sys := vmLinkSysfs(t, fd, "d0/mtu", "d0/ifalias", "d0/address", "d0/operstate", "d0/flags", "d0/carrier")
	want := map[string]string{
		"d0/mtu": "1280", "d0/ifalias": "set by nlstruct", "d0/address": "02:00:00:00:aa:02",
		"d0/operstate": "unknown", "d0/carrier": "1",
	}
	for p, w := range want {
		if sys[p] != w {
			t.Errorf("sysfs %s = %q, want %q", p, sys[p], w)
		}
	}
	// A dummy reports no operational state of its own: UNKNOWN, as sysfs
	// says.
	if d0.MTU != 1280 || d0.Alias == nil || *d0.Alias != "set by nlstruct" || d0.Address.String() != "02:00:00:00:aa:02" || d0.OperState != rt.LinkOperUnknown {
		t.Errorf("d0 after the change: mtu %d alias %v address %s operstate %v", d0.MTU, d0.Alias, d0.Address, d0.OperState)
	}
	// sysfs shows dev->flags; RTM_NEWLINK adds the bits of the
	// operational state. A dummy is a broadcast device without ARP.
	const dummyFlags = unix.IFF_UP | unix.IFF_BROADCAST | unix.IFF_NOARP
	if f := vmLinkHex(t, sys["d0/flags"]); f != d0.Header.Flags&^vmLinkOperFlags || f&dummyFlags != dummyFlags {
		t.Errorf("sysfs flags %#x, nlstruct %#x (without the operational bits %#x); want equal, with UP|BROADCAST|NOARP",
			f, d0.Header.Flags, d0.Header.Flags&^vmLinkOperFlags)
	}
	if d0.Header.Flags&(unix.IFF_RUNNING|unix.IFF_LOWER_UP) != unix.IFF_RUNNING|unix.IFF_LOWER_UP {
		t.Errorf("d0 is up with a carrier, but nlstruct reads flags %#x without RUNNING|LOWER_UP", d0.Header.Flags)
	}

	if err := c.DeleteLink(linkCtx(t), idx); err != nil {
		t.Fatal(err)
	}
	vmLinkGone(t, c, fd, idx, "d0")
	if got := vmLinkNames(t, c); !slices.Equal(got, []string{"lo"}) {
		t.Errorf("after the delete, Links lists %v, want [lo]", got)
	}
}

// vmLinkVlanProc is what /proc/net/vlan/<dev> says about a VLAN.
type vmLinkVlanProc struct {
	VID        uint16
	ReorderHdr bool
	Device     string
	Ingress    [8]uint32         // skb priority of each VLAN priority
	Egress     map[uint32]uint32 // VLAN priority of each skb priority
}

var (
	vmLinkVlanHeadRE    = regexp.MustCompile(`^(\S+)\s+VID: (\d+)\s+REORDER_HDR: (\d)`)
	vmLinkVlanDeviceRE  = regexp.MustCompile(`(?m)^Device: (\S+)`)
	vmLinkVlanIngressRE = regexp.MustCompile(`(?m)^INGRESS priority mappings: (.*)$`)
	vmLinkVlanEgressRE  = regexp.MustCompile(`(?m)^ EGRESS priority mappings: (.*)$`)
)

// vmLinkVlanProcRead parses /proc/net/vlan/<name> in the namespace fd.
func vmLinkVlanProcRead(t *testing.T, fd int, name string) vmLinkVlanProc {
	t.Helper()
	s, ok := vmLinkProcNet(t, fd, "vlan/"+name)
	if !ok {
		t.Fatalf("no /proc/net/vlan/%s", name)
	}
	bad := func(what string) {
		t.Helper()
		t.Fatalf("/proc/net/vlan/%s: cannot parse %s:\n%s", name, what, s)
	}
	var p vmLinkVlanProc
	m := vmLinkVlanHeadRE.FindStringSubmatch(s)
	if m == nil || m[1] != name {
		bad("the first line")
	}
	vid, _ := strconv.ParseUint(m[2], 10, 16)
	p.VID, p.ReorderHdr = uint16(vid), m[3] == "1"
	if m = vmLinkVlanDeviceRE.FindStringSubmatch(s); m == nil {
		bad("Device")
	}
	p.Device = m[1]
	if m = vmLinkVlanIngressRE.FindStringSubmatch(s); m == nil {
		bad("INGRESS")
	}
	f := strings.Fields(m[1])
	if len(f) != 8 {
		bad("INGRESS")
	}
	for i, kv := range f {
		k, v, _ := strings.Cut(kv, ":")
		n, err := strconv.ParseUint(v, 10, 32)
		if k != strconv.Itoa(i) || err != nil {
			bad("INGRESS")
		}
		p.Ingress[i] = uint32(n)
	}
	if m = vmLinkVlanEgressRE.FindStringSubmatch(s); m == nil {
		bad("EGRESS")
	}
	p.Egress = map[uint32]uint32{}
	for _, kv := range strings.Fields(m[1]) {
		k, v, _ := strings.Cut(kv, ":")
		a, err1 := strconv.ParseUint(k, 10, 32)
		b, err2 := strconv.ParseUint(v, 10, 32)
		if err1 != nil || err2 != nil {
			bad("EGRESS")
		}
		p.Egress[uint32(a)] = uint32(b)
	}
	return p
}

// vmLinkVlanConfig returns the lines of /proc/net/vlan/config after its
// two header lines, each as "name id parent".
func vmLinkVlanConfig(t *testing.T, fd int) []string {
	t.Helper()
	s, ok := vmLinkProcNet(t, fd, "vlan/config")
	if !ok {
		t.Fatal("no /proc/net/vlan/config: is 8021q loaded?")
	}
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) < 2 || !strings.HasPrefix(lines[0], "VLAN Dev name") || !strings.HasPrefix(lines[1], "Name-Type:") {
		t.Fatalf("/proc/net/vlan/config: unexpected header:\n%s", s)
	}
	var out []string
	for _, l := range lines[2:] {
		var f []string
		for x := range strings.SplitSeq(l, "|") {
			f = append(f, strings.TrimSpace(x))
		}
		out = append(out, strings.Join(f, " "))
	}
	slices.Sort(out)
	return out
}

// vmLinkQoSWant is the VLAN's QoS mappings as the test sets them, in
// the shapes /proc and nlstruct show them.
func vmLinkQoSWant(ingress, egress []rt.VlanQoSMapping) (in [8]uint32, eg map[uint32]uint32) {
	eg = map[uint32]uint32{}
	for _, m := range ingress {
		in[m.From] = m.To
	}
	for _, m := range egress {
		eg[m.From] = m.To
	}
	return in, eg
}

// vmLinkQoSOf turns the wanted maps into nlstruct's mappings: the kernel
// reports each ingress mapping whose skb priority is not 0, and each
// egress mapping whose VLAN priority is not 0.
func vmLinkQoSOf(in [8]uint32, eg map[uint32]uint32) (ingress, egress *rt.VlanQoS) {
	ingress, egress = &rt.VlanQoS{}, &rt.VlanQoS{}
	for i, to := range in {
		if to != 0 {
			ingress.Mappings = append(ingress.Mappings, rt.VlanQoSMapping{From: uint32(i), To: to})
		}
	}
	for from, to := range eg {
		if to != 0 {
			egress.Mappings = append(egress.Mappings, rt.VlanQoSMapping{From: from, To: to})
		}
	}
	if len(ingress.Mappings) == 0 {
		ingress = nil
	}
	if len(egress.Mappings) == 0 {
		egress = nil
	}
	return ingress, egress
}

// vmLinkTag sends a frame on the VLAN vlanIndex from a socket with
// priority prio, captures it as it leaves the parent, and returns the
// frame's tag protocol identifier and tag control information.
func vmLinkTag(t *testing.T, fd int, parentIndex, vlanIndex int32, prio int) (tpid, tci uint16) {
	t.Helper()
	const etherType = 0x88b5 // ETH_P_802_EX1: local experimental
	src := linkMAC("02:00:00:00:5e:11")
	dst := linkMAC("02:00:00:00:5e:22")
	htons := func(v uint16) uint16 { return v<<8 | v>>8 }
	var frame []byte
	netnstest.Run(t, fd, func() {
		rx, err := unix.Socket(unix.AF_PACKET, unix.SOCK_RAW|unix.SOCK_CLOEXEC, int(htons(unix.ETH_P_ALL)))
		if err != nil {
			t.Error(err)
			return
		}
		defer unix.Close(rx)
		if err := unix.Bind(rx, &unix.SockaddrLinklayer{Protocol: htons(unix.ETH_P_ALL), Ifindex: int(parentIndex)}); err != nil {
			t.Error(err)
			return
		}
		if err := unix.SetsockoptTimeval(rx, unix.SOL_SOCKET, unix.SO_RCVTIMEO, &unix.Timeval{Usec: 200000}); err != nil {
			t.Error(err)
			return
		}
		tx, err := unix.Socket(unix.AF_PACKET, unix.SOCK_RAW|unix.SOCK_CLOEXEC, 0)
		if err != nil {
			t.Error(err)
			return
		}
		defer unix.Close(tx)
		if err := unix.SetsockoptInt(tx, unix.SOL_SOCKET, unix.SO_PRIORITY, prio); err != nil {
			t.Error(err)
			return
		}
		out := make([]byte, 60)
		copy(out, dst)
		copy(out[6:], src)
		out[12], out[13] = etherType>>8, etherType&0xff
		copy(out[14:], "nlstruct vlan tag check")
		to := &unix.SockaddrLinklayer{Ifindex: int(vlanIndex), Halen: 6}
		copy(to.Addr[:], dst)
		if err := unix.Sendto(tx, out, 0, to); err != nil {
			t.Errorf("send on the VLAN: %v", err)
			return
		}
		buf := make([]byte, 2048)
		deadline := time.Now().Add(10 * time.Second)
		for time.Now().Before(deadline) {
			n, from, err := unix.Recvfrom(rx, buf, 0)
			if errors.Is(err, unix.EAGAIN) || errors.Is(err, unix.EINTR) {
				continue
			}
			if err != nil {
				t.Error(err)
				return
			}
			ll, ok := from.(*unix.SockaddrLinklayer)
			if !ok || ll.Pkttype != unix.PACKET_OUTGOING || n < 18 || !bytes.Equal(buf[6:12], src) {
				continue // something else on the parent (GVRP, IPv6...)
			}
			frame = slices.Clone(buf[:n])
			return
		}
		t.Error("the frame sent on the VLAN did not leave its parent within 10 s")
	})
	if frame == nil {
		t.FailNow()
	}
	if got := uint16(frame[16])<<8 | uint16(frame[17]); got != etherType {
		t.Fatalf("the frame on the parent has %#04x after its tag, want %#04x (the tag not in the data?): % x", got, etherType, frame)
	}
	return uint16(frame[12])<<8 | uint16(frame[13]), uint16(frame[14])<<8 | uint16(frame[15])
}

// TestVMLinkVlan creates 802.1Q and 802.1ad VLANs on a dummy with
// nlstruct, checks them against /proc/net/vlan and sysfs and on the wire,
// reads them back with Link, LinkByName and Links, changes and deletes
// them.
func TestVMLinkVlan(t *testing.T) {
	tests := []struct {
		name     string
		id       uint16
		protocol uint16 // as sent: 0 leaves the kernel's default
		tpid     uint16 // the tag on the wire, and IFLA_VLAN_PROTOCOL read back
		flags    *rt.VlanFlags
		reorder  bool   // VLAN_FLAG_REORDER_HDR after the create (on by default)
		flagsOn  uint32 // VLAN_FLAG_* read back
		ingress  []rt.VlanQoSMapping
		egress   []rt.VlanQoSMapping
		prio     int // the sending socket's priority
	}{
		{
			name: "802.1Q", id: 5, tpid: unix.ETH_P_8021Q,
			flags:   &rt.VlanFlags{Flags: rt.VlanFlagGVRP, Mask: rt.VlanFlagGVRP | rt.VlanFlagReorderHdr},
			reorder: false, flagsOn: rt.VlanFlagGVRP,
			ingress: []rt.VlanQoSMapping{{From: 2, To: 20}, {From: 7, To: 70000}},
			egress:  []rt.VlanQoSMapping{{From: 1, To: 6}, {From: 4, To: 2}},
			prio:    4,
		},
		{
			name: "802.1ad", id: 4094, protocol: unix.ETH_P_8021AD, tpid: unix.ETH_P_8021AD,
			flags:   &rt.VlanFlags{Flags: rt.VlanFlagLooseBinding | rt.VlanFlagMVRP, Mask: rt.VlanFlagLooseBinding | rt.VlanFlagMVRP},
			reorder: true, flagsOn: rt.VlanFlagReorderHdr | rt.VlanFlagLooseBinding | rt.VlanFlagMVRP,
			ingress: []rt.VlanQoSMapping{{From: 0, To: 3}},
			// 1 and 17 share a bucket of the kernel's egress map.
			egress: []rt.VlanQoSMapping{{From: 1, To: 3}, {From: 17, To: 5}, {From: 4, To: 7}},
			prio:   17,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, fd := vmLinkNS(t)
			ctx := linkCtx(t)
			d0 := vmLinkAdd(t, c, &rt.Link{Name: "d0", Address: linkMAC("02:00:00:00:bb:01"), Info: &rt.LinkInfo{Kind: "dummy"}})
			name := "d0." + strconv.Itoa(int(tt.id))
			vl := vmLinkAdd(t, c, &rt.Link{Name: name, ParentIndex: d0.Header.Index, Info: &rt.LinkInfo{Data: &rt.VlanData{
				ID: tt.id, Protocol: tt.protocol, Flags: tt.flags,
				IngressQoS: &rt.VlanQoS{Mappings: tt.ingress}, EgressQoS: &rt.VlanQoS{Mappings: tt.egress},
			}}})
			idx := vl.Header.Index

			// The kernel's view.
			in, eg := vmLinkQoSWant(tt.ingress, tt.egress)
			wantProc := vmLinkVlanProc{VID: tt.id, ReorderHdr: tt.reorder, Device: "d0", Ingress: in, Egress: eg}
			if d := cmp.Diff(wantProc, vmLinkVlanProcRead(t, fd, name)); d != "" {
				t.Errorf("/proc/net/vlan/%s (-want +got):\n%s", name, d)
			}
			if got, want := vmLinkVlanConfig(t, fd), []string{fmt.Sprintf("%s %d d0", name, tt.id)}; !slices.Equal(got, want) {
				t.Errorf("/proc/net/vlan/config lists %q, want %q", got, want)
			}
			vmLinkSysfsCheck(t, fd, map[string]string{
				name + "/ifindex": strconv.Itoa(int(idx)), name + "/iflink": strconv.Itoa(int(d0.Header.Index)),
				name + "/type": "1", name + "/mtu": "1500", name + "/address": "02:00:00:00:bb:01",
			})

			// nlstruct's view, field by field.
			got := vmLinkReadAll(t, c, name)
			if got.Name != name || got.ParentIndex != d0.Header.Index || got.MTU != 1500 || got.Address.String() != "02:00:00:00:bb:01" ||
				got.Info == nil || got.Info.Kind != "vlan" || got.Info.SlaveKind != "" || got.Info.SlaveData != nil {
				t.Fatalf("%s as read: name %q parent %d mtu %d address %s info %+v; want a vlan on d0 (%d), mtu 1500, d0's address",
					name, got.Name, got.ParentIndex, got.MTU, got.Address, got.Info, d0.Header.Index)
			}
			wantIn, wantEg := vmLinkQoSOf(in, eg)
			want := &rt.VlanData{ID: tt.id, Protocol: tt.tpid, Flags: &rt.VlanFlags{Flags: tt.flagsOn, Mask: ^uint32(0)}, IngressQoS: wantIn, EgressQoS: wantEg}
			byFrom := cmpopts.SortSlices(func(a, b rt.VlanQoSMapping) bool { return a.From < b.From })
			if d := cmp.Diff(want, got.Info.Data, byFrom); d != "" {
				t.Errorf("%s: IFLA_VLAN_* read back (-want +got):\n%s", name, d)
			}
			if len(got.Info.Unknown) != 0 {
				t.Errorf("%s: link info attributes nlstruct does not know: %v", name, got.Info.Unknown)
			}

			// On the wire: the tag's protocol, VLAN id and the priority the
			// egress map gives the socket's priority.
			vmLinkUp(t, c, d0.Header.Index, true)
			vmLinkUp(t, c, idx, true)
			tpid, tci := vmLinkTag(t, fd, d0.Header.Index, idx, tt.prio)
			if wantTCI := uint16(eg[uint32(tt.prio)])<<13 | tt.id; tpid != tt.tpid || tci != wantTCI {
				t.Errorf("frame sent on %s with priority %d: tag %#04x tci %#04x on d0, want %#04x tci %#04x", name, tt.prio, tpid, tci, tt.tpid, wantTCI)
			}

			// A change: REORDER_HDR toggled, BRIDGE_BINDING set (after the
			// frame: on a parent that is no bridge, it keeps the VLAN's
			// carrier off), a mapping added each way and one egress mapping
			// changed.
			newIn := []rt.VlanQoSMapping{{From: 3, To: 30}}
			newEg := []rt.VlanQoSMapping{{From: 6, To: 1}, {From: tt.egress[0].From, To: 0}}
			vmLinkSet(t, c, &rt.Link{Header: rt.IfInfoMsg{Index: idx}, Info: &rt.LinkInfo{Data: &rt.VlanData{
				Flags: &rt.VlanFlags{
					Flags: ^tt.flagsOn&rt.VlanFlagReorderHdr | rt.VlanFlagBridgeBinding,
					Mask:  rt.VlanFlagReorderHdr | rt.VlanFlagBridgeBinding,
				},
				IngressQoS: &rt.VlanQoS{Mappings: newIn}, EgressQoS: &rt.VlanQoS{Mappings: newEg},
			}}})
			in2, eg2 := vmLinkQoSWant(append(slices.Clone(tt.ingress), newIn...), append(slices.Clone(tt.egress), newEg...))
			wantProc = vmLinkVlanProc{VID: tt.id, ReorderHdr: !tt.reorder, Device: "d0", Ingress: in2, Egress: eg2}
			if d := cmp.Diff(wantProc, vmLinkVlanProcRead(t, fd, name)); d != "" {
				t.Errorf("/proc/net/vlan/%s after SetLink (-want +got):\n%s", name, d)
			}
			wantIn, wantEg = vmLinkQoSOf(in2, eg2)
			want = &rt.VlanData{ID: tt.id, Protocol: tt.tpid, Flags: &rt.VlanFlags{Flags: tt.flagsOn ^ rt.VlanFlagReorderHdr | rt.VlanFlagBridgeBinding, Mask: ^uint32(0)}, IngressQoS: wantIn, EgressQoS: wantEg}
			if d := cmp.Diff(want, vmLinkReadAll(t, c, name).Info.Data, byFrom); d != "" {
				t.Errorf("%s after SetLink: IFLA_VLAN_* read back (-want +got):\n%s", name, d)
			}

			// Deleting the VLAN leaves its parent.
			if err := c.DeleteLink(ctx, idx); err != nil {
				t.Fatal(err)
			}
			vmLinkGone(t, c, fd, idx, name)
			if _, ok := vmLinkProcNet(t, fd, "vlan/"+name); ok {
				t.Errorf("/proc/net/vlan/%s is still there after the delete", name)
			}
			if got := vmLinkVlanConfig(t, fd); len(got) != 0 {
				t.Errorf("after the delete, /proc/net/vlan/config lists %q", got)
			}
			if got := vmLinkNames(t, c); !slices.Equal(got, []string{"d0", "lo"}) {
				t.Errorf("after the delete, Links lists %v, want [d0 lo]", got)
			}
		})
	}
}

// vmLinkWantErr checks that err wraps want and names the request.
func vmLinkWantErr(t *testing.T, what string, err error, want unix.Errno, prefix string) {
	t.Helper()
	if !errors.Is(err, want) {
		t.Errorf("%s: %v, want %v (%s)", what, err, want, unix.ErrnoName(want))
		return
	}
	if !strings.HasPrefix(err.Error(), prefix+": ") {
		t.Errorf("%s: %q, want it to start with %q", what, err, prefix)
	}
}

// TestVMLinkVlanErrors checks the kernel's refusals of VLANs: errors by
// errno, naming the request, and nothing made.
func TestVMLinkVlanErrors(t *testing.T) {
	c, fd := vmLinkNS(t)
	ctx := linkCtx(t)
	d0 := vmLinkAdd(t, c, &rt.Link{Name: "d0", Info: &rt.LinkInfo{Kind: "dummy"}})
	vmLinkAdd(t, c, &rt.Link{Name: "d0.7", ParentIndex: d0.Header.Index, Info: &rt.LinkInfo{Data: &rt.VlanData{ID: 7}}})
	lo := linkByName(t, c, "lo")
	vlan := func(name string, parent int32, d rt.VlanData) error {
		return c.AddLink(ctx, &rt.Link{Name: name, ParentIndex: parent, Info: &rt.LinkInfo{Data: &d}})
	}
	const missing = 4242
	tests := []struct {
		name string
		err  error
		want unix.Errno
		msg  string
	}{
		// vlan_validate: an id must be below VLAN_VID_MASK (4095).
		{"id 4095", vlan("x0", d0.Header.Index, rt.VlanData{ID: 4095}), unix.ERANGE, `rt: add link "x0" (vlan)`},
		{"id 4096", vlan("x0", d0.Header.Index, rt.VlanData{ID: 4096}), unix.ERANGE, `rt: add link "x0" (vlan)`},
		{"protocol 0x0800", vlan("x0", d0.Header.Index, rt.VlanData{ID: 8, Protocol: unix.ETH_P_IP}), unix.EPROTONOSUPPORT, `rt: add link "x0" (vlan)`},
		{"unknown flag 0x20", vlan("x0", d0.Header.Index, rt.VlanData{ID: 8, Flags: &rt.VlanFlags{Flags: 0x20, Mask: 0x20}}), unix.EINVAL, `rt: add link "x0" (vlan)`},
		// vlan_newlink: a parent is needed, and must exist.
		{"no parent", vlan("x0", 0, rt.VlanData{ID: 8}), unix.EINVAL, `rt: add link "x0" (vlan)`},
		{"missing parent", vlan("x0", missing, rt.VlanData{ID: 8}), unix.ENODEV, `rt: add link "x0" (vlan)`},
		// vlan_check_real_dev: not on a VLAN-challenged device (lo), nor
		// twice the same id on one parent.
		{"on lo", vlan("x0", lo.Header.Index, rt.VlanData{ID: 8}), unix.EOPNOTSUPP, `rt: add link "x0" (vlan)`},
		{"id 7 twice", vlan("x0", d0.Header.Index, rt.VlanData{ID: 7}), unix.EEXIST, `rt: add link "x0" (vlan)`},
	}
	for _, tt := range tests {
		vmLinkWantErr(t, tt.name, tt.err, tt.want, tt.msg)
	}
	if got := vmLinkVlanConfig(t, fd); !slices.Equal(got, []string{"d0.7 7 d0"}) {
		t.Errorf("after the failures, /proc/net/vlan/config lists %q, want only d0.7", got)
	}
	if got := vmLinkNames(t, c); !slices.Equal(got, []string{"d0", "d0.7", "lo"}) {
		t.Errorf("after the failures, Links lists %v, want [d0 d0.7 lo]", got)
	}
}

// vmLinkBondProc parses /proc/net/bonding/<name> in the namespace fd
// into its "key: value" lines: the bond's under "", each port's under its
// name.
func vmLinkBondProc(t *testing.T, fd int, name string) map[string]map[string]string {
	t.Helper()
	s, ok := vmLinkProcNet(t, fd, "bonding/"+name)
	if !ok {
		t.Fatalf("no /proc/net/bonding/%s", name)
	}
	out := map[string]map[string]string{"": {}}
	cur := ""
	for line := range strings.Lines(s) {
		k, v, ok := strings.Cut(strings.TrimSpace(line), ": ")
		if !ok {
			continue
		}
		if k == "Slave Interface" {
			cur = v
			out[cur] = map[string]string{}
			continue
		}
		if _, dup := out[cur][k]; !dup { // the first of a key (802.3ad info repeats some)
			out[cur][k] = v
		}
	}
	return out
}

// vmLinkBondProcCheck compares the keys of want with
// /proc/net/bonding/<name>.
func vmLinkBondProcCheck(t *testing.T, fd int, name string, want map[string]map[string]string) {
	t.Helper()
	got := vmLinkBondProc(t, fd, name)
	for sec, kv := range want {
		for k, w := range kv {
			if g, ok := got[sec][k]; !ok || g != w {
				where := "the bond"
				if sec != "" {
					where = "port " + sec
				}
				t.Errorf("/proc/net/bonding/%s, %s: %q = %q, want %q", name, where, k, g, w)
			}
		}
	}
}

// Port link states (BOND_LINK_*, include/net/bonding.h) and states
// (BOND_STATE_*), as IFLA_BOND_SLAVE_MII_STATUS and _STATE carry them.
const (
	vmLinkBondLinkUp      = 0 // BOND_LINK_UP
	vmLinkBondLinkDown    = 2 // BOND_LINK_DOWN
	vmLinkBondStateActive = 0 // BOND_STATE_ACTIVE
	vmLinkBondStateBackup = 1 // BOND_STATE_BACKUP
)

// TestVMLinkBond creates an active-backup bond with nlstruct, enslaves
// two dummies with SetLink, sets port options, fails the active port
// over, releases the ports and deletes the bond, checking each step
// against /proc/net/bonding and sysfs and reading it back with nlstruct.
func TestVMLinkBond(t *testing.T) {
	c, fd := vmLinkNS(t)
	ctx := linkCtx(t)
	d0 := vmLinkAdd(t, c, &rt.Link{Name: "d0", Address: linkMAC("02:00:00:00:cc:01"), Info: &rt.LinkInfo{Kind: "dummy"}})
	d1 := vmLinkAdd(t, c, &rt.Link{Name: "d1", Address: linkMAC("02:00:00:00:cc:02"), Info: &rt.LinkInfo{Kind: "dummy"}})
	i0, i1 := d0.Header.Index, d1.Header.Index
	bond := vmLinkAdd(t, c, &rt.Link{Name: "bond0", Info: &rt.LinkInfo{Data: &rt.BondData{
		Mode: new(uint8(rt.BondModeActiveBackup)), MIIMon: new(uint32(100)), UpDelay: new(uint32(200)), DownDelay: new(uint32(300)),
		MinLinks: new(uint32(2)), XmitHashPolicy: new(uint8(2)), UseCarrier: new(true), Primary: new(uint32(i1)),
	}}})
	bi := bond.Header.Index

	// The ports join with SetLink (Master); d1 gets queue id 3, d0
	// priority 7 (port options need the port enslaved).
	for _, i := range []int32{i0, i1} {
		vmLinkSet(t, c, &rt.Link{Header: rt.IfInfoMsg{Index: i}, Master: &bi})
	}
	vmLinkSet(t, c, &rt.Link{Header: rt.IfInfoMsg{Index: i1}, Info: &rt.LinkInfo{SlaveData: &rt.BondSlaveData{QueueID: new(uint16(3))}}})
	vmLinkSet(t, c, &rt.Link{Header: rt.IfInfoMsg{Index: i0}, Info: &rt.LinkInfo{SlaveData: &rt.BondSlaveData{Prio: new(int32(7))}}})
	vmLinkUp(t, c, bi, true)
	// d1 is the primary: it becomes active once the MII monitor has seen
	// it up for the up delay.
	vmLinkSysfsWait(t, fd, "bond0/bonding/active_slave", "d1")
	vmLinkSysfsWait(t, fd, "d0/bonding_slave/mii_status", "up")

	// The kernel's view.
	sys := vmLinkSysfs(t, fd, "bond0/bonding/mode", "bond0/bonding/xmit_hash_policy", "bond0/bonding/ad_select",
		"bond0/bonding/lacp_rate", "bond0/bonding/arp_validate", "bond0/bonding/arp_all_targets")
	vmLinkSysfsCheck(t, fd, map[string]string{
		"bond0/bonding/mode": "active-backup 1", "bond0/bonding/miimon": "100", "bond0/bonding/updelay": "200",
		"bond0/bonding/downdelay": "300", "bond0/bonding/min_links": "2", "bond0/bonding/xmit_hash_policy": "layer2+3 2",
		"bond0/bonding/use_carrier": "1", "bond0/bonding/primary": "d1", "bond0/bonding/slaves": "d0 d1",
		"bond0/bonding/mii_status": "up", "bond0/bonding/arp_interval": "0", "bond0/bonding/arp_ip_target": "",
		"bond0/address": "02:00:00:00:cc:01",
		"d0/master":     "bond0", "d1/master": "bond0",
		"d0/bonding_slave/state": "backup", "d1/bonding_slave/state": "active",
		"d0/bonding_slave/mii_status": "up", "d1/bonding_slave/mii_status": "up",
		"d0/bonding_slave/link_failure_count": "0", "d1/bonding_slave/link_failure_count": "0",
		"d0/bonding_slave/perm_hwaddr": "02:00:00:00:cc:01", "d1/bonding_slave/perm_hwaddr": "02:00:00:00:cc:02",
		"d0/bonding_slave/queue_id": "0", "d1/bonding_slave/queue_id": "3",
		// In active-backup, every port takes the bond's address (d0's, the
		// first port's).
		"d1/address": "02:00:00:00:cc:01",
	})
	vmLinkBondProcCheck(t, fd, "bond0", map[string]map[string]string{
		"": {
			"Bonding Mode": "fault-tolerance (active-backup)", "Currently Active Slave": "d1", "MII Status": "up",
			"MII Polling Interval (ms)": "100", "Up Delay (ms)": "200", "Down Delay (ms)": "300",
			"Primary Slave": "d1 (primary_reselect always)",
		},
		"d0": {"MII Status": "up", "Link Failure Count": "0", "Permanent HW addr": "02:00:00:00:cc:01", "Slave queue ID": "0"},
		"d1": {"MII Status": "up", "Link Failure Count": "0", "Permanent HW addr": "02:00:00:00:cc:02", "Slave queue ID": "3"},
	})

	// nlstruct's view of the bond, field by field; the defaults left
	// alone are compared with sysfs's numbers.
	got := vmLinkReadAll(t, c, "bond0")
	if got.Info == nil || got.Info.Kind != "bond" {
		t.Fatalf("bond0 as read: info %+v, want kind bond", got.Info)
	}
	bd, ok := got.Info.Data.(*rt.BondData)
	if !ok {
		t.Fatalf("bond0: data %T, want *rt.BondData", got.Info.Data)
	}
	want := &rt.BondData{
		Mode: new(uint8(vmLinkSysfsNum(t, sys["bond0/bonding/mode"]))), ActiveSlave: new(uint32(i1)),
		MIIMon: new(uint32(100)), UpDelay: new(uint32(200)), DownDelay: new(uint32(300)), UseCarrier: new(true),
		ARPInterval: new(uint32(0)), ARPValidate: new(uint32(vmLinkSysfsNum(t, sys["bond0/bonding/arp_validate"]))),
		ARPAllTargets: new(uint32(vmLinkSysfsNum(t, sys["bond0/bonding/arp_all_targets"]))), Primary: new(uint32(i1)),
		XmitHashPolicy: new(uint8(vmLinkSysfsNum(t, sys["bond0/bonding/xmit_hash_policy"]))), MinLinks: new(uint32(2)),
		ADLACPRate: new(uint8(vmLinkSysfsNum(t, sys["bond0/bonding/lacp_rate"]))),
		ADSelect:   new(uint8(vmLinkSysfsNum(t, sys["bond0/bonding/ad_select"]))),
	}
	if d := cmp.Diff(want, bd, cmpopts.IgnoreFields(rt.BondData{}, "Unknown")); d != "" {
		t.Errorf("bond0: IFLA_BOND_* read back (-want +got):\n%s", d)
	}
	if got.Header.Flags&unix.IFF_MASTER == 0 || got.Address.String() != "02:00:00:00:cc:01" {
		t.Errorf("bond0: flags %#x address %s, want IFF_MASTER and d0's address", got.Header.Flags, got.Address)
	}

	// And of the ports.
	wantPorts := map[string]rt.BondSlaveData{
		"d0": {State: vmLinkBondStateBackup, MIIStatus: vmLinkBondLinkUp, PermHWAddr: linkMAC("02:00:00:00:cc:01"), QueueID: new(uint16(0)), Prio: new(int32(7))},
		"d1": {State: vmLinkBondStateActive, MIIStatus: vmLinkBondLinkUp, PermHWAddr: linkMAC("02:00:00:00:cc:02"), QueueID: new(uint16(3)), Prio: new(int32(0))},
	}
	checkPorts := func(when string, want map[string]rt.BondSlaveData) {
		t.Helper()
		for _, name := range []string{"d0", "d1"} {
			p := vmLinkReadAll(t, c, name)
			if p.Master == nil || *p.Master != bi || p.Header.Flags&unix.IFF_SLAVE == 0 || p.Info == nil ||
				p.Info.Kind != "dummy" || p.Info.SlaveKind != "bond" || p.Address.String() != "02:00:00:00:cc:01" {
				t.Errorf("%s %s: master %v flags %#x address %s info %+v; want a dummy, IFF_SLAVE, port of bond0 (%d) with its address",
					name, when, p.Master, p.Header.Flags, p.Address, p.Info, bi)
				continue
			}
			sd, ok := p.Info.SlaveData.(*rt.BondSlaveData)
			if !ok {
				t.Errorf("%s %s: slave data %T, want *rt.BondSlaveData", name, when, p.Info.SlaveData)
				continue
			}
			if d := cmp.Diff(want[name], *sd, cmpopts.IgnoreFields(rt.BondSlaveData{}, "Unknown")); d != "" {
				t.Errorf("%s %s: IFLA_BOND_SLAVE_* read back (-want +got):\n%s", name, when, d)
			}
		}
	}
	checkPorts("enslaved", wantPorts)

	// Fail-over: d1 goes down; after the down delay the monitor counts a
	// link failure and makes d0 active.
	vmLinkUp(t, c, i1, false)
	vmLinkSysfsWait(t, fd, "bond0/bonding/active_slave", "d0")
	vmLinkSysfsCheck(t, fd, map[string]string{
		"d0/bonding_slave/state": "active", "d1/bonding_slave/state": "backup",
		"d1/bonding_slave/mii_status": "down", "d1/bonding_slave/link_failure_count": "1",
	})
	vmLinkBondProcCheck(t, fd, "bond0", map[string]map[string]string{
		"":   {"Currently Active Slave": "d0"},
		"d1": {"MII Status": "down", "Link Failure Count": "1"},
	})
	if b := vmLinkReadAll(t, c, "bond0").Info.Data.(*rt.BondData); b.ActiveSlave == nil || *b.ActiveSlave != uint32(i0) {
		t.Errorf("after the fail-over, nlstruct reads active slave %v, want d0 (%d)", b.ActiveSlave, i0)
	}
	wantPorts["d0"] = rt.BondSlaveData{State: vmLinkBondStateActive, MIIStatus: vmLinkBondLinkUp, PermHWAddr: linkMAC("02:00:00:00:cc:01"), QueueID: new(uint16(0)), Prio: new(int32(7))}
	wantPorts["d1"] = rt.BondSlaveData{State: vmLinkBondStateBackup, MIIStatus: vmLinkBondLinkDown, LinkFailureCount: 1, PermHWAddr: linkMAC("02:00:00:00:cc:02"), QueueID: new(uint16(3)), Prio: new(int32(0))}
	checkPorts("after the fail-over", wantPorts)

	// d0 leaves with Master 0 and gets its own address back.
	vmLinkSet(t, c, &rt.Link{Header: rt.IfInfoMsg{Index: i0}, Master: new(int32(0))})
	vmLinkSysfsCheck(t, fd, map[string]string{"d0/master": vmLinkAbsent, "bond0/bonding/slaves": "d1", "d0/address": "02:00:00:00:cc:01"})
	if p := vmLinkReadAll(t, c, "d0"); p.Master != nil || (p.Info != nil && p.Info.SlaveKind != "") || p.Header.Flags&unix.IFF_SLAVE != 0 {
		t.Errorf("d0 after leaving: master %v info %+v flags %#x, want no master", p.Master, p.Info, p.Header.Flags)
	}

	// Deleting the bond releases d1, which gets its own address back.
	if err := c.DeleteLink(ctx, bi); err != nil {
		t.Fatal(err)
	}
	vmLinkGone(t, c, fd, bi, "bond0")
	if _, ok := vmLinkProcNet(t, fd, "bonding/bond0"); ok {
		t.Error("/proc/net/bonding/bond0 is still there after the delete")
	}
	vmLinkSysfsCheck(t, fd, map[string]string{"d1/master": vmLinkAbsent, "d1/address": "02:00:00:00:cc:02"})
	if p := vmLinkReadAll(t, c, "d1"); p.Master != nil || p.Address.String() != "02:00:00:00:cc:02" {
		t.Errorf("d1 after the bond's delete: master %v address %s, want none and 02:00:00:00:cc:02", p.Master, p.Address)
	}
	if got := vmLinkNames(t, c); !slices.Equal(got, []string{"d0", "d1", "lo"}) {
		t.Errorf("after the delete, Links lists %v, want [d0 d1 lo]", got)
	}
}

// TestVMLinkBondARP creates a bond monitored by ARP with nlstruct,
// replaces its targets, and checks both with sysfs and nlstruct
// (IFLA_BOND_ARP_IP_TARGET, a nest of IPv4 addresses).
func TestVMLinkBondARP(t *testing.T) {
	c, fd := vmLinkNS(t)
	targets := []string{"192.0.2.1", "192.0.2.7"}
	bond := vmLinkAdd(t, c, &rt.Link{Name: "bond1", Info: &rt.LinkInfo{Data: &rt.BondData{
		Mode: new(uint8(rt.BondModeActiveBackup)), ARPInterval: new(uint32(250)), ARPIPTargets: vmLinkAddrs(targets),
		ARPValidate: new(uint32(3)), ARPAllTargets: new(uint32(1)),
	}}})
	vmLinkSysfsCheck(t, fd, map[string]string{
		"bond1/bonding/arp_interval": "250", "bond1/bonding/arp_ip_target": "192.0.2.1 192.0.2.7",
		"bond1/bonding/arp_validate": "all 3", "bond1/bonding/arp_all_targets": "all 1", "bond1/bonding/miimon": "0",
	})
	check := func(when string, targets []string) {
		t.Helper()
		b, ok := vmLinkReadAll(t, c, "bond1").Info.Data.(*rt.BondData)
		if !ok {
			t.Fatalf("bond1 %s: no bond data", when)
		}
		var got []string
		for _, a := range b.ARPIPTargets {
			got = append(got, a.String())
		}
		if !slices.Equal(got, targets) || b.ARPInterval == nil || *b.ARPInterval != 250 || b.MIIMon == nil || *b.MIIMon != 0 ||
			b.ARPValidate == nil || *b.ARPValidate != 3 || b.ARPAllTargets == nil || *b.ARPAllTargets != 1 {
			t.Errorf("bond1 %s: targets %v interval %v miimon %v validate %v all targets %v; want %v 250 0 3 1",
				when, got, b.ARPInterval, b.MIIMon, b.ARPValidate, b.ARPAllTargets, targets)
		}
	}
	check("as made", targets)

	// A new list replaces the old one.
	vmLinkSet(t, c, &rt.Link{Header: rt.IfInfoMsg{Index: bond.Header.Index}, Info: &rt.LinkInfo{Data: &rt.BondData{ARPIPTargets: vmLinkAddrs([]string{"198.51.100.9"})}}})
	vmLinkSysfsCheck(t, fd, map[string]string{"bond1/bonding/arp_ip_target": "198.51.100.9"})
	check("after SetLink", []string{"198.51.100.9"})
}

// TestVMLinkBondErrors checks the kernel's refusals of bonds and ports:
// errors by errno, naming the request, and nothing changed.
func TestVMLinkBondErrors(t *testing.T) {
	c, fd := vmLinkNS(t)
	ctx := linkCtx(t)
	d0 := vmLinkAdd(t, c, &rt.Link{Name: "d0", Info: &rt.LinkInfo{Kind: "dummy"}})
	d1 := vmLinkAdd(t, c, &rt.Link{Name: "d1", Info: &rt.LinkInfo{Kind: "dummy"}})
	bond := vmLinkAdd(t, c, &rt.Link{Name: "bond0", Info: &rt.LinkInfo{Data: &rt.BondData{Mode: new(uint8(rt.BondModeActiveBackup))}}})
	bi, i0, i1 := bond.Header.Index, d0.Header.Index, d1.Header.Index
	vmLinkSet(t, c, &rt.Link{Header: rt.IfInfoMsg{Index: i0}, Master: &bi})
	const missing = 4242
	bondLink := func(name string, d rt.BondData) error {
		return c.AddLink(ctx, &rt.Link{Name: name, Info: &rt.LinkInfo{Data: &d}})
	}
	tests := []struct {
		name string
		err  error
		want unix.Errno
		msg  string
	}{
		// bond_opt_parse: a mode past BOND_MODE_ALB.
		{"mode 7", bondLink("b1", rt.BondData{Mode: new(uint8(7))}), unix.EINVAL, `rt: add link "b1" (bond)`},
		// bond_opt_check_deps: the LACP rate is for 802.3ad only.
		{"lacp rate in active-backup", bondLink("b1", rt.BondData{Mode: new(uint8(rt.BondModeActiveBackup)), ADLACPRate: new(uint8(1))}), unix.EACCES, `rt: add link "b1" (bond)`},
		// bond_option_updelay_set: no up delay without the MII monitor.
		{"up delay without miimon", bondLink("b1", rt.BondData{MIIMon: new(uint32(0)), UpDelay: new(uint32(200))}), unix.EPERM, `rt: add link "b1" (bond)`},
		// bond_option_arp_ip_targets_set: not the broadcast address.
		{"broadcast ARP target", bondLink("b1", rt.BondData{ARPInterval: new(uint32(100)), ARPIPTargets: vmLinkAddrs([]string{"255.255.255.255"})}), unix.EINVAL, `rt: add link "b1" (bond)`},
		// do_set_master: the master must exist, and be able to take ports.
		{"missing master", c.SetLink(ctx, &rt.Link{Header: rt.IfInfoMsg{Index: i1}, Master: new(int32(missing))}), unix.EINVAL, "rt: set link ifindex " + strconv.Itoa(int(i1))},
		{"dummy as master", c.SetLink(ctx, &rt.Link{Header: rt.IfInfoMsg{Index: i1}, Master: &i0}), unix.EOPNOTSUPP, "rt: set link ifindex " + strconv.Itoa(int(i1))},
		// rtnl_newlink: port options on a device that is no port.
		{"queue id of a non-port", c.SetLink(ctx, &rt.Link{Header: rt.IfInfoMsg{Index: i1}, Info: &rt.LinkInfo{SlaveData: &rt.BondSlaveData{QueueID: new(uint16(1))}}}), unix.EOPNOTSUPP, "rt: set link ifindex " + strconv.Itoa(int(i1))},
		// bond_option_active_slave_set: the active port must be a port.
		{"active slave not a port", c.SetLink(ctx, &rt.Link{Header: rt.IfInfoMsg{Index: bi}, Info: &rt.LinkInfo{Data: &rt.BondData{ActiveSlave: new(uint32(i1))}}}), unix.EINVAL, "rt: set link ifindex " + strconv.Itoa(int(bi))},
	}
	for _, tt := range tests {
		vmLinkWantErr(t, tt.name, tt.err, tt.want, tt.msg)
	}
	vmLinkSysfsCheck(t, fd, map[string]string{"bond0/bonding/slaves": "d0", "d1/master": vmLinkAbsent, "d0/master": "bond0"})
	if _, ok := vmLinkProcNet(t, fd, "bonding/b1"); ok {
		t.Error("/proc/net/bonding/b1 exists after the failed creations")
	}
	if got := vmLinkNames(t, c); !slices.Equal(got, []string{"bond0", "d0", "d1", "lo"}) {
		t.Errorf("after the failures, Links lists %v, want [bond0 d0 d1 lo]", got)
	}
}

// vmLinkAddrs parses addresses.
func vmLinkAddrs(ss []string) []netip.Addr {
	var out []netip.Addr
	for _, s := range ss {
		out = append(out, netip.MustParseAddr(s))
	}
	return out
}
