package bench

import (
	"encoding/binary"
	"errors"
	"fmt"
)

// Helpers shared by the hand-written codecs (floor, mdlayher, vishvananda):
// the fixed-layout payloads (struct ip_vs_flags, struct ifinfomsg, struct
// rtnl_link_ifmap, struct rtnl_link_stats64), length-checked integer reads
// and NUL-terminated strings. The peers have no helpers of their own for
// these, so every hand-written codec uses the same ones and differs only in
// how it frames and walks attributes, which is what the libraries provide.

var ne = binary.NativeEndian

var errBadLength = errors.New("bad length")

func badLen(typ uint16, want, got int) error {
	return fmt.Errorf("attribute %d: %w: want %d bytes, got %d", typ, errBadLength, want, got)
}

func getU8(d []byte, typ uint16, v *uint8) error {
	if len(d) != 1 {
		return badLen(typ, 1, len(d))
	}
	*v = d[0]
	return nil
}

func getU16(d []byte, typ uint16, v *uint16) error {
	if len(d) != 2 {
		return badLen(typ, 2, len(d))
	}
	*v = ne.Uint16(d)
	return nil
}

func getU16BE(d []byte, typ uint16, v *uint16) error {
	if len(d) != 2 {
		return badLen(typ, 2, len(d))
	}
	*v = binary.BigEndian.Uint16(d)
	return nil
}

func getU32(d []byte, typ uint16, v *uint32) error {
	if len(d) != 4 {
		return badLen(typ, 4, len(d))
	}
	*v = ne.Uint32(d)
	return nil
}

func getU64(d []byte, typ uint16, v *uint64) error {
	if len(d) != 8 {
		return badLen(typ, 8, len(d))
	}
	*v = ne.Uint64(d)
	return nil
}

// cstring returns d up to its first NUL (or all of d if it has none).
func cstring(d []byte) string {
	for i, c := range d {
		if c == 0 {
			return string(d[:i])
		}
	}
	return string(d)
}

// ---- struct ip_vs_flags ----

func appendServiceFlags(b []byte, f *ServiceFlags) []byte {
	b = ne.AppendUint32(b, f.Flags)
	return ne.AppendUint32(b, f.Mask)
}

func parseServiceFlags(d []byte, typ uint16, f *ServiceFlags) error {
	if len(d) != 8 {
		return badLen(typ, 8, len(d))
	}
	f.Flags = ne.Uint32(d[0:])
	f.Mask = ne.Uint32(d[4:])
	return nil
}

// ---- struct ifinfomsg ----

func appendIfInfomsg(b []byte, h *IfInfomsg) []byte {
	b = append(b, h.Family, 0)
	b = ne.AppendUint16(b, h.Type)
	b = ne.AppendUint32(b, uint32(h.Index))
	b = ne.AppendUint32(b, h.Flags)
	return ne.AppendUint32(b, h.Change)
}

func parseIfInfomsg(d []byte, h *IfInfomsg) error {
	if len(d) < sizeofIfInfomsg {
		return fmt.Errorf("ifinfomsg: %w: want %d bytes, got %d", errBadLength, sizeofIfInfomsg, len(d))
	}
	h.Family = d[0]
	h.Type = ne.Uint16(d[2:])
	h.Index = int32(ne.Uint32(d[4:]))
	h.Flags = ne.Uint32(d[8:])
	h.Change = ne.Uint32(d[12:])
	return nil
}

// ---- struct rtnl_link_ifmap ----

func appendIfmap(b []byte, m *LinkIfmap) []byte {
	b = ne.AppendUint64(b, m.MemStart)
	b = ne.AppendUint64(b, m.MemEnd)
	b = ne.AppendUint64(b, m.BaseAddr)
	b = ne.AppendUint16(b, m.IRQ)
	return append(b, m.DMA, m.Port, 0, 0, 0, 0)
}

func parseIfmap(d []byte, typ uint16, m *LinkIfmap) error {
	if len(d) != sizeofIfmap {
		return badLen(typ, sizeofIfmap, len(d))
	}
	m.MemStart = ne.Uint64(d[0:])
	m.MemEnd = ne.Uint64(d[8:])
	m.BaseAddr = ne.Uint64(d[16:])
	m.IRQ = ne.Uint16(d[24:])
	m.DMA = d[26]
	m.Port = d[27]
	return nil
}

// ---- struct rtnl_link_stats64 ----

func appendLinkStats64(b []byte, s *LinkStats64) []byte {
	b = ne.AppendUint64(b, s.RxPackets)
	b = ne.AppendUint64(b, s.TxPackets)
	b = ne.AppendUint64(b, s.RxBytes)
	b = ne.AppendUint64(b, s.TxBytes)
	b = ne.AppendUint64(b, s.RxErrors)
	b = ne.AppendUint64(b, s.TxErrors)
	b = ne.AppendUint64(b, s.RxDropped)
	b = ne.AppendUint64(b, s.TxDropped)
	b = ne.AppendUint64(b, s.Multicast)
	b = ne.AppendUint64(b, s.Collisions)
	b = ne.AppendUint64(b, s.RxLengthErrors)
	b = ne.AppendUint64(b, s.RxOverErrors)
	b = ne.AppendUint64(b, s.RxCRCErrors)
	b = ne.AppendUint64(b, s.RxFrameErrors)
	b = ne.AppendUint64(b, s.RxFIFOErrors)
	b = ne.AppendUint64(b, s.RxMissedErrors)
	b = ne.AppendUint64(b, s.TxAbortedErrors)
	b = ne.AppendUint64(b, s.TxCarrierErrors)
	b = ne.AppendUint64(b, s.TxFIFOErrors)
	b = ne.AppendUint64(b, s.TxHeartbeatErrors)
	b = ne.AppendUint64(b, s.TxWindowErrors)
	b = ne.AppendUint64(b, s.RxCompressed)
	b = ne.AppendUint64(b, s.TxCompressed)
	b = ne.AppendUint64(b, s.RxNoHandler)
	return ne.AppendUint64(b, s.RxOtherhostDropped)
}

func parseLinkStats64(d []byte, typ uint16, s *LinkStats64) error {
	if len(d) != sizeofLinkStats64 {
		return badLen(typ, sizeofLinkStats64, len(d))
	}
	d = d[:sizeofLinkStats64]
	s.RxPackets = ne.Uint64(d[0:])
	s.TxPackets = ne.Uint64(d[8:])
	s.RxBytes = ne.Uint64(d[16:])
	s.TxBytes = ne.Uint64(d[24:])
	s.RxErrors = ne.Uint64(d[32:])
	s.TxErrors = ne.Uint64(d[40:])
	s.RxDropped = ne.Uint64(d[48:])
	s.TxDropped = ne.Uint64(d[56:])
	s.Multicast = ne.Uint64(d[64:])
	s.Collisions = ne.Uint64(d[72:])
	s.RxLengthErrors = ne.Uint64(d[80:])
	s.RxOverErrors = ne.Uint64(d[88:])
	s.RxCRCErrors = ne.Uint64(d[96:])
	s.RxFrameErrors = ne.Uint64(d[104:])
	s.RxFIFOErrors = ne.Uint64(d[112:])
	s.RxMissedErrors = ne.Uint64(d[120:])
	s.TxAbortedErrors = ne.Uint64(d[128:])
	s.TxCarrierErrors = ne.Uint64(d[136:])
	s.TxFIFOErrors = ne.Uint64(d[144:])
	s.TxHeartbeatErrors = ne.Uint64(d[152:])
	s.TxWindowErrors = ne.Uint64(d[160:])
	s.RxCompressed = ne.Uint64(d[168:])
	s.TxCompressed = ne.Uint64(d[176:])
	s.RxNoHandler = ne.Uint64(d[184:])
	s.RxOtherhostDropped = ne.Uint64(d[192:])
	return nil
}
