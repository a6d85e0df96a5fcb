package fuzz

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"net/netip"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/nlstruct/nlstruct/families/connector"
	"github.com/nlstruct/nlstruct/families/ethtool"
	"github.com/nlstruct/nlstruct/families/genl"
	"github.com/nlstruct/nlstruct/families/ipvs"
	"github.com/nlstruct/nlstruct/families/netdev"
	"github.com/nlstruct/nlstruct/families/rt"
	"github.com/nlstruct/nlstruct/internal/zoo"
	"github.com/nlstruct/nlstruct/marshal"
	"github.com/nlstruct/nlstruct/socket"
)

var updateSeeds = flag.Bool("update-seeds", false, "rewrite the seed files in testdata/fuzz/FuzzUnmarshal from zoo.Samples, families/*/testdata and (where it answers) the running kernel")

// fuzzTypes are the types FuzzUnmarshal decodes into, chosen by the first
// input byte modulo len(fuzzTypes). Family packages append their types
// here; never insert or reorder, or the corpus selects other types.
var fuzzTypes = append(slices.Clone(zoo.All),
	// families/ipvs: the reply types (its reply message is unexported).
	&ipvs.Service{}, &ipvs.Destination{}, &ipvs.Daemon{}, &ipvs.Info{},
	// families/genl: the controller's replies and their parts, and a
	// copy of the unexported policy dump message (genlPolicyReply).
	&genl.Family{}, &genl.Op{}, &genl.MulticastGroup{}, &genl.OpPolicy{}, &genl.Header{},
	&socket.AttrPolicy{}, &genlPolicyReply{},
	// families/ethtool: the replies, the requests and their parts.
	&ethtool.LinkInfo{}, &ethtool.LinkModes{}, &ethtool.LinkState{},
	&ethtool.LinkInfoRequest{}, &ethtool.LinkModesRequest{}, &ethtool.LinkStateRequest{},
	&ethtool.Header{}, &ethtool.StatsHeader{}, &ethtool.Bitset{}, &ethtool.BitsetBits{}, &ethtool.BitsetBit{},
	// families/netdev.
	&netdev.Device{}, &netdev.DevGetRequest{},
	// families/connector: the proc event message, its fixed layouts (cn_msg,
	// its id, the event header, the union's members) and the subscription
	// requests.
	&connector.ProcEvent{}, &connector.Header{}, &connector.ID{}, &connector.EventHeader{},
	&connector.ProcInput{}, &connector.ProcOp{},
	&connector.AckEvent{}, &connector.ForkEvent{}, &connector.ExecEvent{}, &connector.UIDEvent{},
	&connector.GIDEvent{}, &connector.SIDEvent{}, &connector.PtraceEvent{}, &connector.CommEvent{},
	&connector.CoredumpEvent{}, &connector.ExitEvent{},
	// families/ipvs: the parts of services and destinations, and a copy of
	// the unexported reply message (ipvsMessage).
	&ipvs.Stats{}, &ipvs.Stats64{}, &ipvs.Flags{}, &ipvs.Address{}, &ipvsMessage{},
	// families/rt: addresses, routes, neighbours, rules and their parts.
	&rt.Address{}, &rt.IfAddrMsg{}, &rt.AddrCacheInfo{},
	&rt.Route{}, &rt.RtMsg{}, &rt.RouteCacheInfo{}, &rt.RouteMetrics{},
	&rt.Neighbour{}, &rt.NdMsg{}, &rt.NdaCacheInfo{},
	&rt.Rule{}, &rt.FibRuleHdr{}, &rt.FibRuleUIDRange{}, &rt.FibRulePortRange{},
	// families/rt: links, their parts and the data of each link kind.
	&rt.Link{}, &rt.IfInfoMsg{}, &rt.LinkProps{}, &rt.LinkStats64{}, &rt.LinkStats{}, &rt.LinkIfMap{},
	&rt.LinkInfo{}, &rt.VethData{}, &rt.VlanData{}, &rt.VlanFlags{}, &rt.VlanQoS{}, &rt.VlanQoSMapping{},
	&rt.BridgeData{}, &rt.BridgeID{}, &rt.BridgePortData{}, &rt.MacvlanData{}, &rt.VxlanData{},
	&rt.VxlanPortRange{}, &rt.BondData{}, &rt.BondSlaveData{},
	// families/rt: the next hops of multipath routes.
	&rt.NextHop{}, &rt.RtNextHop{},
)

// typeIndexOf returns the index of t, a pointer type, in fuzzTypes.
func typeIndexOf(t reflect.Type) (int, bool) {
	for i, z := range fuzzTypes {
		if reflect.TypeOf(z) == t {
			return i, true
		}
	}
	return 0, false
}

type seed struct {
	name string
	data []byte // type index, then the encoding
}

// zooSeeds returns the encodings of every zoo sample (that encodes: see
// zoo.KnownBug), each prefixed with its type's index.
func zooSeeds() []seed {
	s := newSeedSet("", false)
	for _, v := range zoo.Samples() {
		if b, err := marshal.Marshal(v); err == nil {
			s.add(reflect.TypeOf(v), b)
		}
	}
	return s.out
}

// seeds returns the seeds that do not depend on the running kernel: the
// zoo's, and those taken from the kernel replies checked in under
// families/*/testdata (fileSeeds). Live seeds (liveSeeds) come on top.
func seeds() ([]seed, error) {
	fs, err := fileSeeds()
	if err != nil {
		return nil, fmt.Errorf("seeds from families/*/testdata: %w", err)
	}
	return append(zooSeeds(), fs...), nil
}

func FuzzUnmarshal(f *testing.F) {
	all, err := seeds()
	if err != nil {
		f.Fatal(err)
	}
	live, err := liveSeeds()
	if err != nil {
		f.Logf("no live seeds (%v)", err)
	}
	for _, s := range append(all, live...) {
		f.Add(s.data)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) == 0 {
			return
		}
		typ := reflect.TypeOf(fuzzTypes[int(data[0])%len(fuzzTypes)]).Elem()
		checkFixpoint(t, typ, data[1:])
	})
}

// exact compares values that must be identical. netip.Addr has unexported
// fields, so cmp is told to compare it with == (address and zone: exact).
var exact = []cmp.Option{cmp.Comparer(func(a, b netip.Addr) bool { return a == b })}

// fixpoint compares the first and second decodings of an input. Values may
// change only where doc.go says they do:
//   - net.IP: "4 bytes for IPv4, else 16; decodes 4 or 16": a 16-byte
//     v4-mapped address decodes as 16 bytes and is re-encoded as 4; cmp's
//     default use of net.IP.Equal treats both forms as the same address;
//   - omitempty: "do not encode a zero value", so a present empty attribute
//     (decoded as a non-nil empty slice) is not re-encoded and the second
//     decoding has nil; EquateEmpty applies only to fields tagged
//     omitempty.
var fixpoint = []cmp.Option{
	cmp.Comparer(func(a, b netip.Addr) bool { return a == b }),
	cmp.FilterPath(func(p cmp.Path) bool {
		sf, ok := p.Last().(cmp.StructField)
		if !ok || len(p) < 2 || p.Index(-2).Type().Kind() != reflect.Struct {
			return false
		}
		return hasOption(p.Index(-2).Type().Field(sf.Index()).Tag.Get("nl"), "omitempty")
	}, cmpopts.EquateEmpty()),
}

func hasOption(tag, name string) bool {
	for _, o := range strings.Split(tag, ",") {
		if k, _, _ := strings.Cut(strings.TrimSpace(o), "="); k == name {
			return true
		}
	}
	return false
}

var sentinels = []error{marshal.ErrTruncated, marshal.ErrBadLength, marshal.ErrTooLarge, marshal.ErrTooDeep,
	marshal.ErrCheck, marshal.ErrUnknownAttribute, marshal.ErrVariant, marshal.ErrTag, marshal.ErrInvalid}

// checkFixpoint decodes data as typ. Decoding must not panic (the fuzzer
// reports a panic as a failure) and must fail with a *marshal.Error
// wrapping a sentinel, or succeed; then the value must encode, decoding
// that must give the same value, and encoding that the same bytes.
// DiscardUnknown must succeed exactly when KeepUnknown does, with the
// unknown fields cleared; RejectUnknown, when it succeeds, must give the
// same value, which then has no unknown attributes.
func checkFixpoint(t *testing.T, typ reflect.Type, data []byte) {
	v1 := reflect.New(typ).Interface()
	err := marshal.Unmarshal(data, v1)
	disc := reflect.New(typ).Interface()
	errDisc := (marshal.Options{Unknown: marshal.DiscardUnknown}).Unmarshal(data, disc)
	if err != nil {
		var me *marshal.Error
		if !errors.As(err, &me) || !slices.ContainsFunc(sentinels, func(s error) bool { return errors.Is(err, s) }) {
			t.Fatalf("%v: Unmarshal error %v (%T) is not a *marshal.Error wrapping a sentinel", typ, err, err)
		}
		if errDisc == nil {
			t.Fatalf("%v: DiscardUnknown accepts what KeepUnknown rejects (%v)", typ, err)
		}
		return
	}
	if errDisc != nil {
		t.Fatalf("%v: DiscardUnknown fails (%v) where KeepUnknown succeeds", typ, errDisc)
	}
	b1, err := marshal.Marshal(v1)
	if err != nil {
		if errors.Is(err, marshal.ErrTooLarge) {
			// Decoding merges repeated nested sets and adds a NUL to
			// unterminated strings, so a value decoded from attributes
			// near 64 KiB may not fit in one again.
			return
		}
		t.Fatalf("%v: Marshal of a decoded value: %v\ninput %q\nvalue %+v", typ, err, data, v1)
	}
	v2 := reflect.New(typ).Interface()
	if err := marshal.Unmarshal(b1, v2); err != nil {
		t.Fatalf("%v: Unmarshal of the re-encoding: %v\ninput %q\nre-encoding %q", typ, err, data, b1)
	}
	if d := cmp.Diff(v1, v2, fixpoint...); d != "" {
		t.Fatalf("%v: decode→encode→decode is not a fixpoint (-first +second):\n%s\ninput %q\nre-encoding %q", typ, d, data, b1)
	}
	b2, err := marshal.Marshal(v2)
	if err != nil || !bytes.Equal(b1, b2) {
		t.Fatalf("%v: second encoding differs: %v\n first %q\nsecond %q\ninput %q", typ, err, b1, b2, data)
	}
	zoo.ClearUnknown(v1)
	if d := cmp.Diff(v1, disc, exact...); d != "" {
		t.Fatalf("%v: DiscardUnknown is not KeepUnknown without unknown attributes (-keep +discard):\n%s\ninput %q", typ, d, data)
	}
	rej := reflect.New(typ).Interface()
	if err := (marshal.Options{Unknown: marshal.RejectUnknown}).Unmarshal(data, rej); err == nil {
		if zoo.HasUnknown(v2) {
			t.Fatalf("%v: RejectUnknown accepts input whose decoding has unknown attributes\ninput %q", typ, data)
		}
		if d := cmp.Diff(v2, rej, fixpoint...); d != "" {
			t.Fatalf("%v: RejectUnknown decodes differently (-keep +reject):\n%s\ninput %q", typ, d, data)
		}
	} else if !errors.Is(err, marshal.ErrUnknownAttribute) && !errors.Is(err, marshal.ErrVariant) {
		t.Fatalf("%v: RejectUnknown fails with %v, want ErrUnknownAttribute or ErrVariant", typ, err)
	}
}

const corpusDir = "testdata/fuzz/FuzzUnmarshal"

// isLive reports whether a seed file holds a live seed (liveSeeds), which
// only a run against a kernel can rewrite.
func isLive(name string) bool { return strings.Contains(name, "-live-") }

// TestSeedCorpus writes the seed files with -update-seeds: the zoo's and
// those from families/*/testdata always, deterministically; the live ones
// when the kernel answers, else it keeps the checked-in live files.
// Without -update-seeds, it checks that every checked-in file is a go test
// fuzz v1 file selecting an existing type, that every fuzz type has a seed
// file, and says which seed files are missing, stale or obsolete.
func TestSeedCorpus(t *testing.T) {
	want, err := seeds()
	if err != nil {
		t.Fatal(err)
	}
	live, liveErr := liveSeeds()
	if *updateSeeds {
		old, _ := filepath.Glob(filepath.Join(corpusDir, "seed-*"))
		for _, name := range old {
			if liveErr != nil && isLive(filepath.Base(name)) {
				continue
			}
			if err := os.Remove(name); err != nil {
				t.Fatal(err)
			}
		}
		if err := os.MkdirAll(corpusDir, 0o755); err != nil {
			t.Fatal(err)
		}
		if liveErr != nil {
			t.Logf("no live seeds (%v): the checked-in live seed files are kept", liveErr)
		}
		for _, s := range append(want, live...) {
			body := fmt.Sprintf("go test fuzz v1\n[]byte(%q)\n", s.data)
			if err := os.WriteFile(filepath.Join(corpusDir, s.name), []byte(body), 0o644); err != nil {
				t.Fatal(err)
			}
		}
		t.Logf("wrote %d seed files (%d live)", len(want)+len(live), len(live))
		return
	}
	entries, err := os.ReadDir(corpusDir)
	if err != nil {
		t.Fatal(err)
	}
	have := map[string][]byte{}
	covered := make([]int, len(fuzzTypes))
	for _, e := range entries {
		raw, err := os.ReadFile(filepath.Join(corpusDir, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		data, err := parseCorpusFile(raw)
		if err != nil {
			t.Errorf("%s: %v", e.Name(), err)
			continue
		}
		if len(data) > 0 && int(data[0]) >= len(fuzzTypes) {
			t.Errorf("%s: selects type %d of %d", e.Name(), data[0], len(fuzzTypes))
		}
		if len(data) > 0 && strings.HasPrefix(e.Name(), "seed-") {
			covered[int(data[0])%len(fuzzTypes)]++
		}
		have[e.Name()] = data
	}
	for i, n := range covered {
		if n == 0 {
			t.Errorf("fuzz type %d (%s) has no seed file", i, typeLabel(reflect.TypeOf(fuzzTypes[i])))
		}
	}
	var stale []string
	wanted := map[string]bool{}
	for _, s := range want {
		wanted[s.name] = true
		if got, ok := have[s.name]; !ok || !bytes.Equal(got, s.data) {
			stale = append(stale, s.name)
		}
	}
	if len(stale) > 0 {
		// Not an error: the encodings are in host byte order, and the
		// zoo or marshal may have changed. The seeds are still added
		// with f.Add.
		t.Logf("%d seed files are missing or stale (regenerate with -update-seeds): %v", len(stale), stale)
	}
	var obsolete []string
	for name := range have {
		if strings.HasPrefix(name, "seed-") && !isLive(name) && !wanted[name] {
			obsolete = append(obsolete, name)
		}
	}
	if len(obsolete) > 0 {
		slices.Sort(obsolete)
		t.Logf("%d seed files are no longer generated (regenerate with -update-seeds): %v", len(obsolete), obsolete)
	}
	if liveErr != nil {
		t.Logf("no live seeds (%v): the checked-in live seed files are not compared", liveErr)
		return
	}
	// The live seeds depend on the kernel (its families, their ids and
	// policies): a difference is information, not an error.
	liveNames := map[string]bool{}
	var differ []string
	for _, s := range live {
		liveNames[s.name] = true
		if got, ok := have[s.name]; !ok || !bytes.Equal(got, s.data) {
			differ = append(differ, s.name)
		}
	}
	for name := range have {
		if isLive(name) && !liveNames[name] {
			differ = append(differ, name)
		}
	}
	if len(differ) > 0 {
		slices.Sort(differ)
		t.Logf("%d live seed files differ from this kernel's replies (-update-seeds rewrites them): %v", len(differ), differ)
	}
}

// parseCorpusFile parses a go test fuzz v1 file holding one []byte.
func parseCorpusFile(raw []byte) ([]byte, error) {
	header, body, ok := strings.Cut(string(raw), "\n")
	if !ok || header != "go test fuzz v1" {
		return nil, errors.New("not a go test fuzz v1 file")
	}
	body = strings.TrimSpace(body)
	if !strings.HasPrefix(body, "[]byte(") || !strings.HasSuffix(body, ")") {
		return nil, fmt.Errorf("want one []byte value, got %.40q", body)
	}
	s, err := strconv.Unquote(body[len("[]byte(") : len(body)-1])
	if err != nil {
		return nil, err
	}
	return []byte(s), nil
}
