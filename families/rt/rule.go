package rt

import (
	"context"
	"fmt"
	"net/netip"
	"strings"

	"golang.org/x/sys/unix"

	"github.com/nlstruct/nlstruct/nlattr"
)

// FibRuleHdr is struct fib_rule_hdr, the fixed header of policy-routing
// rule messages (RTM_NEWRULE, RTM_DELRULE, RTM_GETRULE).
type FibRuleHdr struct {
	Family uint8      // family: AF_INET, AF_INET6
	DstLen uint8      // dst_len: prefix length of Rule.Dst
	SrcLen uint8      // src_len: prefix length of Rule.Src
	TOS    uint8      // tos: TOS to match
	Table  uint8      // table: the table's id if under 256, else RT_TABLE_COMPAT (252); see Rule.Table
	_      uint8      // res1
	_      uint8      // res2
	Action RuleAction // action: FR_ACT_*
	Flags  RuleFlags  // flags: FIB_RULE_*
}

// FibRuleUIDRange is struct fib_rule_uid_range (FRA_UID_RANGE): the
// rule matches sockets owned by a uid in [Start, End].
type FibRuleUIDRange struct {
	Start uint32 // start
	End   uint32 // end
}

// FibRulePortRange is struct fib_rule_port_range (FRA_SPORT_RANGE,
// FRA_DPORT_RANGE): ports in [Start, End], in host byte order.
type FibRulePortRange struct {
	Start uint16 // start
	End   uint16 // end
}

// Rule is a policy-routing rule: the message of RTM_NEWRULE, RTM_DELRULE
// and RTM_GETRULE (fib-rule-attrs in rt-rule.yaml).
//
// Attributes whose zero value means something different from their
// absence (FRA_PRIORITY, FRA_SUPPRESS_PREFIXLEN, FRA_SUPPRESS_IFGROUP,
// FRA_DSCP, FRA_FLOWLABEL) are pointers; Protocol is always sent, as the
// kernel does; the others, Table included, are left out when zero.
type Rule struct {
	Header FibRuleHdr `nl:"header"`
	// Dst is the destination prefix's address (FRA_DST); its length is
	// Header.DstLen.
	Dst netip.Addr `nl:"type=1"`
	// Src is the source prefix's address (FRA_SRC); its length is
	// Header.SrcLen.
	Src netip.Addr `nl:"type=2"`
	// IIFName is the incoming interface to match (FRA_IIFNAME).
	IIFName string `nl:"type=3,omitempty"`
	// Goto is the priority of the rule that action FRActGoto jumps to
	// (FRA_GOTO).
	Goto uint32 `nl:"type=4,omitempty"`
	// Priority is the rule's preference (FRA_PRIORITY): rules are tried
	// from the lowest. The kernel leaves it out for priority 0, so it is
	// nil then; a request without it gets one chosen by the kernel.
	Priority *uint32 `nl:"type=6"`
	// FwMark is the firewall mark to match (FRA_FWMARK), under FwMask.
	FwMark uint32 `nl:"type=10,omitempty"`
	// Flow is the realm to match (FRA_FLOW).
	Flow uint32 `nl:"type=11,omitempty"`
	// TunID is the tunnel id to match (FRA_TUN_ID).
	TunID uint64 `nl:"type=12,be,omitempty"`
	// SuppressIfgroup suppresses the routing decision when the route's
	// device is in this group (FRA_SUPPRESS_IFGROUP); -1 or nil for none.
	SuppressIfgroup *int32 `nl:"type=13"`
	// SuppressPrefixLen suppresses routes with a prefix length up to this
	// (FRA_SUPPRESS_PREFIXLEN); -1 or nil for none.
	SuppressPrefixLen *int32 `nl:"type=14"`
	// Table is the routing table to look up, for action FRActToTbl
	// (FRA_TABLE). When set, the kernel takes it over Header.Table; it is
	// left out when 0, so that a Header.Table (enough for tables under
	// 256) counts. TableID says which table a rule uses.
	Table uint32 `nl:"type=15,omitempty"`
	// FwMask is the mask of FwMark (FRA_FWMASK).
	FwMask uint32 `nl:"type=16,omitempty"`
	// OIFName is the outgoing interface to match (FRA_OIFNAME).
	OIFName string `nl:"type=17,omitempty"`
	// L3MDev, when 1, looks up the table of the L3 master device of the
	// packet's interface (FRA_L3MDEV).
	L3MDev uint8 `nl:"type=19,omitempty"`
	// UIDRange is the range of socket owners to match (FRA_UID_RANGE).
	UIDRange *FibRuleUIDRange `nl:"type=20"`
	// Protocol is the rule's originator, RTPROT_* (FRA_PROTOCOL); always
	// sent.
	Protocol RouteProtocol `nl:"type=21"`
	// IPProto is the IP protocol to match, IPPROTO_* (FRA_IP_PROTO).
	IPProto uint8 `nl:"type=22,omitempty"`
	// SportRange is the source port range to match (FRA_SPORT_RANGE).
	SportRange *FibRulePortRange `nl:"type=23"`
	// DportRange is the destination port range to match
	// (FRA_DPORT_RANGE).
	DportRange *FibRulePortRange `nl:"type=24"`
	// DSCP is the DSCP value to match (FRA_DSCP).
	DSCP *uint8 `nl:"type=25"`
	// FlowLabel is the IPv6 flow label to match (FRA_FLOWLABEL), under
	// FlowLabelMask.
	FlowLabel *uint32 `nl:"type=26,be"`
	// FlowLabelMask is the mask of FlowLabel (FRA_FLOWLABEL_MASK).
	FlowLabelMask uint32 `nl:"type=27,be,omitempty"`
	// SportMask is the mask of a single source port (FRA_SPORT_MASK).
	SportMask uint16 `nl:"type=28,omitempty"`
	// DportMask is the mask of a single destination port
	// (FRA_DPORT_MASK).
	DportMask uint16 `nl:"type=29,omitempty"`
	// DSCPMask is the mask of DSCP (FRA_DSCP_MASK).
	DSCPMask uint8 `nl:"type=30,omitempty"`
	// Unknown holds the attributes without a field, re-encoded as they
	// came.
	Unknown []nlattr.Attr `nl:"unknown"`
}

// TableID returns the table the rule looks up: Table (FRA_TABLE) when
// set, else Header.Table.
func (r *Rule) TableID() uint32 {
	if r.Table != 0 {
		return r.Table
	}
	return uint32(r.Header.Table)
}

// SrcPrefix returns Src with its prefix length, Header.SrcLen, or the
// zero Prefix when the rule has no source.
func (r *Rule) SrcPrefix() netip.Prefix {
	if !r.Src.IsValid() {
		return netip.Prefix{}
	}
	return netip.PrefixFrom(r.Src, int(r.Header.SrcLen))
}

// SetSrc makes the rule match sources in p (its address masked to the
// prefix): Src and Header.SrcLen; the zero Prefix removes the selector.
func (r *Rule) SetSrc(p netip.Prefix) {
	r.Src, r.Header.SrcLen = rulePrefix(p)
}

// SetDst makes the rule match destinations in p: Dst and Header.DstLen;
// the zero Prefix removes the selector.
func (r *Rule) SetDst(p netip.Prefix) {
	r.Dst, r.Header.DstLen = rulePrefix(p)
}

func rulePrefix(p netip.Prefix) (netip.Addr, uint8) {
	if !p.IsValid() {
		return netip.Addr{}, 0
	}
	p = p.Masked()
	return p.Addr(), uint8(p.Bits())
}

// DstPrefix returns Dst with its prefix length, Header.DstLen, or the
// zero Prefix when the rule has no destination.
func (r *Rule) DstPrefix() netip.Prefix {
	if !r.Dst.IsValid() {
		return netip.Prefix{}
	}
	return netip.PrefixFrom(r.Dst, int(r.Header.DstLen))
}

// RuleAction is what a rule does when it matches: FR_ACT_*.
type RuleAction uint8

// Rule actions.
const (
	FRActUnspec      RuleAction = 0 // FR_ACT_UNSPEC
	FRActToTbl       RuleAction = 1 // FR_ACT_TO_TBL: look up Table
	FRActGoto        RuleAction = 2 // FR_ACT_GOTO: jump to the rule Goto
	FRActNop         RuleAction = 3 // FR_ACT_NOP
	FRActBlackhole   RuleAction = 6 // FR_ACT_BLACKHOLE: drop silently
	FRActUnreachable RuleAction = 7 // FR_ACT_UNREACHABLE: drop with ENETUNREACH
	FRActProhibit    RuleAction = 8 // FR_ACT_PROHIBIT: drop with EACCES
)

// String returns the action as iproute2 names it ("lookup", "goto",
// "nop", "blackhole", "unreachable", "prohibit"), or its number.
func (a RuleAction) String() string {
	switch a {
	case FRActUnspec:
		return "unspec"
	case FRActToTbl:
		return "lookup"
	case FRActGoto:
		return "goto"
	case FRActNop:
		return "nop"
	case FRActBlackhole:
		return "blackhole"
	case FRActUnreachable:
		return "unreachable"
	case FRActProhibit:
		return "prohibit"
	}
	return fmt.Sprintf("action %d", uint8(a))
}

// RuleFlags are a rule's flags, FIB_RULE_* bits.
type RuleFlags uint32

// Rule flags.
const (
	FIBRulePermanent   RuleFlags = 0x00000001 // FIB_RULE_PERMANENT
	FIBRuleInvert      RuleFlags = 0x00000002 // FIB_RULE_INVERT: match when the selectors do not
	FIBRuleUnresolved  RuleFlags = 0x00000004 // FIB_RULE_UNRESOLVED: the Goto target is missing
	FIBRuleIIFDetached RuleFlags = 0x00000008 // FIB_RULE_IIF_DETACHED: IIFName does not exist
	FIBRuleOIFDetached RuleFlags = 0x00000010 // FIB_RULE_OIF_DETACHED: OIFName does not exist
	FIBRuleFindSaddr   RuleFlags = 0x00010000 // FIB_RULE_FIND_SADDR
)

var ruleFlagNames = []neighBitName{
	{uint64(FIBRulePermanent), "permanent"},
	{uint64(FIBRuleInvert), "not"},
	{uint64(FIBRuleUnresolved), "unresolved"},
	{uint64(FIBRuleIIFDetached), "iif_detached"},
	{uint64(FIBRuleOIFDetached), "oif_detached"},
	{uint64(FIBRuleFindSaddr), "find_saddr"},
}

// String returns the flags joined by "|" ("not", "unresolved"), "" for
// none, and unnamed bits in hex.
func (f RuleFlags) String() string { return neighBitsString(uint64(f), ruleFlagNames) }

// Rules lists the rules of family: unix.AF_INET or unix.AF_INET6
// (unix.AF_UNSPEC lists every family's, including the multicast routing
// rules of RTNL_FAMILY_IPMR and RTNL_FAMILY_IP6MR).
func (c *Conn) Rules(ctx context.Context, family uint8) ([]Rule, error) {
	return dump[Rule](ctx, c, unix.RTM_GETRULE, &FibRuleHdr{Family: family}, fmt.Sprintf("list rules (family %d)", family))
}

// AddRule adds the rule r (RTM_NEWRULE with NLM_F_CREATE and
// NLM_F_EXCL): it fails with EEXIST when an identical rule exists. Set
// Header.Family, Header.Action (FRActToTbl with Table, usually), the
// selectors, and Priority (else the kernel takes one less than the
// second rule's priority: 32765 with the default rules).
func (c *Conn) AddRule(ctx context.Context, r *Rule) error {
	return exec(ctx, c, unix.RTM_NEWRULE, flagCreate|flagExcl, r, "add rule "+ruleDesc(r))
}

// DeleteRule deletes the first rule that matches r (RTM_DELRULE): the
// kernel compares the attributes r has and ignores those it lacks (a zero
// Table or Protocol matches any). A rule read from Rules can be passed as
// it is.
func (c *Conn) DeleteRule(ctx context.Context, r *Rule) error {
	return exec(ctx, c, unix.RTM_DELRULE, 0, r, "delete rule "+ruleDesc(r))
}

// ruleDesc describes r for error messages, in the manner of ip rule:
// "prio 100 from 10.0.0.0/8 fwmark 0x1/0xff lookup 1000".
func ruleDesc(r *Rule) string {
	var parts []string
	add := func(format string, a ...any) { parts = append(parts, fmt.Sprintf(format, a...)) }
	add("family %d", r.Header.Family)
	if r.Priority != nil {
		add("prio %d", *r.Priority)
	}
	if r.Header.Flags&FIBRuleInvert != 0 {
		add("not")
	}
	if p := r.SrcPrefix(); p.IsValid() {
		add("from %s", p)
	}
	if p := r.DstPrefix(); p.IsValid() {
		add("to %s", p)
	}
	if r.FwMark != 0 || r.FwMask != 0 {
		add("fwmark %#x/%#x", r.FwMark, r.FwMask)
	}
	if r.IIFName != "" {
		add("iif %s", r.IIFName)
	}
	if r.OIFName != "" {
		add("oif %s", r.OIFName)
	}
	if r.UIDRange != nil {
		add("uidrange %d-%d", r.UIDRange.Start, r.UIDRange.End)
	}
	if r.IPProto != 0 {
		add("ipproto %d", r.IPProto)
	}
	if r.SportRange != nil {
		add("sport %d-%d", r.SportRange.Start, r.SportRange.End)
	}
	if r.DportRange != nil {
		add("dport %d-%d", r.DportRange.Start, r.DportRange.End)
	}
	switch r.Header.Action {
	case FRActToTbl:
		add("lookup %d", r.Table)
	case FRActGoto:
		add("goto %d", r.Goto)
	default:
		add("%s", r.Header.Action)
	}
	return strings.Join(parts, " ")
}
