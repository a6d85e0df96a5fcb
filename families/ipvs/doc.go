// Package ipvs is the kernel's IP Virtual Server (<linux/ip_vs.h>) over
// generic netlink, declared as tagged structs: services (TCP, UDP, SCTP by
// address and port, or by firewall mark; IPv4 and IPv6), destinations with
// every forwarding method and tunnel settings, counters (32- and 64-bit),
// sync daemons, timeouts, info, flush and zero.
//
// Ports are big-endian on the wire (tag be), except the sync daemon's
// multicast port, which the kernel and ipvsadm keep in host byte order.
// Addresses travel in the 16-byte union nf_inet_addr, which is the one
// custom value type here (Address) because its meaning depends on a
// separate family attribute.
// Requests carry only what the kernel's policy accepts (serviceSpec,
// destSpec, daemonSpec); replies decode into Service, Destination and
// Daemon, which add the counters.
package ipvs
