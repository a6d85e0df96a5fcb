package socket_test

import (
	"context"
	"errors"
	"fmt"
	"log"
	"time"

	"golang.org/x/sys/unix"

	"github.com/nlstruct/nlstruct/marshal"
	"github.com/nlstruct/nlstruct/socket"
	"github.com/nlstruct/nlstruct/socket/sockettest"
)

// GenlHeader is struct genlmsghdr: a fixed layout, since it has no
// attribute fields.
type GenlHeader struct {
	Cmd     uint8
	Version uint8
	_       uint16
}

// Family is generic netlink's CTRL_CMD_GETFAMILY request and its reply.
type Family struct {
	Header GenlHeader `nl:"header"`
	ID     uint16     `nl:"type=1,omitempty"` // CTRL_ATTR_FAMILY_ID
	Name   string     `nl:"type=2,omitempty"` // CTRL_ATTR_FAMILY_NAME
}

// Execute sends a request built from a tagged struct and decodes the
// reply with marshal.Unmarshal. A fake kernel from package sockettest
// answers it, so the example runs anywhere.
func ExampleConn_Execute() {
	conn, _ := sockettest.Dial(func(k *sockettest.Kernel, req socket.Message) {
		var f Family
		if err := marshal.Unmarshal(req.Data, &f); err != nil || f.Name != "nlctrl" {
			k.Ack(req, unix.ENOENT, &sockettest.ExtAck{Message: "no such family"})
			return
		}
		reply, _ := marshal.Marshal(&Family{Header: GenlHeader{Cmd: unix.CTRL_CMD_NEWFAMILY, Version: 2}, ID: 0x10, Name: "nlctrl"})
		k.Reply(req, 0, reply)
		k.Ack(req, 0, nil)
	}, nil)
	defer conn.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()

	get := func(name string) socket.Request {
		return socket.Request{
			Type: unix.GENL_ID_CTRL,
			Body: &Family{Header: GenlHeader{Cmd: unix.CTRL_CMD_GETFAMILY, Version: 1}, Name: name},
		}
	}
	msgs, err := conn.Execute(ctx, get("nlctrl"))
	if err != nil {
		log.Fatal(err)
	}
	var f Family
	if err := marshal.Unmarshal(msgs[0].Data, &f); err != nil {
		log.Fatal(err)
	}
	fmt.Printf("%s: id %#x\n", f.Name, f.ID)

	_, err = conn.Execute(ctx, get("nosuch"))
	var e *socket.Error
	if errors.As(err, &e) {
		fmt.Println(errors.Is(err, unix.ENOENT), e.Message)
	}
	// Output:
	// nlctrl: id 0x10
	// true no such family
}

// Dial opens a socket to the running kernel; here, generic netlink's
// controller is asked for its own family.
func ExampleDial() {
	conn, err := socket.Dial(unix.NETLINK_GENERIC, nil)
	if err != nil {
		log.Fatal(err)
	}
	defer conn.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()

	var f Family
	_, err = socket.Get(ctx, conn, socket.Request{
		Type: unix.GENL_ID_CTRL,
		Body: &Family{Header: GenlHeader{Cmd: unix.CTRL_CMD_GETFAMILY, Version: 1}, Name: "nlctrl"},
	}, &f)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("%s: id %d\n", f.Name, f.ID)
}
