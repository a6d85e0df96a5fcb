package rt

import (
	"context"
	"fmt"
	"net/netip"
	"strconv"

	"golang.org/x/sys/unix"

	"github.com/nlstruct/nlstruct/nlattr"
)

// IfAddrMsg is struct ifaddrmsg, the fixed header of address messages
// (RTM_NEWADDR, RTM_DELADDR, RTM_GETADDR).
type IfAddrMsg struct {
	Family    uint8  // ifa_family: unix.AF_INET or unix.AF_INET6
	PrefixLen uint8  // ifa_prefixlen
	Flags     uint8  // ifa_flags: the low 8 bits of AddrFlags (IFA_FLAGS has them all)
	Scope     Scope  // ifa_scope
	Index     uint32 // ifa_index: the link's ifindex
}

// AddrCacheInfo is struct ifa_cacheinfo (IFA_CACHEINFO): an address's
// lifetimes in seconds, and when it was created and last updated.
type AddrCacheInfo struct {
	Preferred uint32 // ifa_prefered: preferred lifetime, LifetimeInfinite for forever
	Valid     uint32 // ifa_valid: valid lifetime, LifetimeInfinite for forever
	Created   uint32 // cstamp: creation time, hundredths of seconds since boot
	Updated   uint32 // tstamp: last update, hundredths of seconds since boot
}

// LifetimeInfinite is the lifetime of an address that does not expire
// (INFINITY_LIFE_TIME in the kernel).
const LifetimeInfinite = 0xffffffff

// Address is an interface address: the message of RTM_NEWADDR,
// RTM_DELADDR and RTM_GETADDR (addr-attrs in rt-addr.yaml).
//
// For IPv4, Local is the interface's own address and Address the peer's
// on a point-to-point link (the same as Local otherwise); IPv6 addresses
// have Address only, unless they have a peer. NewAddress fills both.
// Attributes are left out when zero, except TargetNetNSID, whose zero
// means something.
type Address struct {
	Header IfAddrMsg `nl:"header"`
	// Address is IFA_ADDRESS: the prefix address (the peer's, on a
	// point-to-point link).
	Address netip.Addr `nl:"type=1"`
	// Local is IFA_LOCAL: the local address.
	Local netip.Addr `nl:"type=2"`
	// Label is the IPv4 address label (IFA_LABEL), such as "eth0:1".
	Label string `nl:"type=3,omitempty"`
	// Broadcast is the IPv4 broadcast address (IFA_BROADCAST).
	Broadcast netip.Addr `nl:"type=4"`
	// Anycast is an IPv6 anycast address (IFA_ANYCAST).
	Anycast netip.Addr `nl:"type=5"`
	// CacheInfo holds the lifetimes (IFA_CACHEINFO). Set Preferred and
	// Valid in a request to give the address finite lifetimes.
	CacheInfo *AddrCacheInfo `nl:"type=6"`
	// Multicast is an IPv6 multicast address (IFA_MULTICAST).
	Multicast netip.Addr `nl:"type=7"`
	// Flags are all the address flags (IFA_FLAGS); when present they
	// override Header.Flags.
	Flags AddrFlags `nl:"type=8,omitempty"`
	// RoutePriority is the metric of the prefix route the kernel adds
	// for the address (IFA_RT_PRIORITY).
	RoutePriority uint32 `nl:"type=9,omitempty"`
	// TargetNetNSID names, in a dump request, the namespace (by its nsid)
	// whose addresses to list (IFA_TARGET_NETNSID).
	TargetNetNSID *int32 `nl:"type=10"`
	// Proto says who added the address (IFA_PROTO).
	Proto AddrProto `nl:"type=11,omitempty"`
	// Unknown holds attributes without a field, re-encoded as they came.
	Unknown []nlattr.Attr `nl:"unknown"`
}

// NewAddress returns the Address for prefix (such as 10.0.0.1/24, the
// address and its prefix length) on the link ifindex, for AddAddress and
// DeleteAddress: Local and Address are both the prefix's address.
func NewAddress(ifindex uint32, prefix netip.Prefix) *Address {
	a, bits := prefix.Addr(), prefix.Bits()
	if a.Is4In6() && bits >= 96 {
		// An IPv4-mapped IPv6 prefix (::ffff:10.0.0.1/120) is the IPv4
		// prefix 10.0.0.1/24.
		a, bits = a.Unmap(), bits-96
	}
	return &Address{
		Header:  IfAddrMsg{Family: addrFamily(a), PrefixLen: uint8(max(bits, 0)), Index: ifindex},
		Address: a,
		Local:   a,
	}
}

// Addr returns the address itself: Local when set (IPv4, and IPv6
// addresses with a peer), else Address.
func (a *Address) Addr() netip.Addr {
	if a.Local.IsValid() {
		return a.Local
	}
	return a.Address
}

// Prefix returns the address with its prefix length, such as
// 10.0.0.1/24.
func (a *Address) Prefix() netip.Prefix {
	return netip.PrefixFrom(a.Addr(), int(a.Header.PrefixLen))
}

// AllFlags returns the address's flags: Flags (IFA_FLAGS) when set, else
// the 8 bits of Header.Flags.
func (a *Address) AllFlags() AddrFlags {
	if a.Flags != 0 {
		return a.Flags
	}
	return AddrFlags(a.Header.Flags)
}

// AddrFlags are IFA_F_* address flags.
type AddrFlags uint32

// Address flags (IFA_F_*, <linux/if_addr.h>).
const (
	AddrFlagSecondary      AddrFlags = 0x01  // IFA_F_SECONDARY
	AddrFlagTemporary      AddrFlags = 0x01  // IFA_F_TEMPORARY (IPv6 privacy address)
	AddrFlagNoDAD          AddrFlags = 0x02  // IFA_F_NODAD
	AddrFlagOptimistic     AddrFlags = 0x04  // IFA_F_OPTIMISTIC
	AddrFlagDADFailed      AddrFlags = 0x08  // IFA_F_DADFAILED
	AddrFlagHomeAddress    AddrFlags = 0x10  // IFA_F_HOMEADDRESS
	AddrFlagDeprecated     AddrFlags = 0x20  // IFA_F_DEPRECATED
	AddrFlagTentative      AddrFlags = 0x40  // IFA_F_TENTATIVE
	AddrFlagPermanent      AddrFlags = 0x80  // IFA_F_PERMANENT
	AddrFlagManageTempAddr AddrFlags = 0x100 // IFA_F_MANAGETEMPADDR
	AddrFlagNoPrefixRoute  AddrFlags = 0x200 // IFA_F_NOPREFIXROUTE
	AddrFlagMCAutoJoin     AddrFlags = 0x400 // IFA_F_MCAUTOJOIN
	AddrFlagStablePrivacy  AddrFlags = 0x800 // IFA_F_STABLE_PRIVACY
)

// AddrProto says who added an address (IFA_PROTO: IFAPROT_*).
type AddrProto uint8

// Address protocols (IFAPROT_*, <linux/if_addr.h>).
const (
	AddrProtoUnspec   AddrProto = 0 // IFAPROT_UNSPEC
	AddrProtoKernelLo AddrProto = 1 // IFAPROT_KERNEL_LO: loopback
	AddrProtoKernelRA AddrProto = 2 // IFAPROT_KERNEL_RA: from a router advertisement
	AddrProtoKernelLL AddrProto = 3 // IFAPROT_KERNEL_LL: link-local, by the kernel
)

// Scope is the scope of an address or route (ifa_scope, rtm_scope:
// RT_SCOPE_*); smaller is wider.
type Scope uint8

// Scopes (enum rt_scope_t, <linux/rtnetlink.h>).
const (
	ScopeUniverse Scope = 0   // RT_SCOPE_UNIVERSE: global
	ScopeSite     Scope = 200 // RT_SCOPE_SITE
	ScopeLink     Scope = 253 // RT_SCOPE_LINK
	ScopeHost     Scope = 254 // RT_SCOPE_HOST
	ScopeNowhere  Scope = 255 // RT_SCOPE_NOWHERE
)

// Addresses lists the addresses of every link, of one address family
// (unix.AF_INET, unix.AF_INET6), or of all for 0.
func (c *Conn) Addresses(ctx context.Context, family uint8) ([]Address, error) {
	req := &Address{Header: IfAddrMsg{Family: family}}
	return dump[Address](ctx, c, unix.RTM_GETADDR, req, "list addresses")
}

// AddAddress adds an address (RTM_NEWADDR with NLM_F_CREATE|NLM_F_EXCL);
// it fails with EEXIST when the link has it already.
func (c *Conn) AddAddress(ctx context.Context, a *Address) error {
	return exec(ctx, c, unix.RTM_NEWADDR, flagCreate|flagExcl, a, addrWhat("add", a))
}

// ReplaceAddress adds an address, or changes it (its lifetimes, flags,
// route priority) when the link has it already (RTM_NEWADDR with
// NLM_F_CREATE|NLM_F_REPLACE).
func (c *Conn) ReplaceAddress(ctx context.Context, a *Address) error {
	return exec(ctx, c, unix.RTM_NEWADDR, flagCreate|flagReplace, a, addrWhat("replace", a))
}

// DeleteAddress removes an address (RTM_DELADDR). The kernel finds it by
// link, prefix length and address (and label, if given); it fails with
// EADDRNOTAVAIL when there is none.
func (c *Conn) DeleteAddress(ctx context.Context, a *Address) error {
	return exec(ctx, c, unix.RTM_DELADDR, 0, a, addrWhat("delete", a))
}

// addrWhat names an address request in errors.
func addrWhat(verb string, a *Address) string {
	dir := "to"
	if verb != "add" {
		dir = "on"
	}
	return fmt.Sprintf("%s address %s %s ifindex %d", verb, a.Prefix(), dir, a.Header.Index)
}

// addrFamily returns the address family of a (AF_INET, AF_INET6, or 0
// for an invalid address).
func addrFamily(a netip.Addr) uint8 {
	switch {
	case a.Is4():
		return unix.AF_INET
	case a.Is6():
		return unix.AF_INET6
	}
	return 0
}

// String returns ip's name of s, such as "global" or "link", or its
// number.
func (s Scope) String() string {
	switch s {
	case ScopeUniverse:
		return "global"
	case ScopeSite:
		return "site"
	case ScopeLink:
		return "link"
	case ScopeHost:
		return "host"
	case ScopeNowhere:
		return "nowhere"
	}
	return strconv.Itoa(int(s))
}
