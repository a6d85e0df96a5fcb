package rt_test

import (
	"context"
	"fmt"
	"log"
	"net/netip"

	"golang.org/x/sys/unix"

	"github.com/nlstruct/nlstruct/families/rt"
)

// List the IPv4 policy-routing rules, as ip rule does.
func ExampleConn_Rules() {
	c, err := rt.Dial(nil)
	if err != nil {
		log.Fatal(err)
	}
	defer c.Close()
	rules, err := c.Rules(context.Background(), unix.AF_INET)
	if err != nil {
		log.Fatal(err)
	}
	for _, r := range rules {
		var prio uint32 // the kernel leaves out priority 0
		if r.Priority != nil {
			prio = *r.Priority
		}
		fmt.Printf("%d: from %v %v %d\n", prio, r.SrcPrefix(), r.Header.Action, r.Table)
	}
}

// Send traffic from 10.1.0.0/16 marked 0x10 to table 1000, as ip rule add
// pref 100 from 10.1.0.0/16 fwmark 0x10 table 1000 does.
func ExampleConn_AddRule() {
	c, err := rt.Dial(nil)
	if err != nil {
		log.Fatal(err)
	}
	defer c.Close()
	err = c.AddRule(context.Background(), &rt.Rule{
		Header:   rt.FibRuleHdr{Family: unix.AF_INET, SrcLen: 16, Action: rt.FRActToTbl},
		Priority: new(uint32(100)),
		Src:      netip.MustParseAddr("10.1.0.0"),
		FwMark:   0x10,
		FwMask:   0xffffffff,
		Table:    1000,
	})
	if err != nil {
		log.Fatal(err)
	}
}
