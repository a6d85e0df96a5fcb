package ipvs

// The request types against the kernel's policies: in the VM, against
// the policies the kernel dumps (genl.CheckPolicy); on the host, the
// nested attribute sets, whose policies the kernel does not dump, against
// the policies of net/netfilter/ipvs/ip_vs_ctl.c.

import (
	"context"
	"reflect"
	"testing"
	"time"

	"github.com/nlstruct/nlstruct/families/genl"
	"github.com/nlstruct/nlstruct/internal/vmtest"
	"github.com/nlstruct/nlstruct/marshal"
)

// TestVMPolicies checks that the request type of every IPVS operation has
// no disagreement with the kernel's policy for it, for do and for dump.
func TestVMPolicies(t *testing.T) {
	if !vmtest.InVM() {
		t.Skip("needs the kernel's IPVS: runs inside the VM that TestIPVSInVM boots")
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	c, err := genl.Dial(nil)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	f, err := c.Family(ctx, Family)
	if err != nil {
		t.Fatal(err)
	}
	checked := 0
	for _, op := range f.Ops {
		if _, ok := cmdNames[uint8(op.ID)]; !ok {
			t.Errorf("the kernel has IPVS command %d, which the package does not know", op.ID)
		}
		for _, mode := range []struct {
			dump bool
			cap  uint32
		}{{false, genl.CmdCapDo}, {true, genl.CmdCapDump}} {
			if op.Flags&mode.cap == 0 {
				continue
			}
			// An operation flagged GENL_DONT_VALIDATE_DUMP (IPVS's
			// GET_SERVICE) has no dump policy: the kernel validates
			// nothing there, so nothing can disagree. (CheckPolicy
			// reports that as a disagreement.)
			id := op.ID
			pol, err := c.Policy(ctx, Family, &id)
			if err != nil {
				t.Fatal(err)
			}
			if _, ok := pol.ForOp(id, mode.dump); !ok {
				t.Logf("command %d (%s): the kernel validates no attributes for %s", id, cmdNames[uint8(id)], map[bool]string{false: "do", true: "dump"}[mode.dump])
				continue
			}
			ms, err := c.CheckPolicy(ctx, Family, uint8(op.ID), mode.dump, reflect.TypeFor[request]())
			if err != nil {
				t.Fatalf("command %d (dump %v): %v", op.ID, mode.dump, err)
			}
			if d := genl.Disagreements(ms); len(d) != 0 {
				t.Errorf("request, command %d (%s, dump %v), disagrees with the kernel's policy: %v", op.ID, cmdNames[uint8(op.ID)], mode.dump, d)
			}
			for _, m := range ms {
				t.Logf("command %d (dump %v): %s", op.ID, mode.dump, m)
			}
			checked++
		}
	}
	// 6.1: the do of 14 commands (not SET_INFO, a reply; GET_DEST and
	// GET_DAEMON only dump) and the dumps of GET_DEST and GET_DAEMON.
	if checked < 16 {
		t.Errorf("checked %d policies; the family's ops: %+v", checked, f.Ops)
	}
	t.Logf("checked %d do and dump policies", checked)
}

// kernelPolicy is one attribute of a nested policy of ip_vs_ctl.c.
type kernelPolicy struct {
	kind   marshal.Kind
	maxLen int // NLA_NUL_STRING: bytes without the NUL; NLA_BINARY: bytes
	minLen int // NLA_UNSPEC with .len: the least
}

// The nested policies of ip_vs_ctl.c (Linux 5.8 and later, as in 6.1),
// which the kernel does not link to its dumped top-level policy
// (IPVS_CMD_ATTR_SERVICE, _DEST and _DAEMON are plain NLA_NESTED), so
// CheckPolicy cannot see them.
var (
	svcPolicy = map[uint16]kernelPolicy{
		1:  {kind: marshal.KindU16},                // AF
		2:  {kind: marshal.KindU16},                // PROTOCOL
		3:  {kind: marshal.KindBinary, maxLen: 16}, // ADDR: union nf_inet_addr
		4:  {kind: marshal.KindU16},                // PORT
		5:  {kind: marshal.KindU32},                // FWMARK
		6:  {kind: marshal.KindString, maxLen: 15}, // SCHED_NAME: IP_VS_SCHEDNAME_MAXLEN - 1
		11: {kind: marshal.KindString, maxLen: 16}, // PE_NAME: IP_VS_PENAME_MAXLEN
		7:  {kind: marshal.KindBinary, maxLen: 8},  // FLAGS: struct ip_vs_flags
		8:  {kind: marshal.KindU32},                // TIMEOUT
		9:  {kind: marshal.KindU32},                // NETMASK
		10: {kind: marshal.KindNested},             // STATS
	}
	destPolicy = map[uint16]kernelPolicy{
		1:  {kind: marshal.KindBinary, maxLen: 16}, // ADDR
		2:  {kind: marshal.KindU16},                // PORT
		3:  {kind: marshal.KindU32},                // FWD_METHOD
		4:  {kind: marshal.KindU32},                // WEIGHT
		5:  {kind: marshal.KindU32},                // U_THRESH
		6:  {kind: marshal.KindU32},                // L_THRESH
		7:  {kind: marshal.KindU32},                // ACTIVE_CONNS
		8:  {kind: marshal.KindU32},                // INACT_CONNS
		9:  {kind: marshal.KindU32},                // PERSIST_CONNS
		10: {kind: marshal.KindNested},             // STATS
		11: {kind: marshal.KindU16},                // ADDR_FAMILY
		13: {kind: marshal.KindU8},                 // TUN_TYPE
		14: {kind: marshal.KindU16},                // TUN_PORT
		15: {kind: marshal.KindU16},                // TUN_FLAGS
	}
	daemonPolicy = map[uint16]kernelPolicy{
		1: {kind: marshal.KindU32},                // STATE
		2: {kind: marshal.KindString, maxLen: 15}, // MCAST_IFN: IP_VS_IFNAME_MAXLEN - 1
		3: {kind: marshal.KindU32},                // SYNC_ID
		4: {kind: marshal.KindU16},                // SYNC_MAXLEN
		5: {kind: marshal.KindU32},                // MCAST_GROUP
		6: {kind: marshal.KindBinary, minLen: 16}, // MCAST_GROUP6: { .len = sizeof(struct in6_addr) }
		7: {kind: marshal.KindU16},                // MCAST_PORT
		8: {kind: marshal.KindU8},                 // MCAST_TTL
	}
)

// TestNestedPolicies compares the nested request types with the kernel's
// nested policies: every attribute a request carries is in the policy,
// of the kind the kernel reads, within its length limits.
func TestNestedPolicies(t *testing.T) {
	for _, tc := range []struct {
		typ    reflect.Type
		policy map[uint16]kernelPolicy
	}{
		{reflect.TypeFor[serviceSpec](), svcPolicy},
		{reflect.TypeFor[destSpec](), destPolicy},
		{reflect.TypeFor[daemonSpec](), daemonPolicy},
	} {
		d, err := marshal.Describe(tc.typ)
		if err != nil {
			t.Fatal(err)
		}
		for _, a := range d.Attrs {
			p, ok := tc.policy[a.Type]
			name := tc.typ.Name() + "." + a.Field
			switch {
			case !ok:
				t.Errorf("%s: attribute %d is not in the kernel's policy", name, a.Type)
			case a.Kind != p.kind:
				t.Errorf("%s: %v, the kernel reads %v", name, a.Kind, p.kind)
			case p.kind == marshal.KindString && (a.MaxLen < 0 || a.MaxLen > p.maxLen):
				t.Errorf("%s: maxlen %d, the kernel takes at most %d bytes", name, a.MaxLen, p.maxLen)
			case p.kind == marshal.KindBinary && a.Size != 0 && p.maxLen != 0 && a.Size > p.maxLen:
				t.Errorf("%s: %d bytes, the kernel takes at most %d", name, a.Size, p.maxLen)
			case p.kind == marshal.KindBinary && a.Size != 0 && a.Size < p.minLen:
				t.Errorf("%s: %d bytes, the kernel wants at least %d", name, a.Size, p.minLen)
			}
		}
	}
	// Address is a custom type: it always writes 16 bytes.
	a := AddressFrom(netipMust("10.0.0.1"))
	if b, err := a.MarshalNetlink(nil); err != nil || len(b) != 16 {
		t.Errorf("Address encodes %d bytes (%v), want 16", len(b), err)
	}
}

// TestTagsMatchKernel checks every attribute type number of the reply
// types against <linux/ip_vs.h>.
func TestTagsMatchKernel(t *testing.T) {
	want := map[reflect.Type]map[string]uint16{
		reflect.TypeFor[Service](): {"AF": 1, "Protocol": 2, "Address": 3, "Port": 4, "FWMark": 5, "Scheduler": 6, "Flags": 7,
			"Timeout": 8, "Netmask": 9, "Stats": 10, "PEName": 11, "Stats64": 12},
		reflect.TypeFor[Destination](): {"Address": 1, "Port": 2, "FwdMethod": 3, "Weight": 4, "UpperThresh": 5, "LowerThresh": 6,
			"ActiveConns": 7, "InactConns": 8, "PersistConns": 9, "Stats": 10, "AF": 11, "Stats64": 12, "TunType": 13, "TunPort": 14, "TunFlags": 15},
		reflect.TypeFor[Daemon]():  {"State": 1, "McastIfn": 2, "SyncID": 3, "SyncMaxLen": 4, "McastGroup": 5, "McastGroup6": 6, "McastPort": 7, "McastTTL": 8},
		reflect.TypeFor[Stats]():   {"Conns": 1, "InPkts": 2, "OutPkts": 3, "InBytes": 4, "OutBytes": 5, "CPS": 6, "InPPS": 7, "OutPPS": 8, "InBPS": 9, "OutBPS": 10},
		reflect.TypeFor[Info]():    {"Version": 1, "ConnTableSize": 2},
		reflect.TypeFor[message](): {"Service": 1, "Dest": 2, "Daemon": 3, "TimeoutTCP": 4, "TimeoutTCPFin": 5, "TimeoutUDP": 6},
		reflect.TypeFor[request](): {"Service": 1, "Dest": 2, "Daemon": 3, "TimeoutTCP": 4, "TimeoutTCPFin": 5, "TimeoutUDP": 6},
	}
	for typ, fields := range want {
		d, err := marshal.Describe(typ)
		if err != nil {
			t.Fatal(err)
		}
		if len(d.Attrs) != len(fields) {
			t.Errorf("%s: %d attributes, want %d", typ.Name(), len(d.Attrs), len(fields))
		}
		for _, a := range d.Attrs {
			if n, ok := fields[a.Field]; !ok || n != a.Type {
				t.Errorf("%s.%s: attribute %d, want %d", typ.Name(), a.Field, a.Type, n)
			}
		}
	}
}
