package netdev

import (
	"context"
	"fmt"

	"github.com/nlstruct/nlstruct/families/genl"
)

// Client is a thin netdev client over a generic netlink connection. It is
// safe for concurrent use (as genl.Conn is).
type Client struct{ c *genl.Conn }

// New returns a Client that sends its requests over c.
func New(c *genl.Conn) *Client { return &Client{c: c} }

// Conn returns the generic netlink connection.
func (c *Client) Conn() *genl.Conn { return c.c }

// Devices lists every device of the connection's network namespace
// (NETDEV_CMD_DEV_GET dump).
func (c *Client) Devices(ctx context.Context) ([]Device, error) {
	var out []Device
	for d, err := range genl.Dump[Device](ctx, c.c, Family, genl.Request{Command: CmdDevGet}) {
		if err != nil {
			return out, fmt.Errorf("netdev: dump devices: %w", err)
		}
		out = append(out, *d)
	}
	return out, nil
}

// Device returns the device with the given ifindex (NETDEV_CMD_DEV_GET
// do). An ifindex with no device gives an error wrapping unix.ENODEV; an
// ifindex of 0 is refused before sending (the kernel's policy wants at
// least 1).
func (c *Client) Device(ctx context.Context, ifindex uint32) (*Device, error) {
	var d Device
	got, err := genl.Get(ctx, c.c, Family, genl.Request{Command: CmdDevGet, Body: &DevGetRequest{Ifindex: ifindex}}, &d)
	if err != nil {
		return nil, fmt.Errorf("netdev: device (DevGetRequest.Ifindex %d): %w", ifindex, err)
	}
	if !got {
		return nil, fmt.Errorf("netdev: device %d: no reply", ifindex)
	}
	return &d, nil
}
