package rt

import (
	"net"
	"net/netip"

	"github.com/nlstruct/nlstruct/marshal"
	"github.com/nlstruct/nlstruct/nlattr"
)

// LinkInfo is IFLA_LINKINFO: the link's kind ("veth", "bridge"...) and
// kind-specific data, and, for a port of a bridge or bond, the master's
// kind and its per-port data.
//
// Data holds one of the registered LinkData types, chosen by Kind: the
// package registers *VethData, *VlanData, *BridgeData, *MacvlanData,
// *VxlanData and *BondData; other packages may register more with
// marshal.RegisterVariant[rt.LinkData]. Kinds without data (dummy, ifb)
// leave it nil. Data of a kind with no registered type is kept, as raw
// attributes, in Unknown.
type LinkInfo struct {
	Kind      string        `nl:"type=1,omitempty"`                        // IFLA_INFO_KIND
	Data      LinkData      `nl:"type=2,nested,noflag,selector=Kind"`      // IFLA_INFO_DATA
	XStats    []byte        `nl:"type=3,omitempty"`                        // IFLA_INFO_XSTATS: kind-specific statistics
	SlaveKind string        `nl:"type=4,omitempty"`                        // IFLA_INFO_SLAVE_KIND: the master's kind
	SlaveData LinkSlaveData `nl:"type=5,nested,noflag,selector=SlaveKind"` // IFLA_INFO_SLAVE_DATA
	Unknown   []nlattr.Attr `nl:"unknown"`                                 // attributes with no field, and data of unregistered kinds
}

// LinkData is the kind-specific data of a link (IFLA_INFO_DATA). LinkKind
// returns the kind it belongs to, which AddLink and SetLink put into an
// empty LinkInfo.Kind.
type LinkData interface {
	LinkKind() string
}

// LinkSlaveData is the data of a port of a master device
// (IFLA_INFO_SLAVE_DATA). LinkSlaveKind returns the master's kind.
type LinkSlaveData interface {
	LinkSlaveKind() string
}

func init() {
	marshal.RegisterVariant[LinkData]("veth", (*VethData)(nil))
	marshal.RegisterVariant[LinkData]("vlan", (*VlanData)(nil))
	marshal.RegisterVariant[LinkData]("bridge", (*BridgeData)(nil))
	marshal.RegisterVariant[LinkData]("macvlan", (*MacvlanData)(nil))
	marshal.RegisterVariant[LinkData]("vxlan", (*VxlanData)(nil))
	marshal.RegisterVariant[LinkData]("bond", (*BondData)(nil))
	marshal.RegisterVariant[LinkSlaveData]("bridge", (*BridgePortData)(nil))
	marshal.RegisterVariant[LinkSlaveData]("bond", (*BondSlaveData)(nil))
}

// VethData is the data of a veth link (<linux/veth.h>). The kernel sends
// none: a veth's peer is its Link.ParentIndex.
type VethData struct {
	// Peer is the other end, created with the link: its name and any
	// other attributes, after an ifinfomsg (VETH_INFO_PEER).
	Peer *Link `nl:"type=1,nested"`
}

// LinkKind returns "veth".
func (*VethData) LinkKind() string { return "veth" }

// VlanData is the data of an 802.1Q or 802.1ad VLAN link
// (IFLA_VLAN_*); Link.ParentIndex is the lower device.
type VlanData struct {
	ID         uint16        `nl:"type=1"`              // IFLA_VLAN_ID
	Flags      *VlanFlags    `nl:"type=2"`              // IFLA_VLAN_FLAGS
	EgressQoS  *VlanQoS      `nl:"type=3,nested"`       // IFLA_VLAN_EGRESS_QOS
	IngressQoS *VlanQoS      `nl:"type=4,nested"`       // IFLA_VLAN_INGRESS_QOS
	Protocol   uint16        `nl:"type=5,be,omitempty"` // IFLA_VLAN_PROTOCOL: ETH_P_8021Q (0x8100, the default) or ETH_P_8021AD (0x88a8)
	Unknown    []nlattr.Attr `nl:"unknown"`
}

// LinkKind returns "vlan".
func (*VlanData) LinkKind() string { return "vlan" }

// VlanFlags is struct ifla_vlan_flags: the VLAN_FLAG_* bits of Flags that
// Mask selects are set.
type VlanFlags struct {
	Flags uint32 // flags
	Mask  uint32 // mask
}

// VLAN flags (VLAN_FLAG_*, <linux/if_vlan.h>).
const (
	VlanFlagReorderHdr    = 0x1  // VLAN_FLAG_REORDER_HDR
	VlanFlagGVRP          = 0x2  // VLAN_FLAG_GVRP
	VlanFlagLooseBinding  = 0x4  // VLAN_FLAG_LOOSE_BINDING
	VlanFlagMVRP          = 0x8  // VLAN_FLAG_MVRP
	VlanFlagBridgeBinding = 0x10 // VLAN_FLAG_BRIDGE_BINDING
)

// VlanQoS is IFLA_VLAN_EGRESS_QOS or IFLA_VLAN_INGRESS_QOS: priority
// mappings.
type VlanQoS struct {
	Mappings []VlanQoSMapping `nl:"type=1,multi"` // IFLA_VLAN_QOS_MAPPING
}

// VlanQoSMapping is struct ifla_vlan_qos_mapping: skb priority From maps
// to VLAN priority To (egress), or the reverse (ingress).
type VlanQoSMapping struct {
	From uint32 // from
	To   uint32 // to
}

// BridgeData is a useful part of the data of a bridge (IFLA_BR_*); the
// rest is kept in Unknown. Times and timers are in hundredths of a second
// (clock_t at USER_HZ 100): ForwardDelay 1500 is 15 s.
type BridgeData struct {
	ForwardDelay           *uint32          `nl:"type=1"`              // IFLA_BR_FORWARD_DELAY
	HelloTime              *uint32          `nl:"type=2"`              // IFLA_BR_HELLO_TIME
	MaxAge                 *uint32          `nl:"type=3"`              // IFLA_BR_MAX_AGE
	AgeingTime             *uint32          `nl:"type=4"`              // IFLA_BR_AGEING_TIME
	STPState               *uint32          `nl:"type=5"`              // IFLA_BR_STP_STATE: 0 off, 1 kernel STP
	Priority               *uint16          `nl:"type=6"`              // IFLA_BR_PRIORITY
	VlanFiltering          *bool            `nl:"type=7"`              // IFLA_BR_VLAN_FILTERING
	VlanProtocol           uint16           `nl:"type=8,be,omitempty"` // IFLA_BR_VLAN_PROTOCOL: ETH_P_8021Q or ETH_P_8021AD
	GroupFwdMask           *uint16          `nl:"type=9"`              // IFLA_BR_GROUP_FWD_MASK
	RootID                 *BridgeID        `nl:"type=10"`             // IFLA_BR_ROOT_ID (read-only)
	BridgeID               *BridgeID        `nl:"type=11"`             // IFLA_BR_BRIDGE_ID (read-only)
	RootPort               uint16           `nl:"type=12,omitempty"`   // IFLA_BR_ROOT_PORT (read-only)
	RootPathCost           uint32           `nl:"type=13,omitempty"`   // IFLA_BR_ROOT_PATH_COST (read-only)
	TopologyChange         bool             `nl:"type=14,omitempty"`   // IFLA_BR_TOPOLOGY_CHANGE (read-only)
	TopologyChangeDetected bool             `nl:"type=15,omitempty"`   // IFLA_BR_TOPOLOGY_CHANGE_DETECTED (read-only)
	HelloTimer             uint64           `nl:"type=16,omitempty"`   // IFLA_BR_HELLO_TIMER (read-only)
	TCNTimer               uint64           `nl:"type=17,omitempty"`   // IFLA_BR_TCN_TIMER (read-only)
	TopologyChangeTimer    uint64           `nl:"type=18,omitempty"`   // IFLA_BR_TOPOLOGY_CHANGE_TIMER (read-only)
	GCTimer                uint64           `nl:"type=19,omitempty"`   // IFLA_BR_GC_TIMER (read-only)
	GroupAddr              net.HardwareAddr `nl:"type=20,omitempty"`   // IFLA_BR_GROUP_ADDR
	McastSnooping          *bool            `nl:"type=23"`             // IFLA_BR_MCAST_SNOOPING
	VlanDefaultPVID        *uint16          `nl:"type=39"`             // IFLA_BR_VLAN_DEFAULT_PVID
	Unknown                []nlattr.Attr    `nl:"unknown"`
}

// LinkKind returns "bridge".
func (*BridgeData) LinkKind() string { return "bridge" }

// BridgeID is struct ifla_bridge_id: a bridge's STP identifier.
type BridgeID struct {
	Prio [2]byte // prio, big-endian
	Addr [6]byte // addr
}

// BridgePortData is a useful part of the data of a bridge port
// (IFLA_BRPORT_*, Link.Info.SlaveData); the rest is kept in Unknown. The
// kernel sends the booleans as u8, and takes them so.
type BridgePortData struct {
	State             *uint8        `nl:"type=1"`            // IFLA_BRPORT_STATE: BR_STATE_*
	Priority          *uint16       `nl:"type=2"`            // IFLA_BRPORT_PRIORITY
	Cost              *uint32       `nl:"type=3"`            // IFLA_BRPORT_COST
	Mode              *bool         `nl:"type=4"`            // IFLA_BRPORT_MODE: hairpin
	Guard             *bool         `nl:"type=5"`            // IFLA_BRPORT_GUARD: BPDU guard
	Protect           *bool         `nl:"type=6"`            // IFLA_BRPORT_PROTECT: root port protection
	FastLeave         *bool         `nl:"type=7"`            // IFLA_BRPORT_FAST_LEAVE
	Learning          *bool         `nl:"type=8"`            // IFLA_BRPORT_LEARNING
	UnicastFlood      *bool         `nl:"type=9"`            // IFLA_BRPORT_UNICAST_FLOOD
	ProxyARP          *bool         `nl:"type=10"`           // IFLA_BRPORT_PROXYARP
	ID                uint16        `nl:"type=17,omitempty"` // IFLA_BRPORT_ID (read-only): Priority<<10 | No
	No                uint16        `nl:"type=18,omitempty"` // IFLA_BRPORT_NO (read-only)
	MessageAgeTimer   uint64        `nl:"type=21,omitempty"` // IFLA_BRPORT_MESSAGE_AGE_TIMER (read-only)
	ForwardDelayTimer uint64        `nl:"type=22,omitempty"` // IFLA_BRPORT_FORWARD_DELAY_TIMER (read-only)
	HoldTimer         uint64        `nl:"type=23,omitempty"` // IFLA_BRPORT_HOLD_TIMER (read-only)
	McastFlood        *bool         `nl:"type=27"`           // IFLA_BRPORT_MCAST_FLOOD
	BcastFlood        *bool         `nl:"type=30"`           // IFLA_BRPORT_BCAST_FLOOD
	NeighSuppress     *bool         `nl:"type=32"`           // IFLA_BRPORT_NEIGH_SUPPRESS
	Isolated          *bool         `nl:"type=33"`           // IFLA_BRPORT_ISOLATED
	Unknown           []nlattr.Attr `nl:"unknown"`
}

// LinkSlaveKind returns "bridge".
func (*BridgePortData) LinkSlaveKind() string { return "bridge" }

// Bridge port STP states (BR_STATE_*, <linux/if_bridge.h>).
const (
	BridgeStateDisabled   = 0 // BR_STATE_DISABLED
	BridgeStateListening  = 1 // BR_STATE_LISTENING
	BridgeStateLearning   = 2 // BR_STATE_LEARNING
	BridgeStateForwarding = 3 // BR_STATE_FORWARDING
	BridgeStateBlocking   = 4 // BR_STATE_BLOCKING
)

// MacvlanData is the data of a macvlan link (IFLA_MACVLAN_*);
// Link.ParentIndex is the lower device.
type MacvlanData struct {
	Mode           MacvlanMode   `nl:"type=1,omitempty"` // IFLA_MACVLAN_MODE
	Flags          *uint16       `nl:"type=2"`           // IFLA_MACVLAN_FLAGS: MACVLAN_FLAG_*
	MacaddrCount   uint32        `nl:"type=6,omitempty"` // IFLA_MACVLAN_MACADDR_COUNT (read-only, mode source)
	BcQueueLen     *uint32       `nl:"type=7"`           // IFLA_MACVLAN_BC_QUEUE_LEN
	BcQueueLenUsed uint32        `nl:"type=8,omitempty"` // IFLA_MACVLAN_BC_QUEUE_LEN_USED (read-only)
	Unknown        []nlattr.Attr `nl:"unknown"`
}

// LinkKind returns "macvlan".
func (*MacvlanData) LinkKind() string { return "macvlan" }

// MacvlanMode is a macvlan mode (MACVLAN_MODE_*).
type MacvlanMode uint32

// Macvlan modes.
const (
	MacvlanModePrivate  MacvlanMode = 1  // MACVLAN_MODE_PRIVATE
	MacvlanModeVEPA     MacvlanMode = 2  // MACVLAN_MODE_VEPA
	MacvlanModeBridge   MacvlanMode = 4  // MACVLAN_MODE_BRIDGE
	MacvlanModePassthru MacvlanMode = 8  // MACVLAN_MODE_PASSTHRU
	MacvlanModeSource   MacvlanMode = 16 // MACVLAN_MODE_SOURCE
)

// Macvlan flags (MACVLAN_FLAG_*).
const (
	MacvlanFlagNoPromisc = 1 // MACVLAN_FLAG_NOPROMISC
	MacvlanFlagNoDst     = 2 // MACVLAN_FLAG_NODST
)

// VxlanData is the data of a VXLAN link (IFLA_VXLAN_*). Group and Local
// are IPv4 addresses (IFLA_VXLAN_GROUP, IFLA_VXLAN_LOCAL); Group6 and
// Local6 are IPv6 ones: set the pair that fits. The kernel sends
// IFLA_VXLAN_TTL_INHERIT as a u8 but takes it only as a flag, so it has no
// field (it is kept in Unknown).
type VxlanData struct {
	ID               uint32          `nl:"type=1,omitempty"`     // IFLA_VXLAN_ID: the VNI (absent means 0)
	Group            netip.Addr      `nl:"type=2"`               // IFLA_VXLAN_GROUP: IPv4 remote or multicast group
	Link             uint32          `nl:"type=3,omitempty"`     // IFLA_VXLAN_LINK: ifindex of the underlay device
	Local            netip.Addr      `nl:"type=4"`               // IFLA_VXLAN_LOCAL: IPv4 source
	TTL              uint8           `nl:"type=5,omitempty"`     // IFLA_VXLAN_TTL
	TOS              uint8           `nl:"type=6,omitempty"`     // IFLA_VXLAN_TOS
	Learning         *bool           `nl:"type=7"`               // IFLA_VXLAN_LEARNING (default on)
	Ageing           *uint32         `nl:"type=8"`               // IFLA_VXLAN_AGEING: FDB entry lifetime in seconds
	Limit            uint32          `nl:"type=9,omitempty"`     // IFLA_VXLAN_LIMIT: FDB entries, 0 is no limit
	PortRange        *VxlanPortRange `nl:"type=10"`              // IFLA_VXLAN_PORT_RANGE: UDP source ports
	Proxy            *bool           `nl:"type=11"`              // IFLA_VXLAN_PROXY
	RSC              *bool           `nl:"type=12"`              // IFLA_VXLAN_RSC
	L2Miss           *bool           `nl:"type=13"`              // IFLA_VXLAN_L2MISS
	L3Miss           *bool           `nl:"type=14"`              // IFLA_VXLAN_L3MISS
	Port             uint16          `nl:"type=15,be,omitempty"` // IFLA_VXLAN_PORT: UDP destination port (kernel default 8472)
	Group6           netip.Addr      `nl:"type=16"`              // IFLA_VXLAN_GROUP6
	Local6           netip.Addr      `nl:"type=17"`              // IFLA_VXLAN_LOCAL6
	UDPCsum          *bool           `nl:"type=18"`              // IFLA_VXLAN_UDP_CSUM
	UDPZeroCsum6Tx   *bool           `nl:"type=19"`              // IFLA_VXLAN_UDP_ZERO_CSUM6_TX
	UDPZeroCsum6Rx   *bool           `nl:"type=20"`              // IFLA_VXLAN_UDP_ZERO_CSUM6_RX
	RemCsumTx        *bool           `nl:"type=21"`              // IFLA_VXLAN_REMCSUM_TX
	RemCsumRx        *bool           `nl:"type=22"`              // IFLA_VXLAN_REMCSUM_RX
	GBP              bool            `nl:"type=23,flag"`         // IFLA_VXLAN_GBP
	RemCsumNoPartial bool            `nl:"type=24,flag"`         // IFLA_VXLAN_REMCSUM_NOPARTIAL
	CollectMetadata  *bool           `nl:"type=25"`              // IFLA_VXLAN_COLLECT_METADATA
	Label            uint32          `nl:"type=26,be,omitempty"` // IFLA_VXLAN_LABEL: IPv6 flow label
	GPE              bool            `nl:"type=27,flag"`         // IFLA_VXLAN_GPE
	DF               uint8           `nl:"type=29,omitempty"`    // IFLA_VXLAN_DF: 0 unset, 1 set, 2 inherit
	VNIFilter        *bool           `nl:"type=30"`              // IFLA_VXLAN_VNIFILTER
	Unknown          []nlattr.Attr   `nl:"unknown"`
}

// LinkKind returns "vxlan".
func (*VxlanData) LinkKind() string { return "vxlan" }

// VxlanPortRange is struct ifla_vxlan_port_range: the UDP source ports.
type VxlanPortRange struct {
	Low  uint16 `nl:"be"` // low
	High uint16 `nl:"be"` // high
}

// BondData is part of the data of a bond (IFLA_BOND_*); the rest is kept
// in Unknown.
type BondData struct {
	Mode           *uint8           `nl:"type=1"`            // IFLA_BOND_MODE: BOND_MODE_*
	ActiveSlave    *uint32          `nl:"type=2"`            // IFLA_BOND_ACTIVE_SLAVE: ifindex
	MIIMon         *uint32          `nl:"type=3"`            // IFLA_BOND_MIIMON: milliseconds
	UpDelay        *uint32          `nl:"type=4"`            // IFLA_BOND_UPDELAY: milliseconds
	DownDelay      *uint32          `nl:"type=5"`            // IFLA_BOND_DOWNDELAY: milliseconds
	UseCarrier     *bool            `nl:"type=6"`            // IFLA_BOND_USE_CARRIER
	ARPInterval    *uint32          `nl:"type=7"`            // IFLA_BOND_ARP_INTERVAL: milliseconds
	ARPIPTargets   []netip.Addr     `nl:"type=8,array"`      // IFLA_BOND_ARP_IP_TARGET: IPv4 addresses
	ARPValidate    *uint32          `nl:"type=9"`            // IFLA_BOND_ARP_VALIDATE
	ARPAllTargets  *uint32          `nl:"type=10"`           // IFLA_BOND_ARP_ALL_TARGETS
	Primary        *uint32          `nl:"type=11"`           // IFLA_BOND_PRIMARY: ifindex
	XmitHashPolicy *uint8           `nl:"type=14"`           // IFLA_BOND_XMIT_HASH_POLICY
	MinLinks       *uint32          `nl:"type=18"`           // IFLA_BOND_MIN_LINKS
	ADLACPRate     *uint8           `nl:"type=21"`           // IFLA_BOND_AD_LACP_RATE
	ADSelect       *uint8           `nl:"type=22"`           // IFLA_BOND_AD_SELECT
	ADActorSystem  net.HardwareAddr `nl:"type=26,omitempty"` // IFLA_BOND_AD_ACTOR_SYSTEM
	Unknown        []nlattr.Attr    `nl:"unknown"`
}

// LinkKind returns "bond".
func (*BondData) LinkKind() string { return "bond" }

// Bond modes (BOND_MODE_*, <linux/if_bonding.h>).
const (
	BondModeRoundRobin   = 0 // BOND_MODE_ROUNDROBIN
	BondModeActiveBackup = 1 // BOND_MODE_ACTIVEBACKUP
	BondModeXOR          = 2 // BOND_MODE_XOR
	BondModeBroadcast    = 3 // BOND_MODE_BROADCAST
	BondMode8023AD       = 4 // BOND_MODE_8023AD
	BondModeTLB          = 5 // BOND_MODE_TLB
	BondModeALB          = 6 // BOND_MODE_ALB
)

// BondSlaveData is part of the data of a bond's port (IFLA_BOND_SLAVE_*,
// Link.Info.SlaveData); the rest is kept in Unknown.
type BondSlaveData struct {
	State            uint8            `nl:"type=1,omitempty"` // IFLA_BOND_SLAVE_STATE (read-only): 0 active, 1 backup
	MIIStatus        uint8            `nl:"type=2,omitempty"` // IFLA_BOND_SLAVE_MII_STATUS (read-only): 0 up
	LinkFailureCount uint32           `nl:"type=3,omitempty"` // IFLA_BOND_SLAVE_LINK_FAILURE_COUNT (read-only)
	PermHWAddr       net.HardwareAddr `nl:"type=4,omitempty"` // IFLA_BOND_SLAVE_PERM_HWADDR (read-only)
	QueueID          *uint16          `nl:"type=5"`           // IFLA_BOND_SLAVE_QUEUE_ID
	ADAggregatorID   uint16           `nl:"type=6,omitempty"` // IFLA_BOND_SLAVE_AD_AGGREGATOR_ID (read-only)
	Prio             *int32           `nl:"type=9"`           // IFLA_BOND_SLAVE_PRIO
	Unknown          []nlattr.Attr    `nl:"unknown"`
}

// LinkSlaveKind returns "bond".
func (*BondSlaveData) LinkSlaveKind() string { return "bond" }
