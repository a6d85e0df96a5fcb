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
// methods. Errors wrap the kernel's errno (errors.Is(err, unix.EEXIST))
// and say which request failed, with the Go field the kernel's extended
// ACK points at.
package rt
