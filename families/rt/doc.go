// Package rt is rtnetlink (NETLINK_ROUTE) as tagged structs: links with
// their kinds, addresses, routes, neighbours and rules, each a Go type
// whose fixed header (ifinfomsg, ifaddrmsg, rtmsg, ndmsg, fib_rule_hdr)
// is a header field and whose attributes are tagged fields, with a thin
// client over one socket.
//
// The layouts and numbers come from the kernel's uapi headers
// (<linux/rtnetlink.h>, <linux/if_link.h>, <linux/if_addr.h>,
// <linux/neighbour.h>, <linux/fib_rules.h>) and its YAML specs (rt-link,
// rt-addr, rt-route, rt-neigh, rt-rule). The package holds no byte codec:
// marshal encodes and decodes every message from the tags.
//
// Open a Conn with Dial (optionally in another network namespace through
// socket.Config), list objects with Links, Addresses, Routes, Neighbours
// and Rules, and change them with the Add, Replace, Set and Delete
// methods; RouteGet and RouteLookup ask which route the kernel would use.
// Errors wrap the kernel's errno (errors.Is(err, unix.EEXIST)) and say
// which request failed, with the Go field the kernel's extended ACK
// points at.
//
// Notifications: Subscribe joins multicast groups (GroupLink,
// GroupIPv4Addr, ...) and its Events stream each change as an Event
// holding the decoded Link, Address, Route, Neighbour or Rule; Watch does
// both in one loop.
//
// Choices a Go user should know:
//   - A request sends only what is set. Attributes whose zero value means
//     something to the kernel (a Priority of 0, Master 0 to leave a
//     bridge) are pointers: new(uint32(0)) sends 0; others are left out
//     when zero. Replies keep the attributes that have no field in an
//     Unknown field, and re-encoding sends them back unchanged.
//   - Interface indexes have the kernel's type in each message (int32 in
//     ifinfomsg and ndmsg, uint32 in ifaddrmsg and route attributes).
//   - Nests the kernel writes without NLA_F_NESTED (IFLA_LINKINFO,
//     RTA_METRICS) are written without it too, so a kernel message
//     re-encodes to its own bytes (but for attribute order).
//   - Link kinds are sub-messages: LinkInfo.Data holds *VethData,
//     *VlanData, *BridgeData, *MacvlanData, *VxlanData or *BondData as
//     Kind says; other packages may register more kinds with
//     marshal.RegisterVariant[LinkData].
package rt
