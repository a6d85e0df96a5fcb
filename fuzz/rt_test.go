package fuzz

import (
	"fmt"
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

// addParts adds, for every field of the struct v whose type (through a
// pointer) is a fuzz type, the field's encoding as a seed of that type,
// recursively. A header field is encoded as a fixed layout; any other
// struct through marshal as a payload of its own.
func addParts(s *seedSet, v reflect.Value) error {
	for i := range v.NumField() {
		f := v.Field(i)
		if !v.Type().Field(i).IsExported() {
			continue
		}
		if f.Kind() == reflect.Pointer {
			if f.IsNil() {
				continue
			}
			f = f.Elem()
		}
		if f.Kind() != reflect.Struct {
			continue
		}
		pt := reflect.PointerTo(f.Type())
		if _, ok := typeIndexOf(pt); !ok {
			continue
		}
		p := reflect.New(f.Type())
		p.Elem().Set(f)
		b, err := marshal.Marshal(p.Interface())
		if err != nil {
			return fmt.Errorf("%s: %w", v.Type().Field(i).Name, err)
		}
		s.add(pt, b)
		if err := addParts(s, f); err != nil {
			return err
		}
	}
	return nil
}
