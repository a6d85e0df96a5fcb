package marshal_test

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/nlstruct/nlstruct/marshal"
)

type ruHdr struct {
	What uint32
	CPU  uint32
}

type ruBody interface{ ruBody() }

type ruFork struct{ Parent, Child uint32 }

type ruExit struct{ PID, Code uint32 }

func (*ruFork) ruBody() {}
func (*ruExit) ruBody() {}

type ruEvent struct {
	Hdr  ruHdr  `nl:"header"`
	Body ruBody `nl:"selector=Hdr.What"`
}

func init() {
	marshal.RegisterVariant[ruBody](uint32(1), (*ruFork)(nil))
	marshal.RegisterVariant[ruBody](uint32(2), (*ruExit)(nil))
}

func TestReuseVariants(t *testing.T) {
	fork, err := marshal.Marshal(&ruEvent{Hdr: ruHdr{What: 1, CPU: 3}, Body: &ruFork{Parent: 10, Child: 11}})
	if err != nil {
		t.Fatal(err)
	}
	exit, err := marshal.Marshal(&ruEvent{Hdr: ruHdr{What: 2}, Body: &ruExit{PID: 11, Code: 256}})
	if err != nil {
		t.Fatal(err)
	}
	opts := marshal.Options{ReuseVariants: true}
	var ev ruEvent
	if err := opts.Unmarshal(fork, &ev); err != nil {
		t.Fatal(err)
	}
	first := ev.Body.(*ruFork)
	// The same type again: decoded over the same value, no allocation.
	if err := opts.Unmarshal(fork, &ev); err != nil {
		t.Fatal(err)
	}
	if ev.Body.(*ruFork) != first {
		t.Error("ReuseVariants: a fork after a fork got a new value")
	}
	if n := testing.AllocsPerRun(100, func() { _ = opts.Unmarshal(fork, &ev) }); n != 0 {
		t.Errorf("ReuseVariants: %v allocations per decode of a repeated type, want 0", n)
	}
	// Another type: a new value of that type, with nothing left over.
	if err := opts.Unmarshal(exit, &ev); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(&ruExit{PID: 11, Code: 256}, ev.Body); diff != "" {
		t.Errorf("after an exit event (-want +got):\n%s", diff)
	}
	// Without the option every decode gets a fresh value.
	var plain ruEvent
	_ = marshal.Unmarshal(fork, &plain)
	prev := plain.Body
	_ = marshal.Unmarshal(fork, &plain)
	if plain.Body == prev {
		t.Error("without ReuseVariants the value was reused")
	}
}

// RegisterVariant takes a pointer to a value: a pointer to a pointer or to
// an interface would make decoding allocate the wrong type.
func TestRegisterVariantRejectsIndirectExamples(t *testing.T) {
	type rvIface interface{}
	type rvX struct{ A uint32 }
	for name, register := range map[string]func(){
		"**T":  func() { marshal.RegisterVariant[rvIface](uint32(1), (**rvX)(nil)) },
		"*any": func() { marshal.RegisterVariant[rvIface](uint32(2), (*any)(nil)) },
		"T":    func() { marshal.RegisterVariant[rvIface](uint32(3), rvX{}) },
		"nil":  func() { marshal.RegisterVariant[rvIface](uint32(4), nil) },
	} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("RegisterVariant with a %s example did not panic", name)
				}
			}()
			register()
		}()
	}
}

// A body nested in a body: with ReuseVariants, only the top-level body
// is decoded over the value it held; the inner one is a new value, never
// the outer one.
type ruNestHdr struct{ What uint32 }

type ruNestBody interface{ ruNest() }

type ruNestOuter struct {
	Hdr  ruNestHdr  `nl:"header"`
	Body ruNestBody `nl:"selector=Hdr.What"`
}

func (*ruNestOuter) ruNest() {}

type ruNestLeaf struct{ X uint32 }

func (*ruNestLeaf) ruNest() {}

func init() {
	marshal.RegisterVariant[ruNestBody](uint32(1), (*ruNestOuter)(nil))
	marshal.RegisterVariant[ruNestBody](uint32(2), (*ruNestLeaf)(nil))
}

func TestReuseVariantsNestedBody(t *testing.T) {
	in := &ruNestOuter{Hdr: ruNestHdr{1}, Body: &ruNestOuter{Hdr: ruNestHdr{1}, Body: &ruNestOuter{Hdr: ruNestHdr{2}, Body: &ruNestLeaf{X: 9}}}}
	b, err := marshal.Marshal(in)
	if err != nil {
		t.Fatal(err)
	}
	opts := marshal.Options{ReuseVariants: true}
	var v ruNestOuter
	for i := range 3 {
		if err := opts.Unmarshal(b, &v); err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(in, &v); diff != "" {
			t.Fatalf("decode %d (-want +got):\n%s", i, diff)
		}
	}
	dec, err := marshal.NewDecoder[ruNestOuter](opts)
	if err != nil {
		t.Fatal(err)
	}
	for i := range 3 {
		if err := dec.Decode(b, &v); err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(in, &v); diff != "" {
			t.Fatalf("Decoder, decode %d (-want +got):\n%s", i, diff)
		}
	}
}
