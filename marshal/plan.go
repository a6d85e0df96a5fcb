package marshal

import (
	"fmt"
	"net"
	"net/netip"
	"reflect"
	"sort"
	"sync"
	"sync/atomic"

	"github.com/nlstruct/nlstruct/nlattr"
)

// A plan is the compiled encoder and decoder of one struct type.
type plan struct {
	t    reflect.Type
	kind planKind
	err  error // a tag mistake; returned on every use

	fixed *fixedLayout // planFixed

	// planMessage
	headers []*field // fixed layouts at the start of the payload
	attrs   []*field // attribute fields in declaration order
	ops     []encOp  // the attributes' encoder
	byType  []*field // attribute type -> field
	unknown *field   // []nlattr.Attr collecting attributes with no field
	body    *field   // sub-message taking the rest of the payload
	hdrSize int      // total size of the headers

	ptrEntry *ptrPlanEntry // this plan keyed by its pointer type, for lastPtrPlan
	noPtrs   bool          // the type holds no Go pointers: zero it with clear
}

type planKind uint8

const (
	planFixed   planKind = iota + 1 // no attributes: a C struct
	planMessage                     // headers, then attributes or a body
)

func (p *plan) lookup(t uint16) *field {
	if int(t) < len(p.byType) {
		return p.byType[t]
	}
	return nil
}

type fieldForm uint8

const (
	formAttr    fieldForm = iota + 1 // one attribute
	formFlag                         // NLA_FLAG: present or not
	formMulti                        // one attribute per slice element
	formArray                        // indexed array: a nest of entries typed by index
	formHeader                       // fixed layout at the start of the payload
	formBody                         // sub-message taking the rest of the payload
	formUnknown                      // []nlattr.Attr for attributes with no field
	formRecords                      // length-prefixed messages back to back in one attribute
)

// field is one struct field of a message plan.
type field struct {
	name      string
	offset    uintptr
	form      fieldForm
	attrType  uint16
	hdr       uint16 // nla_type as written: attrType with flag bits
	omitempty bool
	noFlag    bool         // noflag: the attribute never carries NLA_F_NESTED
	val       value        // the value; for multi and array, one element
	slice     reflect.Type // multi, array: the slice type
	count     checks       // multi, array: checks on the number of elements
	sel       selector     // sub-messages: the sibling field choosing the type
	recLen    int          // records: the width of each record's length field (2 or 4)
	dop       opKind       // decoder fast path (0: the general path)
}

type valueKind uint8

const (
	vkU8 valueKind = iota + 1
	vkU16
	vkU32
	vkU64
	vkBool
	vkVarU // Go uint: YNL "uint", 4 or 8 bytes
	vkVarS // Go int: YNL "sint", 4 or 8 bytes
	vkString
	vkBytes
	vkFixed   // fixed layout: struct or array
	vkPacked  // slice of fixed layouts, back to back
	vkNested  // attribute set
	vkIP      // net.IP
	vkAddr    // netip.Addr
	vkCustom  // Marshaler / Unmarshaler
	vkVariant // interface chosen by a selector
	vkMap     // map with integer keys: a nest of entries typed by key
)

// value describes how one Go value is encoded as an attribute payload.
type value struct {
	t        reflect.Type // the value's type, after any pointer
	kind     valueKind
	indirect bool // the field is a pointer to t; nil is absent
	signed   bool
	be       bool
	fixed    *fixedLayout // vkFixed, vkPacked (the element)
	child    *plan        // vkNested
	variants *variantSet  // vkVariant
	elem     *value       // vkMap: the values
	checks   checks
}

var (
	ipType          = reflect.TypeFor[net.IP]()
	addrType        = reflect.TypeFor[netip.Addr]()
	attrSliceType   = reflect.TypeFor[[]nlattr.Attr]()
	marshalerType   = reflect.TypeFor[Marshaler]()
	unmarshalerType = reflect.TypeFor[Unmarshaler]()
)

// The plan cache. Lookups are lock-free; building takes buildMu, so a
// type is compiled once even when many goroutines meet it at once.
var (
	cache   sync.Map // reflect.Type -> *plan
	buildMu sync.Mutex
)

// ptrPlans caches plans by pointer type (the type of the argument of
// Append and Unmarshal), so the hot path does no t.Elem() and one lookup.
// It is copied on write: reads are a plain map lookup.
var ptrPlans atomic.Pointer[map[reflect.Type]*plan]

// planForPointer returns the plan of the struct that pointer type pt
// points to.
func planForPointer(pt reflect.Type) *plan {
	slot := &recentPlans[typeWord(pt)>>5%uintptr(len(recentPlans))]
	if e := slot.Load(); e != nil && e.t == pt {
		return e.p
	}
	p := planForPointerSlow(pt)
	if p.ptrEntry != nil {
		slot.Store(p.ptrEntry)
	}
	return p
}

// recentPlans is a small direct-mapped cache in front of the plan map,
// indexed by the type's address, so a loop over a few types does no
// hashing. Entries are allocated once per plan.
var recentPlans [64]atomic.Pointer[ptrPlanEntry]

type ptrPlanEntry struct {
	t reflect.Type
	p *plan
}

func planForPointerSlow(pt reflect.Type) *plan {
	if m := ptrPlans.Load(); m != nil {
		if p, ok := (*m)[pt]; ok {
			return p
		}
	}
	p := planFor(pt.Elem())
	buildMu.Lock()
	defer buildMu.Unlock()
	old := ptrPlans.Load()
	m := make(map[reflect.Type]*plan, 1)
	if old != nil {
		for k, v := range *old {
			m[k] = v
		}
	}
	m[pt] = p
	ptrPlans.Store(&m)
	return p
}

// planFor returns the plan of struct type t, building it on first use.
func planFor(t reflect.Type) *plan {
	if p, ok := cache.Load(t); ok {
		return p.(*plan)
	}
	buildMu.Lock()
	defer buildMu.Unlock()
	if p, ok := cache.Load(t); ok {
		return p.(*plan)
	}
	b := builder{plans: map[reflect.Type]*plan{}}
	p := b.plan(t)
	if b.failed {
		// Plans built alongside a failing one may point at it; keep only
		// the requested type, with its error, and let the others be
		// rebuilt (and fail on their own) when they are used.
		if p.err == nil {
			p.err = b.firstErr
		}
		cache.Store(t, p)
		return p
	}
	for t, p := range b.plans {
		cache.Store(t, p)
	}
	return p
}

// builder compiles the plans of one type and the types it reaches.
// Storing each plan before compiling its fields makes recursive types work.
type builder struct {
	plans    map[reflect.Type]*plan
	failed   bool
	firstErr error
}

func (b *builder) plan(t reflect.Type) *plan {
	if p, ok := cache.Load(t); ok {
		return p.(*plan)
	}
	if p, ok := b.plans[t]; ok {
		return p
	}
	p := &plan{t: t, noPtrs: !hasPointers(t)}
	if t.Kind() == reflect.Struct {
		p.ptrEntry = &ptrPlanEntry{reflect.PointerTo(t), p}
	}
	b.plans[t] = p
	if t.Kind() != reflect.Struct {
		p.err = &TagError{Field: t.String(), Reason: "not a struct"}
	} else if isMessage(t) {
		p.kind = planMessage
		p.err = b.compileMessage(p)
	} else {
		p.kind = planFixed
		p.fixed, p.err = b.fixedStruct(t, "")
	}
	if p.err != nil && !b.failed {
		b.failed, b.firstErr = true, p.err
	}
	return p
}

// isMessage reports whether struct t is an attribute set or message (it
// has a type=, header, unknown or selector field) rather than a fixed layout.
func isMessage(t reflect.Type) bool {
	for i := range t.NumField() {
		tg, ok := t.Field(i).Tag.Lookup("nl")
		if !ok {
			continue
		}
		parsed, err := parseTag(t.Field(i).Name, tg, true)
		if err != nil || parsed.hasType || parsed.header || parsed.unknown || parsed.selector != "" {
			return true
		}
	}
	return false
}

func (b *builder) compileMessage(p *plan) error {
	t := p.t
	maxType := 0
	for i := range t.NumField() {
		sf := t.Field(i)
		tagText, hasTag := sf.Tag.Lookup("nl")
		tg, err := parseTag(sf.Name, tagText, hasTag)
		if err != nil {
			return err
		}
		if tg.skip || sf.Name == "_" {
			continue
		}
		if !sf.IsExported() {
			if hasTag {
				return &TagError{Field: sf.Name, Reason: "unexported fields cannot be encoded; export it or remove its nl tag"}
			}
			continue
		}
		if !hasTag {
			return &TagError{Field: sf.Name, Reason: `has no nl tag; give it type=N (or header, unknown, selector=), or skip it with nl:"-"`}
		}
		f := &field{name: sf.Name, offset: sf.Offset, omitempty: tg.omitempty}
		switch {
		case tg.header:
			if err := onlyOptions(sf.Name, &tg, "header"); err != nil {
				return err
			}
			if len(p.attrs) > 0 || p.body != nil || p.unknown != nil {
				return &TagError{Field: sf.Name, Option: "header", Reason: "header fields must come before every attribute, body and unknown field"}
			}
			l, err := b.fixedOf(sf.Type, sf.Name)
			if err != nil {
				return err
			}
			f.form, f.val = formHeader, value{t: sf.Type, kind: vkFixed, fixed: l}
			p.headers = append(p.headers, f)
			p.hdrSize += l.size
		case tg.unknown:
			if err := onlyOptions(sf.Name, &tg, "unknown"); err != nil {
				return err
			}
			if sf.Type != attrSliceType {
				return &TagError{Field: sf.Name, Option: "unknown", Reason: "needs type []nlattr.Attr, not " + sf.Type.String()}
			}
			if p.unknown != nil {
				return &TagError{Field: sf.Name, Option: "unknown", Reason: "only one field may collect unknown attributes; " + p.unknown.name + " does already"}
			}
			f.form = formUnknown
			p.unknown = f
		case !tg.hasType && tg.selector != "":
			if err := onlyOptions(sf.Name, &tg, "selector"); err != nil {
				return err
			}
			if p.body != nil {
				return &TagError{Field: sf.Name, Option: "selector", Reason: "only one body field; " + p.body.name + " is one already"}
			}
			f.form = formBody
			if f.val, err = b.compileValue(sf.Name, sf.Type, &tg); err != nil {
				return err
			}
			if f.sel, err = resolveSelector(t, sf.Name, tg.selector, f.val.variants); err != nil {
				return err
			}
			p.body = f
		case tg.hasType:
			f.attrType = tg.attrType
			if err := b.compileAttrField(f, sf, &tg); err != nil {
				return err
			}
			if f.val.kind == vkVariant {
				if f.sel, err = resolveSelector(t, sf.Name, tg.selector, f.val.variants); err != nil {
					return err
				}
			}
			for _, g := range p.attrs {
				if g.attrType == f.attrType {
					return &TagError{Field: sf.Name, Option: fmt.Sprintf("type=%d", f.attrType), Reason: "attribute type already used by field " + g.name}
				}
			}
			p.attrs = append(p.attrs, f)
			maxType = max(maxType, int(f.attrType))
		default:
			return &TagError{Field: sf.Name, Reason: `needs type=N (or header, unknown, selector=), or nl:"-" to skip it`}
		}
	}
	if p.body != nil && (len(p.attrs) > 0 || p.unknown != nil) {
		return &TagError{Field: p.body.name, Option: "selector", Reason: "a body takes the rest of the payload, so the struct cannot also have attribute or unknown fields"}
	}
	p.ops = compileOps(p.attrs)
	for _, f := range p.attrs {
		f.dop = decodeOp(f)
	}
	p.byType = make([]*field, maxType+1)
	for _, f := range p.attrs {
		p.byType[f.attrType] = f
	}
	return nil
}

// onlyOptions rejects any option besides the allowed ones.
func onlyOptions(field string, tg *tag, allowed ...string) error {
next:
	for _, o := range tg.opts {
		for _, a := range allowed {
			if o == a {
				continue next
			}
		}
		return &TagError{Field: field, Option: o, Reason: "cannot be combined with " + allowed[0]}
	}
	return nil
}

func (b *builder) compileAttrField(f *field, sf reflect.StructField, tg *tag) error {
	name := sf.Name
	var err error
	switch {
	case tg.flag:
		if sf.Type.Kind() != reflect.Bool {
			return &TagError{Field: name, Option: "flag", Reason: "needs a bool field, not " + sf.Type.String()}
		}
		if err := onlyOptions(name, tg, "type", "flag"); err != nil {
			return err
		}
		f.form, f.hdr = formFlag, f.attrType
		return nil
	case tg.records:
		return b.compileRecords(f, sf, tg)
	case tg.multi || tg.array:
		opt := "multi"
		if tg.array {
			opt = "array"
		}
		if sf.Type.Kind() != reflect.Slice || sf.Type.Elem().Kind() == reflect.Uint8 {
			return &TagError{Field: name, Option: opt, Reason: "needs a slice (not []byte), not " + sf.Type.String()}
		}
		// Length checks count elements; value checks apply to each one.
		elemTag := *tg
		f.count = checks{minLen: tg.checks.minLen, maxLen: tg.checks.maxLen}
		elemTag.checks.minLen, elemTag.checks.maxLen = -1, -1
		if f.val, err = b.compileValue(name, sf.Type.Elem(), &elemTag); err != nil {
			return err
		}
		if f.val.kind == vkVariant {
			return &TagError{Field: name, Option: opt, Reason: "slices of sub-messages are not supported"}
		}
		f.slice = sf.Type
		f.form = formMulti
		f.hdr = f.attrType | f.val.flags(tg)
		if tg.array {
			f.form = formArray
			f.hdr = f.attrType
			if !tg.noFlag {
				f.hdr |= nlattr.FlagNested
			}
		}
		if tg.omitempty {
			return &TagError{Field: name, Option: "omitempty", Reason: "has no effect on " + opt + " (nil slices are always omitted)"}
		}
		return nil
	}
	f.form = formAttr
	if f.val, err = b.compileValue(name, sf.Type, tg); err != nil {
		return err
	}
	f.hdr = f.attrType | f.val.flags(tg)
	f.noFlag = tg.noFlag
	return nil
}

// compileRecords compiles a records field: a slice of message structs
// whose first header starts with the record's length (as struct rtnexthop
// in RTA_MULTIPATH does), encoded back to back in one attribute.
func (b *builder) compileRecords(f *field, sf reflect.StructField, tg *tag) error {
	name := sf.Name
	if err := onlyOptions(name, tg, "records", "type", "minlen", "maxlen"); err != nil {
		return err
	}
	if sf.Type.Kind() != reflect.Slice || sf.Type.Elem().Kind() != reflect.Struct {
		return &TagError{Field: name, Option: "records", Reason: "needs a slice of structs, not " + sf.Type.String()}
	}
	et := sf.Type.Elem()
	child := b.plan(et)
	if child.err != nil {
		return child.err
	}
	if child.kind != planMessage || len(child.headers) == 0 || child.headers[0].offset != 0 {
		return &TagError{Field: name, Option: "records", Reason: et.String() + " must be a message whose first field is a header holding the record's length"}
	}
	l := child.headers[0].val.fixed
	var lenLeaf *leaf
	for i := range l.ints {
		if l.ints[i].off == 0 {
			lenLeaf = &l.ints[i]
		}
	}
	if lenLeaf == nil || (lenLeaf.size != 2 && lenLeaf.size != 4) || len(l.swaps) > 0 && l.swaps[0].off == 0 {
		return &TagError{Field: name, Option: "records", Reason: "the first field of " + et.String() + "'s header must be the record's length: a native-endian uint16 or uint32"}
	}
	f.form, f.slice, f.recLen = formRecords, sf.Type, lenLeaf.size
	f.val = value{t: et, kind: vkNested, child: child}
	f.hdr = f.attrType
	f.count = checks{minLen: tg.checks.minLen, maxLen: tg.checks.maxLen}
	return nil
}

// flags returns the NLA flag bits an attribute holding v carries.
func (v *value) flags(tg *tag) uint16 {
	var fl uint16
	if (v.kind == vkNested || v.kind == vkMap || (tg.nested && (v.kind == vkCustom || v.kind == vkVariant))) && !tg.noFlag {
		fl |= nlattr.FlagNested
	}
	if tg.netOrder {
		fl |= nlattr.FlagNetByteOrder
	}
	return fl
}

// compileValue plans the payload codec of one value of type t.
func (b *builder) compileValue(name string, t reflect.Type, tg *tag) (value, error) {
	v := value{t: t, checks: tg.checks, be: tg.be}
	if t.Kind() == reflect.Pointer && !isCustom(t) {
		v.indirect = true
		t = t.Elem()
		v.t = t
		if t.Kind() == reflect.Pointer {
			return v, &TagError{Field: name, Reason: "pointers to pointers are not supported"}
		}
	}
	bad := func(opt, reason string) (value, error) {
		return v, &TagError{Field: name, Option: opt, Reason: reason}
	}
	switch {
	case isCustom(t):
		v.kind = vkCustom
		if reflect.PointerTo(t).Implements(marshalerType) != reflect.PointerTo(t).Implements(unmarshalerType) {
			return bad("", t.String()+" implements only one of Marshaler and Unmarshaler")
		}
	case t == ipType:
		v.kind = vkIP
	case t == addrType:
		v.kind = vkAddr
	case t.Kind() == reflect.Interface:
		if v.indirect {
			return bad("selector", "a sub-message field must be an interface, not a pointer to one")
		}
		if tg.selector == "" {
			return bad("", "interface fields need selector= naming the sibling field that chooses their type")
		}
		v.kind = vkVariant
		vs, err := b.variantSet(name, t)
		if err != nil {
			return v, err
		}
		v.variants = vs
	default:
		switch t.Kind() {
		case reflect.Bool:
			v.kind = vkBool
		case reflect.Uint8, reflect.Int8:
			v.kind = vkU8
		case reflect.Uint16, reflect.Int16:
			v.kind = vkU16
		case reflect.Uint32, reflect.Int32:
			v.kind = vkU32
		case reflect.Uint64, reflect.Int64:
			v.kind = vkU64
		case reflect.Uint:
			v.kind = vkVarU
		case reflect.Int:
			v.kind = vkVarS
		case reflect.String:
			v.kind = vkString
		case reflect.Slice:
			if t.Elem().Kind() == reflect.Uint8 {
				v.kind = vkBytes
				break
			}
			l, err := b.fixedOf(t.Elem(), name+"[]")
			if err != nil {
				return v, err
			}
			v.kind, v.fixed = vkPacked, l
		case reflect.Map:
			switch t.Key().Kind() {
			case reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uint,
				reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64, reflect.Int:
			default:
				return bad("", "map keys must be integers (they are the entries' attribute types), not "+t.Key().String())
			}
			elemTag := tag{nested: tg.nested, checks: checks{minLen: -1, maxLen: -1}}
			ev, err := b.compileValue(name+"[]", t.Elem(), &elemTag)
			if err != nil {
				return v, err
			}
			if ev.kind == vkVariant {
				return bad("", "maps of sub-messages are not supported")
			}
			v.kind, v.elem = vkMap, &ev
		case reflect.Array:
			l, err := b.fixedOf(t, name)
			if err != nil {
				return v, err
			}
			v.kind, v.fixed = vkFixed, l
		case reflect.Struct:
			child := b.plan(t)
			if child.err != nil {
				return v, nestErr(name, child.err)
			}
			if child.kind == planMessage {
				if !tg.nested {
					return bad("", t.String()+" is an attribute set: tag the field nested")
				}
				v.kind, v.child = vkNested, child
			} else {
				v.kind, v.fixed = vkFixed, child.fixed
			}
		default:
			return bad("", "unsupported type "+t.String())
		}
	}
	switch v.kind {
	case vkU8, vkU16, vkU32, vkU64, vkVarU, vkVarS:
		v.signed = t.Kind() >= reflect.Int && t.Kind() <= reflect.Int64
		if err := v.checks.parseBounds(name, v.signed, int(t.Size())*8); err != nil {
			return v, err
		}
	default:
		if tg.be {
			return bad(firstOpt(tg, "netbyteorder", "be"), "applies only to integers")
		}
		if tg.checks.hasMin || tg.checks.hasMax {
			return bad(firstOpt(tg, "min", "max"), "min= and max= apply only to integers")
		}
	}
	switch v.kind {
	case vkString, vkBytes, vkPacked:
	case vkFixed:
		if tg.checks.maxLen >= 0 || (tg.checks.minLen >= 0 && tg.has("len")) {
			return bad(firstOpt(tg, "maxlen", "len"), "a fixed layout takes only minlen= (accept shorter payloads, zero-filling the rest)")
		}
		if tg.checks.minLen > v.fixed.size {
			return bad("minlen", fmt.Sprintf("is larger than the layout's %d bytes", v.fixed.size))
		}
	default:
		if tg.checks.minLen >= 0 || tg.checks.maxLen >= 0 {
			return bad(firstOpt(tg, "len", "minlen", "maxlen"), "length checks apply only to strings, byte slices, slices and fixed layouts")
		}
	}
	if tg.nested && v.kind != vkNested && v.kind != vkCustom && v.kind != vkVariant && v.kind != vkMap {
		return bad("nested", t.String()+" is not an attribute set")
	}
	if tg.noFlag && v.kind != vkNested && v.kind != vkMap && !(tg.nested && (v.kind == vkCustom || v.kind == vkVariant)) {
		return bad("noflag", "applies only to nested attribute sets")
	}
	if tg.selector != "" && v.kind != vkVariant {
		return bad("selector", "applies only to interface fields")
	}
	if tg.flag {
		return bad("flag", "applies only to bool fields")
	}
	return v, nil
}

func isCustom(t reflect.Type) bool {
	pt := reflect.PointerTo(t)
	return t.Kind() != reflect.Interface && (pt.Implements(marshalerType) || pt.Implements(unmarshalerType))
}

// nestErr turns a child type's plan error into one naming this field.
func nestErr(name string, err error) error {
	if te, ok := err.(*TagError); ok {
		c := *te
		c.Field = name + "." + te.Field
		return &c
	}
	return err
}

// fixedOf returns the fixed layout of t (a struct or array).
func (b *builder) fixedOf(t reflect.Type, name string) (*fixedLayout, error) {
	switch t.Kind() {
	case reflect.Struct:
		child := b.plan(t)
		if child.err != nil {
			return nil, nestErr(name, child.err)
		}
		if child.kind != planFixed {
			return nil, &TagError{Field: name, Reason: t.String() + " is an attribute set, not a fixed layout"}
		}
		return child.fixed, nil
	case reflect.Array, reflect.Bool, reflect.Uint8, reflect.Int8, reflect.Uint16, reflect.Int16,
		reflect.Uint32, reflect.Int32, reflect.Uint64, reflect.Int64:
		return b.fixedStruct(t, name)
	}
	return nil, &TagError{Field: name, Reason: t.String() + " is not a fixed layout (structs, arrays and sized integers are)"}
}

// fixedStruct compiles the fixed layout of t: a struct with no
// attributes, an array or a sized integer.
func (b *builder) fixedStruct(t reflect.Type, name string) (*fixedLayout, error) {
	l := &fixedLayout{size: int(t.Size())}
	if err := flatten(l, t, 0, name, false, false); err != nil {
		return nil, err
	}
	if err := l.checkGaps(t, name); err != nil {
		return nil, err
	}
	l.finish()
	return l, nil
}

// checkGaps makes sure every byte of the layout belongs to a field: hidden
// (compiler) padding would make the Go layout and the wire layout disagree
// silently.
func (l *fixedLayout) checkGaps(t reflect.Type, name string) error {
	leaves := append(append(append([]leaf(nil), l.ints...), l.pads...), l.boolLeaves()...)
	sort.Slice(leaves, func(i, j int) bool { return leaves[i].off < leaves[j].off })
	at := 0
	for _, lf := range leaves {
		if lf.off > at {
			return hiddenPadding(t, name, at, lf.off-at)
		}
		at = max(at, lf.off+lf.size)
	}
	if at < l.size {
		return hiddenPadding(t, name, at, l.size-at)
	}
	return nil
}

func hiddenPadding(t reflect.Type, field string, off, n int) error {
	if field == "" {
		field = t.Name()
	}
	after := "at the start"
	if path := fixedPath(t, off-1); off > 0 && len(path) > 0 {
		after = "after field " + joinPath(path)
	}
	return &TagError{Field: field, Reason: fmt.Sprintf("fixed layout %s has %d bytes of hidden padding at offset %d (%s); declare them as a field `_ [%d]byte`", t, n, off, after, n)}
}

// flatten adds the leaves of type t at offset off to l.
func flatten(l *fixedLayout, t reflect.Type, off int, name string, be, pad bool) error {
	switch t.Kind() {
	case reflect.Struct:
		for i := range t.NumField() {
			sf := t.Field(i)
			fname := sf.Name
			if name != "" {
				fname = name + "." + sf.Name
			}
			tagText, hasTag := sf.Tag.Lookup("nl")
			tg, err := parseTag(fname, tagText, hasTag)
			if err != nil {
				return err
			}
			if tg.skip {
				return &TagError{Field: fname, Option: "-", Reason: "fields of a fixed layout cannot be skipped: name it _ to make it padding"}
			}
			if err := onlyOptions(fname, &tg, "be"); err != nil {
				return &TagError{Field: fname, Option: err.(*TagError).Option, Reason: "is not valid in a fixed layout (only be is)"}
			}
			if err := flatten(l, sf.Type, off+int(sf.Offset), fname, be || tg.be, pad || sf.Name == "_"); err != nil {
				return err
			}
		}
		return nil
	case reflect.Array:
		es := int(t.Elem().Size())
		for i := range t.Len() {
			if err := flatten(l, t.Elem(), off+i*es, name, be, pad); err != nil {
				return err
			}
		}
		return nil
	case reflect.Bool, reflect.Uint8, reflect.Int8, reflect.Uint16, reflect.Int16,
		reflect.Uint32, reflect.Int32, reflect.Uint64, reflect.Int64:
		lf := leaf{off: off, size: int(t.Size())}
		switch {
		case pad:
			l.pads = append(l.pads, lf)
		case t.Kind() == reflect.Bool:
			l.bools = append(l.bools, off)
		default:
			l.ints = append(l.ints, lf)
			if be != hostBigEndian && lf.size > 1 {
				l.swaps = append(l.swaps, lf)
			}
		}
		return nil
	}
	return &TagError{Field: name, Reason: t.String() + " cannot be part of a fixed layout (use sized integers, bool, arrays and structs of them)"}
}

// firstOpt returns the first of the named options that the tag has.
func firstOpt(tg *tag, names ...string) string {
	for _, n := range names {
		if tg.has(n) {
			return n
		}
	}
	return names[0]
}

// hasPointers reports whether values of t hold Go pointers.
func hasPointers(t reflect.Type) bool {
	switch t.Kind() {
	case reflect.Bool, reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr,
		reflect.Float32, reflect.Float64, reflect.Complex64, reflect.Complex128:
		return false
	case reflect.Array:
		return t.Len() > 0 && hasPointers(t.Elem())
	case reflect.Struct:
		for i := range t.NumField() {
			if hasPointers(t.Field(i).Type) {
				return true
			}
		}
		return false
	}
	return true
}
