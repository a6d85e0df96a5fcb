package ethtool_test

import (
	"context"
	"fmt"
	"log"

	"github.com/nlstruct/nlstruct/families/ethtool"
	"github.com/nlstruct/nlstruct/families/genl"
)

// Example reads a device's link information, link modes and link state
// from the running kernel. Its output depends on the machine.
func Example() {
	c, err := genl.Dial(nil)
	if err != nil {
		log.Fatal(err)
	}
	defer c.Close()
	ctx := context.Background()
	et := ethtool.New(c)

	infos, err := et.LinkInfos(ctx)
	if err != nil {
		log.Fatal(err)
	}
	for _, li := range infos {
		lm, err := et.LinkModes(ctx, li.Header.DevName)
		if err != nil {
			log.Fatal(err)
		}
		ls, err := et.LinkState(ctx, li.Header.DevName)
		if err != nil {
			log.Fatal(err)
		}
		fmt.Printf("%s (ifindex %d): port %d, %d Mb/s, duplex %d, advertising %q, link %v\n",
			li.Header.DevName, li.Header.DevIndex, li.Port, lm.Speed, lm.Duplex, lm.Ours.Names(), ls.Link != nil && *ls.Link)
	}
}
