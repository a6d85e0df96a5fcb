package netdev_test

import (
	"context"
	"fmt"
	"log"

	"github.com/nlstruct/nlstruct/families/genl"
	"github.com/nlstruct/nlstruct/families/netdev"
)

// Example lists the devices of the running kernel's network namespace and
// their XDP features. Its output depends on the machine.
func Example() {
	c, err := genl.Dial(nil)
	if err != nil {
		log.Fatal(err)
	}
	defer c.Close()
	devs, err := netdev.New(c).Devices(context.Background())
	if err != nil {
		log.Fatal(err)
	}
	for _, d := range devs {
		fmt.Printf("ifindex %d: XDP features %#x (redirect: %v), AF_XDP zero-copy segments %d\n",
			d.Ifindex, d.XDPFeatures, d.XDPFeatures&netdev.XDPActRedirect != 0, d.XDPZCMaxSegs)
	}
}
