package bench

import (
	"bytes"
	"fmt"
	"net"
	"syscall"

	"github.com/vishvananda/netlink/nl"
	"golang.org/x/sys/unix"
)

// The vishvananda/netlink codec: a tree of nl.RtAttr built with NewRtAttr
// and AddRtAttr, serialized with Serialize (each top-level attribute is
// serialized and appended to the caller's buffer, as nl.NetlinkRequest
// does); decoding with nl.ParseRouteAttr, recursively for nests, the way the
// library's own LinkDeserialize does. Nests are given NLA_F_NESTED so the
// bytes equal the other encoders'; the attribute type is masked on decode.

const nlaTypeMask = ^uint16(unix.NLA_F_NESTED | unix.NLA_F_NET_BYTEORDER)

// VishvanandaAppendService appends the attributes of s to buf.
func VishvanandaAppendService(buf []byte, s *Service) ([]byte, error) {
	stats := nl.NewRtAttr(ipvsSvcAttrStats|unix.NLA_F_NESTED, nil)
	stats.AddRtAttr(ipvsStatsAttrConns, nl.Uint32Attr(s.Stats.Conns))
	stats.AddRtAttr(ipvsStatsAttrInPkts, nl.Uint32Attr(s.Stats.InPkts))
	stats.AddRtAttr(ipvsStatsAttrOutPkts, nl.Uint32Attr(s.Stats.OutPkts))
	stats.AddRtAttr(ipvsStatsAttrInBytes, nl.Uint64Attr(s.Stats.InBytes))
	stats.AddRtAttr(ipvsStatsAttrOutBytes, nl.Uint64Attr(s.Stats.OutBytes))
	stats.AddRtAttr(ipvsStatsAttrCPS, nl.Uint32Attr(s.Stats.CPS))
	stats.AddRtAttr(ipvsStatsAttrInPPS, nl.Uint32Attr(s.Stats.InPPS))
	stats.AddRtAttr(ipvsStatsAttrOutPPS, nl.Uint32Attr(s.Stats.OutPPS))
	stats.AddRtAttr(ipvsStatsAttrInBPS, nl.Uint32Attr(s.Stats.InBPS))
	stats.AddRtAttr(ipvsStatsAttrOutBPS, nl.Uint32Attr(s.Stats.OutBPS))

	stats64 := nl.NewRtAttr(ipvsSvcAttrStats64|unix.NLA_F_NESTED, nil)
	stats64.AddRtAttr(ipvsStatsAttrConns, nl.Uint64Attr(s.Stats64.Conns))
	stats64.AddRtAttr(ipvsStatsAttrInPkts, nl.Uint64Attr(s.Stats64.InPkts))
	stats64.AddRtAttr(ipvsStatsAttrOutPkts, nl.Uint64Attr(s.Stats64.OutPkts))
	stats64.AddRtAttr(ipvsStatsAttrInBytes, nl.Uint64Attr(s.Stats64.InBytes))
	stats64.AddRtAttr(ipvsStatsAttrOutBytes, nl.Uint64Attr(s.Stats64.OutBytes))
	stats64.AddRtAttr(ipvsStatsAttrCPS, nl.Uint64Attr(s.Stats64.CPS))
	stats64.AddRtAttr(ipvsStatsAttrInPPS, nl.Uint64Attr(s.Stats64.InPPS))
	stats64.AddRtAttr(ipvsStatsAttrOutPPS, nl.Uint64Attr(s.Stats64.OutPPS))
	stats64.AddRtAttr(ipvsStatsAttrInBPS, nl.Uint64Attr(s.Stats64.InBPS))
	stats64.AddRtAttr(ipvsStatsAttrOutBPS, nl.Uint64Attr(s.Stats64.OutBPS))

	attrs := [...]*nl.RtAttr{
		nl.NewRtAttr(ipvsSvcAttrAF, nl.Uint16Attr(s.AF)),
		nl.NewRtAttr(ipvsSvcAttrProtocol, nl.Uint16Attr(s.Protocol)),
		nl.NewRtAttr(ipvsSvcAttrAddr, s.Addr[:]),
		nl.NewRtAttr(ipvsSvcAttrPort, nl.BEUint16Attr(s.Port)),
		nl.NewRtAttr(ipvsSvcAttrFWMark, nl.Uint32Attr(s.FWMark)),
		nl.NewRtAttr(ipvsSvcAttrSchedName, nl.ZeroTerminated(s.SchedName)),
		nl.NewRtAttr(ipvsSvcAttrFlags, appendServiceFlags(make([]byte, 0, 8), &s.Flags)),
		nl.NewRtAttr(ipvsSvcAttrTimeout, nl.Uint32Attr(s.Timeout)),
		nl.NewRtAttr(ipvsSvcAttrNetmask, nl.Uint32Attr(s.Netmask)),
		stats,
		nl.NewRtAttr(ipvsSvcAttrPEName, nl.ZeroTerminated(s.PEName)),
		stats64,
	}
	for _, a := range attrs {
		buf = append(buf, a.Serialize()...)
	}
	return buf, nil
}

// VishvanandaDecodeService decodes the attributes in b into s.
func VishvanandaDecodeService(b []byte, s *Service) error {
	attrs, err := nl.ParseRouteAttr(b)
	if err != nil {
		return err
	}
	for _, a := range attrs {
		d, typ := a.Value, a.Attr.Type&nlaTypeMask
		switch typ {
		case ipvsSvcAttrAF:
			err = getU16(d, typ, &s.AF)
		case ipvsSvcAttrProtocol:
			err = getU16(d, typ, &s.Protocol)
		case ipvsSvcAttrAddr:
			if len(d) != len(s.Addr) {
				return badLen(typ, len(s.Addr), len(d))
			}
			copy(s.Addr[:], d)
		case ipvsSvcAttrPort:
			err = getU16BE(d, typ, &s.Port)
		case ipvsSvcAttrFWMark:
			err = getU32(d, typ, &s.FWMark)
		case ipvsSvcAttrSchedName:
			s.SchedName = cstring(d)
		case ipvsSvcAttrFlags:
			err = parseServiceFlags(d, typ, &s.Flags)
		case ipvsSvcAttrTimeout:
			err = getU32(d, typ, &s.Timeout)
		case ipvsSvcAttrNetmask:
			err = getU32(d, typ, &s.Netmask)
		case ipvsSvcAttrStats:
			err = vishvanandaDecodeStats(d, &s.Stats)
		case ipvsSvcAttrPEName:
			s.PEName = cstring(d)
		case ipvsSvcAttrStats64:
			err = vishvanandaDecodeStats64(d, &s.Stats64)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

func vishvanandaDecodeStats(b []byte, s *Stats) error {
	attrs, err := nl.ParseRouteAttr(b)
	if err != nil {
		return err
	}
	for _, a := range attrs {
		d, typ := a.Value, a.Attr.Type&nlaTypeMask
		switch typ {
		case ipvsStatsAttrConns:
			err = getU32(d, typ, &s.Conns)
		case ipvsStatsAttrInPkts:
			err = getU32(d, typ, &s.InPkts)
		case ipvsStatsAttrOutPkts:
			err = getU32(d, typ, &s.OutPkts)
		case ipvsStatsAttrInBytes:
			err = getU64(d, typ, &s.InBytes)
		case ipvsStatsAttrOutBytes:
			err = getU64(d, typ, &s.OutBytes)
		case ipvsStatsAttrCPS:
			err = getU32(d, typ, &s.CPS)
		case ipvsStatsAttrInPPS:
			err = getU32(d, typ, &s.InPPS)
		case ipvsStatsAttrOutPPS:
			err = getU32(d, typ, &s.OutPPS)
		case ipvsStatsAttrInBPS:
			err = getU32(d, typ, &s.InBPS)
		case ipvsStatsAttrOutBPS:
			err = getU32(d, typ, &s.OutBPS)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

func vishvanandaDecodeStats64(b []byte, s *Stats64) error {
	attrs, err := nl.ParseRouteAttr(b)
	if err != nil {
		return err
	}
	for _, a := range attrs {
		d, typ := a.Value, a.Attr.Type&nlaTypeMask
		switch typ {
		case ipvsStatsAttrConns:
			err = getU64(d, typ, &s.Conns)
		case ipvsStatsAttrInPkts:
			err = getU64(d, typ, &s.InPkts)
		case ipvsStatsAttrOutPkts:
			err = getU64(d, typ, &s.OutPkts)
		case ipvsStatsAttrInBytes:
			err = getU64(d, typ, &s.InBytes)
		case ipvsStatsAttrOutBytes:
			err = getU64(d, typ, &s.OutBytes)
		case ipvsStatsAttrCPS:
			err = getU64(d, typ, &s.CPS)
		case ipvsStatsAttrInPPS:
			err = getU64(d, typ, &s.InPPS)
		case ipvsStatsAttrOutPPS:
			err = getU64(d, typ, &s.OutPPS)
		case ipvsStatsAttrInBPS:
			err = getU64(d, typ, &s.InBPS)
		case ipvsStatsAttrOutBPS:
			err = getU64(d, typ, &s.OutBPS)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// VishvanandaAppendLink appends struct ifinfomsg (nl.IfInfomsg) and the
// attributes of l to buf.
func VishvanandaAppendLink(buf []byte, l *Link) ([]byte, error) {
	msg := nl.NewIfInfomsg(int(l.Header.Family))
	msg.Type = l.Header.Type
	msg.Index = l.Header.Index
	msg.Flags = l.Header.Flags
	msg.Change = l.Header.Change
	buf = append(buf, msg.Serialize()...)

	linkInfo := nl.NewRtAttr(iflaLinkinfo|unix.NLA_F_NESTED, nil)
	linkInfo.AddRtAttr(iflaInfoKind, nl.ZeroTerminated(l.LinkInfo.Kind))
	if v, ok := l.LinkInfo.Data.(*VlanData); ok && v != nil {
		data := linkInfo.AddRtAttr(iflaInfoData|unix.NLA_F_NESTED, nil)
		data.AddRtAttr(iflaVlanID, nl.Uint16Attr(v.ID))
		data.AddRtAttr(iflaVlanProtocol, nl.BEUint16Attr(v.Protocol))
	}

	afSpec := nl.NewRtAttr(iflaAfSpec|unix.NLA_F_NESTED, nil)
	inet6 := afSpec.AddRtAttr(afInet6|unix.NLA_F_NESTED, nil)
	inet6.AddRtAttr(iflaInet6Flags, nl.Uint32Attr(l.AfSpec.Inet6.Flags))
	inet6.AddRtAttr(iflaInet6AddrGenMode, nl.Uint8Attr(l.AfSpec.Inet6.AddrGenMode))

	attrs := [...]*nl.RtAttr{
		nl.NewRtAttr(iflaIfname, nl.ZeroTerminated(l.Name)),
		nl.NewRtAttr(iflaTxqlen, nl.Uint32Attr(l.TxQLen)),
		nl.NewRtAttr(iflaOperstate, nl.Uint8Attr(l.OperState)),
		nl.NewRtAttr(iflaLinkmode, nl.Uint8Attr(l.LinkMode)),
		nl.NewRtAttr(iflaMTU, nl.Uint32Attr(l.MTU)),
		nl.NewRtAttr(iflaMinMTU, nl.Uint32Attr(l.MinMTU)),
		nl.NewRtAttr(iflaMaxMTU, nl.Uint32Attr(l.MaxMTU)),
		nl.NewRtAttr(iflaGroup, nl.Uint32Attr(l.Group)),
		nl.NewRtAttr(iflaPromiscuity, nl.Uint32Attr(l.Promiscuity)),
		nl.NewRtAttr(iflaNumTxQueues, nl.Uint32Attr(l.NumTxQueues)),
		nl.NewRtAttr(iflaGSOMaxSegs, nl.Uint32Attr(l.GSOMaxSegs)),
		nl.NewRtAttr(iflaGSOMaxSize, nl.Uint32Attr(l.GSOMaxSize)),
		nl.NewRtAttr(iflaNumRxQueues, nl.Uint32Attr(l.NumRxQueues)),
		nl.NewRtAttr(iflaCarrier, nl.Uint8Attr(l.Carrier)),
		nl.NewRtAttr(iflaQdisc, nl.ZeroTerminated(l.Qdisc)),
		nl.NewRtAttr(iflaCarrierChanges, nl.Uint32Attr(l.CarrierChanges)),
		nl.NewRtAttr(iflaProtoDown, nl.Uint8Attr(l.ProtoDown)),
		nl.NewRtAttr(iflaMap, appendIfmap(make([]byte, 0, sizeofIfmap), &l.Map)),
		nl.NewRtAttr(iflaAddress, l.Address),
		nl.NewRtAttr(iflaBroadcast, l.Broadcast),
		nl.NewRtAttr(iflaStats64, appendLinkStats64(make([]byte, 0, sizeofLinkStats64), &l.Stats64)),
		linkInfo,
		afSpec,
	}
	for _, a := range attrs {
		buf = append(buf, a.Serialize()...)
	}
	return buf, nil
}

// VishvanandaDecodeLink decodes struct ifinfomsg (nl.DeserializeIfInfomsg)
// and the attributes in b into l.
func VishvanandaDecodeLink(b []byte, l *Link) error {
	if len(b) < unix.SizeofIfInfomsg {
		return fmt.Errorf("ifinfomsg: %w: want %d bytes, got %d", errBadLength, unix.SizeofIfInfomsg, len(b))
	}
	msg := nl.DeserializeIfInfomsg(b)
	l.Header = IfInfomsg{Family: msg.Family, Type: msg.Type, Index: msg.Index, Flags: msg.Flags, Change: msg.Change}
	attrs, err := nl.ParseRouteAttr(b[unix.SizeofIfInfomsg:])
	if err != nil {
		return err
	}
	for _, a := range attrs {
		d, typ := a.Value, a.Attr.Type&nlaTypeMask
		switch typ {
		case iflaIfname:
			l.Name = cstring(d)
		case iflaTxqlen:
			err = getU32(d, typ, &l.TxQLen)
		case iflaOperstate:
			err = getU8(d, typ, &l.OperState)
		case iflaLinkmode:
			err = getU8(d, typ, &l.LinkMode)
		case iflaMTU:
			err = getU32(d, typ, &l.MTU)
		case iflaMinMTU:
			err = getU32(d, typ, &l.MinMTU)
		case iflaMaxMTU:
			err = getU32(d, typ, &l.MaxMTU)
		case iflaGroup:
			err = getU32(d, typ, &l.Group)
		case iflaPromiscuity:
			err = getU32(d, typ, &l.Promiscuity)
		case iflaNumTxQueues:
			err = getU32(d, typ, &l.NumTxQueues)
		case iflaGSOMaxSegs:
			err = getU32(d, typ, &l.GSOMaxSegs)
		case iflaGSOMaxSize:
			err = getU32(d, typ, &l.GSOMaxSize)
		case iflaNumRxQueues:
			err = getU32(d, typ, &l.NumRxQueues)
		case iflaCarrier:
			err = getU8(d, typ, &l.Carrier)
		case iflaQdisc:
			l.Qdisc = cstring(d)
		case iflaCarrierChanges:
			err = getU32(d, typ, &l.CarrierChanges)
		case iflaProtoDown:
			err = getU8(d, typ, &l.ProtoDown)
		case iflaMap:
			err = parseIfmap(d, typ, &l.Map)
		case iflaAddress:
			l.Address = net.HardwareAddr(bytes.Clone(d))
		case iflaBroadcast:
			l.Broadcast = net.HardwareAddr(bytes.Clone(d))
		case iflaStats64:
			err = parseLinkStats64(d, typ, &l.Stats64)
		case iflaLinkinfo:
			err = vishvanandaDecodeLinkInfo(d, &l.LinkInfo)
		case iflaAfSpec:
			err = vishvanandaDecodeAfSpec(d, &l.AfSpec)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

func vishvanandaDecodeLinkInfo(b []byte, li *LinkInfo) error {
	attrs, err := nl.ParseRouteAttr(b)
	if err != nil {
		return err
	}
	for _, a := range attrs {
		switch a.Attr.Type & nlaTypeMask {
		case iflaInfoKind:
			li.Kind = cstring(a.Value)
		case iflaInfoData:
			if li.Kind != "vlan" {
				continue
			}
			data, err := nl.ParseRouteAttr(a.Value)
			if err != nil {
				return err
			}
			v := &VlanData{}
			for _, da := range data {
				switch typ := da.Attr.Type & nlaTypeMask; typ {
				case iflaVlanID:
					err = getU16(da.Value, typ, &v.ID)
				case iflaVlanProtocol:
					err = getU16BE(da.Value, typ, &v.Protocol)
				}
				if err != nil {
					return err
				}
			}
			li.Data = v
		}
	}
	return nil
}

func vishvanandaDecodeAfSpec(b []byte, af *AfSpec) error {
	attrs, err := nl.ParseRouteAttr(b)
	if err != nil {
		return err
	}
	for _, a := range attrs {
		if a.Attr.Type&nlaTypeMask != afInet6 {
			continue
		}
		var inet6 []syscall.NetlinkRouteAttr
		if inet6, err = nl.ParseRouteAttr(a.Value); err != nil {
			return err
		}
		for _, ia := range inet6 {
			switch typ := ia.Attr.Type & nlaTypeMask; typ {
			case iflaInet6Flags:
				err = getU32(ia.Value, typ, &af.Inet6.Flags)
			case iflaInet6AddrGenMode:
				err = getU8(ia.Value, typ, &af.Inet6.AddrGenMode)
			}
			if err != nil {
				return err
			}
		}
	}
	return nil
}
