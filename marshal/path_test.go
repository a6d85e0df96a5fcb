package marshal_test

// PathAt turns a byte offset (as in the kernel's extended ACK) into a Go
// field path; *marshal.Error says where a decoding error is.

import (
	"bytes"
	"errors"
	"fmt"
	"testing"

	"github.com/nlstruct/nlstruct/marshal"
	"github.com/nlstruct/nlstruct/nlattr"
)

type paHdr struct {
	Family uint8
	_      [3]byte
	Index  int32
}

type paStats struct {
	Conns uint32 `nl:"type=1"`
	Bytes uint64 `nl:"type=2"`
}

type paPair struct {
	A uint16
	B uint16
}

type paAddr struct {
	Port  uint16 `nl:"be"`
	Proto uint8
	_     uint8
	Addr  [4]byte
	Pairs [2]paPair
}

type paLinkData interface{ isPaLinkData() }

type paVlan struct {
	ID uint16 `nl:"type=1"`
}

func (*paVlan) isPaLinkData() {}

type paInfo struct {
	Kind string     `nl:"type=1"`
	Data paLinkData `nl:"type=2,selector=Kind"`
}

type paSvc struct {
	Hdr     paHdr         `nl:"header"`
	Name    string        `nl:"type=1"`
	Stats   *paStats      `nl:"type=2,nested"`
	Ports   []uint16      `nl:"type=3,multi"`
	Dests   []paStats     `nl:"type=4,array,nested"`
	Addr    paAddr        `nl:"type=5"`
	Info    *paInfo       `nl:"type=6,nested"`
	Unknown []nlattr.Attr `nl:"unknown"`
}

type paEvHdr struct {
	What uint32
}

type paEvent interface{ isPaEvent() }

type paExec struct {
	PID  uint32 `nl:"type=1"`
	Comm string `nl:"type=2"`
}

func (*paExec) isPaEvent() {}

type paEvMsg struct {
	Hdr  paEvHdr `nl:"header"`
	Body paEvent `nl:"selector=Hdr.What"`
}

func init() {
	marshal.RegisterVariant[paLinkData]("vlan", (*paVlan)(nil))
	marshal.RegisterVariant[paEvent](uint32(1), (*paExec)(nil))
}

// paSvcValue and paSvcBytes are a message and its encoding, by hand, with
// the offset of every part.
var paSvcValue = paSvc{
	Hdr:     paHdr{Family: 2, Index: 7},
	Name:    "eth0",
	Stats:   &paStats{Conns: 1, Bytes: 2},
	Ports:   []uint16{80, 443},
	Dests:   []paStats{{1, 2}, {3, 4}},
	Addr:    paAddr{Port: 80, Proto: 6, Addr: [4]byte{10, 0, 0, 1}, Pairs: [2]paPair{{1, 2}, {3, 4}}},
	Info:    &paInfo{Kind: "vlan", Data: &paVlan{ID: 5}},
	Unknown: []nlattr.Attr{{Type: 99, Data: []byte{1, 2, 3, 4}}},
}

var paSvcBytes = hexb(
	"02 00 00 00", "07 00 00 00", // 0..7: Hdr: family 2, _ x3, index 7
	"09 00 01 00", "65 74 68 30 00 00 00 00", // 8: Name: header 8..11, "eth0\0" 12..16, pad 17..19
	"18 00 02 80",                // 20: Stats: header 20..23, len 24
	"08 00 01 00", "01 00 00 00", //   24: Conns: header 24..27, payload 28..31
	"0c 00 02 00", "02 00 00 00 00 00 00 00", //   32: Bytes: header 32..35, payload 36..43
	"06 00 03 00", "50 00 00 00", // 44: Ports[0]: header 44..47, payload 48..49
	"06 00 03 00", "bb 01 00 00", // 52: Ports[1]: header 52..55, payload 56..57
	"34 00 04 80",                // 60: Dests: header 60..63, len 52
	"18 00 01 80",                //   64: entry 1 (Dests[0]): header 64..67
	"08 00 01 00", "01 00 00 00", //     68: Conns, payload 72..75
	"0c 00 02 00", "02 00 00 00 00 00 00 00", //     76: Bytes, payload 80..87
	"18 00 02 80",                //   88: entry 2 (Dests[1]): header 88..91
	"08 00 01 00", "03 00 00 00", //     92: Conns, payload 96..99
	"0c 00 02 00", "04 00 00 00 00 00 00 00", //     100: Bytes, payload 104..111
	"14 00 05 00",                            // 112: Addr: header 112..115, len 20
	"00 50 06 00",                            //   116: Port (BE) 116..117, Proto 118, _ 119
	"0a 00 00 01",                            //   120: Addr 120..123
	"01 00 02 00",                            //   124: Pairs[0]: A 124..125, B 126..127
	"03 00 04 00",                            //   128: Pairs[1]: A 128..129, B 130..131
	"1c 00 06 80",                            // 132: Info: header 132..135, len 28
	"09 00 01 00", "76 6c 61 6e 00 00 00 00", //   136: Kind: header 136..139, "vlan\0" 140..144
	"0c 00 02 80",                //   148: Data: header 148..151
	"06 00 01 00", "05 00 00 00", //     152: ID: header 152..155, payload 156..157
	"08 00 63 00", "01 02 03 04", // 160: unknown type 99: header 160..163, payload 164..167
)

func TestPathAt(t *testing.T) {
	got, err := marshal.Marshal(&paSvcValue)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, paSvcBytes) {
		t.Fatalf("Marshal:\n got % x\nwant % x", got, paSvcBytes)
	}
	cases := []struct {
		name   string
		reason string
		off    int
		want   string
	}{
		{name: "header field", off: 0, want: "paSvc.Hdr.Family"},
		{name: "header padding field", off: 2, want: "paSvc.Hdr._"},
		{name: "header field, last byte", off: 7, want: "paSvc.Hdr.Index"},
		{name: "attribute header", off: 8, want: "paSvc.Name"},
		{name: "attribute payload", off: 12, want: "paSvc.Name"},
		{name: "attribute payload, last byte", off: 16, want: "paSvc.Name"},
		{name: "attribute padding", reason: "padding belongs to no field: the path stops at the message", off: 18, want: "paSvc"},
		{name: "nested attribute header", off: 20, want: "paSvc.Stats"},
		{name: "inner attribute header", off: 24, want: "paSvc.Stats.Conns"},
		{name: "inner attribute payload", off: 29, want: "paSvc.Stats.Conns"},
		{name: "second inner attribute", off: 43, want: "paSvc.Stats.Bytes"},
		{name: "multi: first element header", off: 44, want: "paSvc.Ports[0]"},
		{name: "multi: first element payload", off: 48, want: "paSvc.Ports[0]"},
		{name: "multi: second element", off: 56, want: "paSvc.Ports[1]"},
		{name: "array: outer header", off: 60, want: "paSvc.Dests"},
		{name: "array: entry header", off: 64, want: "paSvc.Dests[0]"},
		{name: "array: field of an entry", off: 72, want: "paSvc.Dests[0].Conns"},
		{name: "array: second entry header", off: 88, want: "paSvc.Dests[1]"},
		{name: "array: field of the second entry", off: 104, want: "paSvc.Dests[1].Bytes"},
		{name: "fixed payload: attribute header", off: 112, want: "paSvc.Addr"},
		{name: "fixed payload: be field", off: 117, want: "paSvc.Addr.Port"},
		{name: "fixed payload: byte field", off: 118, want: "paSvc.Addr.Proto"},
		{name: "fixed payload: byte array", reason: "a byte array is one field, not indexed", off: 121, want: "paSvc.Addr.Addr"},
		{name: "fixed payload: array of structs", off: 126, want: "paSvc.Addr.Pairs[0].B"},
		{name: "fixed payload: second array element", off: 128, want: "paSvc.Addr.Pairs[1].A"},
		{name: "sub-message holder", off: 132, want: "paSvc.Info"},
		{name: "selector", off: 140, want: "paSvc.Info.Kind"},
		{name: "sub-message header", off: 148, want: "paSvc.Info.Data"},
		{name: "field of the sub-message", off: 156, want: "paSvc.Info.Data.ID"},
		{name: "unknown attribute header", off: 160, want: "paSvc.(attr 99)"},
		{name: "unknown attribute, last byte", off: 167, want: "paSvc.(attr 99)"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			for _, v := range []any{&paSvcValue, paSvcValue} {
				got, ok := marshal.PathAt(v, paSvcBytes, tc.off)
				if !ok || got != tc.want {
					t.Errorf("PathAt(%T, %d) = %q, %v; want %q, true", v, tc.off, got, ok, tc.want)
				}
			}
		})
	}
	for _, off := range []int{-1, len(paSvcBytes), len(paSvcBytes) + 100} {
		if got, ok := marshal.PathAt(&paSvcValue, paSvcBytes, off); ok {
			t.Errorf("PathAt(%d) = %q, true; want false (outside the %d bytes)", off, got, len(paSvcBytes))
		}
	}
	if _, ok := marshal.PathAt(42, paSvcBytes, 0); ok {
		t.Errorf("PathAt on a non-struct reported ok")
	}
	if _, ok := marshal.PathAt(nil, paSvcBytes, 0); ok {
		t.Errorf("PathAt on nil reported ok")
	}
}

func TestPathAtBody(t *testing.T) {
	v := &paEvMsg{Hdr: paEvHdr{What: 1}, Body: &paExec{PID: 5, Comm: "sh"}}
	b := hexb(
		"01 00 00 00",                // 0..3: Hdr.What = 1
		"08 00 01 00", "05 00 00 00", // 4: PID: header 4..7, payload 8..11
		"07 00 02 00", "73 68 00 00", // 12: Comm: header 12..15, "sh\0" 16..18
	)
	got, err := marshal.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, b) {
		t.Fatalf("Marshal:\n got % x\nwant % x", got, b)
	}
	for off, want := range map[int]string{
		0:  "paEvMsg.Hdr.What",
		3:  "paEvMsg.Hdr.What",
		4:  "paEvMsg.Body.PID",
		9:  "paEvMsg.Body.PID",
		12: "paEvMsg.Body.Comm",
		18: "paEvMsg.Body.Comm",
	} {
		if got, ok := marshal.PathAt(v, b, off); !ok || got != want {
			t.Errorf("PathAt(%d) = %q, %v; want %q", off, got, ok, want)
		}
	}
}

func TestErrorInNestedAttribute(t *testing.T) {
	type Stats struct {
		Conns uint32 `nl:"type=1"`
	}
	type Service struct {
		Name  string `nl:"type=6"`
		Stats *Stats `nl:"type=10,nested"`
	}
	in := hexb(
		"07 00 06 00", "61 62 00 00", // 0: Name "ab\0"
		"0c 00 0a 80", // 8: Stats, nested
		"07 00 01 00", //   12: Conns with 3 bytes of payload
		"01 02 03 00", //   16: the bad payload, 1 pad
	)
	var v Service
	err := marshal.Unmarshal(in, &v)
	const want = "marshal: Service.Stats.Conns (attr 10/1) at offset 16: bad length: want 4 bytes, got 3"
	if err == nil || err.Error() != want {
		t.Fatalf("Unmarshal:\n got %v\nwant %s", err, want)
	}
	var me *marshal.Error
	if !errors.As(err, &me) {
		t.Fatalf("errors.As(%T, *marshal.Error) = false", err)
	}
	if me.Offset != 16 {
		t.Errorf("Offset = %d, want 16", me.Offset)
	}
	if fmt.Sprint(me.Path) != "[Service Stats Conns]" || me.FieldPath() != "Service.Stats.Conns" {
		t.Errorf("Path = %q (%s), want [Service Stats Conns]", me.Path, me.FieldPath())
	}
	if fmt.Sprint(me.Attrs) != "[10 1]" {
		t.Errorf("Attrs = %v, want [10 1]", me.Attrs)
	}
	if !errors.Is(err, marshal.ErrBadLength) || !errors.Is(err, nlattr.ErrBadLength) {
		t.Errorf("errors.Is(ErrBadLength) = false for %v", err)
	}
	if errors.Is(err, marshal.ErrTruncated) || errors.Is(err, marshal.ErrTag) {
		t.Errorf("%v matches an unrelated sentinel", err)
	}
	// The offset points into the input: PathAt names the same field.
	if p, ok := marshal.PathAt(&Service{Name: "ab", Stats: &Stats{}}, in, me.Offset); !ok || p != me.FieldPath() {
		t.Errorf("PathAt(%d) = %q, %v; want %q", me.Offset, p, ok, me.FieldPath())
	}
}

func TestErrorLocations(t *testing.T) {
	type Stats struct {
		Conns uint32 `nl:"type=1"`
	}
	type Hdr struct {
		A, B, C, D uint8
	}
	type Link struct {
		H   Hdr    `nl:"header"`
		MTU uint32 `nl:"type=1"`
	}
	type Msg struct {
		Ports []uint16 `nl:"type=3,multi"`
		Dests []Stats  `nl:"type=4,array,nested"`
		Link  *Link    `nl:"type=5,nested"`
		Stats *Stats   `nl:"type=10,nested"`
		Max   uint8    `nl:"type=11,max=10"`
	}
	cases := []struct {
		name  string
		in    []byte
		want  string // the whole message
		is    error
		off   int
		path  string
		attrs string
	}{
		{
			name: "multi element",
			in: hexb(
				"06 00 03 00", "50 00 00 00", // 0: Ports[0]
				"08 00 03 00", "bb 01 00 00", // 8: Ports[1], 4 bytes instead of 2; payload at 12
			),
			want: "marshal: Msg.Ports[1] (attr 3) at offset 12: bad length: want 2 bytes, got 4",
			is:   marshal.ErrBadLength, off: 12, path: "Msg.Ports[1]", attrs: "[3]",
		},
		{
			name: "array entry field",
			in: hexb(
				"1c 00 04 80",                               // 0: Dests, len 4+12+12 = 28
				"0c 00 01 80", "08 00 01 00", "01 00 00 00", // 4: entry 1, fine
				"0c 00 02 80", "06 00 01 00", "01 00 00 00", // 16: entry 2: Conns with 2 bytes; payload at 24
			),
			want: "marshal: Msg.Dests[1].Conns (attr 4/1) at offset 24: bad length: want 4 bytes, got 2",
			is:   marshal.ErrBadLength, off: 24, path: "Msg.Dests[1].Conns", attrs: "[4 1]",
		},
		{
			name: "header of a nested message",
			in: hexb(
				"06 00 05 80", "01 02 00 00", // 0: Link with 2 bytes: its 4-byte header is cut; payload at 4
			),
			want: "marshal: Msg.Link.H (attr 5) at offset 4: truncated: want 4 bytes, got 2",
			is:   marshal.ErrTruncated, off: 4, path: "Msg.Link.H", attrs: "[5]",
		},
		{
			name: "framing inside a nested set",
			in: hexb(
				"08 00 0a 80", // 0: Stats
				"02 00 01 00", // 4: nla_len 2 < 4
			),
			want: "marshal: Msg.Stats (attr 10) at offset 4: bad length: nla_len 2 is below the header size 4",
			is:   marshal.ErrBadLength, off: 4, path: "Msg.Stats", attrs: "[10]",
		},
		{
			name: "framing at the top level",
			in: hexb(
				"05 00 0b 00", "01 00 00 00", // 0: Max = 1
				"10 00 01 00", // 8: nla_len 16 runs past the end
			),
			want: "marshal: Msg at offset 8: truncated: nla_len 16 runs past the 4 bytes left",
			is:   marshal.ErrTruncated, off: 8, path: "Msg", attrs: "[]",
		},
		{
			name: "check",
			in: hexb(
				"05 00 0b 00", "0b 00 00 00", // 0: Max = 11; payload at 4
			),
			want: "marshal: Msg.Max (attr 11) at offset 4: check failed: 11 is above max=10",
			is:   marshal.ErrCheck, off: 4, path: "Msg.Max", attrs: "[11]",
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var v Msg
			err := marshal.Unmarshal(tc.in, &v)
			if err == nil || err.Error() != tc.want {
				t.Fatalf("Unmarshal:\n got %v\nwant %s", err, tc.want)
			}
			if !errors.Is(err, tc.is) {
				t.Errorf("errors.Is(%v) = false", tc.is)
			}
			var me *marshal.Error
			if !errors.As(err, &me) {
				t.Fatalf("not an *Error: %T", err)
			}
			if me.Offset != tc.off || me.FieldPath() != tc.path || fmt.Sprint(me.Attrs) != tc.attrs {
				t.Errorf("Offset, path, attrs = %d, %q, %v; want %d, %q, %s", me.Offset, me.FieldPath(), me.Attrs, tc.off, tc.path, tc.attrs)
			}
		})
	}
}

func TestEncodeErrorFormat(t *testing.T) {
	type Stats struct {
		Conns uint32 `nl:"type=1,max=10"`
	}
	type Service struct {
		Stats Stats `nl:"type=10,nested"`
	}
	_, err := marshal.Marshal(&Service{Stats: Stats{Conns: 11}})
	const want = "marshal: Service.Stats.Conns (attr 10/1): check failed: 11 is above max=10"
	if err == nil || err.Error() != want {
		t.Fatalf("Marshal:\n got %v\nwant %s", err, want)
	}
	var me *marshal.Error
	if !errors.As(err, &me) || me.Offset != -1 {
		t.Errorf("want an *Error with Offset -1, got %#v", err)
	}
	if !errors.Is(err, marshal.ErrCheck) {
		t.Errorf("errors.Is(ErrCheck) = false")
	}
}
