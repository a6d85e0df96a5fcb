// Package bench compares nlstruct's reflection planner (package marshal) with
// a hand-written codec built only on package nlattr (the "floor") and with
// the peer libraries github.com/mdlayher/netlink,
// github.com/vishvananda/netlink/nl and github.com/jsimonetti/rtnetlink/v2.
//
// It is its own module so that the peers never become dependencies of
// github.com/nlstruct/nlstruct. Every codec encodes the same Go value to the
// same bytes and decodes those bytes into the same tagged Go struct
// (TestCodecsAgree checks both), so the benchmarks compare equal work.
// jsimonetti/rtnetlink has its own LinkMessage type and is measured on its
// own round trip; see README.md.
package bench
