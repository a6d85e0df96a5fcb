package marshal_test

import (
	"encoding/hex"
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"pgregory.net/rapid"

	"github.com/nlstruct/nlstruct/marshal"
)

// recHop is shaped like struct rtnexthop and its attributes (RTA_GATEWAY
// and friends): the record's length first, then a few fields.
type recHopHdr struct {
	Len     uint16
	Flags   uint8
	Hops    uint8
	IfIndex int32
}

type recHop struct {
	Hdr     recHopHdr `nl:"header"`
	Gateway []byte    `nl:"type=5,omitempty"`
	Flow    uint32    `nl:"type=11,omitempty"`
}

type recRoute struct {
	Table uint32   `nl:"type=15"`
	Hops  []recHop `nl:"type=9,records"`
	After uint8    `nl:"type=2"`
}

// recWide has a 32-bit length.
type recWideHdr struct {
	Len  uint32
	Kind uint32
}

type recWide struct {
	Hdr  recWideHdr `nl:"header"`
	Name string     `nl:"type=1"`
}

type recWideMsg struct {
	Items []recWide `nl:"type=1,records,maxlen=3"`
}

func TestRecordsEncode(t *testing.T) {
	in := &recRoute{Table: 254, Hops: []recHop{
		{Hdr: recHopHdr{Flags: 1, Hops: 2, IfIndex: 3}, Gateway: []byte{10, 0, 0, 1}},
		{Hdr: recHopHdr{Len: 999, IfIndex: 4}, Flow: 7}, // Len is filled in
		{Hdr: recHopHdr{IfIndex: 5}},
	}, After: 9}
	b, err := marshal.Marshal(in)
	if err != nil {
		t.Fatal(err)
	}
	// Written by hand from the layout: rtnexthop is 8 bytes, each
	// record's length counts its header and attributes.
	want := strings.Join([]string{
		"0800 0f00 fe000000",                    // type 15: 254
		"2c00 0900",                             // type 9: 4 + 40 bytes, no NLA_F_NESTED
		"1000 0102 03000000 0800 0500 0a000001", // record 1: 16 bytes, gateway 10.0.0.1
		"1000 0000 04000000 0800 0b00 07000000", // record 2: 16 bytes, flow 7
		"0800 0000 05000000",                    // record 3: the header alone
		"0500 0200 09000000",                    // type 2: 9
	}, "")
	if got := hex.EncodeToString(b); got != strings.ReplaceAll(want, " ", "") {
		t.Errorf("Marshal:\n got %s\nwant %s", got, strings.ReplaceAll(want, " ", ""))
	}
	var out recRoute
	if err := marshal.Unmarshal(b, &out); err != nil {
		t.Fatal(err)
	}
	in.Hops[0].Hdr.Len, in.Hops[1].Hdr.Len, in.Hops[2].Hdr.Len = 16, 16, 8
	if d := cmp.Diff(in, &out); d != "" {
		t.Errorf("round trip (-want +got):\n%s", d)
	}
}

func TestRecordsRoundTrip(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		in := &recWideMsg{}
		for i := range rapid.IntRange(0, 3).Draw(t, "n") {
			name := rapid.StringMatching(`[a-z]{0,7}`).Draw(t, "name")
			in.Items = append(in.Items, recWide{Hdr: recWideHdr{Kind: uint32(i)}, Name: name})
		}
		b, err := marshal.Marshal(in)
		if err != nil {
			t.Fatal(err)
		}
		var out recWideMsg
		if err := marshal.Unmarshal(b, &out); err != nil {
			t.Fatal(err)
		}
		for i := range in.Items {
			// header 8 + attribute (4 + name + NUL, padded)
			in.Items[i].Hdr.Len = uint32(8 + (4+len(in.Items[i].Name)+1+3)&^3)
		}
		if len(in.Items) == 0 {
			in.Items = nil
		}
		if d := cmp.Diff(in, &out); d != "" {
			t.Fatalf("(-want +got):\n%s", d)
		}
		again, err := marshal.Marshal(&out)
		if err != nil || hex.EncodeToString(again) != hex.EncodeToString(b) {
			t.Fatalf("re-encoding: %x, %v; want %x", again, err, b)
		}
	})
}

func TestRecordsHostile(t *testing.T) {
	for _, tt := range []struct {
		name, payload string // type 9's payload
		sentinel      error
	}{
		{"header cut short", "0800 0000 0500", marshal.ErrTruncated},
		{"length below the header", "0400 0000 05000000", marshal.ErrBadLength},
		{"length past the end", "4000 0000 05000000", marshal.ErrBadLength},
		{"second record cut short", "0800 0000 05000000 0800", marshal.ErrTruncated},
		{"attribute inside a record lies", "1000 0000 05000000 ff00 0500 0a000001", marshal.ErrTruncated},
	} {
		t.Run(tt.name, func(t *testing.T) {
			p, _ := hex.DecodeString(strings.ReplaceAll(tt.payload, " ", ""))
			b := append([]byte{byte(4 + len(p)), 0, 9, 0}, p...)
			for len(b)%4 != 0 {
				b = append(b, 0)
			}
			var out recRoute
			err := marshal.Unmarshal(b, &out)
			if !errors.Is(err, tt.sentinel) {
				t.Fatalf("Unmarshal: %v, want %v", err, tt.sentinel)
			}
			var e *marshal.Error
			if !errors.As(err, &e) || len(e.Path) == 0 || !strings.HasPrefix(strings.Join(e.Path, "."), "recRoute.Hops") {
				t.Errorf("error %v does not name recRoute.Hops", err)
			}
		})
	}
	// Too many records for maxlen.
	b, err := marshal.Marshal(&recWideMsg{Items: []recWide{{}, {}, {}}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := marshal.Marshal(&recWideMsg{Items: make([]recWide, 4)}); !errors.Is(err, marshal.ErrCheck) {
		t.Errorf("Marshal of 4 records with maxlen=3: %v, want ErrCheck", err)
	}
	var out recWideMsg
	if err := marshal.Unmarshal(b, &out); err != nil || len(out.Items) != 3 {
		t.Errorf("3 records: %v, %d items", err, len(out.Items))
	}
}

func TestRecordsTagErrors(t *testing.T) {
	type noHeader struct {
		A uint32 `nl:"type=1"`
	}
	type badLenHdr struct {
		Flags uint8
		_     [3]byte
	}
	type badLen struct {
		H badLenHdr `nl:"header"`
	}
	type notSlice struct {
		R recHop `nl:"type=1,records"`
	}
	type ofNoHeader struct {
		R []noHeader `nl:"type=1,records"`
	}
	type ofBadLen struct {
		R []badLen `nl:"type=1,records"`
	}
	type withNested struct {
		R []recHop `nl:"type=1,records,nested"`
	}
	for _, typ := range []reflect.Type{
		reflect.TypeFor[notSlice](), reflect.TypeFor[ofNoHeader](), reflect.TypeFor[ofBadLen](), reflect.TypeFor[withNested](),
	} {
		var te *marshal.TagError
		if err := marshal.Check(typ); !errors.As(err, &te) || te.Field != "R" {
			t.Errorf("%v: %v, want a *TagError on R", typ, err)
		}
	}
}

// An empty (not nil) slice is an empty attribute, and decodes back as
// one; nil is not encoded.
func TestRecordsEmpty(t *testing.T) {
	b, err := marshal.Marshal(&recRoute{Hops: []recHop{}})
	if err != nil {
		t.Fatal(err)
	}
	if want := "0800 0f00 00000000 0400 0900 0500 0200 00000000"; hex.EncodeToString(b) != strings.ReplaceAll(want, " ", "") {
		t.Errorf("Marshal of an empty slice: %x, want %s", b, want)
	}
	var out recRoute
	if err := marshal.Unmarshal(b, &out); err != nil || out.Hops == nil || len(out.Hops) != 0 {
		t.Errorf("Unmarshal: %v, Hops %#v, want empty and not nil", err, out.Hops)
	}
	again, err := marshal.Marshal(&out)
	if err != nil || hex.EncodeToString(again) != hex.EncodeToString(b) {
		t.Errorf("re-encoding: %x, %v", again, err)
	}
	b, err = marshal.Marshal(&recRoute{})
	if err != nil || strings.Contains(hex.EncodeToString(b), "04000900") {
		t.Errorf("Marshal of a nil slice: %x, %v; want no type 9", b, err)
	}
}

// PathAt names the record and the field inside it.
func TestRecordsPathAt(t *testing.T) {
	v := &recRoute{Table: 1, Hops: []recHop{
		{Hdr: recHopHdr{IfIndex: 3}, Gateway: []byte{10, 0, 0, 1}},
		{Hdr: recHopHdr{IfIndex: 4}, Flow: 7},
	}}
	b, err := marshal.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	// 8 bytes of type 15, the records' header (4), then record 0: its
	// rtnexthop (8), Gateway's header (4) and payload; record 1 starts
	// 16 bytes after record 0, its Flow payload 12 bytes further.
	for _, tt := range []struct {
		off  int
		want string
	}{
		{12 + 2, "recRoute.Hops[0].Hdr.Flags"},
		{12 + 8 + 4, "recRoute.Hops[0].Gateway"},
		{12 + 16 + 8 + 4, "recRoute.Hops[1].Flow"},
	} {
		got, ok := marshal.PathAt(v, b, tt.off)
		if !ok || got != tt.want {
			t.Errorf("PathAt(%d) = %q, %v; want %q", tt.off, got, ok, tt.want)
		}
	}
}
