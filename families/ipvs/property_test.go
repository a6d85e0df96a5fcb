package ipvs

// Property tests (pgregory.net/rapid): for generated values x of every
// reply type (Service, Destination, Daemon, Info, Stats, Stats64 and the
// reply message) and request type, Unmarshal(Marshal(x)) == x and
// re-encoding gives the same bytes; for random bytes and mutated kernel
// replies, decoding never panics and a successful decode is a fixpoint of
// encode→decode.
//
// The generators produce canonical values (marshal/doc.go): strings hold
// no NUL and respect maxlen; fields tagged omitempty are zero or not
// (zero is absent, and decodes as zero).

import (
	"bytes"
	"reflect"
	"testing"

	"github.com/google/go-cmp/cmp"
	"pgregory.net/rapid"

	"github.com/nlstruct/nlstruct/marshal"
)

func genStr(t *rapid.T, label string, maxLen int) string {
	return string(rapid.SliceOfN(rapid.ByteRange(1, 255), 0, maxLen).Draw(t, label))
}

func genOpt[T any](t *rapid.T, label string, g *rapid.Generator[T]) *T {
	if rapid.Bool().Draw(t, label+".nil") {
		return nil
	}
	v := g.Draw(t, label)
	return &v
}

var genAddress = rapid.Custom(func(t *rapid.T) Address {
	return Address{b: [16]byte(rapid.SliceOfN(rapid.Byte(), 16, 16).Draw(t, "b"))}
})

var genStats = rapid.Custom(func(t *rapid.T) Stats {
	u32 := func(l string) uint32 { return rapid.Uint32().Draw(t, l) }
	return Stats{Conns: u32("Conns"), InPkts: u32("InPkts"), OutPkts: u32("OutPkts"),
		InBytes: rapid.Uint64().Draw(t, "InBytes"), OutBytes: rapid.Uint64().Draw(t, "OutBytes"),
		CPS: u32("CPS"), InPPS: u32("InPPS"), OutPPS: u32("OutPPS"), InBPS: u32("InBPS"), OutBPS: u32("OutBPS")}
})

var genStats64 = rapid.Custom(func(t *rapid.T) Stats64 {
	u64 := func(l string) uint64 { return rapid.Uint64().Draw(t, l) }
	return Stats64{Conns: u64("Conns"), InPkts: u64("InPkts"), OutPkts: u64("OutPkts"), InBytes: u64("InBytes"), OutBytes: u64("OutBytes"),
		CPS: u64("CPS"), InPPS: u64("InPPS"), OutPPS: u64("OutPPS"), InBPS: u64("InBPS"), OutBPS: u64("OutBPS")}
})

var genService = rapid.Custom(func(t *rapid.T) Service {
	return Service{
		AF:        rapid.Uint16().Draw(t, "AF"),
		Protocol:  rapid.Uint16().Draw(t, "Protocol"),
		Address:   genAddress.Draw(t, "Address"),
		Port:      rapid.Uint16().Draw(t, "Port"),
		FWMark:    rapid.Uint32().Draw(t, "FWMark"),
		Scheduler: genStr(t, "Scheduler", 15),
		PEName:    genStr(t, "PEName", 15),
		Flags:     Flags{Flags: rapid.Uint32().Draw(t, "Flags"), Mask: rapid.Uint32().Draw(t, "Mask")},
		Timeout:   rapid.Uint32().Draw(t, "Timeout"),
		Netmask:   rapid.Uint32().Draw(t, "Netmask"),
		Stats:     genOpt(t, "Stats", genStats),
		Stats64:   genOpt(t, "Stats64", genStats64),
	}
})

var genDestination = rapid.Custom(func(t *rapid.T) Destination {
	u32 := func(l string) uint32 { return rapid.Uint32().Draw(t, l) }
	return Destination{
		Address:      genAddress.Draw(t, "Address"),
		Port:         rapid.Uint16().Draw(t, "Port"),
		FwdMethod:    ForwardMethod(u32("FwdMethod")),
		Weight:       u32("Weight"),
		TunType:      TunnelType(rapid.Uint8().Draw(t, "TunType")),
		TunPort:      rapid.Uint16().Draw(t, "TunPort"),
		TunFlags:     rapid.Uint16().Draw(t, "TunFlags"),
		UpperThresh:  u32("UpperThresh"),
		LowerThresh:  u32("LowerThresh"),
		ActiveConns:  u32("ActiveConns"),
		InactConns:   u32("InactConns"),
		PersistConns: u32("PersistConns"),
		AF:           rapid.Uint16().Draw(t, "AF"),
		Stats:        genOpt(t, "Stats", genStats),
		Stats64:      genOpt(t, "Stats64", genStats64),
	}
})

var genDaemon = rapid.Custom(func(t *rapid.T) Daemon {
	d := Daemon{
		State:      rapid.Uint32().Draw(t, "State"),
		McastIfn:   genStr(t, "McastIfn", 15),
		SyncID:     rapid.Uint32().Draw(t, "SyncID"),
		SyncMaxLen: rapid.Uint16().Draw(t, "SyncMaxLen"),
		McastPort:  rapid.Uint16().Draw(t, "McastPort"),
		McastTTL:   rapid.Uint8().Draw(t, "McastTTL"),
	}
	switch rapid.IntRange(0, 2).Draw(t, "group") {
	case 1:
		d.McastGroup = rapid.Uint32().Draw(t, "McastGroup")
	case 2:
		d.McastGroup6 = [16]byte(rapid.SliceOfN(rapid.Byte(), 16, 16).Draw(t, "McastGroup6"))
	}
	return d
})

var genInfo = rapid.Custom(func(t *rapid.T) Info {
	return Info{Version: rapid.Uint32().Draw(t, "Version"), ConnTableSize: rapid.Uint32().Draw(t, "ConnTableSize")}
})

var genMessage = rapid.Custom(func(t *rapid.T) message {
	return message{
		Service:       genOpt(t, "Service", genService),
		Dest:          genOpt(t, "Dest", genDestination),
		Daemon:        genOpt(t, "Daemon", genDaemon),
		TimeoutTCP:    genOpt(t, "TimeoutTCP", rapid.Uint32()),
		TimeoutTCPFin: genOpt(t, "TimeoutTCPFin", rapid.Uint32()),
		TimeoutUDP:    genOpt(t, "TimeoutUDP", rapid.Uint32()),
	}
})

// genRequest draws what the client sends: a key or full service, a full
// destination or a key one, a daemon, timeouts.
var genRequest = rapid.Custom(func(t *rapid.T) request {
	var r request
	if rapid.Bool().Draw(t, "Service") {
		s := genService.Draw(t, "service")
		if rapid.Bool().Draw(t, "full") {
			r.Service = full(&s)
		} else {
			r.Service = key(&s)
		}
	}
	if rapid.Bool().Draw(t, "Dest") {
		d := genDestination.Draw(t, "dest")
		r.Dest = destFull(&d)
	}
	if rapid.Bool().Draw(t, "Daemon") {
		d := genDaemon.Draw(t, "daemon")
		r.Daemon = &daemonSpec{State: d.State, McastIfn: d.McastIfn, SyncID: &d.SyncID, SyncMaxLen: d.SyncMaxLen,
			McastGroup: d.McastGroup, McastGroup6: d.McastGroup6, McastPort: d.McastPort, McastTTL: d.McastTTL}
	}
	r.TimeoutTCP, r.TimeoutTCPFin, r.TimeoutUDP = rapid.Uint32().Draw(t, "TCP"), rapid.Uint32().Draw(t, "TCPFin"), rapid.Uint32().Draw(t, "UDP")
	return r
})

var exact = []cmp.Option{cmp.AllowUnexported(Address{})}

// roundTrip checks Unmarshal(Marshal(x)) == x and that re-encoding gives
// the same bytes.
func roundTrip[T any](t *testing.T, g *rapid.Generator[T]) {
	rapid.Check(t, func(rt *rapid.T) {
		x := g.Draw(rt, "x")
		b, err := marshal.Marshal(&x)
		if err != nil {
			rt.Fatalf("Marshal(%+v): %v", x, err)
		}
		var y T
		if err := marshal.Unmarshal(b, &y); err != nil {
			rt.Fatalf("Unmarshal(%x): %v", b, err)
		}
		if d := cmp.Diff(x, y, exact...); d != "" {
			rt.Fatalf("Unmarshal(Marshal(x)) != x (-x +got):\n%s", d)
		}
		b2, err := marshal.Marshal(&y)
		if err != nil {
			rt.Fatal(err)
		}
		if !bytes.Equal(b, b2) {
			rt.Fatalf("re-encoding changed the bytes:\n%x\n%x", b, b2)
		}
	})
}

func TestPropertyRoundTrip(t *testing.T) {
	t.Run("Service", func(t *testing.T) { roundTrip(t, genService) })
	t.Run("Destination", func(t *testing.T) { roundTrip(t, genDestination) })
	t.Run("Daemon", func(t *testing.T) { roundTrip(t, genDaemon) })
	t.Run("Info", func(t *testing.T) { roundTrip(t, genInfo) })
	t.Run("Stats", func(t *testing.T) { roundTrip(t, genStats) })
	t.Run("Stats64", func(t *testing.T) { roundTrip(t, genStats64) })
	t.Run("message", func(t *testing.T) { roundTrip(t, genMessage) })
	t.Run("request", func(t *testing.T) { roundTrip(t, genRequest) })
}

// TestPropertyRequestIsReply checks that every request the client builds
// reads back, through the reply types, as the values it was built from.
func TestPropertyRequestIsReply(t *testing.T) {
	rapid.Check(t, func(rt *rapid.T) {
		s := genService.Draw(rt, "service")
		d := genDestination.Draw(rt, "dest")
		b, err := marshal.Marshal(&request{Service: full(&s), Dest: destFull(&d)})
		if err != nil {
			rt.Fatal(err)
		}
		var m message
		if err := marshal.Unmarshal(b, &m); err != nil {
			rt.Fatal(err)
		}
		ws := Service{AF: s.AF, Protocol: s.Protocol, Address: s.Address, Port: s.Port, FWMark: s.FWMark, Scheduler: s.Scheduler,
			PEName: s.PEName, Flags: s.Flags, Timeout: s.Timeout, Netmask: s.Netmask}
		if ws.Flags.Mask == 0 {
			ws.Flags.Mask = ^uint32(0)
		}
		if ws.Netmask == 0 {
			ws.Netmask = ^uint32(0)
			if ws.AF == afInet6 {
				ws.Netmask = 128
			}
		}
		wd := Destination{Address: d.Address, Port: d.Port, FwdMethod: d.FwdMethod, Weight: d.Weight, UpperThresh: d.UpperThresh,
			LowerThresh: d.LowerThresh, AF: d.AF, TunType: d.TunType, TunPort: d.TunPort, TunFlags: d.TunFlags}
		if diff := cmp.Diff(message{Service: &ws, Dest: &wd}, m, exact...); diff != "" {
			rt.Fatalf("(-sent +read):\n%s", diff)
		}
	})
}

// TestPropertyHostile decodes random bytes, and captured replies with
// random bytes changed, into every reply type: decoding never panics, and
// a value it accepts is a fixpoint of encode→decode.
func TestPropertyHostile(t *testing.T) {
	var seeds [][]byte
	for _, f := range []string{"service-tcp4.hex", "service-udp6.hex", "service-fwmark.hex", "service-sip.hex", "service-traffic.hex",
		"dests-tcp4.hex", "dests-traffic.hex", "daemons.hex", "info.hex", "timeouts.hex"} {
		for _, m := range readCapture(t, f) {
			seeds = append(seeds, m[4:])
		}
	}
	types := []reflect.Type{reflect.TypeFor[message](), reflect.TypeFor[Service](), reflect.TypeFor[Destination](),
		reflect.TypeFor[Daemon](), reflect.TypeFor[Info](), reflect.TypeFor[request]()}
	rapid.Check(t, func(rt *rapid.T) {
		var b []byte
		if rapid.Bool().Draw(rt, "random") {
			b = rapid.SliceOfN(rapid.Byte(), 0, 512).Draw(rt, "bytes")
		} else {
			b = bytes.Clone(rapid.SampledFrom(seeds).Draw(rt, "seed"))
			for range rapid.IntRange(1, 4).Draw(rt, "edits") {
				if len(b) == 0 {
					break
				}
				b[rapid.IntRange(0, len(b)-1).Draw(rt, "at")] = rapid.Byte().Draw(rt, "to")
			}
		}
		typ := rapid.SampledFrom(types).Draw(rt, "type")
		v := reflect.New(typ).Interface()
		if err := marshal.Unmarshal(b, v); err != nil {
			return
		}
		enc, err := marshal.Marshal(v)
		if err != nil {
			rt.Fatalf("decoded %+v from %x, but cannot encode it: %v", v, b, err)
		}
		w := reflect.New(typ).Interface()
		if err := marshal.Unmarshal(enc, w); err != nil {
			rt.Fatalf("re-decode: %v", err)
		}
		if d := cmp.Diff(v, w, exact...); d != "" {
			rt.Fatalf("decode→encode→decode is not a fixpoint (-first +second):\n%s", d)
		}
	})
}
