// Package zoo is a collection of nl-tagged types that together use every
// option and value kind of the marshal tag language (see marshal/doc.go):
// type=, nested (struct and *struct), be, netbyteorder, flag, multi, array,
// omitempty, min=/max=/len=/minlen=/maxlen=, header (with _ padding, a be
// field and a bool), unknown, sub-messages (an attribute chosen by a string
// and by a signed integer, a body chosen by an integer inside a header),
// recursion, named integers, YNL uint/int, strings, byte slices and arrays,
// fixed structs as payload, packed slices, net.IP, netip.Addr,
// net.HardwareAddr, a custom Marshaler/Unmarshaler, and maps with integer
// keys.
//
// The property tests in marshal and the fuzz targets in fuzz iterate over
// All; Samples holds hand-built values of every type. Family packages add
// their own zoos to the same tests; keep new types appended at the end of
// All so that the fuzz corpus (which selects a type by index) stays valid.
package zoo

import (
	"encoding/binary"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"time"

	"github.com/nlstruct/nlstruct/marshal"
	"github.com/nlstruct/nlstruct/nlattr"
)

// All holds a pointer to the zero value of every zoo type, in a fixed
// order: the fuzz targets select a type by its index here, so new types
// must be appended.
var All = []any{
	&Scalars{},    // 0
	&Optional{},   // 1
	&Lists{},      // 2
	&Addrs{},      // 3
	&Link{},       // 4
	&LinkInfo{},   // 5
	&VlanData{},   // 6
	&QosList{},    // 7
	&DummyData{},  // 8
	&TunInfo{},    // 9
	&GreData{},    // 10
	&IpipData{},   // 11
	&Stats{},      // 12
	&Route{},      // 13
	&Node{},       // 14
	&Event{},      // 15
	&ErrPayload{}, // 16
	&ProcEvent{},  // 17
	&ForkEvent{},  // 18
	&CommEvent{},  // 19
	&ExitEvent{},  // 20
	&Notify{},     // 21
	&NotifyAdd{},  // 22
	&NotifyDel{},  // 23
	&Family{},     // 24
	&Op{},         // 25
	&Group{},      // 26
	&IfInfo{},     // 27
	&Counters{},   // 28
	&Pair{},       // 29
	&GenlHdr{},    // 30
	&TcHdr{},      // 31
	&ProcHdr{},    // 32
	&NotifyHdr{},  // 33
	&Policy{},     // 34
	&PolicyAttr{}, // 35
}

// ---- Named integer types ----

// Proto is a named uint8 (an enum, like IPPROTO_*).
type Proto uint8

// AddrFamily is a named uint16 (AF_*).
type AddrFamily uint16

// IfFlags is a named uint32 bit set (IFF_*).
type IfFlags uint32

// Level is a named int32 with a bounded range where it is used.
type Level int32

// Counter is a named uint64.
type Counter uint64

// Delta is a named int64.
type Delta int64

// Scale is a named int8.
type Scale int8

// Weight is a named int16.
type Weight int16

// Index is a named uint: a YNL variable-width "uint".
type Index uint

// Offset is a named int: a YNL variable-width "sint".
type Offset int

// ---- Custom types ----

// Millis is a duration carried as a 32-bit count of milliseconds in host
// byte order. It implements marshal.Marshaler (on the value) and
// marshal.Unmarshaler (on the pointer). Only whole milliseconds from 0 to
// 2^32-1 ms can be encoded.
type Millis time.Duration

// ErrMillis is returned when a Millis cannot be encoded.
var ErrMillis = errors.New("zoo: Millis must be a whole number of milliseconds from 0 to 2^32-1")

// MarshalNetlink appends the 4-byte payload.
func (m Millis) MarshalNetlink(b []byte) ([]byte, error) {
	ms := time.Duration(m) / time.Millisecond
	if m < 0 || time.Duration(m)%time.Millisecond != 0 || ms > 0xffffffff {
		return b, ErrMillis
	}
	return binary.NativeEndian.AppendUint32(b, uint32(ms)), nil
}

// UnmarshalNetlink decodes exactly 4 bytes.
func (m *Millis) UnmarshalNetlink(data []byte) error {
	if len(data) != 4 {
		return fmt.Errorf("zoo: Millis: %w: want 4 bytes, got %d", marshal.ErrBadLength, len(data))
	}
	*m = Millis(time.Duration(binary.NativeEndian.Uint32(data)) * time.Millisecond)
	return nil
}

// Tags is a list of labels that encodes itself as an attribute set holding
// one NUL-terminated string attribute of type 1 per label (fields using it
// are tagged nested, which only sets NLA_F_NESTED). Decoding ignores
// attributes of other types and stops each label at its first NUL; it
// yields nil for an empty set.
type Tags []string

// MarshalNetlink appends one string attribute per label.
func (t Tags) MarshalNetlink(b []byte) ([]byte, error) {
	var err error
	for _, s := range t {
		if b, err = nlattr.AppendString(b, 1, s); err != nil {
			return b, err
		}
	}
	return b, nil
}

// UnmarshalNetlink replaces t with the labels in data.
func (t *Tags) UnmarshalNetlink(data []byte) error {
	*t = nil
	it := nlattr.NewIter(data)
	for it.Next() {
		if it.Type() != 1 {
			continue
		}
		s := it.Data()
		for i, c := range s {
			if c == 0 {
				s = s[:i]
				break
			}
		}
		*t = append(*t, string(s))
	}
	return it.Err()
}

// Note is a custom type used as a sub-message variant: raw text with no
// terminator, copied as is.
type Note string

// MarshalNetlink appends the text.
func (n Note) MarshalNetlink(b []byte) ([]byte, error) { return append(b, n...), nil }

// UnmarshalNetlink copies data.
func (n *Note) UnmarshalNetlink(data []byte) error {
	*n = Note(data)
	return nil
}

func (*Note) eventCode() int8 { return EventNote }

// ---- Fixed layouts ----

// Pair is an 8-byte fixed layout with one host-order and one big-endian
// field. It is used as a payload, as a pointer, packed in slices and as
// indexed-array entries.
type Pair struct {
	Key   uint32
	Value uint32 `nl:"be"`
}

// Ports is a fixed layout nested in Counters, made big-endian as a whole
// by the be tag on the field that holds it.
type Ports struct {
	Src uint16
	Dst uint16
}

// Counters is a 32-byte fixed layout with an array, a nested struct tagged
// be, a bool, a named integer and explicit padding. It is a payload
// (Link.Stats) and, through a pointer with minlen=, one that older kernels
// may send short (Link.Stats64).
type Counters struct {
	Packets uint64
	Bytes   uint64
	Errors  [2]uint32 `nl:"be"`
	Ports   Ports     `nl:"be"`
	Up      bool
	Proto   Proto
	_       [2]byte
}

// IfInfo is a 20-byte message header (struct ifinfomsg-like): _ padding
// fields, a named be field and a bool.
type IfInfo struct {
	Family uint8
	_      uint8
	Type   uint16
	Index  int32
	Flags  IfFlags `nl:"be"`
	Change uint32
	Up     bool
	_      [3]byte
}

// GenlHdr is a 4-byte header (struct genlmsghdr).
type GenlHdr struct {
	Cmd     uint8
	Version uint8
	_       uint16
}

// TcHdr is a 6-byte header, so that a message holding GenlHdr and TcHdr
// has 10 bytes of headers padded to 12.
type TcHdr struct {
	Family uint8
	_      uint8
	Handle uint16 `nl:"be"`
	Parent int16
}

// ProcHdr is the 16-byte header of ProcEvent; What selects the body.
type ProcHdr struct {
	What      uint32
	CPU       uint32
	Timestamp uint64 `nl:"be"`
}

// ---- Scalars ----

// Scalars holds one field of every scalar value kind: every integer width
// signed and unsigned, named integers, YNL uint/int in host and network
// order, bool and flag, strings, byte slices and arrays, with be,
// netbyteorder, omitempty and value checks.
type Scalars struct {
	U8     uint8         `nl:"type=1"`
	U16    uint16        `nl:"type=2"`
	U32    uint32        `nl:"type=3"`
	U64    uint64        `nl:"type=4"`
	I8     int8          `nl:"type=5"`
	I16    int16         `nl:"type=6"`
	I32    int32         `nl:"type=7"`
	I64    int64         `nl:"type=8"`
	Uint   uint          `nl:"type=9"`
	Int    int           `nl:"type=10"`
	Bool   bool          `nl:"type=11"`
	Flag   bool          `nl:"type=12,flag"`
	Str    string        `nl:"type=13"`
	Bytes  []byte        `nl:"type=14"`
	Arr    [6]byte       `nl:"type=15"`
	BE16   uint16        `nl:"type=16,be"`
	BE32   uint32        `nl:"type=17,be"`
	BE64   uint64        `nl:"type=18,be"`
	NBO16  uint16        `nl:"type=19,netbyteorder"`
	NBO32  int32         `nl:"type=20,netbyteorder"`
	UintBE Index         `nl:"type=21,be"`
	IntBE  Offset        `nl:"type=22,netbyteorder"`
	Proto  Proto         `nl:"type=23"`
	Family AddrFamily    `nl:"type=24"`
	Flags  IfFlags       `nl:"type=25,omitempty"`
	Level  Level         `nl:"type=26,min=-5,max=5"`
	Port   uint16        `nl:"type=27,be,min=1,omitempty"`
	Prio   uint8         `nl:"type=28,min=1,max=7,omitempty"`
	Name   string        `nl:"type=29,minlen=1,maxlen=15,omitempty"`
	Key    []byte        `nl:"type=30,len=4"`
	Weight Weight        `nl:"type=31,min=-1000,max=1000"`
	Delta  Delta         `nl:"type=32,omitempty"`
	Count  Counter       `nl:"type=33,max=0xffffffffff"`
	Scale  Scale         `nl:"type=34,min=-8"`
	Small  uint          `nl:"type=35,max=0xffff"`
	Signed int           `nl:"type=36,min=-100000,max=100000"`
	OBool  bool          `nl:"type=37,omitempty"`
	OStr   string        `nl:"type=38,omitempty"`
	OBytes []byte        `nl:"type=39,omitempty,maxlen=8"`
	OArr   [4]byte       `nl:"type=40,omitempty"`
	OInt   int           `nl:"type=41,omitempty"`
	Blob   []byte        `nl:"type=42,minlen=2"`
	Dur    Millis        `nl:"type=43"`
	Labels Tags          `nl:"type=44,nested"`
	ODur   Millis        `nl:"type=45,omitempty"`
	Hidden string        `nl:"-"`
	Fixed  Pair          `nl:"type=46"`
	OFixed Pair          `nl:"type=47,omitempty"`
	Raw    [3]uint16     `nl:"type=48"`
	Extra  []nlattr.Attr `nl:"unknown"`
}

// Optional holds pointers to every kind of value: nil is absent, and
// decoding allocates. Under omitempty a pointer is omitted only when nil.
type Optional struct {
	U8    *uint8      `nl:"type=1"`
	U16   *uint16     `nl:"type=2,be"`
	U32   *uint32     `nl:"type=3,min=1"`
	U64   *uint64     `nl:"type=4,netbyteorder"`
	I32   *int32      `nl:"type=5,min=-10,max=10"`
	Uint  *uint       `nl:"type=6"`
	Int   *Offset     `nl:"type=7"`
	Bool  *bool       `nl:"type=8"`
	Str   *string     `nl:"type=9,maxlen=8"`
	Arr   *[4]byte    `nl:"type=10"`
	Pair  *Pair       `nl:"type=11"`
	Stats *Stats      `nl:"type=12,nested"`
	Empty *DummyData  `nl:"type=13,nested"`
	Dur   *Millis     `nl:"type=14"`
	Addr  *netip.Addr `nl:"type=15"`
	Level *Level      `nl:"type=16"`
	I8    *int8       `nl:"type=17"`
	I64   *Delta      `nl:"type=18,be"`
	OU32  *uint32     `nl:"type=19,omitempty"`
	OStat *Stats      `nl:"type=20,nested,omitempty"`
}

// Lists holds every slice form: multi of integers, strings, nested
// structs, pointers and addresses; indexed arrays of nested structs,
// integers, fixed structs and strings; packed slices; with count and
// per-element checks.
type Lists struct {
	Ports   []uint16     `nl:"type=1,multi,be"`
	Names   []string     `nl:"type=2,multi,minlen=1,maxlen=4"`
	Routes  []Route      `nl:"type=3,multi,nested"`
	PRoutes []*Route     `nl:"type=4,multi,nested"`
	Ptrs    []*uint32    `nl:"type=5,multi"`
	Levels  []Level      `nl:"type=6,multi,min=-3,max=3"`
	Addrs   []netip.Addr `nl:"type=7,multi"`
	Blobs   [][]byte     `nl:"type=8,multi"`
	Uints   []uint       `nl:"type=9,multi,netbyteorder"`
	Entries []Route      `nl:"type=10,array,nested"`
	Vals    []uint32     `nl:"type=11,array,maxlen=4"`
	Pairs   []Pair       `nl:"type=12,array"`
	Strs    []string     `nl:"type=13,array,minlen=1"`
	PEnts   []*Route     `nl:"type=14,array,nested"`
	Prios   []Scale      `nl:"type=15,array,min=-7,max=7"`
	Words   []uint32     `nl:"type=16"`
	PairLst []Pair       `nl:"type=17,minlen=1,maxlen=3"`
	Bits    []uint16     `nl:"type=18,omitempty"`
	Durs    []Millis     `nl:"type=19,multi"`
	Counts  []Counters   `nl:"type=20,multi"`
}

// Addrs holds the address kinds: net.IP (4 bytes for IPv4, else 16),
// netip.Addr, net.HardwareAddr (raw bytes), a pointer to netip.Addr and a
// multi of net.IP.
type Addrs struct {
	IP    net.IP           `nl:"type=1"`
	IP6   net.IP           `nl:"type=2,omitempty"`
	Addr  netip.Addr       `nl:"type=3"`
	Local netip.Addr       `nl:"type=4,omitempty"`
	Mac   net.HardwareAddr `nl:"type=5"`
	Bcast net.HardwareAddr `nl:"type=6,len=6"`
	Gw    *netip.Addr      `nl:"type=7"`
	IPs   []net.IP         `nl:"type=8,multi"`
	Raw   [16]byte         `nl:"type=9"`
	Peer  *net.IP          `nl:"type=10"`
}

// Stats is a small attribute set nested in other messages.
type Stats struct {
	Conns   uint32  `nl:"type=1"`
	InPkts  Counter `nl:"type=2,omitempty"`
	InBytes uint64  `nl:"type=4"`
	Rate    uint    `nl:"type=9"`
}

// Link is an RTM_NEWLINK-like message: an ifinfomsg header, fixed-layout
// payloads (one through a pointer with minlen=), a nested struct value, a
// nested *struct holding a sub-message, and unknown attributes.
type Link struct {
	Hdr     IfInfo           `nl:"header"`
	Name    string           `nl:"type=3,maxlen=15"`
	MTU     uint32           `nl:"type=4,min=68,omitempty"`
	Stats   Counters         `nl:"type=7"`
	Info    *LinkInfo        `nl:"type=18,nested"`
	Xstats  Stats            `nl:"type=20,nested"`
	Extra   Stats            `nl:"type=21,nested,omitempty"`
	Stats64 *Counters        `nl:"type=23,minlen=16"`
	Addr    net.HardwareAddr `nl:"type=1"`
	Unknown []nlattr.Attr    `nl:"unknown"`
}

// LinkInfo is IFLA_LINKINFO: Data is a sub-message attribute whose
// concrete type is chosen by the string Kind.
type LinkInfo struct {
	Kind    string        `nl:"type=1"`
	Data    LinkData      `nl:"type=2,selector=Kind"`
	Slave   string        `nl:"type=4,omitempty"`
	Unknown []nlattr.Attr `nl:"unknown"`
}

// LinkData is the interface of LinkInfo.Data's variants: *VlanData
// ("vlan") and *DummyData ("dummy", which may be empty), both attribute
// sets.
type LinkData interface{ linkKind() string }

// VlanData is the "vlan" variant of LinkData: an attribute set.
type VlanData struct {
	ID       uint16   `nl:"type=1,max=4094"`
	Flags    *Pair    `nl:"type=2"`
	Egress   *QosList `nl:"type=3,nested"`
	Protocol uint16   `nl:"type=5,be,omitempty"`
}

func (*VlanData) linkKind() string { return "vlan" }

// QosList is a nested list of fixed-layout mappings (multi of a fixed
// struct).
type QosList struct {
	Maps []Pair `nl:"type=1,multi,maxlen=8"`
}

// DummyData is the "dummy" variant of LinkData: an attribute set with no
// known attributes, so a present empty one decodes as a pointer to an empty
// struct.
type DummyData struct {
	Unknown []nlattr.Attr `nl:"unknown"`
}

func (*DummyData) linkKind() string { return "dummy" }

// TunInfo is a second string-selected sub-message attribute, whose variants
// are a fixed layout (*GreData, "gre") and an attribute set (*IpipData,
// "ipip").
type TunInfo struct {
	Kind    string        `nl:"type=1"`
	Data    TunData       `nl:"type=2,selector=Kind"`
	Unknown []nlattr.Attr `nl:"unknown"`
}

// TunData is the interface of TunInfo.Data's variants.
type TunData interface{ tunKind() string }

// GreData is the "gre" variant of TunData: a 12-byte fixed layout.
type GreData struct {
	IKey     uint32 `nl:"be"`
	OKey     uint32 `nl:"be"`
	TTL      uint8
	TOS      uint8
	PMTUDisc bool
	_        uint8
}

func (*GreData) tunKind() string { return "gre" }

// IpipData is the "ipip" variant of TunData: an attribute set.
type IpipData struct {
	Local  netip.Addr `nl:"type=1"`
	Remote netip.Addr `nl:"type=2"`
	TTL    uint8      `nl:"type=3,omitempty"`
}

func (*IpipData) tunKind() string { return "ipip" }

// Route is a nested attribute set used in multi and array slices.
type Route struct {
	Dst    netip.Addr `nl:"type=1"`
	Gw     net.IP     `nl:"type=2"`
	Metric uint32     `nl:"type=3"`
	Table  uint8      `nl:"type=4,omitempty"`
}

// Node is recursive: it nests itself through a pointer, a multi slice and
// an indexed array of pointers.
type Node struct {
	Name     string  `nl:"type=1"`
	Value    int     `nl:"type=2,omitempty"`
	Next     *Node   `nl:"type=3,nested"`
	Children []Node  `nl:"type=4,multi,nested"`
	Kids     []*Node `nl:"type=5,array,nested"`
}

// Event codes: the keys of EventPayload's variants.
const (
	EventError int8 = -1
	EventNote  int8 = 3
)

// Event has a sub-message attribute chosen by a signed integer attribute,
// tagged nested (which only sets NLA_F_NESTED on it).
type Event struct {
	Code    int8         `nl:"type=1"`
	Payload EventPayload `nl:"type=2,nested,selector=Code"`
	Seq     uint32       `nl:"type=3"`
}

// EventPayload is the interface of Event.Payload's variants: *ErrPayload
// (-1, an attribute set) and *Note (3, a custom Marshaler).
type EventPayload interface{ eventCode() int8 }

// ErrPayload is the EventError variant: an attribute set.
type ErrPayload struct {
	Errno int32   `nl:"type=1,max=0"`
	Msg   string  `nl:"type=2"`
	Attr  *uint16 `nl:"type=3"`
}

func (*ErrPayload) eventCode() int8 { return EventError }

// Proc connector event codes: the keys of ProcBody's variants.
const (
	ProcFork uint32 = 0x00000001
	ProcComm uint32 = 0x00000200
	ProcExit uint32 = 0x80000000
)

// ProcEvent is a proc-connector-like message: a header, then a body whose
// type is chosen by Hdr.What.
type ProcEvent struct {
	Hdr  ProcHdr  `nl:"header"`
	Body ProcBody `nl:"selector=Hdr.What"`
}

// ProcBody is the interface of ProcEvent.Body's variants: *ForkEvent and
// *CommEvent (fixed layouts) and *ExitEvent (an attribute set).
type ProcBody interface{ procWhat() uint32 }

// ForkEvent is the ProcFork body: a fixed layout.
type ForkEvent struct {
	ParentPid  int32
	ParentTgid int32
	ChildPid   int32
	ChildTgid  int32
}

func (*ForkEvent) procWhat() uint32 { return ProcFork }

// CommEvent is the ProcComm body: a fixed layout with a byte array.
type CommEvent struct {
	Pid  int32
	Tgid int32
	Comm [16]byte
}

func (*CommEvent) procWhat() uint32 { return ProcComm }

// ExitEvent is the ProcExit body: an attribute set with unknown attributes
// collected.
type ExitEvent struct {
	Pid     int32         `nl:"type=1"`
	Code    uint32        `nl:"type=2"`
	Signal  *uint8        `nl:"type=3"`
	Unknown []nlattr.Attr `nl:"unknown"`
}

func (*ExitEvent) procWhat() uint32 { return ProcExit }

// NotifyHdr is the 4-byte header of Notify; Kind selects the body.
type NotifyHdr struct {
	Kind  uint16
	Flags uint8
	Ack   bool
}

// Notify kinds: the keys of NotifyBody's variants.
const (
	NotifyAddKind uint16 = 1
	NotifyDelKind uint16 = 2
)

// Notify is a message whose body, after a header, is a sub-message chosen
// by Hdr.Kind; both variants are attribute sets.
type Notify struct {
	Hdr  NotifyHdr  `nl:"header"`
	Body NotifyBody `nl:"selector=Hdr.Kind"`
}

// NotifyBody is the interface of Notify.Body's variants.
type NotifyBody interface{ notifyKind() uint16 }

// NotifyAdd is the NotifyAddKind body.
type NotifyAdd struct {
	Name    string        `nl:"type=1"`
	Index   uint32        `nl:"type=2"`
	Unknown []nlattr.Attr `nl:"unknown"`
}

func (*NotifyAdd) notifyKind() uint16 { return NotifyAddKind }

// NotifyDel is the NotifyDelKind body; it may be empty.
type NotifyDel struct {
	Index *uint32 `nl:"type=1"`
}

func (*NotifyDel) notifyKind() uint16 { return NotifyDelKind }

// Family is a generic-netlink-like message with two headers (4 and 6
// bytes, padded to 12), indexed arrays of nested structs, and custom
// Marshalers (one nested, one through a pointer).
type Family struct {
	Genl    GenlHdr       `nl:"header"`
	Tc      TcHdr         `nl:"header"`
	ID      uint16        `nl:"type=1"`
	Name    string        `nl:"type=2,maxlen=16"`
	Version uint32        `nl:"type=3,min=1,omitempty"`
	Ops     []Op          `nl:"type=6,array,nested"`
	Groups  []Group       `nl:"type=7,array,nested,maxlen=3"`
	Tags    Tags          `nl:"type=8,nested,omitempty"`
	Timeout Millis        `nl:"type=9"`
	Idle    *Millis       `nl:"type=10"`
	Unknown []nlattr.Attr `nl:"unknown"`
}

// Op is a generic netlink operation: an entry of Family.Ops.
type Op struct {
	ID    uint32 `nl:"type=1"`
	Flags uint32 `nl:"type=2,omitempty"`
}

// Group is a multicast group: an entry of Family.Groups.
type Group struct {
	Name string `nl:"type=1,minlen=1,omitempty"`
	ID   uint32 `nl:"type=2"`
}

// Policy holds maps with integer keys: nests whose entries are typed by
// their key (a policy dump), with values that are nested sets (through a
// map of maps), scalars, strings and pointers.
type Policy struct {
	Attrs   map[uint32]map[uint16]PolicyAttr `nl:"type=1,nested"`
	Limits  map[uint16]uint32                `nl:"type=2"`
	Names   map[int8]string                  `nl:"type=3"`
	Ptrs    map[uint8]*Stats                 `nl:"type=4,nested"`
	Unknown []nlattr.Attr                    `nl:"unknown"`
}

// PolicyAttr is the policy of one attribute: a map value in Policy.Attrs.
type PolicyAttr struct {
	Type    uint32        `nl:"type=1"`
	Min     *int64        `nl:"type=2"`
	Max     *uint64       `nl:"type=3"`
	Unknown []nlattr.Attr `nl:"unknown"`
}

func init() {
	marshal.RegisterVariant[LinkData]("vlan", (*VlanData)(nil))
	marshal.RegisterVariant[LinkData]("dummy", (*DummyData)(nil))
	marshal.RegisterVariant[TunData]("gre", (*GreData)(nil))
	marshal.RegisterVariant[TunData]("ipip", (*IpipData)(nil))
	marshal.RegisterVariant[EventPayload](EventError, (*ErrPayload)(nil))
	marshal.RegisterVariant[EventPayload](EventNote, (*Note)(nil))
	marshal.RegisterVariant[ProcBody](ProcFork, (*ForkEvent)(nil))
	marshal.RegisterVariant[ProcBody](ProcComm, (*CommEvent)(nil))
	marshal.RegisterVariant[ProcBody](ProcExit, (*ExitEvent)(nil))
	marshal.RegisterVariant[NotifyBody](NotifyAddKind, (*NotifyAdd)(nil))
	marshal.RegisterVariant[NotifyBody](NotifyDelKind, (*NotifyDel)(nil))
}
