package genl

// CheckPolicy against the running kernel's policies: the controller's own
// request type, and deliberately wrong request types for ethtool whose
// mistakes must be reported with the exact Go field path. This is an
// internal test so that it can check the unexported familyRequest.

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/nlstruct/nlstruct/socket"
)

func dialKernel(t testing.TB) *Conn {
	t.Helper()
	c, err := Dial(nil)
	if err != nil {
		if errors.Is(err, unix.EPROTONOSUPPORT) || errors.Is(err, unix.EAFNOSUPPORT) {
			t.Skipf("no NETLINK_GENERIC in this kernel: %v", err)
		}
		t.Fatalf("Dial: %v", err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

func kernelCtx(t testing.TB) context.Context {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// needPolicy skips the test when the kernel has no family or no policy
// dumps (before 5.10).
func needPolicy(t testing.TB, c *Conn, family string) {
	t.Helper()
	ctx := kernelCtx(t)
	if _, err := c.Family(ctx, family); errors.Is(err, ErrFamilyNotFound) {
		t.Skipf("no %s family in this kernel", family)
	}
	if _, err := c.Policy(ctx, "nlctrl", nil); err != nil {
		t.Skipf("no policy dumps (CTRL_CMD_GETPOLICY, Linux 5.10): %v", err)
	}
}

func check(t testing.TB, c *Conn, family string, cmd uint8, dump bool, typ reflect.Type) []Mismatch {
	t.Helper()
	ms, err := c.CheckPolicy(kernelCtx(t), family, cmd, dump, typ)
	if err != nil {
		t.Fatalf("CheckPolicy(%s, %d, dump=%v, %v): %v", family, cmd, dump, typ, err)
	}
	return ms
}

func mismatchText(ms []Mismatch) string {
	var sb strings.Builder
	for _, m := range ms {
		fmt.Fprintf(&sb, "\n\t%s (attr %d, undeclared=%v)", m, m.Attr, m.Undeclared)
	}
	return sb.String()
}

// The controller's request, declared as the kernel's policy says it should
// be: CTRL_ATTR_FAMILY_NAME is a NUL-terminated string of at most
// GENL_NAMSIZ-1 = 15 bytes.
type ctrlGetFamily struct {
	ID   uint16 `nl:"type=1,omitempty"`
	Name string `nl:"type=2,omitempty,maxlen=15"`
}

type ctrlGetPolicy struct {
	ID   uint16  `nl:"type=1,omitempty"`
	Name string  `nl:"type=2,omitempty,maxlen=15"`
	Op   *uint32 `nl:"type=10"`
}

func TestCheckPolicyControllerRequest(t *testing.T) {
	c := dialKernel(t)
	needPolicy(t, c, "nlctrl")
	for _, dump := range []bool{false, true} {
		ms := check(t, c, "nlctrl", CtrlCmdGetFamily, dump, reflect.TypeFor[ctrlGetFamily]())
		// Nothing at all: no disagreement and nothing undeclared (the
		// GETFAMILY policy has exactly these two attributes).
		if len(ms) != 0 {
			t.Errorf("CheckPolicy(ctrlGetFamily, GETFAMILY, dump=%v):%s", dump, mismatchText(ms))
		}
	}
}

// TestCheckPolicyFamilyRequest checks genl's own familyRequest, the body it
// sends with CTRL_CMD_GETFAMILY.
func TestCheckPolicyFamilyRequest(t *testing.T) {
	c := dialKernel(t)
	needPolicy(t, c, "nlctrl")
	for _, dump := range []bool{false, true} {
		ms := Disagreements(check(t, c, "nlctrl", CtrlCmdGetFamily, dump, reflect.TypeFor[familyRequest]()))
		if len(ms) == 0 {
			continue
		}
		// Known: Name has no maxlen=15, so the kernel rejects long
		// names with EINVAL (see TestKernelFamilyNotFoundLongName); Op
		// (CTRL_ATTR_OP) is shared with CTRL_CMD_GETPOLICY and is not
		// in GETFAMILY's policy (it is never set for GETFAMILY, but the
		// shared type cannot say so).
		known := func(m Mismatch) bool {
			return (m.Field == "familyRequest.Name" && strings.Contains(m.Problem, "at most 15 bytes")) ||
				(m.Field == "familyRequest.Op" && m.Attr == 10)
		}
		if !slices.ContainsFunc(ms, func(m Mismatch) bool { return !known(m) }) {
			t.Skipf("BUG: familyRequest disagrees with the kernel's CTRL_CMD_GETFAMILY policy (dump=%v):%s", dump, mismatchText(ms))
		}
		t.Errorf("CheckPolicy(familyRequest, GETFAMILY, dump=%v):%s", dump, mismatchText(ms))
	}
}

// TestCheckPolicyDumpOnlyCommand: CTRL_CMD_GETPOLICY is dump-only; the
// kernel files its policy under op 0 (ctrl_dumppolicy_put_op nests under
// doit->cmd, zero for a dump-only command), so CheckPolicy cannot find it.
func TestCheckPolicyDumpOnlyCommand(t *testing.T) {
	c := dialKernel(t)
	needPolicy(t, c, "nlctrl")
	ms := check(t, c, "nlctrl", CtrlCmdGetPolicy, true, reflect.TypeFor[ctrlGetPolicy]())
	if len(ms) == 1 && strings.Contains(ms[0].Problem, "has no dump policy for command 10") {
		t.Skipf("BUG: CheckPolicy of a dump-only command always fails:%s\n"+
			"Policy(ctx, \"nlctrl\", &10) returns Ops = {0: {Dump: 1}} and ForOp(10, true) looks up key 10", mismatchText(ms))
	}
	if len(ms) != 0 {
		t.Errorf("CheckPolicy(ctrlGetPolicy, GETPOLICY, dump):%s", mismatchText(ms))
	}
}

// ethtool's request header (ETHTOOL_A_HEADER_*), declared correctly: the
// kernel accepts only the flag bits ETHTOOL_FLAG_COMPACT_BITSETS and
// ETHTOOL_FLAG_OMIT_REPLY (mask 0x3) in these commands' header.
type ethHeader struct {
	DevIndex uint32 `nl:"type=1,omitempty"`
	DevName  string `nl:"type=2,omitempty,maxlen=127"`
	Flags    uint32 `nl:"type=3,omitempty,max=3"`
}

// ethtool commands and attributes used below.
const (
	ethStrsetGet    = 1  // ETHTOOL_MSG_STRSET_GET
	ethLinkInfoGet  = 2  // ETHTOOL_MSG_LINKINFO_GET
	ethLinkModesSet = 5  // ETHTOOL_MSG_LINKMODES_SET
	ethWolSet       = 10 // ETHTOOL_MSG_WOL_SET
)

type linkInfoGet struct {
	Header *ethHeader `nl:"type=1,nested"`
}

// A u16 where the kernel wants a u32.
type hdrDevIndexU16 struct {
	DevIndex uint16 `nl:"type=1,omitempty"`
	DevName  string `nl:"type=2,omitempty,maxlen=127"`
	Flags    uint32 `nl:"type=3,omitempty,max=3"`
}

type linkInfoGetU16 struct {
	Header hdrDevIndexU16 `nl:"type=1,nested"`
}

// A flat attribute where the kernel wants a nest.
type linkInfoGetFlat struct {
	Header []byte `nl:"type=1"`
}

// Binary data where the kernel wants a string.
type hdrNameBytes struct {
	DevIndex uint32 `nl:"type=1,omitempty"`
	DevName  []byte `nl:"type=2,maxlen=127"`
	Flags    uint32 `nl:"type=3,omitempty,max=3"`
}

type linkInfoGetNameBytes struct {
	Header *hdrNameBytes `nl:"type=1,nested"`
}

// A string where the kernel wants binary data (ETHTOOL_A_WOL_SOPASS).
type wolSetString struct {
	Header *ethHeader `nl:"type=1,nested"`
	SoPass string     `nl:"type=3,maxlen=6"`
}

type wolSet struct {
	Header *ethHeader `nl:"type=1,nested"`
	SoPass []byte     `nl:"type=3,maxlen=6"`
}

// A tag max= above the kernel's maximum (ETHTOOL_A_LINKMODES_LANES is
// 1..8), and a tag without the kernel's minimum.
type linkModesSetLanes struct {
	Header *ethHeader `nl:"type=1,nested"`
	Lanes  uint32     `nl:"type=9,min=1,max=16"`
}

type linkModesSetLanesNoMin struct {
	Header *ethHeader `nl:"type=1,nested"`
	Lanes  uint32     `nl:"type=9,max=8"`
}

// A maxlen= above the kernel's maximum length.
type hdrLongName struct {
	DevIndex uint32 `nl:"type=1,omitempty"`
	DevName  string `nl:"type=2,omitempty,maxlen=200"`
	Flags    uint32 `nl:"type=3,omitempty,max=3"`
}

type linkInfoGetLongName struct {
	Header *hdrLongName `nl:"type=1,nested"`
}

// Attributes the kernel does not have: one in the nest, one at the top.
type hdrBogus struct {
	DevIndex uint32 `nl:"type=1,omitempty"`
	DevName  string `nl:"type=2,omitempty,maxlen=127"`
	Flags    uint32 `nl:"type=3,omitempty,max=3"`
	Bogus    uint32 `nl:"type=60"`
}

type linkInfoGetBogus struct {
	Header *hdrBogus `nl:"type=1,nested"`
	Extra  uint64    `nl:"type=70"`
}

// Flags without max=: values with bits outside the kernel's mask.
type hdrFlagsNoMax struct {
	DevIndex uint32 `nl:"type=1,omitempty"`
	DevName  string `nl:"type=2,omitempty,maxlen=127"`
	Flags    uint32 `nl:"type=3,omitempty"`
}

type linkInfoGetFlagsNoMax struct {
	Header *hdrFlagsNoMax `nl:"type=1,nested"`
}

// A u8 where the kernel wants a flag (ETHTOOL_A_STRSET_COUNTS_ONLY).
type strsetGetCountsU8 struct {
	Header     *ethHeader `nl:"type=1,nested"`
	CountsOnly bool       `nl:"type=3"`
}

// Only the device index: the rest of the header is undeclared.
type hdrIndexOnly struct {
	DevIndex uint32 `nl:"type=1"`
}

type linkInfoGetIndexOnly struct {
	Header *hdrIndexOnly `nl:"type=1,nested"`
}

// want is one expected disagreement: the field path, the attribute, and
// words the problem must mention.
type want struct {
	field string
	attr  uint16
	words []string
}

func TestCheckPolicyFlagsWrongTypes(t *testing.T) {
	c := dialKernel(t)
	needPolicy(t, c, "ethtool")

	// The facts the cases rely on, from the kernel's own policy.
	ctx := kernelCtx(t)
	op := uint32(ethLinkModesSet)
	lm, err := c.Policy(ctx, "ethtool", &op)
	if err != nil {
		t.Fatalf("Policy(ethtool, LINKMODES_SET): %v", err)
	}
	if attrs, ok := lm.ForOp(op, false); !ok || attrs[9].MaxValue == nil || *attrs[9].MaxValue != 8 || attrs[9].MinValue == nil || *attrs[9].MinValue != 1 {
		t.Skipf("this kernel's ETHTOOL_A_LINKMODES_LANES policy is not u32 1..8: %+v", attrs[9])
	}

	for _, tc := range []struct {
		name string
		cmd  uint8
		typ  reflect.Type
		want []want // the Disagreements, in order
	}{
		{"correct header", ethLinkInfoGet, reflect.TypeFor[linkInfoGet](), nil},
		{"correct wol", ethWolSet, reflect.TypeFor[wolSet](), nil},
		{"u16 for u32", ethLinkInfoGet, reflect.TypeFor[linkInfoGetU16](), []want{
			{"linkInfoGetU16.Header.DevIndex", 1, []string{"wants u32", "is u16"}},
		}},
		{"missing nested", ethLinkInfoGet, reflect.TypeFor[linkInfoGetFlat](), []want{
			{"linkInfoGetFlat.Header", 1, []string{"wants nested", "is binary"}},
		}},
		{"binary for string", ethLinkInfoGet, reflect.TypeFor[linkInfoGetNameBytes](), []want{
			{"linkInfoGetNameBytes.Header.DevName", 2, []string{"wants NUL-terminated string", "is binary"}},
		}},
		{"string for binary", ethWolSet, reflect.TypeFor[wolSetString](), []want{
			{"wolSetString.SoPass", 3, []string{"wants binary", "is string"}},
		}},
		{"max above the kernel's", ethLinkModesSet, reflect.TypeFor[linkModesSetLanes](), []want{
			{"linkModesSetLanes.Lanes", 9, []string{"up to 16", "above 8", "max=8"}},
		}},
		{"min below the kernel's", ethLinkModesSet, reflect.TypeFor[linkModesSetLanesNoMin](), []want{
			{"linkModesSetLanesNoMin.Lanes", 9, []string{"down to 0", "below 1", "min=1"}},
		}},
		{"maxlen above the kernel's", ethLinkInfoGet, reflect.TypeFor[linkInfoGetLongName](), []want{
			{"linkInfoGetLongName.Header.DevName", 2, []string{"200 bytes", "at most 127", "maxlen=127"}},
		}},
		{"attributes the kernel does not have", ethLinkInfoGet, reflect.TypeFor[linkInfoGetBogus](), []want{
			{"linkInfoGetBogus.Header.Bogus", 60, []string{"no attribute 60"}},
			{"linkInfoGetBogus.Extra", 70, []string{"no attribute 70"}},
		}},
		{"bits outside the kernel's mask", ethLinkInfoGet, reflect.TypeFor[linkInfoGetFlagsNoMax](), []want{
			{"linkInfoGetFlagsNoMax.Header.Flags", 3, []string{"up to 4294967295", "only the bits 0x3", "max=3"}},
		}},
		{"u8 for flag", ethStrsetGet, reflect.TypeFor[strsetGetCountsU8](), []want{
			{"strsetGetCountsU8.CountsOnly", 3, []string{"wants flag", "is u8"}},
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ms := check(t, c, "ethtool", tc.cmd, false, tc.typ)
			t.Logf("%d mismatches:%s", len(ms), mismatchText(ms))
			got := Disagreements(ms)
			if len(got) != len(tc.want) {
				t.Fatalf("%d disagreements, want %d:%s", len(got), len(tc.want), mismatchText(ms))
			}
			for i, w := range tc.want {
				m := got[i]
				if m.Field != w.field || m.Attr != w.attr || m.Undeclared {
					t.Errorf("disagreement %d = %q (attr %d, undeclared=%v), want field %q attr %d", i, m.Field, m.Attr, m.Undeclared, w.field, w.attr)
				}
				for _, word := range w.words {
					if !strings.Contains(m.Problem, word) {
						t.Errorf("%s: problem %q does not mention %q", m.Field, m.Problem, word)
					}
				}
				if m.String() != m.Field+": "+m.Problem {
					t.Errorf("String() = %q", m.String())
				}
			}
		})
	}
}

func TestCheckPolicyUndeclared(t *testing.T) {
	c := dialKernel(t)
	needPolicy(t, c, "ethtool")
	ctx := kernelCtx(t)

	// The header attributes the kernel accepts for LINKINFO_GET, from its
	// own policy: every one but DEV_INDEX must be reported undeclared.
	op := uint32(ethLinkInfoGet)
	p, err := c.Policy(ctx, "ethtool", &op)
	if err != nil {
		t.Fatalf("Policy: %v", err)
	}
	top, ok := p.ForOp(op, false)
	if !ok || top[1].PolicyIndex == nil {
		t.Fatalf("LINKINFO_GET policy has no header nest: %+v", top)
	}
	var wantFields []string
	wantKinds := map[string]string{}
	for typ, ap := range p.Policies[*top[1].PolicyIndex] {
		if typ == 1 || ap.Type == socket.PolicyInvalid {
			continue
		}
		f := fmt.Sprintf("linkInfoGetIndexOnly.Header.(attr %d)", typ)
		wantFields = append(wantFields, f)
		wantKinds[f] = policyKind(ap.Type)
	}
	slices.Sort(wantFields)
	if !slices.Contains(wantFields, "linkInfoGetIndexOnly.Header.(attr 2)") || !slices.Contains(wantFields, "linkInfoGetIndexOnly.Header.(attr 3)") {
		t.Fatalf("the kernel's header policy lacks DEV_NAME or FLAGS: %v", wantFields)
	}

	ms := check(t, c, "ethtool", ethLinkInfoGet, false, reflect.TypeFor[linkInfoGetIndexOnly]())
	if d := Disagreements(ms); len(d) != 0 {
		t.Errorf("disagreements for a correct subset:%s", mismatchText(d))
	}
	var gotFields []string
	for _, m := range ms {
		if !m.Undeclared {
			continue
		}
		gotFields = append(gotFields, m.Field)
		if !strings.Contains(m.Problem, wantKinds[m.Field]) || !strings.Contains(m.Problem, "hdrIndexOnly does not declare it") {
			t.Errorf("%s: problem %q does not name the kind %q and the type", m.Field, m.Problem, wantKinds[m.Field])
		}
		if want := fmt.Sprintf("(attr %d)", m.Attr); !strings.HasSuffix(m.Field, want) {
			t.Errorf("%s: Attr %d does not match the path", m.Field, m.Attr)
		}
	}
	if !slices.Equal(gotFields, wantFields) {
		t.Errorf("undeclared fields = %v, want %v (sorted by type)", gotFields, wantFields)
	}
	if got := ms[0]; got.Field != "linkInfoGetIndexOnly.Header.(attr 2)" || !strings.Contains(got.Problem, "NUL-terminated string") {
		t.Errorf("first undeclared = %s, want DEV_NAME's (attr 2), a NUL-terminated string", got)
	}

	// Top level too: WOL_SET's MODES and SOPASS, when only the header is
	// declared.
	type wolHeaderOnly struct {
		Header *ethHeader `nl:"type=1,nested"`
	}
	ms = check(t, c, "ethtool", ethWolSet, false, reflect.TypeFor[wolHeaderOnly]())
	var top2 []string
	for _, m := range ms {
		if m.Undeclared && !strings.Contains(m.Field, ".Header.") {
			top2 = append(top2, m.Field+" "+m.Problem)
		}
	}
	if len(top2) != 2 || !strings.HasPrefix(top2[0], "wolHeaderOnly.(attr 2) ") || !strings.Contains(top2[0], "nested") ||
		!strings.HasPrefix(top2[1], "wolHeaderOnly.(attr 3) ") || !strings.Contains(top2[1], "binary") {
		t.Errorf("top-level undeclared = %q, want (attr 2) nested and (attr 3) binary", top2)
	}
}

// TestCheckPolicyUnknownCommand: a command the family does not have must be
// reported as such, not as the family being gone.
func TestCheckPolicyUnknownCommand(t *testing.T) {
	c := dialKernel(t)
	needPolicy(t, c, "ethtool")
	ms, err := c.CheckPolicy(kernelCtx(t), "ethtool", 200, false, reflect.TypeFor[linkInfoGet]())
	if errors.Is(err, ErrFamilyNotFound) {
		t.Skipf("BUG: CheckPolicy(ethtool, cmd 200) = %v: the kernel answers a policy dump for an unknown op "+
			"with ENOENT and Conn.Policy reports every ENOENT as ErrFamilyNotFound, although ethtool exists", err)
	}
	if err != nil {
		t.Fatalf("CheckPolicy(ethtool, 200): %v", err)
	}
	if len(ms) != 1 || !strings.Contains(ms[0].Problem, "no do policy for command 200") {
		t.Errorf("CheckPolicy(ethtool, 200):%s", mismatchText(ms))
	}
}

func TestCheckPolicyErrors(t *testing.T) {
	c := dialKernel(t)
	needPolicy(t, c, "nlctrl")
	ctx := kernelCtx(t)
	if _, err := c.CheckPolicy(ctx, "nlstruct-bogus", 1, false, reflect.TypeFor[linkInfoGet]()); !errors.Is(err, ErrFamilyNotFound) {
		t.Errorf("CheckPolicy on a missing family = %v, want ErrFamilyNotFound", err)
	}
	type badTag struct {
		X uint32 `nl:"type=1,max=nope"`
	}
	if _, err := c.CheckPolicy(ctx, "nlctrl", CtrlCmdGetFamily, false, reflect.TypeFor[badTag]()); err == nil {
		t.Errorf("CheckPolicy with a bad tag succeeded")
	}
}
