package fuzz

import (
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/nlstruct/nlstruct/families/connector"
	"github.com/nlstruct/nlstruct/internal/zoo"
	"github.com/nlstruct/nlstruct/marshal"
)

// FuzzDecoder checks marshal.Decoder against marshal.Unmarshal on streams
// of messages of the types that end in a body sub-message, where a Decoder
// with ReuseVariants keeps one body of each type and may take its flat
// path. The first input byte chooses the type (decoderTargets); the rest
// is a stream of messages, each a length byte and that many bytes (the
// last one cut short if the input ends). Every message is decoded by a
// Decoder with ReuseVariants into one reused value, by a plain Decoder,
// and by Unmarshal into a new value: the three must give the same error,
// or the same value (reflect.DeepEqual, so _ padding fields included).
//
// Its seeds, added with f.Add, are the proc connector messages captured
// from the kernel (families/connector/testdata/proc_events.json), as one
// stream and one by one, and the zoo's samples of the other types.
func FuzzDecoder(f *testing.F) {
	seeds, err := decoderSeeds()
	if err != nil {
		f.Fatal(err)
	}
	for _, s := range seeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) == 0 {
			return
		}
		target := decoderTargets[int(data[0])%len(decoderTargets)]
		var msgs [][]byte
		for rest := data[1:]; len(rest) > 0; {
			n := min(int(rest[0]), len(rest)-1)
			msgs = append(msgs, rest[1:1+n])
			rest = rest[1+n:]
		}
		target.check(t, msgs)
	})
}

// decoderTarget checks the Decoders of one type against Unmarshal.
type decoderTarget struct {
	typ   reflect.Type
	check func(t *testing.T, msgs [][]byte)
}

// decoderTargets are the types FuzzDecoder decodes, by index: append only.
var decoderTargets = []decoderTarget{
	targetFor[connector.ProcEvent](),
	targetFor[zoo.ProcEvent](),
	targetFor[zoo.Notify](),
}

func targetFor[T any]() decoderTarget {
	return decoderTarget{typ: reflect.TypeFor[T](), check: func(t *testing.T, msgs [][]byte) {
		reuse, err := marshal.NewDecoder[T](marshal.Options{ReuseVariants: true})
		if err != nil {
			t.Fatal(err)
		}
		plain, err := marshal.NewDecoder[T](marshal.Options{})
		if err != nil {
			t.Fatal(err)
		}
		var kept T
		for i, m := range msgs {
			var want T
			wantErr := marshal.Unmarshal(m, &want)
			for _, c := range []struct {
				name string
				dec  *marshal.Decoder[T]
				v    *T
			}{{"ReuseVariants", reuse, &kept}, {"plain", plain, new(T)}} {
				err := c.dec.Decode(m, c.v)
				if fmt.Sprint(err) != fmt.Sprint(wantErr) {
					t.Fatalf("%T message %d (% x), %s Decoder: error %v, Unmarshal: %v", want, i, m, c.name, err, wantErr)
				}
				if wantErr == nil && !reflect.DeepEqual(c.v, &want) {
					t.Fatalf("%T message %d (% x), %s Decoder:\n%+v\nUnmarshal:\n%+v", want, i, m, c.name, *c.v, want)
				}
			}
		}
	}}
}

// stream encodes msgs as FuzzDecoder reads them, for target index i.
func stream(i int, msgs ...[]byte) ([]byte, error) {
	out := []byte{byte(i)}
	for _, m := range msgs {
		if len(m) > 255 {
			return nil, fmt.Errorf("a %d-byte message does not fit a stream", len(m))
		}
		out = append(append(out, byte(len(m))), m...)
	}
	return out, nil
}

func decoderSeeds() ([][]byte, error) {
	name := filepath.Join(familiesDir, "connector", "testdata", "proc_events.json")
	raw, err := os.ReadFile(name)
	if err != nil {
		return nil, err
	}
	var fx procFixtures
	if err := json.Unmarshal(raw, &fx); err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	var events [][]byte
	for _, e := range fx.Events {
		msg, err := hex.DecodeString(e.Message)
		if err != nil || len(msg) < nlmsghdrLen {
			return nil, fmt.Errorf("%s: %s: bad message (%v)", name, e.Name, err)
		}
		events = append(events, msg[nlmsghdrLen:])
	}
	if len(events) == 0 {
		return nil, fmt.Errorf("%s: no events", name)
	}
	var seeds [][]byte
	add := func(i int, msgs ...[]byte) error {
		s, err := stream(i, msgs...)
		if err == nil {
			seeds = append(seeds, s)
		}
		return err
	}
	// Every captured event, then the whole capture as one stream twice
	// over, so that the second pass decodes into kept bodies.
	for _, e := range events {
		if err := add(0, e); err != nil {
			return nil, err
		}
	}
	if err := add(0, append(events, events...)...); err != nil {
		return nil, err
	}
	for i, target := range decoderTargets[1:] {
		var msgs [][]byte
		for _, s := range zoo.Samples() {
			if reflect.TypeOf(s) != reflect.PointerTo(target.typ) {
				continue
			}
			b, err := marshal.Marshal(s)
			if err != nil {
				continue // a sample that does not encode (zoo.KnownBug)
			}
			msgs = append(msgs, b)
		}
		if len(msgs) == 0 {
			return nil, fmt.Errorf("no zoo samples of %v", target.typ)
		}
		if err := add(i+1, append(msgs, msgs...)...); err != nil {
			return nil, err
		}
	}
	return seeds, nil
}
