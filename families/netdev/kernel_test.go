package netdev_test

// Tests against the running kernel. Reading needs no privilege; the
// namespace test needs root (CAP_SYS_ADMIN) and skips without it.

import (
	"context"
	"errors"
	"net"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/nlstruct/nlstruct/families/genl"
	"github.com/nlstruct/nlstruct/families/netdev"
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
// kernel has no netdev family.
func dial(t *testing.T) *genl.Conn {
	t.Helper()
	c, err := genl.Dial(nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	if _, err := c.Family(testCtx(t), netdev.Family); errors.Is(err, genl.ErrFamilyNotFound) {
		t.Skipf("the kernel has no netdev netlink family: %v", err)
	} else if err != nil {
		t.Fatal(err)
	}
	return c
}

// TestPolicies is the acceptance check: DevGetRequest agrees with the
// kernel's do policy for NETDEV_CMD_DEV_GET. The dump has no policy (it
// takes no attributes), so Devices sends none.
func TestPolicies(t *testing.T) {
	c := dial(t)
	ctx := testCtx(t)
	ms, err := c.CheckPolicy(ctx, netdev.Family, netdev.CmdDevGet, false, reflect.TypeFor[netdev.DevGetRequest]())
	if err != nil {
		t.Fatal(err)
	}
	if d := genl.Disagreements(ms); len(d) != 0 {
		t.Errorf("DevGetRequest disagrees with the kernel's policy: %v", d)
	}
	for _, m := range ms {
		t.Logf("DevGetRequest: %s", m)
	}
	op := uint32(netdev.CmdDevGet)
	pol, err := c.Policy(ctx, netdev.Family, &op)
	if err != nil {
		t.Fatal(err)
	}
	if attrs, ok := pol.ForOp(op, true); ok {
		t.Errorf("the kernel now has a dump policy for NETDEV_CMD_DEV_GET (%v): declare a dump request type", attrs)
	}
}

// TestTagsMatchConstants checks every tag's attribute type against the
// exported NETDEV_A_DEV_* constant of the same field.
func TestTagsMatchConstants(t *testing.T) {
	want := map[reflect.Type]map[string]uint16{
		reflect.TypeFor[netdev.Device](): {"Ifindex": netdev.AttrDevIfindex, "XDPFeatures": netdev.AttrDevXDPFeatures,
			"XDPZCMaxSegs": netdev.AttrDevXDPZCMaxSegs, "XDPRxMetadataFeatures": netdev.AttrDevXDPRxMetadataFeatures,
			"XSKFeatures": netdev.AttrDevXSKFeatures},
		reflect.TypeFor[netdev.DevGetRequest](): {"Ifindex": netdev.AttrDevIfindex},
	}
	for typ, fields := range want {
		d, err := marshal.Describe(typ)
		if err != nil {
			t.Fatal(err)
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

// sameIndexes checks that devs and ifs list the same ifindexes.
func sameIndexes(t *testing.T, devs []netdev.Device, ifs []net.Interface) {
	t.Helper()
	var got, want []int
	for _, d := range devs {
		got = append(got, int(d.Ifindex))
	}
	for _, i := range ifs {
		want = append(want, i.Index)
	}
	slices.Sort(got)
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Errorf("Devices lists ifindexes %v, net.Interfaces %v", got, want)
	}
}

// TestDevices compares the dump with net.Interfaces, and each device's
// reply with its dump entry, in the test's namespace.
func TestDevices(t *testing.T) {
	nd := netdev.New(dial(t))
	ctx := testCtx(t)
	devs, err := nd.Devices(ctx)
	if err != nil {
		t.Fatal(err)
	}
	ifs, err := net.Interfaces()
	if err != nil {
		t.Fatal(err)
	}
	sameIndexes(t, devs, ifs)
	lo, err := net.InterfaceByName("lo")
	if err != nil {
		t.Fatal(err)
	}
	if !slices.ContainsFunc(devs, func(d netdev.Device) bool { return d.Ifindex == uint32(lo.Index) }) {
		t.Errorf("Devices does not list lo (ifindex %d)", lo.Index)
	}
	for _, want := range devs {
		got, err := nd.Device(ctx, want.Ifindex)
		if err != nil {
			t.Fatal(err)
		}
		if *got != want {
			t.Errorf("Device(%d) = %+v, the dump says %+v", want.Ifindex, *got, want)
		}
		if want.Ifindex == uint32(lo.Index) && want != (netdev.Device{Ifindex: want.Ifindex}) {
			t.Errorf("lo reports XDP features: %+v", want)
		}
		if (want.XDPZCMaxSegs != 0) != (want.XDPFeatures&netdev.XDPActXSKZerocopy != 0) {
			t.Errorf("ifindex %d: XDPZCMaxSegs %d with XDP features %#x: the kernel sends it exactly for zero-copy devices", want.Ifindex, want.XDPZCMaxSegs, want.XDPFeatures)
		}
		t.Logf("%+v", want)
	}
}

// TestNamespace lists the devices of a private namespace with a veth
// pair.
func TestNamespace(t *testing.T) {
	ns := linktest.New(t)
	nd := netdev.New(ns.Genl)
	ctx := testCtx(t)
	devs, err := nd.Devices(ctx)
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
	sameIndexes(t, devs, ifs)
	for _, name := range []string{"veth0", "veth1"} {
		d, err := nd.Device(ctx, uint32(ns.Index(t, name)))
		if err != nil {
			t.Fatal(err)
		}
		// Every veth supports the basic XDP actions and XDP_REDIRECT.
		if want := netdev.XDPActBasic | netdev.XDPActRedirect; d.XDPFeatures&want != want {
			t.Errorf("%s: XDP features %#x, want at least %#x", name, d.XDPFeatures, want)
		}
	}
}

// TestErrors checks the error for an ifindex with no device, and the
// request the tags refuse before sending.
func TestErrors(t *testing.T) {
	nd := netdev.New(dial(t))
	ctx := testCtx(t)
	_, err := nd.Device(ctx, 0x7fffffff)
	if !errors.Is(err, unix.ENODEV) {
		t.Fatalf("Device(0x7fffffff): %v, want ENODEV", err)
	}
	var se *socket.Error
	if !errors.As(err, &se) {
		t.Fatalf("%T is not a *socket.Error", err)
	}
	// The kernel gives no extended ACK for this error (netdev_nl_dev_get_doit
	// returns -ENODEV without setting one); if it ever points at the
	// attribute, it must be named.
	if se.Offset >= 0 && se.Field != "DevGetRequest.Ifindex" {
		t.Errorf("the kernel rejected offset %d, named %q, want DevGetRequest.Ifindex", se.Offset, se.Field)
	}
	if !strings.Contains(err.Error(), "DevGetRequest.Ifindex") {
		t.Errorf("the error %q does not name DevGetRequest.Ifindex", err)
	}
	// Ifindex 0 means unset: it is not sent, and the kernel reports the
	// required attribute missing.
	_, err = nd.Device(ctx, 0)
	if !errors.As(err, &se) || !errors.Is(err, unix.EINVAL) || se.MissingType != netdev.AttrDevIfindex {
		t.Errorf("Device(0): %v, want EINVAL with the missing attribute %d", err, netdev.AttrDevIfindex)
	}
}
