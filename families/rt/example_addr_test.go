package rt_test

import (
	"context"
	"fmt"
	"log"
	"net/netip"

	"golang.org/x/sys/unix"

	"github.com/nlstruct/nlstruct/families/rt"
)

// Ask the kernel which route it would use for a destination, as ip route
// get does. Loopback addresses are local routes through lo (ifindex 1).
func ExampleConn_RouteGet() {
	c, err := rt.Dial(nil)
	if err != nil {
		log.Fatal(err)
	}
	defer c.Close()
	r, err := c.RouteGet(context.Background(), netip.MustParseAddr("127.0.0.1"))
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("%s: local %v, ifindex %d\n", r.Dst, r.Header.Type == rt.RouteTypeLocal, r.OIF)
	// Output:
	// 127.0.0.1: local true, ifindex 1
}

// List the IPv4 addresses of every link.
func ExampleConn_Addresses() {
	c, err := rt.Dial(nil)
	if err != nil {
		log.Fatal(err)
	}
	defer c.Close()
	as, err := c.Addresses(context.Background(), unix.AF_INET)
	if err != nil {
		log.Fatal(err)
	}
	for _, a := range as {
		fmt.Printf("ifindex %d: %s label %q scope %d\n", a.Header.Index, a.Prefix(), a.Label, a.Header.Scope)
	}
}

// Add an address and a route through it to link 2, then remove them.
func ExampleConn_AddRoute() {
	c, err := rt.Dial(nil)
	if err != nil {
		log.Fatal(err)
	}
	defer c.Close()
	ctx := context.Background()
	a := rt.NewAddress(2, netip.MustParsePrefix("192.0.2.1/24"))
	if err := c.AddAddress(ctx, a); err != nil {
		log.Fatal(err)
	}
	defer c.DeleteAddress(ctx, a)
	r := &rt.Route{
		Header: rt.RtMsg{
			Family:   unix.AF_INET,
			DstLen:   16,
			Table:    rt.TableMain,
			Protocol: rt.ProtoStatic,
			Scope:    rt.ScopeUniverse,
			Type:     rt.RouteTypeUnicast,
		},
		Dst:      netip.MustParseAddr("198.51.0.0"),
		Gateway:  netip.MustParseAddr("192.0.2.254"),
		Priority: new(uint32(100)),
		Metrics:  &rt.RouteMetrics{MTU: 1400},
	}
	if err := c.AddRoute(ctx, r); err != nil {
		log.Fatal(err) // errors.Is(err, unix.EEXIST) when it is there already
	}
	defer c.DeleteRoute(ctx, r)
}
