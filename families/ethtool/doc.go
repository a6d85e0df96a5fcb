// Package ethtool speaks the kernel's ethtool generic netlink family
// ("ethtool", <linux/ethtool_netlink.h>) for link information, link modes
// and link state: ETHTOOL_MSG_LINKINFO_GET, ETHTOOL_MSG_LINKMODES_GET and
// ETHTOOL_MSG_LINKSTATE_GET, as do (one device) and dump (every device)
// requests.
//
// Every message is a tagged struct (see package marshal); there is no
// hand-written codec. The request types (LinkInfoRequest,
// LinkModesRequest, LinkStateRequest) match the kernel's policies, which
// the tests check with genl.Conn.CheckPolicy; the reply types (LinkInfo,
// LinkModes, LinkState) follow the kernel's YAML spec (ethtool.yaml).
//
// # Client
//
// Client is a thin layer over genl.Get and genl.Dump:
//
//	c, err := genl.Dial(nil)
//	...
//	et := ethtool.New(c)
//	lm, err := et.LinkModes(ctx, "eth0")
//	fmt.Println(lm.Speed, lm.Duplex, lm.Ours.Names())
//
// For what the client does not cover (a device by index, compact bit sets
// for one device), send the request types with genl.Get or genl.Dump:
//
//	var lm ethtool.LinkModes
//	_, err := genl.Get(ctx, c, ethtool.Family, genl.Request{
//		Command: ethtool.MsgLinkModesGet,
//		Body:    &ethtool.LinkModesRequest{Header: ethtool.Header{DevIndex: 2, Flags: ethtool.FlagCompactBitsets}},
//	}, &lm)
//
// # Errors
//
// Errors from the kernel are *socket.Error values, wrapped with the
// request and device: errors.Is(err, unix.ENODEV) for a device that does
// not exist (the extended ACK then names the rejected field, as in
// "the kernel rejected LinkInfoRequest.Header.DevName"), unix.EOPNOTSUPP
// for a device whose driver cannot report link settings (lo, dummy, ifb:
// LinkInfo and LinkModes fail, and dumps leave such devices out;
// LinkState works for every device, with only the attributes its driver
// reports).
//
// # Bit sets
//
// Link modes come as ethtool bit sets (Bitset): verbose by default, every
// bit of the mask with its index and name; compact with FlagCompactBitsets,
// as value and mask bitmaps. Bitset.IsSet, InMask and Names read either
// form.
package ethtool
