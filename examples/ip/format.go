package main

// The text output, field by field as iproute2 6.x prints it (ip/ipaddress.c,
// ip/iproute.c, ip/ipneigh.c, ip/iprule.c), for the fields rt decodes.

import (
	"fmt"
	"net/netip"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"

	"github.com/nlstruct/nlstruct/families/rt"
)

// linkLine is the line of ip -br link for l, then its kind and master:
// name, state, MAC address, flags. With columns, the name and state are
// padded as ip -br pads them.
func (a *app) linkLine(l *rt.Link, columns bool) string {
	f := []string{a.linkName(l), l.OperState.String()}
	if columns {
		f = []string{fmt.Sprintf("%-16s %-14s", f[0], f[1])}
	}
	if len(l.Address) > 0 {
		f = append(f, l.Address.String())
	}
	f = append(f, "<"+linkFlags(l.Header.Flags, a.lowerDown(l))+">")
	if l.Info != nil && l.Info.Kind != "" {
		f = append(f, l.Info.Kind)
	}
	if l.Master != nil && *l.Master != 0 {
		f = append(f, "master", a.ifname(*l.Master))
	}
	return strings.Join(f, " ")
}

// linkName is the name as ip shows it: with "@" and the lower device (a
// vlan's parent, a veth's peer) when there is one, which is "ifN" when
// it is in another namespace.
func (a *app) linkName(l *rt.Link) string {
	switch {
	case l.ParentIndex == 0 || l.ParentIndex == l.Header.Index:
		return l.Name
	case l.LinkNetNSID != nil:
		return fmt.Sprintf("%s@if%d", l.Name, l.ParentIndex)
	}
	return l.Name + "@" + a.ifname(l.ParentIndex)
}

// lowerDown says whether l's lower device, in this namespace, is down
// (ip's M-DOWN).
func (a *app) lowerDown(l *rt.Link) bool {
	if l.ParentIndex == 0 || l.ParentIndex == l.Header.Index || l.LinkNetNSID != nil {
		return false
	}
	p, ok := a.links[l.ParentIndex]
	return ok && p.flags&unix.IFF_UP == 0
}

// linkFlagNames are the IFF_* flags in the order ip prints them.
var linkFlagNames = []struct {
	flag uint32
	name string
}{
	{unix.IFF_LOOPBACK, "LOOPBACK"},
	{unix.IFF_BROADCAST, "BROADCAST"},
	{unix.IFF_POINTOPOINT, "POINTOPOINT"},
	{unix.IFF_MULTICAST, "MULTICAST"},
	{unix.IFF_NOARP, "NOARP"},
	{unix.IFF_ALLMULTI, "ALLMULTI"},
	{unix.IFF_PROMISC, "PROMISC"},
	{unix.IFF_MASTER, "MASTER"},
	{unix.IFF_SLAVE, "SLAVE"},
	{unix.IFF_DEBUG, "DEBUG"},
	{unix.IFF_DYNAMIC, "DYNAMIC"},
	{unix.IFF_AUTOMEDIA, "AUTOMEDIA"},
	{unix.IFF_PORTSEL, "PORTSEL"},
	{unix.IFF_NOTRAILERS, "NOTRAILERS"},
	{unix.IFF_UP, "UP"},
	{unix.IFF_LOWER_UP, "LOWER_UP"},
	{unix.IFF_DORMANT, "DORMANT"},
	{unix.IFF_ECHO, "ECHO"},
}

// linkFlags names the flags as ip does: NO-CARRIER for a link up without
// IFF_RUNNING, then the flags, leftover bits in hex, and M-DOWN.
func linkFlags(flags uint32, lowerDown bool) string {
	var names []string
	if flags&unix.IFF_UP != 0 && flags&unix.IFF_RUNNING == 0 {
		names = append(names, "NO-CARRIER")
	}
	flags &^= unix.IFF_RUNNING
	for _, f := range linkFlagNames {
		if flags&f.flag != 0 {
			names = append(names, f.name)
			flags &^= f.flag
		}
	}
	if flags != 0 {
		names = append(names, strconv.FormatUint(uint64(flags), 16))
	}
	if lowerDown {
		names = append(names, "M-DOWN")
	}
	return strings.Join(names, ",")
}

// addrString is an address as ip -br addr shows it: 10.0.0.1/24, or
// 10.0.0.1 peer 10.0.0.2/32 on a point-to-point link.
func addrString(ad *rt.Address) string {
	bits := strconv.Itoa(int(ad.Header.PrefixLen))
	if ad.Local.IsValid() && ad.Address.IsValid() && ad.Local != ad.Address {
		return ad.Local.String() + " peer " + ad.Address.String() + "/" + bits
	}
	return ad.Addr().String() + "/" + bits
}

// addrLine is an address event's line: the link, family, address and
// scope.
func (a *app) addrLine(ad *rt.Address) string {
	fam := "inet"
	if ad.Header.Family == unix.AF_INET6 {
		fam = "inet6"
	}
	return fmt.Sprintf("%s %s %s scope %s", a.ifname(int32(ad.Header.Index)), fam, addrString(ad), ad.Header.Scope)
}

// words builds a line of space-separated words.
type words []string

func (w *words) add(s ...string) { *w = append(*w, s...) }

func (w words) String() string { return strings.Join(w, " ") }

// hostOrPrefix is a as ip prints a destination: without the length when
// it is a host's, else as a prefix.
func hostOrPrefix(a netip.Addr, bits uint8) string {
	if int(bits) == a.BitLen() {
		return a.String()
	}
	return fmt.Sprintf("%s/%d", a, bits)
}

// tableName is ip's name of a routing table: local, main, default, or
// its number.
func tableName(t uint32) string {
	switch t {
	case rt.TableLocal:
		return "local"
	case rt.TableMain:
		return "main"
	case rt.TableDefault:
		return "default"
	}
	return strconv.FormatUint(uint64(t), 10)
}

// routeFlagNames are the next-hop and route flags in ip's order.
var routeFlagNames = []struct {
	flag rt.RouteFlags
	name string
}{
	{rt.RouteFlagDead, "dead"},
	{rt.RouteFlagOnlink, "onlink"},
	{rt.RouteFlagPervasive, "pervasive"},
	{rt.RouteFlagOffload, "offload"},
	{rt.RouteFlagTrap, "trap"},
	{rt.RouteFlagNotify, "notify"},
	{rt.RouteFlagLinkDown, "linkdown"},
	{rt.RouteFlagUnresolved, "unresolved"},
	{rt.RouteFlagRouteOffload, "rt_offload"},
	{rt.RouteFlagRouteTrap, "rt_trap"},
	{rt.RouteFlagOffloadFail, "rt_offload_failed"},
}

// userHZ is the kernel's USER_HZ, the unit of route cache times.
const userHZ = 100

// routeLine is r as ip route prints it. showTable adds "table T" for
// tables other than main (ip does when it lists every table).
func (a *app) routeLine(r *rt.Route, showTable bool) string {
	h := &r.Header
	var w words
	if h.Type != rt.RouteTypeUnicast {
		w.add(h.Type.String())
	}
	switch {
	case r.Dst.IsValid():
		w.add(hostOrPrefix(r.Dst, h.DstLen))
	case h.DstLen != 0:
		w.add(fmt.Sprintf("0/%d", h.DstLen))
	default:
		w.add("default")
	}
	switch {
	case r.Src.IsValid():
		w.add("from", hostOrPrefix(r.Src, h.SrcLen))
	case h.SrcLen != 0:
		w.add(fmt.Sprintf("from 0/%d", h.SrcLen))
	}
	if r.NHID != 0 {
		w.add("nhid", strconv.FormatUint(uint64(r.NHID), 10))
	}
	if r.EncapType != 0 {
		w.add("encap", strconv.Itoa(int(r.EncapType)))
	}
	if h.TOS != 0 {
		w.add("tos", fmt.Sprintf("0x%02x", h.TOS))
	}
	if r.Gateway.IsValid() {
		w.add("via", r.Gateway.String())
	}
	if r.Via != nil {
		fam := "inet"
		if r.Via.Addr.Is6() {
			fam = "inet6"
		}
		w.add("via", fam, r.Via.Addr.String())
	}
	if r.OIF != 0 {
		w.add("dev", a.ifname(int32(r.OIF)))
	}
	if t := r.TableID(); showTable && t != rt.TableMain && t != 0 {
		w.add("table", tableName(t))
	}
	if h.Flags&rt.RouteFlagCloned == 0 {
		if h.Protocol != rt.ProtoBoot {
			w.add("proto", h.Protocol.String())
		}
		if h.Scope != rt.ScopeUniverse {
			w.add("scope", h.Scope.String())
		}
	}
	if r.PrefSrc.IsValid() {
		w.add("src", r.PrefSrc.String())
	}
	if r.Priority != nil {
		w.add("metric", strconv.FormatUint(uint64(*r.Priority), 10))
	}
	for _, f := range routeFlagNames {
		if h.Flags&f.flag != 0 {
			w.add(f.name)
		}
	}
	if r.Mark != 0 {
		if r.Mark >= 16 {
			w.add("mark", fmt.Sprintf("0x%x", r.Mark))
		} else {
			w.add("mark", strconv.FormatUint(uint64(r.Mark), 10))
		}
	}
	if r.Flow != 0 {
		if from := r.Flow >> 16; from != 0 {
			w.add("realms", fmt.Sprintf("%d/%d", from, r.Flow&0xffff))
		} else {
			w.add("realm", strconv.FormatUint(uint64(r.Flow), 10))
		}
	}
	if r.UID != nil {
		w.add("uid", strconv.FormatUint(uint64(*r.UID), 10))
	}
	if r.CacheInfo != nil && r.CacheInfo.Expires != 0 {
		w.add("expires", fmt.Sprintf("%dsec", r.CacheInfo.Expires/userHZ))
	}
	if r.Metrics != nil {
		w.add(metricWords(r.Metrics)...)
	}
	if r.IIF != 0 {
		w.add("iif", a.ifname(int32(r.IIF)))
	}
	for _, h := range r.MultiPath {
		// ip prints each on a line of its own; here they follow on one.
		w.add("nexthop")
		if h.Gateway.IsValid() {
			w.add("via", h.Gateway.String())
		}
		w.add("dev", a.ifname(h.Header.IfIndex), "weight", strconv.Itoa(h.Weight()))
	}
	if r.Pref != nil {
		w.add("pref", r.Pref.String())
	}
	return w.String()
}

// metricWords are the route metrics ip prints, in RTAX order. Times
// (rtt, rttvar, rto_min) are left out: the kernel keeps them in its own
// units.
func metricWords(m *rt.RouteMetrics) []string {
	var w words
	for _, x := range []struct {
		rtax int
		name string
		v    uint32
	}{
		{unix.RTAX_MTU, "mtu", m.MTU},
		{unix.RTAX_WINDOW, "window", m.Window},
		{unix.RTAX_SSTHRESH, "ssthresh", m.SSThresh},
		{unix.RTAX_CWND, "cwnd", m.CWnd},
		{unix.RTAX_ADVMSS, "advmss", m.AdvMSS},
		{unix.RTAX_REORDERING, "reordering", m.Reordering},
		{unix.RTAX_HOPLIMIT, "hoplimit", m.HopLimit},
		{unix.RTAX_INITCWND, "initcwnd", m.InitCWnd},
		{unix.RTAX_INITRWND, "initrwnd", m.InitRWnd},
		{unix.RTAX_QUICKACK, "quickack", m.QuickAck},
		{unix.RTAX_FASTOPEN_NO_COOKIE, "fastopen_no_cookie", m.FastOpenNoCookie},
	} {
		if x.v == 0 || (x.rtax == unix.RTAX_HOPLIMIT && x.v == ^uint32(0)) {
			continue
		}
		w.add(x.name)
		if m.Lock&(1<<x.rtax) != 0 {
			w.add("lock")
		}
		w.add(strconv.FormatUint(uint64(x.v), 10))
	}
	if m.CCAlgo != "" {
		w.add("congctl", m.CCAlgo)
	}
	return w
}

// neighShown says whether ip neigh shows n: entries in a state other
// than NOARP, and proxy and externally learned ones.
func neighShown(n *rt.Neighbour) bool {
	return n.Header.State&^rt.NUDNoARP&0xff != 0 || n.Header.Flags&(rt.NTFProxy|rt.NTFExtLearned) != 0
}

// neighLine is n as ip neigh prints it.
func (a *app) neighLine(n *rt.Neighbour) string {
	var w words
	if n.Dst.IsValid() {
		w.add(n.Dst.String())
	}
	if n.Header.Ifindex != 0 {
		w.add("dev", a.ifname(n.Header.Ifindex))
	}
	if n.LLAddr != nil {
		w.add("lladdr", n.LLAddr.String())
	}
	for _, f := range []struct {
		flag rt.NeighFlags
		name string
	}{
		{rt.NTFRouter, "router"},
		{rt.NTFProxy, "proxy"},
		{rt.NTFExtLearned, "extern_learn"},
		{rt.NTFOffloaded, "offload"},
	} {
		if n.Header.Flags&f.flag != 0 {
			w.add(f.name)
		}
	}
	if n.Protocol != 0 {
		w.add("proto", rt.RouteProtocol(n.Protocol).String())
	}
	if n.Header.State != rt.NUDNone {
		w.add(strings.Split(n.Header.State.String(), "|")...)
	}
	return w.String()
}

// ruleLine is r as ip rule prints it: "PRIO:\tSELECTOR ACTION".
func ruleLine(r *rt.Rule) string {
	var prio uint32
	if r.Priority != nil {
		prio = *r.Priority
	}
	h := &r.Header
	var w words
	if h.Flags&rt.FIBRuleInvert != 0 {
		w.add("not")
	}
	switch {
	case r.Src.IsValid():
		w.add("from", hostOrPrefix(r.Src, h.SrcLen))
	case h.SrcLen != 0:
		w.add(fmt.Sprintf("from 0/%d", h.SrcLen))
	default:
		w.add("from", "all")
	}
	switch {
	case r.Dst.IsValid():
		w.add("to", hostOrPrefix(r.Dst, h.DstLen))
	case h.DstLen != 0:
		w.add(fmt.Sprintf("to 0/%d", h.DstLen))
	}
	if h.TOS != 0 {
		w.add("tos", fmt.Sprintf("0x%02x", h.TOS))
	}
	if r.DSCP != nil {
		w.add("dscp", strconv.Itoa(int(*r.DSCP)))
	}
	if r.FwMark != 0 || r.FwMask != 0 {
		if r.FwMask != 0xffffffff {
			w.add("fwmark", cHex(r.FwMark)+"/"+cHex(r.FwMask))
		} else {
			w.add("fwmark", cHex(r.FwMark))
		}
	}
	if r.IIFName != "" {
		w.add("iif", r.IIFName)
		if h.Flags&rt.FIBRuleIIFDetached != 0 {
			w.add("[detached]")
		}
	}
	if r.OIFName != "" {
		w.add("oif", r.OIFName)
		if h.Flags&rt.FIBRuleOIFDetached != 0 {
			w.add("[detached]")
		}
	}
	if r.L3MDev != 0 {
		w.add("lookup", "[l3mdev-table]")
	}
	if r.UIDRange != nil {
		w.add("uidrange", fmt.Sprintf("%d-%d", r.UIDRange.Start, r.UIDRange.End))
	}
	if r.IPProto != 0 {
		w.add("ipproto", ipProtoName(r.IPProto))
	}
	if p := r.SportRange; p != nil {
		w.add("sport", portRange(p))
	}
	if p := r.DportRange; p != nil {
		w.add("dport", portRange(p))
	}
	if r.TunID != 0 {
		w.add("tun_id", strconv.FormatUint(r.TunID, 10))
	}
	table := r.Table
	if table == 0 {
		table = uint32(h.Table)
	}
	if table != 0 {
		w.add("lookup", tableName(table))
		if p := r.SuppressPrefixLen; p != nil && *p != -1 {
			w.add("suppress_prefixlength", strconv.Itoa(int(*p)))
		}
		if g := r.SuppressIfgroup; g != nil && *g != -1 {
			w.add("suppress_ifgroup", strconv.Itoa(int(*g)))
		}
	}
	if r.Flow != 0 {
		if from := r.Flow >> 16; from != 0 {
			w.add("realms", fmt.Sprintf("%d/%d", from, r.Flow&0xffff))
		} else {
			w.add("realms", strconv.FormatUint(uint64(r.Flow), 10))
		}
	}
	switch h.Action {
	case rt.FRActToTbl:
	case rt.FRActGoto:
		if r.Goto != 0 {
			w.add("goto", strconv.FormatUint(uint64(r.Goto), 10))
		} else {
			w.add("goto", "none")
		}
		if h.Flags&rt.FIBRuleUnresolved != 0 {
			w.add("[unresolved]")
		}
	default:
		w.add(h.Action.String())
	}
	if r.Protocol != 0 && rt.RouteProtocol(r.Protocol) != rt.ProtoKernel {
		w.add("proto", rt.RouteProtocol(r.Protocol).String())
	}
	return fmt.Sprintf("%d:\t%s", prio, w)
}

// cHex is v as C's "%#x" prints it: 0 without the 0x.
func cHex(v uint32) string {
	if v == 0 {
		return "0"
	}
	return fmt.Sprintf("%#x", v)
}

// portRange is "N" or "N-M".
func portRange(p *rt.FibRulePortRange) string {
	if p.Start == p.End {
		return strconv.Itoa(int(p.Start))
	}
	return fmt.Sprintf("%d-%d", p.Start, p.End)
}

// ipProtoName names the common IP protocols as /etc/protocols does.
func ipProtoName(p uint8) string {
	switch p {
	case unix.IPPROTO_ICMP:
		return "icmp"
	case unix.IPPROTO_TCP:
		return "tcp"
	case unix.IPPROTO_UDP:
		return "udp"
	case unix.IPPROTO_ICMPV6:
		return "ipv6-icmp"
	case unix.IPPROTO_SCTP:
		return "sctp"
	}
	return strconv.Itoa(int(p))
}
