package netdev_test

import (
	"context"
	"fmt"
	"log"

	"github.com/nlstruct/nlstruct/families/genl"
	"github.com/nlstruct/nlstruct/families/netdev"
	"github.com/nlstruct/nlstruct/marshal"
	"github.com/nlstruct/nlstruct/socket"
	"github.com/nlstruct/nlstruct/socket/sockettest"
)

// fakeFamilyID is the family id the fake kernel gives "netdev".
const fakeFamilyID = 0x21

// fakeDevices are the fake kernel's devices: lo and a veth.
var fakeDevices = []netdev.Device{
	{Ifindex: 1},
	{Ifindex: 2, XDPFeatures: netdev.XDPActBasic | netdev.XDPActRedirect | netdev.XDPActRxSG,
		XDPRxMetadataFeatures: netdev.XDPRxMetadataTimestamp | netdev.XDPRxMetadataHash | netdev.XDPRxMetadataVLANTag},
}

// fakeKernel answers the family lookup and NETDEV_CMD_DEV_GET dumps.
func fakeKernel(k *sockettest.Kernel, req socket.Message) {
	switch req.Header.Type {
	case genl.IDCtrl: // CTRL_CMD_GETFAMILY
		k.Reply(req, 0, genlMessage(genl.CtrlCmdNewFamily, &genl.Family{ID: fakeFamilyID, Name: netdev.Family, Version: netdev.Version}))
	case fakeFamilyID: // a dump: one message per device, then NLMSG_DONE
		for i := range fakeDevices {
			k.Reply(req, socket.FlagMulti, genlMessage(netdev.CmdDevGet, &fakeDevices[i]))
		}
		k.Done(req, 0, 0)
	}
}

// genlMessage is genlmsghdr followed by body's attributes.
func genlMessage(cmd uint8, body any) []byte {
	b, err := marshal.Marshal(&genl.Header{Command: cmd, Version: 1})
	if err == nil {
		b, err = marshal.Append(b, body)
	}
	if err != nil {
		panic(err)
	}
	return b
}

// ExampleClient_Devices lists the devices of a fake kernel
// (socket/sockettest), so that its output is known.
func ExampleClient_Devices() {
	sock, _ := sockettest.Dial(fakeKernel, nil)
	nd := netdev.New(genl.NewConn(sock))
	defer nd.Conn().Close()

	devs, err := nd.Devices(context.Background())
	if err != nil {
		log.Fatal(err)
	}
	for _, d := range devs {
		fmt.Printf("ifindex %d: XDP %#x, redirect %v, rx metadata %#x\n",
			d.Ifindex, uint64(d.XDPFeatures), d.XDPFeatures&netdev.XDPActRedirect != 0, uint64(d.XDPRxMetadataFeatures))
	}
	// Output:
	// ifindex 1: XDP 0x0, redirect false, rx metadata 0x0
	// ifindex 2: XDP 0x23, redirect true, rx metadata 0x7
}
