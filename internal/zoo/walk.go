package zoo

import (
	"reflect"
	"strconv"
	"strings"

	"github.com/nlstruct/nlstruct/marshal"
	"github.com/nlstruct/nlstruct/nlattr"
)

var attrSliceType = reflect.TypeFor[[]nlattr.Attr]()

// ClearUnknown sets every `nl:"unknown"` field reachable from v (a pointer)
// to nil: the value that decoding with marshal.DiscardUnknown yields.
func ClearUnknown(v any) {
	walkUnknown(reflect.ValueOf(v), func(f reflect.Value) bool { f.SetZero(); return false })
}

// HasUnknown reports whether any `nl:"unknown"` field reachable from v
// holds an attribute: whether decoding v's encoding with
// marshal.RejectUnknown must fail.
func HasUnknown(v any) bool {
	return walkUnknown(reflect.ValueOf(v), func(f reflect.Value) bool { return f.Len() > 0 })
}

// walkUnknown calls fn on every unknown field under v until fn returns true.
func walkUnknown(v reflect.Value, fn func(reflect.Value) bool) bool {
	switch v.Kind() {
	case reflect.Pointer, reflect.Interface:
		if v.IsNil() {
			return false
		}
		return walkUnknown(v.Elem(), fn)
	case reflect.Slice, reflect.Array:
		if v.Type().Elem().Kind() == reflect.Uint8 {
			return false
		}
		for i := range v.Len() {
			if walkUnknown(v.Index(i), fn) {
				return true
			}
		}
	case reflect.Map:
		// Map values are not addressable: walk a copy and store it back.
		iter := v.MapRange()
		for iter.Next() {
			cp := reflect.New(iter.Value().Type()).Elem()
			cp.Set(iter.Value())
			found := walkUnknown(cp, fn)
			v.SetMapIndex(iter.Key(), cp)
			if found {
				return true
			}
		}
	case reflect.Struct:
		t := v.Type()
		for i := range t.NumField() {
			sf := t.Field(i)
			if !sf.IsExported() {
				continue
			}
			tag, ok := sf.Tag.Lookup("nl")
			if !ok || tag == "-" {
				continue
			}
			if sf.Type == attrSliceType && hasOption(tag, "unknown") {
				if fn(v.Field(i)) {
					return true
				}
				continue
			}
			if walkUnknown(v.Field(i), fn) {
				return true
			}
		}
	}
	return false
}

func hasOption(tag, name string) bool {
	for _, o := range strings.Split(tag, ",") {
		if k, _, _ := strings.Cut(strings.TrimSpace(o), "="); k == name {
			return true
		}
	}
	return false
}

// AttrTypes returns the attribute type numbers used by the fields of
// struct type t (a struct or a pointer to one), sorted as declared.
func AttrTypes(t reflect.Type) []uint16 {
	if t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	var out []uint16
	for i := range t.NumField() {
		tag := t.Field(i).Tag.Get("nl")
		for _, o := range strings.Split(tag, ",") {
			if k, val, _ := strings.Cut(strings.TrimSpace(o), "="); k == "type" {
				n, err := strconv.ParseUint(val, 0, 16)
				if err == nil {
					out = append(out, uint16(n))
				}
			}
		}
	}
	return out
}

// HeaderSize returns the number of bytes that the header fields of message
// type t occupy on the wire before its attributes or body (padded to 4),
// and whether t is a message with attributes (not a fixed layout and not a
// message with a body).
func HeaderSize(t reflect.Type) (size int, attrs bool) {
	if t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	message := false
	for i := range t.NumField() {
		sf := t.Field(i)
		tag, ok := sf.Tag.Lookup("nl")
		if !ok {
			continue
		}
		switch {
		case hasOption(tag, "header"):
			size += int(sf.Type.Size())
			message = true
		case hasOption(tag, "selector") && !hasOption(tag, "type"):
			return nlattr.Align(size), false
		case hasOption(tag, "type"), hasOption(tag, "unknown"):
			message = true
		}
	}
	return nlattr.Align(size), message
}

// KnownBug returns a note naming a reported marshal bug when v's type
// cannot be planned because of it, and "" otherwise, so that tests can skip
// such types until the bug is fixed and then cover them automatically.
func KnownBug(v any) string {
	err := marshal.Check(reflect.TypeOf(v))
	if err != nil && strings.Contains(err.Error(), "is not an attribute set") && strings.Contains(err.Error(), `option "nested"`) {
		return "BUG: a sub-message variant that is a fixed layout fails to plan (variantSet compiles every variant with nested): " + err.Error()
	}
	return ""
}
