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
