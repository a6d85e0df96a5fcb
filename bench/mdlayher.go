package bench

import (
	"encoding/binary"
	"net"

	"github.com/mdlayher/netlink"
)

// The mdlayher/netlink codec: AttributeEncoder (with Nested) to encode,
// AttributeDecoder (with Nested) to decode, used the way the library's own
// users (jsimonetti/rtnetlink, mdlayher/genetlink families) use it.
// AttributeEncoder.Encode returns a new slice, so there is no buffer to reuse.

// MdlayherEncodeService encodes s; buf is unused (the library has no append
// form).
func MdlayherEncodeService(_ []byte, s *Service) ([]byte, error) {
	ae := netlink.NewAttributeEncoder()
	ae.Uint16(ipvsSvcAttrAF, s.AF)
	ae.Uint16(ipvsSvcAttrProtocol, s.Protocol)
	ae.Bytes(ipvsSvcAttrAddr, s.Addr[:])
	ae.Bytes(ipvsSvcAttrPort, binary.BigEndian.AppendUint16(make([]byte, 0, 2), s.Port))
	ae.Uint32(ipvsSvcAttrFWMark, s.FWMark)
	ae.String(ipvsSvcAttrSchedName, s.SchedName)
	ae.Bytes(ipvsSvcAttrFlags, appendServiceFlags(make([]byte, 0, 8), &s.Flags))
	ae.Uint32(ipvsSvcAttrTimeout, s.Timeout)
	ae.Uint32(ipvsSvcAttrNetmask, s.Netmask)
	ae.Nested(ipvsSvcAttrStats, func(nae *netlink.AttributeEncoder) error {
		st := &s.Stats
		nae.Uint32(ipvsStatsAttrConns, st.Conns)
		nae.Uint32(ipvsStatsAttrInPkts, st.InPkts)
		nae.Uint32(ipvsStatsAttrOutPkts, st.OutPkts)
		nae.Uint64(ipvsStatsAttrInBytes, st.InBytes)
		nae.Uint64(ipvsStatsAttrOutBytes, st.OutBytes)
		nae.Uint32(ipvsStatsAttrCPS, st.CPS)
		nae.Uint32(ipvsStatsAttrInPPS, st.InPPS)
		nae.Uint32(ipvsStatsAttrOutPPS, st.OutPPS)
		nae.Uint32(ipvsStatsAttrInBPS, st.InBPS)
		nae.Uint32(ipvsStatsAttrOutBPS, st.OutBPS)
		return nil
	})
	ae.String(ipvsSvcAttrPEName, s.PEName)
	ae.Nested(ipvsSvcAttrStats64, func(nae *netlink.AttributeEncoder) error {
		st := &s.Stats64
		nae.Uint64(ipvsStatsAttrConns, st.Conns)
		nae.Uint64(ipvsStatsAttrInPkts, st.InPkts)
		nae.Uint64(ipvsStatsAttrOutPkts, st.OutPkts)
		nae.Uint64(ipvsStatsAttrInBytes, st.InBytes)
		nae.Uint64(ipvsStatsAttrOutBytes, st.OutBytes)
		nae.Uint64(ipvsStatsAttrCPS, st.CPS)
		nae.Uint64(ipvsStatsAttrInPPS, st.InPPS)
		nae.Uint64(ipvsStatsAttrOutPPS, st.OutPPS)
		nae.Uint64(ipvsStatsAttrInBPS, st.InBPS)
		nae.Uint64(ipvsStatsAttrOutBPS, st.OutBPS)
		return nil
	})
	return ae.Encode()
}

// MdlayherDecodeService decodes the attributes in b into s.
func MdlayherDecodeService(b []byte, s *Service) error {
	ad, err := netlink.NewAttributeDecoder(b)
	if err != nil {
		return err
	}
	for ad.Next() {
		switch typ := ad.Type(); typ {
		case ipvsSvcAttrAF:
			s.AF = ad.Uint16()
		case ipvsSvcAttrProtocol:
			s.Protocol = ad.Uint16()
		case ipvsSvcAttrAddr:
			ad.Do(func(d []byte) error {
				if len(d) != len(s.Addr) {
					return badLen(typ, len(s.Addr), len(d))
				}
				copy(s.Addr[:], d)
				return nil
			})
		case ipvsSvcAttrPort:
			ad.Do(func(d []byte) error { return getU16BE(d, typ, &s.Port) })
		case ipvsSvcAttrFWMark:
			s.FWMark = ad.Uint32()
		case ipvsSvcAttrSchedName:
			s.SchedName = ad.String()
		case ipvsSvcAttrFlags:
			ad.Do(func(d []byte) error { return parseServiceFlags(d, typ, &s.Flags) })
		case ipvsSvcAttrTimeout:
			s.Timeout = ad.Uint32()
		case ipvsSvcAttrNetmask:
			s.Netmask = ad.Uint32()
		case ipvsSvcAttrStats:
			ad.Nested(func(nad *netlink.AttributeDecoder) error {
				st := &s.Stats
				for nad.Next() {
					switch nad.Type() {
					case ipvsStatsAttrConns:
						st.Conns = nad.Uint32()
					case ipvsStatsAttrInPkts:
						st.InPkts = nad.Uint32()
					case ipvsStatsAttrOutPkts:
						st.OutPkts = nad.Uint32()
					case ipvsStatsAttrInBytes:
						st.InBytes = nad.Uint64()
					case ipvsStatsAttrOutBytes:
						st.OutBytes = nad.Uint64()
					case ipvsStatsAttrCPS:
						st.CPS = nad.Uint32()
					case ipvsStatsAttrInPPS:
						st.InPPS = nad.Uint32()
					case ipvsStatsAttrOutPPS:
						st.OutPPS = nad.Uint32()
					case ipvsStatsAttrInBPS:
						st.InBPS = nad.Uint32()
					case ipvsStatsAttrOutBPS:
						st.OutBPS = nad.Uint32()
					}
				}
				return nil
			})
		case ipvsSvcAttrPEName:
			s.PEName = ad.String()
		case ipvsSvcAttrStats64:
			ad.Nested(func(nad *netlink.AttributeDecoder) error {
				st := &s.Stats64
				for nad.Next() {
					switch nad.Type() {
					case ipvsStatsAttrConns:
						st.Conns = nad.Uint64()
					case ipvsStatsAttrInPkts:
						st.InPkts = nad.Uint64()
					case ipvsStatsAttrOutPkts:
						st.OutPkts = nad.Uint64()
					case ipvsStatsAttrInBytes:
						st.InBytes = nad.Uint64()
					case ipvsStatsAttrOutBytes:
						st.OutBytes = nad.Uint64()
					case ipvsStatsAttrCPS:
						st.CPS = nad.Uint64()
					case ipvsStatsAttrInPPS:
						st.InPPS = nad.Uint64()
					case ipvsStatsAttrOutPPS:
						st.OutPPS = nad.Uint64()
					case ipvsStatsAttrInBPS:
						st.InBPS = nad.Uint64()
					case ipvsStatsAttrOutBPS:
						st.OutBPS = nad.Uint64()
					}
				}
				return nil
			})
		}
	}
	return ad.Err()
}

// MdlayherAppendLink appends struct ifinfomsg to buf and then the attributes
// of l, encoded by an AttributeEncoder (as jsimonetti/rtnetlink does).
func MdlayherAppendLink(buf []byte, l *Link) ([]byte, error) {
	buf = appendIfInfomsg(buf, &l.Header)
	ae := netlink.NewAttributeEncoder()
	ae.String(iflaIfname, l.Name)
	ae.Uint32(iflaTxqlen, l.TxQLen)
	ae.Uint8(iflaOperstate, l.OperState)
	ae.Uint8(iflaLinkmode, l.LinkMode)
	ae.Uint32(iflaMTU, l.MTU)
	ae.Uint32(iflaMinMTU, l.MinMTU)
	ae.Uint32(iflaMaxMTU, l.MaxMTU)
	ae.Uint32(iflaGroup, l.Group)
	ae.Uint32(iflaPromiscuity, l.Promiscuity)
	ae.Uint32(iflaNumTxQueues, l.NumTxQueues)
	ae.Uint32(iflaGSOMaxSegs, l.GSOMaxSegs)
	ae.Uint32(iflaGSOMaxSize, l.GSOMaxSize)
	ae.Uint32(iflaNumRxQueues, l.NumRxQueues)
	ae.Uint8(iflaCarrier, l.Carrier)
	ae.String(iflaQdisc, l.Qdisc)
	ae.Uint32(iflaCarrierChanges, l.CarrierChanges)
	ae.Uint8(iflaProtoDown, l.ProtoDown)
	ae.Bytes(iflaMap, appendIfmap(make([]byte, 0, sizeofIfmap), &l.Map))
	ae.Bytes(iflaAddress, l.Address)
	ae.Bytes(iflaBroadcast, l.Broadcast)
	ae.Bytes(iflaStats64, appendLinkStats64(make([]byte, 0, sizeofLinkStats64), &l.Stats64))
	ae.Nested(iflaLinkinfo, func(nae *netlink.AttributeEncoder) error {
		nae.String(iflaInfoKind, l.LinkInfo.Kind)
		if v, ok := l.LinkInfo.Data.(*VlanData); ok && v != nil {
			nae.Nested(iflaInfoData, func(vae *netlink.AttributeEncoder) error {
				vae.Uint16(iflaVlanID, v.ID)
				vae.Bytes(iflaVlanProtocol, binary.BigEndian.AppendUint16(make([]byte, 0, 2), v.Protocol))
				return nil
			})
		}
		return nil
	})
	ae.Nested(iflaAfSpec, func(nae *netlink.AttributeEncoder) error {
		nae.Nested(afInet6, func(iae *netlink.AttributeEncoder) error {
			iae.Uint32(iflaInet6Flags, l.AfSpec.Inet6.Flags)
			iae.Uint8(iflaInet6AddrGenMode, l.AfSpec.Inet6.AddrGenMode)
			return nil
		})
		return nil
	})
	attrs, err := ae.Encode()
	if err != nil {
		return buf, err
	}
	return append(buf, attrs...), nil
}

// MdlayherDecodeLink decodes struct ifinfomsg and the attributes in b into l.
func MdlayherDecodeLink(b []byte, l *Link) error {
	if err := parseIfInfomsg(b, &l.Header); err != nil {
		return err
	}
	ad, err := netlink.NewAttributeDecoder(b[sizeofIfInfomsg:])
	if err != nil {
		return err
	}
	for ad.Next() {
		switch typ := ad.Type(); typ {
		case iflaIfname:
			l.Name = ad.String()
		case iflaTxqlen:
			l.TxQLen = ad.Uint32()
		case iflaOperstate:
			l.OperState = ad.Uint8()
		case iflaLinkmode:
			l.LinkMode = ad.Uint8()
		case iflaMTU:
			l.MTU = ad.Uint32()
		case iflaMinMTU:
			l.MinMTU = ad.Uint32()
		case iflaMaxMTU:
			l.MaxMTU = ad.Uint32()
		case iflaGroup:
			l.Group = ad.Uint32()
		case iflaPromiscuity:
			l.Promiscuity = ad.Uint32()
		case iflaNumTxQueues:
			l.NumTxQueues = ad.Uint32()
		case iflaGSOMaxSegs:
			l.GSOMaxSegs = ad.Uint32()
		case iflaGSOMaxSize:
			l.GSOMaxSize = ad.Uint32()
		case iflaNumRxQueues:
			l.NumRxQueues = ad.Uint32()
		case iflaCarrier:
			l.Carrier = ad.Uint8()
		case iflaQdisc:
			l.Qdisc = ad.String()
		case iflaCarrierChanges:
			l.CarrierChanges = ad.Uint32()
		case iflaProtoDown:
			l.ProtoDown = ad.Uint8()
		case iflaMap:
			ad.Do(func(d []byte) error { return parseIfmap(d, typ, &l.Map) })
		case iflaAddress:
			l.Address = net.HardwareAddr(ad.Bytes())
		case iflaBroadcast:
			l.Broadcast = net.HardwareAddr(ad.Bytes())
		case iflaStats64:
			ad.Do(func(d []byte) error { return parseLinkStats64(d, typ, &l.Stats64) })
		case iflaLinkinfo:
			ad.Nested(func(nad *netlink.AttributeDecoder) error {
				li := &l.LinkInfo
				for nad.Next() {
					switch nad.Type() {
					case iflaInfoKind:
						li.Kind = nad.String()
					case iflaInfoData:
						if li.Kind != "vlan" {
							continue
						}
						v := &VlanData{}
						nad.Nested(func(vad *netlink.AttributeDecoder) error {
							for vad.Next() {
								switch vt := vad.Type(); vt {
								case iflaVlanID:
									v.ID = vad.Uint16()
								case iflaVlanProtocol:
									vad.Do(func(d []byte) error { return getU16BE(d, vt, &v.Protocol) })
								}
							}
							return nil
						})
						li.Data = v
					}
				}
				return nil
			})
		case iflaAfSpec:
			ad.Nested(func(nad *netlink.AttributeDecoder) error {
				for nad.Next() {
					if nad.Type() != afInet6 {
						continue
					}
					nad.Nested(func(iad *netlink.AttributeDecoder) error {
						for iad.Next() {
							switch iad.Type() {
							case iflaInet6Flags:
								l.AfSpec.Inet6.Flags = iad.Uint32()
							case iflaInet6AddrGenMode:
								l.AfSpec.Inet6.AddrGenMode = iad.Uint8()
							}
						}
						return nil
					})
				}
				return nil
			})
		}
	}
	return ad.Err()
}
