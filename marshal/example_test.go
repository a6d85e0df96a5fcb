package marshal_test

import (
	"errors"
	"fmt"
	"reflect"

	"github.com/nlstruct/nlstruct/marshal"
)

// Encode a request of a made-up generic netlink family and decode it back.
func Example() {
	type Stats struct {
		Conns uint32 `nl:"type=1"`
	}
	type Service struct {
		AF        uint16 `nl:"type=1"`
		Port      uint16 `nl:"type=4,be"`      // network byte order
		Scheduler string `nl:"type=6"`         // NUL-terminated
		Stats     *Stats `nl:"type=10,nested"` // nil: not sent
	}

	b, err := marshal.Marshal(&Service{AF: 2, Port: 80, Scheduler: "rr", Stats: &Stats{Conns: 3}})
	if err != nil {
		panic(err)
	}
	fmt.Printf("% x\n", b[0:8])   // AF: nla_len 6, nla_type 1, 2, padding
	fmt.Printf("% x\n", b[8:16])  // Port: 80 big-endian
	fmt.Printf("% x\n", b[16:24]) // Scheduler: "rr\0"
	fmt.Printf("% x\n", b[24:])   // Stats: NLA_F_NESTED set, Conns inside

	var svc Service
	if err := marshal.Unmarshal(b, &svc); err != nil {
		panic(err)
	}
	fmt.Printf("%+v %+v\n", svc.Scheduler, *svc.Stats)
	// Output:
	// 06 00 01 00 02 00 00 00
	// 06 00 04 00 00 50 00 00
	// 07 00 06 00 72 72 00 00
	// 0c 00 0a 80 08 00 01 00 03 00 00 00
	// rr {Conns:3}
}

// LinkData is the kind-specific part of a link (IFLA_INFO_DATA): its
// concrete type depends on the kind.
type LinkData interface{ isLinkData() }

type VlanData struct {
	ID uint16 `nl:"type=1"`
}

type MacvlanData struct {
	Mode uint32 `nl:"type=1"`
}

func (*VlanData) isLinkData()    {}
func (*MacvlanData) isLinkData() {}

// LinkInfo is IFLA_LINKINFO: Data is chosen by Kind.
type LinkInfo struct {
	Kind string   `nl:"type=1"`
	Data LinkData `nl:"type=2,selector=Kind"`
}

func init() {
	marshal.RegisterVariant[LinkData]("vlan", (*VlanData)(nil))
	marshal.RegisterVariant[LinkData]("macvlan", (*MacvlanData)(nil))
}

// A sub-message: the type of LinkInfo.Data is chosen by LinkInfo.Kind,
// using the types registered in init.
func ExampleRegisterVariant() {
	b, err := marshal.Marshal(&LinkInfo{Kind: "vlan", Data: &VlanData{ID: 10}})
	if err != nil {
		panic(err)
	}
	fmt.Printf("% x\n", b)

	var info LinkInfo
	if err := marshal.Unmarshal(b, &info); err != nil {
		panic(err)
	}
	fmt.Printf("%s %T %+v\n", info.Kind, info.Data, *info.Data.(*VlanData))
	// Output:
	// 09 00 01 00 76 6c 61 6e 00 00 00 00 0c 00 02 80 06 00 01 00 0a 00 00 00
	// vlan *marshal_test.VlanData {ID:10}
}

// By default attributes without a field are ignored (or kept in an
// `nl:"unknown"` field); RejectUnknown makes them an error.
func ExampleOptions_Unmarshal() {
	type Stats struct {
		Conns uint32 `nl:"type=1"`
	}
	b := []byte{
		8, 0, 1, 0, 3, 0, 0, 0, // type 1: Conns = 3
		8, 0, 2, 0, 7, 0, 0, 0, // type 2: from a newer kernel
	}

	var s Stats
	err := marshal.Unmarshal(b, &s)
	fmt.Println(s.Conns, err)

	err = marshal.Options{Unknown: marshal.RejectUnknown}.Unmarshal(b, &s)
	fmt.Println(err)
	fmt.Println(errors.Is(err, marshal.ErrUnknownAttribute))
	// Output:
	// 3 <nil>
	// marshal: Stats at offset 8: unknown attribute: type 2 (4 bytes) has no field in marshal_test.Stats
	// true
}

// Check finds tag mistakes before the first message is sent; call it from
// a test.
func ExampleCheck() {
	type Request struct {
		Port uint16 `nl:"type=1,be"`
		Name string `nl:"type=2,be"` // be applies only to integers
	}
	err := marshal.Check(reflect.TypeFor[Request]())
	fmt.Println(err)
	fmt.Println(errors.Is(err, marshal.ErrTag))
	// Output:
	// marshal: Request: field Name: option "be": applies only to integers
	// true
}

// PathAt names the field at a byte offset of an encoding, such as the
// offset of the attribute the kernel rejected in an extended ACK (counted
// from the first attribute).
func ExamplePathAt() {
	type Stats struct {
		Conns uint32 `nl:"type=1"`
	}
	type Service struct {
		AF        uint16 `nl:"type=1"`
		Scheduler string `nl:"type=6"`
		Stats     *Stats `nl:"type=10,nested"`
	}
	svc := &Service{AF: 2, Scheduler: "rr", Stats: &Stats{Conns: 3}}
	b, err := marshal.Marshal(svc)
	if err != nil {
		panic(err)
	}
	for _, off := range []int{0, 8, 16, 20, 24} {
		path, _ := marshal.PathAt(svc, b, off)
		fmt.Println(off, path)
	}
	// Output:
	// 0 Service.AF
	// 8 Service.Scheduler
	// 16 Service.Stats
	// 20 Service.Stats.Conns
	// 24 Service.Stats.Conns
}

// Decoding errors say which field failed, the attribute types on the way
// to it, and where in the input.
func ExampleError() {
	type Stats struct {
		Conns uint32 `nl:"type=1"`
	}
	type Service struct {
		Stats Stats `nl:"type=10,nested"`
	}
	b := []byte{
		11, 0, 10, 0x80, // Stats: nla_len 11, type 10, nested
		7, 0, 1, 0, 1, 2, 3, 0, // Conns with a 3-byte payload
	}
	var svc Service
	err := marshal.Unmarshal(b, &svc)
	fmt.Println(err)

	var e *marshal.Error
	if errors.As(err, &e) {
		fmt.Println(e.FieldPath(), e.Attrs, e.Offset, errors.Is(err, marshal.ErrBadLength))
	}
	// Output:
	// marshal: Service.Stats.Conns (attr 10/1) at offset 8: bad length: want 4 bytes, got 3
	// Service.Stats.Conns [10 1] 8 true
}

// A tiny event stream: a header whose What field chooses the body, each
// body a C struct.
type EventHeader struct {
	What uint32
	CPU  uint32
}

type EventBody interface{ isEventBody() }

type Started struct{ PID, Parent int32 }

type Stopped struct {
	PID  int32
	Code uint32
}

func (*Started) isEventBody() {}
func (*Stopped) isEventBody() {}

type Event struct {
	Header EventHeader `nl:"header"`
	Body   EventBody   `nl:"selector=Header.What"`
}

func init() {
	marshal.RegisterVariant[EventBody](uint32(1), (*Started)(nil))
	marshal.RegisterVariant[EventBody](uint32(2), (*Stopped)(nil))
}

// A Decoder with ReuseVariants decodes a stream into one value and one
// kept body of each type: once it has seen each type it allocates nothing.
func ExampleDecoder() {
	dec, err := marshal.NewDecoder[Event](marshal.Options{ReuseVariants: true})
	if err != nil {
		panic(err)
	}
	var stream [][]byte
	for _, ev := range []*Event{
		{EventHeader{What: 1}, &Started{PID: 42, Parent: 1}},
		{EventHeader{What: 2, CPU: 3}, &Stopped{PID: 42, Code: 256}},
		{EventHeader{What: 1}, &Started{PID: 43, Parent: 42}},
	} {
		b, err := marshal.Marshal(ev)
		if err != nil {
			panic(err)
		}
		stream = append(stream, b)
	}

	var ev Event
	var firstStarted EventBody
	for _, b := range stream {
		if err := dec.Decode(b, &ev); err != nil {
			panic(err)
		}
		fmt.Printf("cpu %d: %T %+v\n", ev.Header.CPU, ev.Body, ev.Body)
		if _, ok := ev.Body.(*Started); ok && firstStarted == nil {
			firstStarted = ev.Body
		}
	}
	// The body belongs to the Decoder: the later Started event was decoded
	// into the same value.
	fmt.Println(firstStarted == ev.Body)
	// Output:
	// cpu 0: *marshal_test.Started &{PID:42 Parent:1}
	// cpu 3: *marshal_test.Stopped &{PID:42 Code:256}
	// cpu 0: *marshal_test.Started &{PID:43 Parent:42}
	// true
}
