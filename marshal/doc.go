// Package marshal encodes Go structs as netlink messages and attribute sets,
// and decodes them back, the way encoding/json does for JSON: the struct's
// `nl:"..."` tags say how. A plan (an encoder and a decoder) is compiled
// once per type, on first use, and cached; it is safe for concurrent use.
//
//	type Stats struct {
//		Conns   uint32 `nl:"type=1"`
//		InBytes uint64 `nl:"type=4"`
//	}
//
//	type Service struct {
//		AF        uint16 `nl:"type=1"`
//		Port      uint16 `nl:"type=4,be"`
//		Scheduler string `nl:"type=6"`
//		Stats     *Stats `nl:"type=10,nested"`
//	}
//
//	b, err := marshal.Marshal(&svc)
//	err = marshal.Unmarshal(b, &svc)
//
// # Messages, attribute sets and fixed layouts
//
// A struct with any field tagged type=N, header, unknown or selector= is a
// message: its encoding is its header fields (fixed layouts, back to back),
// padding to 4 bytes, then its attributes in field order. A struct with none
// of those is a fixed layout: a C struct, encoded as its memory is laid out
// (encoding/binary rules in the host's byte order, integers tagged be in
// big-endian). Every byte of a fixed layout must belong to a field: padding
// that the compiler would insert is a plan error, so write it out as a
// field named _ (encoded as zeros), exactly as the C header does. Fixed
// layouts take sized integers, bool, arrays and structs of those; not int,
// uint, strings, slices or pointers.
//
// # The tag language
//
//	type=N        attribute type number, 1..0x3fff
//	nested        the value is an attribute set (a message struct); its
//	              attribute gets NLA_F_NESTED. Decoding accepts it with or
//	              without the flag. On an interface or Marshaler field it
//	              just sets the flag.
//	noflag        with nested (or on an attribute set): write the nest
//	              without NLA_F_NESTED, as the kernel itself writes some
//	              old nests (IFLA_LINKINFO, RTA_METRICS), so that encoding
//	              a kernel message gives back its bytes. It applies to the
//	              field's own attribute; the entries of an array or map
//	              keep theirs
//	be            integer in big-endian (network) byte order
//	netbyteorder  be, and NLA_F_NET_BYTEORDER set on the attribute
//	flag          bool as NLA_FLAG: present means true, no payload
//	multi         slice: one attribute per element, all of type N
//	array         slice: YNL indexed-array, one nested attribute holding an
//	              entry per element; entries are typed by index counting
//	              from 1 on encode, and taken in order on decode
//	records       slice of message structs, all in one attribute, back to
//	              back and 4-byte aligned, each starting with its own length:
//	              the first field of the element's first header (a uint16 or
//	              uint32), which Marshal fills in and Unmarshal uses to cut
//	              the records (RTA_MULTIPATH's struct rtnexthop and its
//	              attributes)
//	omitempty     do not encode a zero value. Nil pointers, nil slices, nil
//	              interfaces and invalid netip.Addr are never encoded
//	min=, max=    integer bounds, checked on encode and decode
//	len=, minlen=, maxlen=
//	              length bounds: bytes of a string (without its NUL) or
//	              []byte; elements of a slice (multi, array, packed). On a
//	              fixed layout, minlen=N accepts payloads as short as N bytes
//	              (older kernels send shorter structs), zero-filling the rest
//	header        a fixed layout at the start of the payload (ifinfomsg,
//	              genlmsghdr, cn_msg); header fields come first
//	unknown       a []nlattr.Attr field collecting attributes that have no
//	              field; Marshal writes them back after the known ones, so
//	              decode then encode loses nothing
//	selector=F    a sub-message: the field is an interface whose concrete
//	              type is chosen by the value of sibling field F (a string or
//	              integer; a dotted path reaches into header structs, as in
//	              selector=Event.What). With type=N it is one attribute
//	              (IFLA_INFO_DATA chosen by IFLA_INFO_KIND); without, it is
//	              the body: the rest of the payload after the headers (a proc
//	              connector event chosen by its what field). Register the
//	              concrete types with RegisterVariant.
//	-             skip the field
//
// An exported field without an nl tag in a message struct is a plan error
// (tag it, or skip it with nl:"-"), so a forgotten tag is found at once.
//
// # Value kinds
//
//	uint8..uint64, int8..int64    fixed width; named types (enums, flags) too
//	uint, int                     YNL variable-width uint/sint: encoded in 4
//	                              bytes when the value fits, else 8; decoded
//	                              from either
//	bool                          one byte, 0 or 1 (or NLA_FLAG with flag)
//	string                        NUL-terminated on encode; decode stops at
//	                              the first NUL and accepts none
//	[]byte, net.HardwareAddr      raw bytes
//	[N]byte, fixed-layout structs binary payload (YNL "binary" with struct)
//	[]T with T fixed, no option   packed binary array of T
//	message structs (nested)      nested attribute set
//	*T                            nil is absent; decoding allocates
//	net.IP                        4 bytes for IPv4, else 16; decodes 4 or 16
//	netip.Addr                    4 or 16 bytes, by address family
//	Marshaler, Unmarshaler        the type encodes its own payload
//	interfaces with selector=     sub-messages
//	map[K]V, K an integer         a nest whose entries are typed by their key
//	                              (YNL indexed arrays whose index means
//	                              something, such as policy dumps); encoded
//	                              in key order (sorting allocates); V may be
//	                              a nested set (tag nested), a scalar or
//	                              another map
//
// Integers must arrive in exactly their width (4 or 8 for uint/int); any
// other payload size is an error, as is a short fixed layout. A longer
// fixed layout is accepted and its tail ignored, since the kernel grows
// structs at their end.
//
// # Decoding
//
// Unmarshal zeroes its target first, so nothing of a previous value
// survives (unlike encoding/json, like proto.Unmarshal). A repeated
// attribute that is not multi: the last one wins, as in the kernel's
// nla_parse, except that repeated nested sets are merged. Attributes with
// no field are collected into the unknown field if there is one, else
// ignored; Options.Unknown can discard or reject them instead.
//
// Decoding never panics, whatever the input. It never allocates in
// proportion to a length the input claims: every allocation is bounded by
// the bytes actually present. Nesting deeper than Options.MaxDepth
// (DefaultMaxDepth) is an error.
//
// # Errors
//
// Every error is an *Error naming the Go field path, the attribute types
// along it and, when decoding, the byte offset:
//
//	marshal: Service.Stats.Conns (attr 10/1) at offset 12: bad length: want 4 bytes, got 3
//
// It wraps a sentinel for errors.Is: ErrTruncated, ErrBadLength,
// ErrTooLarge, ErrTooDeep, ErrCheck, ErrUnknownAttribute, ErrVariant,
// ErrTag (a *TagError: a mistake in the type's tags, found when the plan is
// built and returned by every use; Check reports it up front) or
// ErrInvalid. PathAt turns a byte offset into a request, such as the one
// the kernel reports in an extended ACK, into the field path.
//
// # Performance
//
// Append into a buffer with room allocates nothing for a pointer argument
// (a struct value passed by value is copied once). Unmarshal allocates only
// what the value owns: strings, slices, pointers and sub-messages.
//
// A Decoder is Unmarshal for one type, looked up once. With
// Options.ReuseVariants it keeps one value of each body sub-message type
// and decodes into it, so a stream of mixed messages decodes without
// allocating; and when the message is plain C structs (headers whose wire
// bytes are their memory, then a body chosen by an integer, each body a C
// struct), it decodes by word copies and a table lookup, about as fast as
// a decoder written by hand (bench/README.md: proc connector events).
package marshal
