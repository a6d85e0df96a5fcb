package genl_test

import (
	"context"
	"fmt"
	"log"

	"github.com/nlstruct/nlstruct/families/genl"
	"github.com/nlstruct/nlstruct/marshal"
	"github.com/nlstruct/nlstruct/socket"
	"github.com/nlstruct/nlstruct/socket/sockettest"
)

// Looking a family up by name, against a fake kernel whose controller
// knows one family, "demo".
func ExampleConn_Family() {
	conn, _ := sockettest.Dial(func(k *sockettest.Kernel, req socket.Message) {
		// Every request here is CTRL_CMD_GETFAMILY: answer with
		// CTRL_CMD_NEWFAMILY, genlmsghdr then the family's attributes.
		reply, err := marshal.Append([]byte{genl.CtrlCmdNewFamily, 2, 0, 0}, &genl.Family{
			ID: 0x20, Name: "demo", Version: 2, MaxAttr: 5,
			Ops: []genl.Op{
				{ID: 1, Flags: genl.CmdCapDo | genl.CmdCapHasPol},
				{ID: 2, Flags: genl.CmdCapDump | genl.AdminPerm},
			},
			Groups: []genl.MulticastGroup{{Name: "events", ID: 7}},
		})
		if err != nil {
			panic(err)
		}
		k.Reply(req, 0, reply)
	}, nil)
	c := genl.NewConn(conn)
	defer c.Close()

	ctx := context.Background()
	f, err := c.Family(ctx, "demo")
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("%s: id %#x, version %d, max attr %d\n", f.Name, f.ID, f.Version, f.MaxAttr)
	for _, op := range f.Ops {
		fmt.Printf("  op %d: do=%v dump=%v\n", op.ID, op.Flags&genl.CmdCapDo != 0, op.Flags&genl.CmdCapDump != 0)
	}
	group, err := c.GroupID(ctx, "demo", "events")
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("  group events:", group)
	// Output:
	// demo: id 0x20, version 2, max attr 5
	//   op 1: do=true dump=false
	//   op 2: do=false dump=true
	//   group events: 7
}

// Listing the running kernel's generic netlink families, like
// `genl ctrl list`. Listing needs no privileges.
func ExampleConn_Families() {
	c, err := genl.Dial(nil)
	if err != nil {
		log.Fatal(err)
	}
	defer c.Close()
	families, err := c.Families(context.Background())
	if err != nil {
		log.Fatal(err)
	}
	for _, f := range families {
		fmt.Printf("%-16s id %#04x  version %d  %d ops  %d groups\n", f.Name, f.ID, f.Version, len(f.Ops), len(f.Groups))
	}
}
