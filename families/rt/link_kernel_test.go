package rt_test

// Link tests against the running kernel. Each runs in a private network
// namespace of its own (internal/netnstest) and needs root; without it,
// they skip. Every object is cross-checked against iproute2 (ip -j -d)
// run inside the namespace: links made by nlstruct are read by ip, and
// links made by ip are read by nlstruct.

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"os"
	"os/exec"
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
	"github.com/nlstruct/nlstruct/nlattr"
	"github.com/nlstruct/nlstruct/socket"
)

// linkCtx returns a context that ends with the test, bounded to 30 s.
func linkCtx(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// linkNS creates a private network namespace and returns an rt.Conn in it
// and the namespace's fd. It skips the test without root or without ip.
func linkNS(t *testing.T) (*rt.Conn, int) {
	t.Helper()
	if _, err := exec.LookPath("ip"); err != nil {
		t.Skipf("iproute2's ip is needed to cross-check: %v", err)
	}
	fd := netnstest.New(t)
	c, err := rt.Dial(&socket.Config{NetNSFD: fd})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c, fd
}

// linkRun runs a command inside the namespace fd and returns its output;
// a failure fails the test.
func linkRun(t *testing.T, fd int, name string, args ...string) []byte {
	t.Helper()
	out, err := linkRunErr(t, fd, name, args...)
	if err != nil {
		t.Fatalf("%s %s: %v", name, strings.Join(args, " "), err)
	}
	return out
}

// linkRunErr runs a command inside the namespace fd.
func linkRunErr(t *testing.T, fd int, name string, args ...string) ([]byte, error) {
	t.Helper()
	var (
		out    []byte
		err    error
		stderr bytes.Buffer
	)
	netnstest.Run(t, fd, func() {
		cmd := exec.Command(name, args...)
		cmd.Stderr = &stderr
		out, err = cmd.Output()
	})
	if err != nil {
		return out, errors.Join(err, errors.New(strings.TrimSpace(stderr.String())))
	}
	return out, nil
}

// linkIPLink is what ip -j -d -s link show says about a link.
type linkIPLink struct {
	Index       int32    `json:"ifindex"`
	Name        string   `json:"ifname"`
	Flags       []string `json:"flags"`
	MTU         uint32   `json:"mtu"`
	Qdisc       string   `json:"qdisc"`
	Master      string   `json:"master"`
	OperState   string   `json:"operstate"`
	LinkMode    string   `json:"linkmode"`
	Group       string   `json:"group"`
	TxQLen      *uint32  `json:"txqlen"`
	LinkType    string   `json:"link_type"`
	Address     string   `json:"address"`
	Broadcast   string   `json:"broadcast"`
	PermAddress string   `json:"permaddr"`
	Link        *string  `json:"link"`
	LinkIndex   *int32   `json:"link_index"`
	LinkNetNSID *int32   `json:"link_netnsid"`
	Promiscuity uint32   `json:"promiscuity"`
	AllMulti    uint32   `json:"allmulti"`
	MinMTU      uint32   `json:"min_mtu"`
	MaxMTU      uint32   `json:"max_mtu"`
	NumTxQueues uint32   `json:"num_tx_queues"`
	NumRxQueues uint32   `json:"num_rx_queues"`
	GSOMaxSize  uint32   `json:"gso_max_size"`
	GSOMaxSegs  uint32   `json:"gso_max_segs"`
	TSOMaxSize  uint32   `json:"tso_max_size"`
	TSOMaxSegs  uint32   `json:"tso_max_segs"`
	GROMaxSize  uint32   `json:"gro_max_size"`
	Alias       *string  `json:"ifalias"`
	AltNames    []string `json:"altnames"`
	LinkInfo    *struct {
		Kind      string         `json:"info_kind"`
		Data      map[string]any `json:"info_data"`
		SlaveKind string         `json:"info_slave_kind"`
		SlaveData map[string]any `json:"info_slave_data"`
	} `json:"linkinfo"`
	Stats64 *struct {
		RX map[string]uint64 `json:"rx"`
		TX map[string]uint64 `json:"tx"`
	} `json:"stats64"`
}

// linkIP returns ip's view of the links in the namespace (all of them,
// or the one named).
func linkIP(t *testing.T, fd int, name ...string) []linkIPLink {
	t.Helper()
	args := []string{"-j", "-d", "-s", "link", "show"}
	if len(name) > 0 {
		args = append(args, "dev", name[0])
	}
	out := linkRun(t, fd, "ip", args...)
	var ls []linkIPLink
	if err := json.Unmarshal(out, &ls); err != nil {
		t.Fatalf("ip %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return ls
}

// linkIPOne returns ip's view of the named link.
func linkIPOne(t *testing.T, fd int, name string) linkIPLink {
	t.Helper()
	ls := linkIP(t, fd, name)
	if len(ls) != 1 {
		t.Fatalf("ip link show dev %s: %d links", name, len(ls))
	}
	return ls[0]
}

// linkNotSupported reports an error for a link kind the kernel lacks
// (the kernel's extended ACK says "Unknown device type").
func linkNotSupported(err error) bool {
	return errors.Is(err, unix.EOPNOTSUPP) && strings.Contains(err.Error(), "Unknown device type")
}

// linkAdd creates l, skipping the test when the kernel lacks its kind.
func linkAdd(t *testing.T, c *rt.Conn, l *rt.Link) {
	t.Helper()
	if err := c.AddLink(linkCtx(t), l); err != nil {
		if linkNotSupported(err) {
			t.Skipf("the kernel lacks this kind of link: %v", err)
		}
		t.Fatalf("AddLink(%s): %v", l.Name, err)
	}
}

// linkIPAdd runs ip link add ... in the namespace, skipping the test when
// the kernel lacks the kind.
func linkIPAdd(t *testing.T, fd int, args ...string) {
	t.Helper()
	out, err := linkRunErr(t, fd, "ip", append([]string{"link", "add"}, args...)...)
	if err != nil {
		if strings.Contains(err.Error(), "Unknown device type") {
			t.Skipf("the kernel cannot make this link (ip link add %s): %v", strings.Join(args, " "), err)
		}
		t.Fatalf("ip link add %s: %v\n%s", strings.Join(args, " "), err, out)
	}
}

// linkByName reads a link with nlstruct, failing the test if it cannot.
func linkByName(t *testing.T, c *rt.Conn, name string) *rt.Link {
	t.Helper()
	l, err := c.LinkByName(linkCtx(t), name)
	if err != nil {
		t.Fatal(err)
	}
	return l
}

func linkMAC(s string) net.HardwareAddr {
	m, err := net.ParseMAC(s)
	if err != nil {
		panic(err)
	}
	return m
}

// linkIPData returns the value of key in ip's info_data (or
// info_slave_data) as a string, "" when absent. JSON numbers print as
// integers.
func linkIPData(m map[string]any, key string) string {
	v, ok := m[key]
	if !ok {
		return ""
	}
	switch v := v.(type) {
	case float64:
		return strconv.FormatFloat(v, 'f', -1, 64)
	case string:
		return v
	case bool:
		return strconv.FormatBool(v)
	default:
		b, _ := json.Marshal(v)
		return string(b)
	}
}

// linkCheckData compares ip's info_data (or info_slave_data) with want,
// key by key.
func linkCheckData(t *testing.T, what string, m map[string]any, want map[string]string) {
	t.Helper()
	for k, w := range want {
		if got := linkIPData(m, k); got != w {
			t.Errorf("%s: ip says %s = %q, want %q (all: %v)", what, k, got, w, m)
		}
	}
}

// linkHasFlag reports whether ip lists flag for the link.
func linkHasFlag(l linkIPLink, flag string) bool { return slices.Contains(l.Flags, flag) }

// TestLinkKernelCreate creates links of each kind with nlstruct and checks
// them with ip -j -d link show.
func TestLinkKernelCreate(t *testing.T) {
	t.Run("veth", func(t *testing.T) {
		c, fd := linkNS(t)
		linkAdd(t, c, &rt.Link{
			Name: "v0", MTU: 1450, Address: linkMAC("02:00:00:00:00:01"), TxQLen: new(uint32(500)),
			Group: new(uint32(7)),
			Info:  &rt.LinkInfo{Data: &rt.VethData{Peer: &rt.Link{Name: "v1", MTU: 1400, Address: linkMAC("02:00:00:00:00:02")}}},
		})
		v0, v1 := linkIPOne(t, fd, "v0"), linkIPOne(t, fd, "v1")
		if v0.LinkInfo == nil || v0.LinkInfo.Kind != "veth" || v1.LinkInfo == nil || v1.LinkInfo.Kind != "veth" {
			t.Errorf("kinds: v0 %+v, v1 %+v; want veth", v0.LinkInfo, v1.LinkInfo)
		}
		if v0.MTU != 1450 || v0.Address != "02:00:00:00:00:01" || v0.TxQLen == nil || *v0.TxQLen != 500 || v0.Group != "7" {
			t.Errorf("v0: ip says mtu %d address %s txqlen %v group %s; want 1450 02:00:00:00:00:01 500 7",
				v0.MTU, v0.Address, v0.TxQLen, v0.Group)
		}
		if v1.MTU != 1400 || v1.Address != "02:00:00:00:00:02" || v1.Link == nil || *v1.Link != "v0" {
			t.Errorf("v1: ip says mtu %d address %s link %v; want 1400 02:00:00:00:00:02 v0", v1.MTU, v1.Address, v1.Link)
		}
	})
	t.Run("bridge", func(t *testing.T) {
		c, fd := linkNS(t)
		ctx := linkCtx(t)
		linkAdd(t, c, &rt.Link{Name: "br0", Info: &rt.LinkInfo{Data: &rt.BridgeData{
			ForwardDelay: new(uint32(1000)), HelloTime: new(uint32(300)), MaxAge: new(uint32(2500)),
			AgeingTime: new(uint32(10000)), STPState: new(uint32(1)), Priority: new(uint16(0x1000)),
			GroupFwdMask: new(uint16(0x4000)), McastSnooping: new(false),
		}}})
		linkAdd(t, c, &rt.Link{Name: "v0", Info: &rt.LinkInfo{Data: &rt.VethData{Peer: &rt.Link{Name: "v1"}}}})
		br := linkByName(t, c, "br0")
		v0 := linkByName(t, c, "v0")
		if err := c.SetLink(ctx, &rt.Link{Header: rt.IfInfoMsg{Index: v0.Header.Index}, Master: &br.Header.Index}); err != nil {
			t.Fatal(err)
		}
		if err := c.SetLink(ctx, &rt.Link{Header: rt.IfInfoMsg{Index: v0.Header.Index}, Info: &rt.LinkInfo{SlaveData: &rt.BridgePortData{
			Cost: new(uint32(42)), Priority: new(uint16(7)), Learning: new(false), Guard: new(true),
		}}}); err != nil {
			t.Fatal(err)
		}
		ib := linkIPOne(t, fd, "br0")
		if ib.LinkInfo == nil || ib.LinkInfo.Kind != "bridge" {
			t.Fatalf("br0: ip says linkinfo %+v, want kind bridge", ib.LinkInfo)
		}
		linkCheckData(t, "br0", ib.LinkInfo.Data, map[string]string{
			"forward_delay": "1000", "hello_time": "300", "max_age": "2500", "ageing_time": "10000",
			"stp_state": "1", "priority": "4096", "group_fwd_mask": "0x4000", "mcast_snooping": "0",
		})
		ip0 := linkIPOne(t, fd, "v0")
		if ip0.Master != "br0" || ip0.LinkInfo == nil || ip0.LinkInfo.SlaveKind != "bridge" {
			t.Fatalf("v0: ip says master %q linkinfo %+v, want master br0, slave kind bridge", ip0.Master, ip0.LinkInfo)
		}
		linkCheckData(t, "v0 (port)", ip0.LinkInfo.SlaveData, map[string]string{"cost": "42", "priority": "7", "learning": "false", "guard": "true"})

		// Leaving the bridge: Master 0.
		if err := c.SetLink(ctx, &rt.Link{Header: rt.IfInfoMsg{Index: v0.Header.Index}, Master: new(int32(0))}); err != nil {
			t.Fatal(err)
		}
		if ip0 := linkIPOne(t, fd, "v0"); ip0.Master != "" {
			t.Errorf("after Master 0, ip says v0's master is %q", ip0.Master)
		}
	})
	t.Run("macvlan", func(t *testing.T) {
		c, fd := linkNS(t)
		linkAdd(t, c, &rt.Link{Name: "v0", Info: &rt.LinkInfo{Data: &rt.VethData{Peer: &rt.Link{Name: "v1"}}}})
		v0 := linkByName(t, c, "v0")
		linkAdd(t, c, &rt.Link{Name: "mv0", ParentIndex: v0.Header.Index, Info: &rt.LinkInfo{Data: &rt.MacvlanData{Mode: rt.MacvlanModePrivate}}})
		ip := linkIPOne(t, fd, "mv0")
		if ip.LinkInfo == nil || ip.LinkInfo.Kind != "macvlan" || ip.Link == nil || *ip.Link != "v0" {
			t.Fatalf("mv0: ip says link %v linkinfo %+v, want a macvlan on v0", ip.Link, ip.LinkInfo)
		}
		linkCheckData(t, "mv0", ip.LinkInfo.Data, map[string]string{"mode": "private"})
	})
	t.Run("vxlan", func(t *testing.T) {
		c, fd := linkNS(t)
		linkAdd(t, c, &rt.Link{Name: "vx0", Info: &rt.LinkInfo{Data: &rt.VxlanData{
			ID: 42, Group: netip.MustParseAddr("10.0.0.2"), Local: netip.MustParseAddr("10.0.0.1"), Port: 4789,
			TTL: 64, Learning: new(false), Ageing: new(uint32(120)), PortRange: &rt.VxlanPortRange{Low: 1000, High: 2000},
		}}})
		ip := linkIPOne(t, fd, "vx0")
		if ip.LinkInfo == nil || ip.LinkInfo.Kind != "vxlan" {
			t.Fatalf("vx0: ip says linkinfo %+v, want vxlan", ip.LinkInfo)
		}
		linkCheckData(t, "vx0", ip.LinkInfo.Data, map[string]string{
			"id": "42", "remote": "10.0.0.2", "local": "10.0.0.1", "port": "4789", "ttl": "64",
			"learning": "false", "ageing": "120", "port_range": `{"high":2000,"low":1000}`,
		})
		linkAdd(t, c, &rt.Link{Name: "vx6", Info: &rt.LinkInfo{Data: &rt.VxlanData{
			ID: 7, Group6: netip.MustParseAddr("fd00::2"), Local6: netip.MustParseAddr("fd00::1"), Port: 4789,
		}}})
		ip = linkIPOne(t, fd, "vx6")
		linkCheckData(t, "vx6", ip.LinkInfo.Data, map[string]string{"id": "7", "remote6": "fd00::2", "local6": "fd00::1", "learning": "true"})
	})
	for _, kind := range []string{"dummy", "ifb"} {
		t.Run(kind, func(t *testing.T) {
			c, fd := linkNS(t)
			linkAdd(t, c, &rt.Link{Name: kind + "0", MTU: 9000, Info: &rt.LinkInfo{Kind: kind}})
			ip := linkIPOne(t, fd, kind+"0")
			if ip.LinkInfo == nil || ip.LinkInfo.Kind != kind || ip.MTU != 9000 {
				t.Errorf("%s0: ip says mtu %d linkinfo %+v, want %s with mtu 9000", kind, ip.MTU, ip.LinkInfo, kind)
			}
		})
	}
	t.Run("vlan", func(t *testing.T) {
		c, fd := linkNS(t)
		linkAdd(t, c, &rt.Link{Name: "d0", Info: &rt.LinkInfo{Kind: "dummy"}})
		d0 := linkByName(t, c, "d0")
		linkAdd(t, c, &rt.Link{Name: "d0.5", ParentIndex: d0.Header.Index, Info: &rt.LinkInfo{Data: &rt.VlanData{
			ID: 5, Protocol: 0x88a8, Flags: &rt.VlanFlags{Flags: rt.VlanFlagLooseBinding, Mask: rt.VlanFlagLooseBinding},
			EgressQoS: &rt.VlanQoS{Mappings: []rt.VlanQoSMapping{{From: 1, To: 3}}},
		}}})
		ip := linkIPOne(t, fd, "d0.5")
		if ip.LinkInfo == nil || ip.LinkInfo.Kind != "vlan" || ip.Link == nil || *ip.Link != "d0" {
			t.Fatalf("d0.5: ip says link %v linkinfo %+v, want a vlan on d0", ip.Link, ip.LinkInfo)
		}
		linkCheckData(t, "d0.5", ip.LinkInfo.Data, map[string]string{
			"id": "5", "protocol": "802.1ad", "flags": `["REORDER_HDR","LOOSE_BINDING"]`, "egress_qos": `[{"from":1,"to":3}]`,
		})
	})
	t.Run("bond", func(t *testing.T) {
		c, fd := linkNS(t)
		linkAdd(t, c, &rt.Link{Name: "bond0", Info: &rt.LinkInfo{Data: &rt.BondData{
			Mode: new(uint8(rt.BondModeActiveBackup)), MIIMon: new(uint32(100)), UpDelay: new(uint32(200)), MinLinks: new(uint32(1)),
		}}})
		ip := linkIPOne(t, fd, "bond0")
		if ip.LinkInfo == nil || ip.LinkInfo.Kind != "bond" {
			t.Fatalf("bond0: ip says linkinfo %+v, want bond", ip.LinkInfo)
		}
		linkCheckData(t, "bond0", ip.LinkInfo.Data, map[string]string{"mode": "active-backup", "miimon": "100", "updelay": "200", "min_links": "1"})
	})
}

// linkView is what both ip and nlstruct say about a link, in one shape.
type linkView struct {
	Index                  int32
	Name                   string
	Flags                  uint32 // IFF_* bits ip names
	MTU, MinMTU, MaxMTU    uint32
	TxQLen                 uint32
	OperState              string
	Address, Broadcast     string
	Master, Parent         string
	Kind, SlaveKind        string
	Promiscuity, AllMulti  uint32
	NumTxQueues            uint32
	NumRxQueues            uint32
	GSOMaxSize, GSOMaxSegs uint32
	TSOMaxSize, TSOMaxSegs uint32
	GROMaxSize             uint32
	Alias                  string
	AltNames               []string
	RxBytes, RxPackets     uint64
	TxBytes, TxPackets     uint64
	RxDropped, TxDropped   uint64
	RxErrors, TxErrors     uint64
	Multicast, Nohandler   uint64
}

// linkIPFlags maps ip's flag names to IFF_* bits.
var linkIPFlags = map[string]uint32{
	"UP": unix.IFF_UP, "BROADCAST": unix.IFF_BROADCAST, "LOOPBACK": unix.IFF_LOOPBACK, "POINTOPOINT": unix.IFF_POINTOPOINT,
	"NOARP": unix.IFF_NOARP, "PROMISC": unix.IFF_PROMISC, "ALLMULTI": unix.IFF_ALLMULTI, "MULTICAST": unix.IFF_MULTICAST,
	"LOWER_UP": unix.IFF_LOWER_UP, "DORMANT": unix.IFF_DORMANT, "ECHO": unix.IFF_ECHO, "MASTER": unix.IFF_MASTER, "SLAVE": unix.IFF_SLAVE,
}

// linkViewOfIP converts ip's view; names maps ifindexes to names.
func linkViewOfIP(l linkIPLink) linkView {
	v := linkView{Index: l.Index, Name: l.Name, MTU: l.MTU, MinMTU: l.MinMTU, MaxMTU: l.MaxMTU, OperState: l.OperState,
		Address: l.Address, Broadcast: l.Broadcast, Master: l.Master, Promiscuity: l.Promiscuity, AllMulti: l.AllMulti,
		NumTxQueues: l.NumTxQueues, NumRxQueues: l.NumRxQueues, GSOMaxSize: l.GSOMaxSize, GSOMaxSegs: l.GSOMaxSegs,
		TSOMaxSize: l.TSOMaxSize, TSOMaxSegs: l.TSOMaxSegs, GROMaxSize: l.GROMaxSize, AltNames: l.AltNames}
	for _, f := range l.Flags {
		v.Flags |= linkIPFlags[f]
	}
	if l.TxQLen != nil {
		v.TxQLen = *l.TxQLen
	}
	if l.Link != nil {
		v.Parent = *l.Link
	}
	if l.Alias != nil {
		v.Alias = *l.Alias
	}
	if l.LinkInfo != nil {
		v.Kind, v.SlaveKind = l.LinkInfo.Kind, l.LinkInfo.SlaveKind
	}
	if s := l.Stats64; s != nil {
		v.RxBytes, v.RxPackets, v.RxErrors, v.RxDropped = s.RX["bytes"], s.RX["packets"], s.RX["errors"], s.RX["dropped"]
		v.Multicast, v.Nohandler = s.RX["multicast"], s.RX["nohandler"]
		v.TxBytes, v.TxPackets, v.TxErrors, v.TxDropped = s.TX["bytes"], s.TX["packets"], s.TX["errors"], s.TX["dropped"]
	}
	return v
}

// linkViewOf converts nlstruct's view; names maps ifindexes to names.
func linkViewOf(l rt.Link, names map[int32]string) linkView {
	v := linkView{Index: l.Header.Index, Name: l.Name, MTU: l.MTU, MinMTU: l.MinMTU, MaxMTU: l.MaxMTU,
		OperState: l.OperState.String(), Promiscuity: l.Promiscuity, AllMulti: l.AllMulti,
		NumTxQueues: l.NumTxQueues, NumRxQueues: l.NumRxQueues, GSOMaxSize: l.GSOMaxSize, GSOMaxSegs: l.GSOMaxSegs,
		TSOMaxSize: l.TSOMaxSize, TSOMaxSegs: l.TSOMaxSegs, GROMaxSize: l.GROMaxSize}
	var known uint32
	for _, b := range linkIPFlags {
		known |= b
	}
	v.Flags = l.Header.Flags & known
	if l.Header.Flags&unix.IFF_UP == 0 {
		v.Flags &^= unix.IFF_LOWER_UP // ip prints LOWER_UP only for links that are up
	}
	if len(l.Address) > 0 {
		v.Address = l.Address.String()
	}
	if len(l.Broadcast) > 0 {
		v.Broadcast = l.Broadcast.String()
	}
	if l.TxQLen != nil {
		v.TxQLen = *l.TxQLen
	}
	if l.Master != nil {
		v.Master = names[*l.Master]
	}
	if l.ParentIndex != 0 && l.ParentIndex != l.Header.Index {
		v.Parent = names[l.ParentIndex]
	}
	if l.Alias != nil {
		v.Alias = *l.Alias
	}
	if l.Props != nil {
		v.AltNames = l.Props.AltNames
	}
	if l.Info != nil {
		v.Kind, v.SlaveKind = l.Info.Kind, l.Info.SlaveKind
	}
	if s := l.Stats64; s != nil {
		v.RxBytes, v.RxPackets, v.RxErrors, v.RxDropped = s.RxBytes, s.RxPackets, s.RxErrors, s.RxDropped
		v.Multicast, v.Nohandler = s.Multicast, s.RxNohandler
		v.TxBytes, v.TxPackets, v.TxErrors, v.TxDropped = s.TxBytes, s.TxPackets, s.TxErrors, s.TxDropped
	}
	return v
}

// TestLinkKernelRead creates links with ip and checks that nlstruct reads
// them as ip does: the dump, Link and LinkByName, and each kind's data.
func TestLinkKernelRead(t *testing.T) {
	c, fd := linkNS(t)
	ctx := linkCtx(t)
	linkIPAdd(t, fd, "v0", "address", "02:00:00:00:00:01", "mtu", "1420", "txqlen", "300", "type", "veth", "peer", "name", "v1", "address", "02:00:00:00:00:02")
	linkRun(t, fd, "ip", "link", "set", "v0", "alias", "read me", "group", "9")
	linkRun(t, fd, "ip", "link", "property", "add", "dev", "v0", "altname", "the-first-veth-end-with-a-long-name")
	linkIPAdd(t, fd, "br0", "type", "bridge", "forward_delay", "800", "hello_time", "250", "max_age", "3000",
		"ageing_time", "20000", "stp_state", "1", "priority", "8192", "group_fwd_mask", "0x4000", "mcast_snooping", "0")
	linkRun(t, fd, "ip", "link", "set", "v1", "master", "br0")
	linkRun(t, fd, "ip", "link", "set", "v1", "type", "bridge_slave", "cost", "33", "priority", "5", "learning", "off", "flood", "off", "isolated", "on")
	linkIPAdd(t, fd, "mv0", "link", "v0", "type", "macvlan", "mode", "vepa")
	linkIPAdd(t, fd, "vx0", "type", "vxlan", "id", "4242", "dstport", "4790", "local", "192.0.2.1", "remote", "192.0.2.2",
		"ttl", "10", "tos", "0x10", "ageing", "77", "maxaddress", "5", "srcport", "3000", "4000", "nolearning", "proxy", "l2miss", "gbp")
	linkIPAdd(t, fd, "vx6", "type", "vxlan", "id", "6", "dstport", "4789", "local", "2001:db8::1", "remote", "2001:db8::2", "udp6zerocsumtx", "flowlabel", "0x12345")
	linkIPAdd(t, fd, "ifb0", "type", "ifb")
	linkRun(t, fd, "ip", "link", "set", "v0", "up")
	linkRun(t, fd, "ip", "link", "set", "br0", "up")

	links, err := c.Links(ctx)
	if err != nil {
		t.Fatal(err)
	}
	byName := map[string]rt.Link{}
	names := map[int32]string{}
	for _, l := range links {
		byName[l.Name] = l
		names[l.Header.Index] = l.Name
	}
	ipLinks := linkIP(t, fd)
	if len(ipLinks) != len(links) {
		t.Errorf("nlstruct lists %d links, ip %d", len(links), len(ipLinks))
	}
	for _, il := range ipLinks {
		l, ok := byName[il.Name]
		if !ok {
			t.Errorf("ip lists %s, nlstruct does not", il.Name)
			continue
		}
		if d := cmp.Diff(linkViewOfIP(il), linkViewOf(l, names)); d != "" {
			t.Errorf("%s: (-ip +nlstruct):\n%s", il.Name, d)
		}
		// Link and LinkByName agree with the dump, but for the counters
		// (also IPv6's, inside IFLA_AF_SPEC, kept in Unknown) and the
		// bridge's running timers.
		ignoreStats := cmp.Options{cmpopts.IgnoreFields(rt.Link{}, "Stats", "Stats64"),
			cmpopts.IgnoreSliceElements(func(a nlattr.Attr) bool { return a.Type == unix.IFLA_AF_SPEC }),
			cmpopts.IgnoreFields(rt.BridgeData{}, "HelloTimer", "TCNTimer", "TopologyChangeTimer", "GCTimer")}
		one, err := c.Link(ctx, l.Header.Index)
		if err != nil {
			t.Fatal(err)
		}
		if d := cmp.Diff(l, *one, linkCmp, ignoreStats); d != "" {
			t.Errorf("Link(%d) differs from the dump (-dump +Link):\n%s", l.Header.Index, d)
		}
		named, err := c.LinkByName(ctx, l.Name)
		if err != nil {
			t.Fatal(err)
		}
		if d := cmp.Diff(l, *named, linkCmp, ignoreStats); d != "" {
			t.Errorf("LinkByName(%s) differs from the dump (-dump +LinkByName):\n%s", l.Name, d)
		}
	}
	// An alternative name finds the link too.
	alt, err := c.LinkByName(ctx, "the-first-veth-end-with-a-long-name")
	if err != nil || alt.Name != "v0" {
		t.Errorf("LinkByName(alternative name) = %v, %v; want v0", alt, err)
	}

	// Kind data, as ip set it.
	v0, v1 := byName["v0"], byName["v1"]
	if v0.ParentIndex != v1.Header.Index || v1.ParentIndex != v0.Header.Index {
		t.Errorf("veth peers: v0 → %d, v1 → %d; want %d and %d", v0.ParentIndex, v1.ParentIndex, v1.Header.Index, v0.Header.Index)
	}
	if v0.Group == nil || *v0.Group != 9 || v0.Alias == nil || *v0.Alias != "read me" || v0.TxQLen == nil || *v0.TxQLen != 300 || v0.MTU != 1420 {
		t.Errorf("v0: group %v alias %v txqlen %v mtu %d; want 9, \"read me\", 300, 1420", v0.Group, v0.Alias, v0.TxQLen, v0.MTU)
	}
	if v0.Header.Flags&unix.IFF_UP == 0 || v0.Header.Type != unix.ARPHRD_ETHER {
		t.Errorf("v0: header %+v, want IFF_UP and ARPHRD_ETHER", v0.Header)
	}
	br := byName["br0"]
	wantBr := &rt.BridgeData{ForwardDelay: new(uint32(800)), HelloTime: new(uint32(250)), MaxAge: new(uint32(3000)),
		AgeingTime: new(uint32(20000)), STPState: new(uint32(1)), Priority: new(uint16(8192)), VlanFiltering: new(false),
		GroupFwdMask: new(uint16(0x4000)), McastSnooping: new(false), GroupAddr: linkMAC("01:80:c2:00:00:00")}
	if br.Info == nil {
		t.Fatal("br0: no linkinfo")
	}
	gotBr, _ := br.Info.Data.(*rt.BridgeData)
	// VlanProtocol and VlanDefaultPVID come only from kernels built with
	// CONFIG_BRIDGE_VLAN_FILTERING.
	if d := cmp.Diff(wantBr, gotBr, linkCmp, cmpopts.IgnoreFields(rt.BridgeData{}, "RootID", "BridgeID", "RootPort", "RootPathCost",
		"TopologyChange", "TopologyChangeDetected", "HelloTimer", "TCNTimer", "TopologyChangeTimer", "GCTimer",
		"VlanProtocol", "VlanDefaultPVID", "Unknown")); d != "" {
		t.Errorf("br0 data (-want +got):\n%s", d)
	}
	if gotBr != nil && (gotBr.BridgeID == nil || gotBr.BridgeID.Prio != [2]byte{0x20, 0} || net.HardwareAddr(gotBr.BridgeID.Addr[:]).String() != br.Address.String()) {
		t.Errorf("br0 bridge id %+v, want priority 0x2000 and the bridge's address %s", gotBr.BridgeID, br.Address)
	}
	if v1.Master == nil || *v1.Master != br.Header.Index || v1.Info == nil || v1.Info.SlaveKind != "bridge" {
		t.Fatalf("v1: master %v info %+v; want br0's port", v1.Master, v1.Info)
	}
	port, _ := v1.Info.SlaveData.(*rt.BridgePortData)
	wantPort := &rt.BridgePortData{State: new(uint8(rt.BridgeStateDisabled)), Priority: new(uint16(5)), Cost: new(uint32(33)),
		Mode: new(false), Guard: new(false), Protect: new(false), FastLeave: new(false), Learning: new(false), UnicastFlood: new(false),
		ProxyARP: new(false), ID: 5<<10 | 1, No: 1, McastFlood: new(true), BcastFlood: new(true), NeighSuppress: new(false), Isolated: new(true)}
	if d := cmp.Diff(wantPort, port, linkCmp, cmpopts.IgnoreFields(rt.BridgePortData{}, "MessageAgeTimer", "ForwardDelayTimer", "HoldTimer", "Unknown")); d != "" {
		t.Errorf("v1 port data (-want +got):\n%s", d)
	}
	mv := byName["mv0"]
	if md, _ := mv.Info.Data.(*rt.MacvlanData); md == nil || md.Mode != rt.MacvlanModeVEPA || mv.ParentIndex != v0.Header.Index {
		t.Errorf("mv0: data %+v parent %d; want vepa on %d", mv.Info.Data, mv.ParentIndex, v0.Header.Index)
	}
	wantVx := &rt.VxlanData{ID: 4242, Group: netip.MustParseAddr("192.0.2.2"), Local: netip.MustParseAddr("192.0.2.1"),
		TTL: 10, TOS: 0x10, Learning: new(false), Ageing: new(uint32(77)), Limit: 5, PortRange: &rt.VxlanPortRange{Low: 3000, High: 4000},
		Proxy: new(true), RSC: new(false), L2Miss: new(true), L3Miss: new(false), Port: 4790, UDPCsum: new(true),
		UDPZeroCsum6Tx: new(false), UDPZeroCsum6Rx: new(false), RemCsumTx: new(false), RemCsumRx: new(false), GBP: true,
		CollectMetadata: new(false)}
	if d := cmp.Diff(wantVx, byName["vx0"].Info.Data, linkCmp, cmpopts.IgnoreFields(rt.VxlanData{}, "Unknown")); d != "" {
		t.Errorf("vx0 data (-want +got):\n%s", d)
	}
	// And as ip reads them from the same kernel.
	ipByName := map[string]linkIPLink{}
	for _, il := range ipLinks {
		ipByName[il.Name] = il
	}
	if vx, _ := byName["vx0"].Info.Data.(*rt.VxlanData); vx != nil {
		linkCheckData(t, "vx0 (ip vs nlstruct)", ipByName["vx0"].LinkInfo.Data, map[string]string{
			"id": fmt.Sprint(vx.ID), "remote": vx.Group.String(), "local": vx.Local.String(), "ttl": fmt.Sprint(vx.TTL),
			"tos": fmt.Sprintf("%#x", vx.TOS), "ageing": fmt.Sprint(*vx.Ageing), "limit": fmt.Sprint(vx.Limit),
			"port": fmt.Sprint(vx.Port), "learning": fmt.Sprint(*vx.Learning), "proxy": fmt.Sprint(*vx.Proxy),
			"l2miss": fmt.Sprint(*vx.L2Miss), "udp_csum": fmt.Sprint(*vx.UDPCsum),
			"gbp": fmt.Sprint(vx.GBP), "port_range": fmt.Sprintf(`{"high":%d,"low":%d}`, vx.PortRange.High, vx.PortRange.Low),
		})
	}
	if gotBr != nil {
		linkCheckData(t, "br0 (ip vs nlstruct)", ipByName["br0"].LinkInfo.Data, map[string]string{
			"forward_delay": fmt.Sprint(*gotBr.ForwardDelay), "hello_time": fmt.Sprint(*gotBr.HelloTime),
			"max_age": fmt.Sprint(*gotBr.MaxAge), "ageing_time": fmt.Sprint(*gotBr.AgeingTime), "stp_state": fmt.Sprint(*gotBr.STPState),
			"priority": fmt.Sprint(*gotBr.Priority), "group_fwd_mask": fmt.Sprintf("%#x", *gotBr.GroupFwdMask),
			"group_addr": gotBr.GroupAddr.String(), "root_port": fmt.Sprint(gotBr.RootPort), "root_path_cost": fmt.Sprint(gotBr.RootPathCost),
		})
	}
	vx6, _ := byName["vx6"].Info.Data.(*rt.VxlanData)
	if vx6 == nil || vx6.ID != 6 || vx6.Group6 != netip.MustParseAddr("2001:db8::2") || vx6.Local6 != netip.MustParseAddr("2001:db8::1") ||
		vx6.Group.IsValid() || vx6.Label != 0x12345 || vx6.UDPZeroCsum6Tx == nil || !*vx6.UDPZeroCsum6Tx {
		t.Errorf("vx6 data %+v; want VNI 6, 2001:db8::1 → 2001:db8::2, flow label 0x12345, udp6zerocsumtx", vx6)
	}
	if ifb := byName["ifb0"]; ifb.Info == nil || ifb.Info.Kind != "ifb" || ifb.Info.Data != nil {
		t.Errorf("ifb0: info %+v, want kind ifb without data", ifb.Info)
	}
}

// linkCmp compares netip.Addr values and fixed headers with ==, and
// treats nil and empty slices alike.
var linkCmp = cmp.Options{
	cmp.Comparer(func(a, b netip.Addr) bool { return a == b }),
	cmp.Comparer(func(a, b rt.IfInfoMsg) bool { return a == b }),
	cmp.Comparer(func(a, b rt.LinkIfMap) bool { return a == b }),
	cmpopts.EquateEmpty(),
}

// TestLinkKernelSet changes a link with nlstruct and checks each change
// with ip; and changes it with ip and checks that nlstruct sees it.
func TestLinkKernelSet(t *testing.T) {
	c, fd := linkNS(t)
	ctx := linkCtx(t)
	linkIPAdd(t, fd, "v0", "type", "veth", "peer", "name", "v1")
	idx := linkByName(t, c, "v0").Header.Index
	set := func(l rt.Link) {
		t.Helper()
		l.Header.Index = idx
		if err := c.SetLink(ctx, &l); err != nil {
			t.Fatal(err)
		}
	}
	set(rt.Link{MTU: 1300})
	if ip := linkIPOne(t, fd, "v0"); ip.MTU != 1300 {
		t.Errorf("after MTU 1300, ip says mtu %d", ip.MTU)
	}
	set(rt.Link{Address: linkMAC("02:11:22:33:44:55"), Alias: new("set by nlstruct"), TxQLen: new(uint32(0)), Group: new(uint32(5))})
	ip := linkIPOne(t, fd, "v0")
	if ip.Address != "02:11:22:33:44:55" || ip.Alias == nil || *ip.Alias != "set by nlstruct" || ip.Group != "5" {
		t.Errorf("ip says address %s alias %v group %s; want 02:11:22:33:44:55, \"set by nlstruct\", 5", ip.Address, ip.Alias, ip.Group)
	}
	// ip prints no txqlen when it is 0: ask sysfs.
	if q := linkSysfs(t, fd, "v0/tx_queue_len"); q != "0" {
		t.Errorf("after TxQLen 0, sysfs says tx_queue_len %s", q)
	}
	// Pointers send zero values: group back to 0 (default), alias cleared.
	set(rt.Link{Group: new(uint32(0)), Alias: new("")})
	if ip := linkIPOne(t, fd, "v0"); ip.Group != "default" || ip.Alias != nil {
		t.Errorf("after group 0 and alias \"\", ip says group %s alias %v", ip.Group, ip.Alias)
	}
	set(rt.Link{Name: "renamed0"})
	if ip := linkIPOne(t, fd, "renamed0"); ip.Index != idx {
		t.Errorf("after the rename, ip finds renamed0 at %d, want %d", ip.Index, idx)
	}
	// By name, without an index.
	if err := c.SetLink(ctx, &rt.Link{Name: "renamed0", MTU: 1280}); err != nil {
		t.Fatal(err)
	}
	if ip := linkIPOne(t, fd, "renamed0"); ip.MTU != 1280 {
		t.Errorf("after MTU 1280 by name, ip says %d", ip.MTU)
	}
	for _, up := range []bool{true, false, true} {
		if err := c.SetLinkUp(ctx, idx, up); err != nil {
			t.Fatal(err)
		}
		if ip := linkIPOne(t, fd, "renamed0"); linkHasFlag(ip, "UP") != up {
			t.Errorf("after SetLinkUp(%t), ip says flags %v", up, ip.Flags)
		}
		l, err := c.Link(ctx, idx)
		if err != nil {
			t.Fatal(err)
		}
		if (l.Header.Flags&unix.IFF_UP != 0) != up {
			t.Errorf("after SetLinkUp(%t), nlstruct reads flags %#x", up, l.Header.Flags)
		}
	}
	// The other way: ip changes, nlstruct reads.
	linkRun(t, fd, "ip", "link", "set", "renamed0", "down", "mtu", "1500", "name", "v0", "address", "02:aa:bb:cc:dd:ee", "txqlen", "42")
	l, err := c.Link(ctx, idx)
	if err != nil {
		t.Fatal(err)
	}
	if l.Name != "v0" || l.MTU != 1500 || l.Address.String() != "02:aa:bb:cc:dd:ee" || l.TxQLen == nil || *l.TxQLen != 42 || l.Header.Flags&unix.IFF_UP != 0 {
		t.Errorf("after ip link set: %s mtu %d address %s txqlen %v flags %#x", l.Name, l.MTU, l.Address, l.TxQLen, l.Header.Flags)
	}
	// A veth's MTU is bounded: the kernel's error comes back as EINVAL.
	err = c.SetLink(ctx, &rt.Link{Header: rt.IfInfoMsg{Index: idx}, MTU: 70000})
	if !errors.Is(err, unix.EINVAL) {
		t.Errorf("MTU 70000: %v, want EINVAL", err)
	}
}

// TestLinkKernelDelete deletes links with nlstruct, and checks with ip.
func TestLinkKernelDelete(t *testing.T) {
	c, fd := linkNS(t)
	ctx := linkCtx(t)
	linkIPAdd(t, fd, "v0", "type", "veth", "peer", "name", "v1")
	linkIPAdd(t, fd, "br0", "type", "bridge")
	for _, name := range []string{"v0", "br0"} {
		if err := c.DeleteLink(ctx, linkByName(t, c, name).Header.Index); err != nil {
			t.Fatal(err)
		}
	}
	var left []string
	for _, l := range linkIP(t, fd) {
		left = append(left, l.Name)
	}
	if !slices.Equal(left, []string{"lo"}) {
		t.Errorf("after deleting v0 (and so v1) and br0, ip lists %v, want [lo]", left)
	}
}

// TestLinkKernelErrors checks that the kernel's errors surface with their
// errno and say which request failed.
func TestLinkKernelErrors(t *testing.T) {
	c, fd := linkNS(t)
	ctx := linkCtx(t)
	linkIPAdd(t, fd, "v0", "type", "veth", "peer", "name", "v1")
	const missing = 4242
	tests := []struct {
		name string
		err  error
		want unix.Errno
		msg  string
	}{
		{"add a name taken", c.AddLink(ctx, &rt.Link{Name: "v0", Info: &rt.LinkInfo{Kind: "bridge"}}), unix.EEXIST, `rt: add link "v0" (bridge)`},
		{"add a veth whose peer name is taken", c.AddLink(ctx, &rt.Link{Name: "v2", Info: &rt.LinkInfo{Data: &rt.VethData{Peer: &rt.Link{Name: "v1"}}}}), unix.EEXIST, `rt: add link "v2" (veth)`},
		{"get a missing index", linkErr(c.Link(ctx, missing)), unix.ENODEV, "rt: get link ifindex 4242"},
		{"get a missing name", linkErr(c.LinkByName(ctx, "nosuch0")), unix.ENODEV, `rt: get link "nosuch0"`},
		{"set a missing index", c.SetLink(ctx, &rt.Link{Header: rt.IfInfoMsg{Index: missing}, MTU: 1400}), unix.ENODEV, "rt: set link ifindex 4242"},
		{"set a missing name", c.SetLink(ctx, &rt.Link{Name: "nosuch0", MTU: 1400}), unix.ENODEV, `rt: set link "nosuch0"`},
		{"up a missing index", c.SetLinkUp(ctx, missing, true), unix.ENODEV, "rt: set link ifindex 4242 up=true"},
		{"delete a missing index", c.DeleteLink(ctx, missing), unix.ENODEV, "rt: delete link ifindex 4242"},
		{"add an unknown kind", c.AddLink(ctx, &rt.Link{Name: "x0", Info: &rt.LinkInfo{Kind: "no-such-kind"}}), unix.EOPNOTSUPP, `rt: add link "x0" (no-such-kind)`},
	}
	for _, tt := range tests {
		if !errors.Is(tt.err, tt.want) {
			t.Errorf("%s: %v, want %v", tt.name, tt.err, tt.want)
			continue
		}
		if !strings.HasPrefix(tt.err.Error(), tt.msg+": ") {
			t.Errorf("%s: %q, want it to start with %q", tt.name, tt.err, tt.msg)
		}
	}
	// Nothing was made by the failed requests.
	if n := len(linkIP(t, fd)); n != 3 {
		t.Errorf("ip lists %d links after the failures, want 3 (lo, v0, v1)", n)
	}
}

func linkErr(_ *rt.Link, err error) error { return err }

// TestLinkKernelNetNS moves a link to another namespace by its fd
// (IFLA_NET_NS_FD) and back by a process in it (IFLA_NET_NS_PID), and
// creates a veth whose peer starts out in another namespace.
func TestLinkKernelNetNS(t *testing.T) {
	ca, fa := linkNS(t)
	cb, fb := linkNS(t)
	ctx := linkCtx(t)
	linkIPAdd(t, fa, "v0", "type", "veth", "peer", "name", "v1")
	v1 := linkByName(t, ca, "v1")
	if err := ca.SetLink(ctx, &rt.Link{Header: rt.IfInfoMsg{Index: v1.Header.Index}, NetNSFD: new(uint32(fb))}); err != nil {
		t.Fatal(err)
	}
	if ls := linkIP(t, fa); len(ls) != 2 {
		t.Errorf("after the move, ip in A lists %d links, want 2 (lo, v0)", len(ls))
	}
	ipB := linkIPOne(t, fb, "v1")
	// v0's peer is now in another namespace: the kernel says which, as ip
	// does.
	v0 := linkByName(t, ca, "v0")
	ipA := linkIPOne(t, fa, "v0")
	if v0.LinkNetNSID == nil || ipA.LinkNetNSID == nil || *v0.LinkNetNSID != *ipA.LinkNetNSID || v0.ParentIndex != ipB.Index {
		t.Errorf("v0: link netnsid %v (ip %v), parent %d; want ip's, and v1's index in B %d", v0.LinkNetNSID, ipA.LinkNetNSID, v0.ParentIndex, ipB.Index)
	}

	// Back to A through a process in it.
	var cmd *exec.Cmd
	netnstest.Run(t, fa, func() {
		cmd = exec.Command("sleep", "60")
		if err := cmd.Start(); err != nil {
			t.Error(err)
		}
	})
	if cmd.Process == nil {
		t.FailNow()
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	if err := cb.SetLink(ctx, &rt.Link{Header: rt.IfInfoMsg{Index: ipB.Index}, NetNSPID: new(uint32(cmd.Process.Pid))}); err != nil {
		t.Fatal(err)
	}
	if _, err := linkRunErr(t, fa, "ip", "link", "show", "v1"); err != nil {
		t.Errorf("after moving v1 back by pid, ip in A cannot see it: %v", err)
	}
	if ls := linkIP(t, fb); len(ls) != 1 {
		t.Errorf("after moving v1 back, ip in B lists %d links, want 1 (lo)", len(ls))
	}

	// A veth made with its peer in B.
	linkAdd(t, ca, &rt.Link{Name: "a0", Info: &rt.LinkInfo{Data: &rt.VethData{Peer: &rt.Link{Name: "b0", NetNSFD: new(uint32(fb))}}}})
	if ip := linkIPOne(t, fb, "b0"); ip.LinkInfo == nil || ip.LinkInfo.Kind != "veth" {
		t.Errorf("b0 in B: ip says %+v, want a veth", ip.LinkInfo)
	}
}

// TestLinkKernelAltName adds and removes alternative names with nlstruct
// and ip, each checked by the other.
func TestLinkKernelAltName(t *testing.T) {
	c, fd := linkNS(t)
	ctx := linkCtx(t)
	linkIPAdd(t, fd, "v0", "type", "veth", "peer", "name", "v1")
	idx := linkByName(t, c, "v0").Header.Index
	const long = "an-alternative-name-longer-than-ifnamsiz"
	if err := c.AddLinkAltName(ctx, idx, long); err != nil {
		t.Fatal(err)
	}
	linkRun(t, fd, "ip", "link", "property", "add", "dev", "v0", "altname", "second")
	if ip := linkIPOne(t, fd, "v0"); !slices.Equal(ip.AltNames, []string{long, "second"}) {
		t.Errorf("ip says altnames %q", ip.AltNames)
	}
	l, err := c.LinkByName(ctx, long)
	if err != nil {
		t.Fatal(err)
	}
	if l.Header.Index != idx || l.Props == nil || !slices.Equal(l.Props.AltNames, []string{long, "second"}) {
		t.Errorf("LinkByName(%q): index %d props %+v", long, l.Header.Index, l.Props)
	}
	if err := c.AddLinkAltName(ctx, idx, "second"); !errors.Is(err, unix.EEXIST) {
		t.Errorf("adding a name twice: %v, want EEXIST", err)
	}
	if err := c.DeleteLinkAltName(ctx, idx, long); err != nil {
		t.Fatal(err)
	}
	if ip := linkIPOne(t, fd, "v0"); !slices.Equal(ip.AltNames, []string{"second"}) {
		t.Errorf("after the delete, ip says altnames %q", ip.AltNames)
	}
}

// TestLinkKernelStats sends frames of a known size over a veth pair whose
// ends are in two namespaces, and checks the IFLA_STATS64 counters: they
// count those frames, and agree with sysfs (read inside each namespace).
func TestLinkKernelStats(t *testing.T) {
	ca, fa := linkNS(t)
	cb, fb := linkNS(t)
	ctx := linkCtx(t)
	// No IPv6 (no router or neighbour solicitations): the frames sent
	// here are all the traffic there is.
	for _, fd := range []int{fa, fb} {
		netnstest.Run(t, fd, func() {
			for _, f := range []string{"all", "default"} {
				if err := os.WriteFile("/proc/sys/net/ipv6/conf/"+f+"/disable_ipv6", []byte("1"), 0); err != nil && !errors.Is(err, os.ErrNotExist) {
					t.Error(err)
				}
			}
		})
	}
	linkAdd(t, ca, &rt.Link{Name: "v0", Address: linkMAC("02:00:00:00:00:0a"),
		Info: &rt.LinkInfo{Data: &rt.VethData{Peer: &rt.Link{Name: "v1", Address: linkMAC("02:00:00:00:00:0b"), NetNSFD: new(uint32(fb))}}}})
	v0, v1 := linkByName(t, ca, "v0"), linkByName(t, cb, "v1")
	for _, x := range []struct {
		c   *rt.Conn
		idx int32
	}{{ca, v0.Header.Index}, {cb, v1.Header.Index}} {
		if err := x.c.SetLinkUp(ctx, x.idx, true); err != nil {
			t.Fatal(err)
		}
	}
	// Until the link watcher sees the carrier, the qdisc drops what is
	// sent: wait for both ends to be operationally up.
	for _, x := range []struct {
		c    *rt.Conn
		name string
	}{{ca, "v0"}, {cb, "v1"}} {
		for linkByName(t, x.c, x.name).OperState != rt.LinkOperUp {
			if ctx.Err() != nil {
				t.Fatalf("%s is not up: %v", x.name, ctx.Err())
			}
			time.Sleep(10 * time.Millisecond)
		}
	}
	// 7 frames to v1 of a protocol nothing handles (ETH_P_802_EX1), which
	// v1 drops (rx_dropped); 3 IPv4 frames to another host's address, which
	// IPv4 drops (rx_otherhost_dropped).
	const frames, otherhost, size = 7, 3, 114
	netnstest.Run(t, fa, func() {
		s, err := unix.Socket(unix.AF_PACKET, unix.SOCK_RAW, 0)
		if err != nil {
			t.Error(err)
			return
		}
		defer unix.Close(s)
		send := func(n int, dst string, proto uint16) {
			frame := make([]byte, size)
			copy(frame, linkMAC(dst))
			copy(frame[6:], linkMAC("02:00:00:00:00:0a"))
			frame[12], frame[13] = byte(proto>>8), byte(proto)
			to := &unix.SockaddrLinklayer{Ifindex: int(v0.Header.Index), Halen: 6}
			copy(to.Addr[:], linkMAC(dst))
			for range n {
				if err := unix.Sendto(s, frame, 0, to); err != nil {
					t.Error(err)
					return
				}
			}
		}
		send(frames, "02:00:00:00:00:0b", 0x88b5)
		send(otherhost, "02:00:00:00:00:0c", unix.ETH_P_IP)
	})
	if t.Failed() {
		t.FailNow()
	}
	s0, s1 := linkByName(t, ca, "v0").Stats64, linkByName(t, cb, "v1").Stats64
	if s0 == nil || s1 == nil {
		t.Fatalf("no IFLA_STATS64: %v %v", s0, s1)
	}
	const all = frames + otherhost
	want0 := rt.LinkStats64{TxPackets: all, TxBytes: all * size}
	want1 := rt.LinkStats64{RxPackets: all, RxBytes: all * size, RxDropped: frames, RxOtherhostDropped: otherhost}
	if d := cmp.Diff(want0, *s0); d != "" {
		t.Errorf("v0 counters (-want +got):\n%s", d)
	}
	if d := cmp.Diff(want1, *s1); d != "" {
		t.Errorf("v1 counters (-want +got):\n%s", d)
	}
	linkCheckSysfs(t, fa, "v0", s0)
	linkCheckSysfs(t, fb, "v1", s1)
}

// linkSysfs returns the contents of /sys/class/net/path, read in a
// mount namespace with a sysfs mounted inside the network namespace fd
// (sysfs shows the devices of the namespace that mounts it).
func linkSysfs(t *testing.T, fd int, path string) string {
	t.Helper()
	return strings.TrimSpace(string(linkRun(t, fd, "unshare", "--mount", "sh", "-c", "mount -t sysfs sysfs /sys && cat /sys/class/net/"+path)))
}

// linkCheckSysfs compares s with /sys/class/net/name/statistics, read in
// a mount namespace with a sysfs mounted inside the network namespace fd
// (sysfs shows the devices of the namespace that mounts it).
func linkCheckSysfs(t *testing.T, fd int, name string, s *rt.LinkStats64) {
	t.Helper()
	out := linkRun(t, fd, "unshare", "--mount", "sh", "-c",
		"mount -t sysfs sysfs /sys && cd /sys/class/net/"+name+"/statistics && for f in *; do echo $f $(cat $f); done")
	want := map[string]uint64{
		"rx_packets": s.RxPackets, "tx_packets": s.TxPackets, "rx_bytes": s.RxBytes, "tx_bytes": s.TxBytes,
		"rx_errors": s.RxErrors, "tx_errors": s.TxErrors, "rx_dropped": s.RxDropped, "tx_dropped": s.TxDropped,
		"multicast": s.Multicast, "collisions": s.Collisions, "rx_length_errors": s.RxLengthErrors,
		"rx_over_errors": s.RxOverErrors, "rx_crc_errors": s.RxCRCErrors, "rx_frame_errors": s.RxFrameErrors,
		"rx_fifo_errors": s.RxFIFOErrors, "rx_missed_errors": s.RxMissedErrors, "tx_aborted_errors": s.TxAbortedErrors,
		"tx_carrier_errors": s.TxCarrierErrors, "tx_fifo_errors": s.TxFIFOErrors, "tx_heartbeat_errors": s.TxHeartbeatErrors,
		"tx_window_errors": s.TxWindowErrors, "rx_compressed": s.RxCompressed, "tx_compressed": s.TxCompressed,
		"rx_nohandler": s.RxNohandler,
	}
	seen := 0
	for line := range strings.Lines(string(out)) {
		f := strings.Fields(line)
		if len(f) != 2 {
			continue
		}
		w, ok := want[f[0]]
		if !ok {
			continue
		}
		seen++
		if got, err := strconv.ParseUint(f[1], 10, 64); err != nil || got != w {
			t.Errorf("%s: sysfs says %s = %s, IFLA_STATS64 %d", name, f[0], f[1], w)
		}
	}
	if seen != len(want) {
		t.Errorf("%s: sysfs has %d of the %d counters:\n%s", name, seen, len(want), out)
	}
}
