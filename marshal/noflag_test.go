package marshal_test

import (
	"bytes"
	"errors"
	"reflect"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/nlstruct/nlstruct/marshal"
)

type nfInner struct {
	A uint32 `nl:"type=1"`
}

type nfBody interface{ nf() }

func (*nfInner) nf() {}

func init() {
	marshal.RegisterVariant[nfBody]("in", (*nfInner)(nil))
}

// nfMsg has each kind of nest twice: with the flag and without (noflag).
type nfMsg struct {
	Flagged   *nfInner          `nl:"type=1,nested"`
	Plain     *nfInner          `nl:"type=2,nested,noflag"`
	MapPlain  map[uint16]uint32 `nl:"type=3,noflag"`
	ArrPlain  []nfInner         `nl:"type=4,array,nested,noflag"`
	Kind      string            `nl:"type=5"`
	SubPlain  nfBody            `nl:"type=6,nested,noflag,selector=Kind"`
	SubFlag   nfBody            `nl:"type=7,nested,selector=Kind"`
	MapFlag   map[uint16]uint32 `nl:"type=8"`
	MultiNone []nfInner         `nl:"type=9,multi,nested,noflag"`
}

func TestNoFlag(t *testing.T) {
	in := &nfMsg{
		Flagged: &nfInner{1}, Plain: &nfInner{2},
		MapPlain: map[uint16]uint32{1: 3}, ArrPlain: []nfInner{{4}},
		Kind: "in", SubPlain: &nfInner{5}, SubFlag: &nfInner{6},
		MapFlag: map[uint16]uint32{1: 7}, MultiNone: []nfInner{{8}, {9}},
	}
	b, err := marshal.Marshal(in)
	if err != nil {
		t.Fatal(err)
	}
	// The nla_type of every top-level attribute, flags included.
	want := map[uint16]bool{1: true, 2: false, 3: false, 4: false, 6: false, 7: true, 8: true, 9: false}
	for off := 0; off+4 <= len(b); {
		n := int(b[off]) | int(b[off+1])<<8
		typ := uint16(b[off+2]) | uint16(b[off+3])<<8
		if flagged, ok := want[typ&0x3fff]; ok && (typ&0x8000 != 0) != flagged {
			t.Errorf("attribute %d: NLA_F_NESTED is %v, want %v", typ&0x3fff, typ&0x8000 != 0, flagged)
		}
		off += (n + 3) &^ 3
	}
	var out nfMsg
	if err := marshal.Unmarshal(b, &out); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(in, &out); diff != "" {
		t.Errorf("round trip (-want +got):\n%s", diff)
	}
	// Decoding does not care about the flag: setting it on a noflag nest
	// decodes the same.
	flagged := bytes.Clone(b)
	for off := 0; off+4 <= len(flagged); {
		n := int(flagged[off]) | int(flagged[off+1])<<8
		if flagged[off+2] == 2 {
			flagged[off+3] |= 0x80
		}
		off += (n + 3) &^ 3
	}
	var again nfMsg
	if err := marshal.Unmarshal(flagged, &again); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(in, &again); diff != "" {
		t.Errorf("with the flag set (-want +got):\n%s", diff)
	}
}

func TestNoFlagOnlyOnNests(t *testing.T) {
	type bad struct {
		A uint32 `nl:"type=1,noflag"`
	}
	err := marshal.Check(reflect.TypeFor[bad]())
	var te *marshal.TagError
	if !errors.As(err, &te) || te.Option != "noflag" {
		t.Errorf("noflag on a u32: %v, want a *TagError for option noflag", err)
	}
}
