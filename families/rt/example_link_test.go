package rt_test

import (
	"context"
	"errors"
	"fmt"
	"log"

	"golang.org/x/sys/unix"

	"github.com/nlstruct/nlstruct/families/rt"
)

// ExampleConn_LinkByName reads the loopback device of the caller's network
// namespace.
func ExampleConn_LinkByName() {
	c, err := rt.Dial(nil)
	if err != nil {
		log.Fatal(err)
	}
	defer c.Close()
	lo, err := c.LinkByName(context.Background(), "lo")
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("%s: ifindex %d, loopback %t, address %s\n",
		lo.Name, lo.Header.Index, lo.Header.Flags&unix.IFF_LOOPBACK != 0, lo.Address)
	// Output: lo: ifindex 1, loopback true, address 00:00:00:00:00:00
}

// ExampleConn_Links lists the links of the caller's network namespace,
// with their kinds. Its output depends on the machine.
func ExampleConn_Links() {
	c, err := rt.Dial(nil)
	if err != nil {
		log.Fatal(err)
	}
	defer c.Close()
	links, err := c.Links(context.Background())
	if err != nil {
		log.Fatal(err)
	}
	for _, l := range links {
		kind := "-"
		if l.Info != nil {
			kind = l.Info.Kind
		}
		fmt.Printf("%d: %s (%s) mtu %d %s\n", l.Header.Index, l.Name, kind, l.MTU, l.OperState)
	}
}

// ExampleConn_AddLink creates a veth pair, puts one end into a new bridge
// and brings both up. It needs CAP_NET_ADMIN, and changes the caller's
// network namespace.
func ExampleConn_AddLink() {
	c, err := rt.Dial(nil)
	if err != nil {
		log.Fatal(err)
	}
	defer c.Close()
	ctx := context.Background()

	// The kind comes from the data's type when Kind is empty.
	err = c.AddLink(ctx, &rt.Link{Name: "veth0", Info: &rt.LinkInfo{
		Data: &rt.VethData{Peer: &rt.Link{Name: "veth1"}},
	}})
	if errors.Is(err, unix.EEXIST) {
		log.Fatal("veth0 is there already")
	} else if err != nil {
		log.Fatal(err)
	}
	err = c.AddLink(ctx, &rt.Link{Name: "br0", Info: &rt.LinkInfo{
		Data: &rt.BridgeData{STPState: new(uint32(1)), ForwardDelay: new(uint32(400))},
	}})
	if err != nil {
		log.Fatal(err)
	}
	br, err := c.LinkByName(ctx, "br0")
	if err != nil {
		log.Fatal(err)
	}
	veth, err := c.LinkByName(ctx, "veth0")
	if err != nil {
		log.Fatal(err)
	}
	err = c.SetLink(ctx, &rt.Link{Header: rt.IfInfoMsg{Index: veth.Header.Index}, Master: &br.Header.Index, MTU: 9000})
	if err != nil {
		log.Fatal(err)
	}
	for _, idx := range []int32{br.Header.Index, veth.Header.Index} {
		if err := c.SetLinkUp(ctx, idx, true); err != nil {
			log.Fatal(err)
		}
	}
}
