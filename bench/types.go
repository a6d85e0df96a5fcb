package bench

import "net"

// The tagged types below are the one Go representation of each message.
// nlstruct encodes and decodes them through package marshal; the floor and
// the peer codecs fill the very same structs by hand, so every decoder
// produces the same value.

// ---- Message 1: the contents of IPVS_CMD_ATTR_SERVICE (<linux/ip_vs.h>) ----

// Attribute numbers from <linux/ip_vs.h>.
const (
	ipvsSvcAttrAF        = 1  // IPVS_SVC_ATTR_AF
	ipvsSvcAttrProtocol  = 2  // IPVS_SVC_ATTR_PROTOCOL
	ipvsSvcAttrAddr      = 3  // IPVS_SVC_ATTR_ADDR
	ipvsSvcAttrPort      = 4  // IPVS_SVC_ATTR_PORT
	ipvsSvcAttrFWMark    = 5  // IPVS_SVC_ATTR_FWMARK
	ipvsSvcAttrSchedName = 6  // IPVS_SVC_ATTR_SCHED_NAME
	ipvsSvcAttrFlags     = 7  // IPVS_SVC_ATTR_FLAGS
	ipvsSvcAttrTimeout   = 8  // IPVS_SVC_ATTR_TIMEOUT
	ipvsSvcAttrNetmask   = 9  // IPVS_SVC_ATTR_NETMASK
	ipvsSvcAttrStats     = 10 // IPVS_SVC_ATTR_STATS
	ipvsSvcAttrPEName    = 11 // IPVS_SVC_ATTR_PE_NAME
	ipvsSvcAttrStats64   = 12 // IPVS_SVC_ATTR_STATS64

	ipvsStatsAttrConns    = 1  // IPVS_STATS_ATTR_CONNS
	ipvsStatsAttrInPkts   = 2  // IPVS_STATS_ATTR_INPKTS
	ipvsStatsAttrOutPkts  = 3  // IPVS_STATS_ATTR_OUTPKTS
	ipvsStatsAttrInBytes  = 4  // IPVS_STATS_ATTR_INBYTES
	ipvsStatsAttrOutBytes = 5  // IPVS_STATS_ATTR_OUTBYTES
	ipvsStatsAttrCPS      = 6  // IPVS_STATS_ATTR_CPS
	ipvsStatsAttrInPPS    = 7  // IPVS_STATS_ATTR_INPPS
	ipvsStatsAttrOutPPS   = 8  // IPVS_STATS_ATTR_OUTPPS
	ipvsStatsAttrInBPS    = 9  // IPVS_STATS_ATTR_INBPS
	ipvsStatsAttrOutBPS   = 10 // IPVS_STATS_ATTR_OUTBPS
)

// Service is the attribute set of IPVS_CMD_ATTR_SERVICE.
type Service struct {
	AF        uint16       `nl:"type=1"`
	Protocol  uint16       `nl:"type=2"`
	Addr      [16]byte     `nl:"type=3"`
	Port      uint16       `nl:"type=4,be"`
	FWMark    uint32       `nl:"type=5"`
	SchedName string       `nl:"type=6"`
	Flags     ServiceFlags `nl:"type=7"`
	Timeout   uint32       `nl:"type=8"`
	Netmask   uint32       `nl:"type=9"`
	Stats     Stats        `nl:"type=10,nested"`
	PEName    string       `nl:"type=11"`
	Stats64   Stats64      `nl:"type=12,nested"`
}

// ServiceFlags is struct ip_vs_flags, the binary payload of
// IPVS_SVC_ATTR_FLAGS.
type ServiceFlags struct {
	Flags uint32
	Mask  uint32
}

// Stats is the nested IPVS_SVC_ATTR_STATS set (32-bit counters and rates,
// 64-bit byte counters).
type Stats struct {
	Conns    uint32 `nl:"type=1"`
	InPkts   uint32 `nl:"type=2"`
	OutPkts  uint32 `nl:"type=3"`
	InBytes  uint64 `nl:"type=4"`
	OutBytes uint64 `nl:"type=5"`
	CPS      uint32 `nl:"type=6"`
	InPPS    uint32 `nl:"type=7"`
	OutPPS   uint32 `nl:"type=8"`
	InBPS    uint32 `nl:"type=9"`
	OutBPS   uint32 `nl:"type=10"`
}

// Stats64 is the nested IPVS_SVC_ATTR_STATS64 set: the same attributes as
// Stats, all 64-bit.
type Stats64 struct {
	Conns    uint64 `nl:"type=1"`
	InPkts   uint64 `nl:"type=2"`
	OutPkts  uint64 `nl:"type=3"`
	InBytes  uint64 `nl:"type=4"`
	OutBytes uint64 `nl:"type=5"`
	CPS      uint64 `nl:"type=6"`
	InPPS    uint64 `nl:"type=7"`
	OutPPS   uint64 `nl:"type=8"`
	InBPS    uint64 `nl:"type=9"`
	OutBPS   uint64 `nl:"type=10"`
}

// ---- Message 2: an RTM_NEWLINK reply (<linux/rtnetlink.h>, <linux/if_link.h>) ----

// Attribute numbers from <linux/if_link.h> and <linux/socket.h>.
const (
	iflaAddress        = 1  // IFLA_ADDRESS
	iflaBroadcast      = 2  // IFLA_BROADCAST
	iflaIfname         = 3  // IFLA_IFNAME
	iflaMTU            = 4  // IFLA_MTU
	iflaQdisc          = 6  // IFLA_QDISC
	iflaTxqlen         = 13 // IFLA_TXQLEN
	iflaMap            = 14 // IFLA_MAP
	iflaOperstate      = 16 // IFLA_OPERSTATE
	iflaLinkmode       = 17 // IFLA_LINKMODE
	iflaLinkinfo       = 18 // IFLA_LINKINFO
	iflaStats64        = 23 // IFLA_STATS64
	iflaAfSpec         = 26 // IFLA_AF_SPEC
	iflaGroup          = 27 // IFLA_GROUP
	iflaPromiscuity    = 30 // IFLA_PROMISCUITY
	iflaNumTxQueues    = 31 // IFLA_NUM_TX_QUEUES
	iflaNumRxQueues    = 32 // IFLA_NUM_RX_QUEUES
	iflaCarrier        = 33 // IFLA_CARRIER
	iflaCarrierChanges = 35 // IFLA_CARRIER_CHANGES
	iflaProtoDown      = 39 // IFLA_PROTO_DOWN
	iflaGSOMaxSegs     = 40 // IFLA_GSO_MAX_SEGS
	iflaGSOMaxSize     = 41 // IFLA_GSO_MAX_SIZE
	iflaMinMTU         = 50 // IFLA_MIN_MTU
	iflaMaxMTU         = 51 // IFLA_MAX_MTU

	iflaInfoKind = 1 // IFLA_INFO_KIND
	iflaInfoData = 2 // IFLA_INFO_DATA

	iflaVlanID       = 1 // IFLA_VLAN_ID
	iflaVlanProtocol = 5 // IFLA_VLAN_PROTOCOL

	afInet6 = 10 // AF_INET6, the attribute type inside IFLA_AF_SPEC

	iflaInet6Flags       = 1 // IFLA_INET6_FLAGS
	iflaInet6AddrGenMode = 8 // IFLA_INET6_ADDR_GEN_MODE

	sizeofIfInfomsg   = 16  // sizeof(struct ifinfomsg)
	sizeofIfmap       = 32  // sizeof(struct rtnl_link_ifmap) on 64-bit Linux
	sizeofLinkStats64 = 200 // sizeof(struct rtnl_link_stats64), 25 x __u64
)

// Link is an RTM_NEWLINK message: struct ifinfomsg and the attributes an
// `ip link` dump returns for a VLAN device, in the kernel's order.
type Link struct {
	Header         IfInfomsg        `nl:"header"`
	Name           string           `nl:"type=3"`
	TxQLen         uint32           `nl:"type=13"`
	OperState      uint8            `nl:"type=16"`
	LinkMode       uint8            `nl:"type=17"`
	MTU            uint32           `nl:"type=4"`
	MinMTU         uint32           `nl:"type=50"`
	MaxMTU         uint32           `nl:"type=51"`
	Group          uint32           `nl:"type=27"`
	Promiscuity    uint32           `nl:"type=30"`
	NumTxQueues    uint32           `nl:"type=31"`
	GSOMaxSegs     uint32           `nl:"type=40"`
	GSOMaxSize     uint32           `nl:"type=41"`
	NumRxQueues    uint32           `nl:"type=32"`
	Carrier        uint8            `nl:"type=33"`
	Qdisc          string           `nl:"type=6"`
	CarrierChanges uint32           `nl:"type=35"`
	ProtoDown      uint8            `nl:"type=39"`
	Map            LinkIfmap        `nl:"type=14"`
	Address        net.HardwareAddr `nl:"type=1"`
	Broadcast      net.HardwareAddr `nl:"type=2"`
	Stats64        LinkStats64      `nl:"type=23"`
	LinkInfo       LinkInfo         `nl:"type=18,nested"`
	AfSpec         AfSpec           `nl:"type=26,nested"`
}

// IfInfomsg is struct ifinfomsg, with its padding byte written explicitly.
type IfInfomsg struct {
	Family uint8
	_      [1]byte
	Type   uint16
	Index  int32
	Flags  uint32
	Change uint32
}

// LinkIfmap is struct rtnl_link_ifmap (IFLA_MAP): 28 bytes of fields and 4
// bytes of tail padding, 32 bytes on 64-bit Linux.
type LinkIfmap struct {
	MemStart uint64
	MemEnd   uint64
	BaseAddr uint64
	IRQ      uint16
	DMA      uint8
	Port     uint8
	_        [4]byte
}

// LinkStats64 is struct rtnl_link_stats64 (IFLA_STATS64), 200 bytes.
type LinkStats64 struct {
	RxPackets          uint64
	TxPackets          uint64
	RxBytes            uint64
	TxBytes            uint64
	RxErrors           uint64
	TxErrors           uint64
	RxDropped          uint64
	TxDropped          uint64
	Multicast          uint64
	Collisions         uint64
	RxLengthErrors     uint64
	RxOverErrors       uint64
	RxCRCErrors        uint64
	RxFrameErrors      uint64
	RxFIFOErrors       uint64
	RxMissedErrors     uint64
	TxAbortedErrors    uint64
	TxCarrierErrors    uint64
	TxFIFOErrors       uint64
	TxHeartbeatErrors  uint64
	TxWindowErrors     uint64
	RxCompressed       uint64
	TxCompressed       uint64
	RxNoHandler        uint64
	RxOtherhostDropped uint64
}

// LinkInfo is the nested IFLA_LINKINFO set. Data's concrete type is chosen
// by Kind (a sub-message).
type LinkInfo struct {
	Kind string   `nl:"type=1"`
	Data LinkData `nl:"type=2,nested,selector=Kind"`
}

// LinkData is the IFLA_INFO_DATA of one link kind.
type LinkData interface{ isLinkData() }

// VlanData is IFLA_INFO_DATA for kind "vlan".
type VlanData struct {
	ID       uint16 `nl:"type=1"`
	Protocol uint16 `nl:"type=5,be"`
}

func (*VlanData) isLinkData() {}

// AfSpec is the nested IFLA_AF_SPEC set; its attribute types are address
// families.
type AfSpec struct {
	Inet6 Inet6 `nl:"type=10,nested"`
}

// Inet6 is the AF_INET6 entry of IFLA_AF_SPEC.
type Inet6 struct {
	Flags       uint32 `nl:"type=1"`
	AddrGenMode uint8  `nl:"type=8"`
}
