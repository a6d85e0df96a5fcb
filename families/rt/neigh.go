package rt

import (
	"context"
	"fmt"
	"net"
	"net/netip"
	"strings"

	"golang.org/x/sys/unix"

	"github.com/nlstruct/nlstruct/nlattr"
)

// NdMsg is struct ndmsg, the fixed header of neighbour messages
// (RTM_NEWNEIGH, RTM_DELNEIGH, RTM_GETNEIGH).
type NdMsg struct {
	Family  uint8      // ndm_family: AF_INET, AF_INET6, AF_BRIDGE...
	_       uint8      // ndm_pad1
	_       uint16     // ndm_pad2
	Ifindex int32      // ndm_ifindex
	State   NeighState // ndm_state: NUD_*
	Flags   NeighFlags // ndm_flags: NTF_*
	Type    uint8      // ndm_type: RTN_* (RTN_UNICAST for most entries)
}

// NdaCacheInfo is struct nda_cacheinfo (NDA_CACHEINFO): ages in clock
// ticks (USER_HZ) and a reference count.
type NdaCacheInfo struct {
	Confirmed uint32 // ndm_confirmed
	Used      uint32 // ndm_used
	Updated   uint32 // ndm_updated
	Refcnt    uint32 // ndm_refcnt
}

// Neighbour is a neighbour table entry (ARP, NDP) or, in family
// AF_BRIDGE, a forwarding database entry: the message of RTM_NEWNEIGH,
// RTM_DELNEIGH and RTM_GETNEIGH (neighbour-attrs in rt-neigh.yaml).
//
// Attributes whose zero value the kernel sends and means (NDA_PROBES,
// NDA_LINK_NETNSID) are pointers; the others are left out when zero.
type Neighbour struct {
	Header NdMsg `nl:"header"`
	// Dst is the neighbour's protocol address (NDA_DST).
	Dst netip.Addr `nl:"type=1"`
	// LLAddr is its link-layer address (NDA_LLADDR).
	LLAddr net.HardwareAddr `nl:"type=2"`
	// CacheInfo is sent by the kernel (NDA_CACHEINFO).
	CacheInfo *NdaCacheInfo `nl:"type=3"`
	// Probes counts the probes sent (NDA_PROBES).
	Probes *uint32 `nl:"type=4"`
	// VLAN is a bridge fdb entry's VLAN id (NDA_VLAN).
	VLAN uint16 `nl:"type=5,omitempty"`
	// Port is a VXLAN fdb entry's UDP destination port (NDA_PORT).
	Port uint16 `nl:"type=6,be,omitempty"`
	// VNI is a VXLAN fdb entry's VNI (NDA_VNI).
	VNI uint32 `nl:"type=7,omitempty"`
	// Ifindex is a VXLAN fdb entry's outgoing device (NDA_IFINDEX).
	Ifindex uint32 `nl:"type=8,omitempty"`
	// Master is the ifindex of the bridge of an fdb entry (NDA_MASTER).
	Master uint32 `nl:"type=9,omitempty"`
	// LinkNetNSID is the nsid of the namespace of a VXLAN fdb entry's
	// device (NDA_LINK_NETNSID).
	LinkNetNSID *int32 `nl:"type=10"`
	// SrcVNI is a VXLAN fdb entry's source VNI (NDA_SRC_VNI).
	SrcVNI uint32 `nl:"type=11,omitempty"`
	// Protocol is the entry's originator, RTPROT_* (NDA_PROTOCOL).
	Protocol RouteProtocol `nl:"type=12,omitempty"`
	// NHID is a nexthop id, for fdb entries (NDA_NH_ID).
	NHID uint32 `nl:"type=13,omitempty"`
	// FlagsExt are the extended flags, NTF_EXT_* (NDA_FLAGS_EXT). The
	// bridge sends the attribute even when zero; a zero FlagsExt is not
	// encoded.
	FlagsExt NeighExtFlags `nl:"type=15,omitempty"`
	// Unknown holds the attributes without a field (such as
	// NDA_FDB_EXT_ATTRS), re-encoded as they came.
	Unknown []nlattr.Attr `nl:"unknown"`
}

// NeighState is a neighbour entry's state, ndm_state: a set of NUD_* bits.
type NeighState uint16

// Neighbour states.
const (
	NUDNone       NeighState = 0x00 // NUD_NONE
	NUDIncomplete NeighState = 0x01 // NUD_INCOMPLETE
	NUDReachable  NeighState = 0x02 // NUD_REACHABLE
	NUDStale      NeighState = 0x04 // NUD_STALE
	NUDDelay      NeighState = 0x08 // NUD_DELAY
	NUDProbe      NeighState = 0x10 // NUD_PROBE
	NUDFailed     NeighState = 0x20 // NUD_FAILED
	NUDNoARP      NeighState = 0x40 // NUD_NOARP
	NUDPermanent  NeighState = 0x80 // NUD_PERMANENT
)

var neighStateNames = []neighBitName{
	{uint64(NUDIncomplete), "INCOMPLETE"},
	{uint64(NUDReachable), "REACHABLE"},
	{uint64(NUDStale), "STALE"},
	{uint64(NUDDelay), "DELAY"},
	{uint64(NUDProbe), "PROBE"},
	{uint64(NUDFailed), "FAILED"},
	{uint64(NUDNoARP), "NOARP"},
	{uint64(NUDPermanent), "PERMANENT"},
}

// String returns the states as iproute2 names them, joined by "|"
// ("REACHABLE", "NOARP|PERMANENT"), "NONE" for none, and unnamed bits in
// hex.
func (s NeighState) String() string {
	if s == NUDNone {
		return "NONE"
	}
	return neighBitsString(uint64(s), neighStateNames)
}

// NeighFlags are a neighbour entry's flags, ndm_flags: NTF_* bits.
type NeighFlags uint8

// Neighbour flags.
const (
	NTFUse        NeighFlags = 1 << 0 // NTF_USE
	NTFSelf       NeighFlags = 1 << 1 // NTF_SELF
	NTFMaster     NeighFlags = 1 << 2 // NTF_MASTER
	NTFProxy      NeighFlags = 1 << 3 // NTF_PROXY
	NTFExtLearned NeighFlags = 1 << 4 // NTF_EXT_LEARNED
	NTFOffloaded  NeighFlags = 1 << 5 // NTF_OFFLOADED
	NTFSticky     NeighFlags = 1 << 6 // NTF_STICKY
	NTFRouter     NeighFlags = 1 << 7 // NTF_ROUTER
)

var neighFlagNames = []neighBitName{
	{uint64(NTFUse), "use"},
	{uint64(NTFSelf), "self"},
	{uint64(NTFMaster), "master"},
	{uint64(NTFProxy), "proxy"},
	{uint64(NTFExtLearned), "extern_learn"},
	{uint64(NTFOffloaded), "offload"},
	{uint64(NTFSticky), "sticky"},
	{uint64(NTFRouter), "router"},
}

// String returns the flags joined by "|" with iproute2's names ("self",
// "extern_learn"), "" for none, and unnamed bits in hex.
func (f NeighFlags) String() string { return neighBitsString(uint64(f), neighFlagNames) }

// NeighExtFlags are a neighbour entry's extended flags (NDA_FLAGS_EXT):
// NTF_EXT_* bits.
type NeighExtFlags uint32

// Extended neighbour flags.
const (
	NTFExtManaged      NeighExtFlags = 1 << 0 // NTF_EXT_MANAGED
	NTFExtLocked       NeighExtFlags = 1 << 1 // NTF_EXT_LOCKED
	NTFExtExtValidated NeighExtFlags = 1 << 2 // NTF_EXT_EXT_VALIDATED
)

var neighExtFlagNames = []neighBitName{
	{uint64(NTFExtManaged), "managed"},
	{uint64(NTFExtLocked), "locked"},
	{uint64(NTFExtExtValidated), "extern_valid"},
}

// String returns the flags joined by "|" ("managed"), "" for none, and
// unnamed bits in hex.
func (f NeighExtFlags) String() string { return neighBitsString(uint64(f), neighExtFlagNames) }

// neighBitName names one bit of a flag set.
type neighBitName struct {
	bit  uint64
	name string
}

// neighBitsString joins the names of the bits set in v, and any bits left
// over in hex.
func neighBitsString(v uint64, names []neighBitName) string {
	var parts []string
	for _, n := range names {
		if v&n.bit != 0 {
			parts = append(parts, n.name)
			v &^= n.bit
		}
	}
	if v != 0 {
		parts = append(parts, fmt.Sprintf("%#x", v))
	}
	return strings.Join(parts, "|")
}

// Neighbours lists the neighbour entries of family (unix.AF_INET,
// unix.AF_INET6, or unix.AF_UNSPEC for every neighbour table; with
// unix.AF_BRIDGE, the bridge forwarding database). Proxy entries are not
// in this list: see ProxyNeighbours.
func (c *Conn) Neighbours(ctx context.Context, family uint8) ([]Neighbour, error) {
	return dump[Neighbour](ctx, c, unix.RTM_GETNEIGH, &NdMsg{Family: family}, fmt.Sprintf("list neighbours (family %d)", family))
}

// ProxyNeighbours lists the proxy entries (ip neigh add proxy) of family
// (unix.AF_INET, unix.AF_INET6 or unix.AF_UNSPEC). They carry NTFProxy in
// Header.Flags.
func (c *Conn) ProxyNeighbours(ctx context.Context, family uint8) ([]Neighbour, error) {
	return dump[Neighbour](ctx, c, unix.RTM_GETNEIGH, &NdMsg{Family: family, Flags: NTFProxy}, fmt.Sprintf("list proxy neighbours (family %d)", family))
}

// AddNeighbour adds the entry n (RTM_NEWNEIGH with NLM_F_CREATE and
// NLM_F_EXCL): it fails with EEXIST when there is one for the same
// address. Set Header.Family, Header.Ifindex, Header.State (such as
// NUDPermanent), Dst and LLAddr; Header.Flags NTFProxy makes a proxy entry,
// and Header.Family AF_BRIDGE with LLAddr (and NTFSelf or NTFMaster) an fdb
// entry.
func (c *Conn) AddNeighbour(ctx context.Context, n *Neighbour) error {
	return exec(ctx, c, unix.RTM_NEWNEIGH, flagCreate|flagExcl, n, "add neighbour "+neighDesc(n))
}

// ReplaceNeighbour adds the entry n, or replaces the one for the same
// address (RTM_NEWNEIGH with NLM_F_CREATE and NLM_F_REPLACE).
func (c *Conn) ReplaceNeighbour(ctx context.Context, n *Neighbour) error {
	return exec(ctx, c, unix.RTM_NEWNEIGH, flagCreate|flagReplace, n, "replace neighbour "+neighDesc(n))
}

// DeleteNeighbour deletes the entry n names (RTM_DELNEIGH): the kernel
// finds it by Header.Family, Header.Ifindex, Header.Flags (NTFProxy) and
// Dst, or for an fdb entry by LLAddr and VLAN. An entry read from
// Neighbours can be passed as it is.
func (c *Conn) DeleteNeighbour(ctx context.Context, n *Neighbour) error {
	return exec(ctx, c, unix.RTM_DELNEIGH, 0, n, "delete neighbour "+neighDesc(n))
}

// neighDesc describes n for error messages: "10.0.0.2 lladdr
// 02:00:00:00:00:01 on ifindex 3".
func neighDesc(n *Neighbour) string {
	var sb strings.Builder
	if n.Dst.IsValid() {
		sb.WriteString(n.Dst.String())
	} else {
		fmt.Fprintf(&sb, "(family %d)", n.Header.Family)
	}
	if len(n.LLAddr) > 0 {
		fmt.Fprintf(&sb, " lladdr %s", n.LLAddr)
	}
	if n.VLAN != 0 {
		fmt.Fprintf(&sb, " vlan %d", n.VLAN)
	}
	if n.Header.Flags&NTFProxy != 0 {
		sb.WriteString(" proxy")
	}
	fmt.Fprintf(&sb, " on ifindex %d", n.Header.Ifindex)
	return sb.String()
}
