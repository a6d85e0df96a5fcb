package ipvs

import (
	"net/netip"

	"github.com/nlstruct/nlstruct/marshal"
)

// Family is the generic netlink family name (IPVS_GENL_NAME).
const Family = "IPVS"

// Commands (IPVS_CMD_*).
const (
	CmdNewService = 1  // IPVS_CMD_NEW_SERVICE
	CmdSetService = 2  // IPVS_CMD_SET_SERVICE
	CmdDelService = 3  // IPVS_CMD_DEL_SERVICE
	CmdGetService = 4  // IPVS_CMD_GET_SERVICE
	CmdNewDest    = 5  // IPVS_CMD_NEW_DEST
	CmdSetDest    = 6  // IPVS_CMD_SET_DEST
	CmdDelDest    = 7  // IPVS_CMD_DEL_DEST
	CmdGetDest    = 8  // IPVS_CMD_GET_DEST
	CmdNewDaemon  = 9  // IPVS_CMD_NEW_DAEMON
	CmdDelDaemon  = 10 // IPVS_CMD_DEL_DAEMON
	CmdGetDaemon  = 11 // IPVS_CMD_GET_DAEMON
	CmdSetConfig  = 12 // IPVS_CMD_SET_CONFIG
	CmdGetConfig  = 13 // IPVS_CMD_GET_CONFIG
	CmdSetInfo    = 14 // IPVS_CMD_SET_INFO (the reply to GET_INFO)
	CmdGetInfo    = 15 // IPVS_CMD_GET_INFO
	CmdZero       = 16 // IPVS_CMD_ZERO
	CmdFlush      = 17 // IPVS_CMD_FLUSH
)

// Service flags (IP_VS_SVC_F_*).
const (
	SvcPersistent = 0x0001 // IP_VS_SVC_F_PERSISTENT
	SvcHashed     = 0x0002 // IP_VS_SVC_F_HASHED
	SvcOnePacket  = 0x0004 // IP_VS_SVC_F_ONEPACKET
	SvcSched1     = 0x0008 // IP_VS_SVC_F_SCHED1
	SvcSched2     = 0x0010 // IP_VS_SVC_F_SCHED2
	SvcSched3     = 0x0020 // IP_VS_SVC_F_SCHED3
	SvcSHFallback = SvcSched1
	SvcSHPort     = SvcSched2
)

// ForwardMethod is a destination's forwarding method
// (IP_VS_CONN_F_FWD_MASK values).
type ForwardMethod uint32

// Forwarding methods.
const (
	Masquerade ForwardMethod = 0 // IP_VS_CONN_F_MASQ: NAT
	LocalNode  ForwardMethod = 1 // IP_VS_CONN_F_LOCALNODE
	Tunnel     ForwardMethod = 2 // IP_VS_CONN_F_TUNNEL
	Route      ForwardMethod = 3 // IP_VS_CONN_F_DROUTE: direct routing
	Bypass     ForwardMethod = 4 // IP_VS_CONN_F_BYPASS
)

// TunnelType is the encapsulation of a Tunnel destination
// (IP_VS_CONN_F_TUNNEL_TYPE_*).
type TunnelType uint8

// Tunnel types.
const (
	TunnelIPIP TunnelType = 0
	TunnelGUE  TunnelType = 1
	TunnelGRE  TunnelType = 2
)

// Tunnel encapsulation flags (IP_VS_TUNNEL_ENCAP_FLAG_*).
const (
	TunnelNoChecksum     = 0
	TunnelChecksum       = 1 << 0
	TunnelRemoteChecksum = 1 << 1
)

// Sync daemon states (IP_VS_STATE_*).
const (
	StateNone   = 0
	StateMaster = 1
	StateBackup = 2
)

// Address is union nf_inet_addr, the 16 bytes in which IPVS carries an
// IPv4 or IPv6 address. Which one it is comes from a separate address
// family attribute, so Address is read with As.
type Address struct {
	b [16]byte
}

// AddressFrom returns the Address of a (IPv4 in the first 4 bytes).
func AddressFrom(a netip.Addr) Address {
	var x Address
	if a.Is4() {
		v := a.As4()
		copy(x.b[:], v[:])
	} else {
		x.b = a.As16()
	}
	return x
}

// As returns the address as family af (AF_INET or AF_INET6) reads it.
func (a Address) As(af uint16) netip.Addr {
	if af == afInet {
		return netip.AddrFrom4([4]byte(a.b[:4]))
	}
	return netip.AddrFrom16(a.b)
}

// Equal reports whether a and b hold the same 16 bytes, as == does (for
// go-cmp, which cannot see the unexported bytes).
func (a Address) Equal(b Address) bool { return a == b }

// MarshalNetlink writes the 16-byte union.
func (a *Address) MarshalNetlink(b []byte) ([]byte, error) { return append(b, a.b[:]...), nil }

// UnmarshalNetlink reads the union, or a bare 4-byte IPv4 address.
func (a *Address) UnmarshalNetlink(data []byte) error {
	if len(data) != 4 && len(data) != 16 {
		return marshalLenError(len(data))
	}
	a.b = [16]byte{}
	copy(a.b[:], data)
	return nil
}

const (
	afInet  = 2  // AF_INET
	afInet6 = 10 // AF_INET6
)

// Flags is struct ip_vs_flags: the service flags to set, and which of
// them (Mask) a change applies to.
type Flags struct {
	Flags uint32
	Mask  uint32
}

// Stats are a service's or destination's counters with 32-bit rates
// (IPVS_STATS_ATTR_*, in IPVS_SVC_ATTR_STATS and IPVS_DEST_ATTR_STATS).
type Stats struct {
	Conns    uint32 `nl:"type=1" json:"conns"`    // connections scheduled
	InPkts   uint32 `nl:"type=2" json:"inpkts"`   // incoming packets
	OutPkts  uint32 `nl:"type=3" json:"outpkts"`  // outgoing packets
	InBytes  uint64 `nl:"type=4" json:"inbytes"`  // incoming bytes
	OutBytes uint64 `nl:"type=5" json:"outbytes"` // outgoing bytes
	CPS      uint32 `nl:"type=6" json:"cps"`      // connection rate
	InPPS    uint32 `nl:"type=7" json:"inpps"`    // incoming packet rate
	OutPPS   uint32 `nl:"type=8" json:"outpps"`   // outgoing packet rate
	InBPS    uint32 `nl:"type=9" json:"inbps"`    // incoming byte rate
	OutBPS   uint32 `nl:"type=10" json:"outbps"`  // outgoing byte rate
}

// Stats64 are the same counters, every one 64 bits wide
// (IPVS_SVC_ATTR_STATS64, IPVS_DEST_ATTR_STATS64).
type Stats64 struct {
	Conns    uint64 `nl:"type=1" json:"conns"`
	InPkts   uint64 `nl:"type=2" json:"inpkts"`
	OutPkts  uint64 `nl:"type=3" json:"outpkts"`
	InBytes  uint64 `nl:"type=4" json:"inbytes"`
	OutBytes uint64 `nl:"type=5" json:"outbytes"`
	CPS      uint64 `nl:"type=6" json:"cps"`
	InPPS    uint64 `nl:"type=7" json:"inpps"`
	OutPPS   uint64 `nl:"type=8" json:"outpps"`
	InBPS    uint64 `nl:"type=9" json:"inbps"`
	OutBPS   uint64 `nl:"type=10" json:"outbps"`
}

// Service is a virtual service (IPVS_SVC_ATTR_*). A service is identified
// by AF and either FWMark (a firewall-mark service) or Protocol, Address
// and Port. The fields are in the order in which the kernel sends the
// attributes (ip_vs_genl_fill_service), so that encoding a decoded reply
// gives the kernel's attributes back in the kernel's order. (For a
// firewall-mark service the kernel sends no protocol, address or port;
// encoding adds them as zeros.)
type Service struct {
	AF        uint16  `nl:"type=1" json:"af"`                                     // AF_INET or AF_INET6
	Protocol  uint16  `nl:"type=2" json:"protocol"`                               // IPPROTO_TCP, _UDP, _SCTP
	Address   Address `nl:"type=3" json:"-"`                                      // virtual address
	Port      uint16  `nl:"type=4,be" json:"port"`                                // virtual port
	FWMark    uint32  `nl:"type=5,omitempty" json:"fwmark,omitempty"`             // firewall mark
	Scheduler string  `nl:"type=6,maxlen=15" json:"scheduler"`                    // rr, wlc, ...
	PEName    string  `nl:"type=11,omitempty,maxlen=15" json:"pe_name,omitempty"` // persistence engine (sip)
	Flags     Flags   `nl:"type=7" json:"flags"`
	Timeout   uint32  `nl:"type=8" json:"timeout"` // persistence timeout, seconds
	// Netmask is the persistence granularity. For IPv4 it is a netmask
	// that travels in network byte order, read as a host-order uint32:
	// the mask's bytes in memory order (on little-endian machines
	// 255.255.255.0 is 0x00ffffff; 0xffffffff is /32 everywhere). For
	// IPv6 it is a prefix length (1..128).
	Netmask uint32   `nl:"type=9" json:"netmask"`
	Stats   *Stats   `nl:"type=10,nested" json:"stats,omitempty"`
	Stats64 *Stats64 `nl:"type=12,nested" json:"stats64,omitempty"`
}

// Addr returns the virtual address.
func (s *Service) Addr() netip.Addr { return s.Address.As(s.AF) }

// Destination is a real server of a service (IPVS_DEST_ATTR_*). The
// fields are in the order in which the kernel sends the attributes
// (ip_vs_genl_fill_dest), and the kernel (5.8 and later) always sends
// every one of them, so encoding a decoded reply gives the kernel's
// attributes back.
type Destination struct {
	Address      Address       `nl:"type=1" json:"-"`
	Port         uint16        `nl:"type=2,be" json:"port"`
	FwdMethod    ForwardMethod `nl:"type=3" json:"fwd_method"`
	Weight       uint32        `nl:"type=4" json:"weight"`
	TunType      TunnelType    `nl:"type=13" json:"tun_type,omitempty"`
	TunPort      uint16        `nl:"type=14,be" json:"tun_port,omitempty"`
	TunFlags     uint16        `nl:"type=15" json:"tun_flags,omitempty"`
	UpperThresh  uint32        `nl:"type=5" json:"u_threshold"`
	LowerThresh  uint32        `nl:"type=6" json:"l_threshold"`
	ActiveConns  uint32        `nl:"type=7" json:"active_conns"`
	InactConns   uint32        `nl:"type=8" json:"inact_conns"`
	PersistConns uint32        `nl:"type=9" json:"persist_conns"`
	AF           uint16        `nl:"type=11" json:"af"` // the address's family (0: the service's)
	Stats        *Stats        `nl:"type=10,nested" json:"stats,omitempty"`
	Stats64      *Stats64      `nl:"type=12,nested" json:"stats64,omitempty"`
}

// Addr returns the destination's address; af is the service's family,
// used when the destination does not say its own.
func (d *Destination) Addr(af uint16) netip.Addr {
	if d.AF != 0 {
		af = d.AF
	}
	return d.Address.As(af)
}

// Daemon is a connection-synchronisation daemon (IPVS_DAEMON_ATTR_*). The
// fields are in the order in which the kernel sends the attributes
// (ip_vs_genl_fill_daemon); it sends one of the two groups.
type Daemon struct {
	State      uint32 `nl:"type=1" json:"state"`               // StateMaster or StateBackup
	McastIfn   string `nl:"type=2,maxlen=15" json:"mcast_ifn"` // multicast interface
	SyncID     uint32 `nl:"type=3" json:"sync_id"`             //
	SyncMaxLen uint16 `nl:"type=4" json:"sync_maxlen"`         // UDP payload size
	// McastPort is in host byte order on the wire, unlike the other
	// ports of IPVS (the kernel uses nla_get_u16/nla_put_u16).
	McastPort   uint16   `nl:"type=7" json:"mcast_port"`
	McastTTL    uint8    `nl:"type=8" json:"mcast_ttl"`
	McastGroup  uint32   `nl:"type=5,be,omitempty" json:"-"` // IPv4 group, see Group
	McastGroup6 [16]byte `nl:"type=6,omitempty" json:"-"`    // IPv6 group
}

// Group returns the daemon's multicast group, if it has one.
func (d *Daemon) Group() (netip.Addr, bool) {
	if d.McastGroup != 0 {
		g := d.McastGroup
		return netip.AddrFrom4([4]byte{byte(g >> 24), byte(g >> 16), byte(g >> 8), byte(g)}), true
	}
	if d.McastGroup6 != ([16]byte{}) {
		return netip.AddrFrom16(d.McastGroup6), true
	}
	return netip.Addr{}, false
}

// Timeouts are the connection timeouts in seconds
// (IPVS_CMD_ATTR_TIMEOUT_*). Setting 0 leaves a timeout unchanged.
type Timeouts struct {
	TCP    uint32 `json:"tcp"`
	TCPFin uint32 `json:"tcp_fin"`
	UDP    uint32 `json:"udp"`
}

// Info is IPVS's version and connection table size (IPVS_INFO_ATTR_*).
type Info struct {
	Version       uint32 `nl:"type=1" json:"version"`
	ConnTableSize uint32 `nl:"type=2" json:"conn_table_size"`
}

// message is a command's top-level attributes (IPVS_CMD_ATTR_*): the
// shape of every reply.
type message struct {
	Service       *Service     `nl:"type=1,nested"`
	Dest          *Destination `nl:"type=2,nested"`
	Daemon        *Daemon      `nl:"type=3,nested"`
	TimeoutTCP    *uint32      `nl:"type=4"`
	TimeoutTCPFin *uint32      `nl:"type=5"`
	TimeoutUDP    *uint32      `nl:"type=6"`
}

var _ marshal.Marshaler = (*Address)(nil)
