// Package netdev speaks the kernel's netdev generic netlink family
// ("netdev", Documentation/netlink/specs/netdev.yaml) for its dev
// attribute set: NETDEV_CMD_DEV_GET, which reports a device's XDP and
// AF_XDP capabilities, for one device (do, by ifindex) or every device of
// the namespace (dump).
//
// Messages are tagged structs (see package marshal), without a
// hand-written codec. DevGetRequest matches the kernel's policy, which the
// tests check with genl.Conn.CheckPolicy; Device follows the YAML spec.
// The constants are taken from the YAML spec, since <linux/netdev.h> is
// not installed on the machine this package was written on; they carry
// the generated header's names.
//
// # Client
//
// Client is a thin layer over genl.Get and genl.Dump:
//
//	c, err := genl.Dial(nil)
//	...
//	nd := netdev.New(c)
//	devs, err := nd.Devices(ctx)
//	for _, d := range devs {
//		fmt.Println(d.Ifindex, d.XDPFeatures&netdev.XDPActRedirect != 0)
//	}
//
// Device(ctx, ifindex) gets one device; for an ifindex with no device the
// kernel answers ENODEV (errors.Is(err, unix.ENODEV)) without an extended
// ACK, so the client's error names the field itself
// (DevGetRequest.Ifindex).
package netdev
