package ipvs_test

import (
	"context"
	"fmt"
	"net/netip"

	"golang.org/x/sys/unix"

	"github.com/nlstruct/nlstruct/families/genl"
	"github.com/nlstruct/nlstruct/families/ipvs"
	"github.com/nlstruct/nlstruct/marshal"
	"github.com/nlstruct/nlstruct/socket"
	"github.com/nlstruct/nlstruct/socket/sockettest"
)

// exampleReply is the shape of an IPVS reply: a command's top-level attributes.
type exampleReply struct {
	Service *ipvs.Service `nl:"type=1,nested"`
}

// A fake kernel that knows the IPVS family and one service shows the
// client without root or the ip_vs module.
func Example() {
	const ipvsID = 0x20
	genlPayload := func(cmd uint8, body any) []byte {
		b, _ := marshal.Marshal(&genl.Header{Command: cmd, Version: 1})
		b, _ = marshal.Append(b, body)
		return b
	}
	conn, _ := sockettest.Dial(func(k *sockettest.Kernel, req socket.Message) {
		switch req.Header.Type {
		case genl.IDCtrl: // the family lookup
			k.Reply(req, 0, genlPayload(genl.CtrlCmdNewFamily, &genl.Family{ID: ipvsID, Name: ipvs.Family, Version: 1}))
		case ipvsID: // the services dump
			svc := &ipvs.Service{AF: unix.AF_INET, Protocol: unix.IPPROTO_TCP,
				Address: ipvs.AddressFrom(netip.MustParseAddr("10.0.0.1")), Port: 80, Scheduler: "wlc"}
			k.Reply(req, socket.FlagMulti, genlPayload(ipvs.CmdNewService, &exampleReply{Service: svc}))
			k.Done(req, 0, 0)
		}
	}, nil)
	c := ipvs.New(genl.NewConn(conn))
	defer c.Close()

	svcs, err := c.Services(context.Background())
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, s := range svcs {
		fmt.Printf("TCP %s %s\n", netip.AddrPortFrom(s.Addr(), s.Port), s.Scheduler)
	}
	// Output:
	// TCP 10.0.0.1:80 wlc
}
