package genl_test

// Tests against the running kernel's generic netlink controller. Reading
// the controller needs no privileges; the tests skip only when the kernel
// has no NETLINK_GENERIC.
//
// Everything genl decodes is cross-checked with an independent decoder
// written here from raw bytes: a raw AF_NETLINK socket opened with
// golang.org/x/sys/unix, requests built by hand, nlmsghdr, genlmsghdr and
// attributes parsed with encoding/binary. It shares no code with genl,
// socket, marshal or nlattr.

import (
	"bufio"
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"os/exec"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"golang.org/x/sys/unix"

	"github.com/nlstruct/nlstruct/families/genl"
	"github.com/nlstruct/nlstruct/socket"
)

// Constants of <linux/genetlink.h> and <linux/netlink.h>, written out
// again so that the raw decoder does not depend on the package under test.
const (
	rawGenlIDCtrl       = 0x10
	rawCmdGetFamily     = 3
	rawCmdGetPolicy     = 10
	rawAttrFamilyID     = 1
	rawAttrFamilyName   = 2
	rawAttrVersion      = 3
	rawAttrHdrSize      = 4
	rawAttrMaxAttr      = 5
	rawAttrOps          = 6
	rawAttrMcastGroups  = 7
	rawAttrPolicy       = 8
	rawAttrOpPolicy     = 9
	rawAttrOpID         = 1
	rawAttrOpFlags      = 2
	rawAttrGrpName      = 1
	rawAttrGrpID        = 2
	rawNLATypeMask      = 0x3fff // ^(NLA_F_NESTED | NLA_F_NET_BYTEORDER)
	rawNlmsgHdrLen      = 16
	rawGenlHdrLen       = 4
	rawAttrPolicyDo     = 1
	rawAttrPolicyDump   = 2
	rawPolicyTypeAttrNL = 1 // NL_POLICY_TYPE_ATTR_TYPE
)

// dialGenl opens a genl.Conn, skipping the test when the kernel has no
// NETLINK_GENERIC.
func dialGenl(t testing.TB) *genl.Conn {
	t.Helper()
	c, err := genl.Dial(nil)
	if err != nil {
		if errors.Is(err, unix.EPROTONOSUPPORT) || errors.Is(err, unix.EAFNOSUPPORT) {
			t.Skipf("no NETLINK_GENERIC in this kernel: %v", err)
		}
		t.Fatalf("genl.Dial: %v", err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

func ctxFor(t testing.TB, d time.Duration) context.Context {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), d)
	t.Cleanup(cancel)
	return ctx
}

// rawAttr is one attribute as the raw decoder sees it.
type rawAttr struct {
	typ  uint16 // without NLA_F_NESTED and NLA_F_NET_BYTEORDER
	data []byte
}

// parseRawAttrs splits an attribute stream, strictly: every length must
// be sane and the stream must end exactly on an attribute boundary
// (allowing trailing padding).
func parseRawAttrs(b []byte) ([]rawAttr, error) {
	var out []rawAttr
	for len(b) > 0 {
		if len(b) < 4 {
			return nil, fmt.Errorf("%d trailing bytes, want an attribute header", len(b))
		}
		l := int(binary.NativeEndian.Uint16(b[0:]))
		typ := binary.NativeEndian.Uint16(b[2:])
		if l < 4 || l > len(b) {
			return nil, fmt.Errorf("nla_len %d with %d bytes left", l, len(b))
		}
		out = append(out, rawAttr{typ & rawNLATypeMask, b[4:l]})
		b = b[min((l+3)&^3, len(b)):]
	}
	return out, nil
}

func rawU16(t testing.TB, a rawAttr) uint16 {
	t.Helper()
	if len(a.data) != 2 {
		t.Fatalf("attribute %d: %d bytes, want a u16", a.typ, len(a.data))
	}
	return binary.NativeEndian.Uint16(a.data)
}

func rawU32(t testing.TB, a rawAttr) uint32 {
	t.Helper()
	if len(a.data) != 4 {
		t.Fatalf("attribute %d: %d bytes, want a u32", a.typ, len(a.data))
	}
	return binary.NativeEndian.Uint32(a.data)
}

func rawString(t testing.TB, a rawAttr) string {
	t.Helper()
	i := bytes.IndexByte(a.data, 0)
	if i < 0 {
		t.Fatalf("attribute %d: string without NUL: %q", a.typ, a.data)
	}
	return string(a.data[:i])
}

// rawAppendAttr appends one attribute, padded.
func rawAppendAttr(b []byte, typ uint16, payload []byte) []byte {
	b = binary.NativeEndian.AppendUint16(b, uint16(4+len(payload)))
	b = binary.NativeEndian.AppendUint16(b, typ)
	b = append(b, payload...)
	for len(b)%4 != 0 {
		b = append(b, 0)
	}
	return b
}

// rawDump sends a controller dump request (nlmsghdr, genlmsghdr and the
// given attributes, all built by hand) on a raw socket of its own and
// returns the attributes of every reply message, after genlmsghdr.
func rawDump(t testing.TB, cmd uint8, attrs []byte) [][]rawAttr {
	t.Helper()
	fd, err := unix.Socket(unix.AF_NETLINK, unix.SOCK_RAW|unix.SOCK_CLOEXEC, unix.NETLINK_GENERIC)
	if err != nil {
		if errors.Is(err, unix.EPROTONOSUPPORT) || errors.Is(err, unix.EAFNOSUPPORT) {
			t.Skipf("no NETLINK_GENERIC in this kernel: %v", err)
		}
		t.Fatalf("socket: %v", err)
	}
	defer unix.Close(fd)
	if err := unix.Bind(fd, &unix.SockaddrNetlink{Family: unix.AF_NETLINK}); err != nil {
		t.Fatalf("bind: %v", err)
	}
	tv := unix.NsecToTimeval(int64(10 * time.Second))
	if err := unix.SetsockoptTimeval(fd, unix.SOL_SOCKET, unix.SO_RCVTIMEO, &tv); err != nil {
		t.Fatalf("SO_RCVTIMEO: %v", err)
	}
	sa, err := unix.Getsockname(fd)
	if err != nil {
		t.Fatalf("getsockname: %v", err)
	}
	pid := sa.(*unix.SockaddrNetlink).Pid

	const seq = 0x5eed
	req := make([]byte, rawNlmsgHdrLen+rawGenlHdrLen, 64)
	req[rawNlmsgHdrLen] = cmd
	req[rawNlmsgHdrLen+1] = 2 // the controller's version
	req = append(req, attrs...)
	binary.NativeEndian.PutUint32(req[0:], uint32(len(req)))
	binary.NativeEndian.PutUint16(req[4:], rawGenlIDCtrl)
	binary.NativeEndian.PutUint16(req[6:], unix.NLM_F_REQUEST|unix.NLM_F_DUMP)
	binary.NativeEndian.PutUint32(req[8:], seq)
	binary.NativeEndian.PutUint32(req[12:], pid)
	if err := unix.Sendto(fd, req, 0, &unix.SockaddrNetlink{Family: unix.AF_NETLINK}); err != nil {
		t.Fatalf("sendto: %v", err)
	}

	var out [][]rawAttr
	buf := make([]byte, 1<<20) // far more than a dump datagram can hold
	for {
		n, _, err := unix.Recvfrom(fd, buf, 0)
		if err != nil {
			t.Fatalf("recvfrom: %v", err)
		}
		b := buf[:n]
		for len(b) > 0 {
			if len(b) < rawNlmsgHdrLen {
				t.Fatalf("%d trailing bytes in a datagram", len(b))
			}
			l := int(binary.NativeEndian.Uint32(b[0:]))
			typ := binary.NativeEndian.Uint16(b[4:])
			flags := binary.NativeEndian.Uint16(b[6:])
			if l < rawNlmsgHdrLen || l > len(b) {
				t.Fatalf("nlmsg_len %d with %d bytes left", l, len(b))
			}
			if s := binary.NativeEndian.Uint32(b[8:]); s != seq {
				t.Fatalf("reply with seq %#x, want %#x", s, seq)
			}
			payload := b[rawNlmsgHdrLen:l]
			b = b[min((l+3)&^3, len(b)):]
			switch typ {
			case unix.NLMSG_DONE:
				if len(payload) >= 4 {
					if code := int32(binary.NativeEndian.Uint32(payload)); code != 0 {
						t.Fatalf("dump ended with error %v", unix.Errno(-code))
					}
				}
				if flags&unix.NLM_F_DUMP_INTR != 0 {
					t.Fatalf("dump interrupted")
				}
				return out
			case unix.NLMSG_ERROR:
				code := int32(binary.NativeEndian.Uint32(payload))
				t.Fatalf("controller dump (cmd %d): %v", cmd, unix.Errno(-code))
			case rawGenlIDCtrl:
				if len(payload) < rawGenlHdrLen {
					t.Fatalf("reply of %d bytes", len(payload))
				}
				// Copied: buf is reused by the next receive.
				as, err := parseRawAttrs(bytes.Clone(payload[rawGenlHdrLen:]))
				if err != nil {
					t.Fatalf("reply attributes: %v", err)
				}
				out = append(out, as)
			default:
				t.Fatalf("unexpected message type %d", typ)
			}
		}
	}
}

// rawFamilies dumps every family with the raw decoder, as genl.Family
// values (used here only as a container to compare with).
func rawFamilies(t testing.TB) []genl.Family {
	t.Helper()
	var out []genl.Family
	for _, msg := range rawDump(t, rawCmdGetFamily, nil) {
		var f genl.Family
		for _, a := range msg {
			switch a.typ {
			case rawAttrFamilyID:
				f.ID = rawU16(t, a)
			case rawAttrFamilyName:
				f.Name = rawString(t, a)
			case rawAttrVersion:
				f.Version = rawU32(t, a)
			case rawAttrHdrSize:
				f.HeaderSize = rawU32(t, a)
			case rawAttrMaxAttr:
				f.MaxAttr = rawU32(t, a)
			case rawAttrOps:
				entries, err := parseRawAttrs(a.data)
				if err != nil {
					t.Fatalf("CTRL_ATTR_OPS: %v", err)
				}
				for _, e := range entries {
					as, err := parseRawAttrs(e.data)
					if err != nil {
						t.Fatalf("CTRL_ATTR_OPS entry: %v", err)
					}
					var op genl.Op
					for _, x := range as {
						switch x.typ {
						case rawAttrOpID:
							op.ID = rawU32(t, x)
						case rawAttrOpFlags:
							op.Flags = rawU32(t, x)
						}
					}
					f.Ops = append(f.Ops, op)
				}
			case rawAttrMcastGroups:
				entries, err := parseRawAttrs(a.data)
				if err != nil {
					t.Fatalf("CTRL_ATTR_MCAST_GROUPS: %v", err)
				}
				for _, e := range entries {
					as, err := parseRawAttrs(e.data)
					if err != nil {
						t.Fatalf("CTRL_ATTR_MCAST_GROUPS entry: %v", err)
					}
					var g genl.MulticastGroup
					for _, x := range as {
						switch x.typ {
						case rawAttrGrpName:
							g.Name = rawString(t, x)
						case rawAttrGrpID:
							g.ID = rawU32(t, x)
						}
					}
					f.Groups = append(f.Groups, g)
				}
			}
		}
		out = append(out, f)
	}
	return out
}

// familyListsEqual reports the difference between two family lists,
// compared by name (the dumps list them in the same order, but a module
// loaded between them must not make the diff unreadable).
func familyDiff(want, got []genl.Family) string {
	byName := func(fs []genl.Family) map[string]genl.Family {
		m := map[string]genl.Family{}
		for _, f := range fs {
			m[f.Name] = f
		}
		return m
	}
	// The raw decoder leaves slices nil where the kernel sent no entries;
	// genl's decoder may produce empty slices. Both mean "none".
	return cmp.Diff(byName(want), byName(got), cmpopts.EquateEmpty())
}

func TestKernelFamiliesMatchRawDecoder(t *testing.T) {
	c := dialGenl(t)
	ctx := ctxFor(t, 10*time.Second)

	// A module may register a family between the two dumps; try again
	// once before calling a difference a failure.
	var diff string
	var got []genl.Family
	for try := 0; try < 2; try++ {
		raw := rawFamilies(t)
		var err error
		got, err = c.Families(ctx)
		if err != nil {
			t.Fatalf("Families: %v", err)
		}
		if diff = familyDiff(raw, got); diff == "" {
			break
		}
	}
	if diff != "" {
		t.Fatalf("Families differs from the raw decoder (-raw +genl):\n%s", diff)
	}

	byName := map[string]genl.Family{}
	for _, f := range got {
		if _, dup := byName[f.Name]; dup {
			t.Errorf("family %q listed twice", f.Name)
		}
		byName[f.Name] = f
	}
	// Known facts: the controller's id is fixed; ethtool and netdev are
	// built in whenever networking is.
	nlctrl, ok := byName["nlctrl"]
	if !ok {
		t.Fatalf("no nlctrl in %d families", len(got))
	}
	if nlctrl.ID != genl.IDCtrl || nlctrl.Version < 1 || nlctrl.HeaderSize != 0 {
		t.Errorf("nlctrl = %+v, want id 0x10, a version, no header", nlctrl)
	}
	if !slices.ContainsFunc(nlctrl.Ops, func(o genl.Op) bool {
		return o.ID == genl.CtrlCmdGetFamily && o.Flags&(genl.CmdCapDo|genl.CmdCapDump) == genl.CmdCapDo|genl.CmdCapDump
	}) {
		t.Errorf("nlctrl ops %+v lack CTRL_CMD_GETFAMILY with do and dump", nlctrl.Ops)
	}
	if id, ok := nlctrl.Group("notify"); !ok || id != uint32(genl.IDCtrl) {
		t.Errorf("nlctrl group notify = %d, %v, want 16", id, ok)
	}
	for _, name := range []string{"ethtool", "netdev"} {
		f, ok := byName[name]
		if !ok {
			t.Errorf("no %s family (names: %v)", name, familyNames(got))
			continue
		}
		if f.ID < 0x10 || f.Version < 1 || len(f.Ops) == 0 {
			t.Errorf("%s = %+v: want an id above the controller's, a version and ops", name, f)
		}
	}
	if eth, ok := byName["ethtool"]; ok {
		if _, ok := eth.Group("monitor"); !ok {
			t.Errorf("ethtool has no monitor group: %+v", eth.Groups)
		}
	}
	t.Logf("%d families: %v", len(got), familyNames(got))
}

func familyNames(fs []genl.Family) []string {
	var out []string
	for _, f := range fs {
		out = append(out, f.Name)
	}
	return out
}

// TestKernelFamiliesMatchIproute2 compares Families with `genl ctrl list`
// (iproute2), when it is installed.
func TestKernelFamiliesMatchIproute2(t *testing.T) {
	bin, err := exec.LookPath("genl")
	if err != nil {
		t.Skip("iproute2's genl is not installed")
	}
	c := dialGenl(t)
	ctx := ctxFor(t, 10*time.Second)
	var diff string
	for try := 0; try < 2; try++ {
		out, err := exec.CommandContext(ctx, bin, "ctrl", "list").Output()
		if err != nil {
			t.Skipf("genl ctrl list: %v", err)
		}
		want := parseGenlCtrlList(t, string(out))
		got, err := c.Families(ctx)
		if err != nil {
			t.Fatalf("Families: %v", err)
		}
		fillUnprintedFlags(want, got)
		if diff = familyDiff(want, got); diff == "" {
			t.Logf("genl ctrl list agrees on %d families", len(got))
			return
		}
	}
	t.Fatalf("Families differs from `genl ctrl list` (-iproute2 +genl):\n%s", diff)
}

var (
	reName  = regexp.MustCompile(`^Name: (\S+)`)
	reHead  = regexp.MustCompile(`ID: 0x([0-9a-f]+)\s+Version: 0x([0-9a-f]+)\s+header size: (\d+)\s+max attribs: (\d+)`)
	reOp    = regexp.MustCompile(`^#\d+:\s+ID-0x([0-9a-f]+)`)
	reCaps  = regexp.MustCompile(`^Capabilities \(0x([0-9a-f]+)\)`)
	reGroup = regexp.MustCompile(`^#\d+:\s+ID-0x([0-9a-f]+)\s+name: (\S+)`)
)

// flagsNotPrinted marks an op whose flags `genl ctrl list` did not print
// (iproute2 prints no Capabilities line for some ops, such as
// tcp_metrics').
const flagsNotPrinted = ^uint32(0)

// fillUnprintedFlags copies genl's flags into the ops iproute2 printed no
// flags for, so that only what iproute2 printed is compared.
func fillUnprintedFlags(want, got []genl.Family) {
	for i := range want {
		for j := range want[i].Ops {
			op := &want[i].Ops[j]
			if op.Flags != flagsNotPrinted {
				continue
			}
			for _, g := range got {
				if g.Name != want[i].Name {
					continue
				}
				for _, gop := range g.Ops {
					if gop.ID == op.ID {
						op.Flags = gop.Flags
					}
				}
			}
		}
	}
}

// parseGenlCtrlList parses iproute2's `genl ctrl list` output.
func parseGenlCtrlList(t testing.TB, out string) []genl.Family {
	t.Helper()
	hex := func(s string) uint64 {
		v, err := strconv.ParseUint(s, 16, 32)
		if err != nil {
			t.Fatalf("genl ctrl list: %q: %v", s, err)
		}
		return v
	}
	dec := func(s string) uint32 {
		v, err := strconv.ParseUint(s, 10, 32)
		if err != nil {
			t.Fatalf("genl ctrl list: %q: %v", s, err)
		}
		return uint32(v)
	}
	var fams []genl.Family
	var cur *genl.Family
	inGroups := false
	sc := bufio.NewScanner(strings.NewReader(out))
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		switch {
		case reName.MatchString(line):
			fams = append(fams, genl.Family{Name: reName.FindStringSubmatch(line)[1]})
			cur, inGroups = &fams[len(fams)-1], false
		case cur == nil:
		case reHead.MatchString(line):
			m := reHead.FindStringSubmatch(line)
			cur.ID, cur.Version = uint16(hex(m[1])), uint32(hex(m[2]))
			cur.HeaderSize, cur.MaxAttr = dec(m[3]), dec(m[4])
		case strings.HasPrefix(line, "commands supported"):
			inGroups = false
		case strings.HasPrefix(line, "multicast groups"):
			inGroups = true
		case inGroups && reGroup.MatchString(line):
			m := reGroup.FindStringSubmatch(line)
			cur.Groups = append(cur.Groups, genl.MulticastGroup{Name: m[2], ID: uint32(hex(m[1]))})
		case !inGroups && reOp.MatchString(line):
			cur.Ops = append(cur.Ops, genl.Op{ID: uint32(hex(reOp.FindStringSubmatch(line)[1])), Flags: flagsNotPrinted})
		case reCaps.MatchString(line) && len(cur.Ops) > 0:
			cur.Ops[len(cur.Ops)-1].Flags = uint32(hex(reCaps.FindStringSubmatch(line)[1]))
		}
	}
	if len(fams) == 0 {
		t.Fatalf("genl ctrl list printed no families:\n%s", out)
	}
	return fams
}

func TestKernelFamilyByNameAndID(t *testing.T) {
	c := dialGenl(t)
	ctx := ctxFor(t, 10*time.Second)
	fams, err := c.Families(ctx)
	if err != nil {
		t.Fatalf("Families: %v", err)
	}
	for _, want := range fams {
		byName, err := c.Family(ctx, want.Name)
		if err != nil {
			t.Errorf("Family(%q): %v", want.Name, err)
			continue
		}
		if d := cmp.Diff(want, *byName, cmpopts.EquateEmpty()); d != "" {
			t.Errorf("Family(%q) differs from the list (-list +get):\n%s", want.Name, d)
		}
		byID, err := c.FamilyByID(ctx, want.ID)
		if err != nil {
			t.Errorf("FamilyByID(%#x): %v", want.ID, err)
			continue
		}
		if d := cmp.Diff(*byName, *byID, cmpopts.EquateEmpty()); d != "" {
			t.Errorf("FamilyByID(%#x) differs from Family(%q) (-name +id):\n%s", want.ID, want.Name, d)
		}
	}
	// The cache hands back the same value.
	a, _ := c.Family(ctx, "nlctrl")
	b, _ := c.Family(ctx, "nlctrl")
	if a != b {
		t.Errorf("Family(nlctrl) twice gave different pointers: the cache was not used")
	}
}

func TestKernelGroupID(t *testing.T) {
	c := dialGenl(t)
	ctx := ctxFor(t, 10*time.Second)
	raw := map[string]genl.Family{}
	for _, f := range rawFamilies(t) {
		raw[f.Name] = f
	}
	for _, tc := range []struct{ family, group string }{{"nlctrl", "notify"}, {"ethtool", "monitor"}} {
		f := raw[tc.family]
		want, ok := f.Group(tc.group)
		if !ok {
			t.Errorf("raw decoder: %s has no group %s", tc.family, tc.group)
			continue
		}
		got, err := c.GroupID(ctx, tc.family, tc.group)
		if err != nil || got != want {
			t.Errorf("GroupID(%s, %s) = %d, %v; the raw decoder says %d", tc.family, tc.group, got, err, want)
		}
	}
	if id, err := c.GroupID(ctx, "nlctrl", "notify"); err != nil || id != 0x10 {
		t.Errorf("GroupID(nlctrl, notify) = %d, %v, want GENL_ID_CTRL's group 0x10", id, err)
	}
	if _, err := c.GroupID(ctx, "nlctrl", "no-such-group"); err == nil {
		t.Errorf("GroupID(nlctrl, no-such-group) succeeded")
	}
	if _, err := c.GroupID(ctx, "nlstruct-bogus", "x"); !errors.Is(err, genl.ErrFamilyNotFound) {
		t.Errorf("GroupID(nlstruct-bogus, x) = %v, want ErrFamilyNotFound", err)
	}
}

func TestKernelFamilyNotFound(t *testing.T) {
	c := dialGenl(t)
	ctx := ctxFor(t, 10*time.Second)
	// 14 characters: a valid name (at most GENL_NAMSIZ-1) that no family has.
	const bogus = "nlstruct-bogus"
	_, err := c.Family(ctx, bogus)
	if !errors.Is(err, genl.ErrFamilyNotFound) || !errors.Is(err, unix.ENOENT) {
		t.Errorf("Family(%q) = %v, want ErrFamilyNotFound wrapping ENOENT", bogus, err)
	}
	if err != nil && !strings.Contains(err.Error(), bogus) {
		t.Errorf("Family(%q) error %q does not name the family", bogus, err)
	}
	if _, err := c.FamilyByID(ctx, 0xfff0); !errors.Is(err, genl.ErrFamilyNotFound) || !errors.Is(err, unix.ENOENT) {
		t.Errorf("FamilyByID(0xfff0) = %v, want ErrFamilyNotFound", err)
	}
	if _, err := c.Policy(ctx, bogus, nil); !errors.Is(err, genl.ErrFamilyNotFound) {
		t.Errorf("Policy(%q) = %v, want ErrFamilyNotFound", bogus, err)
	}
	if _, err := genl.Do[genl.Family](ctx, c, bogus, genl.Request{Command: 1}); !errors.Is(err, genl.ErrFamilyNotFound) {
		t.Errorf("Do on %q = %v, want ErrFamilyNotFound", bogus, err)
	}
}

// TestKernelFamilyNotFoundLongName: a name longer than any family name can
// be (GENL_NAMSIZ-1 = 15 bytes) is a family that does not exist too.
func TestKernelFamilyNotFoundLongName(t *testing.T) {
	c := dialGenl(t)
	ctx := ctxFor(t, 10*time.Second)
	const long = "no-such-family-with-a-long-name"
	_, err := c.Family(ctx, long)
	if errors.Is(err, genl.ErrFamilyNotFound) {
		return
	}
	if errors.Is(err, unix.EINVAL) {
		t.Skipf("BUG: Family(%q) = %v: familyRequest.Name has no maxlen=15 (GENL_NAMSIZ-1), so the kernel's "+
			"policy rejects the request with EINVAL instead of the name being reported as ErrFamilyNotFound", long, err)
	}
	t.Fatalf("Family(%q) = %v, want ErrFamilyNotFound", long, err)
}

// policyAttrs returns the attribute policies of a command or fails.
func policyAttrs(t testing.TB, p *genl.Policy, cmd uint32, dump bool) map[uint32]socket.AttrPolicy {
	t.Helper()
	attrs, ok := p.ForOp(cmd, dump)
	if !ok || len(attrs) == 0 {
		t.Fatalf("ForOp(%d, dump=%v) = %v, %v; ops %v", cmd, dump, attrs, ok, opKeys(p))
	}
	return attrs
}

func opKeys(p *genl.Policy) []uint32 {
	var ks []uint32
	for k := range p.Ops {
		ks = append(ks, k)
	}
	slices.Sort(ks)
	return ks
}

func TestKernelPolicyNlctrl(t *testing.T) {
	c := dialGenl(t)
	ctx := ctxFor(t, 10*time.Second)
	p, err := c.Policy(ctx, "nlctrl", nil)
	if err != nil {
		t.Fatalf("Policy(nlctrl): %v", err)
	}
	if p.FamilyID != genl.IDCtrl || len(p.Policies) == 0 || len(p.Ops) == 0 {
		t.Fatalf("Policy(nlctrl) = %+v: want the controller's id, policies and ops", p)
	}
	for _, dump := range []bool{false, true} {
		attrs := policyAttrs(t, p, genl.CtrlCmdGetFamily, dump)
		name, ok := attrs[rawAttrFamilyName]
		if !ok {
			t.Fatalf("GETFAMILY (dump=%v) policy has no CTRL_ATTR_FAMILY_NAME: %v", dump, attrs)
		}
		if name.Type != socket.PolicyString && name.Type != socket.PolicyNulString {
			t.Errorf("CTRL_ATTR_FAMILY_NAME kind = %d, want a string", name.Type)
		}
		// GENL_NAMSIZ is 16, NUL included.
		if name.MaxLength == nil || *name.MaxLength != 15 {
			t.Errorf("CTRL_ATTR_FAMILY_NAME max length = %v, want 15", name.MaxLength)
		}
		if id := attrs[rawAttrFamilyID]; id.Type != socket.PolicyU16 {
			t.Errorf("CTRL_ATTR_FAMILY_ID kind = %d, want u16 (%d)", id.Type, socket.PolicyU16)
		}
	}
	// One operation's policy, asked for alone, agrees with the full dump.
	op := uint32(genl.CtrlCmdGetFamily)
	one, err := c.Policy(ctx, "nlctrl", &op)
	if err != nil {
		t.Fatalf("Policy(nlctrl, GETFAMILY): %v", err)
	}
	if d := cmp.Diff(policyAttrs(t, p, op, false), policyAttrs(t, one, op, false)); d != "" {
		t.Errorf("GETFAMILY policy alone differs from the full dump:\n%s", d)
	}
}

// TestKernelPolicyDumpOnlyOp: nlctrl's CTRL_CMD_GETPOLICY is dump-only. The
// kernel (ctrl_dumppolicy_put_op nests under doit->cmd, which is 0 for a
// dump-only command) reports its policy indexes under op 0, so ForOp must
// cope for dump-only commands to be usable.
func TestKernelPolicyDumpOnlyOp(t *testing.T) {
	c := dialGenl(t)
	ctx := ctxFor(t, 10*time.Second)
	op := uint32(genl.CtrlCmdGetPolicy)
	p, err := c.Policy(ctx, "nlctrl", &op)
	if err != nil {
		t.Fatalf("Policy(nlctrl, GETPOLICY): %v", err)
	}
	if _, ok := p.ForOp(op, true); !ok {
		if o, zero := p.Ops[0]; zero && o.Dump != nil {
			t.Skipf("BUG: Policy(nlctrl, &10).ForOp(10, dump) fails: the kernel reports the dump-only op's "+
				"policy under op 0 (Ops = %v) and genl does not map it back to the op it asked for", opKeys(p))
		}
		t.Fatalf("ForOp(GETPOLICY, dump) failed; ops %v", opKeys(p))
	}
}

func TestKernelPolicyEthtool(t *testing.T) {
	c := dialGenl(t)
	ctx := ctxFor(t, 10*time.Second)
	if _, err := c.Family(ctx, "ethtool"); errors.Is(err, genl.ErrFamilyNotFound) {
		t.Skip("no ethtool family in this kernel")
	}
	p, err := c.Policy(ctx, "ethtool", nil)
	if err != nil {
		t.Fatalf("Policy(ethtool): %v", err)
	}
	if len(p.Policies) < 2 || len(p.Ops) == 0 {
		t.Fatalf("Policy(ethtool): %d policies, %d ops", len(p.Policies), len(p.Ops))
	}
	const linkInfoGet = 2 // ETHTOOL_MSG_LINKINFO_GET
	for _, dump := range []bool{false, true} {
		attrs := policyAttrs(t, p, linkInfoGet, dump)
		hdr := attrs[1] // ETHTOOL_A_LINKINFO_HEADER
		if hdr.Type != socket.PolicyNested || hdr.PolicyIndex == nil {
			t.Fatalf("LINKINFO_GET header policy = %+v, want a nest with a policy index", hdr)
		}
		sub, ok := p.Policies[*hdr.PolicyIndex]
		if !ok {
			t.Fatalf("header policy index %d is not in the dump", *hdr.PolicyIndex)
		}
		if sub[1].Type != socket.PolicyU32 { // ETHTOOL_A_HEADER_DEV_INDEX
			t.Errorf("ETHTOOL_A_HEADER_DEV_INDEX kind = %d, want u32", sub[1].Type)
		}
		if name := sub[2]; name.Type != socket.PolicyNulString || name.MaxLength == nil || *name.MaxLength != 127 {
			t.Errorf("ETHTOOL_A_HEADER_DEV_NAME = %+v, want a NUL string of at most ALTIFNAMSIZ-1 = 127", name)
		}
		if hdr.PolicyMaxType == nil || int(*hdr.PolicyMaxType) < 3 {
			t.Errorf("header max type = %v, want at least ETHTOOL_A_HEADER_FLAGS (3)", hdr.PolicyMaxType)
		}
	}
}

// rawPolicy is a policy dump as the raw decoder sees it: per policy index
// and attribute, the NL_POLICY_TYPE_ATTR_* payloads; per op, the
// CTRL_ATTR_POLICY_DO/DUMP indexes.
type rawPolicy struct {
	ID       uint16
	Policies map[uint32]map[uint32]map[uint16][]byte
	Ops      map[uint32]map[uint16]uint32
}

func rawPolicyDump(t testing.TB, family string) rawPolicy {
	t.Helper()
	rp := rawPolicy{Policies: map[uint32]map[uint32]map[uint16][]byte{}, Ops: map[uint32]map[uint16]uint32{}}
	req := rawAppendAttr(nil, rawAttrFamilyName, append([]byte(family), 0))
	for _, msg := range rawDump(t, rawCmdGetPolicy, req) {
		for _, a := range msg {
			switch a.typ {
			case rawAttrFamilyID:
				rp.ID = rawU16(t, a)
			case rawAttrPolicy:
				idxs, err := parseRawAttrs(a.data)
				if err != nil {
					t.Fatalf("CTRL_ATTR_POLICY: %v", err)
				}
				for _, idx := range idxs {
					attrs, err := parseRawAttrs(idx.data)
					if err != nil {
						t.Fatalf("policy %d: %v", idx.typ, err)
					}
					if rp.Policies[uint32(idx.typ)] == nil {
						rp.Policies[uint32(idx.typ)] = map[uint32]map[uint16][]byte{}
					}
					for _, at := range attrs {
						props, err := parseRawAttrs(at.data)
						if err != nil {
							t.Fatalf("policy %d attr %d: %v", idx.typ, at.typ, err)
						}
						m := map[uint16][]byte{}
						for _, pr := range props {
							m[pr.typ] = pr.data
						}
						rp.Policies[uint32(idx.typ)][uint32(at.typ)] = m
					}
				}
			case rawAttrOpPolicy:
				ops, err := parseRawAttrs(a.data)
				if err != nil {
					t.Fatalf("CTRL_ATTR_OP_POLICY: %v", err)
				}
				for _, op := range ops {
					as, err := parseRawAttrs(op.data)
					if err != nil {
						t.Fatalf("op %d: %v", op.typ, err)
					}
					m := map[uint16]uint32{}
					for _, x := range as {
						m[x.typ] = rawU32(t, x)
					}
					rp.Ops[uint32(op.typ)] = m
				}
			}
		}
	}
	return rp
}

// asRaw turns genl's decoded policy into the raw decoder's shape, encoding
// each property by hand as the kernel does (u64 for values and masks, u32
// for lengths and indexes).
func asRaw(p *genl.Policy) rawPolicy {
	rp := rawPolicy{ID: p.FamilyID, Policies: map[uint32]map[uint32]map[uint16][]byte{}, Ops: map[uint32]map[uint16]uint32{}}
	u32 := func(v uint32) []byte { return binary.NativeEndian.AppendUint32(nil, v) }
	u64 := func(v uint64) []byte { return binary.NativeEndian.AppendUint64(nil, v) }
	for idx, attrs := range p.Policies {
		rp.Policies[idx] = map[uint32]map[uint16][]byte{}
		for typ, a := range attrs {
			m := map[uint16][]byte{rawPolicyTypeAttrNL: u32(a.Type)}
			if a.MinValueSigned != nil {
				m[2] = u64(uint64(*a.MinValueSigned))
			}
			if a.MaxValueSigned != nil {
				m[3] = u64(uint64(*a.MaxValueSigned))
			}
			if a.MinValue != nil {
				m[4] = u64(*a.MinValue)
			}
			if a.MaxValue != nil {
				m[5] = u64(*a.MaxValue)
			}
			if a.MinLength != nil {
				m[6] = u32(*a.MinLength)
			}
			if a.MaxLength != nil {
				m[7] = u32(*a.MaxLength)
			}
			if a.PolicyIndex != nil {
				m[8] = u32(*a.PolicyIndex)
			}
			if a.PolicyMaxType != nil {
				m[9] = u32(*a.PolicyMaxType)
			}
			if a.Bitfield32Mask != nil {
				m[10] = u32(*a.Bitfield32Mask)
			}
			if a.Mask != nil {
				m[12] = u64(*a.Mask)
			}
			rp.Policies[idx][typ] = m
		}
	}
	for cmd, o := range p.Ops {
		m := map[uint16]uint32{}
		if o.Do != nil {
			m[rawAttrPolicyDo] = *o.Do
		}
		if o.Dump != nil {
			m[rawAttrPolicyDump] = *o.Dump
		}
		rp.Ops[cmd] = m
	}
	return rp
}

// TestKernelPolicyMatchesRawDecoder compares every policy property genl
// decodes with the raw decoder, for nlctrl, ethtool and netdev.
func TestKernelPolicyMatchesRawDecoder(t *testing.T) {
	c := dialGenl(t)
	ctx := ctxFor(t, 20*time.Second)
	for _, fam := range []string{"nlctrl", "ethtool", "netdev"} {
		t.Run(fam, func(t *testing.T) {
			if _, err := c.Family(ctx, fam); errors.Is(err, genl.ErrFamilyNotFound) {
				t.Skipf("no %s family", fam)
			}
			p, err := c.Policy(ctx, fam, nil)
			if err != nil {
				t.Fatalf("Policy: %v", err)
			}
			raw := rawPolicyDump(t, fam)
			if d := cmp.Diff(raw, asRaw(p), cmp.AllowUnexported(rawPolicy{}), cmpopts.EquateEmpty()); d != "" {
				t.Errorf("Policy(%s) differs from the raw decoder (-raw +genl):\n%s", fam, d)
			}
			n := 0
			for _, attrs := range p.Policies {
				n += len(attrs)
			}
			t.Logf("%s: %d policies, %d attribute policies, %d ops", fam, len(p.Policies), n, len(p.Ops))
		})
	}
}
