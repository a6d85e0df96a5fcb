package zoo

import (
	"bytes"
	"net"
	"net/netip"
	"reflect"
	"strings"
	"testing"

	"github.com/nlstruct/nlstruct/marshal"
	"github.com/nlstruct/nlstruct/nlattr"
)

func typeName(v any) string { return reflect.TypeOf(v).Elem().Name() }

// TestCheck plans every zoo type.
func TestCheck(t *testing.T) {
	for _, v := range All {
		t.Run(typeName(v), func(t *testing.T) {
			if note := KnownBug(v); note != "" {
				t.Skip(note)
			}
			if err := marshal.Check(reflect.TypeOf(v)); err != nil {
				t.Fatal(err)
			}
		})
	}
}

// TestSamples checks that every sample round-trips exactly and that every
// type in All has samples.
func TestSamples(t *testing.T) {
	seen := map[reflect.Type]int{}
	for i, s := range Samples() {
		seen[reflect.TypeOf(s)]++
		if KnownBug(s) != "" {
			continue
		}
		b, err := marshal.Marshal(s)
		if err != nil {
			t.Errorf("sample %d (%T): Marshal: %v", i, s, err)
			continue
		}
		got := reflect.New(reflect.TypeOf(s).Elem()).Interface()
		if err := marshal.Unmarshal(b, got); err != nil {
			t.Errorf("sample %d (%T): Unmarshal: %v", i, s, err)
			continue
		}
		if !reflect.DeepEqual(got, s) {
			t.Errorf("sample %d (%T): round trip\n got %+v\nwant %+v", i, s, got, s)
		}
		b2, err := marshal.Marshal(got)
		if err != nil || !bytes.Equal(b, b2) {
			t.Errorf("sample %d (%T): re-encoding: %v\n% x\n% x", i, s, err, b, b2)
		}
	}
	for _, v := range All {
		if seen[reflect.TypeOf(v)] < 1 {
			t.Errorf("%T has no sample", v)
		}
	}
	if len(seen) != len(All) {
		t.Errorf("samples cover %d types, All has %d", len(seen), len(All))
	}
}

// TestCoverage checks that the zoo uses every option of the tag language
// and every value kind of doc.go.
func TestCoverage(t *testing.T) {
	options := map[string]bool{}
	kinds := map[string]bool{}
	visited := map[reflect.Type]bool{}
	var visit func(rt reflect.Type)
	visit = func(rt reflect.Type) {
		for rt.Kind() == reflect.Pointer || rt.Kind() == reflect.Slice || rt.Kind() == reflect.Array || rt.Kind() == reflect.Map {
			rt = rt.Elem()
		}
		if rt.Kind() != reflect.Struct || visited[rt] || rt.PkgPath() != reflect.TypeFor[Scalars]().PkgPath() {
			return
		}
		visited[rt] = true
		for i := range rt.NumField() {
			sf := rt.Field(i)
			tag, ok := sf.Tag.Lookup("nl")
			if ok {
				if tag == "-" {
					options["-"] = true
				}
				for _, o := range strings.Split(tag, ",") {
					k, _, _ := strings.Cut(o, "=")
					options[k] = true
				}
			}
			ft := sf.Type
			if ft.Kind() == reflect.Pointer && ft.Elem().Kind() != reflect.Interface {
				kinds["pointer"] = true
				ft = ft.Elem()
			}
			switch {
			case ft == reflect.TypeFor[net.IP]():
				kinds["net.IP"] = true
			case ft == reflect.TypeFor[netip.Addr]():
				kinds["netip.Addr"] = true
			case ft == reflect.TypeFor[net.HardwareAddr]():
				kinds["net.HardwareAddr"] = true
			case ft == reflect.TypeFor[[]nlattr.Attr]():
				kinds["unknown"] = true
			case reflect.PointerTo(ft).Implements(reflect.TypeFor[marshal.Marshaler]()):
				kinds["custom"] = true
			case ft.Kind() == reflect.Map:
				kinds["map"] = true
			case ft.Kind() == reflect.Interface:
				kinds["interface"] = true
			case ft.Kind() == reflect.Slice && ft.Elem().Kind() == reflect.Uint8:
				kinds["[]byte"] = true
			case ft.Kind() == reflect.Array && ft.Elem().Kind() == reflect.Uint8:
				kinds["[N]byte"] = true
			case ft.Kind() == reflect.Slice && !strings.Contains(tag, "multi") && !strings.Contains(tag, "array"):
				kinds["packed"] = true
			default:
				kinds[ft.Kind().String()] = true
				if ft.Name() != "" && ft.PkgPath() != "" && ft.Kind() >= reflect.Int && ft.Kind() <= reflect.Uint64 {
					kinds["named "+ft.Kind().String()] = true
				}
			}
			visit(sf.Type)
		}
	}
	for _, v := range All {
		visit(reflect.TypeOf(v))
	}
	for _, o := range []string{"type", "nested", "be", "netbyteorder", "flag", "multi", "array", "omitempty",
		"min", "max", "len", "minlen", "maxlen", "header", "unknown", "selector", "-"} {
		if !options[o] {
			t.Errorf("no zoo type uses option %q", o)
		}
	}
	for _, k := range []string{"uint8", "uint16", "uint32", "uint64", "int8", "int16", "int32", "int64", "uint", "int",
		"named uint8", "named uint16", "named uint32", "named uint64", "named int8", "named int16", "named int32", "named int64",
		"named uint", "named int", "bool", "string", "[]byte", "[N]byte", "packed", "struct", "pointer",
		"net.IP", "netip.Addr", "net.HardwareAddr", "custom", "interface", "unknown", "map"} {
		if !kinds[k] {
			t.Errorf("no zoo field has value kind %q", k)
		}
	}
}

// TestWalk checks ClearUnknown and HasUnknown.
func TestWalk(t *testing.T) {
	v := &Link{Info: &LinkInfo{Kind: "dummy", Data: &DummyData{Unknown: []nlattr.Attr{{Type: 1}}}}}
	if !HasUnknown(v) {
		t.Fatal("HasUnknown = false")
	}
	ClearUnknown(v)
	if HasUnknown(v) || v.Info.Data.(*DummyData).Unknown != nil {
		t.Fatalf("after ClearUnknown: %+v", v.Info.Data)
	}
	p := &Policy{Attrs: map[uint32]map[uint16]PolicyAttr{1: {2: {Unknown: []nlattr.Attr{{Type: 9}}}}}}
	if !HasUnknown(p) {
		t.Fatal("HasUnknown(Policy) = false")
	}
	ClearUnknown(p)
	if HasUnknown(p) || p.Attrs[1][2].Unknown != nil {
		t.Fatalf("after ClearUnknown: %+v", p.Attrs)
	}
	if HasUnknown(&Node{Kids: []*Node{{}}}) {
		t.Fatal("HasUnknown(Node) = true")
	}
	if got := AttrTypes(reflect.TypeFor[Stats]()); !reflect.DeepEqual(got, []uint16{1, 2, 4, 9}) {
		t.Fatalf("AttrTypes(Stats) = %v", got)
	}
	for _, c := range []struct {
		v     any
		size  int
		attrs bool
	}{{&Link{}, 20, true}, {&Family{}, 12, true}, {&Notify{}, 4, false}, {&Pair{}, 0, false}, {&Stats{}, 0, true}} {
		if size, attrs := HeaderSize(reflect.TypeOf(c.v)); size != c.size || attrs != c.attrs {
			t.Errorf("HeaderSize(%T) = %d, %v; want %d, %v", c.v, size, attrs, c.size, c.attrs)
		}
	}
}
