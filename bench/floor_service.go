package bench

import (
	"encoding/binary"

	"github.com/nlstruct/nlstruct/nlattr"
)

// The floor: what a person writes by hand with package nlattr alone. It
// appends into the caller's buffer and walks attributes with nlattr.Iter, so
// it allocates nothing on encode and only the strings on decode.

// FloorAppendService appends the attributes of s to b.
func FloorAppendService(b []byte, s *Service) ([]byte, error) {
	var err error
	b = nlattr.AppendU16(b, ipvsSvcAttrAF, s.AF)
	b = nlattr.AppendU16(b, ipvsSvcAttrProtocol, s.Protocol)
	if b, err = nlattr.AppendBytes(b, ipvsSvcAttrAddr, s.Addr[:]); err != nil {
		return b, err
	}
	b = nlattr.AppendU16BE(b, ipvsSvcAttrPort, s.Port)
	b = nlattr.AppendU32(b, ipvsSvcAttrFWMark, s.FWMark)
	if b, err = nlattr.AppendString(b, ipvsSvcAttrSchedName, s.SchedName); err != nil {
		return b, err
	}
	b = nlattr.AppendHeader(b, ipvsSvcAttrFlags, nlattr.HeaderLen+8)
	b = appendServiceFlags(b, &s.Flags)
	b = nlattr.AppendU32(b, ipvsSvcAttrTimeout, s.Timeout)
	b = nlattr.AppendU32(b, ipvsSvcAttrNetmask, s.Netmask)

	b, start := nlattr.BeginNested(b, ipvsSvcAttrStats)
	b = floorAppendStats(b, &s.Stats)
	if b, err = nlattr.EndNested(b, start); err != nil {
		return b, err
	}

	if b, err = nlattr.AppendString(b, ipvsSvcAttrPEName, s.PEName); err != nil {
		return b, err
	}

	b, start = nlattr.BeginNested(b, ipvsSvcAttrStats64)
	b = floorAppendStats64(b, &s.Stats64)
	return nlattr.EndNested(b, start)
}

func floorAppendStats(b []byte, s *Stats) []byte {
	b = nlattr.AppendU32(b, ipvsStatsAttrConns, s.Conns)
	b = nlattr.AppendU32(b, ipvsStatsAttrInPkts, s.InPkts)
	b = nlattr.AppendU32(b, ipvsStatsAttrOutPkts, s.OutPkts)
	b = nlattr.AppendU64(b, ipvsStatsAttrInBytes, s.InBytes)
	b = nlattr.AppendU64(b, ipvsStatsAttrOutBytes, s.OutBytes)
	b = nlattr.AppendU32(b, ipvsStatsAttrCPS, s.CPS)
	b = nlattr.AppendU32(b, ipvsStatsAttrInPPS, s.InPPS)
	b = nlattr.AppendU32(b, ipvsStatsAttrOutPPS, s.OutPPS)
	b = nlattr.AppendU32(b, ipvsStatsAttrInBPS, s.InBPS)
	return nlattr.AppendU32(b, ipvsStatsAttrOutBPS, s.OutBPS)
}

func floorAppendStats64(b []byte, s *Stats64) []byte {
	b = nlattr.AppendU64(b, ipvsStatsAttrConns, s.Conns)
	b = nlattr.AppendU64(b, ipvsStatsAttrInPkts, s.InPkts)
	b = nlattr.AppendU64(b, ipvsStatsAttrOutPkts, s.OutPkts)
	b = nlattr.AppendU64(b, ipvsStatsAttrInBytes, s.InBytes)
	b = nlattr.AppendU64(b, ipvsStatsAttrOutBytes, s.OutBytes)
	b = nlattr.AppendU64(b, ipvsStatsAttrCPS, s.CPS)
	b = nlattr.AppendU64(b, ipvsStatsAttrInPPS, s.InPPS)
	b = nlattr.AppendU64(b, ipvsStatsAttrOutPPS, s.OutPPS)
	b = nlattr.AppendU64(b, ipvsStatsAttrInBPS, s.InBPS)
	return nlattr.AppendU64(b, ipvsStatsAttrOutBPS, s.OutBPS)
}

// FloorDecodeService decodes the attributes in b into s.
func FloorDecodeService(b []byte, s *Service) error {
	it := nlattr.NewIter(b)
	for it.Next() {
		d, typ := it.Data(), it.Type()
		var err error
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
			err = floorDecodeStats(d, &s.Stats)
		case ipvsSvcAttrPEName:
			s.PEName = cstring(d)
		case ipvsSvcAttrStats64:
			err = floorDecodeStats64(d, &s.Stats64)
		}
		if err != nil {
			return err
		}
	}
	return it.Err()
}

func floorDecodeStats(b []byte, s *Stats) error {
	it := nlattr.NewIter(b)
	for it.Next() {
		d, typ := it.Data(), it.Type()
		var err error
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
	return it.Err()
}

func floorDecodeStats64(b []byte, s *Stats64) error {
	it := nlattr.NewIter(b)
	for it.Next() {
		d, typ := it.Data(), it.Type()
		var p *uint64
		switch typ {
		case ipvsStatsAttrConns:
			p = &s.Conns
		case ipvsStatsAttrInPkts:
			p = &s.InPkts
		case ipvsStatsAttrOutPkts:
			p = &s.OutPkts
		case ipvsStatsAttrInBytes:
			p = &s.InBytes
		case ipvsStatsAttrOutBytes:
			p = &s.OutBytes
		case ipvsStatsAttrCPS:
			p = &s.CPS
		case ipvsStatsAttrInPPS:
			p = &s.InPPS
		case ipvsStatsAttrOutPPS:
			p = &s.OutPPS
		case ipvsStatsAttrInBPS:
			p = &s.InBPS
		case ipvsStatsAttrOutBPS:
			p = &s.OutBPS
		default:
			continue
		}
		if len(d) != 8 {
			return badLen(typ, 8, len(d))
		}
		*p = binary.NativeEndian.Uint64(d)
	}
	return it.Err()
}
