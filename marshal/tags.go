package marshal

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/nlstruct/nlstruct/nlattr"
)

// tag is a parsed `nl:"..."` struct tag.
type tag struct {
	present   bool // the field has an nl tag
	skip      bool // "-"
	hasType   bool
	attrType  uint16
	nested    bool
	noFlag    bool // noflag: a nest written without NLA_F_NESTED
	be        bool
	netOrder  bool
	flag      bool
	multi     bool
	array     bool
	records   bool // records: a slice of length-prefixed messages
	omitempty bool
	header    bool
	unknown   bool
	selector  string
	checks    checks
	opts      []string // every option as written, for error messages
}

// checks are the YNL-style value checks of a field.
type checks struct {
	hasMin, hasMax bool
	min, max       int64  // for signed integers
	umin, umax     uint64 // for unsigned integers
	minText        string // as written, for messages
	maxText        string
	minLen, maxLen int // -1 when unset
}

func (c *checks) any() bool { return c.hasMin || c.hasMax || c.minLen >= 0 || c.maxLen >= 0 }

// parseTag parses the nl tag of the named field. Integer bounds are kept as
// text until the field's kind is known.
func parseTag(field, s string, ok bool) (tag, error) {
	t := tag{present: ok, checks: checks{minLen: -1, maxLen: -1}}
	if !ok {
		return t, nil
	}
	if s == "-" {
		t.skip = true
		return t, nil
	}
	if s == "" {
		return t, nil
	}
	seen := map[string]bool{}
	for _, opt := range strings.Split(s, ",") {
		opt = strings.TrimSpace(opt)
		name, val, hasVal := strings.Cut(opt, "=")
		if seen[name] {
			return t, &TagError{Field: field, Option: opt, Reason: "given twice"}
		}
		seen[name] = true
		t.opts = append(t.opts, name)
		bad := func(reason string) error { return &TagError{Field: field, Option: opt, Reason: reason} }
		needVal := func() error {
			if !hasVal || val == "" {
				return bad("needs a value, as " + name + "=N")
			}
			return nil
		}
		noVal := func() error {
			if hasVal {
				return bad("takes no value")
			}
			return nil
		}
		var err error
		switch name {
		case "type":
			if err = needVal(); err != nil {
				return t, err
			}
			n, perr := strconv.ParseUint(val, 0, 16)
			if perr != nil || n < 1 || n > uint64(nlattr.MaxType) {
				return t, bad(fmt.Sprintf("attribute type must be a number from 1 to %d", nlattr.MaxType))
			}
			t.hasType, t.attrType = true, uint16(n)
		case "nested":
			err, t.nested = noVal(), true
		case "noflag":
			err, t.noFlag = noVal(), true
		case "be":
			err, t.be = noVal(), true
		case "netbyteorder":
			err, t.netOrder, t.be = noVal(), true, true
		case "flag":
			err, t.flag = noVal(), true
		case "multi":
			err, t.multi = noVal(), true
		case "array":
			err, t.array = noVal(), true
		case "records":
			err, t.records = noVal(), true
		case "omitempty":
			err, t.omitempty = noVal(), true
		case "header":
			err, t.header = noVal(), true
		case "unknown":
			err, t.unknown = noVal(), true
		case "selector":
			if err = needVal(); err == nil {
				t.selector = val
			}
		case "min":
			if err = needVal(); err == nil {
				t.checks.hasMin, t.checks.minText = true, val
			}
		case "max":
			if err = needVal(); err == nil {
				t.checks.hasMax, t.checks.maxText = true, val
			}
		case "len", "minlen", "maxlen":
			if err = needVal(); err != nil {
				return t, err
			}
			n, perr := strconv.ParseUint(val, 0, 16)
			if perr != nil {
				return t, bad("needs a length from 0 to 65535")
			}
			switch name {
			case "len":
				if seen["minlen"] || seen["maxlen"] {
					return t, bad("len= cannot be combined with minlen= or maxlen=")
				}
				t.checks.minLen, t.checks.maxLen = int(n), int(n)
			case "minlen":
				if seen["len"] {
					return t, bad("len= cannot be combined with minlen= or maxlen=")
				}
				t.checks.minLen = int(n)
			case "maxlen":
				if seen["len"] {
					return t, bad("len= cannot be combined with minlen= or maxlen=")
				}
				t.checks.maxLen = int(n)
			}
		default:
			return t, bad("unknown option")
		}
		if err != nil {
			return t, err
		}
	}
	c := &t.checks
	if c.minLen >= 0 && c.maxLen >= 0 && c.minLen > c.maxLen {
		return t, &TagError{Field: field, Option: "minlen", Reason: "is larger than maxlen"}
	}
	if t.multi && t.array {
		return t, &TagError{Field: field, Option: "array", Reason: "cannot be combined with multi"}
	}
	return t, nil
}

// has reports whether the option was written.
func (t *tag) has(name string) bool {
	for _, o := range t.opts {
		if o == name {
			return true
		}
	}
	return false
}

// parseBounds turns the min= and max= texts into numbers for an integer
// field of the given signedness and bit size.
func (c *checks) parseBounds(field string, signed bool, bits int) error {
	parse := func(opt, text string) (int64, uint64, error) {
		if signed {
			v, err := strconv.ParseInt(text, 0, bits)
			if err != nil {
				return 0, 0, &TagError{Field: field, Option: opt + "=" + text, Reason: fmt.Sprintf("not a %d-bit signed integer", bits)}
			}
			return v, 0, nil
		}
		v, err := strconv.ParseUint(text, 0, bits)
		if err != nil {
			return 0, 0, &TagError{Field: field, Option: opt + "=" + text, Reason: fmt.Sprintf("not a %d-bit unsigned integer", bits)}
		}
		return 0, v, nil
	}
	var err error
	if c.hasMin {
		if c.min, c.umin, err = parse("min", c.minText); err != nil {
			return err
		}
	}
	if c.hasMax {
		if c.max, c.umax, err = parse("max", c.maxText); err != nil {
			return err
		}
	}
	if c.hasMin && c.hasMax && ((signed && c.min > c.max) || (!signed && c.umin > c.umax)) {
		return &TagError{Field: field, Option: "min=" + c.minText, Reason: "is larger than max=" + c.maxText}
	}
	return nil
}

func (c *checks) checkSigned(v int64) error {
	if c.hasMin && v < c.min {
		return fmt.Errorf("%w: %d is below min=%s", ErrCheck, v, c.minText)
	}
	if c.hasMax && v > c.max {
		return fmt.Errorf("%w: %d is above max=%s", ErrCheck, v, c.maxText)
	}
	return nil
}

func (c *checks) checkUnsigned(v uint64) error {
	if c.hasMin && v < c.umin {
		return fmt.Errorf("%w: %d is below min=%s", ErrCheck, v, c.minText)
	}
	if c.hasMax && v > c.umax {
		return fmt.Errorf("%w: %d is above max=%s", ErrCheck, v, c.maxText)
	}
	return nil
}

// checkLen checks a length; what names the unit ("bytes", "elements").
func (c *checks) checkLen(n int, what string) error {
	if c.minLen >= 0 && n < c.minLen {
		if c.minLen == c.maxLen {
			return fmt.Errorf("%w: %d %s, want len=%d", ErrCheck, n, what, c.minLen)
		}
		return fmt.Errorf("%w: %d %s is below minlen=%d", ErrCheck, n, what, c.minLen)
	}
	if c.maxLen >= 0 && n > c.maxLen {
		if c.minLen == c.maxLen {
			return fmt.Errorf("%w: %d %s, want len=%d", ErrCheck, n, what, c.maxLen)
		}
		return fmt.Errorf("%w: %d %s is above maxlen=%d", ErrCheck, n, what, c.maxLen)
	}
	return nil
}
