package rt_test

import (
	"context"
	"fmt"
	"log"
	"net"
	"net/netip"

	"golang.org/x/sys/unix"

	"github.com/nlstruct/nlstruct/families/rt"
)

// List the IPv4 neighbours (the ARP table) of this network namespace.
func ExampleConn_Neighbours() {
	c, err := rt.Dial(nil)
	if err != nil {
		log.Fatal(err)
	}
	defer c.Close()
	ns, err := c.Neighbours(context.Background(), unix.AF_INET)
	if err != nil {
		log.Fatal(err)
	}
	for _, n := range ns {
		fmt.Printf("%s lladdr %s ifindex %d %v\n", n.Dst, n.LLAddr, n.Header.Ifindex, n.Header.State)
	}
}

// Add a permanent ARP entry, as ip neigh add 10.0.0.2 lladdr
// 02:00:00:00:00:02 dev veth0 nud permanent does.
func ExampleConn_AddNeighbour() {
	c, err := rt.Dial(nil)
	if err != nil {
		log.Fatal(err)
	}
	defer c.Close()
	ifi, err := net.InterfaceByName("veth0")
	if err != nil {
		log.Fatal(err)
	}
	err = c.AddNeighbour(context.Background(), &rt.Neighbour{
		Header: rt.NdMsg{Family: unix.AF_INET, Ifindex: int32(ifi.Index), State: rt.NUDPermanent},
		Dst:    netip.MustParseAddr("10.0.0.2"),
		LLAddr: net.HardwareAddr{0x02, 0, 0, 0, 0, 0x02},
	})
	if err != nil {
		log.Fatal(err)
	}
}
