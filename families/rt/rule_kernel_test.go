package rt_test

// Rule tests against the running kernel, each in a private network
// namespace, cross-checked with ip rule. They need root and skip without
// it.

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"golang.org/x/sys/unix"

	"github.com/nlstruct/nlstruct/families/rt"
)

// ruleDefaults are the rules of a fresh namespace, as the kernel makes
// them (fib_default_rules_init, fib6_rules_net_init): for IPv4 local,
// main and default at priorities 0, 32766 and 32767; for IPv6 local and
// main.
func ruleDefaults(family uint8) []rt.Rule {
	def := func(prio uint32, table uint8) rt.Rule {
		r := rt.Rule{
			Header:            rt.FibRuleHdr{Family: family, Table: table, Action: rt.FRActToTbl},
			Table:             uint32(table),
			SuppressPrefixLen: new(int32(-1)),
			Protocol:          unix.RTPROT_KERNEL,
		}
		if prio != 0 {
			r.Priority = new(prio)
		}
		return r
	}
	rs := []rt.Rule{def(0, unix.RT_TABLE_LOCAL), def(32766, unix.RT_TABLE_MAIN), def(32767, unix.RT_TABLE_DEFAULT)}
	if family == unix.AF_INET6 {
		rs = rs[:2]
	}
	return rs
}

// ruleIP is an entry of ip -j -d rule: the keys present, with their
// values (flags such as "not" have the value nil).
type ruleIP map[string]any

// get returns the value of k as a string ("" if absent); numbers print
// as integers.
func (e ruleIP) get(k string) string {
	switch v := e[k].(type) {
	case string:
		return v
	case float64:
		return strconv.FormatFloat(v, 'f', -1, 64)
	case nil:
		if _, ok := e[k]; ok {
			return "(set)"
		}
	}
	return ""
}

// ruleShow returns what ip -j -d rule shows for family (4 or 6).
func ruleShow(t *testing.T, ns *neighNS, family int) []ruleIP {
	t.Helper()
	var es []ruleIP
	ns.json(t, &es, "ip", "-"+strconv.Itoa(family), "-j", "-d", "rule", "show")
	return es
}

// ruleShowPrio returns the entry ip shows at priority prio, or nil.
func ruleShowPrio(t *testing.T, ns *neighNS, family int, prio uint32) ruleIP {
	t.Helper()
	for _, e := range ruleShow(t, ns, family) {
		if e.get("priority") == fmt.Sprint(prio) {
			return e
		}
	}
	return nil
}

// ruleCase is a rule and how ip -j -d rule shows it (the keys checked:
// those not listed must be absent, except src and protocol).
type ruleCase struct {
	ipArgs string            // the same rule for ip rule add
	rule   rt.Rule           // as added by nlstruct
	read   func(*rt.Rule)    // what the kernel fills in on top, when read back
	shown  map[string]string // ip -j -d rule's keys
}

// ruleCases covers the selectors and actions, for IPv4 and IPv6.
func ruleCases() []ruleCase {
	v4 := func(a rt.RuleAction) rt.FibRuleHdr { return rt.FibRuleHdr{Family: unix.AF_INET, Action: a} }
	v6 := func(a rt.RuleAction) rt.FibRuleHdr { return rt.FibRuleHdr{Family: unix.AF_INET6, Action: a} }
	compat := func(r *rt.Rule) { r.Header.Table = unix.RT_TABLE_COMPAT } // tables over 255
	small := func(r *rt.Rule) { r.Header.Table = uint8(r.Table) }
	return []ruleCase{
		{
			ipArgs: "-4 rule add pref 100 from 10.1.0.0/16 to 10.2.0.0/24 fwmark 0x10/0xff iif lo oif veth0 table 1000",
			rule: rt.Rule{Header: rt.FibRuleHdr{Family: unix.AF_INET, Action: rt.FRActToTbl, SrcLen: 16, DstLen: 24}, Priority: new(uint32(100)),
				Src: netip.MustParseAddr("10.1.0.0"), Dst: netip.MustParseAddr("10.2.0.0"),
				FwMark: 0x10, FwMask: 0xff, IIFName: "lo", OIFName: "veth0", Table: 1000},
			read: compat,
			shown: map[string]string{"priority": "100", "src": "10.1.0.0", "srclen": "16", "dst": "10.2.0.0", "dstlen": "24",
				"fwmark": "0x10", "fwmask": "0xff", "iif": "lo", "oif": "veth0", "table": "1000"},
		},
		{
			ipArgs: "-4 rule add pref 101 not uidrange 1000-2000 ipproto tcp sport 1000-2000 dport 80 table 200 protocol static",
			rule: rt.Rule{Header: rt.FibRuleHdr{Family: unix.AF_INET, Action: rt.FRActToTbl, Flags: rt.FIBRuleInvert}, Priority: new(uint32(101)),
				UIDRange: &rt.FibRuleUIDRange{Start: 1000, End: 2000}, IPProto: unix.IPPROTO_TCP,
				SportRange: &rt.FibRulePortRange{Start: 1000, End: 2000}, DportRange: &rt.FibRulePortRange{Start: 80, End: 80},
				Table: 200, Protocol: unix.RTPROT_STATIC},
			// A range of one port gets a full mask (FRA_DPORT_MASK).
			read: func(r *rt.Rule) { small(r); r.DportMask = 0xffff },
			shown: map[string]string{"priority": "101", "not": "(set)", "uid_start": "1000", "uid_end": "2000", "ipproto": "tcp",
				"sport_start": "1000", "sport_end": "2000", "dport": "80", "table": "200", "protocol": "static"},
		},
		{
			ipArgs: "-4 rule add pref 102 goto 200",
			rule:   rt.Rule{Header: v4(rt.FRActGoto), Priority: new(uint32(102)), Goto: 200},
			// No rule has priority 200 in IPv4: the goto is unresolved.
			read:  func(r *rt.Rule) { r.Header.Flags = rt.FIBRuleUnresolved },
			shown: map[string]string{"priority": "102", "goto": "200", "unresolved": "(set)"},
		},
		{
			ipArgs: "-4 rule add pref 103 blackhole",
			rule:   rt.Rule{Header: v4(rt.FRActBlackhole), Priority: new(uint32(103))},
			shown:  map[string]string{"priority": "103", "action": "blackhole"},
		},
		{
			ipArgs: "-4 rule add pref 104 table main suppress_prefixlength 0 suppress_ifgroup 5",
			rule: rt.Rule{Header: v4(rt.FRActToTbl), Priority: new(uint32(104)), Table: unix.RT_TABLE_MAIN,
				SuppressPrefixLen: new(int32(0)), SuppressIfgroup: new(int32(5))},
			read:  small,
			shown: map[string]string{"priority": "104", "table": "main", "suppress_prefixlen": "0", "suppress_ifgroup": "5"},
		},
		{
			ipArgs: "-4 rule add pref 105 tos 0x10 tun_id 7 table 300 prohibit",
			rule:   rt.Rule{Header: rt.FibRuleHdr{Family: unix.AF_INET, TOS: 0x10, Action: rt.FRActProhibit}, Priority: new(uint32(105)), TunID: 7, Table: 300},
			read:   compat,
			shown:  map[string]string{"priority": "105", "tos": "0x10", "tun_id": "7", "table": "300", "action": "prohibit"},
		},
		{
			ipArgs: "-4 rule add pref 106 l3mdev",
			rule:   rt.Rule{Header: v4(rt.FRActToTbl), Priority: new(uint32(106)), L3MDev: 1},
			shown:  map[string]string{"priority": "106", "l3mdev": "(set)"},
		},
		{
			ipArgs: "-6 rule add pref 200 from 2001:db8::/32 to 2001:db8:1::/48 ipproto udp dport 53 table 1234",
			rule: rt.Rule{Header: rt.FibRuleHdr{Family: unix.AF_INET6, Action: rt.FRActToTbl, SrcLen: 32, DstLen: 48}, Priority: new(uint32(200)),
				Src: netip.MustParseAddr("2001:db8::"), Dst: netip.MustParseAddr("2001:db8:1::"),
				IPProto: unix.IPPROTO_UDP, DportRange: &rt.FibRulePortRange{Start: 53, End: 53}, Table: 1234},
			read:  func(r *rt.Rule) { compat(r); r.DportMask = 0xffff },
			shown: map[string]string{"priority": "200", "src": "2001:db8::", "srclen": "32", "dst": "2001:db8:1::", "dstlen": "48", "ipproto": "udp", "dport": "53", "table": "1234"},
		},
		{
			ipArgs: "-6 rule add pref 201 fwmark 0x1 oif veth0 uidrange 0-0 unreachable",
			rule: rt.Rule{Header: v6(rt.FRActUnreachable), Priority: new(uint32(201)), FwMark: 1, FwMask: 0xffffffff, OIFName: "veth0",
				UIDRange: &rt.FibRuleUIDRange{}},
			// ip shows no fwmask when it is 0xffffffff.
			shown: map[string]string{"priority": "201", "fwmark": "0x1", "oif": "veth0", "uid_start": "0", "uid_end": "0", "action": "unreachable"},
		},
	}
}

// want returns the rule as the kernel gives it back.
func (c ruleCase) want() rt.Rule {
	r := c.rule
	if c.read != nil {
		c.read(&r)
	}
	if r.SuppressPrefixLen == nil {
		r.SuppressPrefixLen = new(int32(-1))
	}
	return r
}

func (c ruleCase) family() int {
	if c.rule.Header.Family == unix.AF_INET6 {
		return 6
	}
	return 4
}

// ruleCheckShown compares what ip shows for the case's rule with shown.
func ruleCheckShown(t *testing.T, ns *neighNS, c ruleCase) {
	t.Helper()
	e := ruleShowPrio(t, ns, c.family(), *c.rule.Priority)
	if e == nil {
		t.Errorf("ip rule does not show %q", c.ipArgs)
		return
	}
	for k, v := range c.shown {
		if got := e.get(k); got != v {
			t.Errorf("%q: ip shows %s=%q, want %q", c.ipArgs, k, got, v)
		}
	}
	for k := range e {
		if _, ok := c.shown[k]; !ok && k != "src" && k != "protocol" {
			t.Errorf("%q: ip shows %s=%q too", c.ipArgs, k, e.get(k))
		}
	}
	if _, ok := c.shown["src"]; !ok && e.get("src") != "all" {
		t.Errorf("%q: ip shows src=%q, want all", c.ipArgs, e.get("src"))
	}
}

// ruleLinks makes veth0 in the namespace, which the rules' oif names.
func ruleLinks(t *testing.T, ns *neighNS) {
	ns.script(t, "ip link add veth0 type veth peer name veth1\nip link set lo up")
}

// TestRuleKernelDefaults reads the rules of a fresh namespace: exactly the
// kernel's defaults, as ip rule shows them.
func TestRuleKernelDefaults(t *testing.T) {
	ns := neighNewNS(t)
	ctx := neighCtx(t)
	tables := map[string]uint32{"local": unix.RT_TABLE_LOCAL, "main": unix.RT_TABLE_MAIN, "default": unix.RT_TABLE_DEFAULT}
	for _, family := range []uint8{unix.AF_INET, unix.AF_INET6} {
		got, err := ns.c.Rules(ctx, family)
		if err != nil {
			t.Fatal(err)
		}
		if d := cmp.Diff(ruleDefaults(family), got, neighCmp); d != "" {
			t.Errorf("Rules(%d) (-want +got):\n%s", family, d)
		}
		ipFamily := 4
		if family == unix.AF_INET6 {
			ipFamily = 6
		}
		shown := ruleShow(t, ns, ipFamily)
		if len(shown) != len(got) {
			t.Fatalf("family %d: ip rule shows %d rules, Rules gives %d", family, len(shown), len(got))
		}
		for i, e := range shown {
			r := got[i]
			var prio uint32
			if r.Priority != nil {
				prio = *r.Priority
			}
			if e.get("priority") != fmt.Sprint(prio) || tables[e.get("table")] != r.Table || e.get("src") != "all" || e.get("protocol") != "kernel" {
				t.Errorf("family %d rule %d: ip shows %v, Rules gives %+v", family, i, e, r)
			}
		}
	}
}

// TestRuleKernelAdd adds rules with nlstruct, checks them with ip rule
// and as read back, and deletes them.
func TestRuleKernelAdd(t *testing.T) {
	ns := neighNewNS(t)
	ruleLinks(t, ns)
	ctx := neighCtx(t)
	cases := ruleCases()
	for _, c := range cases {
		if err := ns.c.AddRule(ctx, &c.rule); err != nil {
			t.Fatalf("%q: %v", c.ipArgs, err)
		}
		ruleCheckShown(t, ns, c)
	}
	for _, family := range []uint8{unix.AF_INET, unix.AF_INET6} {
		got, err := ns.c.Rules(ctx, family)
		if err != nil {
			t.Fatal(err)
		}
		want := ruleDefaults(family)
		for _, c := range cases {
			if c.rule.Header.Family == family {
				want = append(want, c.want())
			}
		}
		// The kernel lists rules by priority: the defaults' 0 first,
		// then the cases, then 32766 and 32767.
		want = append(want[:1], append(want[len(ruleDefaults(family)):], want[1:len(ruleDefaults(family))]...)...)
		if d := cmp.Diff(want, got, neighCmp); d != "" {
			t.Errorf("Rules(%d) (-want +got):\n%s", family, d)
		}
	}
	for _, c := range cases {
		err := ns.c.AddRule(ctx, &c.rule)
		if !errors.Is(err, unix.EEXIST) || !strings.Contains(err.Error(), fmt.Sprintf("add rule family %d prio %d", c.rule.Header.Family, *c.rule.Priority)) {
			t.Errorf("%q again: %v, want EEXIST naming the rule", c.ipArgs, err)
		}
	}
	for _, c := range cases {
		if err := ns.c.DeleteRule(ctx, &c.rule); err != nil {
			t.Fatalf("delete %q: %v", c.ipArgs, err)
		}
		if e := ruleShowPrio(t, ns, c.family(), *c.rule.Priority); e != nil {
			t.Errorf("after delete, ip rule shows %v", e)
		}
		if err := ns.c.DeleteRule(ctx, &c.rule); !errors.Is(err, unix.ENOENT) {
			t.Errorf("delete %q again: %v, want ENOENT", c.ipArgs, err)
		}
	}
	for _, family := range []uint8{unix.AF_INET, unix.AF_INET6} {
		got, err := ns.c.Rules(ctx, family)
		if err != nil {
			t.Fatal(err)
		}
		if d := cmp.Diff(ruleDefaults(family), got, neighCmp); d != "" {
			t.Errorf("after the deletes, Rules(%d) (-want +got):\n%s", family, d)
		}
	}
	// Without a priority, the kernel takes one less than the second
	// rule's: 32765 here.
	r := rt.Rule{Header: rt.FibRuleHdr{Family: unix.AF_INET, Action: rt.FRActToTbl}, Table: 100}
	if err := ns.c.AddRule(ctx, &r); err != nil {
		t.Fatal(err)
	}
	if e := ruleShowPrio(t, ns, 4, 32765); e.get("table") != "100" {
		t.Errorf("a rule added without a priority: ip shows %v at 32765, want table 100", e)
	}
}

// TestRuleKernelRead adds the same rules with ip, reads them with
// nlstruct, and deletes them as read.
func TestRuleKernelRead(t *testing.T) {
	ns := neighNewNS(t)
	ruleLinks(t, ns)
	ctx := neighCtx(t)
	for _, c := range ruleCases() {
		ns.run(t, "ip", strings.Fields(c.ipArgs)...)
		got, err := ns.c.Rules(ctx, c.rule.Header.Family)
		if err != nil {
			t.Fatal(err)
		}
		var r *rt.Rule
		for i := range got {
			if got[i].Priority != nil && *got[i].Priority == *c.rule.Priority {
				r = &got[i]
			}
		}
		if r == nil {
			t.Errorf("%q: Rules does not have it", c.ipArgs)
			continue
		}
		if d := cmp.Diff(c.want(), *r, neighCmp); d != "" {
			t.Errorf("%q (-want +got):\n%s", c.ipArgs, d)
		}
		if err := ns.c.DeleteRule(ctx, r); err != nil {
			t.Fatalf("delete %q as read: %v", c.ipArgs, err)
		}
		if e := ruleShowPrio(t, ns, c.family(), *c.rule.Priority); e != nil {
			t.Errorf("after delete, ip rule shows %v", e)
		}
	}
}

// TestRuleKernelErrors checks that failures carry the kernel's errno and
// name the request.
func TestRuleKernelErrors(t *testing.T) {
	ns := neighNewNS(t)
	ctx := neighCtx(t)
	v4 := func(a rt.RuleAction) rt.FibRuleHdr { return rt.FibRuleHdr{Family: unix.AF_INET, Action: a} }
	for _, tc := range []struct {
		name string
		r    rt.Rule
		del  bool
		want unix.Errno
		what string
	}{
		{"no such family", rt.Rule{Header: rt.FibRuleHdr{Family: 99, Action: rt.FRActToTbl}, Table: 100}, false, unix.EAFNOSUPPORT, "add rule family 99 lookup 100"},
		{"goto without a target", rt.Rule{Header: v4(rt.FRActGoto), Priority: new(uint32(10))}, false, unix.EINVAL, "add rule family 2 prio 10 goto 0"},
		{"target without goto", rt.Rule{Header: v4(rt.FRActToTbl), Goto: 100, Table: 100}, false, unix.EINVAL, "add rule family 2 lookup 100"},
		{"goto backwards", rt.Rule{Header: v4(rt.FRActGoto), Priority: new(uint32(10)), Goto: 5}, false, unix.EINVAL, "add rule family 2 prio 10 goto 5"},
		{"source without its address", rt.Rule{Header: rt.FibRuleHdr{Family: unix.AF_INET, Action: rt.FRActToTbl, SrcLen: 8}, Table: 100}, false, unix.EINVAL, "add rule family 2 lookup 100"},
		{"source of the wrong family", rt.Rule{Header: rt.FibRuleHdr{Family: unix.AF_INET, Action: rt.FRActToTbl, SrcLen: 8}, Src: netip.MustParseAddr("2001:db8::"), Table: 100},
			false, unix.EINVAL, "add rule family 2 from 2001:db8::/8 lookup 100"},
		{"prefix too long", rt.Rule{Header: rt.FibRuleHdr{Family: unix.AF_INET, Action: rt.FRActToTbl, DstLen: 33}, Dst: netip.MustParseAddr("10.0.0.0"), Table: 100},
			false, unix.EINVAL, "add rule family 2"},
		{"bad port range", rt.Rule{Header: v4(rt.FRActToTbl), DportRange: &rt.FibRulePortRange{Start: 100, End: 10}, Table: 100}, false, unix.EINVAL, "dport 100-10"},
		{"delete missing", rt.Rule{Header: v4(rt.FRActToTbl), Priority: new(uint32(5)), Table: 100}, true, unix.ENOENT, "delete rule family 2 prio 5 lookup 100"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			do := ns.c.AddRule
			if tc.del {
				do = ns.c.DeleteRule
			}
			err := do(ctx, &tc.r)
			if !errors.Is(err, tc.want) {
				t.Fatalf("got %v, want %v", err, tc.want)
			}
			if !strings.Contains(err.Error(), tc.what) {
				t.Errorf("error %q does not say %q", err, tc.what)
			}
		})
	}
	got, err := ns.c.Rules(ctx, unix.AF_INET)
	if err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff(ruleDefaults(unix.AF_INET), got, neighCmp); d != "" {
		t.Errorf("after the failures, Rules (-want +got):\n%s", d)
	}
}

// TestRuleKernelNewSelectors adds rules with the selectors newer than
// iproute2 6.1 (DSCP, flow label, port masks) and reads them back; ip
// rule, which does not know them, must still list the rules.
func TestRuleKernelNewSelectors(t *testing.T) {
	ns := neighNewNS(t)
	ctx := neighCtx(t)
	rules := []rt.Rule{
		{Header: rt.FibRuleHdr{Family: unix.AF_INET, Action: rt.FRActToTbl}, Priority: new(uint32(10)), Table: 100,
			DSCP: new(uint8(46)), DSCPMask: 0x3f},
		{Header: rt.FibRuleHdr{Family: unix.AF_INET6, Action: rt.FRActToTbl}, Priority: new(uint32(11)), Table: 100,
			FlowLabel: new(uint32(0x12345)), FlowLabelMask: 0xfffff},
		{Header: rt.FibRuleHdr{Family: unix.AF_INET, Action: rt.FRActToTbl}, Priority: new(uint32(12)), Table: 100,
			IPProto: unix.IPPROTO_UDP, SportRange: &rt.FibRulePortRange{Start: 0x1000, End: 0x1000}, SportMask: 0xff00},
	}
	for i := range rules {
		r := &rules[i]
		if err := ns.c.AddRule(ctx, r); err != nil {
			if errors.Is(err, unix.EINVAL) || errors.Is(err, unix.EOPNOTSUPP) {
				t.Skipf("the kernel refuses a newer selector: %v", err)
			}
			t.Fatal(err)
		}
		got, err := ns.c.Rules(ctx, r.Header.Family)
		if err != nil {
			t.Fatal(err)
		}
		want := *r
		want.Header.Table = uint8(r.Table)
		want.SuppressPrefixLen = new(int32(-1))
		var found bool
		for _, g := range got {
			if g.Priority != nil && *g.Priority == *r.Priority {
				found = true
				if g.DSCP == nil && g.FlowLabel == nil && g.SportMask == 0 {
					t.Skipf("the kernel ignores the newer selectors (%+v)", g)
				}
				if d := cmp.Diff(want, g, neighCmp); d != "" {
					t.Errorf("rule %d (-added +read):\n%s", *r.Priority, d)
				}
			}
		}
		if !found {
			t.Errorf("Rules: no rule %d", *r.Priority)
		}
		family := 4
		if r.Header.Family == unix.AF_INET6 {
			family = 6
		}
		if ruleShowPrio(t, ns, family, *r.Priority) == nil {
			t.Errorf("ip rule does not show rule %d", *r.Priority)
		}
		if err := ns.c.DeleteRule(ctx, r); err != nil {
			t.Error(err)
		}
	}
}

// TestRuleKernelHeaderTable adds a rule that names its table only in the
// header (as for tables under 256) and deletes another by its header's
// table: FRA_TABLE must not be sent as 0, which would override the
// header (the kernel would look up table 0, or delete a rule of any
// table).
func TestRuleKernelHeaderTable(t *testing.T) {
	ns := neighNewNS(t)
	ctx := context.Background()
	add := func(prio, table uint32) {
		t.Helper()
		r := &rt.Rule{
			Header:   rt.FibRuleHdr{Family: unix.AF_INET, Table: uint8(table), Action: rt.FRActToTbl},
			Priority: new(prio),
		}
		if err := ns.c.AddRule(ctx, r); err != nil {
			t.Fatal(err)
		}
	}
	add(100, 99)
	add(101, 200)
	if e := ruleShowPrio(t, ns, 4, 100); e.get("table") != "99" {
		t.Errorf("ip shows the rule at 100 as %v, want table 99", e)
	}
	rules, err := ns.c.Rules(ctx, unix.AF_INET)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range rules {
		if r.Priority != nil && *r.Priority == 101 && r.TableID() != 200 {
			t.Errorf("rule 101 reads back with table %d, want 200", r.TableID())
		}
	}
	// Deleting "priority 101, table 99" must match nothing.
	err = ns.c.DeleteRule(ctx, &rt.Rule{Header: rt.FibRuleHdr{Family: unix.AF_INET, Table: 99, Action: rt.FRActToTbl}, Priority: new(uint32(101))})
	if !errors.Is(err, unix.ENOENT) {
		t.Errorf("deleting priority 101 with the wrong table: %v, want ENOENT", err)
	}
	if e := ruleShowPrio(t, ns, 4, 101); e == nil || e.get("table") != "200" {
		t.Errorf("after the failed delete, ip shows the rule at 101 as %v, want table 200", e)
	}
}
