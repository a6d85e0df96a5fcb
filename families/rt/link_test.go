package rt_test

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"net"
	"net/netip"
	"reflect"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"golang.org/x/sys/unix"
	"pgregory.net/rapid"

	"github.com/nlstruct/nlstruct/families/rt"
	"github.com/nlstruct/nlstruct/marshal"
	"github.com/nlstruct/nlstruct/nlattr"
	"github.com/nlstruct/nlstruct/socket"
	"github.com/nlstruct/nlstruct/socket/sockettest"
)

// linkTypes are the tagged types of links, each with its attribute
// numbers from golang.org/x/sys/unix (a source apart from this package).
var linkTypes = []struct {
	typ    reflect.Type
	fields map[string]uint16
}{
	{reflect.TypeFor[rt.Link](), map[string]uint16{
		"Address": unix.IFLA_ADDRESS, "Broadcast": unix.IFLA_BROADCAST, "Name": unix.IFLA_IFNAME, "MTU": unix.IFLA_MTU,
		"ParentIndex": unix.IFLA_LINK, "Qdisc": unix.IFLA_QDISC, "Stats": unix.IFLA_STATS, "Master": unix.IFLA_MASTER,
		"TxQLen": unix.IFLA_TXQLEN, "Map": unix.IFLA_MAP, "OperState": unix.IFLA_OPERSTATE, "LinkMode": unix.IFLA_LINKMODE,
		"Info": unix.IFLA_LINKINFO, "NetNSPID": unix.IFLA_NET_NS_PID, "Alias": unix.IFLA_IFALIAS, "Stats64": unix.IFLA_STATS64,
		"Group": unix.IFLA_GROUP, "NetNSFD": unix.IFLA_NET_NS_FD, "Promiscuity": unix.IFLA_PROMISCUITY,
		"NumTxQueues": unix.IFLA_NUM_TX_QUEUES, "NumRxQueues": unix.IFLA_NUM_RX_QUEUES, "Carrier": unix.IFLA_CARRIER,
		"CarrierChanges": unix.IFLA_CARRIER_CHANGES, "LinkNetNSID": unix.IFLA_LINK_NETNSID, "ProtoDown": unix.IFLA_PROTO_DOWN,
		"GSOMaxSegs": unix.IFLA_GSO_MAX_SEGS, "GSOMaxSize": unix.IFLA_GSO_MAX_SIZE, "CarrierUpCount": unix.IFLA_CARRIER_UP_COUNT,
		"CarrierDownCount": unix.IFLA_CARRIER_DOWN_COUNT, "MinMTU": unix.IFLA_MIN_MTU, "MaxMTU": unix.IFLA_MAX_MTU,
		"Props": unix.IFLA_PROP_LIST, "AltName": unix.IFLA_ALT_IFNAME, "PermAddress": unix.IFLA_PERM_ADDRESS,
		"ParentDevName": unix.IFLA_PARENT_DEV_NAME, "ParentDevBusName": unix.IFLA_PARENT_DEV_BUS_NAME,
		"GROMaxSize": unix.IFLA_GRO_MAX_SIZE, "TSOMaxSize": unix.IFLA_TSO_MAX_SIZE, "TSOMaxSegs": unix.IFLA_TSO_MAX_SEGS,
		"AllMulti": unix.IFLA_ALLMULTI,
	}},
	{reflect.TypeFor[rt.LinkProps](), map[string]uint16{"AltNames": unix.IFLA_ALT_IFNAME}},
	{reflect.TypeFor[rt.LinkInfo](), map[string]uint16{"Kind": unix.IFLA_INFO_KIND, "Data": unix.IFLA_INFO_DATA,
		"XStats": unix.IFLA_INFO_XSTATS, "SlaveKind": unix.IFLA_INFO_SLAVE_KIND, "SlaveData": unix.IFLA_INFO_SLAVE_DATA}},
	{reflect.TypeFor[rt.VethData](), map[string]uint16{"Peer": 1}}, // VETH_INFO_PEER (<linux/veth.h>; not in x/sys/unix)
	{reflect.TypeFor[rt.VlanData](), map[string]uint16{"ID": unix.IFLA_VLAN_ID, "Flags": unix.IFLA_VLAN_FLAGS,
		"EgressQoS": unix.IFLA_VLAN_EGRESS_QOS, "IngressQoS": unix.IFLA_VLAN_INGRESS_QOS, "Protocol": unix.IFLA_VLAN_PROTOCOL}},
	{reflect.TypeFor[rt.VlanQoS](), map[string]uint16{"Mappings": unix.IFLA_VLAN_QOS_MAPPING}},
	{reflect.TypeFor[rt.BridgeData](), map[string]uint16{
		"ForwardDelay": unix.IFLA_BR_FORWARD_DELAY, "HelloTime": unix.IFLA_BR_HELLO_TIME, "MaxAge": unix.IFLA_BR_MAX_AGE,
		"AgeingTime": unix.IFLA_BR_AGEING_TIME, "STPState": unix.IFLA_BR_STP_STATE, "Priority": unix.IFLA_BR_PRIORITY,
		"VlanFiltering": unix.IFLA_BR_VLAN_FILTERING, "VlanProtocol": unix.IFLA_BR_VLAN_PROTOCOL,
		"GroupFwdMask": unix.IFLA_BR_GROUP_FWD_MASK, "RootID": unix.IFLA_BR_ROOT_ID, "BridgeID": unix.IFLA_BR_BRIDGE_ID,
		"RootPort": unix.IFLA_BR_ROOT_PORT, "RootPathCost": unix.IFLA_BR_ROOT_PATH_COST, "TopologyChange": unix.IFLA_BR_TOPOLOGY_CHANGE,
		"TopologyChangeDetected": unix.IFLA_BR_TOPOLOGY_CHANGE_DETECTED, "HelloTimer": unix.IFLA_BR_HELLO_TIMER,
		"TCNTimer": unix.IFLA_BR_TCN_TIMER, "TopologyChangeTimer": unix.IFLA_BR_TOPOLOGY_CHANGE_TIMER, "GCTimer": unix.IFLA_BR_GC_TIMER,
		"GroupAddr": unix.IFLA_BR_GROUP_ADDR, "McastSnooping": unix.IFLA_BR_MCAST_SNOOPING, "VlanDefaultPVID": unix.IFLA_BR_VLAN_DEFAULT_PVID,
	}},
	{reflect.TypeFor[rt.BridgePortData](), map[string]uint16{
		"State": unix.IFLA_BRPORT_STATE, "Priority": unix.IFLA_BRPORT_PRIORITY, "Cost": unix.IFLA_BRPORT_COST,
		"Mode": unix.IFLA_BRPORT_MODE, "Guard": unix.IFLA_BRPORT_GUARD, "Protect": unix.IFLA_BRPORT_PROTECT,
		"FastLeave": unix.IFLA_BRPORT_FAST_LEAVE, "Learning": unix.IFLA_BRPORT_LEARNING, "UnicastFlood": unix.IFLA_BRPORT_UNICAST_FLOOD,
		"ProxyARP": unix.IFLA_BRPORT_PROXYARP, "ID": unix.IFLA_BRPORT_ID, "No": unix.IFLA_BRPORT_NO,
		"MessageAgeTimer": unix.IFLA_BRPORT_MESSAGE_AGE_TIMER, "ForwardDelayTimer": unix.IFLA_BRPORT_FORWARD_DELAY_TIMER,
		"HoldTimer": unix.IFLA_BRPORT_HOLD_TIMER, "McastFlood": unix.IFLA_BRPORT_MCAST_FLOOD, "BcastFlood": unix.IFLA_BRPORT_BCAST_FLOOD,
		"NeighSuppress": unix.IFLA_BRPORT_NEIGH_SUPPRESS, "Isolated": unix.IFLA_BRPORT_ISOLATED,
	}},
	{reflect.TypeFor[rt.MacvlanData](), map[string]uint16{"Mode": unix.IFLA_MACVLAN_MODE, "Flags": unix.IFLA_MACVLAN_FLAGS,
		"MacaddrCount": unix.IFLA_MACVLAN_MACADDR_COUNT, "BcQueueLen": unix.IFLA_MACVLAN_BC_QUEUE_LEN,
		"BcQueueLenUsed": unix.IFLA_MACVLAN_BC_QUEUE_LEN_USED}},
	{reflect.TypeFor[rt.VxlanData](), map[string]uint16{
		"ID": unix.IFLA_VXLAN_ID, "Group": unix.IFLA_VXLAN_GROUP, "Link": unix.IFLA_VXLAN_LINK, "Local": unix.IFLA_VXLAN_LOCAL,
		"TTL": unix.IFLA_VXLAN_TTL, "TOS": unix.IFLA_VXLAN_TOS, "Learning": unix.IFLA_VXLAN_LEARNING, "Ageing": unix.IFLA_VXLAN_AGEING,
		"Limit": unix.IFLA_VXLAN_LIMIT, "PortRange": unix.IFLA_VXLAN_PORT_RANGE, "Proxy": unix.IFLA_VXLAN_PROXY,
		"RSC": unix.IFLA_VXLAN_RSC, "L2Miss": unix.IFLA_VXLAN_L2MISS, "L3Miss": unix.IFLA_VXLAN_L3MISS, "Port": unix.IFLA_VXLAN_PORT,
		"Group6": unix.IFLA_VXLAN_GROUP6, "Local6": unix.IFLA_VXLAN_LOCAL6, "UDPCsum": unix.IFLA_VXLAN_UDP_CSUM,
		"UDPZeroCsum6Tx": unix.IFLA_VXLAN_UDP_ZERO_CSUM6_TX, "UDPZeroCsum6Rx": unix.IFLA_VXLAN_UDP_ZERO_CSUM6_RX,
		"RemCsumTx": unix.IFLA_VXLAN_REMCSUM_TX, "RemCsumRx": unix.IFLA_VXLAN_REMCSUM_RX, "GBP": unix.IFLA_VXLAN_GBP,
		"RemCsumNoPartial": unix.IFLA_VXLAN_REMCSUM_NOPARTIAL, "CollectMetadata": unix.IFLA_VXLAN_COLLECT_METADATA,
		"Label": unix.IFLA_VXLAN_LABEL, "GPE": unix.IFLA_VXLAN_GPE, "DF": unix.IFLA_VXLAN_DF, "VNIFilter": unix.IFLA_VXLAN_VNIFILTER,
	}},
	{reflect.TypeFor[rt.BondData](), map[string]uint16{
		"Mode": unix.IFLA_BOND_MODE, "ActiveSlave": unix.IFLA_BOND_ACTIVE_SLAVE, "MIIMon": unix.IFLA_BOND_MIIMON,
		"UpDelay": unix.IFLA_BOND_UPDELAY, "DownDelay": unix.IFLA_BOND_DOWNDELAY, "UseCarrier": unix.IFLA_BOND_USE_CARRIER,
		"ARPInterval": unix.IFLA_BOND_ARP_INTERVAL, "ARPIPTargets": unix.IFLA_BOND_ARP_IP_TARGET, "ARPValidate": unix.IFLA_BOND_ARP_VALIDATE,
		"ARPAllTargets": unix.IFLA_BOND_ARP_ALL_TARGETS, "Primary": unix.IFLA_BOND_PRIMARY, "XmitHashPolicy": unix.IFLA_BOND_XMIT_HASH_POLICY,
		"MinLinks": unix.IFLA_BOND_MIN_LINKS, "ADLACPRate": unix.IFLA_BOND_AD_LACP_RATE, "ADSelect": unix.IFLA_BOND_AD_SELECT,
		"ADActorSystem": unix.IFLA_BOND_AD_ACTOR_SYSTEM,
	}},
	{reflect.TypeFor[rt.BondSlaveData](), map[string]uint16{
		"State": unix.IFLA_BOND_SLAVE_STATE, "MIIStatus": unix.IFLA_BOND_SLAVE_MII_STATUS,
		"LinkFailureCount": unix.IFLA_BOND_SLAVE_LINK_FAILURE_COUNT, "PermHWAddr": unix.IFLA_BOND_SLAVE_PERM_HWADDR,
		"QueueID": unix.IFLA_BOND_SLAVE_QUEUE_ID, "ADAggregatorID": unix.IFLA_BOND_SLAVE_AD_AGGREGATOR_ID, "Prio": unix.IFLA_BOND_SLAVE_PRIO,
	}},
}

// TestLinkTagsMatchConstants checks every tag's attribute type against
// golang.org/x/sys/unix's constant for it.
func TestLinkTagsMatchConstants(t *testing.T) {
	for _, tt := range linkTypes {
		d, err := marshal.Describe(tt.typ)
		if err != nil {
			t.Fatalf("%v: %v", tt.typ, err)
		}
		if len(d.Attrs) != len(tt.fields) {
			t.Errorf("%s: %d attributes, the table has %d", tt.typ.Name(), len(d.Attrs), len(tt.fields))
		}
		for _, a := range d.Attrs {
			if n, ok := tt.fields[a.Field]; !ok || n != a.Type {
				t.Errorf("%s.%s: attribute %d, want %d", tt.typ.Name(), a.Field, a.Type, n)
			}
		}
	}
}

// TestLinkFixedSizes checks the fixed layouts' sizes against the C
// structs' (<linux/rtnetlink.h>, <linux/if_link.h>).
func TestLinkFixedSizes(t *testing.T) {
	tests := []struct {
		v    any
		size int
	}{
		{&rt.IfInfoMsg{}, unix.SizeofIfInfomsg},
		{&rt.LinkStats64{}, 25 * 8}, // struct rtnl_link_stats64: 25 __u64
		{&rt.LinkStats{}, 24 * 4},   // struct rtnl_link_stats: 24 __u32
		{&rt.LinkIfMap{}, 32},       // struct rtnl_link_ifmap: 3 __u64, __u16, 2 __u8, padded to 8
		{&rt.VlanFlags{}, 8},        // struct ifla_vlan_flags
		{&rt.VlanQoSMapping{}, 8},   // struct ifla_vlan_qos_mapping
		{&rt.BridgeID{}, 8},         // struct ifla_bridge_id
		{&rt.VxlanPortRange{}, 4},   // struct ifla_vxlan_port_range
	}
	for _, tt := range tests {
		b, err := marshal.Marshal(tt.v)
		if err != nil {
			t.Fatalf("%T: %v", tt.v, err)
		}
		if len(b) != tt.size {
			t.Errorf("%T: %d bytes, want %d", tt.v, len(b), tt.size)
		}
	}
}

// TestLinkEncode checks requests against bytes built with the nlattr
// helpers: only what is set is sent, pointers send their zero values,
// and the veth peer is an ifinfomsg followed by attributes.
func TestLinkEncode(t *testing.T) {
	ne := binary.NativeEndian
	hdr := func(index int32, flags, change uint32) []byte {
		b := []byte{unix.AF_UNSPEC, 0}
		b = ne.AppendUint16(b, 0)
		b = ne.AppendUint32(b, uint32(index))
		b = ne.AppendUint32(b, flags)
		return ne.AppendUint32(b, change)
	}
	str := func(b []byte, typ uint16, s string) []byte {
		b, err := nlattr.AppendString(b, typ, s)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	nest := func(b []byte, typ uint16, fill func([]byte) []byte) []byte {
		b, start := nlattr.BeginNested(b, typ)
		b, err := nlattr.EndNested(fill(b), start)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	// IFLA_LINKINFO and IFLA_INFO_DATA are nests without NLA_F_NESTED, as
	// the kernel writes them.
	plainNest := func(b []byte, typ uint16, fill func([]byte) []byte) []byte {
		b, start := nlattr.Begin(b, typ)
		b, err := nlattr.End(fill(b), start)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	tests := []struct {
		name string
		l    rt.Link
		want []byte
	}{
		{"empty", rt.Link{}, hdr(0, 0, 0)},
		{"zero values are not sent", rt.Link{Header: rt.IfInfoMsg{Index: 3}, MTU: 0, Name: "", OperState: 0}, hdr(3, 0, 0)},
		{"up", rt.Link{Header: rt.IfInfoMsg{Index: 3, Flags: unix.IFF_UP, Change: unix.IFF_UP}}, hdr(3, unix.IFF_UP, unix.IFF_UP)},
		{"set", rt.Link{Header: rt.IfInfoMsg{Index: 7}, Name: "eth1", MTU: 9000, Master: new(int32(0)), TxQLen: new(uint32(0)), Alias: new("")},
			func() []byte {
				b := hdr(7, 0, 0)
				b = str(b, unix.IFLA_IFNAME, "eth1")
				b = nlattr.AppendU32(b, unix.IFLA_MTU, 9000)
				b = nlattr.AppendU32(b, unix.IFLA_MASTER, 0)
				b = nlattr.AppendU32(b, unix.IFLA_TXQLEN, 0)
				return str(b, unix.IFLA_IFALIAS, "")
			}()},
		{"veth", rt.Link{Name: "v0", Info: &rt.LinkInfo{Kind: "veth", Data: &rt.VethData{Peer: &rt.Link{Name: "v1", NetNSFD: new(uint32(5))}}}},
			func() []byte {
				b := str(hdr(0, 0, 0), unix.IFLA_IFNAME, "v0")
				return plainNest(b, unix.IFLA_LINKINFO, func(b []byte) []byte {
					b = str(b, unix.IFLA_INFO_KIND, "veth")
					return plainNest(b, unix.IFLA_INFO_DATA, func(b []byte) []byte {
						return nest(b, 1 /* VETH_INFO_PEER */, func(b []byte) []byte {
							b = str(append(b, hdr(0, 0, 0)...), unix.IFLA_IFNAME, "v1")
							return nlattr.AppendU32(b, unix.IFLA_NET_NS_FD, 5)
						})
					})
				})
			}()},
		{"vlan", rt.Link{ParentIndex: 2, Info: &rt.LinkInfo{Kind: "vlan", Data: &rt.VlanData{ID: 100, Protocol: unix.ETH_P_8021AD,
			EgressQoS: &rt.VlanQoS{Mappings: []rt.VlanQoSMapping{{From: 1, To: 2}, {From: 3, To: 4}}}}}},
			func() []byte {
				b := nlattr.AppendU32(hdr(0, 0, 0), unix.IFLA_LINK, 2)
				return plainNest(b, unix.IFLA_LINKINFO, func(b []byte) []byte {
					b = str(b, unix.IFLA_INFO_KIND, "vlan")
					return plainNest(b, unix.IFLA_INFO_DATA, func(b []byte) []byte {
						b = nlattr.AppendU16(b, unix.IFLA_VLAN_ID, 100)
						b = nest(b, unix.IFLA_VLAN_EGRESS_QOS, func(b []byte) []byte {
							m, _ := nlattr.AppendBytes(b, unix.IFLA_VLAN_QOS_MAPPING, ne.AppendUint32(ne.AppendUint32(nil, 1), 2))
							m, _ = nlattr.AppendBytes(m, unix.IFLA_VLAN_QOS_MAPPING, ne.AppendUint32(ne.AppendUint32(nil, 3), 4))
							return m
						})
						return nlattr.AppendU16BE(b, unix.IFLA_VLAN_PROTOCOL, unix.ETH_P_8021AD)
					})
				})
			}()},
		{"vxlan", rt.Link{Info: &rt.LinkInfo{Kind: "vxlan", Data: &rt.VxlanData{ID: 42, Group: netip.MustParseAddr("10.0.0.2"),
			Learning: new(false), Port: 4789, GBP: true}}},
			func() []byte {
				return plainNest(hdr(0, 0, 0), unix.IFLA_LINKINFO, func(b []byte) []byte {
					b = str(b, unix.IFLA_INFO_KIND, "vxlan")
					return plainNest(b, unix.IFLA_INFO_DATA, func(b []byte) []byte {
						b = nlattr.AppendU32(b, unix.IFLA_VXLAN_ID, 42)
						b, _ = nlattr.AppendBytes(b, unix.IFLA_VXLAN_GROUP, []byte{10, 0, 0, 2})
						b = nlattr.AppendU8(b, unix.IFLA_VXLAN_LEARNING, 0)
						b = nlattr.AppendU16BE(b, unix.IFLA_VXLAN_PORT, 4789)
						return nlattr.AppendFlag(b, unix.IFLA_VXLAN_GBP)
					})
				})
			}()},
	}
	for _, tt := range tests {
		got, err := marshal.Marshal(&tt.l)
		if err != nil {
			t.Fatalf("%s: %v", tt.name, err)
		}
		if !bytes.Equal(got, tt.want) {
			t.Errorf("%s:\n got %x\nwant %x", tt.name, got, tt.want)
		}
	}
}

// TestLinkStats64Short decodes IFLA_STATS64 as kernels before 5.19 send
// it, without rx_otherhost_dropped.
func TestLinkStats64Short(t *testing.T) {
	var p []byte
	for i := range 24 {
		p = binary.NativeEndian.AppendUint64(p, uint64(i+1))
	}
	b, _ := nlattr.AppendBytes(make([]byte, unix.SizeofIfInfomsg), unix.IFLA_STATS64, p)
	var l rt.Link
	if err := marshal.Unmarshal(b, &l); err != nil {
		t.Fatal(err)
	}
	if s := l.Stats64; s == nil || s.RxPackets != 1 || s.TxWindowErrors != 21 || s.RxNohandler != 24 || s.RxOtherhostDropped != 0 {
		t.Errorf("decoded %+v", l.Stats64)
	}
	// Shorter than any kernel's is an error.
	b, _ = nlattr.AppendBytes(make([]byte, unix.SizeofIfInfomsg), unix.IFLA_STATS64, p[:100])
	if err := marshal.Unmarshal(b, &l); err == nil {
		t.Errorf("a 100-byte IFLA_STATS64 decoded: %+v", l.Stats64)
	}
}

// TestLinkRequests checks what each method sends, against a fake kernel.
func TestLinkRequests(t *testing.T) {
	var fail unix.Errno
	sc, k := sockettest.Dial(func(k *sockettest.Kernel, req socket.Message) {
		if req.Header.Flags&unix.NLM_F_DUMP == unix.NLM_F_DUMP {
			k.Reply(req, unix.NLM_F_MULTI, req.Data)
			k.Done(req, unix.NLM_F_MULTI, 0)
			return
		}
		if req.Header.Type == unix.RTM_GETLINK && fail == 0 {
			k.Reply(req, 0, req.Data)
		}
		k.Ack(req, fail, nil)
	}, nil)
	c := rt.New(sc)
	ctx := context.Background()

	vlan := &rt.Link{Name: "eth0.5", ParentIndex: 2, Info: &rt.LinkInfo{Data: &rt.VlanData{ID: 5}}}
	before := *vlan.Info
	if err := c.AddLink(ctx, vlan); err != nil {
		t.Fatal(err)
	}
	if vlan.Info.Kind != before.Kind {
		t.Errorf("AddLink changed the caller's Info.Kind to %q", vlan.Info.Kind)
	}
	port := &rt.Link{Header: rt.IfInfoMsg{Index: 4}, Info: &rt.LinkInfo{SlaveData: &rt.BridgePortData{Cost: new(uint32(9))}}}
	if err := c.SetLink(ctx, port); err != nil {
		t.Fatal(err)
	}
	if err := c.SetLinkUp(ctx, 4, true); err != nil {
		t.Fatal(err)
	}
	if err := c.SetLinkUp(ctx, 4, false); err != nil {
		t.Fatal(err)
	}
	if err := c.DeleteLink(ctx, 4); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Links(ctx); err != nil {
		t.Fatal(err)
	}
	if l, err := c.Link(ctx, 4); err != nil || l.Header.Index != 4 {
		t.Fatalf("Link(4) = %+v, %v", l, err)
	}
	if l, err := c.LinkByName(ctx, "eth0"); err != nil || l.Name != "eth0" {
		t.Fatalf("LinkByName(eth0) = %+v, %v", l, err)
	}
	long := strings.Repeat("x", 20)
	if l, err := c.LinkByName(ctx, long); err != nil || l.AltName != long || l.Name != "" {
		t.Fatalf("LinkByName(20 bytes) = %+v, %v; want it sent as IFLA_ALT_IFNAME", l, err)
	}
	if err := c.AddLinkAltName(ctx, 4, long); err != nil {
		t.Fatal(err)
	}
	if err := c.DeleteLinkAltName(ctx, 4, long); err != nil {
		t.Fatal(err)
	}

	const ack, req = unix.NLM_F_ACK, unix.NLM_F_REQUEST
	want := []struct {
		typ, flags uint16
		body       rt.Link
	}{
		{unix.RTM_NEWLINK, req | ack | unix.NLM_F_CREATE | unix.NLM_F_EXCL,
			rt.Link{Name: "eth0.5", ParentIndex: 2, Info: &rt.LinkInfo{Kind: "vlan", Data: &rt.VlanData{ID: 5}}}},
		{unix.RTM_NEWLINK, req | ack,
			rt.Link{Header: rt.IfInfoMsg{Index: 4}, Info: &rt.LinkInfo{SlaveKind: "bridge", SlaveData: &rt.BridgePortData{Cost: new(uint32(9))}}}},
		{unix.RTM_NEWLINK, req | ack, rt.Link{Header: rt.IfInfoMsg{Index: 4, Flags: unix.IFF_UP, Change: unix.IFF_UP}}},
		{unix.RTM_NEWLINK, req | ack, rt.Link{Header: rt.IfInfoMsg{Index: 4, Change: unix.IFF_UP}}},
		{unix.RTM_DELLINK, req | ack, rt.Link{Header: rt.IfInfoMsg{Index: 4}}},
		{unix.RTM_GETLINK, req | unix.NLM_F_DUMP, rt.Link{}},
		{unix.RTM_GETLINK, req, rt.Link{Header: rt.IfInfoMsg{Index: 4}}},
		{unix.RTM_GETLINK, req, rt.Link{Name: "eth0"}},
		{unix.RTM_GETLINK, req, rt.Link{AltName: long}},
		{unix.RTM_NEWLINKPROP, req | ack | unix.NLM_F_CREATE | unix.NLM_F_EXCL, rt.Link{Header: rt.IfInfoMsg{Index: 4}, Props: &rt.LinkProps{AltNames: []string{long}}}},
		{unix.RTM_DELLINKPROP, req | ack, rt.Link{Header: rt.IfInfoMsg{Index: 4}, Props: &rt.LinkProps{AltNames: []string{long}}}},
	}
	got := k.Requests()
	if len(got) != len(want) {
		t.Fatalf("%d requests, want %d", len(got), len(want))
	}
	for i, w := range want {
		g := got[i]
		if g.Header.Type != w.typ || g.Header.Flags != w.flags {
			t.Errorf("request %d: type %d flags %#x, want %d %#x", i, g.Header.Type, g.Header.Flags, w.typ, w.flags)
		}
		var body rt.Link
		if err := marshal.Unmarshal(g.Data, &body); err != nil {
			t.Fatalf("request %d: %v", i, err)
		}
		if d := cmp.Diff(w.body, body, linkCmp); d != "" {
			t.Errorf("request %d body (-want +got):\n%s", i, d)
		}
	}

	// The kernel's errno comes through, with what was asked.
	fail = unix.ENODEV
	if _, err := c.Link(ctx, 9); !errors.Is(err, unix.ENODEV) || !strings.HasPrefix(err.Error(), "rt: get link ifindex 9: ") {
		t.Errorf("Link(9) with ENODEV: %v", err)
	}
	fail = unix.EEXIST
	if err := c.AddLink(ctx, &rt.Link{Name: "x", Info: &rt.LinkInfo{Kind: "dummy"}}); !errors.Is(err, unix.EEXIST) || !strings.HasPrefix(err.Error(), `rt: add link "x" (dummy): `) {
		t.Errorf("AddLink with EEXIST: %v", err)
	}
}

// TestLinkOperStateString checks the names, which are iproute2's.
func TestLinkOperStateString(t *testing.T) {
	for s, want := range map[rt.LinkOperState]string{rt.LinkOperUnknown: "UNKNOWN", rt.LinkOperLowerLayerDown: "LOWERLAYERDOWN",
		rt.LinkOperUp: "UP", 7: "LinkOperState(7)"} {
		if got := s.String(); got != want {
			t.Errorf("LinkOperState(%d).String() = %q, want %q", uint8(s), got, want)
		}
	}
}

// ---- property tests ----

func linkGenPtr[T any](g *rapid.Generator[T]) *rapid.Generator[*T] {
	return rapid.Custom(func(t *rapid.T) *T {
		if rapid.Bool().Draw(t, "nil") {
			return nil
		}
		v := g.Draw(t, "v")
		return &v
	})
}

// linkGenName draws a string without NUL of up to max bytes.
func linkGenName(max int) *rapid.Generator[string] {
	return rapid.StringOfN(rapid.RuneFrom([]rune("abcdefghijklmnopqrstuvwxyz0123456789-_.@é")), 0, max/2, max)
}

var linkGenMAC = rapid.Custom(func(t *rapid.T) net.HardwareAddr {
	if rapid.Bool().Draw(t, "nil") {
		return nil
	}
	return rapid.SliceOfN(rapid.Byte(), 1, 20).Draw(t, "mac")
})

func linkGenAddr(v6 bool) *rapid.Generator[netip.Addr] {
	return rapid.Custom(func(t *rapid.T) netip.Addr {
		switch {
		case rapid.Bool().Draw(t, "zero"):
			return netip.Addr{}
		case v6:
			return netip.AddrFrom16([16]byte(rapid.SliceOfN(rapid.Byte(), 16, 16).Draw(t, "a16")))
		default:
			return netip.AddrFrom4([4]byte(rapid.SliceOfN(rapid.Byte(), 4, 4).Draw(t, "a4")))
		}
	})
}

// linkGenUnknown draws attributes of the given types, with no field.
func linkGenUnknown(types ...uint16) *rapid.Generator[[]nlattr.Attr] {
	return rapid.SliceOfN(rapid.Custom(func(t *rapid.T) nlattr.Attr {
		return nlattr.Attr{
			Type:  rapid.SampledFrom(types).Draw(t, "type"),
			Flags: rapid.SampledFrom([]uint16{0, nlattr.FlagNested}).Draw(t, "flags"),
			Data:  rapid.SliceOfN(rapid.Byte(), 0, 24).Draw(t, "data"),
		}
	}), 0, 3)
}

var linkGenHeader = rapid.Custom(func(t *rapid.T) rt.IfInfoMsg {
	return rt.IfInfoMsg{Family: rapid.Uint8().Draw(t, "family"), Type: rapid.Uint16().Draw(t, "type"),
		Index: rapid.Int32().Draw(t, "index"), Flags: rapid.Uint32().Draw(t, "flags"), Change: rapid.Uint32().Draw(t, "change")}
})

var linkGenStats64 = rapid.Custom(func(t *rapid.T) rt.LinkStats64 {
	var s rt.LinkStats64
	v := reflect.ValueOf(&s).Elem()
	for i := range v.NumField() {
		v.Field(i).SetUint(rapid.Uint64().Draw(t, v.Type().Field(i).Name))
	}
	return s
})

var linkGenStats = rapid.Custom(func(t *rapid.T) rt.LinkStats {
	var s rt.LinkStats
	v := reflect.ValueOf(&s).Elem()
	for i := range v.NumField() {
		v.Field(i).SetUint(uint64(rapid.Uint32().Draw(t, v.Type().Field(i).Name)))
	}
	return s
})

var linkGenIfMap = rapid.Custom(func(t *rapid.T) rt.LinkIfMap {
	return rt.LinkIfMap{MemStart: rapid.Uint64().Draw(t, "ms"), MemEnd: rapid.Uint64().Draw(t, "me"), BaseAddr: rapid.Uint64().Draw(t, "ba"),
		IRQ: rapid.Uint16().Draw(t, "irq"), DMA: rapid.Uint8().Draw(t, "dma"), Port: rapid.Uint8().Draw(t, "port")}
})

var linkGenVlan = rapid.Custom(func(t *rapid.T) *rt.VlanData {
	qos := linkGenPtr(rapid.Custom(func(t *rapid.T) rt.VlanQoS {
		return rt.VlanQoS{Mappings: rapid.SliceOfN(rapid.Custom(func(t *rapid.T) rt.VlanQoSMapping {
			return rt.VlanQoSMapping{From: rapid.Uint32().Draw(t, "from"), To: rapid.Uint32().Draw(t, "to")}
		}), 0, 4).Draw(t, "mappings")}
	}))
	return &rt.VlanData{
		ID: rapid.Uint16().Draw(t, "id"),
		Flags: linkGenPtr(rapid.Custom(func(t *rapid.T) rt.VlanFlags {
			return rt.VlanFlags{Flags: rapid.Uint32().Draw(t, "f"), Mask: rapid.Uint32().Draw(t, "m")}
		})).Draw(t, "flags"),
		EgressQoS: qos.Draw(t, "egress"), IngressQoS: qos.Draw(t, "ingress"), Protocol: rapid.Uint16().Draw(t, "proto"),
		Unknown: linkGenUnknown(6, 7, 8).Draw(t, "unknown"),
	}
})

var linkGenBridgeID = linkGenPtr(rapid.Custom(func(t *rapid.T) rt.BridgeID {
	return rt.BridgeID{Prio: [2]byte(rapid.SliceOfN(rapid.Byte(), 2, 2).Draw(t, "p")), Addr: [6]byte(rapid.SliceOfN(rapid.Byte(), 6, 6).Draw(t, "a"))}
}))

var linkGenBridge = rapid.Custom(func(t *rapid.T) *rt.BridgeData {
	u32, u16, b := linkGenPtr(rapid.Uint32()), linkGenPtr(rapid.Uint16()), linkGenPtr(rapid.Bool())
	return &rt.BridgeData{
		ForwardDelay: u32.Draw(t, "fd"), HelloTime: u32.Draw(t, "ht"), MaxAge: u32.Draw(t, "ma"), AgeingTime: u32.Draw(t, "at"),
		STPState: u32.Draw(t, "stp"), Priority: u16.Draw(t, "prio"), VlanFiltering: b.Draw(t, "vf"), VlanProtocol: rapid.Uint16().Draw(t, "vp"),
		GroupFwdMask: u16.Draw(t, "gfm"), RootID: linkGenBridgeID.Draw(t, "root"), BridgeID: linkGenBridgeID.Draw(t, "bid"),
		RootPort: rapid.Uint16().Draw(t, "rp"), RootPathCost: rapid.Uint32().Draw(t, "rpc"), TopologyChange: rapid.Bool().Draw(t, "tc"),
		TopologyChangeDetected: rapid.Bool().Draw(t, "tcd"), HelloTimer: rapid.Uint64().Draw(t, "htm"), TCNTimer: rapid.Uint64().Draw(t, "tcn"),
		TopologyChangeTimer: rapid.Uint64().Draw(t, "tct"), GCTimer: rapid.Uint64().Draw(t, "gc"), GroupAddr: linkGenMAC.Draw(t, "ga"),
		McastSnooping: b.Draw(t, "ms"), VlanDefaultPVID: u16.Draw(t, "pvid"),
		Unknown: linkGenUnknown(21, 22, 24, 25, 36, 40, 46).Draw(t, "unknown"),
	}
})

var linkGenBridgePort = rapid.Custom(func(t *rapid.T) *rt.BridgePortData {
	b := linkGenPtr(rapid.Bool())
	return &rt.BridgePortData{
		State: linkGenPtr(rapid.Uint8()).Draw(t, "state"), Priority: linkGenPtr(rapid.Uint16()).Draw(t, "prio"),
		Cost: linkGenPtr(rapid.Uint32()).Draw(t, "cost"), Mode: b.Draw(t, "mode"), Guard: b.Draw(t, "guard"), Protect: b.Draw(t, "protect"),
		FastLeave: b.Draw(t, "fl"), Learning: b.Draw(t, "learning"), UnicastFlood: b.Draw(t, "uf"), ProxyARP: b.Draw(t, "parp"),
		ID: rapid.Uint16().Draw(t, "id"), No: rapid.Uint16().Draw(t, "no"), MessageAgeTimer: rapid.Uint64().Draw(t, "mat"),
		ForwardDelayTimer: rapid.Uint64().Draw(t, "fdt"), HoldTimer: rapid.Uint64().Draw(t, "ht"), McastFlood: b.Draw(t, "mf"),
		BcastFlood: b.Draw(t, "bf"), NeighSuppress: b.Draw(t, "ns"), Isolated: b.Draw(t, "iso"),
		Unknown: linkGenUnknown(11, 12, 13, 14, 28, 34).Draw(t, "unknown"),
	}
})

var linkGenMacvlan = rapid.Custom(func(t *rapid.T) *rt.MacvlanData {
	return &rt.MacvlanData{Mode: rt.MacvlanMode(rapid.Uint32().Draw(t, "mode")), Flags: linkGenPtr(rapid.Uint16()).Draw(t, "flags"),
		MacaddrCount: rapid.Uint32().Draw(t, "count"), BcQueueLen: linkGenPtr(rapid.Uint32()).Draw(t, "bql"),
		BcQueueLenUsed: rapid.Uint32().Draw(t, "bqlu"), Unknown: linkGenUnknown(3, 4, 5, 9).Draw(t, "unknown")}
})

var linkGenVxlan = rapid.Custom(func(t *rapid.T) *rt.VxlanData {
	b := linkGenPtr(rapid.Bool())
	return &rt.VxlanData{
		ID: rapid.Uint32().Draw(t, "id"), Group: linkGenAddr(false).Draw(t, "group"), Link: rapid.Uint32().Draw(t, "link"),
		Local: linkGenAddr(false).Draw(t, "local"), TTL: rapid.Uint8().Draw(t, "ttl"), TOS: rapid.Uint8().Draw(t, "tos"),
		Learning: b.Draw(t, "learning"), Ageing: linkGenPtr(rapid.Uint32()).Draw(t, "ageing"), Limit: rapid.Uint32().Draw(t, "limit"),
		PortRange: linkGenPtr(rapid.Custom(func(t *rapid.T) rt.VxlanPortRange {
			return rt.VxlanPortRange{Low: rapid.Uint16().Draw(t, "low"), High: rapid.Uint16().Draw(t, "high")}
		})).Draw(t, "pr"),
		Proxy: b.Draw(t, "proxy"), RSC: b.Draw(t, "rsc"), L2Miss: b.Draw(t, "l2"), L3Miss: b.Draw(t, "l3"), Port: rapid.Uint16().Draw(t, "port"),
		Group6: linkGenAddr(true).Draw(t, "group6"), Local6: linkGenAddr(true).Draw(t, "local6"), UDPCsum: b.Draw(t, "csum"),
		UDPZeroCsum6Tx: b.Draw(t, "z6tx"), UDPZeroCsum6Rx: b.Draw(t, "z6rx"), RemCsumTx: b.Draw(t, "rctx"), RemCsumRx: b.Draw(t, "rcrx"),
		GBP: rapid.Bool().Draw(t, "gbp"), RemCsumNoPartial: rapid.Bool().Draw(t, "rcnp"), CollectMetadata: b.Draw(t, "cm"),
		Label: rapid.Uint32().Draw(t, "label"), GPE: rapid.Bool().Draw(t, "gpe"), DF: rapid.Uint8().Draw(t, "df"),
		VNIFilter: b.Draw(t, "vnif"), Unknown: linkGenUnknown(28, 31, 32, 33).Draw(t, "unknown"),
	}
})

var linkGenBond = rapid.Custom(func(t *rapid.T) *rt.BondData {
	u8, u32 := linkGenPtr(rapid.Uint8()), linkGenPtr(rapid.Uint32())
	return &rt.BondData{
		Mode: u8.Draw(t, "mode"), ActiveSlave: u32.Draw(t, "as"), MIIMon: u32.Draw(t, "mii"), UpDelay: u32.Draw(t, "up"),
		DownDelay: u32.Draw(t, "down"), UseCarrier: linkGenPtr(rapid.Bool()).Draw(t, "uc"), ARPInterval: u32.Draw(t, "arpi"),
		ARPIPTargets: rapid.SliceOfN(rapid.Custom(func(t *rapid.T) netip.Addr {
			return netip.AddrFrom4([4]byte(rapid.SliceOfN(rapid.Byte(), 4, 4).Draw(t, "a")))
		}), 0, 4).Draw(t, "targets"),
		ARPValidate: u32.Draw(t, "arpv"), ARPAllTargets: u32.Draw(t, "arpall"), Primary: u32.Draw(t, "primary"),
		XmitHashPolicy: u8.Draw(t, "xhp"), MinLinks: u32.Draw(t, "minl"), ADLACPRate: u8.Draw(t, "rate"), ADSelect: u8.Draw(t, "sel"),
		ADActorSystem: linkGenMAC.Draw(t, "sys"), Unknown: linkGenUnknown(12, 13, 15, 23).Draw(t, "unknown"),
	}
})

var linkGenBondSlave = rapid.Custom(func(t *rapid.T) *rt.BondSlaveData {
	return &rt.BondSlaveData{State: rapid.Uint8().Draw(t, "state"), MIIStatus: rapid.Uint8().Draw(t, "mii"),
		LinkFailureCount: rapid.Uint32().Draw(t, "lfc"), PermHWAddr: linkGenMAC.Draw(t, "perm"),
		QueueID: linkGenPtr(rapid.Uint16()).Draw(t, "qid"), ADAggregatorID: rapid.Uint16().Draw(t, "agg"),
		Prio: linkGenPtr(rapid.Int32()).Draw(t, "prio"), Unknown: linkGenUnknown(7, 8, 10).Draw(t, "unknown")}
})

// linkGenInfo draws a LinkInfo; depth > 0 allows a veth peer.
func linkGenInfo(depth int) *rapid.Generator[rt.LinkInfo] {
	return rapid.Custom(func(t *rapid.T) rt.LinkInfo {
		var info rt.LinkInfo
		switch rapid.IntRange(0, 8).Draw(t, "kind") {
		case 0: // no kind
		case 1:
			info.Kind = "dummy"
		case 2:
			peer := rt.Link{Header: linkGenHeader.Draw(t, "peer header"), Name: linkGenName(15).Draw(t, "peer name")}
			if depth > 0 {
				peer = linkGenLink(depth-1).Draw(t, "peer")
			}
			info.Data = &rt.VethData{Peer: linkGenPtr(rapid.Just(peer)).Draw(t, "peer")}
		case 3:
			info.Data = linkGenVlan.Draw(t, "vlan")
		case 4:
			info.Data = linkGenBridge.Draw(t, "bridge")
		case 5:
			info.Data = linkGenMacvlan.Draw(t, "macvlan")
		case 6:
			info.Data = linkGenVxlan.Draw(t, "vxlan")
		case 7:
			info.Data = linkGenBond.Draw(t, "bond")
		case 8: // a kind with no registered type: its data is unknown
			info.Kind = "wireguard"
		}
		if info.Data != nil {
			info.Kind = info.Data.LinkKind()
		}
		info.XStats = rapid.SliceOfN(rapid.Byte(), 0, 8).Draw(t, "xstats")
		switch rapid.IntRange(0, 2).Draw(t, "slave") {
		case 1:
			info.SlaveData = linkGenBridgePort.Draw(t, "port")
		case 2:
			info.SlaveData = linkGenBondSlave.Draw(t, "bond slave")
		}
		if info.SlaveData != nil {
			info.SlaveKind = info.SlaveData.LinkSlaveKind()
		}
		info.Unknown = linkGenUnknown(6, 7).Draw(t, "unknown")
		if info.Kind == "wireguard" && rapid.Bool().Draw(t, "has data") {
			// marshal collects the data of an unregistered kind after the
			// other unknown attributes, whatever their order on the wire.
			info.Unknown = append(info.Unknown, nlattr.Attr{Type: unix.IFLA_INFO_DATA, Flags: nlattr.FlagNested,
				Data: rapid.SliceOfN(rapid.Byte(), 0, 24).Draw(t, "data")})
		}
		return info
	})
}

// linkGenLink draws a Link; depth > 0 allows a veth peer in it.
func linkGenLink(depth int) *rapid.Generator[rt.Link] {
	return rapid.Custom(func(t *rapid.T) rt.Link {
		u32 := linkGenPtr(rapid.Uint32())
		var props *rt.LinkProps
		if rapid.Bool().Draw(t, "has props") {
			props = &rt.LinkProps{AltNames: rapid.SliceOfN(linkGenName(127), 0, 3).Draw(t, "altnames")}
		}
		return rt.Link{
			Header: linkGenHeader.Draw(t, "header"), Address: linkGenMAC.Draw(t, "address"), Broadcast: linkGenMAC.Draw(t, "broadcast"),
			Name: linkGenName(15).Draw(t, "name"), MTU: rapid.Uint32().Draw(t, "mtu"), ParentIndex: rapid.Int32().Draw(t, "parent"),
			Qdisc: linkGenName(20).Draw(t, "qdisc"), Stats: linkGenPtr(linkGenStats).Draw(t, "stats"),
			Master: linkGenPtr(rapid.Int32()).Draw(t, "master"), TxQLen: u32.Draw(t, "txqlen"), Map: linkGenPtr(linkGenIfMap).Draw(t, "map"),
			OperState: rt.LinkOperState(rapid.Uint8().Draw(t, "operstate")), LinkMode: linkGenPtr(rapid.Uint8()).Draw(t, "linkmode"),
			Info: linkGenPtr(linkGenInfo(depth)).Draw(t, "info"), NetNSPID: u32.Draw(t, "pid"),
			Alias: linkGenPtr(linkGenName(64)).Draw(t, "alias"), Stats64: linkGenPtr(linkGenStats64).Draw(t, "stats64"),
			Group: u32.Draw(t, "group"), NetNSFD: u32.Draw(t, "fd"), Promiscuity: rapid.Uint32().Draw(t, "promisc"),
			NumTxQueues: rapid.Uint32().Draw(t, "ntx"), NumRxQueues: rapid.Uint32().Draw(t, "nrx"), Carrier: linkGenPtr(rapid.Bool()).Draw(t, "carrier"),
			CarrierChanges: rapid.Uint32().Draw(t, "cc"), LinkNetNSID: linkGenPtr(rapid.Int32()).Draw(t, "nsid"),
			ProtoDown: linkGenPtr(rapid.Bool()).Draw(t, "protodown"), GSOMaxSegs: rapid.Uint32().Draw(t, "gsosegs"),
			GSOMaxSize: rapid.Uint32().Draw(t, "gsosize"), CarrierUpCount: rapid.Uint32().Draw(t, "cup"),
			CarrierDownCount: rapid.Uint32().Draw(t, "cdown"), MinMTU: rapid.Uint32().Draw(t, "minmtu"), MaxMTU: rapid.Uint32().Draw(t, "maxmtu"),
			Props: props, AltName: linkGenName(127).Draw(t, "altname"), PermAddress: linkGenMAC.Draw(t, "perm"),
			ParentDevName: linkGenName(32).Draw(t, "pdn"), ParentDevBusName: linkGenName(32).Draw(t, "pdbn"),
			GROMaxSize: rapid.Uint32().Draw(t, "gro"), TSOMaxSize: rapid.Uint32().Draw(t, "tsosize"), TSOMaxSegs: rapid.Uint32().Draw(t, "tsosegs"),
			AllMulti: rapid.Uint32().Draw(t, "allmulti"), Unknown: linkGenUnknown(26, 43, 62, 63, 64, 67).Draw(t, "unknown"),
		}
	})
}

// linkRoundTrip checks Unmarshal(Marshal(x)) == x and that encoding
// again gives the same bytes.
func linkRoundTrip[T any](t *testing.T, g *rapid.Generator[T]) {
	rapid.Check(t, func(rt *rapid.T) {
		x := g.Draw(rt, "x")
		b, err := marshal.Marshal(&x)
		if err != nil {
			rt.Fatalf("Marshal(%+v): %v", x, err)
		}
		var y T
		if err := marshal.Unmarshal(b, &y); err != nil {
			rt.Fatalf("Unmarshal(%x): %v", b, err)
		}
		if d := cmp.Diff(x, y, linkCmp); d != "" {
			rt.Fatalf("Unmarshal(Marshal(x)) != x (-x +decoded):\n%s", d)
		}
		b2, err := marshal.Marshal(&y)
		if err != nil || !bytes.Equal(b, b2) {
			rt.Fatalf("re-encoding changed the bytes (%v):\n%x\n%x", err, b, b2)
		}
	})
}

// linkDeref turns a generator of *T into one of T.
func linkDeref[T any](g *rapid.Generator[*T]) *rapid.Generator[T] {
	return rapid.Custom(func(t *rapid.T) T { return *g.Draw(t, "v") })
}

func TestLinkPropertyRoundTrip(t *testing.T) {
	t.Run("Link", func(t *testing.T) { linkRoundTrip(t, linkGenLink(1)) })
	t.Run("IfInfoMsg", func(t *testing.T) { linkRoundTrip(t, linkGenHeader) })
	t.Run("LinkInfo", func(t *testing.T) { linkRoundTrip(t, linkGenInfo(1)) })
	t.Run("LinkStats64", func(t *testing.T) { linkRoundTrip(t, linkGenStats64) })
	t.Run("LinkStats", func(t *testing.T) { linkRoundTrip(t, linkGenStats) })
	t.Run("LinkIfMap", func(t *testing.T) { linkRoundTrip(t, linkGenIfMap) })
	t.Run("VethData", func(t *testing.T) {
		linkRoundTrip(t, rapid.Custom(func(t *rapid.T) rt.VethData {
			return rt.VethData{Peer: linkGenPtr(linkGenLink(0)).Draw(t, "peer")}
		}))
	})
	t.Run("VlanData", func(t *testing.T) { linkRoundTrip(t, linkDeref(linkGenVlan)) })
	t.Run("BridgeData", func(t *testing.T) { linkRoundTrip(t, linkDeref(linkGenBridge)) })
	t.Run("BridgePortData", func(t *testing.T) { linkRoundTrip(t, linkDeref(linkGenBridgePort)) })
	t.Run("MacvlanData", func(t *testing.T) { linkRoundTrip(t, linkDeref(linkGenMacvlan)) })
	t.Run("VxlanData", func(t *testing.T) { linkRoundTrip(t, linkDeref(linkGenVxlan)) })
	t.Run("BondData", func(t *testing.T) { linkRoundTrip(t, linkDeref(linkGenBond)) })
	t.Run("BondSlaveData", func(t *testing.T) { linkRoundTrip(t, linkDeref(linkGenBondSlave)) })
}
