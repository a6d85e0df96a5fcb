package nlattr

import (
	"bytes"
	"encoding/binary"
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// Expected bytes in this file are written by hand from the <linux/netlink.h>
// layout on a little-endian host (amd64):
//
//	nla_len  u16 host order (little-endian): HeaderLen + payload, no padding
//	nla_type u16 host order; bit 15 NLA_F_NESTED (0x80 in the high byte),
//	         bit 14 NLA_F_NET_BYTEORDER (0x40 in the high byte)
//	payload
//	zero padding to a multiple of 4
//
// so a header reads "len_lo len_hi type_lo type_hi".

func init() {
	// The hand-written expectations assume a little-endian host.
	var x [2]byte
	binary.NativeEndian.PutUint16(x[:], 1)
	if x[0] != 1 {
		panic("nlattr tests assume a little-endian host")
	}
}

func TestConstants(t *testing.T) {
	tests := []struct {
		name string
		got  int
		want int
	}{
		{"HeaderLen", HeaderLen, 4},
		{"AlignTo", AlignTo, 4},
		{"MaxLen", MaxLen, 0xffff},
		{"FlagNested", int(FlagNested), 0x8000},
		{"FlagNetByteOrder", int(FlagNetByteOrder), 0x4000},
		{"TypeMask", int(TypeMask), 0x3fff},
		{"MaxType", int(MaxType), 0x3fff},
	}
	for _, tt := range tests {
		if tt.got != tt.want {
			t.Errorf("%s = %#x, want %#x", tt.name, tt.got, tt.want)
		}
	}
}

func TestAlign(t *testing.T) {
	tests := []struct {
		name string
		in   int
		want int
	}{
		{"zero", 0, 0},
		{"one", 1, 4},
		{"two", 2, 4},
		{"three", 3, 4},
		{"four", 4, 4},
		{"five", 5, 8},
		{"seven", 7, 8},
		{"eight", 8, 8},
		{"nine", 9, 12},
		{"MaxLen-1", 0xfffe, 0x10000},
		{"MaxLen", 0xffff, 0x10000},
		{"0x10000", 0x10000, 0x10000},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Align(tt.in); got != tt.want {
				t.Errorf("Align(%d) = %d, want %d", tt.in, got, tt.want)
			}
		})
	}
}

func TestPad(t *testing.T) {
	tests := []struct {
		name string
		in   []byte
		want []byte
	}{
		{"nil", nil, nil},
		{"len1", []byte{1}, []byte{1, 0, 0, 0}},
		{"len2", []byte{1, 2}, []byte{1, 2, 0, 0}},
		{"len3", []byte{1, 2, 3}, []byte{1, 2, 3, 0}},
		{"len4", []byte{1, 2, 3, 4}, []byte{1, 2, 3, 4}},
		{"len5", []byte{1, 2, 3, 4, 5}, []byte{1, 2, 3, 4, 5, 0, 0, 0}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if diff := cmp.Diff(tt.want, Pad(tt.in)); diff != "" {
				t.Errorf("Pad mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestAppendHeader(t *testing.T) {
	tests := []struct {
		name   string
		typ    uint16
		length int
		want   []byte
	}{
		// nla_len 8 = 08 00, nla_type 1 = 01 00
		{"plain", 1, 8, []byte{0x08, 0x00, 0x01, 0x00}},
		// nla_len 0x1234 = 34 12, nla_type 0x8002 = 02 80
		{"nested flag", 2 | FlagNested, 0x1234, []byte{0x34, 0x12, 0x02, 0x80}},
		// nla_len 0xffff = ff ff, nla_type 0x3fff|0x4000 = ff 7f
		{"max len, max type, net byteorder", MaxType | FlagNetByteOrder, MaxLen, []byte{0xff, 0xff, 0xff, 0x7f}},
		// nla_type 0xc003 = 03 c0
		{"both flags", 3 | FlagNested | FlagNetByteOrder, 4, []byte{0x04, 0x00, 0x03, 0xc0}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if diff := cmp.Diff(tt.want, AppendHeader(nil, tt.typ, tt.length)); diff != "" {
				t.Errorf("AppendHeader mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

// mustB returns a function that unwraps an (appended, error) result,
// failing t on error: mustB(t)(AppendString(b, typ, s)).
func mustB(t *testing.T) func([]byte, error) []byte {
	return func(b []byte, err error) []byte {
		t.Helper()
		if err != nil {
			t.Fatalf("unexpected error: %v", err)
		}
		return b
	}
}

func TestAppendHelpers(t *testing.T) {
	tests := []struct {
		name string
		app  func(t *testing.T, b []byte) []byte
		want []byte
	}{
		{
			name: "U8",
			app:  func(t *testing.T, b []byte) []byte { return AppendU8(b, 1, 0xab) },
			// nla_len 5, nla_type 1, payload ab, 3 pad
			want: []byte{0x05, 0x00, 0x01, 0x00, 0xab, 0x00, 0x00, 0x00},
		},
		{
			name: "U8 max type",
			app:  func(t *testing.T, b []byte) []byte { return AppendU8(b, MaxType, 0xff) },
			// nla_len 5, nla_type 0x3fff, payload ff, 3 pad
			want: []byte{0x05, 0x00, 0xff, 0x3f, 0xff, 0x00, 0x00, 0x00},
		},
		{
			name: "U16",
			app:  func(t *testing.T, b []byte) []byte { return AppendU16(b, 2, 0x1234) },
			// nla_len 6, nla_type 2, payload 0x1234 LE, 2 pad
			want: []byte{0x06, 0x00, 0x02, 0x00, 0x34, 0x12, 0x00, 0x00},
		},
		{
			name: "U32",
			app:  func(t *testing.T, b []byte) []byte { return AppendU32(b, 3, 0x12345678) },
			// nla_len 8, nla_type 3, payload LE, no pad
			want: []byte{0x08, 0x00, 0x03, 0x00, 0x78, 0x56, 0x34, 0x12},
		},
		{
			name: "U64",
			app:  func(t *testing.T, b []byte) []byte { return AppendU64(b, 4, 0x0102030405060708) },
			// nla_len 12, nla_type 4, payload LE, no pad
			want: []byte{0x0c, 0x00, 0x04, 0x00, 0x08, 0x07, 0x06, 0x05, 0x04, 0x03, 0x02, 0x01},
		},
		{
			name: "U16BE",
			app:  func(t *testing.T, b []byte) []byte { return AppendU16BE(b, 5, 0x1234) },
			// nla_len 6, nla_type 5, payload BE, 2 pad
			want: []byte{0x06, 0x00, 0x05, 0x00, 0x12, 0x34, 0x00, 0x00},
		},
		{
			name: "U16BE with NLA_F_NET_BYTEORDER",
			app:  func(t *testing.T, b []byte) []byte { return AppendU16BE(b, 5|FlagNetByteOrder, 0x1234) },
			// nla_type 0x4005 = 05 40
			want: []byte{0x06, 0x00, 0x05, 0x40, 0x12, 0x34, 0x00, 0x00},
		},
		{
			name: "U32BE",
			app:  func(t *testing.T, b []byte) []byte { return AppendU32BE(b, 6, 0x12345678) },
			// nla_len 8, nla_type 6, payload BE
			want: []byte{0x08, 0x00, 0x06, 0x00, 0x12, 0x34, 0x56, 0x78},
		},
		{
			name: "U64BE",
			app:  func(t *testing.T, b []byte) []byte { return AppendU64BE(b, 7, 0x0102030405060708) },
			// nla_len 12, nla_type 7, payload BE
			want: []byte{0x0c, 0x00, 0x07, 0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08},
		},
		{
			name: "S8",
			app:  func(t *testing.T, b []byte) []byte { return AppendS8(b, 8, -2) },
			// -2 = 0xfe, 3 pad
			want: []byte{0x05, 0x00, 0x08, 0x00, 0xfe, 0x00, 0x00, 0x00},
		},
		{
			name: "S8 min",
			app:  func(t *testing.T, b []byte) []byte { return AppendS8(b, 8, -128) },
			// -128 = 0x80
			want: []byte{0x05, 0x00, 0x08, 0x00, 0x80, 0x00, 0x00, 0x00},
		},
		{
			name: "S16",
			app:  func(t *testing.T, b []byte) []byte { return AppendS16(b, 9, -2) },
			// -2 = 0xfffe LE, 2 pad
			want: []byte{0x06, 0x00, 0x09, 0x00, 0xfe, 0xff, 0x00, 0x00},
		},
		{
			name: "S32",
			app:  func(t *testing.T, b []byte) []byte { return AppendS32(b, 10, -2) },
			// -2 = 0xfffffffe LE
			want: []byte{0x08, 0x00, 0x0a, 0x00, 0xfe, 0xff, 0xff, 0xff},
		},
		{
			name: "S64",
			app:  func(t *testing.T, b []byte) []byte { return AppendS64(b, 11, -2) },
			// -2 = 0xfffffffffffffffe LE
			want: []byte{0x0c, 0x00, 0x0b, 0x00, 0xfe, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff},
		},
		{
			name: "Uint 0 is 4 bytes",
			app:  func(t *testing.T, b []byte) []byte { return AppendUint(b, 12, 0) },
			want: []byte{0x08, 0x00, 0x0c, 0x00, 0x00, 0x00, 0x00, 0x00},
		},
		{
			name: "Uint 0xffffffff is 4 bytes",
			app:  func(t *testing.T, b []byte) []byte { return AppendUint(b, 12, 0xffffffff) },
			want: []byte{0x08, 0x00, 0x0c, 0x00, 0xff, 0xff, 0xff, 0xff},
		},
		{
			name: "Uint 0x100000000 is 8 bytes",
			app:  func(t *testing.T, b []byte) []byte { return AppendUint(b, 12, 0x100000000) },
			// nla_len 12, payload 00 00 00 00 01 00 00 00
			want: []byte{0x0c, 0x00, 0x0c, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00},
		},
		{
			name: "Uint max is 8 bytes",
			app:  func(t *testing.T, b []byte) []byte { return AppendUint(b, 12, ^uint64(0)) },
			want: []byte{0x0c, 0x00, 0x0c, 0x00, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff},
		},
		{
			name: "Sint -1 is 4 bytes",
			app:  func(t *testing.T, b []byte) []byte { return AppendSint(b, 13, -1) },
			want: []byte{0x08, 0x00, 0x0d, 0x00, 0xff, 0xff, 0xff, 0xff},
		},
		{
			name: "Sint MaxInt32 is 4 bytes",
			app:  func(t *testing.T, b []byte) []byte { return AppendSint(b, 13, 0x7fffffff) },
			want: []byte{0x08, 0x00, 0x0d, 0x00, 0xff, 0xff, 0xff, 0x7f},
		},
		{
			name: "Sint MinInt32 is 4 bytes",
			app:  func(t *testing.T, b []byte) []byte { return AppendSint(b, 13, -0x80000000) },
			want: []byte{0x08, 0x00, 0x0d, 0x00, 0x00, 0x00, 0x00, 0x80},
		},
		{
			name: "Sint MaxInt32+1 is 8 bytes",
			app:  func(t *testing.T, b []byte) []byte { return AppendSint(b, 13, 0x80000000) },
			// 0x0000000080000000 LE
			want: []byte{0x0c, 0x00, 0x0d, 0x00, 0x00, 0x00, 0x00, 0x80, 0x00, 0x00, 0x00, 0x00},
		},
		{
			name: "Sint MinInt32-1 is 8 bytes",
			app:  func(t *testing.T, b []byte) []byte { return AppendSint(b, 13, -0x80000001) },
			// -0x80000001 = 0xffffffff7fffffff LE
			want: []byte{0x0c, 0x00, 0x0d, 0x00, 0xff, 0xff, 0xff, 0x7f, 0xff, 0xff, 0xff, 0xff},
		},
		{
			name: "String empty",
			app:  func(t *testing.T, b []byte) []byte { return mustB(t)(AppendString(b, 14, "")) },
			// nla_len 5 (header + NUL), payload 00, 3 pad
			want: []byte{0x05, 0x00, 0x0e, 0x00, 0x00, 0x00, 0x00, 0x00},
		},
		{
			name: "String 3 chars fills 4 bytes exactly",
			app:  func(t *testing.T, b []byte) []byte { return mustB(t)(AppendString(b, 14, "abc")) },
			// nla_len 8, "abc\0", no pad
			want: []byte{0x08, 0x00, 0x0e, 0x00, 'a', 'b', 'c', 0x00},
		},
		{
			name: "String 4 chars",
			app:  func(t *testing.T, b []byte) []byte { return mustB(t)(AppendString(b, 14, "eth0")) },
			// nla_len 9, "eth0\0", 3 pad
			want: []byte{0x09, 0x00, 0x0e, 0x00, 'e', 't', 'h', '0', 0x00, 0x00, 0x00, 0x00},
		},
		{
			name: "Bytes nil",
			app:  func(t *testing.T, b []byte) []byte { return mustB(t)(AppendBytes(b, 15, nil)) },
			// nla_len 4, no payload
			want: []byte{0x04, 0x00, 0x0f, 0x00},
		},
		{
			name: "Bytes empty",
			app:  func(t *testing.T, b []byte) []byte { return mustB(t)(AppendBytes(b, 15, []byte{})) },
			want: []byte{0x04, 0x00, 0x0f, 0x00},
		},
		{
			name: "Bytes len 1",
			app:  func(t *testing.T, b []byte) []byte { return mustB(t)(AppendBytes(b, 15, []byte{1})) },
			// nla_len 5, 3 pad
			want: []byte{0x05, 0x00, 0x0f, 0x00, 0x01, 0x00, 0x00, 0x00},
		},
		{
			name: "Bytes len 2",
			app:  func(t *testing.T, b []byte) []byte { return mustB(t)(AppendBytes(b, 15, []byte{1, 2})) },
			// nla_len 6, 2 pad
			want: []byte{0x06, 0x00, 0x0f, 0x00, 0x01, 0x02, 0x00, 0x00},
		},
		{
			name: "Bytes len 3",
			app:  func(t *testing.T, b []byte) []byte { return mustB(t)(AppendBytes(b, 15, []byte{1, 2, 3})) },
			// nla_len 7, 1 pad
			want: []byte{0x07, 0x00, 0x0f, 0x00, 0x01, 0x02, 0x03, 0x00},
		},
		{
			name: "Bytes len 4",
			app:  func(t *testing.T, b []byte) []byte { return mustB(t)(AppendBytes(b, 15, []byte{1, 2, 3, 4})) },
			// nla_len 8, no pad
			want: []byte{0x08, 0x00, 0x0f, 0x00, 0x01, 0x02, 0x03, 0x04},
		},
		{
			name: "Bytes len 5",
			app:  func(t *testing.T, b []byte) []byte { return mustB(t)(AppendBytes(b, 15, []byte{1, 2, 3, 4, 5})) },
			// nla_len 9, 3 pad
			want: []byte{0x09, 0x00, 0x0f, 0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x00, 0x00, 0x00},
		},
		{
			name: "Flag",
			app:  func(t *testing.T, b []byte) []byte { return AppendFlag(b, 16) },
			// nla_len 4, nla_type 16, no payload
			want: []byte{0x04, 0x00, 0x10, 0x00},
		},
		{
			name: "AppendAttr plain",
			app: func(t *testing.T, b []byte) []byte {
				return mustB(t)(AppendAttr(b, Attr{Type: 17, Data: []byte{0xaa, 0xbb, 0xcc}}))
			},
			// nla_len 7, nla_type 17, 1 pad
			want: []byte{0x07, 0x00, 0x11, 0x00, 0xaa, 0xbb, 0xcc, 0x00},
		},
		{
			name: "AppendAttr nested flag",
			app: func(t *testing.T, b []byte) []byte {
				return mustB(t)(AppendAttr(b, Attr{Type: 1, Flags: FlagNested, Data: []byte{0x04, 0x00, 0x02, 0x00}}))
			},
			// nla_len 8, nla_type 0x8001 = 01 80, payload is a flag attribute
			want: []byte{0x08, 0x00, 0x01, 0x80, 0x04, 0x00, 0x02, 0x00},
		},
		{
			name: "AppendAttr both flags, no data",
			app: func(t *testing.T, b []byte) []byte {
				return mustB(t)(AppendAttr(b, Attr{Type: 2, Flags: FlagNested | FlagNetByteOrder}))
			},
			// nla_len 4, nla_type 0xc002 = 02 c0
			want: []byte{0x04, 0x00, 0x02, 0xc0},
		},
		{
			name: "AppendAttr net byteorder, 5 bytes",
			app: func(t *testing.T, b []byte) []byte {
				return mustB(t)(AppendAttr(b, Attr{Type: MaxType, Flags: FlagNetByteOrder, Data: []byte{1, 2, 3, 4, 5}}))
			},
			// nla_len 9, nla_type 0x7fff = ff 7f, 3 pad
			want: []byte{0x09, 0x00, 0xff, 0x7f, 0x01, 0x02, 0x03, 0x04, 0x05, 0x00, 0x00, 0x00},
		},
	}
	prefixes := []struct {
		name string
		b    func() []byte
	}{
		{"nil", func() []byte { return nil }},
		{"aligned prefix", func() []byte { return []byte{0xde, 0xad, 0xbe, 0xef} }},
		{"roomy buffer", func() []byte { return append(make([]byte, 0, 64), 0x11, 0x22, 0x33, 0x44) }},
	}
	for _, tt := range tests {
		for _, p := range prefixes {
			t.Run(tt.name+"/"+p.name, func(t *testing.T) {
				b := p.b()
				prefix := bytes.Clone(b)
				got := tt.app(t, b)
				if !bytes.Equal(got[:len(prefix)], prefix) {
					t.Fatalf("prefix clobbered: got % x, want % x", got[:len(prefix)], prefix)
				}
				if diff := cmp.Diff(tt.want, got[len(prefix):]); diff != "" {
					t.Errorf("appended bytes mismatch (-want +got):\n%s", diff)
				}
				if len(got)%AlignTo != 0 {
					t.Errorf("len %d not a multiple of %d", len(got), AlignTo)
				}
			})
		}
	}
}

func TestAppendTooLarge(t *testing.T) {
	prefix := []byte{0xde, 0xad, 0xbe, 0xef}
	tests := []struct {
		name    string
		app     func(b []byte) ([]byte, error)
		wantErr error
		wantLen int // nla_len of the appended attribute when no error
	}{
		// Largest string: 4 header + 65530 chars + NUL = 65535 = MaxLen.
		{"String 65530 fits", func(b []byte) ([]byte, error) { return AppendString(b, 1, strings.Repeat("x", MaxLen-HeaderLen-1)) }, nil, MaxLen},
		{"String 65531 too large", func(b []byte) ([]byte, error) { return AppendString(b, 1, strings.Repeat("x", MaxLen-HeaderLen)) }, ErrTooLarge, 0},
		{"String 70000 too large", func(b []byte) ([]byte, error) { return AppendString(b, 1, strings.Repeat("x", 70000)) }, ErrTooLarge, 0},
		// Largest byte payload: 4 header + 65531 = 65535.
		{"Bytes 65531 fits", func(b []byte) ([]byte, error) { return AppendBytes(b, 1, make([]byte, MaxLen-HeaderLen)) }, nil, MaxLen},
		{"Bytes 65532 too large", func(b []byte) ([]byte, error) { return AppendBytes(b, 1, make([]byte, MaxLen-HeaderLen+1)) }, ErrTooLarge, 0},
		{"Bytes 1<<20 too large", func(b []byte) ([]byte, error) { return AppendBytes(b, 1, make([]byte, 1<<20)) }, ErrTooLarge, 0},
		{"Attr 65531 fits", func(b []byte) ([]byte, error) {
			return AppendAttr(b, Attr{Type: 1, Data: make([]byte, MaxLen-HeaderLen)})
		}, nil, MaxLen},
		{"Attr 65532 too large", func(b []byte) ([]byte, error) {
			return AppendAttr(b, Attr{Type: 1, Data: make([]byte, MaxLen-HeaderLen+1)})
		}, ErrTooLarge, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := bytes.Clone(prefix)
			got, err := tt.app(b)
			if !errors.Is(err, tt.wantErr) || (tt.wantErr == nil && err != nil) {
				t.Fatalf("err = %v, want %v", err, tt.wantErr)
			}
			if tt.wantErr != nil {
				if diff := cmp.Diff(prefix, got); diff != "" {
					t.Errorf("on error b must be returned unchanged (-want +got):\n%s", diff)
				}
				return
			}
			// nla_len 0xffff = ff ff; the attribute is padded to 0x10000.
			if want := len(prefix) + Align(tt.wantLen); len(got) != want {
				t.Errorf("len = %d, want %d", len(got), want)
			}
			if got[4] != 0xff || got[5] != 0xff {
				t.Errorf("nla_len bytes = % x, want ff ff", got[4:6])
			}
			attrs, err := Parse(got[len(prefix):])
			if err != nil || len(attrs) != 1 || len(attrs[0].Data) != tt.wantLen-HeaderLen {
				t.Errorf("Parse: %d attrs, err %v", len(attrs), err)
			}
		})
	}
}

func TestBeginEnd(t *testing.T) {
	tests := []struct {
		name string
		app  func(t *testing.T, b []byte) []byte
		want []byte
	}{
		{
			name: "empty nest",
			app: func(t *testing.T, b []byte) []byte {
				b, start := BeginNested(b, 1)
				return mustB(t)(EndNested(b, start))
			},
			// nla_len 4, nla_type 0x8001 = 01 80
			want: []byte{0x04, 0x00, 0x01, 0x80},
		},
		{
			name: "nest with u32 and flag",
			app: func(t *testing.T, b []byte) []byte {
				b, start := BeginNested(b, 2)
				b = AppendU32(b, 1, 7)
				b = AppendFlag(b, 2)
				return mustB(t)(EndNested(b, start))
			},
			want: []byte{
				0x10, 0x00, 0x02, 0x80, // nla_len 16, nla_type 0x8002
				0x08, 0x00, 0x01, 0x00, 0x07, 0x00, 0x00, 0x00, // u32 type 1 = 7
				0x04, 0x00, 0x02, 0x00, // flag type 2
			},
		},
		{
			name: "nest in nest",
			app: func(t *testing.T, b []byte) []byte {
				b, outer := BeginNested(b, 1)
				b, inner := BeginNested(b, 2)
				b = AppendU8(b, 3, 9)
				b = mustB(t)(EndNested(b, inner))
				b = AppendFlag(b, 4)
				return mustB(t)(EndNested(b, outer))
			},
			want: []byte{
				0x14, 0x00, 0x01, 0x80, // outer: nla_len 20, nla_type 0x8001
				0x0c, 0x00, 0x02, 0x80, // inner: nla_len 12, nla_type 0x8002
				0x05, 0x00, 0x03, 0x00, 0x09, 0x00, 0x00, 0x00, // u8 type 3 = 9, 3 pad
				0x04, 0x00, 0x04, 0x00, // flag type 4
			},
		},
		{
			name: "Begin keeps given flags, no nested flag added",
			app: func(t *testing.T, b []byte) []byte {
				b, start := Begin(b, 5|FlagNetByteOrder)
				b = append(b, 0x12, 0x34)
				return mustB(t)(End(b, start))
			},
			// nla_len 6 (unpadded), nla_type 0x4005, payload, End pads 2
			want: []byte{0x06, 0x00, 0x05, 0x40, 0x12, 0x34, 0x00, 0x00},
		},
		{
			name: "End pads odd raw payload",
			app: func(t *testing.T, b []byte) []byte {
				b, start := Begin(b, 6)
				b = append(b, 'a')
				return mustB(t)(End(b, start))
			},
			// nla_len 5, 3 pad
			want: []byte{0x05, 0x00, 0x06, 0x00, 'a', 0x00, 0x00, 0x00},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			prefix := []byte{0xde, 0xad, 0xbe, 0xef}
			got := tt.app(t, bytes.Clone(prefix))
			if !bytes.Equal(got[:4], prefix) {
				t.Fatalf("prefix clobbered: % x", got[:4])
			}
			if diff := cmp.Diff(tt.want, got[4:]); diff != "" {
				t.Errorf("mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestEndTooLarge(t *testing.T) {
	prefix := []byte{0xde, 0xad, 0xbe, 0xef}

	t.Run("raw payload exactly MaxLen", func(t *testing.T) {
		b, start := Begin(bytes.Clone(prefix), 1)
		b = append(b, make([]byte, MaxLen-HeaderLen)...) // nla_len 0xffff
		b, err := End(b, start)
		if err != nil {
			t.Fatalf("End: %v", err)
		}
		if want := len(prefix) + 0x10000; len(b) != want {
			t.Errorf("len = %d, want %d", len(b), want)
		}
		// nla_len 0xffff = ff ff, nla_type 1 = 01 00
		if diff := cmp.Diff([]byte{0xff, 0xff, 0x01, 0x00}, b[start:start+4]); diff != "" {
			t.Errorf("header mismatch (-want +got):\n%s", diff)
		}
	})

	t.Run("raw payload one over MaxLen", func(t *testing.T) {
		b, start := Begin(bytes.Clone(prefix), 1)
		b = append(b, make([]byte, MaxLen-HeaderLen+1)...) // would be 0x10000
		b, err := End(b, start)
		if !errors.Is(err, ErrTooLarge) {
			t.Fatalf("End err = %v, want ErrTooLarge", err)
		}
		if diff := cmp.Diff(prefix, b); diff != "" {
			t.Errorf("b not truncated to start (-want +got):\n%s", diff)
		}
	})

	t.Run("nest of two max attributes", func(t *testing.T) {
		b, start := BeginNested(bytes.Clone(prefix), 1)
		var err error
		for i := 0; i < 2; i++ {
			b, err = AppendBytes(b, uint16(i+1), make([]byte, MaxLen-HeaderLen))
			if err != nil {
				t.Fatalf("AppendBytes: %v", err)
			}
		}
		if start != len(prefix) {
			t.Fatalf("start = %d, want %d", start, len(prefix))
		}
		b, err = EndNested(b, start)
		if !errors.Is(err, ErrTooLarge) {
			t.Fatalf("EndNested err = %v, want ErrTooLarge", err)
		}
		if len(b) != start {
			t.Errorf("len(b) = %d, want truncated to start %d", len(b), start)
		}
		if diff := cmp.Diff(prefix, b); diff != "" {
			t.Errorf("prefix mismatch (-want +got):\n%s", diff)
		}
		// The buffer remains usable after the failed nest.
		b = AppendFlag(b, 9)
		if diff := cmp.Diff([]byte{0xde, 0xad, 0xbe, 0xef, 0x04, 0x00, 0x09, 0x00}, b); diff != "" {
			t.Errorf("append after failure (-want +got):\n%s", diff)
		}
	})

	t.Run("outer nest too large, inner fine", func(t *testing.T) {
		b, outer := BeginNested(bytes.Clone(prefix), 1)
		b, inner := BeginNested(b, 2)
		b = mustB(t)(AppendBytes(b, 3, make([]byte, 0xff00)))
		b, err := EndNested(b, inner)
		if err != nil {
			t.Fatalf("inner EndNested: %v", err)
		}
		b = mustB(t)(AppendBytes(b, 4, make([]byte, 0x1000)))
		b, err = EndNested(b, outer)
		if !errors.Is(err, ErrTooLarge) {
			t.Fatalf("outer EndNested err = %v, want ErrTooLarge", err)
		}
		if diff := cmp.Diff(prefix, b); diff != "" {
			t.Errorf("b not truncated to outer start (-want +got):\n%s", diff)
		}
	})
}

// wantAttr is what the iterator should report for one attribute.
type wantAttr struct {
	Offset int
	Type   uint16
	Flags  uint16
	Data   []byte
}

// collect walks b with Iter, checking per-attribute invariants.
func collect(t *testing.T, b []byte) ([]wantAttr, error) {
	t.Helper()
	var got []wantAttr
	it := NewIter(b)
	for it.Next() {
		d := it.Data()
		if cap(d) != len(d) {
			t.Errorf("attr at %d: cap(Data) = %d, want len %d", it.Offset(), cap(d), len(d))
		}
		a := it.Attr()
		if a.Type != it.Type() || a.Flags != it.Flags() || !bytes.Equal(a.Data, d) {
			t.Errorf("attr at %d: Attr() = %+v, disagrees with Type/Flags/Data", it.Offset(), a)
		}
		if a.Nested() != (it.Flags()&FlagNested != 0) {
			t.Errorf("attr at %d: Nested() = %v", it.Offset(), a.Nested())
		}
		got = append(got, wantAttr{Offset: it.Offset(), Type: it.Type(), Flags: it.Flags(), Data: d})
	}
	// Next after the end keeps returning false with the same error.
	err := it.Err()
	if it.Next() {
		t.Errorf("Next returned true after the end")
	}
	if it.Err() != err {
		t.Errorf("Err changed after extra Next: %v -> %v", err, it.Err())
	}
	return got, err
}

func TestIterStream(t *testing.T) {
	in := []byte{
		// offset 0: u32 type 1 = 42
		0x08, 0x00, 0x01, 0x00, 0x2a, 0x00, 0x00, 0x00,
		// offset 8: flag type 2
		0x04, 0x00, 0x02, 0x00,
		// offset 12: nested type 3 (0x8003), nla_len 12, holding a u8 type 1 = 7
		0x0c, 0x00, 0x03, 0x80,
		0x05, 0x00, 0x01, 0x00, 0x07, 0x00, 0x00, 0x00,
		// offset 24: big-endian u16 type 4 with NLA_F_NET_BYTEORDER (0x4004)
		0x06, 0x00, 0x04, 0x40, 0x12, 0x34, 0x00, 0x00,
		// offset 32: type 5 with both flags (0xc005), empty
		0x04, 0x00, 0x05, 0xc0,
		// offset 36: type MaxType (0x3fff), 1 byte, padding filled with junk
		0x05, 0x00, 0xff, 0x3f, 0x99, 0xee, 0xee, 0xee,
		// offset 44: string "hi" type 6, nla_len 7, last attribute, no padding
		0x07, 0x00, 0x06, 0x00, 'h', 'i', 0x00,
	}
	want := []wantAttr{
		{Offset: 0, Type: 1, Data: []byte{0x2a, 0, 0, 0}},
		{Offset: 8, Type: 2, Data: []byte{}},
		{Offset: 12, Type: 3, Flags: FlagNested, Data: []byte{0x05, 0x00, 0x01, 0x00, 0x07, 0x00, 0x00, 0x00}},
		{Offset: 24, Type: 4, Flags: FlagNetByteOrder, Data: []byte{0x12, 0x34}},
		{Offset: 32, Type: 5, Flags: FlagNested | FlagNetByteOrder, Data: []byte{}},
		{Offset: 36, Type: MaxType, Data: []byte{0x99}},
		{Offset: 44, Type: 6, Data: []byte{'h', 'i', 0}},
	}
	got, err := collect(t, in)
	if err != nil {
		t.Fatalf("Err = %v", err)
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("attributes mismatch (-want +got):\n%s", diff)
	}

	// The nested payload is itself a stream.
	inner, err := collect(t, got[2].Data)
	if err != nil {
		t.Fatalf("inner Err = %v", err)
	}
	if diff := cmp.Diff([]wantAttr{{Offset: 0, Type: 1, Data: []byte{7}}}, inner); diff != "" {
		t.Errorf("inner mismatch (-want +got):\n%s", diff)
	}

	// Data has no spare capacity: appending to it must not clobber the
	// next attribute's header.
	_ = append(got[1].Data, 0xaa, 0xbb, 0xcc, 0xdd)
	if in[12] != 0x0c || in[15] != 0x80 {
		t.Errorf("appending to Data clobbered the input: % x", in[12:16])
	}

	// Data shares the input's memory.
	if &got[0].Data[0] != &in[4] {
		t.Errorf("Data does not alias the input")
	}
}

func TestIterHostile(t *testing.T) {
	tests := []struct {
		name       string
		in         []byte
		want       []wantAttr // attributes before the error
		wantErr    error      // nil, ErrTruncated or ErrBadLength
		wantOffset int
	}{
		{name: "nil", in: nil},
		{name: "empty", in: []byte{}},
		{
			name:    "1 byte",
			in:      []byte{0x04},
			wantErr: ErrTruncated, wantOffset: 0,
		},
		{
			name:    "3 bytes",
			in:      []byte{0x04, 0x00, 0x01},
			wantErr: ErrTruncated, wantOffset: 0,
		},
		{
			name:    "1 trailing byte",
			in:      []byte{0x04, 0x00, 0x01, 0x00, 0xff}, // flag type 1, then 1 byte
			want:    []wantAttr{{Offset: 0, Type: 1, Data: []byte{}}},
			wantErr: ErrTruncated, wantOffset: 4,
		},
		{
			name:    "2 trailing bytes",
			in:      []byte{0x04, 0x00, 0x01, 0x00, 0x04, 0x00},
			want:    []wantAttr{{Offset: 0, Type: 1, Data: []byte{}}},
			wantErr: ErrTruncated, wantOffset: 4,
		},
		{
			name:    "3 trailing bytes",
			in:      []byte{0x08, 0x00, 0x01, 0x00, 1, 2, 3, 4, 0x04, 0x00, 0x02}, // u32 type 1, then 3 bytes
			want:    []wantAttr{{Offset: 0, Type: 1, Data: []byte{1, 2, 3, 4}}},
			wantErr: ErrTruncated, wantOffset: 8,
		},
		{
			name:    "nla_len 0",
			in:      []byte{0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00},
			wantErr: ErrBadLength, wantOffset: 0,
		},
		{
			name:    "nla_len 1",
			in:      []byte{0x01, 0x00, 0x01, 0x00},
			wantErr: ErrBadLength, wantOffset: 0,
		},
		{
			name:    "nla_len 3",
			in:      []byte{0x03, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00},
			wantErr: ErrBadLength, wantOffset: 0,
		},
		{
			name:    "nla_len 0 after a valid attribute",
			in:      []byte{0x05, 0x00, 0x01, 0x00, 0xab, 0x00, 0x00, 0x00, 0x00, 0x00, 0x02, 0x00},
			want:    []wantAttr{{Offset: 0, Type: 1, Data: []byte{0xab}}},
			wantErr: ErrBadLength, wantOffset: 8,
		},
		{
			name:    "nla_len one past the buffer",
			in:      []byte{0x09, 0x00, 0x01, 0x00, 1, 2, 3, 4}, // needs 9, has 8
			wantErr: ErrTruncated, wantOffset: 0,
		},
		{
			name:    "nla_len 0xffff on a short buffer",
			in:      []byte{0xff, 0xff, 0x01, 0x00, 0x00, 0x00},
			wantErr: ErrTruncated, wantOffset: 0,
		},
		{
			name: "second nla_len past the buffer",
			in: []byte{
				0x04, 0x00, 0x01, 0x00, // flag type 1
				0x0c, 0x00, 0x02, 0x00, 1, 2, 3, 4, // claims 12, has 8
			},
			want:    []wantAttr{{Offset: 0, Type: 1, Data: []byte{}}},
			wantErr: ErrTruncated, wantOffset: 4,
		},
		{
			name: "last attribute with partial padding accepted",
			in:   []byte{0x05, 0x00, 0x01, 0x00, 0xab, 0x00}, // nla_len 5, 1 of 3 pad bytes
			want: []wantAttr{{Offset: 0, Type: 1, Data: []byte{0xab}}},
		},
		{
			name: "last attribute without padding accepted",
			in:   []byte{0x06, 0x00, 0x01, 0x00, 0xab, 0xcd},
			want: []wantAttr{{Offset: 0, Type: 1, Data: []byte{0xab, 0xcd}}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := collect(t, tt.in)
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("attributes mismatch (-want +got):\n%s", diff)
			}
			checkErr(t, err, tt.wantErr, tt.wantOffset)

			// Parse reports the same attributes and the same error.
			attrs, perr := Parse(tt.in)
			var pgot []wantAttr
			for i, a := range attrs {
				if i >= len(got) {
					break
				}
				pgot = append(pgot, wantAttr{Offset: got[i].Offset, Type: a.Type, Flags: a.Flags, Data: a.Data})
			}
			if len(attrs) != len(got) {
				t.Errorf("Parse returned %d attrs, Iter %d", len(attrs), len(got))
			}
			if diff := cmp.Diff(tt.want, pgot); diff != "" {
				t.Errorf("Parse attributes mismatch (-want +got):\n%s", diff)
			}
			checkErr(t, perr, tt.wantErr, tt.wantOffset)
		})
	}
}

func checkErr(t *testing.T, err, wantErr error, wantOffset int) {
	t.Helper()
	if wantErr == nil {
		if err != nil {
			t.Errorf("err = %v, want nil", err)
		}
		return
	}
	if !errors.Is(err, wantErr) {
		t.Errorf("err = %v, want errors.Is %v", err, wantErr)
	}
	for _, other := range []error{ErrTruncated, ErrBadLength, ErrTooLarge} {
		if other != wantErr && errors.Is(err, other) {
			t.Errorf("err = %v also matches %v", err, other)
		}
	}
	var se *SyntaxError
	if !errors.As(err, &se) {
		t.Fatalf("err = %T %v, want *SyntaxError", err, err)
	}
	if se.Offset != wantOffset {
		t.Errorf("SyntaxError.Offset = %d, want %d", se.Offset, wantOffset)
	}
	if prefix := "nlattr: at offset "; !strings.HasPrefix(se.Error(), prefix) {
		t.Errorf("Error() = %q, want prefix %q", se.Error(), prefix)
	}
}

func TestParse(t *testing.T) {
	in := []byte{
		0x08, 0x00, 0x01, 0x00, 0x2a, 0x00, 0x00, 0x00, // u32 type 1 = 42
		0x04, 0x00, 0x02, 0x80, // empty nest type 2 (0x8002)
		0x06, 0x00, 0x03, 0x40, 0x00, 0x50, 0x00, 0x00, // BE u16 type 3 (0x4003) = 80
	}
	got, err := Parse(in)
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	want := []Attr{
		{Type: 1, Data: []byte{0x2a, 0, 0, 0}},
		{Type: 2, Flags: FlagNested, Data: []byte{}},
		{Type: 3, Flags: FlagNetByteOrder, Data: []byte{0x00, 0x50}},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Parse mismatch (-want +got):\n%s", diff)
	}
	if !got[1].Nested() || got[0].Nested() || got[2].Nested() {
		t.Errorf("Nested() wrong: %v %v %v", got[0].Nested(), got[1].Nested(), got[2].Nested())
	}

	// Re-encoding with AppendAttr reproduces the canonical input.
	var out []byte
	for _, a := range got {
		if out, err = AppendAttr(out, a); err != nil {
			t.Fatal(err)
		}
	}
	if diff := cmp.Diff(in, out); diff != "" {
		t.Errorf("AppendAttr round trip (-want +got):\n%s", diff)
	}
}

var sinkBytes = []byte{1, 2, 3, 4, 5}

func TestAppendAllocs(t *testing.T) {
	buf := make([]byte, 0, 4096)
	orig := &buf[:1][0]
	var errs int
	allocs := testing.AllocsPerRun(100, func() {
		b := buf[:0]
		b = AppendU8(b, 1, 1)
		b = AppendU16(b, 2, 2)
		b = AppendU32(b, 3, 3)
		b = AppendU64(b, 4, 4)
		b = AppendU16BE(b, 5, 5)
		b = AppendU32BE(b, 6, 6)
		b = AppendU64BE(b, 7, 7)
		b = AppendS8(b, 8, -8)
		b = AppendS16(b, 9, -9)
		b = AppendS32(b, 10, -10)
		b = AppendS64(b, 11, -11)
		b = AppendUint(b, 12, 12)
		b = AppendUint(b, 12, 1<<40)
		b = AppendSint(b, 13, -13)
		b = AppendSint(b, 13, -1<<40)
		b = AppendFlag(b, 14)
		var err error
		if b, err = AppendString(b, 15, "eth0"); err != nil {
			errs++
		}
		if b, err = AppendBytes(b, 16, sinkBytes); err != nil {
			errs++
		}
		if b, err = AppendAttr(b, Attr{Type: 17, Flags: FlagNetByteOrder, Data: sinkBytes}); err != nil {
			errs++
		}
		b, outer := BeginNested(b, 18)
		b, inner := Begin(b, 19)
		b = AppendU32(b, 1, 1)
		if b, err = End(b, inner); err != nil {
			errs++
		}
		if b, err = EndNested(b, outer); err != nil {
			errs++
		}
		b = AppendHeader(b, 20, HeaderLen+1)
		b = append(b, 1)
		buf = Pad(b)
	})
	if errs != 0 {
		t.Fatalf("%d unexpected errors", errs)
	}
	if allocs != 0 {
		t.Errorf("appending into a roomy buffer: %v allocs per run, want 0", allocs)
	}
	if &buf[:1][0] != orig || cap(buf) != 4096 {
		t.Errorf("buffer was reallocated")
	}
}

func TestIterAllocs(t *testing.T) {
	var b []byte
	b = AppendU32(b, 1, 42)
	b = AppendFlag(b, 2)
	b, start := BeginNested(b, 3)
	b = AppendU64(b, 1, 1)
	b, _ = AppendString(b, 2, "hello")
	b, _ = EndNested(b, start)
	b, _ = AppendBytes(b, 4, []byte{1, 2, 3})

	var n, sum int
	allocs := testing.AllocsPerRun(100, func() {
		it := NewIter(b)
		for it.Next() {
			n++
			sum += int(it.Type()) + int(it.Flags()) + len(it.Data()) + it.Offset()
			if it.Flags()&FlagNested != 0 {
				in := NewIter(it.Data())
				for in.Next() {
					n++
					_ = in.Attr()
				}
				if in.Err() != nil {
					n = -1 << 30
				}
			}
		}
		if it.Err() != nil {
			n = -1 << 30
		}
	})
	if n <= 0 {
		t.Fatalf("iteration failed (n=%d)", n)
	}
	if allocs != 0 {
		t.Errorf("iterating: %v allocs per run, want 0", allocs)
	}
}

func FuzzIter(f *testing.F) {
	f.Add([]byte{})
	f.Add([]byte{0x04, 0x00, 0x01, 0x00})
	f.Add([]byte{
		0x08, 0x00, 0x01, 0x00, 0x2a, 0x00, 0x00, 0x00,
		0x04, 0x00, 0x02, 0x00,
		0x0c, 0x00, 0x03, 0x80, 0x05, 0x00, 0x01, 0x00, 0x07, 0x00, 0x00, 0x00,
		0x06, 0x00, 0x04, 0x40, 0x12, 0x34, 0x00, 0x00,
		0x07, 0x00, 0x06, 0x00, 'h', 'i', 0x00,
	})
	f.Add([]byte{0x05, 0x00, 0x01, 0x00, 0xab, 0x00})             // partial padding
	f.Add([]byte{0x00, 0x00, 0x01, 0x00})                         // nla_len 0
	f.Add([]byte{0x03, 0x00, 0x01, 0x00})                         // nla_len 3
	f.Add([]byte{0xff, 0xff, 0x01, 0x00, 0x00, 0x00})             // nla_len past end
	f.Add([]byte{0x04, 0x00, 0x01, 0x00, 0x04, 0x00, 0x02})       // 3 trailing bytes
	f.Add([]byte{0x05, 0x00, 0x01, 0xc0, 0x99, 0xee, 0xee, 0xee}) // junk padding, both flags

	f.Fuzz(func(t *testing.T, in []byte) {
		var attrs []Attr
		it := NewIter(in)
		next, consumed, prev := 0, 0, -1
		for it.Next() {
			off, d := it.Offset(), it.Data()
			if off <= prev {
				t.Fatalf("offset %d does not increase past %d", off, prev)
			}
			if off != next {
				t.Fatalf("offset %d, want %d", off, next)
			}
			if off+HeaderLen+len(d) > len(in) {
				t.Fatalf("Data [%d:%d] past input of %d bytes", off+HeaderLen, off+HeaderLen+len(d), len(in))
			}
			if len(d) > 0 && &d[0] != &in[off+HeaderLen] {
				t.Fatalf("Data at offset %d does not lie at its payload in the input", off)
			}
			if cap(d) != len(d) {
				t.Fatalf("cap(Data) %d != len %d", cap(d), len(d))
			}
			nlaLen := int(binary.NativeEndian.Uint16(in[off:]))
			nlaType := binary.NativeEndian.Uint16(in[off+2:])
			if nlaLen != HeaderLen+len(d) {
				t.Fatalf("nla_len %d, Data len %d", nlaLen, len(d))
			}
			if it.Type() != nlaType&0x3fff || it.Flags() != nlaType&0xc000 {
				t.Fatalf("nla_type %#x: Type %#x Flags %#x", nlaType, it.Type(), it.Flags())
			}
			consumed += min(Align(nlaLen), len(in)-off)
			if consumed > len(in) {
				t.Fatalf("consumed %d > len %d", consumed, len(in))
			}
			next = off + Align(nlaLen)
			prev = off
			attrs = append(attrs, it.Attr())
		}
		if err := it.Err(); err != nil {
			var se *SyntaxError
			if !errors.As(err, &se) {
				t.Fatalf("err %T is not *SyntaxError", err)
			}
			if !errors.Is(err, ErrTruncated) && !errors.Is(err, ErrBadLength) {
				t.Fatalf("err %v wraps neither ErrTruncated nor ErrBadLength", err)
			}
			if se.Offset != next || se.Offset != consumed {
				t.Fatalf("SyntaxError.Offset %d, want %d", se.Offset, next)
			}
			return
		}
		if consumed != len(in) {
			t.Fatalf("clean end after %d of %d bytes", consumed, len(in))
		}

		var out []byte
		for _, a := range attrs {
			var err error
			if out, err = AppendAttr(out, a); err != nil {
				t.Fatalf("AppendAttr(%+v): %v", a, err)
			}
		}
		again, err := Parse(out)
		if err != nil {
			t.Fatalf("re-encoded stream: %v", err)
		}
		if diff := cmp.Diff(attrs, again); diff != "" {
			t.Fatalf("round trip mismatch (-first +second):\n%s", diff)
		}
		if len(out) != len(attrs)*HeaderLen+func() int {
			n := 0
			for _, a := range again {
				n += Align(HeaderLen+len(a.Data)) - HeaderLen
			}
			return n
		}() {
			t.Fatalf("re-encoded length %d unexpected", len(out))
		}
	})
}
