package bench

// A codec encodes and decodes one message type T. Every codec in a table
// works on the same tagged Go struct, so they all produce and consume the
// same value.
type codec[T any] struct {
	name string
	// appends reports that enc appends to its buffer argument (the library
	// has an append form); otherwise enc ignores it and returns a new slice.
	appends bool
	enc     func(buf []byte, v *T) ([]byte, error)
	dec     func(b []byte, v *T) error
}

// The tables, in the order the sub-benchmarks run.
var (
	serviceCodecs = []codec[Service]{
		{"nlstruct", true, NlstructAppendService, NlstructDecodeService},
		{"floor", true, FloorAppendService, FloorDecodeService},
		{"mdlayher", false, MdlayherEncodeService, MdlayherDecodeService},
		{"vishvananda", true, VishvanandaAppendService, VishvanandaDecodeService},
	}
	linkCodecs = []codec[Link]{
		{"nlstruct", true, NlstructAppendLink, NlstructDecodeLink},
		{"floor", true, FloorAppendLink, FloorDecodeLink},
		{"mdlayher", true, MdlayherAppendLink, MdlayherDecodeLink},
		{"vishvananda", true, VishvanandaAppendLink, VishvanandaDecodeLink},
	}
)
