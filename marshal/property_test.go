package marshal_test

// Property tests (pgregory.net/rapid) over every type of internal/zoo:
//
//   - round trip: for a generated canonical value x, Unmarshal(Marshal(x))
//     equals x exactly, re-encoding gives the same bytes, Append to a prefix
//     and Marshal of the struct by value agree, and Unmarshal into a dirty
//     target gives the same value;
//   - unknown attributes: random attributes of types the struct does not
//     use survive decode/encode when collected, are dropped with
//     DiscardUnknown and rejected with RejectUnknown;
//   - hostile input: for random, mutated and randomly framed bytes,
//     Unmarshal never panics, and when it succeeds the value is a fixpoint
//     of decode→encode→decode;
//   - documented value changes (netip.Addr zones, v4-mapped net.IP);
//   - concurrency: 16 goroutines use different zoo types and fresh types at
//     once while variants are registered (which clears the plan cache).
//
// The generators produce canonical values, following doc.go:
//
//   - a nil []byte, net.IP, net.HardwareAddr, packed slice or array slice
//     is absent and decodes as nil; a non-nil empty one is a present empty
//     attribute and decodes as a non-nil empty slice, except under
//     omitempty, where an empty slice is not encoded: so omitempty fields
//     get nil or non-empty;
//   - a multi slice encodes one attribute per element, so an empty slice is
//     absent: multi fields get nil or non-empty, and never nil elements;
//   - strings stop at the first NUL on decode: generated strings hold none;
//   - net.IP comes back as 4 bytes for IPv4, else 16: generated IPs are 4
//     bytes or 16 bytes that are not v4-mapped; netip.Addr loses its zone:
//     generated addresses have none (TestPropertyDocumentedChanges covers
//     both changes);
//   - a present empty attribute set decodes as a pointer to an empty struct;
//   - a sub-message field is nil unless its selector names a registered
//     variant; a body whose selector is registered is never nil (an empty
//     body would decode as an empty attribute set, or fail as a short fixed
//     layout);
//   - unknown attributes have types the struct does not use, and nil Data
//     when empty;
//   - every value respects its field's checks (min/max/len/minlen/maxlen).

import (
	"bytes"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"reflect"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"pgregory.net/rapid"

	"github.com/nlstruct/nlstruct/internal/zoo"
	"github.com/nlstruct/nlstruct/marshal"
	"github.com/nlstruct/nlstruct/nlattr"
)

// ---- Comparison ----

// propExact compares generated values with decoded ones exactly. Neither
// option lets a value change:
//   - netip.Addr has unexported fields, so cmp needs to be told to compare
//     it with ==, which is exact (address and zone);
//   - net.IP has an Equal method that cmp would use, which calls a 4-byte
//     IPv4 address equal to its 16-byte v4-mapped form; the canonical
//     values must come back byte for byte, nil-ness included.
var propExact = []cmp.Option{
	cmp.Comparer(func(a, b netip.Addr) bool { return a == b }),
	// Byte for byte on purpose (not net.IP.Equal, see above).
	cmp.Comparer(func(a, b net.IP) bool { return string(a) == string(b) && (a == nil) == (b == nil) }),
}

// propFixpoint compares the first and second decodings of arbitrary input.
// Here values may change where doc.go says they do:
//   - net.IP: "4 bytes for IPv4, else 16; decodes 4 or 16": a 16-byte
//     v4-mapped address decodes as 16 bytes and is re-encoded as 4, so the
//     first and second decodings differ in form; cmp's default use of
//     net.IP.Equal treats them as the same address (no option needed);
//   - omitempty: "do not encode a zero value", and a present empty
//     attribute decodes as a non-nil empty slice, which omitempty then
//     drops, so the second decoding has nil. EquateEmpty applies only to
//     fields tagged omitempty.
var propFixpoint = []cmp.Option{
	cmp.Comparer(func(a, b netip.Addr) bool { return a == b }),
	cmp.FilterPath(isOmitemptyField, cmpopts.EquateEmpty()),
}

func isOmitemptyField(p cmp.Path) bool {
	sf, ok := p.Last().(cmp.StructField)
	if !ok || len(p) < 2 {
		return false
	}
	st := p.Index(-2).Type()
	if st.Kind() != reflect.Struct {
		return false
	}
	return propHasOption(st.Field(sf.Index()).Tag.Get("nl"), "omitempty")
}

func propHasOption(tag, name string) bool {
	for _, o := range strings.Split(tag, ",") {
		if k, _, _ := strings.Cut(strings.TrimSpace(o), "="); k == name {
			return true
		}
	}
	return false
}

// ---- Generators of leaf values ----

// propStr returns a string of minLen..maxLen bytes with no NUL.
func propStr(t *rapid.T, label string, minLen, maxLen int) string {
	return string(rapid.SliceOfN(rapid.ByteRange(1, 255), minLen, maxLen).Draw(t, label))
}

// propBytes returns a non-nil slice of minLen..maxLen bytes.
func propBytes(t *rapid.T, label string, minLen, maxLen int) []byte {
	b := rapid.SliceOfN(rapid.Byte(), minLen, maxLen).Draw(t, label)
	if b == nil {
		b = []byte{}
	}
	return b
}

// propBytesOpt returns nil or a slice of minLen..maxLen bytes.
func propBytesOpt(t *rapid.T, label string, minLen, maxLen int) []byte {
	if rapid.Bool().Draw(t, label+".nil") {
		return nil
	}
	return propBytes(t, label, minLen, maxLen)
}

// propSlice returns nil or a slice of minLen..maxLen elements (non-nil,
// possibly empty when minLen is 0).
func propSlice[E any](t *rapid.T, label string, g *rapid.Generator[E], minLen, maxLen int) []E {
	if rapid.Bool().Draw(t, label+".nil") {
		return nil
	}
	s := rapid.SliceOfN(g, minLen, maxLen).Draw(t, label)
	if s == nil {
		s = []E{}
	}
	return s
}

// propOpt returns nil or a pointer to a generated value.
func propOpt[E any](t *rapid.T, label string, g *rapid.Generator[E]) *E {
	if rapid.Bool().Draw(t, label+".nil") {
		return nil
	}
	v := g.Draw(t, label)
	return &v
}

var v4Mapped = []byte{0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff}

// propIP is a net.IP of 4 bytes or 16 bytes that are not v4-mapped.
var propIP = rapid.Custom(func(t *rapid.T) net.IP {
	if rapid.Bool().Draw(t, "v4") {
		return net.IP(propBytes(t, "ip4", 4, 4))
	}
	b := propBytes(t, "ip16", 16, 16)
	if bytes.Equal(b[:12], v4Mapped) {
		b[0] = 0x20
	}
	return net.IP(b)
})

func propIPOpt(t *rapid.T, label string) net.IP {
	if rapid.Bool().Draw(t, label+".nil") {
		return nil
	}
	return propIP.Draw(t, label)
}

// propAddr is a valid netip.Addr without zone: IPv4, IPv6 or v4-in-v6.
var propAddr = rapid.Custom(func(t *rapid.T) netip.Addr {
	switch rapid.IntRange(0, 2).Draw(t, "family") {
	case 0:
		return netip.AddrFrom4([4]byte(propBytes(t, "a4", 4, 4)))
	case 1:
		return netip.AddrFrom16(netip.AddrFrom4([4]byte(propBytes(t, "a4", 4, 4))).As16()) // v4-in-v6
	}
	return netip.AddrFrom16([16]byte(propBytes(t, "a16", 16, 16)))
})

func propAddrOpt(t *rapid.T, label string) netip.Addr {
	if rapid.Bool().Draw(t, label+".invalid") {
		return netip.Addr{}
	}
	return propAddr.Draw(t, label)
}

// propMillis is a zoo.Millis that encodes: whole milliseconds, 0..2^32-1.
var propMillis = rapid.Custom(func(t *rapid.T) zoo.Millis {
	return zoo.Millis(time.Duration(rapid.Uint32().Draw(t, "ms")) * time.Millisecond)
})

// propTags is nil or a non-empty zoo.Tags (an empty set decodes as nil).
func propTags(t *rapid.T, label string) zoo.Tags {
	if rapid.Bool().Draw(t, label+".nil") {
		return nil
	}
	return zoo.Tags(rapid.SliceOfN(rapid.Custom(func(t *rapid.T) string { return propStr(t, "tag", 0, 6) }), 1, 3).Draw(t, label))
}

// propUnknownAttr returns an attribute whose type is not among used.
func propUnknownAttr(t *rapid.T, label string, used []uint16) nlattr.Attr {
	typ := rapid.OneOf(rapid.Uint16Range(0, 64), rapid.Uint16Range(0, nlattr.MaxType)).
		Filter(func(x uint16) bool { return !slices.Contains(used, x) }).Draw(t, label+".type")
	flags := rapid.SampledFrom([]uint16{0, nlattr.FlagNested, nlattr.FlagNetByteOrder, nlattr.FlagNested | nlattr.FlagNetByteOrder}).Draw(t, label+".flags")
	data := propBytes(t, label+".data", 0, 12)
	if len(data) == 0 {
		data = nil // decoding gives nil Data for an empty payload
	}
	return nlattr.Attr{Type: typ, Flags: flags, Data: data}
}

// propUnknown returns nil or 1..3 unknown attributes for struct type T.
func propUnknown[T any](t *rapid.T, label string) []nlattr.Attr {
	used := zoo.AttrTypes(reflect.TypeFor[T]())
	if rapid.Bool().Draw(t, label+".nil") {
		return nil
	}
	n := rapid.IntRange(1, 3).Draw(t, label+".n")
	out := make([]nlattr.Attr, n)
	for i := range out {
		out[i] = propUnknownAttr(t, fmt.Sprintf("%s[%d]", label, i), used)
	}
	return out
}

// ---- Generators of zoo types ----

var (
	genPair = rapid.Custom(func(t *rapid.T) zoo.Pair {
		return zoo.Pair{Key: rapid.Uint32().Draw(t, "Key"), Value: rapid.Uint32().Draw(t, "Value")}
	})
	genCounters = rapid.Custom(func(t *rapid.T) zoo.Counters {
		return zoo.Counters{
			Packets: rapid.Uint64().Draw(t, "Packets"), Bytes: rapid.Uint64().Draw(t, "Bytes"),
			Errors: [2]uint32{rapid.Uint32().Draw(t, "E0"), rapid.Uint32().Draw(t, "E1")},
			Ports:  zoo.Ports{Src: rapid.Uint16().Draw(t, "Src"), Dst: rapid.Uint16().Draw(t, "Dst")},
			Up:     rapid.Bool().Draw(t, "Up"), Proto: zoo.Proto(rapid.Uint8().Draw(t, "Proto")),
		}
	})
	genIfInfo = rapid.Custom(func(t *rapid.T) zoo.IfInfo {
		return zoo.IfInfo{
			Family: rapid.Uint8().Draw(t, "Family"), Type: rapid.Uint16().Draw(t, "Type"),
			Index: rapid.Int32().Draw(t, "Index"), Flags: zoo.IfFlags(rapid.Uint32().Draw(t, "Flags")),
			Change: rapid.Uint32().Draw(t, "Change"), Up: rapid.Bool().Draw(t, "Up"),
		}
	})
	genGenlHdr = rapid.Custom(func(t *rapid.T) zoo.GenlHdr {
		return zoo.GenlHdr{Cmd: rapid.Uint8().Draw(t, "Cmd"), Version: rapid.Uint8().Draw(t, "Version")}
	})
	genTcHdr = rapid.Custom(func(t *rapid.T) zoo.TcHdr {
		return zoo.TcHdr{Family: rapid.Uint8().Draw(t, "Family"), Handle: rapid.Uint16().Draw(t, "Handle"), Parent: rapid.Int16().Draw(t, "Parent")}
	})
	genProcHdr = rapid.Custom(func(t *rapid.T) zoo.ProcHdr {
		return zoo.ProcHdr{
			What: rapid.OneOf(rapid.SampledFrom([]uint32{zoo.ProcFork, zoo.ProcComm, zoo.ProcExit}), rapid.Uint32()).Draw(t, "What"),
			CPU:  rapid.Uint32().Draw(t, "CPU"), Timestamp: rapid.Uint64().Draw(t, "Timestamp"),
		}
	})
	genNotifyHdr = rapid.Custom(func(t *rapid.T) zoo.NotifyHdr {
		return zoo.NotifyHdr{
			Kind:  rapid.OneOf(rapid.SampledFrom([]uint16{zoo.NotifyAddKind, zoo.NotifyDelKind}), rapid.Uint16()).Draw(t, "Kind"),
			Flags: rapid.Uint8().Draw(t, "Flags"), Ack: rapid.Bool().Draw(t, "Ack"),
		}
	})
	genForkEvent = rapid.Custom(func(t *rapid.T) zoo.ForkEvent {
		return zoo.ForkEvent{ParentPid: rapid.Int32().Draw(t, "PP"), ParentTgid: rapid.Int32().Draw(t, "PT"), ChildPid: rapid.Int32().Draw(t, "CP"), ChildTgid: rapid.Int32().Draw(t, "CT")}
	})
	genCommEvent = rapid.Custom(func(t *rapid.T) zoo.CommEvent {
		return zoo.CommEvent{Pid: rapid.Int32().Draw(t, "Pid"), Tgid: rapid.Int32().Draw(t, "Tgid"), Comm: [16]byte(propBytes(t, "Comm", 16, 16))}
	})
	genGreData = rapid.Custom(func(t *rapid.T) zoo.GreData {
		return zoo.GreData{IKey: rapid.Uint32().Draw(t, "IKey"), OKey: rapid.Uint32().Draw(t, "OKey"), TTL: rapid.Uint8().Draw(t, "TTL"), TOS: rapid.Uint8().Draw(t, "TOS"), PMTUDisc: rapid.Bool().Draw(t, "PMTUDisc")}
	})

	genStats = rapid.Custom(func(t *rapid.T) zoo.Stats {
		return zoo.Stats{Conns: rapid.Uint32().Draw(t, "Conns"), InPkts: zoo.Counter(rapid.Uint64().Draw(t, "InPkts")), InBytes: rapid.Uint64().Draw(t, "InBytes"), Rate: rapid.Uint().Draw(t, "Rate")}
	})
	genRoute = rapid.Custom(func(t *rapid.T) zoo.Route {
		return zoo.Route{Dst: propAddrOpt(t, "Dst"), Gw: propIPOpt(t, "Gw"), Metric: rapid.Uint32().Draw(t, "Metric"), Table: rapid.Uint8().Draw(t, "Table")}
	})
	genDummy = rapid.Custom(func(t *rapid.T) zoo.DummyData {
		return zoo.DummyData{Unknown: propUnknown[zoo.DummyData](t, "Unknown")}
	})
	genQos = rapid.Custom(func(t *rapid.T) zoo.QosList {
		return zoo.QosList{Maps: propSlice(t, "Maps", genPair, 1, 8)}
	})
	genVlan = rapid.Custom(func(t *rapid.T) zoo.VlanData {
		return zoo.VlanData{
			ID: rapid.Uint16Range(0, 4094).Draw(t, "ID"), Flags: propOpt(t, "Flags", genPair),
			Egress: propOpt(t, "Egress", genQos), Protocol: rapid.Uint16().Draw(t, "Protocol"),
		}
	})
	genLinkInfo = rapid.Custom(func(t *rapid.T) zoo.LinkInfo {
		v := zoo.LinkInfo{Kind: rapid.OneOf(rapid.SampledFrom([]string{"vlan", "dummy", ""}), rapid.Custom(func(t *rapid.T) string { return propStr(t, "kind", 0, 6) })).Draw(t, "Kind")}
		switch v.Kind {
		case "vlan":
			if p := propOpt(t, "Data", genVlan); p != nil {
				v.Data = p
			}
		case "dummy":
			if p := propOpt(t, "Data", genDummy); p != nil {
				v.Data = p
			}
		}
		v.Slave = propStr(t, "Slave", 0, 8)
		v.Unknown = propUnknown[zoo.LinkInfo](t, "Unknown")
		return v
	})
	genIpip = rapid.Custom(func(t *rapid.T) zoo.IpipData {
		return zoo.IpipData{Local: propAddrOpt(t, "Local"), Remote: propAddrOpt(t, "Remote"), TTL: rapid.Uint8().Draw(t, "TTL")}
	})
	genTunInfo = rapid.Custom(func(t *rapid.T) zoo.TunInfo {
		v := zoo.TunInfo{Kind: rapid.OneOf(rapid.SampledFrom([]string{"gre", "ipip"}), rapid.Custom(func(t *rapid.T) string { return propStr(t, "kind", 0, 6) })).Draw(t, "Kind")}
		switch v.Kind {
		case "gre":
			if p := propOpt(t, "Data", genGreData); p != nil {
				v.Data = p
			}
		case "ipip":
			if p := propOpt(t, "Data", genIpip); p != nil {
				v.Data = p
			}
		}
		v.Unknown = propUnknown[zoo.TunInfo](t, "Unknown")
		return v
	})
	genErrPayload = rapid.Custom(func(t *rapid.T) zoo.ErrPayload {
		return zoo.ErrPayload{Errno: rapid.Int32Max(0).Draw(t, "Errno"), Msg: propStr(t, "Msg", 0, 20), Attr: propOpt(t, "Attr", rapid.Uint16())}
	})
	genEvent = rapid.Custom(func(t *rapid.T) zoo.Event {
		v := zoo.Event{Code: rapid.OneOf(rapid.SampledFrom([]int8{zoo.EventError, zoo.EventNote}), rapid.Int8()).Draw(t, "Code")}
		switch v.Code {
		case zoo.EventError:
			if p := propOpt(t, "Payload", genErrPayload); p != nil {
				v.Payload = p
			}
		case zoo.EventNote:
			// A Note is raw bytes, NULs included.
			if !rapid.Bool().Draw(t, "Payload.nil") {
				n := zoo.Note(propBytes(t, "Note", 0, 12))
				v.Payload = &n
			}
		}
		v.Seq = rapid.Uint32().Draw(t, "Seq")
		return v
	})
	genExitEvent = rapid.Custom(func(t *rapid.T) zoo.ExitEvent {
		return zoo.ExitEvent{Pid: rapid.Int32().Draw(t, "Pid"), Code: rapid.Uint32().Draw(t, "Code"), Signal: propOpt(t, "Signal", rapid.Uint8()), Unknown: propUnknown[zoo.ExitEvent](t, "Unknown")}
	})
	genProcEvent = rapid.Custom(func(t *rapid.T) zoo.ProcEvent {
		v := zoo.ProcEvent{Hdr: genProcHdr.Draw(t, "Hdr")}
		switch v.Hdr.What {
		case zoo.ProcFork:
			v.Body = ptrTo(genForkEvent.Draw(t, "Body"))
		case zoo.ProcComm:
			v.Body = ptrTo(genCommEvent.Draw(t, "Body"))
		case zoo.ProcExit:
			v.Body = ptrTo(genExitEvent.Draw(t, "Body"))
		}
		return v
	})
	genNotifyAdd = rapid.Custom(func(t *rapid.T) zoo.NotifyAdd {
		return zoo.NotifyAdd{Name: propStr(t, "Name", 0, 10), Index: rapid.Uint32().Draw(t, "Index"), Unknown: propUnknown[zoo.NotifyAdd](t, "Unknown")}
	})
	genNotifyDel = rapid.Custom(func(t *rapid.T) zoo.NotifyDel {
		return zoo.NotifyDel{Index: propOpt(t, "Index", rapid.Uint32())}
	})
	genNotify = rapid.Custom(func(t *rapid.T) zoo.Notify {
		v := zoo.Notify{Hdr: genNotifyHdr.Draw(t, "Hdr")}
		switch v.Hdr.Kind {
		case zoo.NotifyAddKind:
			v.Body = ptrTo(genNotifyAdd.Draw(t, "Body"))
		case zoo.NotifyDelKind:
			v.Body = ptrTo(genNotifyDel.Draw(t, "Body"))
		}
		return v
	})
	genOp = rapid.Custom(func(t *rapid.T) zoo.Op {
		return zoo.Op{ID: rapid.Uint32().Draw(t, "ID"), Flags: rapid.Uint32().Draw(t, "Flags")}
	})
	genGroup = rapid.Custom(func(t *rapid.T) zoo.Group {
		return zoo.Group{Name: propStr(t, "Name", 0, 8), ID: rapid.Uint32().Draw(t, "ID")}
	})
	genFamily = rapid.Custom(func(t *rapid.T) zoo.Family {
		return zoo.Family{
			Genl: genGenlHdr.Draw(t, "Genl"), Tc: genTcHdr.Draw(t, "Tc"),
			ID: rapid.Uint16().Draw(t, "ID"), Name: propStr(t, "Name", 0, 16),
			Version: rapid.OneOf(rapid.Just[uint32](0), rapid.Uint32Min(1)).Draw(t, "Version"),
			Ops:     propSlice(t, "Ops", genOp, 0, 3), Groups: propSlice(t, "Groups", genGroup, 0, 3),
			Tags: propTags(t, "Tags"), Timeout: propMillis.Draw(t, "Timeout"), Idle: propOpt(t, "Idle", propMillis),
			Unknown: propUnknown[zoo.Family](t, "Unknown"),
		}
	})
	genLink = rapid.Custom(func(t *rapid.T) zoo.Link {
		return zoo.Link{
			Hdr: genIfInfo.Draw(t, "Hdr"), Name: propStr(t, "Name", 0, 15),
			MTU:   rapid.OneOf(rapid.Just[uint32](0), rapid.Uint32Min(68)).Draw(t, "MTU"),
			Stats: genCounters.Draw(t, "Stats"), Info: propOpt(t, "Info", genLinkInfo),
			Xstats: genStats.Draw(t, "Xstats"), Extra: genStats.Draw(t, "Extra"),
			Stats64: propOpt(t, "Stats64", genCounters), Addr: net.HardwareAddr(propBytesOpt(t, "Addr", 0, 8)),
			Unknown: propUnknown[zoo.Link](t, "Unknown"),
		}
	})
	genAddrs = rapid.Custom(func(t *rapid.T) zoo.Addrs {
		var bcast net.HardwareAddr
		if !rapid.Bool().Draw(t, "Bcast.nil") {
			bcast = propBytes(t, "Bcast", 6, 6)
		}
		return zoo.Addrs{
			IP: propIPOpt(t, "IP"), IP6: propIPOpt(t, "IP6"), Addr: propAddrOpt(t, "Addr"), Local: propAddrOpt(t, "Local"),
			Mac: net.HardwareAddr(propBytesOpt(t, "Mac", 0, 8)), Bcast: bcast, Gw: propOpt(t, "Gw", propAddr),
			IPs: propSlice(t, "IPs", propIP, 1, 3), Raw: [16]byte(propBytes(t, "Raw", 16, 16)), Peer: propOpt(t, "Peer", propIP),
		}
	})
	genLists = rapid.Custom(func(t *rapid.T) zoo.Lists {
		nonNilRoute := rapid.Custom(func(t *rapid.T) *zoo.Route { return ptrTo(genRoute.Draw(t, "r")) })
		return zoo.Lists{
			Ports:   propSlice(t, "Ports", rapid.Uint16(), 1, 4),
			Names:   propSlice(t, "Names", rapid.Custom(func(t *rapid.T) string { return propStr(t, "s", 0, 5) }), 1, 4),
			Routes:  propSlice(t, "Routes", genRoute, 1, 3),
			PRoutes: propSlice(t, "PRoutes", nonNilRoute, 1, 3),
			Ptrs:    propSlice(t, "Ptrs", rapid.Custom(func(t *rapid.T) *uint32 { return ptrTo(rapid.Uint32().Draw(t, "p")) }), 1, 3),
			Levels:  propSlice(t, "Levels", rapid.Custom(func(t *rapid.T) zoo.Level { return zoo.Level(rapid.Int32Range(-3, 3).Draw(t, "l")) }), 1, 4),
			Addrs:   propSlice(t, "Addrs", propAddr, 1, 3),
			Blobs:   propSlice(t, "Blobs", rapid.Custom(func(t *rapid.T) []byte { return propBytes(t, "b", 0, 5) }), 1, 3),
			Uints:   propSlice(t, "Uints", rapid.Uint(), 1, 3),
			Entries: propSlice(t, "Entries", genRoute, 0, 3),
			Vals:    propSlice(t, "Vals", rapid.Uint32(), 0, 4),
			Pairs:   propSlice(t, "Pairs", genPair, 0, 3),
			Strs:    propSlice(t, "Strs", rapid.Custom(func(t *rapid.T) string { return propStr(t, "s", 0, 5) }), 1, 3),
			PEnts:   propSlice(t, "PEnts", nonNilRoute, 0, 3),
			Prios:   propSlice(t, "Prios", rapid.Custom(func(t *rapid.T) zoo.Scale { return zoo.Scale(rapid.Int8Range(-7, 7).Draw(t, "p")) }), 0, 3),
			Words:   propSlice(t, "Words", rapid.Uint32(), 0, 5),
			PairLst: propSlice(t, "PairLst", genPair, 1, 3),
			Bits:    propSlice(t, "Bits", rapid.Uint16(), 1, 4),
			Durs:    propSlice(t, "Durs", propMillis, 1, 3),
			Counts:  propSlice(t, "Counts", genCounters, 1, 2),
		}
	})
	genOptional = rapid.Custom(func(t *rapid.T) zoo.Optional {
		return zoo.Optional{
			U8: propOpt(t, "U8", rapid.Uint8()), U16: propOpt(t, "U16", rapid.Uint16()), U32: propOpt(t, "U32", rapid.Uint32Min(1)),
			U64: propOpt(t, "U64", rapid.Uint64()), I32: propOpt(t, "I32", rapid.Int32Range(-10, 10)), Uint: propOpt(t, "Uint", rapid.Uint()),
			Int:  propOpt(t, "Int", rapid.Custom(func(t *rapid.T) zoo.Offset { return zoo.Offset(rapid.Int().Draw(t, "o")) })),
			Bool: propOpt(t, "Bool", rapid.Bool()), Str: propOpt(t, "Str", rapid.Custom(func(t *rapid.T) string { return propStr(t, "s", 0, 8) })),
			Arr:  propOpt(t, "Arr", rapid.Custom(func(t *rapid.T) [4]byte { return [4]byte(propBytes(t, "a", 4, 4)) })),
			Pair: propOpt(t, "Pair", genPair), Stats: propOpt(t, "Stats", genStats), Empty: propOpt(t, "Empty", genDummy),
			Dur: propOpt(t, "Dur", propMillis), Addr: propOpt(t, "Addr", propAddr),
			Level: propOpt(t, "Level", rapid.Custom(func(t *rapid.T) zoo.Level { return zoo.Level(rapid.Int32().Draw(t, "l")) })),
			I8:    propOpt(t, "I8", rapid.Int8()),
			I64:   propOpt(t, "I64", rapid.Custom(func(t *rapid.T) zoo.Delta { return zoo.Delta(rapid.Int64().Draw(t, "d")) })),
			OU32:  propOpt(t, "OU32", rapid.Uint32()),
			OStat: propOpt(t, "OStat", genStats),
		}
	})
	genScalars = rapid.Custom(func(t *rapid.T) zoo.Scalars {
		var key []byte
		if !rapid.Bool().Draw(t, "Key.nil") {
			key = propBytes(t, "Key", 4, 4)
		}
		return zoo.Scalars{
			U8: rapid.Uint8().Draw(t, "U8"), U16: rapid.Uint16().Draw(t, "U16"), U32: rapid.Uint32().Draw(t, "U32"), U64: rapid.Uint64().Draw(t, "U64"),
			I8: rapid.Int8().Draw(t, "I8"), I16: rapid.Int16().Draw(t, "I16"), I32: rapid.Int32().Draw(t, "I32"), I64: rapid.Int64().Draw(t, "I64"),
			Uint: rapid.Uint().Draw(t, "Uint"), Int: rapid.Int().Draw(t, "Int"), Bool: rapid.Bool().Draw(t, "Bool"), Flag: rapid.Bool().Draw(t, "Flag"),
			Str: propStr(t, "Str", 0, 20), Bytes: propBytesOpt(t, "Bytes", 0, 20), Arr: [6]byte(propBytes(t, "Arr", 6, 6)),
			BE16: rapid.Uint16().Draw(t, "BE16"), BE32: rapid.Uint32().Draw(t, "BE32"), BE64: rapid.Uint64().Draw(t, "BE64"),
			NBO16: rapid.Uint16().Draw(t, "NBO16"), NBO32: rapid.Int32().Draw(t, "NBO32"),
			UintBE: zoo.Index(rapid.Uint().Draw(t, "UintBE")), IntBE: zoo.Offset(rapid.Int().Draw(t, "IntBE")),
			Proto: zoo.Proto(rapid.Uint8().Draw(t, "Proto")), Family: zoo.AddrFamily(rapid.Uint16().Draw(t, "Family")),
			Flags: zoo.IfFlags(rapid.Uint32().Draw(t, "Flags")), Level: zoo.Level(rapid.Int32Range(-5, 5).Draw(t, "Level")),
			Port: rapid.Uint16().Draw(t, "Port"), Prio: rapid.Uint8Range(0, 7).Draw(t, "Prio"), Name: propStr(t, "Name", 0, 15),
			Key: key, Weight: zoo.Weight(rapid.Int16Range(-1000, 1000).Draw(t, "Weight")), Delta: zoo.Delta(rapid.Int64().Draw(t, "Delta")),
			Count: zoo.Counter(rapid.Uint64Range(0, 0xffffffffff).Draw(t, "Count")), Scale: zoo.Scale(rapid.Int8Min(-8).Draw(t, "Scale")),
			Small: rapid.UintRange(0, 0xffff).Draw(t, "Small"), Signed: rapid.IntRange(-100000, 100000).Draw(t, "Signed"),
			OBool: rapid.Bool().Draw(t, "OBool"), OStr: propStr(t, "OStr", 0, 8), OBytes: propBytesOpt(t, "OBytes", 1, 8),
			OArr: [4]byte(propBytes(t, "OArr", 4, 4)), OInt: rapid.Int().Draw(t, "OInt"), Blob: propBytesOpt(t, "Blob", 2, 20),
			Dur: propMillis.Draw(t, "Dur"), Labels: propTags(t, "Labels"), ODur: propMillis.Draw(t, "ODur"),
			Fixed: genPair.Draw(t, "Fixed"), OFixed: genPair.Draw(t, "OFixed"),
			Raw:   [3]uint16{rapid.Uint16().Draw(t, "R0"), rapid.Uint16().Draw(t, "R1"), rapid.Uint16().Draw(t, "R2")},
			Extra: propUnknown[zoo.Scalars](t, "Extra"),
		}
	})
)

// Maps: nil is absent; a non-nil map, even empty, is a nest and decodes
// as a non-nil map. Keys are attribute types (0..0x3fff, and what the key
// type holds); nil pointer values are not encoded, and a map value that is
// itself a map is always encoded (nil comes back empty), so generated
// values are non-nil.
var (
	genPolicyAttr = rapid.Custom(func(t *rapid.T) zoo.PolicyAttr {
		return zoo.PolicyAttr{
			Type: rapid.Uint32().Draw(t, "Type"), Min: propOpt(t, "Min", rapid.Int64()), Max: propOpt(t, "Max", rapid.Uint64()),
			Unknown: propUnknown[zoo.PolicyAttr](t, "Unknown"),
		}
	})
	genPolicy = rapid.Custom(func(t *rapid.T) zoo.Policy {
		inner := rapid.MapOfN(rapid.Uint16Range(0, nlattr.MaxType), genPolicyAttr, 0, 3)
		return zoo.Policy{
			Attrs:   propMap(t, "Attrs", rapid.Uint32Range(0, uint32(nlattr.MaxType)), inner, 3),
			Limits:  propMap(t, "Limits", rapid.Uint16Range(0, nlattr.MaxType), rapid.Uint32(), 4),
			Names:   propMap(t, "Names", rapid.Int8Range(0, 127), rapid.Custom(func(t *rapid.T) string { return propStr(t, "s", 0, 6) }), 3),
			Ptrs:    propMap(t, "Ptrs", rapid.Uint8(), rapid.Custom(func(t *rapid.T) *zoo.Stats { return ptrTo(genStats.Draw(t, "s")) }), 3),
			Unknown: propUnknown[zoo.Policy](t, "Unknown"),
		}
	})
)

// propMap returns nil or a map of 0..maxLen entries.
func propMap[K comparable, V any](t *rapid.T, label string, k *rapid.Generator[K], v *rapid.Generator[V], maxLen int) map[K]V {
	if rapid.Bool().Draw(t, label+".nil") {
		return nil
	}
	m := rapid.MapOfN(k, v, 0, maxLen).Draw(t, label)
	if m == nil {
		m = map[K]V{}
	}
	return m
}

func ptrTo[T any](v T) *T { return &v }

// genNode generates a tree of at most depth levels below the root.
func genNode(depth int) *rapid.Generator[zoo.Node] {
	return rapid.Custom(func(t *rapid.T) zoo.Node {
		n := zoo.Node{Name: propStr(t, "Name", 0, 5), Value: rapid.Int().Draw(t, "Value")}
		if depth > 0 {
			sub := genNode(depth - 1)
			n.Next = propOpt(t, "Next", sub)
			n.Children = propSlice(t, "Children", sub, 1, 2)
			n.Kids = propSlice(t, "Kids", rapid.Custom(func(t *rapid.T) *zoo.Node { return ptrTo(sub.Draw(t, "k")) }), 0, 2)
		}
		return n
	})
}

// asAny turns a generator of T into one of *T as any.
func asAny[T any](g *rapid.Generator[T]) *rapid.Generator[any] {
	return rapid.Map(g, func(v T) any { return &v })
}

// propGens has a generator for every type of zoo.All, keyed by its pointer
// type. TestPropertyGeneratorsCoverZoo checks that none is missing.
var propGens = map[reflect.Type]*rapid.Generator[any]{
	reflect.TypeFor[*zoo.Scalars]():    asAny(genScalars),
	reflect.TypeFor[*zoo.Optional]():   asAny(genOptional),
	reflect.TypeFor[*zoo.Lists]():      asAny(genLists),
	reflect.TypeFor[*zoo.Addrs]():      asAny(genAddrs),
	reflect.TypeFor[*zoo.Link]():       asAny(genLink),
	reflect.TypeFor[*zoo.LinkInfo]():   asAny(genLinkInfo),
	reflect.TypeFor[*zoo.VlanData]():   asAny(genVlan),
	reflect.TypeFor[*zoo.QosList]():    asAny(genQos),
	reflect.TypeFor[*zoo.DummyData]():  asAny(genDummy),
	reflect.TypeFor[*zoo.TunInfo]():    asAny(genTunInfo),
	reflect.TypeFor[*zoo.GreData]():    asAny(genGreData),
	reflect.TypeFor[*zoo.IpipData]():   asAny(genIpip),
	reflect.TypeFor[*zoo.Stats]():      asAny(genStats),
	reflect.TypeFor[*zoo.Route]():      asAny(genRoute),
	reflect.TypeFor[*zoo.Node]():       asAny(genNode(3)),
	reflect.TypeFor[*zoo.Event]():      asAny(genEvent),
	reflect.TypeFor[*zoo.ErrPayload](): asAny(genErrPayload),
	reflect.TypeFor[*zoo.ProcEvent]():  asAny(genProcEvent),
	reflect.TypeFor[*zoo.ForkEvent]():  asAny(genForkEvent),
	reflect.TypeFor[*zoo.CommEvent]():  asAny(genCommEvent),
	reflect.TypeFor[*zoo.ExitEvent]():  asAny(genExitEvent),
	reflect.TypeFor[*zoo.Notify]():     asAny(genNotify),
	reflect.TypeFor[*zoo.NotifyAdd]():  asAny(genNotifyAdd),
	reflect.TypeFor[*zoo.NotifyDel]():  asAny(genNotifyDel),
	reflect.TypeFor[*zoo.Family]():     asAny(genFamily),
	reflect.TypeFor[*zoo.Op]():         asAny(genOp),
	reflect.TypeFor[*zoo.Group]():      asAny(genGroup),
	reflect.TypeFor[*zoo.IfInfo]():     asAny(genIfInfo),
	reflect.TypeFor[*zoo.Counters]():   asAny(genCounters),
	reflect.TypeFor[*zoo.Pair]():       asAny(genPair),
	reflect.TypeFor[*zoo.GenlHdr]():    asAny(genGenlHdr),
	reflect.TypeFor[*zoo.TcHdr]():      asAny(genTcHdr),
	reflect.TypeFor[*zoo.ProcHdr]():    asAny(genProcHdr),
	reflect.TypeFor[*zoo.NotifyHdr]():  asAny(genNotifyHdr),
	reflect.TypeFor[*zoo.Policy]():     asAny(genPolicy),
	reflect.TypeFor[*zoo.PolicyAttr](): asAny(genPolicyAttr),
}

// forEachZooType runs fn as a subtest for every type of zoo.All, skipping
// the types that a reported marshal bug keeps from planning.
func forEachZooType(t *testing.T, fn func(t *testing.T, typ reflect.Type, gen *rapid.Generator[any])) {
	for _, z := range zoo.All {
		pt := reflect.TypeOf(z)
		t.Run(pt.Elem().Name(), func(t *testing.T) {
			if note := zoo.KnownBug(z); note != "" {
				t.Skip(note)
			}
			gen := propGens[pt]
			if gen == nil {
				t.Fatalf("no generator for %v", pt)
			}
			fn(t, pt.Elem(), gen)
		})
	}
}

var propChecks atomic.Int64 // rapid cases run, reported by TestPropertyZReport

func TestPropertyGeneratorsCoverZoo(t *testing.T) {
	for _, z := range zoo.All {
		if propGens[reflect.TypeOf(z)] == nil {
			t.Errorf("no generator for %T", z)
		}
	}
}

// ---- Round trip ----

func TestPropertyRoundTrip(t *testing.T) {
	forEachZooType(t, func(t *testing.T, typ reflect.Type, gen *rapid.Generator[any]) {
		rapid.Check(t, func(rt *rapid.T) {
			propChecks.Add(1)
			v := gen.Draw(rt, "v")
			b, err := marshal.Marshal(v)
			if err != nil {
				rt.Fatalf("Marshal: %v", err)
			}
			got := reflect.New(typ).Interface()
			if err := marshal.Unmarshal(b, got); err != nil {
				rt.Fatalf("Unmarshal(% x): %v", b, err)
			}
			if d := cmp.Diff(v, got, propExact...); d != "" {
				rt.Fatalf("Unmarshal(Marshal(v)) differs (-v +got):\n%s\nbytes: % x", d, b)
			}
			if !reflect.DeepEqual(v, got) {
				rt.Fatalf("Unmarshal(Marshal(v)) is not DeepEqual to v:\n%#v\n%#v", v, got)
			}
			b2, err := marshal.Marshal(got)
			if err != nil || !bytes.Equal(b, b2) {
				rt.Fatalf("re-encoding: %v\n first % x\nsecond % x", err, b, b2)
			}
			// Marshal of the struct by value, and Append after a prefix
			// that leaves the buffer unaligned, give the same bytes.
			bv, err := marshal.Marshal(reflect.ValueOf(v).Elem().Interface())
			if err != nil || !bytes.Equal(b, bv) {
				rt.Fatalf("Marshal by value: %v\n% x\n% x", err, bv, b)
			}
			prefix := []byte{0xaa, 0xbb, 0xcc}
			ba, err := marshal.Append(prefix, v)
			if err != nil || !bytes.Equal(ba[:3], prefix) || !bytes.Equal(ba[3:], b) {
				rt.Fatalf("Append after 3 bytes: %v\n% x\n% x", err, ba, b)
			}
			// Unmarshal zeroes its target first.
			dirty := gen.Draw(rt, "dirty")
			if err := marshal.Unmarshal(b, dirty); err != nil {
				rt.Fatalf("Unmarshal into a used value: %v", err)
			}
			if d := cmp.Diff(v, dirty, propExact...); d != "" {
				rt.Fatalf("Unmarshal into a used value kept something (-v +got):\n%s", d)
			}
		})
	})
}

// ---- Unknown attributes ----

// unknownField returns the index of the top-level unknown field of struct
// type typ, or -1.
func unknownField(typ reflect.Type) int {
	for i := range typ.NumField() {
		if propHasOption(typ.Field(i).Tag.Get("nl"), "unknown") {
			return i
		}
	}
	return -1
}

// bodyField returns the index of the body field of struct type typ, or -1.
func bodyField(typ reflect.Type) int {
	for i := range typ.NumField() {
		tag := typ.Field(i).Tag.Get("nl")
		if propHasOption(tag, "selector") && !propHasOption(tag, "type") {
			return i
		}
	}
	return -1
}

func TestPropertyUnknown(t *testing.T) {
	forEachZooType(t, func(t *testing.T, typ reflect.Type, gen *rapid.Generator[any]) {
		hdr, attrs := zoo.HeaderSize(typ)
		used := zoo.AttrTypes(typ)
		uf := unknownField(typ)
		rapid.Check(t, func(rt *rapid.T) {
			propChecks.Add(1)
			v := gen.Draw(rt, "v")
			b, err := marshal.Marshal(v)
			if err != nil {
				rt.Fatalf("Marshal: %v", err)
			}
			// Insert attributes of unused types between the top-level
			// attributes of a message that has attributes.
			in := b
			var extras int
			if attrs {
				var bounds []int
				it := nlattr.NewIter(b[hdr:])
				for it.Next() {
					bounds = append(bounds, hdr+it.Offset())
				}
				bounds = append(bounds, len(b))
				n := rapid.IntRange(0, 4).Draw(rt, "extras")
				extras = n
				for i := range n {
					a := propUnknownAttr(rt, fmt.Sprintf("extra[%d]", i), used)
					at := rapid.SampledFrom(bounds).Draw(rt, "at")
					enc, err := nlattr.AppendAttr(nil, a)
					if err != nil {
						rt.Fatal(err)
					}
					in = slices.Concat(in[:at], enc, in[at:])
					for j := range bounds {
						if bounds[j] >= at {
							bounds[j] += len(enc)
						}
					}
				}
			}
			// What the unknown field must hold: the attributes of unused
			// types, in the order of the input.
			want := reflect.New(typ)
			if err := marshal.Unmarshal(b, want.Interface()); err != nil {
				rt.Fatalf("Unmarshal of the plain encoding: %v", err)
			}
			if uf >= 0 {
				var list []nlattr.Attr
				it := nlattr.NewIter(in[hdr:])
				for it.Next() {
					if !slices.Contains(used, it.Type()) {
						a := it.Attr()
						if len(a.Data) == 0 {
							a.Data = nil
						}
						list = append(list, a)
					}
				}
				want.Elem().Field(uf).Set(reflect.ValueOf(list))
			}

			// KeepUnknown: collected, and they survive encode/decode.
			got := reflect.New(typ).Interface()
			if err := marshal.Unmarshal(in, got); err != nil {
				rt.Fatalf("Unmarshal with unknown attributes: %v\ninput % x", err, in)
			}
			if d := cmp.Diff(want.Interface(), got, propExact...); d != "" {
				rt.Fatalf("KeepUnknown (-want +got):\n%s", d)
			}
			b2, err := marshal.Marshal(got)
			if err != nil {
				rt.Fatalf("Marshal after KeepUnknown: %v", err)
			}
			again := reflect.New(typ).Interface()
			if err := marshal.Unmarshal(b2, again); err != nil {
				rt.Fatalf("Unmarshal of re-encoding: %v", err)
			}
			if d := cmp.Diff(got, again, propExact...); d != "" {
				rt.Fatalf("unknown attributes did not survive (-first +second):\n%s", d)
			}

			// DiscardUnknown: every unknown field is empty.
			disc := reflect.New(typ).Interface()
			if err := (marshal.Options{Unknown: marshal.DiscardUnknown}).Unmarshal(in, disc); err != nil {
				rt.Fatalf("DiscardUnknown: %v", err)
			}
			wantDisc := want.Interface()
			zoo.ClearUnknown(wantDisc)
			if d := cmp.Diff(wantDisc, disc, propExact...); d != "" {
				rt.Fatalf("DiscardUnknown (-want +got):\n%s", d)
			}

			// RejectUnknown: an error exactly when there is an unknown
			// attribute somewhere. A body whose selector has no
			// registered type is left nil by the generators, so it
			// encodes as nothing, and an empty body loses nothing: it is
			// accepted (marshal.go, RejectUnknown).
			rej := reflect.New(typ).Interface()
			err = (marshal.Options{Unknown: marshal.RejectUnknown}).Unmarshal(in, rej)
			unregisteredBody := false
			if bf := bodyField(typ); bf >= 0 {
				unregisteredBody = reflect.ValueOf(v).Elem().Field(bf).IsNil()
			}
			switch {
			case extras > 0 || zoo.HasUnknown(v):
				if !errors.Is(err, marshal.ErrUnknownAttribute) {
					rt.Fatalf("RejectUnknown: got %v, want ErrUnknownAttribute", err)
				}
			case unregisteredBody:
				if err != nil {
					rt.Fatalf("RejectUnknown with an unregistered body selector and an empty body: %v", err)
				}
			default:
				if err != nil {
					rt.Fatalf("RejectUnknown with nothing unknown: %v", err)
				}
				if d := cmp.Diff(v, rej, propExact...); d != "" {
					rt.Fatalf("RejectUnknown (-want +got):\n%s", d)
				}
			}
		})
	})
}

// ---- Hostile input ----

// propInput draws bytes to decode as typ: raw random bytes, a mutated valid
// encoding, or a random attribute stream (after random header bytes) using
// the type's own attribute types.
func propInput(t *rapid.T, typ reflect.Type, gen *rapid.Generator[any]) []byte {
	switch rapid.IntRange(0, 2).Draw(t, "strategy") {
	case 0:
		return rapid.SliceOfN(rapid.Byte(), 0, 96).Draw(t, "raw")
	case 1:
		b, err := marshal.Marshal(gen.Draw(t, "valid"))
		if err != nil {
			t.Fatalf("Marshal: %v", err)
		}
		for i, n := 0, rapid.IntRange(1, 4).Draw(t, "mutations"); i < n; i++ {
			if len(b) == 0 {
				b = append(b, rapid.Byte().Draw(t, "grow"))
				continue
			}
			at := rapid.IntRange(0, len(b)-1).Draw(t, "at")
			switch rapid.IntRange(0, 4).Draw(t, "mutation") {
			case 0:
				b[at] ^= 1 << rapid.IntRange(0, 7).Draw(t, "bit")
			case 1:
				b[at] = rapid.SampledFrom([]byte{0, 1, 3, 4, 5, 8, 0x7f, 0x80, 0xff}).Draw(t, "byte")
			case 2:
				b = b[:at]
			case 3:
				b = slices.Insert(b, at, propBytes(t, "insert", 1, 8)...)
			case 4:
				end := rapid.IntRange(at, len(b)).Draw(t, "end")
				b = slices.Insert(b, at, slices.Clone(b[at:end])...)
			}
		}
		return b
	}
	hdr, _ := zoo.HeaderSize(typ)
	b := propBytes(t, "header", hdr, hdr)
	types := append(zoo.AttrTypes(typ), 0, 1, 2, 3, 5000)
	var stream func(depth int) []byte
	stream = func(depth int) []byte {
		var out []byte
		for i, n := 0, rapid.IntRange(0, 5).Draw(t, "attrs"); i < n; i++ {
			typ := rapid.SampledFrom(types).Draw(t, "type")
			flags := rapid.SampledFrom([]uint16{0, nlattr.FlagNested, nlattr.FlagNetByteOrder}).Draw(t, "flags")
			var data []byte
			if depth > 0 && rapid.Bool().Draw(t, "nest") {
				data = stream(depth - 1)
			} else {
				n := rapid.SampledFrom([]int{0, 1, 2, 3, 4, 5, 6, 8, 12, 16, 20}).Draw(t, "len")
				data = propBytes(t, "data", n, n)
			}
			out, _ = nlattr.AppendAttr(out, nlattr.Attr{Type: typ, Flags: flags, Data: data})
		}
		return out
	}
	return append(b, stream(2)...)
}

// propSentinels are the errors every decoding error must wrap.
var propSentinels = []error{marshal.ErrTruncated, marshal.ErrBadLength, marshal.ErrTooLarge, marshal.ErrTooDeep,
	marshal.ErrCheck, marshal.ErrUnknownAttribute, marshal.ErrVariant, marshal.ErrTag, marshal.ErrInvalid}

// checkFixpoint decodes data as typ; if that succeeds, the value must
// encode, and decoding the encoding must give the same value and the same
// encoding again. The unknown-attribute policies must agree with it.
func checkFixpoint(t interface {
	Fatalf(string, ...any)
}, typ reflect.Type, data []byte) (decoded bool) {
	v1 := reflect.New(typ).Interface()
	err := marshal.Unmarshal(data, v1)
	disc := reflect.New(typ).Interface()
	errDisc := (marshal.Options{Unknown: marshal.DiscardUnknown}).Unmarshal(data, disc)
	if err != nil {
		var me *marshal.Error
		if !errors.As(err, &me) || !slices.ContainsFunc(propSentinels, func(s error) bool { return errors.Is(err, s) }) {
			t.Fatalf("Unmarshal error %v (%T) is not a *marshal.Error wrapping a sentinel", err, err)
		}
		if errDisc == nil {
			t.Fatalf("DiscardUnknown accepts what KeepUnknown rejects (%v)", err)
		}
		return false
	}
	if errDisc != nil {
		t.Fatalf("DiscardUnknown fails (%v) where KeepUnknown succeeds", errDisc)
	}
	b1, err := marshal.Marshal(v1)
	if err != nil {
		if errors.Is(err, marshal.ErrTooLarge) {
			// Decoding merges repeated nested sets and adds a NUL to
			// unterminated strings, so a value decoded from attributes
			// near 64 KiB may not fit in one again.
			return true
		}
		t.Fatalf("Marshal of a decoded value: %v\ninput % x\nvalue %+v", err, data, v1)
	}
	v2 := reflect.New(typ).Interface()
	if err := marshal.Unmarshal(b1, v2); err != nil {
		t.Fatalf("Unmarshal of the re-encoding: %v\ninput % x\nre-encoding % x", err, data, b1)
	}
	if d := cmp.Diff(v1, v2, propFixpoint...); d != "" {
		t.Fatalf("decode→encode→decode is not a fixpoint (-first +second):\n%s\ninput % x\nre-encoding % x", d, data, b1)
	}
	b2, err := marshal.Marshal(v2)
	if err != nil || !bytes.Equal(b1, b2) {
		t.Fatalf("second encoding differs: %v\n first % x\nsecond % x\ninput % x", err, b1, b2, data)
	}
	zoo.ClearUnknown(v1)
	if d := cmp.Diff(v1, disc, propExact...); d != "" {
		t.Fatalf("DiscardUnknown is not KeepUnknown without unknown attributes (-keep +discard):\n%s\ninput % x", d, data)
	}
	rej := reflect.New(typ).Interface()
	if err := (marshal.Options{Unknown: marshal.RejectUnknown}).Unmarshal(data, rej); err == nil {
		if zoo.HasUnknown(v2) {
			t.Fatalf("RejectUnknown accepts input whose KeepUnknown decoding has unknown attributes\ninput % x", data)
		}
		if d := cmp.Diff(v2, rej, propFixpoint...); d != "" {
			t.Fatalf("RejectUnknown decodes differently (-keep +reject):\n%s\ninput % x", d, data)
		}
	} else if !errors.Is(err, marshal.ErrUnknownAttribute) && !errors.Is(err, marshal.ErrVariant) {
		t.Fatalf("RejectUnknown fails with %v, want ErrUnknownAttribute or ErrVariant", err)
	}
	return true
}

var propDecoded atomic.Int64 // hostile inputs that decoded

func TestPropertyHostileInput(t *testing.T) {
	forEachZooType(t, func(t *testing.T, typ reflect.Type, gen *rapid.Generator[any]) {
		rapid.Check(t, func(rt *rapid.T) {
			propChecks.Add(1)
			if checkFixpoint(rt, typ, propInput(rt, typ, gen)) {
				propDecoded.Add(1)
			}
		})
	})
}

// ---- Values that change, as doc.go says ----

// TestPropertyDocumentedChanges generates non-canonical addresses: a zone
// on netip.Addr (there is no byte for it: "netip.Addr 4 or 16 bytes, by
// address family") and 16-byte v4-mapped net.IP ("4 bytes for IPv4, else
// 16"), and checks that they come back changed exactly as documented.
func TestPropertyDocumentedChanges(t *testing.T) {
	rapid.Check(t, func(rt *rapid.T) {
		propChecks.Add(1)
		v := genAddrs.Draw(rt, "v")
		want := v
		if rapid.Bool().Draw(rt, "zone") && v.Addr.Is6() {
			v.Addr = v.Addr.WithZone(propStr(rt, "zonename", 1, 6))
		}
		if rapid.Bool().Draw(rt, "mapped") {
			ip4 := propBytes(rt, "ip4", 4, 4)
			v.IP = net.IP(slices.Concat(v4Mapped, ip4))
			want.IP = net.IP(ip4)
		}
		b, err := marshal.Marshal(&v)
		if err != nil {
			rt.Fatalf("Marshal: %v", err)
		}
		var got zoo.Addrs
		if err := marshal.Unmarshal(b, &got); err != nil {
			rt.Fatalf("Unmarshal: %v", err)
		}
		if d := cmp.Diff(want, got, propExact...); d != "" {
			rt.Fatalf("(-want +got):\n%s", d)
		}
	})
}

// ---- Reused variants ----

// TestPropertyReuseVariants decodes a stream of messages with body
// sub-messages into one value with Options.ReuseVariants: after each, the
// value must be exactly what a fresh Unmarshal gives, whatever the
// previous message held.
func TestPropertyReuseVariants(t *testing.T) {
	for _, gen := range []*rapid.Generator[any]{asAny(genProcEvent), asAny(genNotify)} {
		rapid.Check(t, func(rt *rapid.T) {
			propChecks.Add(1)
			stream := rapid.SliceOfN(gen, 1, 6).Draw(rt, "stream")
			opts := marshal.Options{ReuseVariants: true}
			into := reflect.New(reflect.TypeOf(stream[0]).Elem()).Interface()
			for i, v := range stream {
				b, err := marshal.Marshal(v)
				if err != nil {
					rt.Fatalf("Marshal: %v", err)
				}
				if err := opts.Unmarshal(b, into); err != nil {
					rt.Fatalf("message %d: Unmarshal with ReuseVariants: %v", i, err)
				}
				if d := cmp.Diff(v, into, propExact...); d != "" {
					rt.Fatalf("message %d: ReuseVariants kept something (-want +got):\n%s", i, d)
				}
			}
		})
	}
}

// ---- Limits ----

// TestPropertyTooLarge encodes attributes around the 65535-byte limit,
// directly and inside a nest: Marshal succeeds exactly when every
// attribute fits, fails with ErrTooLarge otherwise, and Append then
// returns its buffer unchanged.
func TestPropertyTooLarge(t *testing.T) {
	rapid.Check(t, func(rt *rapid.T) {
		propChecks.Add(1)
		n := rapid.IntRange(nlattr.MaxLen-nlattr.HeaderLen-40, nlattr.MaxLen).Draw(rt, "n")
		var v any
		var fits bool
		if rapid.Bool().Draw(rt, "nested") {
			kind := propStr(rt, "Kind", 0, 8)
			slave := 4 + n + 1 // a string attribute: header, bytes, NUL
			info := 4 + nlattr.Align(4+len(kind)+1) + nlattr.Align(slave)
			v = &zoo.Link{Info: &zoo.LinkInfo{Kind: kind, Slave: strings.Repeat("x", n)}}
			fits = slave <= nlattr.MaxLen && info <= nlattr.MaxLen
		} else {
			v = &zoo.Scalars{Bytes: make([]byte, n)}
			fits = 4+n <= nlattr.MaxLen
		}
		prefix := []byte{1, 2, 3, 4, 5}
		b, err := marshal.Append(prefix, v)
		switch {
		case fits && err != nil:
			rt.Fatalf("n=%d: Append: %v", n, err)
		case !fits && !errors.Is(err, marshal.ErrTooLarge):
			rt.Fatalf("n=%d: Append: got %v, want ErrTooLarge", n, err)
		case !fits && !bytes.Equal(b, prefix):
			rt.Fatalf("n=%d: Append returned %d bytes on error, want the 5-byte buffer unchanged", n, len(b))
		case fits:
			got := reflect.New(reflect.TypeOf(v).Elem()).Interface()
			if err := marshal.Unmarshal(b[len(prefix):], got); err != nil {
				rt.Fatalf("n=%d: Unmarshal: %v", n, err)
			}
			if d := cmp.Diff(v, got, propExact...); d != "" {
				rt.Fatalf("n=%d: round trip (-want +got):\n%s", n, d)
			}
		}
	})
}

// TestPropertyDepth builds a chain of Nodes, each step one level deeper
// (Next, Children) or two (Kids: an array, then the nest in it), and
// checks that Marshal and Unmarshal agree on Options.MaxDepth: both
// succeed exactly when the depth is within it, and fail with ErrTooDeep.
func TestPropertyDepth(t *testing.T) {
	rapid.Check(t, func(rt *rapid.T) {
		propChecks.Add(1)
		steps := rapid.SliceOfN(rapid.IntRange(0, 2), 0, 40).Draw(rt, "steps")
		var root zoo.Node
		cur, depth := &root, 0
		for _, s := range steps {
			next := &zoo.Node{Name: "n"}
			switch s {
			case 0:
				cur.Next = next
				depth++
			case 1:
				cur.Children = []zoo.Node{{}}
				next = &cur.Children[0]
				depth++
			case 2:
				cur.Kids = []*zoo.Node{next}
				depth += 2
			}
			cur = next
		}
		maxDepth := rapid.IntRange(1, 40).Draw(rt, "MaxDepth")
		opts := marshal.Options{MaxDepth: maxDepth}
		_, err := opts.Marshal(&root)
		if depth <= maxDepth {
			if err != nil {
				rt.Fatalf("depth %d, MaxDepth %d: Marshal: %v", depth, maxDepth, err)
			}
		} else if !errors.Is(err, marshal.ErrTooDeep) {
			rt.Fatalf("depth %d, MaxDepth %d: Marshal: got %v, want ErrTooDeep", depth, maxDepth, err)
		}
		b, err := marshal.Options{MaxDepth: 100}.Marshal(&root)
		if err != nil {
			rt.Fatalf("depth %d: Marshal with MaxDepth 100: %v", depth, err)
		}
		var got zoo.Node
		err = opts.Unmarshal(b, &got)
		if depth <= maxDepth {
			if err != nil {
				rt.Fatalf("depth %d, MaxDepth %d: Unmarshal: %v", depth, maxDepth, err)
			}
			if d := cmp.Diff(root, got); d != "" {
				rt.Fatalf("round trip (-want +got):\n%s", d)
			}
		} else if !errors.Is(err, marshal.ErrTooDeep) {
			rt.Fatalf("depth %d, MaxDepth %d: Unmarshal: got %v, want ErrTooDeep", depth, maxDepth, err)
		}
	})
}

// ---- Concurrency ----

// propRaceVariant is an interface whose variants are registered while
// other goroutines marshal: every RegisterVariant clears the plan cache.
type propRaceVariant interface{}

var propFresh atomic.Uint32

func propIsMessage(typ reflect.Type) bool {
	for i := range typ.NumField() {
		tag := typ.Field(i).Tag.Get("nl")
		if propHasOption(tag, "type") || propHasOption(tag, "header") || propHasOption(tag, "unknown") || propHasOption(tag, "selector") {
			return true
		}
	}
	return false
}

// freshWrapper returns a new struct type, never used before, holding inner
// as attribute 2.
func freshWrapper(inner reflect.Type) reflect.Type {
	n := propFresh.Add(1)
	tag := fmt.Sprintf(`nl:"type=%d"`, 2+n%1000)
	if propIsMessage(inner) {
		tag = fmt.Sprintf(`nl:"type=%d,nested"`, 2+n%1000)
	}
	return reflect.StructOf([]reflect.StructField{
		{Name: "Seq", Type: reflect.TypeFor[uint32](), Tag: `nl:"type=1"`},
		{Name: "X", Type: inner, Tag: reflect.StructTag(tag)},
		{Name: fmt.Sprintf("Skip%d", n), Type: reflect.TypeFor[uint8](), Tag: `nl:"-"`},
	})
}

// freshVariant registers a new struct type as a variant of
// propRaceVariant and returns a fresh message type selecting it by key,
// with a value holding it.
func freshVariant() any {
	n := propFresh.Add(1)
	vt := reflect.StructOf([]reflect.StructField{
		{Name: fmt.Sprintf("A%d", n), Type: reflect.TypeFor[uint32](), Tag: `nl:"type=1"`},
	})
	marshal.RegisterVariant[propRaceVariant](n, reflect.New(vt).Interface())
	mt := reflect.StructOf([]reflect.StructField{
		{Name: "Key", Type: reflect.TypeFor[uint32](), Tag: `nl:"type=1"`},
		{Name: "V", Type: reflect.TypeFor[propRaceVariant](), Tag: `nl:"type=2,selector=Key"`},
		{Name: fmt.Sprintf("Skip%d", n), Type: reflect.TypeFor[uint8](), Tag: `nl:"-"`},
	})
	m := reflect.New(mt)
	m.Elem().Field(0).SetUint(uint64(n))
	inner := reflect.New(vt)
	inner.Elem().Field(0).SetUint(uint64(n) * 3)
	m.Elem().Field(1).Set(inner)
	return m.Interface()
}

// TestConcurrentFirstUse runs 16 goroutines that marshal and unmarshal
// different zoo types at once, wrap them in fresh types (each planned on
// first use, while other goroutines plan theirs), and register variants
// (which discards every cached plan). Run it with -race.
func TestConcurrentFirstUse(t *testing.T) {
	var samples []any
	for _, s := range zoo.Samples() {
		if zoo.KnownBug(s) == "" {
			samples = append(samples, s)
		}
	}
	iters := 60
	if testing.Short() {
		iters = 15
	}
	var wg sync.WaitGroup
	start := make(chan struct{})
	for g := range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			for i := range iters {
				s := samples[(g*len(samples)/16+i)%len(samples)]
				typ := reflect.TypeOf(s).Elem()
				// The zoo type itself.
				b, err := marshal.Marshal(s)
				if err != nil {
					t.Errorf("goroutine %d: Marshal(%T): %v", g, s, err)
					return
				}
				got := reflect.New(typ).Interface()
				if err := marshal.Unmarshal(b, got); err != nil || !reflect.DeepEqual(got, s) {
					t.Errorf("goroutine %d: round trip of %T: %v\n got %+v\nwant %+v", g, s, err, got, s)
					return
				}
				// A fresh type holding it.
				wt := freshWrapper(typ)
				w := reflect.New(wt)
				w.Elem().Field(0).SetUint(uint64(i))
				w.Elem().Field(1).Set(reflect.ValueOf(s).Elem())
				wb, err := marshal.Marshal(w.Interface())
				if err != nil {
					t.Errorf("goroutine %d: Marshal(fresh %v): %v", g, wt, err)
					return
				}
				wgot := reflect.New(wt)
				if err := marshal.Unmarshal(wb, wgot.Interface()); err != nil || !reflect.DeepEqual(wgot.Interface(), w.Interface()) {
					t.Errorf("goroutine %d: round trip of fresh %v: %v", g, wt, err)
					return
				}
				// Now and then, a new variant: clears the plan cache.
				if g < 4 && i%10 == 0 {
					m := freshVariant()
					mb, err := marshal.Marshal(m)
					if err != nil {
						t.Errorf("goroutine %d: Marshal(fresh variant): %v", g, err)
						return
					}
					mgot := reflect.New(reflect.TypeOf(m).Elem())
					if err := marshal.Unmarshal(mb, mgot.Interface()); err != nil || !reflect.DeepEqual(mgot.Interface(), m) {
						t.Errorf("goroutine %d: round trip of fresh variant: %v\n got %+v\nwant %+v", g, err, mgot.Elem().Interface(), reflect.ValueOf(m).Elem().Interface())
						return
					}
				}
			}
		}()
	}
	close(start)
	wg.Wait()
}

// TestPropertyZReport logs how many rapid cases ran in the tests above.
func TestPropertyZReport(t *testing.T) {
	t.Logf("rapid cases run: %d; hostile inputs that decoded (and were checked as fixpoints): %d", propChecks.Load(), propDecoded.Load())
}
