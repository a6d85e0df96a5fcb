// Package fuzz holds the native Go fuzz targets of nlstruct. It has no
// code of its own; the targets are in fuzz_test.go.
//
// FuzzUnmarshal decodes arbitrary bytes into every type of the test zoo
// (internal/zoo.All), the first input byte choosing the type (modulo the
// number of types), and checks that decoding never panics and that, when
// it succeeds, the value encodes and decode→encode→decode is a fixpoint:
// the two decoded values are equal (cmp.Diff, with only the changes
// doc.go documents) and so are their two encodings. It also checks that
// the unknown-attribute policies agree with each other.
//
// The seed corpus is the encoding of the hand-built zoo.Samples, added with
// f.Add and checked in under testdata/fuzz/FuzzUnmarshal (go test fuzz v1
// files). Regenerate the files after changing the zoo with
//
//	go test ./fuzz -run=TestSeedCorpus -update-seeds
//
// Plain go test runs every seed as a regression test. To fuzz:
//
//	go test ./fuzz -run=XXX -fuzz=FuzzUnmarshal -fuzztime=60s
//
// A crasher that the fuzzer finds is written to testdata/fuzz/FuzzUnmarshal
// and from then on replayed by go test; report the marshal bug it shows
// (the input and what went wrong) before checking it in.
//
// Later family packages (rtnetlink, genetlink, ...) add their message types
// to the same targets by appending them to the list of types the first byte
// selects from; append only, so that the existing corpus keeps selecting
// the same types.
package fuzz
