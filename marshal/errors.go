package marshal

import (
	"errors"
	"fmt"
	"reflect"
	"strconv"
	"strings"

	"github.com/nlstruct/nlstruct/nlattr"
)

// Sentinel errors, for errors.Is. Every error returned by this package is an
// [*Error] (or, for a bad argument, a plain error) wrapping one of these.
var (
	// ErrTruncated: the input ended inside a header, an attribute or a value.
	ErrTruncated = nlattr.ErrTruncated
	// ErrBadLength: a length field lies, or a payload is not the size its
	// field needs (an integer of the wrong width, a short fixed layout).
	ErrBadLength = nlattr.ErrBadLength
	// ErrTooLarge: an encoded attribute would exceed 65535 bytes.
	ErrTooLarge = nlattr.ErrTooLarge
	// ErrTooDeep: nesting exceeds Options.MaxDepth.
	ErrTooDeep = errors.New("nesting too deep")
	// ErrCheck: a value fails a min=, max=, len=, minlen= or maxlen= check.
	ErrCheck = errors.New("check failed")
	// ErrUnknownAttribute: an attribute has no field and the options
	// reject unknown attributes.
	ErrUnknownAttribute = errors.New("unknown attribute")
	// ErrVariant: a sub-message's selector and its value disagree, or the
	// value's type is not registered.
	ErrVariant = errors.New("bad sub-message")
	// ErrTag: the Go type cannot be planned (a mistake in its nl tags).
	ErrTag = errors.New("bad nl tag")
	// ErrInvalid: the value passed in cannot be encoded or decoded into
	// (nil, not a pointer, not a struct).
	ErrInvalid = errors.New("invalid argument")
)

// Error is the error type of this package. It says where the problem is:
// the path of Go fields from the top-level type, the attribute type numbers
// along that path, and for decoding the byte offset in the input.
//
//	marshal: Service.Stats.Conns (attr 10/1) at offset 52: bad length: want 4 bytes, got 3
type Error struct {
	// Path is the Go field path, starting with the top-level type's name.
	// Slice elements appear as "Field[i]".
	Path []string
	// Attrs holds the attribute type numbers along Path (fields that are
	// not attributes, such as headers, have none).
	Attrs []uint16
	// Offset is the byte offset in the decoded input where the problem was
	// found, or -1 when encoding or when unknown.
	Offset int
	// Err is the cause; it wraps one of the package's sentinel errors.
	Err error

	rpath  []string // names gathered while unwinding, innermost first
	rattrs []uint16
}

func (e *Error) Error() string {
	path, attrs := e.fullPath()
	var sb strings.Builder
	sb.WriteString("marshal: ")
	sb.WriteString(joinPath(path))
	if len(attrs) > 0 {
		sb.WriteString(" (attr ")
		for i, a := range attrs {
			if i > 0 {
				sb.WriteByte('/')
			}
			sb.WriteString(strconv.Itoa(int(a)))
		}
		sb.WriteByte(')')
	}
	if e.Offset >= 0 {
		sb.WriteString(" at offset ")
		sb.WriteString(strconv.Itoa(e.Offset))
	}
	sb.WriteString(": ")
	sb.WriteString(e.Err.Error())
	return sb.String()
}

func (e *Error) Unwrap() error { return e.Err }

// FieldPath returns the path of Go fields as one dotted string.
func (e *Error) FieldPath() string {
	path, _ := e.fullPath()
	return joinPath(path)
}

// fullPath returns Path and Attrs with any names still being gathered
// (errors the package returns have none), without changing e.
func (e *Error) fullPath() ([]string, []uint16) {
	if len(e.rpath) == 0 && len(e.rattrs) == 0 {
		return e.Path, e.Attrs
	}
	c := *e
	c.settle()
	return c.Path, c.Attrs
}

// joinPath joins field names with dots, and slice indexes ("[2]") to the
// name before them.
func joinPath(parts []string) string {
	var sb strings.Builder
	for i, p := range parts {
		if i > 0 && !strings.HasPrefix(p, "[") {
			sb.WriteByte('.')
		}
		sb.WriteString(p)
	}
	return sb.String()
}

// asError returns err as an *Error, wrapping it in a new one if needed.
func asError(err error) *Error {
	if e, ok := err.(*Error); ok {
		return e
	}
	e := &Error{Offset: -1, Err: err}
	var se *nlattr.SyntaxError
	if errors.As(err, &se) {
		e.Offset = se.Offset
		e.Err = se.Err
	}
	return e
}

// inField prefixes err's path with the field name and, for an attribute
// field, its attribute type; off is the byte offset, within the buffer
// being decoded at this level, of the value that failed (-1 when encoding).
func inField(err error, name string, attr uint16, isAttr bool, off int) error {
	e := asError(err)
	// Names are gathered innermost first, while the error unwinds, and put
	// in order once by inType: prepending at every level would make deep
	// errors cost memory quadratic in their depth.
	e.rpath = append(e.rpath, name)
	if isAttr {
		e.rattrs = append(e.rattrs, attr)
	}
	if off >= 0 {
		if e.Offset < 0 {
			e.Offset = 0
		}
		e.Offset += off
	}
	return e
}

// atOffset shifts the offset of a decoding error by off.
func atOffset(err error, off int) error {
	e := asError(err)
	if e.Offset < 0 {
		e.Offset = 0
	}
	e.Offset += off
	return e
}

// inType completes err's path with the top-level type's name.
func inType(err error, t reflect.Type) error {
	e := asError(err)
	name := t.Name()
	if name == "" {
		name = t.String()
	}
	e.rpath = append(e.rpath, name)
	e.settle()
	return e
}

// settle moves the gathered names and attribute types into Path and Attrs.
func (e *Error) settle() {
	if len(e.rpath) == 0 && len(e.rattrs) == 0 {
		return
	}
	path := make([]string, 0, len(e.rpath)+len(e.Path))
	for i := len(e.rpath) - 1; i >= 0; i-- {
		path = append(path, e.rpath[i])
	}
	e.Path = append(path, e.Path...)
	attrs := make([]uint16, 0, len(e.rattrs)+len(e.Attrs))
	for i := len(e.rattrs) - 1; i >= 0; i-- {
		attrs = append(attrs, e.rattrs[i])
	}
	e.Attrs = append(attrs, e.Attrs...)
	e.rpath, e.rattrs = nil, nil
}

func errWidth(want, got int) error {
	return fmt.Errorf("%w: want %d bytes, got %d", ErrBadLength, want, got)
}

func errMinWidth(want, got int) error {
	return fmt.Errorf("%w: want at least %d bytes, got %d", ErrBadLength, want, got)
}

// TagError reports a mistake in a type's nl tags, found when its plan was
// built. It is returned (wrapped in an *Error naming the type) by every
// call that uses the type, and by [Check].
type TagError struct {
	Field  string // the Go field, e.g. "Stats.Conns"
	Option string // the offending option, or "" when the whole field is at fault
	Reason string
}

func (e *TagError) Error() string {
	if e.Option != "" {
		return fmt.Sprintf("field %s: option %q: %s", e.Field, e.Option, e.Reason)
	}
	return fmt.Sprintf("field %s: %s", e.Field, e.Reason)
}

func (e *TagError) Unwrap() error { return ErrTag }
