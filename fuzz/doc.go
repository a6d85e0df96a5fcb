// Package fuzz holds the native Go fuzz targets of nlstruct. It has no
// code of its own; the targets are in fuzz_test.go (and the family seeds
// and checks in families_test.go).
//
// FuzzUnmarshal decodes arbitrary bytes into every fuzz type, the first
// input byte choosing the type (modulo the number of types), and checks
// that decoding never panics and that, when it succeeds, the value
// encodes and decode→encode→decode is a fixpoint: the two decoded values
// are equal (cmp.Diff, with only the changes marshal's doc.go documents)
// and so are their two encodings. It also checks that the
// unknown-attribute policies agree with each other.
//
// FuzzDecoder (decoder_test.go) checks marshal.Decoder against Unmarshal
// on streams of messages that end in a body sub-message (the proc
// connector's ProcEvent and two zoo types), where a Decoder with
// ReuseVariants reuses kept bodies and takes its flat path; its seeds are
// the captured proc events and the zoo samples, added with f.Add.
//
// # Fuzz types
//
// The types (fuzzTypes) are, in this order, which must never change:
// the test zoo (internal/zoo.All), then the family packages' types:
//
//   - families/ipvs: Service, Destination, Daemon, Info;
//   - families/genl: Family, Op, MulticastGroup, OpPolicy, Header,
//     socket.AttrPolicy, and genlPolicyReply, a copy of genl's unexported
//     policyReply (one message of a policy dump);
//   - families/ethtool: LinkInfo, LinkModes, LinkState, their requests
//     LinkInfoRequest, LinkModesRequest, LinkStateRequest, and Header,
//     StatsHeader, Bitset, BitsetBits, BitsetBit;
//   - families/netdev: Device, DevGetRequest;
//   - families/connector: ProcEvent, and the fixed layouts Header (cn_msg),
//     ID, EventHeader, ProcInput, ProcOp and the union's members AckEvent,
//     ForkEvent, ExecEvent, UIDEvent, GIDEvent, SIDEvent, PtraceEvent,
//     CommEvent, CoredumpEvent, ExitEvent;
//   - families/ipvs again: Stats, Stats64, Flags, Address, and
//     ipvsMessage, a copy of ipvs's unexported reply message;
//   - families/rt: Address, IfAddrMsg, AddrCacheInfo, Route, RtMsg,
//     RouteCacheInfo, RouteMetrics, Neighbour, NdMsg, NdaCacheInfo, Rule,
//     FibRuleHdr, FibRuleUIDRange, FibRulePortRange; then Link, IfInfoMsg,
//     LinkProps, LinkStats64, LinkStats, LinkIfMap, LinkInfo and the data
//     of each link kind (VethData, VlanData, VlanFlags, VlanQoS,
//     VlanQoSMapping, BridgeData, BridgeID, BridgePortData, MacvlanData,
//     VxlanData, VxlanPortRange, BondData, BondSlaveData); then NextHop
//     and RtNextHop, the records of multipath routes.
//
// A family type that the generic netlink families send after genlmsghdr
// is fuzzed without it: its inputs are the attributes alone.
//
// TestFamilyTypesFuzzed keeps the list complete: it parses the family
// packages for their exported struct types, which must all be listed in
// familyStructs, and fails if one that marshal plans (marshal.Check) is
// missing from fuzzTypes, unless notWire says it is not a wire format
// (connector.OverrunError, ipvs.Timeouts). A new family type is appended
// to fuzzTypes, never inserted: the corpus selects types by index.
//
// # Seeds
//
// The seed corpus is checked in under testdata/fuzz/FuzzUnmarshal (go test
// fuzz v1 files named seed-<type>-<n>; family types are named with their
// package, as in seed-ethtool.LinkModes-0, since the zoo has types of the
// same names) and also added with f.Add. It has three sources:
//
//   - the encodings of the hand-built zoo.Samples;
//   - kernel replies captured in families/*/testdata (fileSeeds): the
//     ethtool, netdev and ipvs *.hex files (genlmsghdr stripped: each
//     reply's attributes for its reply type; its genlmsghdr for
//     genl.Header; its header or ifindex attribute alone as the body of the
//     request for the same device; the nested Service, Destination and
//     Daemon of the IPVS replies, their addresses, flags and counters; the
//     bit sets of LinkModes), and the proc connector messages of
//     families/connector/testdata/proc_events.json (nlmsghdr stripped: the
//     ProcEvent, its cn_msg, event header and union member), and the
//     rtnetlink dumps of families/rt/testdata (each message as its type,
//     and every part of it that is a fuzz type: headers, cache infos,
//     metrics, link info and kind data). The subscription requests ProcOp
//     and ProcInput, which the kernel never sends, and the link kinds no
//     capture holds (veth, vlan and bond data, a multipath route), have
//     hand-built seeds. These are read in file and line order
//     and deduplicated, so they are the same on every run;
//   - replies of the running kernel (liveSeeds, files seed-<type>-live-<n>):
//     the controller's families dump (Family, Op, MulticastGroup), its
//     policy dumps of nlctrl and ethtool (genlPolicyReply, AttrPolicy,
//     OpPolicy; one per signature, as ethtool's dump has hundreds of
//     messages that differ only in numbers), and ethtool's features of lo
//     for verbose bit sets with bits (BitsetBit). They depend on the
//     kernel, and are skipped where netlink is not available.
//
// TestSeedCorpus checks that every fuzz type has a seed file. Regenerate
// the files after changing the zoo, a family's captures or the fuzz types
// with
//
//	go test ./fuzz -run=TestSeedCorpus -update-seeds
//
// which rewrites the zoo and capture seeds, and the live ones where the
// kernel answers (elsewhere it keeps the checked-in live files).
//
// Plain go test runs every seed as a regression test. To fuzz:
//
//	go test ./fuzz -run=XXX -fuzz=FuzzUnmarshal -fuzztime=60s
//
// A crasher that the fuzzer finds is written to testdata/fuzz/FuzzUnmarshal
// and from then on replayed by go test; report the marshal bug it shows
// (the input and what went wrong) before checking it in.
package fuzz
