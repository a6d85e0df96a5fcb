package zoo

import (
	"net"
	"net/netip"
	"time"

	"github.com/nlstruct/nlstruct/nlattr"
)

func ptr[T any](v T) *T { return &v }

// Samples returns freshly built, hand-written values of every type in All
// (several of most), each a pointer. They are canonical: decoding their
// encoding gives them back exactly (reflect.DeepEqual). The fuzz seed
// corpus is made from them.
func Samples() []any {
	route1 := Route{Dst: netip.MustParseAddr("10.0.0.0"), Gw: net.IP{10, 0, 0, 1}, Metric: 100, Table: 254}
	route2 := Route{Dst: netip.MustParseAddr("2001:db8::"), Gw: net.ParseIP("fe80::1"), Metric: 1}
	counters := Counters{Packets: 1 << 40, Bytes: 12345, Errors: [2]uint32{1, 2}, Ports: Ports{Src: 80, Dst: 0x1234}, Up: true, Proto: 6}
	return []any{
		// Scalars
		&Scalars{},
		&Scalars{
			U8: 0xff, U16: 0xfffe, U32: 0xdeadbeef, U64: 1<<64 - 1,
			I8: -128, I16: -2, I32: -100000, I64: -1 << 63,
			Uint: 1 << 40, Int: -1 << 40, Bool: true, Flag: true,
			Str: "eth0", Bytes: []byte{1, 2, 3}, Arr: [6]byte{0, 1, 2, 3, 4, 5},
			BE16: 0x0102, BE32: 0x01020304, BE64: 0x0102030405060708,
			NBO16: 443, NBO32: -7, UintBE: 0x1_0000_0000, IntBE: -5,
			Proto: 17, Family: 10, Flags: 0x1003, Level: -5, Port: 8080, Prio: 7,
			Name: "a-name", Key: []byte{9, 8, 7, 6}, Weight: 1000, Delta: -99,
			Count: 0xffffffffff, Scale: -8, Small: 0xffff, Signed: -100000,
			OBool: true, OStr: "x", OBytes: []byte{0}, OArr: [4]byte{1}, OInt: 1 << 33,
			Blob: []byte{1, 2}, Dur: Millis(1500 * time.Millisecond), Labels: Tags{"a", "", "bc"},
			ODur: Millis(time.Millisecond), Fixed: Pair{1, 2}, OFixed: Pair{0, 1}, Raw: [3]uint16{1, 2, 3},
			Extra: []nlattr.Attr{{Type: 100, Data: []byte{1}}, {Type: 200, Flags: nlattr.FlagNested}},
		},
		&Scalars{Bytes: []byte{}, Key: []byte{0, 0, 0, 0}, Blob: []byte{0, 0, 0}, Level: 5, Scale: 127, Weight: -1000, Str: "\xff\xfe"},
		// Optional
		&Optional{},
		&Optional{
			U8: ptr[uint8](0), U16: ptr[uint16](0x1234), U32: ptr[uint32](1), U64: ptr[uint64](1 << 60),
			I32: ptr[int32](-10), Uint: ptr[uint](0), Int: ptr(Offset(-1 << 35)), Bool: ptr(false),
			Str: ptr(""), Arr: &[4]byte{1, 2, 3, 4}, Pair: &Pair{3, 4}, Stats: &Stats{Conns: 1},
			Empty: &DummyData{}, Dur: ptr(Millis(0)), Addr: ptr(netip.MustParseAddr("::1")),
			Level: ptr(Level(-1)), I8: ptr[int8](-1), I64: ptr(Delta(-2)),
			OU32: ptr[uint32](0), OStat: &Stats{},
		},
		&Optional{Stats: &Stats{}, Empty: &DummyData{Unknown: []nlattr.Attr{{Type: 1, Data: []byte("x")}}}, Str: ptr("12345678")},
		// Lists
		&Lists{},
		&Lists{
			Ports: []uint16{22, 80, 443}, Names: []string{"a", "b"}, Routes: []Route{route1, {}},
			PRoutes: []*Route{&route2}, Ptrs: []*uint32{ptr[uint32](0), ptr[uint32](7)}, Levels: []Level{-3, 3, 0},
			Addrs: []netip.Addr{netip.MustParseAddr("1.2.3.4"), netip.MustParseAddr("::ffff:1.2.3.4")},
			Blobs: [][]byte{{}, {1}}, Uints: []uint{0, 1 << 32},
			Entries: []Route{route2, route1}, Vals: []uint32{1, 2, 3, 4}, Pairs: []Pair{{1, 2}},
			Strs: []string{"x", ""}, PEnts: []*Route{{Metric: 3}}, Prios: []Scale{-7, 7},
			Words: []uint32{1, 2, 3}, PairLst: []Pair{{5, 6}}, Bits: []uint16{0}, Durs: []Millis{Millis(time.Second)},
			Counts: []Counters{counters},
		},
		&Lists{Entries: []Route{}, Vals: []uint32{}, Pairs: []Pair{}, PEnts: []*Route{}, Words: []uint32{}},
		// Addrs
		&Addrs{},
		&Addrs{
			IP: net.IP{192, 168, 1, 1}, IP6: net.ParseIP("2001:db8::1"), Addr: netip.MustParseAddr("fe80::1"),
			Local: netip.MustParseAddr("127.0.0.1"), Mac: net.HardwareAddr{0, 1, 2, 3, 4, 5},
			Bcast: net.HardwareAddr{0xff, 0xff, 0xff, 0xff, 0xff, 0xff}, Gw: ptr(netip.MustParseAddr("10.0.0.1")),
			IPs: []net.IP{{1, 1, 1, 1}, net.ParseIP("::2")}, Raw: [16]byte{15: 1}, Peer: &net.IP{8, 8, 8, 8},
		},
		&Addrs{IP: net.ParseIP("::"), Mac: net.HardwareAddr{}, Addr: netip.MustParseAddr("::ffff:10.1.2.3")},
		// Link
		&Link{},
		&Link{
			Hdr:  IfInfo{Family: 0, Type: 1, Index: 3, Flags: 0x1043, Change: 0xffffffff, Up: true},
			Name: "eth0", MTU: 1500, Stats: counters,
			Info:   &LinkInfo{Kind: "vlan", Data: &VlanData{ID: 100, Flags: &Pair{1, 1}, Egress: &QosList{Maps: []Pair{{0, 1}, {2, 3}}}, Protocol: 0x8100}},
			Xstats: Stats{Conns: 3, InPkts: 4, InBytes: 5, Rate: 1 << 33}, Extra: Stats{Rate: 1},
			Stats64: &counters, Addr: net.HardwareAddr{2, 0, 0, 0, 0, 1},
			Unknown: []nlattr.Attr{{Type: 99, Flags: nlattr.FlagNested, Data: []byte{4, 0, 1, 0}}},
		},
		&Link{Info: &LinkInfo{Kind: "dummy", Data: &DummyData{}}, Stats64: &Counters{}},
		&Link{Info: &LinkInfo{Kind: "bridge", Slave: "bond"}},
		// LinkInfo
		&LinkInfo{},
		&LinkInfo{Kind: "vlan", Data: &VlanData{}},
		&LinkInfo{Kind: "dummy", Data: &DummyData{Unknown: []nlattr.Attr{{Type: 5, Flags: nlattr.FlagNetByteOrder, Data: []byte{1, 2, 3, 4, 5}}}}, Unknown: []nlattr.Attr{{Type: 3}}},
		// VlanData
		&VlanData{},
		&VlanData{ID: 4094, Flags: &Pair{0xffffffff, 0}, Egress: &QosList{}, Protocol: 0x88a8},
		// QosList
		&QosList{},
		&QosList{Maps: []Pair{{1, 2}, {3, 4}, {5, 6}}},
		// DummyData
		&DummyData{},
		&DummyData{Unknown: []nlattr.Attr{{Type: 1}, {Type: 0x3fff, Flags: nlattr.FlagNested | nlattr.FlagNetByteOrder, Data: []byte("nested?")}}},
		// TunInfo
		&TunInfo{},
		&TunInfo{Kind: "gre", Data: &GreData{IKey: 1, OKey: 2, TTL: 64, TOS: 0x10, PMTUDisc: true}},
		&TunInfo{Kind: "ipip", Data: &IpipData{Local: netip.MustParseAddr("10.0.0.1"), Remote: netip.MustParseAddr("10.0.0.2"), TTL: 1}},
		// GreData
		&GreData{},
		&GreData{IKey: 0xdeadbeef, OKey: 1, TTL: 255, TOS: 1, PMTUDisc: true},
		// IpipData
		&IpipData{},
		&IpipData{Local: netip.MustParseAddr("2001:db8::1")},
		// Stats
		&Stats{},
		&Stats{Conns: 1, InPkts: 2, InBytes: 3, Rate: 4},
		// Route
		&Route{},
		&route1,
		&route2,
		// Node
		&Node{},
		&Node{Name: "root", Value: -1, Next: &Node{Name: "next", Next: &Node{}},
			Children: []Node{{Name: "c1", Kids: []*Node{{Name: "k"}}}, {Value: 1 << 40}},
			Kids:     []*Node{{Name: "k1", Children: []Node{{}}}, {}}},
		&Node{Kids: []*Node{}},
		// Event
		&Event{},
		&Event{Code: EventError, Payload: &ErrPayload{Errno: -22, Msg: "invalid argument", Attr: ptr[uint16](3)}, Seq: 1},
		&Event{Code: EventNote, Payload: ptr(Note("hello\x00world")), Seq: 2},
		&Event{Code: 99, Seq: 3},
		// ErrPayload
		&ErrPayload{},
		&ErrPayload{Errno: -1, Msg: "EPERM"},
		// ProcEvent
		&ProcEvent{},
		&ProcEvent{Hdr: ProcHdr{What: ProcFork, CPU: 1, Timestamp: 12345}, Body: &ForkEvent{1, 1, 2, 2}},
		&ProcEvent{Hdr: ProcHdr{What: ProcComm}, Body: &CommEvent{Pid: 5, Tgid: 5, Comm: [16]byte{'b', 'a', 's', 'h'}}},
		&ProcEvent{Hdr: ProcHdr{What: ProcExit, CPU: 3}, Body: &ExitEvent{Pid: 7, Code: 256, Signal: ptr[uint8](17)}},
		// ForkEvent
		&ForkEvent{},
		&ForkEvent{ParentPid: -1, ParentTgid: 2, ChildPid: 3, ChildTgid: 4},
		// CommEvent
		&CommEvent{},
		&CommEvent{Pid: 1, Tgid: 1, Comm: [16]byte{'i', 'n', 'i', 't'}},
		// ExitEvent
		&ExitEvent{},
		&ExitEvent{Pid: 9, Code: 9, Signal: ptr[uint8](9), Unknown: []nlattr.Attr{{Type: 10, Data: []byte{1, 2}}}},
		// Notify
		&Notify{},
		&Notify{Hdr: NotifyHdr{Kind: NotifyAddKind, Flags: 3, Ack: true}, Body: &NotifyAdd{Name: "lo", Index: 1}},
		&Notify{Hdr: NotifyHdr{Kind: NotifyDelKind}, Body: &NotifyDel{}},
		&Notify{Hdr: NotifyHdr{Kind: NotifyDelKind}, Body: &NotifyDel{Index: ptr[uint32](4)}},
		// NotifyAdd
		&NotifyAdd{},
		&NotifyAdd{Name: "wlan0", Index: 3, Unknown: []nlattr.Attr{{Type: 7}}},
		// NotifyDel
		&NotifyDel{},
		&NotifyDel{Index: ptr[uint32](0)},
		// Family
		&Family{},
		&Family{
			Genl: GenlHdr{Cmd: 3, Version: 2}, Tc: TcHdr{Family: 2, Handle: 0x8001, Parent: -1},
			ID: 0x10, Name: "nlctrl", Version: 2,
			Ops:    []Op{{ID: 1, Flags: 0xe}, {ID: 3}},
			Groups: []Group{{Name: "notify", ID: 0x10}},
			Tags:   Tags{"x", "y"}, Timeout: Millis(30 * time.Second), Idle: ptr(Millis(0)),
			Unknown: []nlattr.Attr{{Type: 4, Data: []byte{0, 0, 0, 0}}},
		},
		&Family{Ops: []Op{}, Groups: []Group{}},
		// Op, Group
		&Op{}, &Op{ID: 1, Flags: 2},
		&Group{Name: "g"}, &Group{Name: "mc", ID: 5},
		// Fixed layouts
		&IfInfo{}, &IfInfo{Family: 10, Type: 772, Index: -1, Flags: 0x10000, Change: 1, Up: true},
		&Counters{}, &counters,
		&Pair{}, &Pair{Key: 1, Value: 0x01020304},
		&GenlHdr{}, &GenlHdr{Cmd: 1, Version: 1},
		&TcHdr{}, &TcHdr{Family: 1, Handle: 0xffff, Parent: -32768},
		&ProcHdr{}, &ProcHdr{What: ProcExit, CPU: 7, Timestamp: 1 << 63},
		&NotifyHdr{}, &NotifyHdr{Kind: 0xffff, Flags: 0xff, Ack: true},
		// Policy
		&Policy{},
		&Policy{
			Attrs: map[uint32]map[uint16]PolicyAttr{
				0: {1: {Type: 3, Min: ptr[int64](-5), Max: ptr[uint64](10)}, 2: {}},
				7: {},
			},
			Limits:  map[uint16]uint32{0: 1, 0x3fff: 2},
			Names:   map[int8]string{1: "one", 127: ""},
			Ptrs:    map[uint8]*Stats{255: {Conns: 1}},
			Unknown: []nlattr.Attr{{Type: 9}},
		},
		&Policy{Attrs: map[uint32]map[uint16]PolicyAttr{}, Limits: map[uint16]uint32{}, Names: map[int8]string{}, Ptrs: map[uint8]*Stats{}},
		// PolicyAttr
		&PolicyAttr{},
		&PolicyAttr{Type: 1, Min: ptr[int64](0), Unknown: []nlattr.Attr{{Type: 100, Data: []byte{1}}}},
	}
}
