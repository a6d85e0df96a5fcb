package ethtool

// Family is the generic netlink family name (ETHTOOL_GENL_NAME).
const Family = "ethtool"

// Version is the family's version (ETHTOOL_GENL_VERSION).
const Version = 1

// Commands from user space to the kernel (the ETHTOOL_MSG_* user-to-kernel
// enum of <linux/ethtool_netlink.h>) that this package declares requests
// for.
const (
	MsgLinkInfoGet  = 2 // ETHTOOL_MSG_LINKINFO_GET
	MsgLinkModesGet = 4 // ETHTOOL_MSG_LINKMODES_GET
	MsgLinkStateGet = 6 // ETHTOOL_MSG_LINKSTATE_GET
)

// Commands from the kernel to user space (ETHTOOL_MSG_*_REPLY), carried in
// the replies' genlmsghdr.
const (
	MsgLinkInfoGetReply  = 2 // ETHTOOL_MSG_LINKINFO_GET_REPLY
	MsgLinkInfoNtf       = 3 // ETHTOOL_MSG_LINKINFO_NTF
	MsgLinkModesGetReply = 4 // ETHTOOL_MSG_LINKMODES_GET_REPLY
	MsgLinkModesNtf      = 5 // ETHTOOL_MSG_LINKMODES_NTF
	MsgLinkStateGetReply = 6 // ETHTOOL_MSG_LINKSTATE_GET_REPLY
)

// MonitorGroup is the name of the family's multicast group, on which the
// kernel sends notifications (ETHTOOL_MCGRP_MONITOR_NAME).
const MonitorGroup = "monitor"

// Attributes of the request and reply header nest (ETHTOOL_A_HEADER_*).
const (
	AttrHeaderDevIndex = 1 // ETHTOOL_A_HEADER_DEV_INDEX
	AttrHeaderDevName  = 2 // ETHTOOL_A_HEADER_DEV_NAME
	AttrHeaderFlags    = 3 // ETHTOOL_A_HEADER_FLAGS
	AttrHeaderPHYIndex = 4 // ETHTOOL_A_HEADER_PHY_INDEX (not accepted by the requests of this package)
)

// Attributes of a bit set (ETHTOOL_A_BITSET_*).
const (
	AttrBitsetNoMask = 1 // ETHTOOL_A_BITSET_NOMASK
	AttrBitsetSize   = 2 // ETHTOOL_A_BITSET_SIZE
	AttrBitsetBits   = 3 // ETHTOOL_A_BITSET_BITS
	AttrBitsetValue  = 4 // ETHTOOL_A_BITSET_VALUE
	AttrBitsetMask   = 5 // ETHTOOL_A_BITSET_MASK
)

// Attributes of the bits nest of a bit set (ETHTOOL_A_BITSET_BITS_*).
const (
	AttrBitsetBitsBit = 1 // ETHTOOL_A_BITSET_BITS_BIT
)

// Attributes of one bit of a verbose bit set (ETHTOOL_A_BITSET_BIT_*).
const (
	AttrBitsetBitIndex = 1 // ETHTOOL_A_BITSET_BIT_INDEX
	AttrBitsetBitName  = 2 // ETHTOOL_A_BITSET_BIT_NAME
	AttrBitsetBitValue = 3 // ETHTOOL_A_BITSET_BIT_VALUE
)

// Attributes of ETHTOOL_MSG_LINKINFO_GET and its reply
// (ETHTOOL_A_LINKINFO_*).
const (
	AttrLinkInfoHeader      = 1 // ETHTOOL_A_LINKINFO_HEADER
	AttrLinkInfoPort        = 2 // ETHTOOL_A_LINKINFO_PORT
	AttrLinkInfoPHYAddr     = 3 // ETHTOOL_A_LINKINFO_PHYADDR
	AttrLinkInfoTPMDIX      = 4 // ETHTOOL_A_LINKINFO_TP_MDIX
	AttrLinkInfoTPMDIXCtrl  = 5 // ETHTOOL_A_LINKINFO_TP_MDIX_CTRL
	AttrLinkInfoTransceiver = 6 // ETHTOOL_A_LINKINFO_TRANSCEIVER
)

// Attributes of ETHTOOL_MSG_LINKMODES_GET and its reply
// (ETHTOOL_A_LINKMODES_*).
const (
	AttrLinkModesHeader           = 1  // ETHTOOL_A_LINKMODES_HEADER
	AttrLinkModesAutoneg          = 2  // ETHTOOL_A_LINKMODES_AUTONEG
	AttrLinkModesOurs             = 3  // ETHTOOL_A_LINKMODES_OURS
	AttrLinkModesPeer             = 4  // ETHTOOL_A_LINKMODES_PEER
	AttrLinkModesSpeed            = 5  // ETHTOOL_A_LINKMODES_SPEED
	AttrLinkModesDuplex           = 6  // ETHTOOL_A_LINKMODES_DUPLEX
	AttrLinkModesMasterSlaveCfg   = 7  // ETHTOOL_A_LINKMODES_MASTER_SLAVE_CFG
	AttrLinkModesMasterSlaveState = 8  // ETHTOOL_A_LINKMODES_MASTER_SLAVE_STATE
	AttrLinkModesLanes            = 9  // ETHTOOL_A_LINKMODES_LANES
	AttrLinkModesRateMatching     = 10 // ETHTOOL_A_LINKMODES_RATE_MATCHING
)

// Attributes of ETHTOOL_MSG_LINKSTATE_GET and its reply
// (ETHTOOL_A_LINKSTATE_*). ETHTOOL_A_LINKSTATE_EXT_DOWN_CNT is newer than
// the installed <linux/ethtool_netlink.h>; its number is from the kernel's
// YAML spec (ethtool.yaml, attribute set linkstate).
const (
	AttrLinkStateHeader      = 1 // ETHTOOL_A_LINKSTATE_HEADER
	AttrLinkStateLink        = 2 // ETHTOOL_A_LINKSTATE_LINK
	AttrLinkStateSQI         = 3 // ETHTOOL_A_LINKSTATE_SQI
	AttrLinkStateSQIMax      = 4 // ETHTOOL_A_LINKSTATE_SQI_MAX
	AttrLinkStateExtState    = 5 // ETHTOOL_A_LINKSTATE_EXT_STATE
	AttrLinkStateExtSubstate = 6 // ETHTOOL_A_LINKSTATE_EXT_SUBSTATE
	AttrLinkStateExtDownCnt  = 7 // ETHTOOL_A_LINKSTATE_EXT_DOWN_CNT
)

// HeaderFlags are the flags of a request header (ETHTOOL_FLAG_*).
type HeaderFlags uint32

// The request header's flags.
const (
	// FlagCompactBitsets asks for bit sets in compact form (value and
	// mask bitmaps, no names) in the reply (ETHTOOL_FLAG_COMPACT_BITSETS).
	FlagCompactBitsets HeaderFlags = 1 << 0
	// FlagOmitReply omits the optional reply to SET and ACT requests
	// (ETHTOOL_FLAG_OMIT_REPLY).
	FlagOmitReply HeaderFlags = 1 << 1
	// FlagStats asks for statistics, where the driver supports them
	// (ETHTOOL_FLAG_STATS). Only requests whose kernel policy is the
	// statistics header policy (here LinkStateRequest) accept it.
	FlagStats HeaderFlags = 1 << 2
)

// Header is the header nest (ETHTOOL_A_HEADER_*) of requests and replies.
// A request names its device by index, by name, or both (they must then
// agree); a dump request names none. Replies carry both.
//
// Its Flags may hold FlagCompactBitsets and FlagOmitReply, the flags the
// kernel's basic header policy accepts (ETHTOOL_FLAGS_BASIC): requests
// that also accept FlagStats use StatsHeader.
type Header struct {
	// DevIndex is the device's ifindex (ETHTOOL_A_HEADER_DEV_INDEX).
	DevIndex uint32 `nl:"type=1,omitempty"`
	// DevName is the device's name (ETHTOOL_A_HEADER_DEV_NAME); the
	// kernel's policy allows ALTIFNAMSIZ-1 bytes, so altnames work too.
	DevName string `nl:"type=2,omitempty,maxlen=127"`
	// Flags are ETHTOOL_FLAG_* (ETHTOOL_A_HEADER_FLAGS).
	Flags HeaderFlags `nl:"type=3,omitempty,max=3"`
}

// StatsHeader is the header nest of requests that may ask for statistics
// (the kernel's ethnl_header_policy_stats): as Header, but Flags may also
// hold FlagStats.
type StatsHeader struct {
	// DevIndex is the device's ifindex (ETHTOOL_A_HEADER_DEV_INDEX).
	DevIndex uint32 `nl:"type=1,omitempty"`
	// DevName is the device's name (ETHTOOL_A_HEADER_DEV_NAME).
	DevName string `nl:"type=2,omitempty,maxlen=127"`
	// Flags are ETHTOOL_FLAG_* (ETHTOOL_A_HEADER_FLAGS).
	Flags HeaderFlags `nl:"type=3,omitempty,max=7"`
}

// Bitset is an ethtool bit set (ETHTOOL_A_BITSET_*), in one of two forms.
// Verbose (the default): Bits lists the bits of the mask, each by index
// and name, with Value set for those in the value. Compact (requested with
// FlagCompactBitsets): Value and Mask are bitmaps of Size bits, in 32-bit
// words in host byte order. NoMask marks a set that is a plain list (a
// value without a mask): then Bits lists only the bits that are set, or
// Mask is absent.
type Bitset struct {
	// NoMask: the set has no mask (ETHTOOL_A_BITSET_NOMASK).
	NoMask bool `nl:"type=1,flag"`
	// Size is the number of bits (ETHTOOL_A_BITSET_SIZE).
	Size uint32 `nl:"type=2"`
	// Bits is the verbose form (ETHTOOL_A_BITSET_BITS); nil in compact
	// form.
	Bits *BitsetBits `nl:"type=3,nested"`
	// Value is the compact form's value bitmap (ETHTOOL_A_BITSET_VALUE).
	Value []uint32 `nl:"type=4"`
	// Mask is the compact form's mask bitmap (ETHTOOL_A_BITSET_MASK).
	Mask []uint32 `nl:"type=5"`
}

// BitsetBits is the list of a verbose bit set (ETHTOOL_A_BITSET_BITS_*).
type BitsetBits struct {
	// Bit holds one entry per bit (ETHTOOL_A_BITSET_BITS_BIT, repeated).
	Bit []BitsetBit `nl:"type=1,multi,nested"`
}

// BitsetBit is one bit of a verbose bit set (ETHTOOL_A_BITSET_BIT_*).
type BitsetBit struct {
	// Index is the bit's number (ETHTOOL_A_BITSET_BIT_INDEX).
	Index uint32 `nl:"type=1"`
	// Name is the bit's name (ETHTOOL_A_BITSET_BIT_NAME), such as
	// "1000baseT/Full" for a link mode.
	Name string `nl:"type=2,omitempty"`
	// Value: the bit is set (ETHTOOL_A_BITSET_BIT_VALUE).
	Value bool `nl:"type=3,flag"`
}

// IsSet reports whether bit index is set in the value, in either form.
func (b *Bitset) IsSet(index uint32) bool {
	if b == nil {
		return false
	}
	if b.Bits != nil {
		for _, bit := range b.Bits.Bit {
			if bit.Index == index {
				return bit.Value || b.NoMask
			}
		}
		return false
	}
	w := int(index / 32)
	return w < len(b.Value) && b.Value[w]&(1<<(index%32)) != 0
}

// InMask reports whether bit index is in the mask (for a link mode set:
// supported), in either form. Without a mask (NoMask), it is IsSet.
func (b *Bitset) InMask(index uint32) bool {
	if b == nil {
		return false
	}
	if b.NoMask {
		return b.IsSet(index)
	}
	if b.Bits != nil {
		for _, bit := range b.Bits.Bit {
			if bit.Index == index {
				return true
			}
		}
		return false
	}
	w := int(index / 32)
	return w < len(b.Mask) && b.Mask[w]&(1<<(index%32)) != 0
}

// Names returns the names of the set bits of a verbose bit set, in the
// kernel's order (nil for a compact one, which carries no names).
func (b *Bitset) Names() []string {
	if b == nil || b.Bits == nil {
		return nil
	}
	var out []string
	for _, bit := range b.Bits.Bit {
		if bit.Value || b.NoMask {
			out = append(out, bit.Name)
		}
	}
	return out
}

// Port is a connector type (PORT_* of <linux/ethtool.h>).
type Port uint8

// Connector types.
const (
	PortTP    Port = 0x00 // PORT_TP: twisted pair
	PortAUI   Port = 0x01 // PORT_AUI
	PortMII   Port = 0x02 // PORT_MII
	PortFibre Port = 0x03 // PORT_FIBRE
	PortBNC   Port = 0x04 // PORT_BNC
	PortDA    Port = 0x05 // PORT_DA: direct attach copper
	PortNone  Port = 0xef // PORT_NONE
	PortOther Port = 0xff // PORT_OTHER
)

// MDIX is a twisted-pair MDI(-X) status or control value (ETH_TP_MDI*
// of <linux/ethtool.h>).
type MDIX uint8

// MDI(-X) values.
const (
	TPMDIInvalid MDIX = 0x00 // ETH_TP_MDI_INVALID: status unknown; control unsupported
	TPMDI        MDIX = 0x01 // ETH_TP_MDI
	TPMDIX       MDIX = 0x02 // ETH_TP_MDI_X
	TPMDIAuto    MDIX = 0x03 // ETH_TP_MDI_AUTO: control only
)

// Transceiver is a transceiver type (XCVR_* of <linux/ethtool.h>;
// deprecated by the kernel, reported as XCVR_INTERNAL by most drivers).
type Transceiver uint8

// Transceiver types.
const (
	XcvrInternal Transceiver = 0x00 // XCVR_INTERNAL
	XcvrExternal Transceiver = 0x01 // XCVR_EXTERNAL
)

// Autoneg is an autonegotiation setting (AUTONEG_* of <linux/ethtool.h>).
type Autoneg uint8

// Autonegotiation settings.
const (
	AutonegDisable Autoneg = 0x00 // AUTONEG_DISABLE
	AutonegEnable  Autoneg = 0x01 // AUTONEG_ENABLE
)

// Duplex is a duplex mode (DUPLEX_* of <linux/ethtool.h>).
type Duplex uint8

// Duplex modes.
const (
	DuplexHalf    Duplex = 0x00 // DUPLEX_HALF
	DuplexFull    Duplex = 0x01 // DUPLEX_FULL
	DuplexUnknown Duplex = 0xff // DUPLEX_UNKNOWN
)

// SpeedUnknown is the speed reported when it is not known
// (SPEED_UNKNOWN, -1 as a u32).
const SpeedUnknown = 0xffffffff

// MasterSlaveCfg is a master/slave configuration (MASTER_SLAVE_CFG_*).
type MasterSlaveCfg uint8

// Master/slave configurations.
const (
	MasterSlaveCfgUnsupported     MasterSlaveCfg = 0 // MASTER_SLAVE_CFG_UNSUPPORTED
	MasterSlaveCfgUnknown         MasterSlaveCfg = 1 // MASTER_SLAVE_CFG_UNKNOWN
	MasterSlaveCfgMasterPreferred MasterSlaveCfg = 2 // MASTER_SLAVE_CFG_MASTER_PREFERRED
	MasterSlaveCfgSlavePreferred  MasterSlaveCfg = 3 // MASTER_SLAVE_CFG_SLAVE_PREFERRED
	MasterSlaveCfgMasterForce     MasterSlaveCfg = 4 // MASTER_SLAVE_CFG_MASTER_FORCE
	MasterSlaveCfgSlaveForce      MasterSlaveCfg = 5 // MASTER_SLAVE_CFG_SLAVE_FORCE
)

// MasterSlaveState is a master/slave state (MASTER_SLAVE_STATE_*).
type MasterSlaveState uint8

// Master/slave states.
const (
	MasterSlaveStateUnsupported MasterSlaveState = 0 // MASTER_SLAVE_STATE_UNSUPPORTED
	MasterSlaveStateUnknown     MasterSlaveState = 1 // MASTER_SLAVE_STATE_UNKNOWN
	MasterSlaveStateMaster      MasterSlaveState = 2 // MASTER_SLAVE_STATE_MASTER
	MasterSlaveStateSlave       MasterSlaveState = 3 // MASTER_SLAVE_STATE_SLAVE
	MasterSlaveStateErr         MasterSlaveState = 4 // MASTER_SLAVE_STATE_ERR
)

// RateMatching is how a PHY matches rates with its MAC (RATE_MATCH_*).
type RateMatching uint8

// Rate matching modes.
const (
	RateMatchNone     RateMatching = 0 // RATE_MATCH_NONE
	RateMatchPause    RateMatching = 1 // RATE_MATCH_PAUSE
	RateMatchCRS      RateMatching = 2 // RATE_MATCH_CRS
	RateMatchOpenLoop RateMatching = 3 // RATE_MATCH_OPEN_LOOP
)

// LinkInfoRequest is the request of ETHTOOL_MSG_LINKINFO_GET (do and dump).
type LinkInfoRequest struct {
	// Header names the device (none for a dump).
	Header Header `nl:"type=1,nested"` // ETHTOOL_A_LINKINFO_HEADER
}

// LinkInfo is the reply to ETHTOOL_MSG_LINKINFO_GET
// (ETHTOOL_MSG_LINKINFO_GET_REPLY): the device's port and PHY. The kernel
// reports every field; a device whose driver cannot report link settings
// (such as lo) gets EOPNOTSUPP instead, and is left out of dumps.
type LinkInfo struct {
	// Header names the device (ETHTOOL_A_LINKINFO_HEADER).
	Header Header `nl:"type=1,nested"`
	// Port is the connector (ETHTOOL_A_LINKINFO_PORT).
	Port Port `nl:"type=2"`
	// PHYAddr is the MDIO address of the PHY (ETHTOOL_A_LINKINFO_PHYADDR).
	PHYAddr uint8 `nl:"type=3"`
	// TPMDIX is the MDI(-X) status (ETHTOOL_A_LINKINFO_TP_MDIX).
	TPMDIX MDIX `nl:"type=4"`
	// TPMDIXCtrl is the MDI(-X) control (ETHTOOL_A_LINKINFO_TP_MDIX_CTRL).
	TPMDIXCtrl MDIX `nl:"type=5"`
	// Transceiver is the transceiver type (ETHTOOL_A_LINKINFO_TRANSCEIVER).
	Transceiver Transceiver `nl:"type=6"`
}

// LinkModesRequest is the request of ETHTOOL_MSG_LINKMODES_GET (do and
// dump).
type LinkModesRequest struct {
	// Header names the device (none for a dump); FlagCompactBitsets asks
	// for compact bit sets.
	Header Header `nl:"type=1,nested"` // ETHTOOL_A_LINKMODES_HEADER
}

// LinkModes is the reply to ETHTOOL_MSG_LINKMODES_GET
// (ETHTOOL_MSG_LINKMODES_GET_REPLY): the link modes, speed and duplex.
// The fields the kernel sends only when they apply are pointers or zero
// when absent, as noted.
type LinkModes struct {
	// Header names the device (ETHTOOL_A_LINKMODES_HEADER).
	Header Header `nl:"type=1,nested"`
	// Autoneg is the autonegotiation setting (ETHTOOL_A_LINKMODES_AUTONEG).
	Autoneg Autoneg `nl:"type=2"`
	// Ours holds the link modes advertised (value) and supported (mask)
	// (ETHTOOL_A_LINKMODES_OURS).
	Ours *Bitset `nl:"type=3,nested"`
	// Peer holds the link partner's advertised modes
	// (ETHTOOL_A_LINKMODES_PEER); nil when the partner advertises none.
	Peer *Bitset `nl:"type=4,nested"`
	// Speed is in Mb/s, or SpeedUnknown (ETHTOOL_A_LINKMODES_SPEED).
	Speed uint32 `nl:"type=5"`
	// Duplex is the duplex mode (ETHTOOL_A_LINKMODES_DUPLEX).
	Duplex Duplex `nl:"type=6"`
	// MasterSlaveCfg is the master/slave configuration
	// (ETHTOOL_A_LINKMODES_MASTER_SLAVE_CFG); MasterSlaveCfgUnsupported,
	// which the kernel does not send, when absent.
	MasterSlaveCfg MasterSlaveCfg `nl:"type=7,omitempty"`
	// MasterSlaveState is the master/slave state
	// (ETHTOOL_A_LINKMODES_MASTER_SLAVE_STATE); MasterSlaveStateUnsupported
	// when absent.
	MasterSlaveState MasterSlaveState `nl:"type=8,omitempty"`
	// Lanes is the number of lanes (ETHTOOL_A_LINKMODES_LANES); 0, not
	// sent, when unknown.
	Lanes uint32 `nl:"type=9,omitempty"`
	// RateMatching is the PHY's rate matching
	// (ETHTOOL_A_LINKMODES_RATE_MATCHING).
	RateMatching RateMatching `nl:"type=10"`
}

// LinkStateRequest is the request of ETHTOOL_MSG_LINKSTATE_GET (do and
// dump). Its header accepts FlagStats, which asks for ExtDownCnt.
type LinkStateRequest struct {
	// Header names the device (none for a dump).
	Header StatsHeader `nl:"type=1,nested"` // ETHTOOL_A_LINKSTATE_HEADER
}

// LinkState is the reply to ETHTOOL_MSG_LINKSTATE_GET
// (ETHTOOL_MSG_LINKSTATE_GET_REPLY). Every field but Header is optional:
// the kernel sends it only when the driver reports it, and nil means
// absent.
type LinkState struct {
	// Header names the device (ETHTOOL_A_LINKSTATE_HEADER).
	Header Header `nl:"type=1,nested"`
	// Link is the link state, as ethtool's "Link detected"
	// (ETHTOOL_A_LINKSTATE_LINK).
	Link *bool `nl:"type=2"`
	// SQI is the signal quality index (ETHTOOL_A_LINKSTATE_SQI).
	SQI *uint32 `nl:"type=3"`
	// SQIMax is the largest SQI the PHY reports
	// (ETHTOOL_A_LINKSTATE_SQI_MAX).
	SQIMax *uint32 `nl:"type=4"`
	// ExtState is why the link is down, an ETHTOOL_LINK_EXT_STATE_*
	// value (ETHTOOL_A_LINKSTATE_EXT_STATE).
	ExtState *uint8 `nl:"type=5"`
	// ExtSubstate refines ExtState, an ETHTOOL_LINK_EXT_SUBSTATE_* value
	// (ETHTOOL_A_LINKSTATE_EXT_SUBSTATE).
	ExtSubstate *uint8 `nl:"type=6"`
	// ExtDownCnt counts the times the link went down
	// (ETHTOOL_A_LINKSTATE_EXT_DOWN_CNT); sent only for requests with
	// FlagStats, by drivers that count.
	ExtDownCnt *uint32 `nl:"type=7"`
}
