package netdev

// The constants of this package come from the kernel's YAML spec
// (Documentation/netlink/specs/netdev.yaml), not from <linux/netdev.h>,
// which Debian 12's linux-libc-dev does not install. The names are those of the
// generated uapi header.

// Family is the generic netlink family name (NETDEV_FAMILY_NAME).
const Family = "netdev"

// Version is the family's version (NETDEV_FAMILY_VERSION).
const Version = 1

// Commands (NETDEV_CMD_*) of the dev attribute set.
const (
	CmdDevGet       = 1 // NETDEV_CMD_DEV_GET: do (by ifindex) and dump
	CmdDevAddNtf    = 2 // NETDEV_CMD_DEV_ADD_NTF: notification, group "mgmt"
	CmdDevDelNtf    = 3 // NETDEV_CMD_DEV_DEL_NTF: notification, group "mgmt"
	CmdDevChangeNtf = 4 // NETDEV_CMD_DEV_CHANGE_NTF: notification, group "mgmt"
)

// MgmtGroup is the multicast group of device notifications
// (NETDEV_MCGRP_MGMT).
const MgmtGroup = "mgmt"

// Attributes of the dev attribute set (NETDEV_A_DEV_*).
const (
	AttrDevIfindex               = 1 // NETDEV_A_DEV_IFINDEX: u32, min 1
	AttrDevPad                   = 2 // NETDEV_A_DEV_PAD: padding before u64 attributes on some architectures
	AttrDevXDPFeatures           = 3 // NETDEV_A_DEV_XDP_FEATURES: u64, enum xdp-act
	AttrDevXDPZCMaxSegs          = 4 // NETDEV_A_DEV_XDP_ZC_MAX_SEGS: u32, min 1
	AttrDevXDPRxMetadataFeatures = 5 // NETDEV_A_DEV_XDP_RX_METADATA_FEATURES: u64, enum xdp-rx-metadata
	AttrDevXSKFeatures           = 6 // NETDEV_A_DEV_XSK_FEATURES: u64, enum xsk-flags
)

// XDPAct is a bitmask of XDP features (enum netdev_xdp_act,
// NETDEV_XDP_ACT_*).
type XDPAct uint64

// XDP features.
const (
	XDPActBasic       XDPAct = 1 << 0 // NETDEV_XDP_ACT_BASIC: XDP_ABORTED, XDP_DROP, XDP_PASS, XDP_TX
	XDPActRedirect    XDPAct = 1 << 1 // NETDEV_XDP_ACT_REDIRECT: XDP_REDIRECT
	XDPActNdoXmit     XDPAct = 1 << 2 // NETDEV_XDP_ACT_NDO_XMIT: implements ndo_xdp_xmit
	XDPActXSKZerocopy XDPAct = 1 << 3 // NETDEV_XDP_ACT_XSK_ZEROCOPY: AF_XDP zero copy
	XDPActHWOffload   XDPAct = 1 << 4 // NETDEV_XDP_ACT_HW_OFFLOAD: XDP hardware offload
	XDPActRxSG        XDPAct = 1 << 5 // NETDEV_XDP_ACT_RX_SG: non-linear XDP buffers in the napi callback
	XDPActNdoXmitSG   XDPAct = 1 << 6 // NETDEV_XDP_ACT_NDO_XMIT_SG: non-linear XDP buffers in ndo_xdp_xmit
)

// XDPRxMetadata is a bitmask of XDP receive metadata features (enum
// netdev_xdp_rx_metadata, NETDEV_XDP_RX_METADATA_*).
type XDPRxMetadata uint64

// XDP receive metadata features.
const (
	XDPRxMetadataTimestamp XDPRxMetadata = 1 << 0 // NETDEV_XDP_RX_METADATA_TIMESTAMP
	XDPRxMetadataHash      XDPRxMetadata = 1 << 1 // NETDEV_XDP_RX_METADATA_HASH
	XDPRxMetadataVLANTag   XDPRxMetadata = 1 << 2 // NETDEV_XDP_RX_METADATA_VLAN_TAG
)

// XSKFlags is a bitmask of AF_XDP features (enum netdev_xsk_flags,
// NETDEV_XSK_FLAGS_*).
type XSKFlags uint64

// AF_XDP features.
const (
	XSKFlagsTxTimestamp      XSKFlags = 1 << 0 // NETDEV_XSK_FLAGS_TX_TIMESTAMP
	XSKFlagsTxChecksum       XSKFlags = 1 << 1 // NETDEV_XSK_FLAGS_TX_CHECKSUM
	XSKFlagsTxLaunchTimeFIFO XSKFlags = 1 << 2 // NETDEV_XSK_FLAGS_TX_LAUNCH_TIME_FIFO
)

// DevGetRequest is the request of NETDEV_CMD_DEV_GET's do operation. The
// dump takes no attributes (the kernel has no dump policy for it), so
// dumps send no body.
type DevGetRequest struct {
	// Ifindex is the device's ifindex (NETDEV_A_DEV_IFINDEX); the
	// kernel's policy requires at least 1. Zero means unset and is not
	// sent (the kernel then reports the attribute missing).
	Ifindex uint32 `nl:"type=1,omitempty,min=1"`
}

// Device is the reply to NETDEV_CMD_DEV_GET (the dev attribute set): a
// device's XDP and AF_XDP capabilities. The fields are in the order the
// kernel sends the attributes (netdev_nl_dev_fill), so that a decoded
// reply encodes back to the kernel's bytes.
type Device struct {
	// Ifindex is the device's ifindex (NETDEV_A_DEV_IFINDEX).
	Ifindex uint32 `nl:"type=1"`
	// XDPFeatures are the XDP features the device supports
	// (NETDEV_A_DEV_XDP_FEATURES).
	XDPFeatures XDPAct `nl:"type=3"`
	// XDPRxMetadataFeatures are the XDP receive metadata the device can
	// expose (NETDEV_A_DEV_XDP_RX_METADATA_FEATURES).
	XDPRxMetadataFeatures XDPRxMetadata `nl:"type=5"`
	// XSKFeatures are the AF_XDP features the device supports
	// (NETDEV_A_DEV_XSK_FEATURES).
	XSKFeatures XSKFlags `nl:"type=6"`
	// XDPZCMaxSegs is the most fragments the zero-copy driver supports
	// (NETDEV_A_DEV_XDP_ZC_MAX_SEGS); the kernel sends it only with
	// XDPActXSKZerocopy, and 0 means absent.
	XDPZCMaxSegs uint32 `nl:"type=4,omitempty"`
}
