package fuzz

import (
	"fmt"
	"net/netip"
	"path/filepath"
	"reflect"
	"sort"
	"strings"

	"github.com/nlstruct/nlstruct/families/rt"
	"github.com/nlstruct/nlstruct/marshal"
)

// rtFiles maps the prefix of a capture file of families/rt/testdata to the
// message type its lines hold (the rtnetlink payload: the fixed header,
// then the attributes).
var rtFiles = []struct {
	prefix string
	typ    reflect.Type
}{
	{"addr", typeFor[rt.Address]()},
	{"route", typeFor[rt.Route]()},
	{"neigh", typeFor[rt.Neighbour]()},
	{"rule", typeFor[rt.Rule]()},
	{"link", typeFor[rt.Link]()},
}

// rtSeeds: every captured rtnetlink message as its type, its fixed header
// alone as the header type, and every part of it that is itself a fuzz
// type (cache infos, metrics, ranges, link info...) encoded on its own.
func rtSeeds(s *seedSet) error {
	files, err := filepath.Glob(filepath.Join(familiesDir, "rt", "testdata", "*.hex"))
	if err != nil {
		return err
	}
	sort.Strings(files)
	if len(files) == 0 {
		return fmt.Errorf("no captures under %s", filepath.Join(familiesDir, "rt", "testdata"))
	}
	for _, name := range files {
		var typ reflect.Type
		for _, f := range rtFiles {
			if strings.HasPrefix(filepath.Base(name), f.prefix) {
				typ = f.typ
			}
		}
		if typ == nil {
			continue // a capture of a type this file does not know yet
		}
		msgs, err := readHex(name)
		if err != nil {
			return err
		}
		for i, m := range msgs {
			s.add(typ, m)
			v := reflect.New(typ.Elem())
			if err := marshal.Unmarshal(m, v.Interface()); err != nil {
				return fmt.Errorf("%s: message %d: %w", name, i, err)
			}
			if err := addParts(s, v.Elem()); err != nil {
				return fmt.Errorf("%s: message %d: %w", name, i, err)
			}
		}
	}
	return nil
}

// rtBuiltSeeds: the link kinds whose data no capture holds (this kernel
// has no vlan or bond driver, and sends no veth data), as requests would
// carry them, with their parts.
func rtBuiltSeeds(s *seedSet) error {
	u32 := func(v uint32) *uint32 { return &v }
	u8 := func(v uint8) *uint8 { return &v }
	for _, l := range []*rt.Link{
		{Name: "v0", Info: &rt.LinkInfo{Kind: "veth", Data: &rt.VethData{Peer: &rt.Link{Name: "v1", MTU: 1400}}}},
		{Name: "d0.100", ParentIndex: 2, Info: &rt.LinkInfo{Kind: "vlan", Data: &rt.VlanData{
			ID: 100, Protocol: 0x88a8, Flags: &rt.VlanFlags{Flags: rt.VlanFlagReorderHdr, Mask: 0xffffffff},
			EgressQoS:  &rt.VlanQoS{Mappings: []rt.VlanQoSMapping{{From: 1, To: 2}, {From: 3, To: 4}}},
			IngressQoS: &rt.VlanQoS{Mappings: []rt.VlanQoSMapping{{From: 5, To: 6}}},
		}}},
		{Name: "bond0", Info: &rt.LinkInfo{Kind: "bond", Data: &rt.BondData{Mode: u8(4), MIIMon: u32(100), MinLinks: u32(1)}}},
		{Name: "d1", Master: new(int32(3)), Info: &rt.LinkInfo{SlaveKind: "bond", SlaveData: &rt.BondSlaveData{State: 1, LinkFailureCount: 2, QueueID: new(uint16(3))}}},
	} {
		b, err := marshal.Marshal(l)
		if err != nil {
			return fmt.Errorf("link %s: %w", l.Name, err)
		}
		s.add(typeFor[rt.Link](), b)
		if err := addParts(s, reflect.ValueOf(l).Elem()); err != nil {
			return fmt.Errorf("link %s: %w", l.Name, err)
		}
	}
	r := &rt.Route{
		Header: rt.RtMsg{Family: 2, DstLen: 24, Table: rt.TableMain, Protocol: rt.ProtoStatic, Type: rt.RouteTypeUnicast},
		Dst:    netip.MustParseAddr("10.50.0.0"),
		MultiPath: []rt.NextHop{
			rt.NewNextHop(3, netip.MustParseAddr("10.10.0.2"), 1),
			rt.NewNextHop(4, netip.MustParseAddr("10.11.0.3"), 3),
			{Header: rt.RtNextHop{IfIndex: 3}, Via: &rt.Via{Addr: netip.MustParseAddr("fe80::1")}, Flow: 7},
		},
	}
	b, err := marshal.Marshal(r)
	if err != nil {
		return fmt.Errorf("multipath route: %w", err)
	}
	s.add(typeFor[rt.Route](), b)
	return addParts(s, reflect.ValueOf(r).Elem())
}

// addParts adds, for every field of the struct v whose type (through a
// pointer) is a fuzz type, the field's encoding as a seed of that type,
// recursively. A header field is encoded as a fixed layout; any other
// struct through marshal as a payload of its own.
func addParts(s *seedSet, v reflect.Value) error {
	for i := range v.NumField() {
		if !v.Type().Field(i).IsExported() {
			continue
		}
		if err := addPart(s, v.Field(i)); err != nil {
			return fmt.Errorf("%s: %w", v.Type().Field(i).Name, err)
		}
	}
	return nil
}

// addPart adds f, through pointers and interfaces, and the elements of a
// slice, when it is a struct of a fuzz type; and its own parts.
func addPart(s *seedSet, f reflect.Value) error {
	for f.Kind() == reflect.Pointer || f.Kind() == reflect.Interface {
		if f.IsNil() {
			return nil
		}
		f = f.Elem()
	}
	if f.Kind() == reflect.Slice {
		for j := range f.Len() {
			if err := addPart(s, f.Index(j)); err != nil {
				return err
			}
		}
		return nil
	}
	if f.Kind() != reflect.Struct {
		return nil
	}
	pt := reflect.PointerTo(f.Type())
	if _, ok := typeIndexOf(pt); ok {
		p := reflect.New(f.Type())
		p.Elem().Set(f)
		b, err := marshal.Marshal(p.Interface())
		if err != nil {
			return err
		}
		s.add(pt, b)
	}
	return addParts(s, f)
}
