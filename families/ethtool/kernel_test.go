package ethtool_test

// Tests against the running kernel. Reading needs no privilege; the
// namespace tests need root (CAP_SYS_ADMIN) and skip without it.

import (
	"context"
	"errors"
	"net"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/nlstruct/nlstruct/families/ethtool"
	"github.com/nlstruct/nlstruct/families/genl"
	"github.com/nlstruct/nlstruct/internal/linktest"
	"github.com/nlstruct/nlstruct/internal/netnstest"
	"github.com/nlstruct/nlstruct/marshal"
	"github.com/nlstruct/nlstruct/socket"
)

func testCtx(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// dial opens a genl connection in the test's namespace, skipping when the
// kernel has no ethtool family.
func dial(t *testing.T) *genl.Conn {
	t.Helper()
	c, err := genl.Dial(nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	if _, err := c.Family(testCtx(t), ethtool.Family); errors.Is(err, genl.ErrFamilyNotFound) {
		t.Skipf("the kernel has no ethtool netlink family: %v", err)
	} else if err != nil {
		t.Fatal(err)
	}
	return c
}

// TestPolicies is the acceptance check: every request type agrees with
// the kernel's policy for its command, for do and for dump.
func TestPolicies(t *testing.T) {
	c := dial(t)
	ctx := testCtx(t)
	for _, tt := range []struct {
		cmd uint8
		typ reflect.Type
	}{
		{ethtool.MsgLinkInfoGet, reflect.TypeFor[ethtool.LinkInfoRequest]()},
		{ethtool.MsgLinkModesGet, reflect.TypeFor[ethtool.LinkModesRequest]()},
		{ethtool.MsgLinkStateGet, reflect.TypeFor[ethtool.LinkStateRequest]()},
	} {
		for _, dump := range []bool{false, true} {
			ms, err := c.CheckPolicy(ctx, ethtool.Family, tt.cmd, dump, tt.typ)
			if err != nil {
				t.Fatalf("%s (dump %v): %v", tt.typ.Name(), dump, err)
			}
			if d := genl.Disagreements(ms); len(d) != 0 {
				t.Errorf("%s (command %d, dump %v) disagrees with the kernel's policy: %v", tt.typ.Name(), tt.cmd, dump, d)
			}
			for _, m := range ms {
				t.Logf("%s (dump %v): %s", tt.typ.Name(), dump, m)
			}
		}
	}
}

// TestTagsMatchConstants checks every tag's attribute type against the
// exported ETHTOOL_A_* constant of the same field.
func TestTagsMatchConstants(t *testing.T) {
	want := map[reflect.Type]map[string]uint16{
		reflect.TypeFor[ethtool.Header]():      {"DevIndex": ethtool.AttrHeaderDevIndex, "DevName": ethtool.AttrHeaderDevName, "Flags": ethtool.AttrHeaderFlags},
		reflect.TypeFor[ethtool.StatsHeader](): {"DevIndex": ethtool.AttrHeaderDevIndex, "DevName": ethtool.AttrHeaderDevName, "Flags": ethtool.AttrHeaderFlags},
		reflect.TypeFor[ethtool.Bitset](): {"NoMask": ethtool.AttrBitsetNoMask, "Size": ethtool.AttrBitsetSize, "Bits": ethtool.AttrBitsetBits,
			"Value": ethtool.AttrBitsetValue, "Mask": ethtool.AttrBitsetMask},
		reflect.TypeFor[ethtool.BitsetBits](): {"Bit": ethtool.AttrBitsetBitsBit},
		reflect.TypeFor[ethtool.BitsetBit]():  {"Index": ethtool.AttrBitsetBitIndex, "Name": ethtool.AttrBitsetBitName, "Value": ethtool.AttrBitsetBitValue},
		reflect.TypeFor[ethtool.LinkInfo](): {"Header": ethtool.AttrLinkInfoHeader, "Port": ethtool.AttrLinkInfoPort, "PHYAddr": ethtool.AttrLinkInfoPHYAddr,
			"TPMDIX": ethtool.AttrLinkInfoTPMDIX, "TPMDIXCtrl": ethtool.AttrLinkInfoTPMDIXCtrl, "Transceiver": ethtool.AttrLinkInfoTransceiver},
		reflect.TypeFor[ethtool.LinkModes](): {"Header": ethtool.AttrLinkModesHeader, "Autoneg": ethtool.AttrLinkModesAutoneg, "Ours": ethtool.AttrLinkModesOurs,
			"Peer": ethtool.AttrLinkModesPeer, "Speed": ethtool.AttrLinkModesSpeed, "Duplex": ethtool.AttrLinkModesDuplex,
			"MasterSlaveCfg": ethtool.AttrLinkModesMasterSlaveCfg, "MasterSlaveState": ethtool.AttrLinkModesMasterSlaveState,
			"Lanes": ethtool.AttrLinkModesLanes, "RateMatching": ethtool.AttrLinkModesRateMatching},
		reflect.TypeFor[ethtool.LinkState](): {"Header": ethtool.AttrLinkStateHeader, "Link": ethtool.AttrLinkStateLink, "SQI": ethtool.AttrLinkStateSQI,
			"SQIMax": ethtool.AttrLinkStateSQIMax, "ExtState": ethtool.AttrLinkStateExtState, "ExtSubstate": ethtool.AttrLinkStateExtSubstate,
			"ExtDownCnt": ethtool.AttrLinkStateExtDownCnt},
		reflect.TypeFor[ethtool.LinkInfoRequest]():  {"Header": ethtool.AttrLinkInfoHeader},
		reflect.TypeFor[ethtool.LinkModesRequest](): {"Header": ethtool.AttrLinkModesHeader},
		reflect.TypeFor[ethtool.LinkStateRequest](): {"Header": ethtool.AttrLinkStateHeader},
	}
	for typ, fields := range want {
		d, err := marshal.Describe(typ)
		if err != nil {
			t.Fatalf("%s: %v", typ, err)
		}
		if len(d.Attrs) != len(fields) {
			t.Errorf("%s: %d attributes, want %d", typ.Name(), len(d.Attrs), len(fields))
		}
		for _, a := range d.Attrs {
			if n, ok := fields[a.Field]; !ok || n != a.Type {
				t.Errorf("%s.%s: attribute %d, want %d", typ.Name(), a.Field, a.Type, n)
			}
		}
	}
}

// sysfs reads /sys/class/net/dev/attr (the namespace of the test, which is
// the one sysfs was mounted in).
func sysfs(dev, attr string) (string, error) {
	b, err := os.ReadFile(filepath.Join("/sys/class/net", dev, attr))
	return strings.TrimSpace(string(b)), err
}

// TestLoopback checks lo, whose driver reports a link state but no link
// settings, against sysfs.
func TestLoopback(t *testing.T) {
	et := ethtool.New(dial(t))
	ctx := testCtx(t)
	ifindex, err := sysfs("lo", "ifindex")
	if err != nil {
		t.Skipf("no sysfs: %v", err)
	}
	ls, err := et.LinkState(ctx, "lo")
	if err != nil {
		t.Fatal(err)
	}
	if strconv.Itoa(int(ls.Header.DevIndex)) != ifindex || ls.Header.DevName != "lo" {
		t.Errorf("header %+v, sysfs says ifindex %s", ls.Header, ifindex)
	}
	if ls.Link == nil {
		t.Fatal("no link state for lo (its driver has get_link)")
	}
	// sysfs carrier: readable only while the device is up, as ethtool's
	// link is true only then.
	carrier, err := sysfs("lo", "carrier")
	switch {
	case err == nil:
		if *ls.Link != (carrier == "1") {
			t.Errorf("Link %v, sysfs carrier %s", *ls.Link, carrier)
		}
	case errors.Is(err, unix.EINVAL):
		if *ls.Link {
			t.Error("Link true for lo while it is down (sysfs carrier: EINVAL)")
		}
	default:
		t.Fatal(err)
	}
	if ls.SQI != nil || ls.SQIMax != nil || ls.ExtState != nil || ls.ExtSubstate != nil || ls.ExtDownCnt != nil {
		t.Errorf("lo reports attributes it has no driver support for: %+v", ls)
	}

	// No get_link_ksettings: ethtool fails with EOPNOTSUPP, and sysfs
	// speed (which calls the same driver hook) with EINVAL.
	_, errInfo := et.LinkInfo(ctx, "lo")
	_, errModes := et.LinkModes(ctx, "lo")
	for _, err := range []error{errInfo, errModes} {
		if !errors.Is(err, unix.EOPNOTSUPP) {
			t.Errorf("lo: %v, want EOPNOTSUPP", err)
		}
	}
	if speed, err := sysfs("lo", "speed"); err == nil {
		t.Errorf("sysfs reports a speed (%s) for lo, but ethtool said EOPNOTSUPP", speed)
	}
	infos, err := et.LinkInfos(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, li := range infos {
		if li.Header.DevName == "lo" {
			t.Error("the LINKINFO dump lists lo, which has no link settings")
		}
	}
}

// TestSysfsAgree compares every device's ethtool replies in the test's
// namespace with sysfs: ifindex, speed, duplex and carrier.
func TestSysfsAgree(t *testing.T) {
	et := ethtool.New(dial(t))
	ctx := testCtx(t)
	modes, err := et.LinkModesAll(ctx, 0)
	if err != nil {
		t.Fatal(err)
	}
	infos, err := et.LinkInfos(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(infos) != len(modes) {
		t.Errorf("%d devices report link info, %d link modes: both need link settings", len(infos), len(modes))
	}
	duplex := map[ethtool.Duplex]string{ethtool.DuplexHalf: "half", ethtool.DuplexFull: "full", ethtool.DuplexUnknown: "unknown"}
	for _, lm := range modes {
		dev := lm.Header.DevName
		if idx, err := sysfs(dev, "ifindex"); err != nil || idx != strconv.Itoa(int(lm.Header.DevIndex)) {
			t.Errorf("%s: ifindex %d, sysfs %q (%v)", dev, lm.Header.DevIndex, idx, err)
		}
		// sysfs speed and duplex are readable only while the device is
		// up; speed is printed as a signed int (SPEED_UNKNOWN is -1).
		if speed, err := sysfs(dev, "speed"); err == nil {
			if speed != strconv.Itoa(int(int32(lm.Speed))) {
				t.Errorf("%s: speed %d, sysfs %s", dev, lm.Speed, speed)
			}
		}
		if d, err := sysfs(dev, "duplex"); err == nil && d != duplex[lm.Duplex] {
			t.Errorf("%s: duplex %d, sysfs %s", dev, lm.Duplex, d)
		}
		t.Logf("%s: speed %d duplex %d autoneg %d, %d link modes (%d supported)", dev, int32(lm.Speed), lm.Duplex, lm.Autoneg, lm.Ours.Size, len(lm.Ours.Bits.Bit))
	}
	states, err := et.LinkStates(ctx)
	if err != nil {
		t.Fatal(err)
	}
	ifs, err := net.Interfaces()
	if err != nil {
		t.Fatal(err)
	}
	if len(states) != len(ifs) {
		t.Errorf("the LINKSTATE dump has %d devices, net.Interfaces %d", len(states), len(ifs))
	}
	for _, ls := range states {
		carrier, err := sysfs(ls.Header.DevName, "carrier")
		if ls.Link == nil || err != nil {
			continue
		}
		if *ls.Link != (carrier == "1") {
			t.Errorf("%s: Link %v, sysfs carrier %s", ls.Header.DevName, *ls.Link, carrier)
		}
	}
}

// TestNamespace checks a veth pair, a device without link settings and lo
// in a private network namespace.
func TestNamespace(t *testing.T) {
	ns := linktest.New(t)
	et := ethtool.New(ns.Genl)
	ctx := testCtx(t)

	// Every device with link settings, and only those, in the dump.
	infos, err := et.LinkInfos(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, li := range infos {
		names = append(names, li.Header.DevName)
		// veth_get_link_ksettings reports PORT_TP.
		if li.Port != ethtool.PortTP || li.Transceiver != ethtool.XcvrInternal {
			t.Errorf("%s: %+v, want port TP, internal transceiver", li.Header.DevName, li)
		}
		if li.Header.DevIndex != uint32(ns.Index(t, li.Header.DevName)) {
			t.Errorf("%s: ifindex %d, want %d", li.Header.DevName, li.Header.DevIndex, ns.Index(t, li.Header.DevName))
		}
	}
	slices.Sort(names)
	if !slices.Equal(names, []string{"veth0", "veth1"}) {
		t.Errorf("LinkInfos lists %q, want veth0 and veth1", names)
	}
	li, err := et.LinkInfo(ctx, "veth0")
	if err != nil {
		t.Fatal(err)
	}
	if i := slices.IndexFunc(infos, func(x ethtool.LinkInfo) bool { return x.Header.DevName == "veth0" }); i < 0 || !reflect.DeepEqual(*li, infos[i]) {
		t.Errorf("LinkInfo(veth0) = %+v, not as in the dump", li)
	}

	// veth: 10000 Mb/s, full duplex, no autonegotiation, no link modes.
	lm, err := et.LinkModes(ctx, "veth0")
	if err != nil {
		t.Fatal(err)
	}
	if lm.Speed != 10000 || lm.Duplex != ethtool.DuplexFull || lm.Autoneg != ethtool.AutonegDisable || lm.Peer != nil {
		t.Errorf("LinkModes(veth0) = %+v, want 10000 Mb/s full duplex, autoneg off, no peer", lm)
	}
	if lm.Ours == nil || lm.Ours.Size == 0 || lm.Ours.Bits == nil || lm.Ours.Value != nil || len(lm.Ours.Names()) != 0 {
		t.Errorf("LinkModes(veth0).Ours = %+v, want a verbose set of no modes", lm.Ours)
	}
	// The same by ifindex, compact.
	var compact ethtool.LinkModes
	if _, err := genl.Get(ctx, ns.Genl, ethtool.Family, genl.Request{
		Command: ethtool.MsgLinkModesGet,
		Body:    &ethtool.LinkModesRequest{Header: ethtool.Header{DevIndex: uint32(ns.Index(t, "veth0")), Flags: ethtool.FlagCompactBitsets}},
	}, &compact); err != nil {
		t.Fatal(err)
	}
	words := int(lm.Ours.Size+31) / 32
	if o := compact.Ours; o == nil || o.Bits != nil || o.Size != lm.Ours.Size || len(o.Value) != words || len(o.Mask) != words {
		t.Errorf("compact Ours = %+v, want %d-word value and mask", o, words)
	}
	compact.Ours, lm.Ours = nil, nil
	if !reflect.DeepEqual(compact, *lm) {
		t.Errorf("compact reply %+v differs from verbose %+v beyond the bit sets", compact, *lm)
	}

	// Link state: veth up (both ends up), lo down, extra0 without
	// get_link.
	link := func(name string) *bool {
		t.Helper()
		ls, err := et.LinkState(ctx, name)
		if err != nil {
			t.Fatal(err)
		}
		if ls.Header.DevName != name || ls.Header.DevIndex != uint32(ns.Index(t, name)) {
			t.Errorf("LinkState(%s).Header = %+v", name, ls.Header)
		}
		return ls.Link
	}
	if l := link("veth0"); l == nil || !*l {
		t.Errorf("veth0: link %v, want up", l)
	}
	if l := link("lo"); l == nil || *l {
		t.Errorf("lo (down): link %v, want false", l)
	}
	ns.SetUp(t, ns.Index(t, "lo"), true)
	if l := link("lo"); l == nil || !*l {
		t.Errorf("lo (up): link %v, want true", l)
	}
	// veth's carrier follows its peer.
	ns.SetUp(t, ns.Index(t, "veth1"), false)
	if l := link("veth0"); l == nil || *l {
		t.Errorf("veth0 with veth1 down: link %v, want false", l)
	}
	if ns.Extra != "" {
		if l := link("extra0"); l != nil {
			t.Errorf("extra0 (%s, no get_link): link %v, want absent", ns.Extra, *l)
		}
		if _, err := et.LinkInfo(ctx, "extra0"); !errors.Is(err, unix.EOPNOTSUPP) {
			t.Errorf("LinkInfo(extra0): %v, want EOPNOTSUPP", err)
		}
	}
	states, err := et.LinkStates(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var ifs []net.Interface
	netnstest.Run(t, ns.FD, func() {
		var err error
		if ifs, err = net.Interfaces(); err != nil {
			t.Error(err)
		}
	})
	if len(states) != len(ifs) {
		t.Errorf("LinkStates lists %d devices, net.Interfaces in the namespace %d", len(states), len(ifs))
	}
	for _, ls := range states {
		if !slices.ContainsFunc(ifs, func(i net.Interface) bool {
			return i.Name == ls.Header.DevName && uint32(i.Index) == ls.Header.DevIndex
		}) {
			t.Errorf("LinkStates lists %+v, which net.Interfaces does not", ls.Header)
		}
	}
}

// TestErrors checks the errors for devices that do not exist and for
// requests that the tags refuse before sending.
func TestErrors(t *testing.T) {
	c := dial(t)
	et := ethtool.New(c)
	ctx := testCtx(t)
	const missing = "nlstruct-none"

	check := func(what string, err error, field, msg string) {
		t.Helper()
		if !errors.Is(err, unix.ENODEV) {
			t.Errorf("%s: %v, want ENODEV", what, err)
			return
		}
		var se *socket.Error
		if !errors.As(err, &se) {
			t.Errorf("%s: %T is not a *socket.Error", what, err)
			return
		}
		if se.Field != field || se.Message != msg {
			t.Errorf("%s: field %q, message %q; want %q, %q", what, se.Field, se.Message, field, msg)
		}
		if !strings.Contains(err.Error(), field) {
			t.Errorf("%s: the message %q does not name %s", what, err, field)
		}
	}
	_, err := et.LinkInfo(ctx, missing)
	check("LinkInfo", err, "LinkInfoRequest.Header.DevName", "no device matches name")
	_, err = et.LinkModes(ctx, missing)
	check("LinkModes", err, "LinkModesRequest.Header.DevName", "no device matches name")
	_, err = et.LinkState(ctx, missing)
	check("LinkState", err, "LinkStateRequest.Header.DevName", "no device matches name")

	// By index: the kernel points at the index.
	var li ethtool.LinkInfo
	_, err = genl.Get(ctx, c, ethtool.Family, genl.Request{Command: ethtool.MsgLinkInfoGet,
		Body: &ethtool.LinkInfoRequest{Header: ethtool.Header{DevIndex: 0x7fffffff}}}, &li)
	check("LinkInfo by index", err, "LinkInfoRequest.Header.DevIndex", "no device matches ifindex")

	// An index and a name of different devices: the kernel points at the
	// whole header nest.
	lo, err := net.InterfaceByName("lo")
	if err != nil {
		t.Fatal(err)
	}
	var ls ethtool.LinkState
	_, err = genl.Get(ctx, c, ethtool.Family, genl.Request{Command: ethtool.MsgLinkStateGet,
		Body: &ethtool.LinkStateRequest{Header: ethtool.StatsHeader{DevIndex: uint32(lo.Index), DevName: missing}}}, &ls)
	check("LinkState by index and name", err, "LinkStateRequest.Header", "ifindex and name do not match")

	// No device in a do request.
	_, err = genl.Get(ctx, c, ethtool.Family, genl.Request{Command: ethtool.MsgLinkStateGet, Body: &ethtool.LinkStateRequest{}}, &ls)
	var se *socket.Error
	if !errors.Is(err, unix.EINVAL) || !errors.As(err, &se) || se.Field != "LinkStateRequest.Header" {
		t.Errorf("LinkState without a device: %v, want EINVAL naming LinkStateRequest.Header", err)
	}

	// Refused by the tags before sending: a name longer than the kernel's
	// ALTIFNAMSIZ-1, and FlagStats where the kernel's mask excludes it.
	if _, err := et.LinkInfo(ctx, strings.Repeat("x", 128)); !errors.Is(err, marshal.ErrCheck) {
		t.Errorf("a 128-byte name: %v, want marshal.ErrCheck", err)
	}
	_, err = genl.Get(ctx, c, ethtool.Family, genl.Request{Command: ethtool.MsgLinkModesGet,
		Body: &ethtool.LinkModesRequest{Header: ethtool.Header{DevName: "lo", Flags: ethtool.FlagStats}}}, &ethtool.LinkModes{})
	if !errors.Is(err, marshal.ErrCheck) {
		t.Errorf("FlagStats in a LINKMODES header: %v, want marshal.ErrCheck", err)
	}
	// ... which the kernel would indeed refuse (its mask for LINKMODES is
	// ETHTOOL_FLAGS_BASIC): sent in a StatsHeader, it fails with EINVAL.
	_, err = genl.Get(ctx, c, ethtool.Family, genl.Request{Command: ethtool.MsgLinkModesGet,
		Body: &ethtool.LinkStateRequest{Header: ethtool.StatsHeader{DevName: "lo", Flags: ethtool.FlagStats}}}, &ethtool.LinkModes{})
	if !errors.Is(err, unix.EINVAL) || !errors.As(err, &se) || se.Field != "LinkStateRequest.Header.Flags" {
		t.Errorf("FlagStats sent to LINKMODES_GET: %v, want EINVAL naming the flags", err)
	}
}
