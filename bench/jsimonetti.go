package bench

import (
	"bytes"

	"github.com/jsimonetti/rtnetlink/v2"
	"github.com/nlstruct/nlstruct/nlattr"
)

// jsimonetti/rtnetlink decodes into and encodes from its own
// rtnetlink.LinkMessage, which has no field for IFLA_MIN_MTU, IFLA_MAX_MTU,
// IFLA_PROMISCUITY, IFLA_NUM_TX_QUEUES, IFLA_NUM_RX_QUEUES,
// IFLA_GSO_MAX_SEGS, IFLA_GSO_MAX_SIZE, IFLA_PROTO_DOWN, IFLA_MAP or
// IFLA_AF_SPEC, and no "vlan" driver (IFLA_INFO_DATA stays raw bytes). Its
// MarshalBinary is a request encoder: it writes only IFLA_IFNAME, IFLA_LINK,
// IFLA_QDISC, IFLA_MTU, IFLA_ADDRESS, IFLA_BROADCAST, IFLA_OPERSTATE,
// IFLA_LINKINFO, IFLA_XDP, IFLA_MASTER and the netns attribute. So its
// numbers are for its own round trip, on less work than the other codecs do.

// JsimonettiLinkMessage returns l as an rtnetlink.LinkMessage holding every
// attribute that type has a field for: the value its UnmarshalBinary
// produces from the bytes the other codecs encode from l.
func JsimonettiLinkMessage(l *Link) *rtnetlink.LinkMessage {
	carrier, linkMode := l.Carrier, l.LinkMode
	carrierChanges, group, txQLen := l.CarrierChanges, l.Group, l.TxQLen
	s := &l.Stats64
	stats := rtnetlink.LinkStats64{
		RXPackets:          s.RxPackets,
		TXPackets:          s.TxPackets,
		RXBytes:            s.RxBytes,
		TXBytes:            s.TxBytes,
		RXErrors:           s.RxErrors,
		TXErrors:           s.TxErrors,
		RXDropped:          s.RxDropped,
		TXDropped:          s.TxDropped,
		Multicast:          s.Multicast,
		Collisions:         s.Collisions,
		RXLengthErrors:     s.RxLengthErrors,
		RXOverErrors:       s.RxOverErrors,
		RXCRCErrors:        s.RxCRCErrors,
		RXFrameErrors:      s.RxFrameErrors,
		RXFIFOErrors:       s.RxFIFOErrors,
		RXMissedErrors:     s.RxMissedErrors,
		TXAbortedErrors:    s.TxAbortedErrors,
		TXCarrierErrors:    s.TxCarrierErrors,
		TXFIFOErrors:       s.TxFIFOErrors,
		TXHeartbeatErrors:  s.TxHeartbeatErrors,
		TXWindowErrors:     s.TxWindowErrors,
		RXCompressed:       s.RxCompressed,
		TXCompressed:       s.TxCompressed,
		RXNoHandler:        s.RxNoHandler,
		RXOtherhostDropped: s.RxOtherhostDropped,
	}
	var data []byte
	if v, ok := l.LinkInfo.Data.(*VlanData); ok {
		data = nlattr.AppendU16(data, iflaVlanID, v.ID)
		data = nlattr.AppendU16BE(data, iflaVlanProtocol, v.Protocol)
	}
	return &rtnetlink.LinkMessage{
		Family: uint16(l.Header.Family),
		Type:   l.Header.Type,
		Index:  uint32(l.Header.Index),
		Flags:  l.Header.Flags,
		Change: l.Header.Change,
		Attributes: &rtnetlink.LinkAttributes{
			Address:          bytes.Clone(l.Address),
			Broadcast:        bytes.Clone(l.Broadcast),
			Carrier:          &carrier,
			CarrierChanges:   &carrierChanges,
			Info:             &rtnetlink.LinkInfo{Kind: l.LinkInfo.Kind, Data: &rtnetlink.LinkData{Name: l.LinkInfo.Kind, Data: data}},
			LinkMode:         &linkMode,
			MTU:              l.MTU,
			Name:             l.Name,
			NetDevGroup:      &group,
			OperationalState: rtnetlink.OperationalState(l.OperState),
			QueueDisc:        l.Qdisc,
			Stats64:          &stats,
			TxQueueLen:       &txQLen,
		},
	}
}
