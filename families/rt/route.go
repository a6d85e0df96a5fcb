package rt

import (
	"bytes"
	"context"
	"fmt"
	"net/netip"
	"strconv"

	"golang.org/x/sys/unix"

	"github.com/nlstruct/nlstruct/marshal"
	"github.com/nlstruct/nlstruct/nlattr"
)

// RtMsg is struct rtmsg, the fixed header of route messages
// (RTM_NEWROUTE, RTM_DELROUTE, RTM_GETROUTE).
type RtMsg struct {
	Family   uint8         // rtm_family: unix.AF_INET, unix.AF_INET6...
	DstLen   uint8         // rtm_dst_len: prefix length of Route.Dst
	SrcLen   uint8         // rtm_src_len: prefix length of Route.Src
	TOS      uint8         // rtm_tos (IPv4 DSCP/TOS to match)
	Table    uint8         // rtm_table: RT_TABLE_*, or TableCompat for ids over 255 (see Route.Table)
	Protocol RouteProtocol // rtm_protocol: who added the route
	Scope    Scope         // rtm_scope
	Type     RouteType     // rtm_type
	Flags    RouteFlags    // rtm_flags: RTM_F_* and RTNH_F_*
}

// RouteCacheInfo is struct rta_cacheinfo (RTA_CACHEINFO): the state of a
// route's cached entry. The kernel sends all 32 bytes; the YNL spec
// documents only the first 20, which are accepted alone.
type RouteCacheInfo struct {
	ClntRef uint32 // rta_clntref: references
	LastUse uint32 // rta_lastuse: clock ticks (USER_HZ) since last use
	Expires int32  // rta_expires: clock ticks until it expires, 0 for never
	Error   uint32 // rta_error: errno of a rejecting route
	Used    uint32 // rta_used
	ID      uint32 // rta_id
	TS      uint32 // rta_ts
	TSAge   uint32 // rta_tsage
}

// RouteMetrics are a route's metrics (RTA_METRICS, whose entries are
// RTAX_* attributes); a zero metric is absent, as in the kernel's replies.
type RouteMetrics struct {
	Lock             uint32        `nl:"type=1,omitempty"`  // RTAX_LOCK: bit 1<<RTAX_* locks that metric
	MTU              uint32        `nl:"type=2,omitempty"`  // RTAX_MTU
	Window           uint32        `nl:"type=3,omitempty"`  // RTAX_WINDOW
	RTT              uint32        `nl:"type=4,omitempty"`  // RTAX_RTT
	RTTVar           uint32        `nl:"type=5,omitempty"`  // RTAX_RTTVAR
	SSThresh         uint32        `nl:"type=6,omitempty"`  // RTAX_SSTHRESH
	CWnd             uint32        `nl:"type=7,omitempty"`  // RTAX_CWND
	AdvMSS           uint32        `nl:"type=8,omitempty"`  // RTAX_ADVMSS
	Reordering       uint32        `nl:"type=9,omitempty"`  // RTAX_REORDERING
	HopLimit         uint32        `nl:"type=10,omitempty"` // RTAX_HOPLIMIT
	InitCWnd         uint32        `nl:"type=11,omitempty"` // RTAX_INITCWND
	Features         uint32        `nl:"type=12,omitempty"` // RTAX_FEATURES: RTAX_FEATURE_* bits
	RTOMin           uint32        `nl:"type=13,omitempty"` // RTAX_RTO_MIN
	InitRWnd         uint32        `nl:"type=14,omitempty"` // RTAX_INITRWND
	QuickAck         uint32        `nl:"type=15,omitempty"` // RTAX_QUICKACK
	CCAlgo           string        `nl:"type=16,omitempty"` // RTAX_CC_ALGO: congestion control name
	FastOpenNoCookie uint32        `nl:"type=17,omitempty"` // RTAX_FASTOPEN_NO_COOKIE
	Unknown          []nlattr.Attr `nl:"unknown"`
}

// RtNextHop is struct rtnexthop: the start of one next hop of a
// multipath route.
type RtNextHop struct {
	Len     uint16 // rtnh_len: the record's length, filled in by Marshal
	Flags   uint8  // rtnh_flags: RTNH_F_* (the low bits of RouteFlags)
	Hops    uint8  // rtnh_hops: the weight less one
	IfIndex int32  // rtnh_ifindex: the next hop's link
}

// NextHop is one next hop of a multipath route (RTA_MULTIPATH): struct
// rtnexthop, then the next hop's own attributes.
type NextHop struct {
	Header  RtNextHop     `nl:"header"`
	Gateway netip.Addr    `nl:"type=5"`            // RTA_GATEWAY
	Flow    uint32        `nl:"type=11,omitempty"` // RTA_FLOW: IPv4 routing realms
	Via     *Via          `nl:"type=18"`           // RTA_VIA: a gateway of another family
	Unknown []nlattr.Attr `nl:"unknown"`           // RTA_NEWDST, RTA_ENCAP, ...
}

// NewNextHop returns a next hop through gateway (which may be invalid, for
// a device route) on link ifindex, with weight (1 to 256; 0 means 1).
func NewNextHop(ifindex int32, gateway netip.Addr, weight int) NextHop {
	return NextHop{Header: RtNextHop{IfIndex: ifindex, Hops: uint8(max(weight, 1) - 1)}, Gateway: gateway}
}

// Weight returns the next hop's weight: rtnh_hops plus one.
func (h *NextHop) Weight() int { return int(h.Header.Hops) + 1 }

// Via is a gateway of another address family than the route's, such as
// an IPv6 next hop for an IPv4 route (RTA_VIA, struct rtvia: the family,
// then the address). Addr holds an IPv4 or IPv6 gateway; a gateway of
// another family (AF_PACKET for an MPLS route, say) is kept whole, family
// included, in Raw, and re-encoded from it.
type Via struct {
	Addr netip.Addr
	Raw  []byte // the whole struct rtvia, when its family is not AF_INET or AF_INET6
}

// routeVia4 and routeVia6 are struct rtvia with an IPv4 and an IPv6
// address: rtvia_addr is a flexible array member, so each length is a
// layout of its own; routeViaFamily is its start alone.
type routeVia4 struct {
	Family uint16 // rtvia_family: AF_INET
	Addr   [4]byte
}

type routeVia6 struct {
	Family uint16 // rtvia_family: AF_INET6
	Addr   [16]byte
}

type routeViaFamily struct {
	Family uint16 // rtvia_family
}

// MarshalNetlink appends struct rtvia for v.Addr, or v.Raw.
func (v *Via) MarshalNetlink(b []byte) ([]byte, error) {
	switch {
	case v.Addr.Is4():
		return marshal.Append(b, &routeVia4{Family: unix.AF_INET, Addr: v.Addr.As4()})
	case v.Addr.Is6():
		return marshal.Append(b, &routeVia6{Family: unix.AF_INET6, Addr: v.Addr.As16()})
	case v.Raw != nil:
		return append(b, v.Raw...), nil
	}
	return b, fmt.Errorf("rt: RTA_VIA: invalid address %v", v.Addr)
}

// UnmarshalNetlink decodes struct rtvia: an IPv4 or IPv6 address into
// Addr, any other family into Raw.
func (v *Via) UnmarshalNetlink(data []byte) error {
	var f routeViaFamily
	if err := marshal.Unmarshal(data, &f); err != nil {
		return fmt.Errorf("rt: RTA_VIA: %w", err)
	}
	*v = Via{}
	switch f.Family {
	case unix.AF_INET:
		var r routeVia4
		if err := routeViaExact(data, &r, 6); err != nil {
			return err
		}
		v.Addr = netip.AddrFrom4(r.Addr)
	case unix.AF_INET6:
		var r routeVia6
		if err := routeViaExact(data, &r, 18); err != nil {
			return err
		}
		v.Addr = netip.AddrFrom16(r.Addr)
	default:
		v.Raw = bytes.Clone(data)
	}
	return nil
}

// routeViaExact decodes data into r, a layout of size bytes, which must
// be data's whole length.
func routeViaExact(data []byte, r any, size int) error {
	if len(data) != size {
		return fmt.Errorf("rt: RTA_VIA: %d bytes, want %d for its family: %w", len(data), size, marshal.ErrBadLength)
	}
	if err := marshal.Unmarshal(data, r); err != nil {
		return fmt.Errorf("rt: RTA_VIA: %w", err)
	}
	return nil
}

// Route is a route: the message of RTM_NEWROUTE, RTM_DELROUTE and
// RTM_GETROUTE (route-attrs in rt-route.yaml).
//
// Attributes are left out when zero, except those whose zero the kernel
// sends and means: Priority (IPv6 local routes have metric 0), Pref
// (medium is 0) and UID (root is 0) are pointers; set them with
// new(uint32(100)).
//
// The table is Header.Table for ids up to 255 and Table (RTA_TABLE) for
// any: the kernel sends both, with Header.Table TableCompat above 255,
// and takes Table over Header.Table. TableID reads it.
type Route struct {
	Header RtMsg `nl:"header"`
	// Dst is the destination (RTA_DST), with Header.DstLen; absent for
	// a default route.
	Dst netip.Addr `nl:"type=1"`
	// Src is the source prefix (RTA_SRC) of a source-specific IPv6
	// route, with Header.SrcLen.
	Src netip.Addr `nl:"type=2"`
	// IIF is the input link (RTA_IIF).
	IIF uint32 `nl:"type=3,omitempty"`
	// OIF is the output link (RTA_OIF).
	OIF uint32 `nl:"type=4,omitempty"`
	// Gateway is the next hop (RTA_GATEWAY).
	Gateway netip.Addr `nl:"type=5"`
	// Priority is the route's metric (RTA_PRIORITY).
	Priority *uint32 `nl:"type=6"`
	// PrefSrc is the preferred source address (RTA_PREFSRC).
	PrefSrc netip.Addr `nl:"type=7"`
	// Metrics are the route's metrics, such as its MTU (RTA_METRICS).
	// The kernel writes this nest without NLA_F_NESTED, and so does
	// Marshal (noflag); it accepts it either way.
	Metrics *RouteMetrics `nl:"type=8,nested,noflag"`
	// MultiPath are the next hops of a multipath (ECMP) route
	// (RTA_MULTIPATH): records of struct rtnexthop and its attributes,
	// each rtnh_len long, which Marshal fills in.
	MultiPath []NextHop `nl:"type=9,records"`
	// Flow is the IPv4 routing realms (RTA_FLOW).
	Flow uint32 `nl:"type=11,omitempty"`
	// CacheInfo is the state of the route's cached entry (RTA_CACHEINFO).
	CacheInfo *RouteCacheInfo `nl:"type=12,minlen=20"`
	// Table is the routing table's id (RTA_TABLE).
	Table uint32 `nl:"type=15,omitempty"`
	// Mark is the firewall mark to match, in RouteGet (RTA_MARK).
	Mark uint32 `nl:"type=16,omitempty"`
	// Via is a gateway of another family (RTA_VIA).
	Via *Via `nl:"type=18"`
	// NewDst is an MPLS route's outgoing label stack, raw (RTA_NEWDST).
	NewDst []byte `nl:"type=19,omitempty"`
	// Pref is an IPv6 route's router preference (RTA_PREF).
	Pref *RoutePref `nl:"type=20"`
	// EncapType is the lightweight tunnel type, LWTUNNEL_ENCAP_*
	// (RTA_ENCAP_TYPE).
	EncapType uint16 `nl:"type=21,omitempty"`
	// Encap is the tunnel's attributes, raw, as their type depends on
	// EncapType (RTA_ENCAP).
	Encap []byte `nl:"type=22,omitempty"`
	// Expires is an IPv6 route's lifetime in seconds, in a request
	// (RTA_EXPIRES). The kernel writes it in 4 bytes for routes and in 8
	// for multicast forwarding entries; uint decodes both (and encodes 8
	// bytes when the value needs them).
	Expires uint `nl:"type=23,omitempty"`
	// UID is the user id the lookup is for, in RouteGet (RTA_UID).
	UID *uint32 `nl:"type=25"`
	// TTLPropagate says whether an MPLS route propagates the TTL
	// (RTA_TTL_PROPAGATE).
	TTLPropagate *uint8 `nl:"type=26"`
	// IPProto, SPort and DPort describe the flow to look up, in RouteGet
	// (RTA_IP_PROTO, RTA_SPORT, RTA_DPORT).
	IPProto uint8  `nl:"type=27,omitempty"`
	SPort   uint16 `nl:"type=28,be,omitempty"`
	DPort   uint16 `nl:"type=29,be,omitempty"`
	// NHID is the id of a nexthop object (RTA_NH_ID).
	NHID uint32 `nl:"type=30,omitempty"`
	// FlowLabel is the IPv6 flow label to match, in RouteGet
	// (RTA_FLOWLABEL).
	FlowLabel uint32 `nl:"type=31,be,omitempty"`
	// Unknown holds attributes without a field, re-encoded as they came.
	Unknown []nlattr.Attr `nl:"unknown"`
}

// TableID returns the route's table: Table (RTA_TABLE) when set, else
// Header.Table.
func (r *Route) TableID() uint32 {
	if r.Table != 0 {
		return r.Table
	}
	return uint32(r.Header.Table)
}

// DstPrefix returns the destination prefix, such as 10.0.0.0/8; a
// default route's is 0.0.0.0/0 or ::/0.
func (r *Route) DstPrefix() netip.Prefix {
	return routePrefix(r.Header.Family, r.Dst, r.Header.DstLen)
}

// NewRoute returns a unicast route to dst (its address masked to the
// prefix) in the main table, through gateway when it is valid, on link
// oif when it is not 0, for AddRoute, ReplaceRoute and DeleteRoute. A
// route with a gateway has universe scope; one without, link scope.
// Adjust the rest (Table, Priority, Metrics...) on the result.
func NewRoute(dst netip.Prefix, gateway netip.Addr, oif uint32) *Route {
	dst = dst.Masked()
	a := dst.Addr().Unmap()
	r := &Route{
		Header: RtMsg{
			Family: addrFamily(a), DstLen: uint8(dst.Bits()), Table: TableMain,
			Protocol: ProtoStatic, Scope: ScopeLink, Type: RouteTypeUnicast,
		},
		OIF:     oif,
		Gateway: gateway,
	}
	if dst.Bits() > 0 {
		r.Dst = a
	}
	if gateway.IsValid() {
		r.Header.Scope = ScopeUniverse
	}
	return r
}

// SrcPrefix returns the source prefix; ::/0 (or 0.0.0.0/0) when the
// route has none.
func (r *Route) SrcPrefix() netip.Prefix {
	return routePrefix(r.Header.Family, r.Src, r.Header.SrcLen)
}

func routePrefix(family uint8, a netip.Addr, bits uint8) netip.Prefix {
	if !a.IsValid() {
		switch family {
		case unix.AF_INET:
			a = netip.IPv4Unspecified()
		case unix.AF_INET6:
			a = netip.IPv6Unspecified()
		default:
			return netip.Prefix{}
		}
	}
	return netip.PrefixFrom(a, int(bits))
}

// RouteType is a route's type (rtm_type: RTN_*).
type RouteType uint8

// Route types (RTN_*, <linux/rtnetlink.h>).
const (
	RouteTypeUnspec      RouteType = 0  // RTN_UNSPEC
	RouteTypeUnicast     RouteType = 1  // RTN_UNICAST: a gateway or direct route
	RouteTypeLocal       RouteType = 2  // RTN_LOCAL: accept locally
	RouteTypeBroadcast   RouteType = 3  // RTN_BROADCAST: accept locally as broadcast, send as broadcast
	RouteTypeAnycast     RouteType = 4  // RTN_ANYCAST: accept locally as broadcast, send as unicast
	RouteTypeMulticast   RouteType = 5  // RTN_MULTICAST
	RouteTypeBlackhole   RouteType = 6  // RTN_BLACKHOLE: drop
	RouteTypeUnreachable RouteType = 7  // RTN_UNREACHABLE: the destination is unreachable
	RouteTypeProhibit    RouteType = 8  // RTN_PROHIBIT: administratively prohibited
	RouteTypeThrow       RouteType = 9  // RTN_THROW: not in this table
	RouteTypeNAT         RouteType = 10 // RTN_NAT
	RouteTypeXResolve    RouteType = 11 // RTN_XRESOLVE: use an external resolver
)

// RouteProtocol says who added a route (rtm_protocol: RTPROT_*).
type RouteProtocol uint8

// Route protocols (RTPROT_*, <linux/rtnetlink.h>). The kernel interprets
// only those up to RTPROT_STATIC; the others are for routing daemons.
const (
	ProtoUnspec     RouteProtocol = 0   // RTPROT_UNSPEC
	ProtoRedirect   RouteProtocol = 1   // RTPROT_REDIRECT: by an ICMP redirect
	ProtoKernel     RouteProtocol = 2   // RTPROT_KERNEL: by the kernel
	ProtoBoot       RouteProtocol = 3   // RTPROT_BOOT: during boot (ip route's default)
	ProtoStatic     RouteProtocol = 4   // RTPROT_STATIC: by the administrator
	ProtoGated      RouteProtocol = 8   // RTPROT_GATED
	ProtoRA         RouteProtocol = 9   // RTPROT_RA: router advertisements
	ProtoMRT        RouteProtocol = 10  // RTPROT_MRT
	ProtoZebra      RouteProtocol = 11  // RTPROT_ZEBRA
	ProtoBird       RouteProtocol = 12  // RTPROT_BIRD
	ProtoDNRouted   RouteProtocol = 13  // RTPROT_DNROUTED
	ProtoXORP       RouteProtocol = 14  // RTPROT_XORP
	ProtoNTK        RouteProtocol = 15  // RTPROT_NTK
	ProtoDHCP       RouteProtocol = 16  // RTPROT_DHCP
	ProtoMRouted    RouteProtocol = 17  // RTPROT_MROUTED
	ProtoKeepalived RouteProtocol = 18  // RTPROT_KEEPALIVED
	ProtoBabel      RouteProtocol = 42  // RTPROT_BABEL
	ProtoOpenR      RouteProtocol = 99  // RTPROT_OPENR
	ProtoBGP        RouteProtocol = 186 // RTPROT_BGP
	ProtoISIS       RouteProtocol = 187 // RTPROT_ISIS
	ProtoOSPF       RouteProtocol = 188 // RTPROT_OSPF
	ProtoRIP        RouteProtocol = 189 // RTPROT_RIP
	ProtoEIGRP      RouteProtocol = 192 // RTPROT_EIGRP
)

// Routing tables (enum rt_class_t, <linux/rtnetlink.h>). They are
// untyped: rtm_table is 8 bits, RTA_TABLE 32.
const (
	TableUnspec  = 0   // RT_TABLE_UNSPEC: in a dump, every table
	TableCompat  = 252 // RT_TABLE_COMPAT: rtm_table of tables over 255
	TableDefault = 253 // RT_TABLE_DEFAULT
	TableMain    = 254 // RT_TABLE_MAIN
	TableLocal   = 255 // RT_TABLE_LOCAL
)

// RouteFlags are rtm_flags: RTM_F_* request and reply flags, and the
// RTNH_F_* next-hop flags of a single-path route.
type RouteFlags uint32

// Route flags (RTNH_F_* and RTM_F_*, <linux/rtnetlink.h>).
const (
	RouteFlagDead         RouteFlags = 1          // RTNH_F_DEAD: the next hop is dead
	RouteFlagPervasive    RouteFlags = 2          // RTNH_F_PERVASIVE: recursive gateway lookup
	RouteFlagOnlink       RouteFlags = 4          // RTNH_F_ONLINK: the gateway is on the link
	RouteFlagOffload      RouteFlags = 8          // RTNH_F_OFFLOAD: the next hop is offloaded
	RouteFlagLinkDown     RouteFlags = 16         // RTNH_F_LINKDOWN: carrier down on the next hop
	RouteFlagUnresolved   RouteFlags = 32         // RTNH_F_UNRESOLVED (ipmr)
	RouteFlagTrap         RouteFlags = 64         // RTNH_F_TRAP: the next hop traps packets
	RouteFlagNotify       RouteFlags = 0x100      // RTM_F_NOTIFY: notify the user of changes
	RouteFlagCloned       RouteFlags = 0x200      // RTM_F_CLONED: a cloned (cached) route
	RouteFlagEqualize     RouteFlags = 0x400      // RTM_F_EQUALIZE
	RouteFlagPrefix       RouteFlags = 0x800      // RTM_F_PREFIX: a prefix address's route
	RouteFlagLookupTable  RouteFlags = 0x1000     // RTM_F_LOOKUP_TABLE: RouteGet reports the table it used
	RouteFlagFIBMatch     RouteFlags = 0x2000     // RTM_F_FIB_MATCH: RouteGet returns the matching FIB entry
	RouteFlagRouteOffload RouteFlags = 0x4000     // RTM_F_OFFLOAD: the route is offloaded
	RouteFlagRouteTrap    RouteFlags = 0x8000     // RTM_F_TRAP: the route traps packets
	RouteFlagOffloadFail  RouteFlags = 0x20000000 // RTM_F_OFFLOAD_FAILED
)

// RoutePref is an IPv6 route's router preference (RTA_PREF:
// ICMPV6_ROUTER_PREF_*, <linux/icmpv6.h>).
type RoutePref uint8

// Router preferences (ICMPV6_ROUTER_PREF_*).
const (
	PrefMedium RoutePref = 0 // ICMPV6_ROUTER_PREF_MEDIUM
	PrefHigh   RoutePref = 1 // ICMPV6_ROUTER_PREF_HIGH
	PrefLow    RoutePref = 3 // ICMPV6_ROUTER_PREF_LOW
)

// routeDumpReq is the body of an RTM_GETROUTE dump: just the header,
// whose family filters.
type routeDumpReq struct {
	Header RtMsg `nl:"header"`
}

// Routes lists the routes of every table, of one address family
// (unix.AF_INET, unix.AF_INET6), or of all for 0 (which includes the
// multicast routing families, RTNL_FAMILY_IPMR and RTNL_FAMILY_IP6MR).
// Cached (cloned) routes are not listed.
func (c *Conn) Routes(ctx context.Context, family uint8) ([]Route, error) {
	return dump[Route](ctx, c, unix.RTM_GETROUTE, &routeDumpReq{Header: RtMsg{Family: family}}, "list routes")
}

// AddRoute adds a route (RTM_NEWROUTE with NLM_F_CREATE|NLM_F_EXCL); it
// fails with EEXIST when the table has it already. The kernel needs
// Header.Type (RouteTypeUnicast for a gateway or direct route) and a
// scope that fits it: ScopeUniverse for a route via a gateway, ScopeLink
// for a direct route, as ip route chooses. Header.Table 0 means the main
// table; set Table for ids over 255.
func (c *Conn) AddRoute(ctx context.Context, r *Route) error {
	return exec(ctx, c, unix.RTM_NEWROUTE, flagCreate|flagExcl, r, routeWhat("add", r))
}

// ReplaceRoute adds a route, or replaces the one the table has for the
// same destination, TOS and priority (RTM_NEWROUTE with
// NLM_F_CREATE|NLM_F_REPLACE).
func (c *Conn) ReplaceRoute(ctx context.Context, r *Route) error {
	return exec(ctx, c, unix.RTM_NEWROUTE, flagCreate|flagReplace, r, routeWhat("replace", r))
}

// DeleteRoute removes a route (RTM_DELROUTE); it fails with ESRCH when
// there is none. The kernel matches the destination and table, and each
// of type, protocol, priority, gateway and link that is set; IPv4 also
// matches the scope unless it is ScopeNowhere (ip route del sends
// ScopeNowhere). A Route from Routes deletes itself.
func (c *Conn) DeleteRoute(ctx context.Context, r *Route) error {
	return exec(ctx, c, unix.RTM_DELROUTE, 0, r, routeWhat("delete", r))
}

// RouteGet asks the kernel which route it would use to send to dst
// (RTM_GETROUTE for that address), as ip route get does: the reply has
// the output link, gateway and preferred source. It asks for the table
// the lookup used (RTM_F_LOOKUP_TABLE), which the reply's Table holds;
// without that flag IPv4 reports the main table whatever it used. It
// fails with ENETUNREACH when no route matches.
func (c *Conn) RouteGet(ctx context.Context, dst netip.Addr) (*Route, error) {
	return c.RouteLookup(ctx, &Route{Dst: dst})
}

// RouteLookup asks the kernel which route it would use for the lookup
// that req describes (RTM_GETROUTE): req.Dst (required), and any of
// req.Src, IIF, OIF, Mark, UID and Header.TOS, as ip route get's from,
// iif, oif, mark, uid and tos do. Header.Family and DstLen are filled in
// from Dst when zero; req is not modified.
func (c *Conn) RouteLookup(ctx context.Context, req *Route) (*Route, error) {
	q := *req
	q.Dst = q.Dst.Unmap()
	if !q.Dst.IsValid() {
		return nil, fmt.Errorf("rt: get route: no destination")
	}
	if q.Header.Family == 0 {
		q.Header.Family = addrFamily(q.Dst)
	}
	if q.Header.DstLen == 0 {
		q.Header.DstLen = uint8(q.Dst.BitLen())
	}
	if q.Src.IsValid() && q.Header.SrcLen == 0 {
		q.Src = q.Src.Unmap()
		q.Header.SrcLen = uint8(q.Src.BitLen())
	}
	q.Header.Flags |= RouteFlagLookupTable
	var r Route
	if err := get(ctx, c, unix.RTM_GETROUTE, &q, &r, fmt.Sprintf("get route to %s", q.Dst)); err != nil {
		return nil, err
	}
	return &r, nil
}

// routeWhat names a route request in errors.
func routeWhat(verb string, r *Route) string {
	s := fmt.Sprintf("%s route %s", verb, r.DstPrefix())
	if r.Gateway.IsValid() {
		s += " via " + r.Gateway.String()
	}
	if r.OIF != 0 {
		s += fmt.Sprintf(" dev %d", r.OIF)
	}
	if t := r.TableID(); t != 0 {
		s += fmt.Sprintf(" table %d", t)
	}
	return s
}

// routeTypeNames are ip route's names of the route types.
var routeTypeNames = [...]string{"unspec", "unicast", "local", "broadcast", "anycast", "multicast", "blackhole", "unreachable", "prohibit", "throw", "nat", "xresolve"}

// String returns ip route's name of t, such as "unicast", or its number.
func (t RouteType) String() string {
	if int(t) < len(routeTypeNames) {
		return routeTypeNames[t]
	}
	return strconv.Itoa(int(t))
}

// routeProtoNames are iproute2's names of the protocols (its rt_protos
// file, which has no name for RTPROT_MROUTED).
var routeProtoNames = map[RouteProtocol]string{
	ProtoUnspec: "unspec", ProtoRedirect: "redirect", ProtoKernel: "kernel", ProtoBoot: "boot", ProtoStatic: "static",
	ProtoGated: "gated", ProtoRA: "ra", ProtoMRT: "mrt", ProtoZebra: "zebra", ProtoBird: "bird", ProtoDNRouted: "dnrouted",
	ProtoXORP: "xorp", ProtoNTK: "ntk", ProtoDHCP: "dhcp", ProtoKeepalived: "keepalived",
	ProtoBabel: "babel", ProtoOpenR: "openr", ProtoBGP: "bgp", ProtoISIS: "isis", ProtoOSPF: "ospf", ProtoRIP: "rip",
	ProtoEIGRP: "eigrp",
}

// String returns iproute2's name of p, such as "kernel", or its number.
func (p RouteProtocol) String() string {
	if s, ok := routeProtoNames[p]; ok {
		return s
	}
	return strconv.Itoa(int(p))
}

// String returns ip route's name of p: "medium", "high", "low", or its
// number.
func (p RoutePref) String() string {
	switch p {
	case PrefMedium:
		return "medium"
	case PrefHigh:
		return "high"
	case PrefLow:
		return "low"
	}
	return strconv.Itoa(int(p))
}
