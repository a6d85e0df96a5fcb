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

	"github.com/nlstruct/nlstruct/families/ipvs"
	"github.com/nlstruct/nlstruct/internal/zoo"
	"github.com/nlstruct/nlstruct/marshal"
)

var updateSeeds = flag.Bool("update-seeds", false, "rewrite the seed files in testdata/fuzz/FuzzUnmarshal from zoo.Samples")

// fuzzTypes are the types FuzzUnmarshal decodes into, chosen by the first
// input byte modulo len(fuzzTypes). Family packages append their types
// here; never insert or reorder, or the corpus selects other types.
var fuzzTypes = append(slices.Clone(zoo.All),
	// families/ipvs: the reply types (its reply message is unexported).
	&ipvs.Service{}, &ipvs.Destination{}, &ipvs.Daemon{}, &ipvs.Info{},
)

func typeIndex(v any) int {
	t := reflect.TypeOf(v)
	for i, z := range fuzzTypes {
		if reflect.TypeOf(z) == t {
			return i
		}
	}
	panic(fmt.Sprintf("%T is not a fuzz type", v))
}

type seed struct {
	name string
	data []byte // type index, then the encoding
}

// seeds returns the encodings of every zoo sample (that encodes: see
// zoo.KnownBug), each prefixed with its type's index.
func seeds() []seed {
	var out []seed
	count := map[string]int{}
	add := func(v any, b []byte) {
		name := reflect.TypeOf(v).Elem().Name()
		out = append(out, seed{
			name: fmt.Sprintf("seed-%s-%d", name, count[name]),
			data: append([]byte{byte(typeIndex(v))}, b...),
		})
		count[name]++
	}
	for _, s := range zoo.Samples() {
		if b, err := marshal.Marshal(s); err == nil {
			add(s, b)
		}
	}
	return out
}

func FuzzUnmarshal(f *testing.F) {
	for _, s := range seeds() {
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

// TestSeedCorpus writes the seed files with -update-seeds. Without it, it
// checks that every checked-in file is a go test fuzz v1 file selecting an
// existing type, and says which seed files are missing or stale.
func TestSeedCorpus(t *testing.T) {
	want := seeds()
	if *updateSeeds {
		old, _ := filepath.Glob(filepath.Join(corpusDir, "seed-*"))
		for _, name := range old {
			if err := os.Remove(name); err != nil {
				t.Fatal(err)
			}
		}
		if err := os.MkdirAll(corpusDir, 0o755); err != nil {
			t.Fatal(err)
		}
		for _, s := range want {
			body := fmt.Sprintf("go test fuzz v1\n[]byte(%q)\n", s.data)
			if err := os.WriteFile(filepath.Join(corpusDir, s.name), []byte(body), 0o644); err != nil {
				t.Fatal(err)
			}
		}
		t.Logf("wrote %d seed files", len(want))
		return
	}
	entries, err := os.ReadDir(corpusDir)
	if err != nil {
		t.Fatal(err)
	}
	have := map[string][]byte{}
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
		have[e.Name()] = data
	}
	var stale []string
	for _, s := range want {
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
