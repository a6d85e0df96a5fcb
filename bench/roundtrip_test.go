package bench

import (
	"context"
	"encoding/binary"
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/mdlayher/genetlink"
	"golang.org/x/sys/unix"

	"github.com/nlstruct/nlstruct/families/genl"
	"github.com/nlstruct/nlstruct/marshal"
	"github.com/nlstruct/nlstruct/nlattr"
	"github.com/nlstruct/nlstruct/socket"
)

// A generic netlink CTRL_CMD_GETFAMILY round trip against the running
// kernel, decoded into the same genl.Family by each contender:
//
//   - nlstruct: socket.Conn.DoOne with the request and reply as tagged
//     structs (what genl.Conn does for every family lookup);
//   - raw: a hand-written loop over unix.Sendto/Recvfrom that does the same
//     work: sizes each read with MSG_PEEK|MSG_TRUNC so no reply is ever
//     truncated, checks the reply's sequence number, and decodes with
//     nlattr by hand;
//   - raw-nopeek: the same without the size check (a fixed 32 KiB buffer),
//     the least a caller could do;
//   - mdlayher: github.com/mdlayher/genetlink's Conn.GetFamily.

const ctrlAttrFamilyName = 2

type getFamilyBody struct {
	Name string `nl:"type=2"`
}

type rawConn struct {
	fd  int
	seq uint32
	buf []byte
	req []byte
}

func newRawConn(b testing.TB) *rawConn {
	fd, err := unix.Socket(unix.AF_NETLINK, unix.SOCK_RAW|unix.SOCK_CLOEXEC, unix.NETLINK_GENERIC)
	if err != nil {
		b.Skipf("no NETLINK_GENERIC socket: %v", err)
	}
	if err := unix.Bind(fd, &unix.SockaddrNetlink{Family: unix.AF_NETLINK}); err != nil {
		b.Fatal(err)
	}
	return &rawConn{fd: fd, buf: make([]byte, 32<<10)}
}

// getFamily sends CTRL_CMD_GETFAMILY for name and decodes the reply.
func (r *rawConn) getFamily(name string, f *genl.Family, peek bool) error {
	r.seq++
	b := r.req[:0]
	b = binary.NativeEndian.AppendUint32(b, 0)
	b = binary.NativeEndian.AppendUint16(b, genl.IDCtrl)
	b = binary.NativeEndian.AppendUint16(b, socket.FlagRequest)
	b = binary.NativeEndian.AppendUint32(b, r.seq)
	b = binary.NativeEndian.AppendUint32(b, 0)
	b = append(b, genl.CtrlCmdGetFamily, 2, 0, 0)
	b, _ = nlattr.AppendString(b, ctrlAttrFamilyName, name)
	binary.NativeEndian.PutUint32(b, uint32(len(b)))
	r.req = b
	if err := unix.Sendto(r.fd, b, 0, &unix.SockaddrNetlink{Family: unix.AF_NETLINK}); err != nil {
		return err
	}
	for {
		if peek {
			n, _, err := unix.Recvfrom(r.fd, r.buf, unix.MSG_PEEK|unix.MSG_TRUNC)
			if err != nil {
				return err
			}
			if n > len(r.buf) {
				r.buf = make([]byte, n)
			}
		}
		n, _, err := unix.Recvfrom(r.fd, r.buf, 0)
		if err != nil {
			return err
		}
		m := r.buf[:n]
		if len(m) < 20 {
			return errors.New("short reply")
		}
		if binary.NativeEndian.Uint32(m[8:]) != r.seq {
			continue
		}
		if binary.NativeEndian.Uint16(m[4:]) == socket.TypeError {
			return errors.New("kernel error")
		}
		return decodeFamilyByHand(m[20:binary.NativeEndian.Uint32(m)], f)
	}
}

func decodeFamilyByHand(b []byte, f *genl.Family) error {
	*f = genl.Family{}
	it := nlattr.NewIter(b)
	for it.Next() {
		d := it.Data()
		switch it.Type() {
		case 1:
			f.ID = binary.NativeEndian.Uint16(d)
		case 2:
			f.Name = cstring(d)
		case 3:
			f.Version = binary.NativeEndian.Uint32(d)
		case 4:
			f.HeaderSize = binary.NativeEndian.Uint32(d)
		case 5:
			f.MaxAttr = binary.NativeEndian.Uint32(d)
		case 6:
			n := 0
			for e := nlattr.NewIter(d); e.Next(); {
				n++
			}
			f.Ops = make([]genl.Op, 0, n)
			for e := nlattr.NewIter(d); e.Next(); {
				var op genl.Op
				for a := nlattr.NewIter(e.Data()); a.Next(); {
					switch a.Type() {
					case 1:
						op.ID = binary.NativeEndian.Uint32(a.Data())
					case 2:
						op.Flags = binary.NativeEndian.Uint32(a.Data())
					}
				}
				f.Ops = append(f.Ops, op)
			}
		case 7:
			n := 0
			for e := nlattr.NewIter(d); e.Next(); {
				n++
			}
			f.Groups = make([]genl.MulticastGroup, 0, n)
			for e := nlattr.NewIter(d); e.Next(); {
				var g genl.MulticastGroup
				for a := nlattr.NewIter(e.Data()); a.Next(); {
					switch a.Type() {
					case 1:
						g.Name = cstring(a.Data())
					case 2:
						g.ID = binary.NativeEndian.Uint32(a.Data())
					}
				}
				f.Groups = append(f.Groups, g)
			}
		}
	}
	return it.Err()
}

// unmarshalGenl decodes a generic netlink reply's attributes, after the
// 4-byte genlmsghdr.
func unmarshalGenl(b []byte, v any) error {
	if len(b) < genl.HeaderLen {
		return errors.New("short reply")
	}
	return marshal.Unmarshal(b[genl.HeaderLen:], v)
}

func BenchmarkGetFamily(b *testing.B) {
	ctx := context.Background()
	const name = "nlctrl"
	b.Run("nlstruct", func(b *testing.B) {
		c, err := socket.Dial(unix.NETLINK_GENERIC, nil)
		if err != nil {
			b.Skipf("no NETLINK_GENERIC socket: %v", err)
		}
		defer c.Close()
		req := socket.Request{Type: genl.IDCtrl, Header: &genl.Header{Command: genl.CtrlCmdGetFamily, Version: 2}, Body: &getFamilyBody{Name: name}}
		var f genl.Family
		b.ReportAllocs()
		for b.Loop() {
			f = genl.Family{}
			if err := c.DoOne(ctx, req, func(m socket.Message) error { return unmarshalGenl(m.Data, &f) }); err != nil {
				b.Fatal(err)
			}
		}
	})
	for _, peek := range []bool{true, false} {
		name2 := "raw"
		if !peek {
			name2 = "raw-nopeek"
		}
		b.Run(name2, func(b *testing.B) {
			r := newRawConn(b)
			defer unix.Close(r.fd)
			var f genl.Family
			b.ReportAllocs()
			for b.Loop() {
				if err := r.getFamily(name, &f, peek); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
	b.Run("mdlayher", func(b *testing.B) {
		c, err := genetlink.Dial(nil)
		if err != nil {
			b.Skipf("no NETLINK_GENERIC socket: %v", err)
		}
		defer c.Close()
		b.ReportAllocs()
		for b.Loop() {
			if _, err := c.GetFamily(name); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// TestGetFamilyAgree checks that nlstruct and the hand-written raw loop
// decode the same family from the kernel, and that mdlayher agrees.
func TestGetFamilyAgree(t *testing.T) {
	ctx := context.Background()
	c, err := socket.Dial(unix.NETLINK_GENERIC, nil)
	if err != nil {
		t.Skipf("no NETLINK_GENERIC socket: %v", err)
	}
	defer c.Close()
	var got genl.Family
	req := socket.Request{Type: genl.IDCtrl, Header: &genl.Header{Command: genl.CtrlCmdGetFamily, Version: 2}, Body: &getFamilyBody{Name: "nlctrl"}}
	if err := c.DoOne(ctx, req, func(m socket.Message) error { return unmarshalGenl(m.Data, &got) }); err != nil {
		t.Fatal(err)
	}
	r := newRawConn(t)
	defer unix.Close(r.fd)
	var want genl.Family
	if err := r.getFamily("nlctrl", &want, true); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("nlstruct and the raw loop disagree (-raw +nlstruct):\n%s", diff)
	}
	mc, err := genetlink.Dial(nil)
	if err != nil {
		t.Fatal(err)
	}
	defer mc.Close()
	mf, err := mc.GetFamily("nlctrl")
	if err != nil {
		t.Fatal(err)
	}
	if mf.ID != got.ID || mf.Name != got.Name || mf.Version != uint8(got.Version) || len(mf.Groups) != len(got.Groups) {
		t.Errorf("mdlayher disagrees: %+v vs %+v", mf, got)
	}
}
