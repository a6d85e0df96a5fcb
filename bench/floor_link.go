package bench

import (
	"bytes"
	"net"

	"github.com/nlstruct/nlstruct/nlattr"
)

// FloorAppendLink appends struct ifinfomsg and the attributes of l to b.
func FloorAppendLink(b []byte, l *Link) ([]byte, error) {
	var err error
	b = appendIfInfomsg(b, &l.Header)
	if b, err = nlattr.AppendString(b, iflaIfname, l.Name); err != nil {
		return b, err
	}
	b = nlattr.AppendU32(b, iflaTxqlen, l.TxQLen)
	b = nlattr.AppendU8(b, iflaOperstate, l.OperState)
	b = nlattr.AppendU8(b, iflaLinkmode, l.LinkMode)
	b = nlattr.AppendU32(b, iflaMTU, l.MTU)
	b = nlattr.AppendU32(b, iflaMinMTU, l.MinMTU)
	b = nlattr.AppendU32(b, iflaMaxMTU, l.MaxMTU)
	b = nlattr.AppendU32(b, iflaGroup, l.Group)
	b = nlattr.AppendU32(b, iflaPromiscuity, l.Promiscuity)
	b = nlattr.AppendU32(b, iflaNumTxQueues, l.NumTxQueues)
	b = nlattr.AppendU32(b, iflaGSOMaxSegs, l.GSOMaxSegs)
	b = nlattr.AppendU32(b, iflaGSOMaxSize, l.GSOMaxSize)
	b = nlattr.AppendU32(b, iflaNumRxQueues, l.NumRxQueues)
	b = nlattr.AppendU8(b, iflaCarrier, l.Carrier)
	if b, err = nlattr.AppendString(b, iflaQdisc, l.Qdisc); err != nil {
		return b, err
	}
	b = nlattr.AppendU32(b, iflaCarrierChanges, l.CarrierChanges)
	b = nlattr.AppendU8(b, iflaProtoDown, l.ProtoDown)
	b = nlattr.AppendHeader(b, iflaMap, nlattr.HeaderLen+sizeofIfmap)
	b = appendIfmap(b, &l.Map)
	if b, err = nlattr.AppendBytes(b, iflaAddress, l.Address); err != nil {
		return b, err
	}
	if b, err = nlattr.AppendBytes(b, iflaBroadcast, l.Broadcast); err != nil {
		return b, err
	}
	b = nlattr.AppendHeader(b, iflaStats64, nlattr.HeaderLen+sizeofLinkStats64)
	b = appendLinkStats64(b, &l.Stats64)

	b, info := nlattr.BeginNested(b, iflaLinkinfo)
	if b, err = nlattr.AppendString(b, iflaInfoKind, l.LinkInfo.Kind); err != nil {
		return b, err
	}
	if v, ok := l.LinkInfo.Data.(*VlanData); ok && v != nil {
		var data int
		b, data = nlattr.BeginNested(b, iflaInfoData)
		b = nlattr.AppendU16(b, iflaVlanID, v.ID)
		b = nlattr.AppendU16BE(b, iflaVlanProtocol, v.Protocol)
		if b, err = nlattr.EndNested(b, data); err != nil {
			return b, err
		}
	}
	if b, err = nlattr.EndNested(b, info); err != nil {
		return b, err
	}

	b, af := nlattr.BeginNested(b, iflaAfSpec)
	b, inet6 := nlattr.BeginNested(b, afInet6)
	b = nlattr.AppendU32(b, iflaInet6Flags, l.AfSpec.Inet6.Flags)
	b = nlattr.AppendU8(b, iflaInet6AddrGenMode, l.AfSpec.Inet6.AddrGenMode)
	if b, err = nlattr.EndNested(b, inet6); err != nil {
		return b, err
	}
	return nlattr.EndNested(b, af)
}

// FloorDecodeLink decodes struct ifinfomsg and the attributes in b into l.
func FloorDecodeLink(b []byte, l *Link) error {
	if err := parseIfInfomsg(b, &l.Header); err != nil {
		return err
	}
	it := nlattr.NewIter(b[sizeofIfInfomsg:])
	for it.Next() {
		d, typ := it.Data(), it.Type()
		var err error
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
			err = floorDecodeLinkInfo(d, &l.LinkInfo)
		case iflaAfSpec:
			err = floorDecodeAfSpec(d, &l.AfSpec)
		}
		if err != nil {
			return err
		}
	}
	return it.Err()
}

func floorDecodeLinkInfo(b []byte, li *LinkInfo) error {
	it := nlattr.NewIter(b)
	for it.Next() {
		switch it.Type() {
		case iflaInfoKind:
			li.Kind = cstring(it.Data())
		case iflaInfoData:
			if li.Kind != "vlan" {
				continue
			}
			v := &VlanData{}
			if err := floorDecodeVlan(it.Data(), v); err != nil {
				return err
			}
			li.Data = v
		}
	}
	return it.Err()
}

func floorDecodeVlan(b []byte, v *VlanData) error {
	it := nlattr.NewIter(b)
	for it.Next() {
		d, typ := it.Data(), it.Type()
		var err error
		switch typ {
		case iflaVlanID:
			err = getU16(d, typ, &v.ID)
		case iflaVlanProtocol:
			err = getU16BE(d, typ, &v.Protocol)
		}
		if err != nil {
			return err
		}
	}
	return it.Err()
}

func floorDecodeAfSpec(b []byte, af *AfSpec) error {
	it := nlattr.NewIter(b)
	for it.Next() {
		if it.Type() != afInet6 {
			continue
		}
		in := nlattr.NewIter(it.Data())
		for in.Next() {
			d, typ := in.Data(), in.Type()
			var err error
			switch typ {
			case iflaInet6Flags:
				err = getU32(d, typ, &af.Inet6.Flags)
			case iflaInet6AddrGenMode:
				err = getU8(d, typ, &af.Inet6.AddrGenMode)
			}
			if err != nil {
				return err
			}
		}
		if err := in.Err(); err != nil {
			return err
		}
	}
	return it.Err()
}
