package ethtool_test

import (
	"context"
	"errors"
	"fmt"
	"log"

	"golang.org/x/sys/unix"

	"github.com/nlstruct/nlstruct/families/ethtool"
	"github.com/nlstruct/nlstruct/families/genl"
	"github.com/nlstruct/nlstruct/marshal"
	"github.com/nlstruct/nlstruct/socket"
	"github.com/nlstruct/nlstruct/socket/sockettest"
)

// fakeFamilyID is the family id the fake kernel gives "ethtool".
const fakeFamilyID = 0x20

// fakeKernel answers the family lookup and LINKMODES_GET for eth0, as the
// kernel would for a gigabit PHY.
func fakeKernel(k *sockettest.Kernel, req socket.Message) {
	switch req.Header.Type {
	case genl.IDCtrl: // CTRL_CMD_GETFAMILY
		reply(k, req, genl.CtrlCmdNewFamily, &genl.Family{ID: fakeFamilyID, Name: ethtool.Family, Version: ethtool.Version})
	case fakeFamilyID:
		var r ethtool.LinkModesRequest
		if err := marshal.Unmarshal(req.Data[genl.HeaderLen:], &r); err != nil || r.Header.DevName != "eth0" {
			k.Ack(req, unix.ENODEV, &sockettest.ExtAck{Message: "no device matches name"})
			return
		}
		reply(k, req, ethtool.MsgLinkModesGetReply, &ethtool.LinkModes{
			Header:  ethtool.Header{DevIndex: 2, DevName: "eth0"},
			Autoneg: ethtool.AutonegEnable,
			Ours: &ethtool.Bitset{Size: 121, Bits: &ethtool.BitsetBits{Bit: []ethtool.BitsetBit{
				{Index: 0, Name: "10baseT/Half"},
				{Index: 1, Name: "10baseT/Full", Value: true},
				{Index: 3, Name: "100baseT/Full", Value: true},
				{Index: 5, Name: "1000baseT/Full", Value: true},
			}}},
			Speed:  1000,
			Duplex: ethtool.DuplexFull,
		})
	}
}

// reply sends genlmsghdr and body as the reply to req, and the ACK if req
// asked for one.
func reply(k *sockettest.Kernel, req socket.Message, cmd uint8, body any) {
	b, err := marshal.Marshal(&genl.Header{Command: cmd, Version: 1})
	if err == nil {
		b, err = marshal.Append(b, body)
	}
	if err != nil {
		panic(err)
	}
	k.Reply(req, 0, b)
	if req.Header.Flags&socket.FlagAck != 0 {
		k.Ack(req, 0, nil)
	}
}

// ExampleClient_LinkModes reads link modes from a fake kernel
// (socket/sockettest), so that its output is known.
func ExampleClient_LinkModes() {
	sock, _ := sockettest.Dial(fakeKernel, nil)
	et := ethtool.New(genl.NewConn(sock))
	defer et.Conn().Close()
	ctx := context.Background()

	lm, err := et.LinkModes(ctx, "eth0")
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("%s: %d Mb/s, full duplex: %v, autoneg: %v\n", lm.Header.DevName, lm.Speed, lm.Duplex == ethtool.DuplexFull, lm.Autoneg == ethtool.AutonegEnable)
	fmt.Println("advertised:", lm.Ours.Names())
	fmt.Println("supports 10baseT/Half:", lm.Ours.InMask(0), "advertises it:", lm.Ours.IsSet(0))

	_, err = et.LinkModes(ctx, "eth9")
	fmt.Println("eth9 is ENODEV:", errors.Is(err, unix.ENODEV))
	// Output:
	// eth0: 1000 Mb/s, full duplex: true, autoneg: true
	// advertised: [10baseT/Full 100baseT/Full 1000baseT/Full]
	// supports 10baseT/Half: true advertises it: false
	// eth9 is ENODEV: true
}
