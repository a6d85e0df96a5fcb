package rt

import (
	"context"
	"fmt"
	"net"

	"golang.org/x/sys/unix"

	"github.com/nlstruct/nlstruct/nlattr"
)

// IfInfoMsg is struct ifinfomsg, the fixed header of every link message
// (<linux/rtnetlink.h>).
type IfInfoMsg struct {
	Family uint8  // ifi_family: AF_UNSPEC
	_      uint8  // __ifi_pad
	Type   uint16 // ifi_type: ARPHRD_* (unix.ARPHRD_ETHER...)
	Index  int32  // ifi_index: the link's ifindex
	Flags  uint32 // ifi_flags: IFF_* (unix.IFF_UP...)
	Change uint32 // ifi_change: the IFF_* bits of Flags to change
}

// Link is a link (network device): RTM_NEWLINK, RTM_GETLINK, RTM_SETLINK
// and RTM_DELLINK messages, with the IFLA_* attributes of <linux/if_link.h>.
//
// In a request, only what is set is sent: empty strings and zero numbers
// tagged omitempty, and nil pointers, slices and interfaces are left out.
// Attributes whose zero value means something to the kernel (a TxQLen of 0,
// Master 0 to leave a bridge) are pointers: new(int32(0)) sends 0. In a
// reply, the kernel's attributes that have no field here are kept in
// Unknown and sent back unchanged if the Link is re-encoded.
type Link struct {
	Header           IfInfoMsg        `nl:"header"`
	Address          net.HardwareAddr `nl:"type=1,omitempty"`           // IFLA_ADDRESS
	Broadcast        net.HardwareAddr `nl:"type=2,omitempty"`           // IFLA_BROADCAST
	Name             string           `nl:"type=3,omitempty,maxlen=15"` // IFLA_IFNAME
	MTU              uint32           `nl:"type=4,omitempty"`           // IFLA_MTU
	ParentIndex      int32            `nl:"type=5,omitempty"`           // IFLA_LINK: the lower device (vlan, macvlan) or the veth peer
	Qdisc            string           `nl:"type=6,omitempty"`           // IFLA_QDISC (read-only)
	Stats            *LinkStats       `nl:"type=7"`                     // IFLA_STATS (read-only)
	Master           *int32           `nl:"type=10"`                    // IFLA_MASTER: the bridge or bond; 0 releases
	TxQLen           *uint32          `nl:"type=13"`                    // IFLA_TXQLEN
	Map              *LinkIfMap       `nl:"type=14"`                    // IFLA_MAP
	OperState        LinkOperState    `nl:"type=16,omitempty"`          // IFLA_OPERSTATE
	LinkMode         *uint8           `nl:"type=17"`                    // IFLA_LINKMODE: IF_LINK_MODE_*
	Info             *LinkInfo        `nl:"type=18,nested,noflag"`      // IFLA_LINKINFO: kind and kind-specific data (a nest without NLA_F_NESTED, as the kernel writes it)
	NetNSPID         *uint32          `nl:"type=19"`                    // IFLA_NET_NS_PID: move to the network namespace of this process
	Alias            *string          `nl:"type=20"`                    // IFLA_IFALIAS: "" clears it; SetLink only (the kernel ignores it in AddLink)
	Stats64          *LinkStats64     `nl:"type=23,minlen=184"`         // IFLA_STATS64 (read-only)
	Group            *uint32          `nl:"type=27"`                    // IFLA_GROUP
	NetNSFD          *uint32          `nl:"type=28"`                    // IFLA_NET_NS_FD: move to the network namespace open as this fd
	Promiscuity      uint32           `nl:"type=30,omitempty"`          // IFLA_PROMISCUITY (read-only): > 0 means promiscuous
	NumTxQueues      uint32           `nl:"type=31,omitempty"`          // IFLA_NUM_TX_QUEUES
	NumRxQueues      uint32           `nl:"type=32,omitempty"`          // IFLA_NUM_RX_QUEUES
	Carrier          *bool            `nl:"type=33"`                    // IFLA_CARRIER
	CarrierChanges   uint32           `nl:"type=35,omitempty"`          // IFLA_CARRIER_CHANGES (read-only)
	LinkNetNSID      *int32           `nl:"type=37"`                    // IFLA_LINK_NETNSID: the namespace of ParentIndex
	ProtoDown        *bool            `nl:"type=39"`                    // IFLA_PROTO_DOWN
	GSOMaxSegs       uint32           `nl:"type=40,omitempty"`          // IFLA_GSO_MAX_SEGS
	GSOMaxSize       uint32           `nl:"type=41,omitempty"`          // IFLA_GSO_MAX_SIZE
	CarrierUpCount   uint32           `nl:"type=47,omitempty"`          // IFLA_CARRIER_UP_COUNT (read-only)
	CarrierDownCount uint32           `nl:"type=48,omitempty"`          // IFLA_CARRIER_DOWN_COUNT (read-only)
	MinMTU           uint32           `nl:"type=50,omitempty"`          // IFLA_MIN_MTU (read-only)
	MaxMTU           uint32           `nl:"type=51,omitempty"`          // IFLA_MAX_MTU (read-only)
	Props            *LinkProps       `nl:"type=52,nested"`             // IFLA_PROP_LIST: alternative names
	AltName          string           `nl:"type=53,omitempty"`          // IFLA_ALT_IFNAME: names the link in a request
	PermAddress      net.HardwareAddr `nl:"type=54,omitempty"`          // IFLA_PERM_ADDRESS (read-only)
	ParentDevName    string           `nl:"type=56,omitempty"`          // IFLA_PARENT_DEV_NAME (read-only)
	ParentDevBusName string           `nl:"type=57,omitempty"`          // IFLA_PARENT_DEV_BUS_NAME (read-only)
	GROMaxSize       uint32           `nl:"type=58,omitempty"`          // IFLA_GRO_MAX_SIZE
	TSOMaxSize       uint32           `nl:"type=59,omitempty"`          // IFLA_TSO_MAX_SIZE (read-only)
	TSOMaxSegs       uint32           `nl:"type=60,omitempty"`          // IFLA_TSO_MAX_SEGS (read-only)
	AllMulti         uint32           `nl:"type=61,omitempty"`          // IFLA_ALLMULTI (read-only): > 0 means all-multicast
	Unknown          []nlattr.Attr    `nl:"unknown"`                    // attributes with no field (IFLA_AF_SPEC, IFLA_XDP...)
}

// LinkProps is IFLA_PROP_LIST: the properties of a link that
// RTM_NEWLINKPROP and RTM_DELLINKPROP add and remove.
type LinkProps struct {
	AltNames []string `nl:"type=53,multi"` // IFLA_ALT_IFNAME, one per name
}

// LinkOperState is the RFC 2863 operational state of a link (IF_OPER_*,
// <linux/if.h>).
type LinkOperState uint8

// Operational states.
const (
	LinkOperUnknown        LinkOperState = 0 // IF_OPER_UNKNOWN
	LinkOperNotPresent     LinkOperState = 1 // IF_OPER_NOTPRESENT
	LinkOperDown           LinkOperState = 2 // IF_OPER_DOWN
	LinkOperLowerLayerDown LinkOperState = 3 // IF_OPER_LOWERLAYERDOWN
	LinkOperTesting        LinkOperState = 4 // IF_OPER_TESTING
	LinkOperDormant        LinkOperState = 5 // IF_OPER_DORMANT
	LinkOperUp             LinkOperState = 6 // IF_OPER_UP
)

var linkOperNames = [...]string{"UNKNOWN", "NOTPRESENT", "DOWN", "LOWERLAYERDOWN", "TESTING", "DORMANT", "UP"}

// String returns the state's name as iproute2 prints it ("UP", "DOWN").
func (s LinkOperState) String() string {
	if int(s) < len(linkOperNames) {
		return linkOperNames[s]
	}
	return fmt.Sprintf("LinkOperState(%d)", uint8(s))
}

// Link modes (IFLA_LINKMODE).
const (
	LinkModeDefault = 0 // IF_LINK_MODE_DEFAULT
	LinkModeDormant = 1 // IF_LINK_MODE_DORMANT
	LinkModeTesting = 2 // IF_LINK_MODE_TESTING
)

// LinkStats64 is struct rtnl_link_stats64 (IFLA_STATS64): the link's
// counters. Kernels before 5.19 send it without RxOtherhostDropped (and
// before 4.6 without RxNohandler); those fields are then zero.
type LinkStats64 struct {
	RxPackets          uint64 // rx_packets
	TxPackets          uint64 // tx_packets
	RxBytes            uint64 // rx_bytes
	TxBytes            uint64 // tx_bytes
	RxErrors           uint64 // rx_errors
	TxErrors           uint64 // tx_errors
	RxDropped          uint64 // rx_dropped
	TxDropped          uint64 // tx_dropped
	Multicast          uint64 // multicast
	Collisions         uint64 // collisions
	RxLengthErrors     uint64 // rx_length_errors
	RxOverErrors       uint64 // rx_over_errors
	RxCRCErrors        uint64 // rx_crc_errors
	RxFrameErrors      uint64 // rx_frame_errors
	RxFIFOErrors       uint64 // rx_fifo_errors
	RxMissedErrors     uint64 // rx_missed_errors
	TxAbortedErrors    uint64 // tx_aborted_errors
	TxCarrierErrors    uint64 // tx_carrier_errors
	TxFIFOErrors       uint64 // tx_fifo_errors
	TxHeartbeatErrors  uint64 // tx_heartbeat_errors
	TxWindowErrors     uint64 // tx_window_errors
	RxCompressed       uint64 // rx_compressed
	TxCompressed       uint64 // tx_compressed
	RxNohandler        uint64 // rx_nohandler
	RxOtherhostDropped uint64 // rx_otherhost_dropped
}

// LinkStats is struct rtnl_link_stats (IFLA_STATS): the link's counters,
// truncated to 32 bits. Prefer LinkStats64.
type LinkStats struct {
	RxPackets         uint32 // rx_packets
	TxPackets         uint32 // tx_packets
	RxBytes           uint32 // rx_bytes
	TxBytes           uint32 // tx_bytes
	RxErrors          uint32 // rx_errors
	TxErrors          uint32 // tx_errors
	RxDropped         uint32 // rx_dropped
	TxDropped         uint32 // tx_dropped
	Multicast         uint32 // multicast
	Collisions        uint32 // collisions
	RxLengthErrors    uint32 // rx_length_errors
	RxOverErrors      uint32 // rx_over_errors
	RxCRCErrors       uint32 // rx_crc_errors
	RxFrameErrors     uint32 // rx_frame_errors
	RxFIFOErrors      uint32 // rx_fifo_errors
	RxMissedErrors    uint32 // rx_missed_errors
	TxAbortedErrors   uint32 // tx_aborted_errors
	TxCarrierErrors   uint32 // tx_carrier_errors
	TxFIFOErrors      uint32 // tx_fifo_errors
	TxHeartbeatErrors uint32 // tx_heartbeat_errors
	TxWindowErrors    uint32 // tx_window_errors
	RxCompressed      uint32 // rx_compressed
	TxCompressed      uint32 // tx_compressed
	RxNohandler       uint32 // rx_nohandler
}

// LinkIfMap is struct rtnl_link_ifmap (IFLA_MAP): the device's I/O
// resources, for hardware that has them.
type LinkIfMap struct {
	MemStart uint64 // mem_start
	MemEnd   uint64 // mem_end
	BaseAddr uint64 // base_addr
	IRQ      uint16 // irq
	DMA      uint8  // dma
	Port     uint8  // port
	_        [4]byte
}

// Links returns every link (RTM_GETLINK dump).
func (c *Conn) Links(ctx context.Context) ([]Link, error) {
	return dump[Link](ctx, c, unix.RTM_GETLINK, &Link{}, "list links")
}

// Link returns the link with the given ifindex (RTM_GETLINK). A missing
// link is an error wrapping unix.ENODEV.
func (c *Conn) Link(ctx context.Context, index int32) (*Link, error) {
	var l Link
	if err := get(ctx, c, unix.RTM_GETLINK, &Link{Header: IfInfoMsg{Index: index}}, &l, fmt.Sprintf("get link ifindex %d", index)); err != nil {
		return nil, err
	}
	return &l, nil
}

// LinkByName returns the link with the given name or alternative name
// (RTM_GETLINK). A missing link is an error wrapping unix.ENODEV.
func (c *Conn) LinkByName(ctx context.Context, name string) (*Link, error) {
	req := &Link{Name: name}
	if len(name) > unix.IFNAMSIZ-1 {
		req = &Link{AltName: name}
	}
	var l Link
	if err := get(ctx, c, unix.RTM_GETLINK, req, &l, fmt.Sprintf("get link %q", name)); err != nil {
		return nil, err
	}
	return &l, nil
}

// AddLink creates a link (RTM_NEWLINK with NLM_F_CREATE|NLM_F_EXCL): l.Info
// says its kind, and l.Name its name (or the kernel chooses one). When
// l.Info.Kind is empty, it is taken from l.Info.Data. A link with that name
// already there is an error wrapping unix.EEXIST. l is not modified.
func (c *Conn) AddLink(ctx context.Context, l *Link) error {
	req, kind := linkWithKind(l)
	return exec(ctx, c, unix.RTM_NEWLINK, flagCreate|flagExcl, req, fmt.Sprintf("add link %q (%s)", l.Name, kind))
}

// SetLink changes the link named by l.Header.Index (or, when that is 0,
// l.Name) to have the attributes set in l, the flags of l.Header.Flags
// that l.Header.Change selects, and, with l.Info, kind-specific settings
// (RTM_NEWLINK without NLM_F_CREATE). A missing link is an error wrapping
// unix.ENODEV.
func (c *Conn) SetLink(ctx context.Context, l *Link) error {
	req, _ := linkWithKind(l)
	return exec(ctx, c, unix.RTM_NEWLINK, 0, req, "set link "+linkName(l))
}

// DeleteLink deletes the link with the given ifindex (RTM_DELLINK); for a
// veth, its peer goes too.
func (c *Conn) DeleteLink(ctx context.Context, index int32) error {
	return exec(ctx, c, unix.RTM_DELLINK, 0, &Link{Header: IfInfoMsg{Index: index}}, fmt.Sprintf("delete link ifindex %d", index))
}

// SetLinkUp brings the link with the given ifindex up or down (IFF_UP).
func (c *Conn) SetLinkUp(ctx context.Context, index int32, up bool) error {
	h := IfInfoMsg{Index: index, Change: unix.IFF_UP}
	if up {
		h.Flags = unix.IFF_UP
	}
	return exec(ctx, c, unix.RTM_NEWLINK, 0, &Link{Header: h}, fmt.Sprintf("set link ifindex %d up=%t", index, up))
}

// AddLinkAltName gives the link with the given ifindex an alternative name
// (RTM_NEWLINKPROP), up to 127 bytes long.
func (c *Conn) AddLinkAltName(ctx context.Context, index int32, name string) error {
	req := &Link{Header: IfInfoMsg{Index: index}, Props: &LinkProps{AltNames: []string{name}}}
	return exec(ctx, c, unix.RTM_NEWLINKPROP, flagCreate|flagExcl, req, fmt.Sprintf("add alternative name %q to ifindex %d", name, index))
}

// DeleteLinkAltName removes an alternative name of the link with the given
// ifindex (RTM_DELLINKPROP).
func (c *Conn) DeleteLinkAltName(ctx context.Context, index int32, name string) error {
	req := &Link{Header: IfInfoMsg{Index: index}, Props: &LinkProps{AltNames: []string{name}}}
	return exec(ctx, c, unix.RTM_DELLINKPROP, 0, req, fmt.Sprintf("delete alternative name %q of ifindex %d", name, index))
}

// linkWithKind returns l, or a copy of it whose Info.Kind (and
// Info.SlaveKind) are filled in from the data's type when empty, and the
// kind.
func linkWithKind(l *Link) (*Link, string) {
	if l.Info == nil {
		return l, "no kind"
	}
	info := *l.Info
	changed := false
	if info.Kind == "" && info.Data != nil {
		info.Kind, changed = info.Data.LinkKind(), true
	}
	if info.SlaveKind == "" && info.SlaveData != nil {
		info.SlaveKind, changed = info.SlaveData.LinkSlaveKind(), true
	}
	if !changed {
		return l, info.Kind
	}
	cp := *l
	cp.Info = &info
	return &cp, info.Kind
}

// linkName names l for an error message.
func linkName(l *Link) string {
	switch {
	case l.Header.Index != 0:
		return fmt.Sprintf("ifindex %d", l.Header.Index)
	case l.Name != "":
		return fmt.Sprintf("%q", l.Name)
	default:
		return fmt.Sprintf("%q", l.AltName)
	}
}
