package fuzz

// The family types of fuzzTypes: their seeds, taken from real kernel
// replies (the captures checked in under families/*/testdata, and live
// dumps of the generic netlink controller), and the test that every
// marshal type of a family package is fuzzed.

import (
	"context"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/nlstruct/nlstruct/families/connector"
	"github.com/nlstruct/nlstruct/families/ethtool"
	"github.com/nlstruct/nlstruct/families/genl"
	"github.com/nlstruct/nlstruct/families/ipvs"
	"github.com/nlstruct/nlstruct/families/netdev"
	"github.com/nlstruct/nlstruct/families/rt"
	"github.com/nlstruct/nlstruct/internal/zoo"
	"github.com/nlstruct/nlstruct/marshal"
	"github.com/nlstruct/nlstruct/nlattr"
	"github.com/nlstruct/nlstruct/socket"
)

// genlPolicyReply has exactly the shape of genl's unexported policyReply,
// one message of a CTRL_CMD_GETPOLICY dump (after genlmsghdr).
type genlPolicyReply struct {
	ID       uint16                                  `nl:"type=1"`        // CTRL_ATTR_FAMILY_ID
	Policy   map[uint32]map[uint32]socket.AttrPolicy `nl:"type=8,nested"` // CTRL_ATTR_POLICY
	OpPolicy map[uint32]genl.OpPolicy                `nl:"type=9,nested"` // CTRL_ATTR_OP_POLICY
}

// ipvsMessage has exactly the shape of ipvs's unexported message, the
// top-level attributes (IPVS_CMD_ATTR_*) of every IPVS reply but
// IPVS_CMD_GET_INFO's (after genlmsghdr).
type ipvsMessage struct {
	Service       *ipvs.Service     `nl:"type=1,nested"`
	Dest          *ipvs.Destination `nl:"type=2,nested"`
	Daemon        *ipvs.Daemon      `nl:"type=3,nested"`
	TimeoutTCP    *uint32           `nl:"type=4"`
	TimeoutTCPFin *uint32           `nl:"type=5"`
	TimeoutUDP    *uint32           `nl:"type=6"`
}

// localLabels name the fuzz-only types in seed file names, after the
// unexported types whose shape they copy.
var localLabels = map[reflect.Type]string{
	reflect.TypeFor[genlPolicyReply](): "genl.policyReply",
	reflect.TypeFor[ipvsMessage]():     "ipvs.message",
}

var zooPkg = reflect.TypeFor[zoo.Scalars]().PkgPath()

// typeLabel names a fuzz type in seed file names: the zoo's types by
// their name (as the first seeds were named), the others qualified by
// their package (the zoo has a Family, a LinkInfo, a ProcEvent, ... too).
func typeLabel(t reflect.Type) string {
	if t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if l, ok := localLabels[t]; ok {
		return l
	}
	if t.PkgPath() == zooPkg {
		return t.Name()
	}
	return path.Base(t.PkgPath()) + "." + t.Name()
}

// seedSet collects seeds, naming each seed-<label>-<prefix><n>, n
// counting per type. With dedupe, a seed whose key (its bytes, or the
// signature given) was already added for its type is dropped.
type seedSet struct {
	prefix string
	dedupe bool
	out    []seed
	count  map[string]int
	seen   map[string]bool
}

func newSeedSet(prefix string, dedupe bool) *seedSet {
	return &seedSet{prefix: prefix, dedupe: dedupe, count: map[string]int{}, seen: map[string]bool{}}
}

// add adds b, the encoding of a value of t (a fuzz type, or a pointer to
// one), keyed by its bytes.
func (s *seedSet) add(t reflect.Type, b []byte) { s.addSig(t, b, "bytes:"+string(b)) }

// addSig adds b keyed by sig: one seed per signature and type.
func (s *seedSet) addSig(t reflect.Type, b []byte, sig string) {
	if t.Kind() != reflect.Pointer {
		t = reflect.PointerTo(t)
	}
	idx, ok := typeIndexOf(t)
	if !ok {
		panic(fmt.Sprintf("%v is not a fuzz type", t))
	}
	label := typeLabel(t)
	if s.dedupe {
		key := label + "\x00" + sig
		if s.seen[key] {
			return
		}
		s.seen[key] = true
	}
	s.out = append(s.out, seed{
		name: fmt.Sprintf("seed-%s-%s%d", label, s.prefix, s.count[label]),
		data: append([]byte{byte(idx)}, b...),
	})
	s.count[label]++
}

func typeFor[T any]() reflect.Type { return reflect.TypeFor[*T]() }

const familiesDir = "../families"

// readHex reads a capture file of families/*/testdata: '#' comment lines,
// then one message per line in hex.
func readHex(name string) ([][]byte, error) {
	raw, err := os.ReadFile(name)
	if err != nil {
		return nil, err
	}
	var out [][]byte
	for i, line := range strings.Split(string(raw), "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		b, err := hex.DecodeString(line)
		if err != nil {
			return nil, fmt.Errorf("%s:%d: %w", name, i+1, err)
		}
		out = append(out, b)
	}
	return out, nil
}

// genlCaptures reads every *.hex file of a family's testdata, in name
// order, and splits each message into its genlmsghdr and its attributes.
func genlCaptures(family string) ([]genlCapture, error) {
	files, err := filepath.Glob(filepath.Join(familiesDir, family, "testdata", "*.hex"))
	if err != nil {
		return nil, err
	}
	if len(files) == 0 {
		return nil, fmt.Errorf("no captures under %s", filepath.Join(familiesDir, family, "testdata"))
	}
	slices.Sort(files)
	var out []genlCapture
	for _, f := range files {
		msgs, err := readHex(f)
		if err != nil {
			return nil, err
		}
		for i, m := range msgs {
			if len(m) < genl.HeaderLen {
				return nil, fmt.Errorf("%s: message %d is shorter than genlmsghdr", f, i)
			}
			out = append(out, genlCapture{file: f, cmd: m[0], hdr: m[:genl.HeaderLen], attrs: m[genl.HeaderLen:]})
		}
	}
	return out, nil
}

type genlCapture struct {
	file  string
	cmd   uint8
	hdr   []byte // genlmsghdr
	attrs []byte // the family's attributes: what the reply types decode
}

// attrsOf returns the attributes of b, or an error naming where.
func attrsOf(b []byte, where string) ([]nlattr.Attr, error) {
	attrs, err := nlattr.Parse(b)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", where, err)
	}
	return attrs, nil
}

// first returns the first attribute of type typ.
func first(attrs []nlattr.Attr, typ uint16) (nlattr.Attr, bool) {
	for _, a := range attrs {
		if a.Type == typ {
			return a, true
		}
	}
	return nlattr.Attr{}, false
}

// alone encodes attribute a by itself, flags and payload as received.
func alone(a nlattr.Attr) []byte {
	b, err := nlattr.AppendAttr(nil, a)
	if err != nil {
		panic(err) // a came from a parsed buffer: it fits
	}
	return b
}

// fileSeeds returns the seeds taken from the kernel replies checked in
// under families/*/testdata: each reply's attributes for its reply type,
// and the parts of it that other fuzz types decode (nested sets, fixed
// layouts, the header attribute alone as the body of a request). Files
// are read in name order and messages in file order, and a seed whose
// bytes were already added for its type is dropped, so the result is the
// same on every run.
func fileSeeds() ([]seed, error) {
	s := newSeedSet("", true)
	for _, add := range []func(*seedSet) error{ethtoolSeeds, netdevSeeds, ipvsSeeds, connectorSeeds, rtSeeds, rtBuiltSeeds} {
		if err := add(s); err != nil {
			return nil, err
		}
	}
	return s.out, nil
}

// ethtoolSeeds: the replies (by their genlmsghdr command), each one's
// header nest as Header and as the request that names the same device,
// and the bit sets of LinkModes.
func ethtoolSeeds(s *seedSet) error {
	caps, err := genlCaptures("ethtool")
	if err != nil {
		return err
	}
	for i, c := range caps {
		where := fmt.Sprintf("%s: message %d", c.file, i)
		var reply, request reflect.Type
		switch c.cmd {
		case ethtool.MsgLinkInfoGetReply:
			reply, request = typeFor[ethtool.LinkInfo](), typeFor[ethtool.LinkInfoRequest]()
		case ethtool.MsgLinkModesGetReply:
			reply, request = typeFor[ethtool.LinkModes](), typeFor[ethtool.LinkModesRequest]()
		case ethtool.MsgLinkStateGetReply:
			reply, request = typeFor[ethtool.LinkState](), typeFor[ethtool.LinkStateRequest]()
		default:
			return fmt.Errorf("%s: unexpected command %d", where, c.cmd)
		}
		s.add(typeFor[genl.Header](), c.hdr)
		s.add(reply, c.attrs)
		attrs, err := attrsOf(c.attrs, where)
		if err != nil {
			return err
		}
		// Every reply type's attribute 1 is the header nest.
		if h, ok := first(attrs, 1); ok {
			s.add(request, alone(h))
			s.add(typeFor[ethtool.Header](), h.Data)
			if c.cmd == ethtool.MsgLinkStateGetReply {
				s.add(typeFor[ethtool.StatsHeader](), h.Data)
			}
		}
		if c.cmd != ethtool.MsgLinkModesGetReply {
			continue
		}
		for _, a := range attrs {
			if a.Type != ethtool.AttrLinkModesOurs && a.Type != ethtool.AttrLinkModesPeer {
				continue
			}
			s.add(typeFor[ethtool.Bitset](), a.Data)
			set, err := attrsOf(a.Data, where+": bit set")
			if err != nil {
				return err
			}
			bits, ok := first(set, ethtool.AttrBitsetBits)
			if !ok {
				continue
			}
			s.add(typeFor[ethtool.BitsetBits](), bits.Data)
			entries, err := attrsOf(bits.Data, where+": bits")
			if err != nil {
				return err
			}
			for _, e := range entries {
				if e.Type == ethtool.AttrBitsetBitsBit {
					s.add(typeFor[ethtool.BitsetBit](), e.Data)
				}
			}
		}
	}
	return nil
}

// netdevSeeds: the Device replies, and each one's ifindex attribute alone
// as the DevGetRequest for the same device.
func netdevSeeds(s *seedSet) error {
	caps, err := genlCaptures("netdev")
	if err != nil {
		return err
	}
	for i, c := range caps {
		where := fmt.Sprintf("%s: message %d", c.file, i)
		if c.cmd != netdev.CmdDevGet {
			return fmt.Errorf("%s: unexpected command %d", where, c.cmd)
		}
		s.add(typeFor[genl.Header](), c.hdr)
		s.add(typeFor[netdev.Device](), c.attrs)
		attrs, err := attrsOf(c.attrs, where)
		if err != nil {
			return err
		}
		if a, ok := first(attrs, netdev.AttrDevIfindex); ok {
			s.add(typeFor[netdev.DevGetRequest](), alone(a))
		}
	}
	return nil
}

// ipvsSeeds: every reply whole (ipvsMessage), but GET_INFO's, whose
// attributes are Info's; the Service, Destination and Daemon nested in
// the replies; and, within services and destinations, the Address,
// Flags, Stats and Stats64 attributes.
func ipvsSeeds(s *seedSet) error {
	caps, err := genlCaptures("ipvs")
	if err != nil {
		return err
	}
	for i, c := range caps {
		where := fmt.Sprintf("%s: message %d", c.file, i)
		s.add(typeFor[genl.Header](), c.hdr)
		if c.cmd == ipvs.CmdSetInfo {
			s.add(typeFor[ipvs.Info](), c.attrs)
			continue
		}
		s.add(typeFor[ipvsMessage](), c.attrs)
		attrs, err := attrsOf(c.attrs, where)
		if err != nil {
			return err
		}
		for _, a := range attrs {
			var inner map[uint16]reflect.Type
			switch a.Type {
			case 1: // IPVS_CMD_ATTR_SERVICE
				s.add(typeFor[ipvs.Service](), a.Data)
				inner = map[uint16]reflect.Type{3: typeFor[ipvs.Address](), 7: typeFor[ipvs.Flags](), 10: typeFor[ipvs.Stats](), 12: typeFor[ipvs.Stats64]()}
			case 2: // IPVS_CMD_ATTR_DEST
				s.add(typeFor[ipvs.Destination](), a.Data)
				inner = map[uint16]reflect.Type{1: typeFor[ipvs.Address](), 10: typeFor[ipvs.Stats](), 12: typeFor[ipvs.Stats64]()}
			case 3: // IPVS_CMD_ATTR_DAEMON
				s.add(typeFor[ipvs.Daemon](), a.Data)
			}
			if inner == nil {
				continue
			}
			sub, err := attrsOf(a.Data, fmt.Sprintf("%s: attribute %d", where, a.Type))
			if err != nil {
				return err
			}
			for _, b := range sub {
				if t, ok := inner[b.Type]; ok {
					s.add(t, b.Data)
				}
			}
		}
	}
	return nil
}

// procFixtures is the part of families/connector/testdata/proc_events.json
// that the seeds use.
type procFixtures struct {
	Events []struct {
		Name    string `json:"name"`
		Message string `json:"message"` // nlmsghdr, cn_msg, proc_event in hex
	} `json:"events"`
}

// nlmsghdrLen is NLMSG_HDRLEN.
const nlmsghdrLen = 16

// connectorSeeds: every captured proc connector message's payload as
// ProcEvent, and its parts: cn_msg (Header, and its ID), the event header
// and the union as the body type its what selects. The subscription
// requests ProcOp and ProcInput are never sent by the kernel: their seeds
// are hand-built.
func connectorSeeds(s *seedSet) error {
	name := filepath.Join(familiesDir, "connector", "testdata", "proc_events.json")
	raw, err := os.ReadFile(name)
	if err != nil {
		return err
	}
	var fx procFixtures
	if err := json.Unmarshal(raw, &fx); err != nil {
		return fmt.Errorf("%s: %w", name, err)
	}
	if len(fx.Events) == 0 {
		return fmt.Errorf("%s: no events", name)
	}
	const evHdrLen = 16 // what, cpu, timestamp_ns
	for _, e := range fx.Events {
		msg, err := hex.DecodeString(e.Message)
		if err != nil {
			return fmt.Errorf("%s: %s: %w", name, e.Name, err)
		}
		if len(msg) < nlmsghdrLen+connector.HeaderLen+connector.ProcEventLen {
			return fmt.Errorf("%s: %s: %d bytes, too short for a proc event", name, e.Name, len(msg))
		}
		p := msg[nlmsghdrLen:]
		s.add(typeFor[connector.ProcEvent](), p)
		s.add(typeFor[connector.Header](), p[:connector.HeaderLen])
		s.add(typeFor[connector.ID](), p[:8])
		ev := p[connector.HeaderLen:]
		s.add(typeFor[connector.EventHeader](), ev[:evHdrLen])
		var pe connector.ProcEvent
		if err := marshal.Unmarshal(p, &pe); err != nil {
			return fmt.Errorf("%s: %s: %w", name, e.Name, err)
		}
		if pe.Data != nil {
			s.add(reflect.TypeOf(pe.Data), ev[evHdrLen:connector.ProcEventLen])
		}
	}
	for _, v := range []any{
		&connector.ProcOp{Op: connector.ProcListen},
		&connector.ProcOp{Op: connector.ProcIgnore},
		&connector.ProcInput{Op: connector.ProcListen, Events: connector.WhatExec | connector.WhatExit},
		&connector.ProcInput{Op: connector.ProcIgnore},
	} {
		b, err := marshal.Marshal(v)
		if err != nil {
			return err
		}
		s.add(reflect.TypeOf(v), b)
	}
	return nil
}

// livePolicyFamilies are the families whose policy dumps liveSeeds takes.
var livePolicyFamilies = []string{"nlctrl", "ethtool"}

// liveMaxPerType bounds the seeds that liveSeeds takes of the small parts
// of the replies (Op, MulticastGroup, Bitset, BitsetBits), which differ
// mostly in numbers and names.
const liveMaxPerType = 4

// liveSeeds returns seeds from the running kernel's generic netlink
// families: the controller's families dump (every Family, its
// genlmsghdr, and up to liveMaxPerType distinct operations and multicast
// groups) and policy dumps of livePolicyFamilies, and the verbose bit
// sets of ethtool's features of lo. A policy dump has one message per
// attribute policy or operation, hundreds for ethtool, which differ
// mostly in numbers: it keeps one message, AttrPolicy and OpPolicy per
// signature (which fields are present, and the policy's type), and one
// BitsetBit per signature (name, value). The result depends on the
// kernel; it is all or nothing, and the error says why there is none.
func liveSeeds() ([]seed, error) {
	c, err := genl.Dial(nil)
	if err != nil {
		return nil, err
	}
	defer c.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	s := newSeedSet("live-", true)

	msgs, err := c.Socket().DumpAll(ctx, socket.Request{Type: genl.IDCtrl, Header: &genl.Header{Command: genl.CtrlCmdGetFamily, Version: 2}})
	if err != nil {
		return nil, fmt.Errorf("families dump: %w", err)
	}
	if len(msgs) == 0 {
		return nil, errors.New("families dump: no replies")
	}
	limited := map[string]int{}
	addLimited := func(t reflect.Type, b []byte) {
		key := typeLabel(t)
		if limited[key] >= liveMaxPerType {
			return
		}
		n := len(s.out)
		s.add(t, b)
		if len(s.out) > n {
			limited[key]++
		}
	}
	for i, m := range msgs {
		if len(m.Data) < genl.HeaderLen {
			return nil, fmt.Errorf("families dump: message %d is shorter than genlmsghdr", i)
		}
		body := m.Data[genl.HeaderLen:]
		s.add(typeFor[genl.Header](), m.Data[:genl.HeaderLen])
		s.add(typeFor[genl.Family](), body)
		attrs, err := attrsOf(body, fmt.Sprintf("families dump: message %d", i))
		if err != nil {
			return nil, err
		}
		for _, a := range attrs {
			var t reflect.Type
			switch a.Type {
			case 6: // CTRL_ATTR_OPS
				t = typeFor[genl.Op]()
			case 7: // CTRL_ATTR_MCAST_GROUPS
				t = typeFor[genl.MulticastGroup]()
			default:
				continue
			}
			entries, err := attrsOf(a.Data, fmt.Sprintf("families dump: message %d: attribute %d", i, a.Type))
			if err != nil {
				return nil, err
			}
			for _, e := range entries {
				addLimited(t, e.Data)
			}
		}
	}

	type policyRequest struct {
		Name string `nl:"type=2"` // CTRL_ATTR_FAMILY_NAME
	}
	for _, fam := range livePolicyFamilies {
		msgs, err := c.Socket().DumpAll(ctx, socket.Request{
			Type:   genl.IDCtrl,
			Header: &genl.Header{Command: genl.CtrlCmdGetPolicy, Version: 2},
			Body:   &policyRequest{Name: fam},
		})
		if err != nil {
			return nil, fmt.Errorf("policy dump of %q: %w", fam, err)
		}
		for i, m := range msgs {
			where := fmt.Sprintf("policy dump of %q: message %d", fam, i)
			if len(m.Data) < genl.HeaderLen {
				return nil, fmt.Errorf("%s is shorter than genlmsghdr", where)
			}
			s.add(typeFor[genl.Header](), m.Data[:genl.HeaderLen])
			body := m.Data[genl.HeaderLen:]
			var r genlPolicyReply
			if err := marshal.Unmarshal(body, &r); err != nil {
				return nil, fmt.Errorf("%s: %w", where, err)
			}
			s.addSig(typeFor[genlPolicyReply](), body, policyReplySig(&r))
			attrs, err := attrsOf(body, where)
			if err != nil {
				return nil, err
			}
			for _, a := range attrs {
				switch a.Type {
				case 8: // CTRL_ATTR_POLICY: index, then attribute type
					idxs, err := attrsOf(a.Data, where+": policy")
					if err != nil {
						return nil, err
					}
					for _, idx := range idxs {
						pols, err := attrsOf(idx.Data, where+": policy index")
						if err != nil {
							return nil, err
						}
						for _, p := range pols {
							var ap socket.AttrPolicy
							if err := marshal.Unmarshal(p.Data, &ap); err != nil {
								return nil, fmt.Errorf("%s: %w", where, err)
							}
							s.addSig(typeFor[socket.AttrPolicy](), p.Data, attrPolicySig(&ap))
						}
					}
				case 9: // CTRL_ATTR_OP_POLICY: command
					ops, err := attrsOf(a.Data, where+": op policy")
					if err != nil {
						return nil, err
					}
					for _, op := range ops {
						var o genl.OpPolicy
						if err := marshal.Unmarshal(op.Data, &o); err != nil {
							return nil, fmt.Errorf("%s: %w", where, err)
						}
						s.addSig(typeFor[genl.OpPolicy](), op.Data, opPolicySig(&o))
					}
				}
			}
		}
	}
	// No captured reply has a verbose bit set with bits in it (the veth
	// of the captures supports no link modes): take them from the
	// features of lo (ETHTOOL_MSG_FEATURES_GET, verbose bit sets of the
	// same ETHTOOL_A_BITSET_* attributes), one bit per signature.
	type featuresRequest struct {
		Header ethtool.Header `nl:"type=1,nested"` // ETHTOOL_A_FEATURES_HEADER
	}
	const msgFeaturesGet = 11 // ETHTOOL_MSG_FEATURES_GET (and its reply)
	replies, err := c.Execute(ctx, ethtool.Family, genl.Request{Command: msgFeaturesGet, Body: &featuresRequest{Header: ethtool.Header{DevName: "lo"}}})
	if err != nil {
		return nil, fmt.Errorf("ethtool features of lo: %w", err)
	}
	for i, m := range replies {
		where := fmt.Sprintf("ethtool features of lo: message %d", i)
		if len(m.Data) < genl.HeaderLen {
			return nil, fmt.Errorf("%s is shorter than genlmsghdr", where)
		}
		attrs, err := attrsOf(m.Data[genl.HeaderLen:], where)
		if err != nil {
			return nil, err
		}
		for _, a := range attrs {
			if a.Type < 2 || a.Type > 5 { // ETHTOOL_A_FEATURES_HW .. _NOCHANGE
				continue
			}
			addLimited(typeFor[ethtool.Bitset](), a.Data)
			set, err := attrsOf(a.Data, where+": bit set")
			if err != nil {
				return nil, err
			}
			bits, ok := first(set, ethtool.AttrBitsetBits)
			if !ok {
				continue
			}
			addLimited(typeFor[ethtool.BitsetBits](), bits.Data)
			entries, err := attrsOf(bits.Data, where+": bits")
			if err != nil {
				return nil, err
			}
			for _, e := range entries {
				var b ethtool.BitsetBit
				if err := marshal.Unmarshal(e.Data, &b); err != nil {
					return nil, fmt.Errorf("%s: %w", where, err)
				}
				s.addSig(typeFor[ethtool.BitsetBit](), e.Data, fmt.Sprintf("name %t value %t", b.Name != "", b.Value))
			}
		}
	}
	return s.out, nil
}

// attrPolicySig is the policy's type and which of its fields are present.
func attrPolicySig(p *socket.AttrPolicy) string {
	var sb strings.Builder
	fmt.Fprintf(&sb, "type %d:", p.Type)
	v := reflect.ValueOf(p).Elem()
	for i := range v.NumField() {
		if f := v.Field(i); f.Kind() == reflect.Pointer && !f.IsNil() {
			sb.WriteString(" " + v.Type().Field(i).Name)
		}
	}
	return sb.String()
}

func opPolicySig(o *genl.OpPolicy) string {
	return fmt.Sprintf("do %t dump %t", o.Do != nil, o.Dump != nil)
}

// policyReplySig is the set of the signatures of the policies and
// operations in a policy dump message.
func policyReplySig(r *genlPolicyReply) string {
	set := map[string]bool{}
	for _, attrs := range r.Policy {
		for _, p := range attrs {
			set["attr "+attrPolicySig(&p)] = true
		}
	}
	for _, o := range r.OpPolicy {
		set["op "+opPolicySig(&o)] = true
	}
	sigs := make([]string, 0, len(set))
	for k := range set {
		sigs = append(sigs, k)
	}
	slices.Sort(sigs)
	return strings.Join(sigs, "; ")
}

// familyStructs lists every exported struct type that the family packages
// declare (non-test files); TestFamilyTypesFuzzed checks the list against
// their source. Those that marshal plans must be in fuzzTypes, except the
// ones notWire names.
var familyStructs = []reflect.Type{
	// families/genl
	typeFor[genl.Conn](), typeFor[genl.Request](), typeFor[genl.Header](), typeFor[genl.Family](),
	typeFor[genl.Op](), typeFor[genl.MulticastGroup](), typeFor[genl.OpPolicy](), typeFor[genl.Policy](),
	typeFor[genl.Mismatch](),
	// families/ethtool
	typeFor[ethtool.Client](), typeFor[ethtool.Header](), typeFor[ethtool.StatsHeader](),
	typeFor[ethtool.Bitset](), typeFor[ethtool.BitsetBits](), typeFor[ethtool.BitsetBit](),
	typeFor[ethtool.LinkInfoRequest](), typeFor[ethtool.LinkInfo](), typeFor[ethtool.LinkModesRequest](),
	typeFor[ethtool.LinkModes](), typeFor[ethtool.LinkStateRequest](), typeFor[ethtool.LinkState](),
	// families/netdev
	typeFor[netdev.Client](), typeFor[netdev.DevGetRequest](), typeFor[netdev.Device](),
	// families/connector
	typeFor[connector.Header](), typeFor[connector.ID](), typeFor[connector.Message](),
	typeFor[connector.OverrunError](), typeFor[connector.Conn](), typeFor[connector.ProcListener](),
	typeFor[connector.ProcStats](), typeFor[connector.ProcInput](), typeFor[connector.ProcOp](),
	typeFor[connector.EventHeader](), typeFor[connector.ProcEvent](), typeFor[connector.AckEvent](),
	typeFor[connector.ForkEvent](), typeFor[connector.ExecEvent](), typeFor[connector.UIDEvent](),
	typeFor[connector.GIDEvent](), typeFor[connector.SIDEvent](), typeFor[connector.PtraceEvent](),
	typeFor[connector.CommEvent](), typeFor[connector.CoredumpEvent](), typeFor[connector.ExitEvent](),
	typeFor[connector.ProcDecoder](),
	// families/ipvs
	typeFor[ipvs.Client](), typeFor[ipvs.Address](), typeFor[ipvs.Flags](), typeFor[ipvs.Stats](),
	typeFor[ipvs.Stats64](), typeFor[ipvs.Service](), typeFor[ipvs.Destination](), typeFor[ipvs.Daemon](),
	typeFor[ipvs.Timeouts](), typeFor[ipvs.Info](),
	// families/rt
	typeFor[rt.Conn](), typeFor[rt.Via](),
	typeFor[rt.IfAddrMsg](), typeFor[rt.AddrCacheInfo](), typeFor[rt.Address](),
	typeFor[rt.RtMsg](), typeFor[rt.RouteCacheInfo](), typeFor[rt.RouteMetrics](), typeFor[rt.Route](),
	typeFor[rt.NdMsg](), typeFor[rt.NdaCacheInfo](), typeFor[rt.Neighbour](),
	typeFor[rt.FibRuleHdr](), typeFor[rt.FibRuleUIDRange](), typeFor[rt.FibRulePortRange](), typeFor[rt.Rule](),
	typeFor[rt.IfInfoMsg](), typeFor[rt.Link](), typeFor[rt.LinkProps](), typeFor[rt.LinkStats64](),
	typeFor[rt.LinkStats](), typeFor[rt.LinkIfMap](), typeFor[rt.LinkInfo](), typeFor[rt.VethData](),
	typeFor[rt.VlanData](), typeFor[rt.VlanFlags](), typeFor[rt.VlanQoS](), typeFor[rt.VlanQoSMapping](),
	typeFor[rt.BridgeData](), typeFor[rt.BridgeID](), typeFor[rt.BridgePortData](), typeFor[rt.MacvlanData](),
	typeFor[rt.VxlanData](), typeFor[rt.VxlanPortRange](), typeFor[rt.BondData](), typeFor[rt.BondSlaveData](),
	typeFor[rt.Event](), typeFor[rt.RtNextHop](), typeFor[rt.NextHop](), typeFor[rt.Subscription](),
}

// notWire are the family types that marshal happens to plan (as fixed
// layouts of integers) but that are not encoded on the wire.
var notWire = map[reflect.Type]string{
	typeFor[connector.OverrunError](): "an error type",
	typeFor[ipvs.Timeouts]():          "a Go aggregate of three top-level attributes (IPVS_CMD_ATTR_TIMEOUT_*), fuzzed as ipvs.message",
}

// TestFamilyTypesFuzzed checks that every exported struct type of a
// family package that marshal plans (marshal.Check: a message, attribute
// set or fixed layout) is in fuzzTypes, so that the shared fuzz target
// covers it, and that familyStructs lists every exported struct type the
// packages declare.
func TestFamilyTypesFuzzed(t *testing.T) {
	listed := map[string]bool{}
	for _, ft := range familyStructs {
		listed[typeLabel(ft)] = true
	}
	declared, err := declaredStructs(familiesDir)
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range declared {
		if !listed[name] {
			t.Errorf("families/%s declares the exported struct type %s, which familyStructs does not list: list it (and append it to fuzzTypes if marshal.Check accepts it)", strings.Split(name, ".")[0], name)
		}
		delete(listed, name)
	}
	for name := range listed {
		t.Errorf("familyStructs lists %s, which the family packages do not declare", name)
	}
	for _, ft := range familyStructs {
		_, fuzzed := typeIndexOf(ft)
		reason, exempt := notWire[ft]
		err := marshal.Check(ft)
		switch {
		case err == nil && exempt && fuzzed:
			t.Errorf("%s is in fuzzTypes and in notWire (%s)", typeLabel(ft), reason)
		case err == nil && !exempt && !fuzzed:
			t.Errorf("%s is a marshal type of a family package but not in fuzzTypes: append it", typeLabel(ft))
		case err != nil && fuzzed:
			t.Errorf("%s is in fuzzTypes but marshal cannot plan it: %v", typeLabel(ft), err)
		case err != nil:
			t.Logf("%s: not a marshal type (%v)", typeLabel(ft), err)
		}
	}
	for _, v := range fuzzTypes {
		if err := marshal.Check(reflect.TypeOf(v)); err != nil {
			t.Errorf("fuzz type %s: %v", typeLabel(reflect.TypeOf(v)), err)
		}
	}
}

// declaredStructs returns "pkg.Name" for every exported struct type
// declared in the non-test Go files of dir's subdirectories.
func declaredStructs(dir string) ([]string, error) {
	pkgs, err := filepath.Glob(filepath.Join(dir, "*"))
	if err != nil {
		return nil, err
	}
	var out []string
	fset := token.NewFileSet()
	for _, p := range pkgs {
		files, err := filepath.Glob(filepath.Join(p, "*.go"))
		if err != nil {
			return nil, err
		}
		for _, name := range files {
			if strings.HasSuffix(name, "_test.go") {
				continue
			}
			f, err := parser.ParseFile(fset, name, nil, parser.SkipObjectResolution)
			if err != nil {
				return nil, err
			}
			for _, d := range f.Decls {
				gd, ok := d.(*ast.GenDecl)
				if !ok || gd.Tok != token.TYPE {
					continue
				}
				for _, spec := range gd.Specs {
					ts := spec.(*ast.TypeSpec)
					if _, isStruct := ts.Type.(*ast.StructType); isStruct && ts.Name.IsExported() {
						out = append(out, f.Name.Name+"."+ts.Name.Name)
					}
				}
			}
		}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("no struct types under %s", dir)
	}
	return out, nil
}

// TestFileSeedsDeterministic checks that the seeds taken from the checked-in
// captures are the same on every call, so that -update-seeds rewrites the
// same files.
func TestFileSeedsDeterministic(t *testing.T) {
	a, err := fileSeeds()
	if err != nil {
		t.Fatal(err)
	}
	b, err := fileSeeds()
	if err != nil {
		t.Fatal(err)
	}
	if !slices.EqualFunc(a, b, func(x, y seed) bool { return x.name == y.name && string(x.data) == string(y.data) }) {
		t.Fatal("fileSeeds differs between two calls")
	}
}

// TestFamilySeedsDecode checks that every seed taken from a kernel reply
// decodes into the type it selects: a seed that fails to decode would
// mean that it was cut from the wrong place.
func TestFamilySeedsDecode(t *testing.T) {
	fs, err := fileSeeds()
	if err != nil {
		t.Fatal(err)
	}
	live, err := liveSeeds()
	if err != nil {
		t.Logf("no live seeds (%v)", err)
	}
	for _, s := range append(fs, live...) {
		v := reflect.New(reflect.TypeOf(fuzzTypes[s.data[0]]).Elem()).Interface()
		if err := marshal.Unmarshal(s.data[1:], v); err != nil {
			t.Errorf("%s: %v", s.name, err)
		}
	}
	t.Logf("%d seeds from families/*/testdata, %d live", len(fs), len(live))
}
