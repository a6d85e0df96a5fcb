package ethtool

import (
	"context"
	"fmt"

	"github.com/nlstruct/nlstruct/families/genl"
)

// Client is a thin ethtool client over a generic netlink connection. It is
// safe for concurrent use (as genl.Conn is).
type Client struct{ c *genl.Conn }

// New returns a Client that sends its requests over c.
func New(c *genl.Conn) *Client { return &Client{c: c} }

// Conn returns the generic netlink connection.
func (c *Client) Conn() *genl.Conn { return c.c }

// LinkInfo returns the link information (port, PHY, MDI-X) of the device
// named ifname. Devices whose driver cannot report link settings, such as
// lo, give an error wrapping unix.EOPNOTSUPP; an unknown name, one wrapping
// unix.ENODEV (a *socket.Error naming the rejected field,
// LinkInfoRequest.Header.DevName).
func (c *Client) LinkInfo(ctx context.Context, ifname string) (*LinkInfo, error) {
	return get[LinkInfo](ctx, c, "link info", ifname, MsgLinkInfoGet, &LinkInfoRequest{Header: Header{DevName: ifname}})
}

// LinkInfos returns the link information of every device that reports it
// (a dump: devices whose driver cannot are left out).
func (c *Client) LinkInfos(ctx context.Context) ([]LinkInfo, error) {
	return dump[LinkInfo](ctx, c, "link info", MsgLinkInfoGet, &LinkInfoRequest{})
}

// LinkModes returns the link modes, speed and duplex of the device named
// ifname, with verbose bit sets (every bit with its name). Errors are as
// for LinkInfo.
func (c *Client) LinkModes(ctx context.Context, ifname string) (*LinkModes, error) {
	return get[LinkModes](ctx, c, "link modes", ifname, MsgLinkModesGet, &LinkModesRequest{Header: Header{DevName: ifname}})
}

// LinkModesAll returns the link modes of every device that reports them (a
// dump), with bit sets in the form flags ask for (0 or
// FlagCompactBitsets).
func (c *Client) LinkModesAll(ctx context.Context, flags HeaderFlags) ([]LinkModes, error) {
	return dump[LinkModes](ctx, c, "link modes", MsgLinkModesGet, &LinkModesRequest{Header: Header{Flags: flags}})
}

// LinkState returns the link state of the device named ifname. It asks for
// statistics (FlagStats), so ExtDownCnt is set when the driver counts link
// downs. An unknown name gives an error wrapping unix.ENODEV.
func (c *Client) LinkState(ctx context.Context, ifname string) (*LinkState, error) {
	return get[LinkState](ctx, c, "link state", ifname, MsgLinkStateGet, &LinkStateRequest{Header: StatsHeader{DevName: ifname, Flags: FlagStats}})
}

// LinkStates returns the link state of every device (a dump), with
// statistics.
func (c *Client) LinkStates(ctx context.Context) ([]LinkState, error) {
	return dump[LinkState](ctx, c, "link state", MsgLinkStateGet, &LinkStateRequest{Header: StatsHeader{Flags: FlagStats}})
}

// get sends a do request and decodes its one reply.
func get[T any](ctx context.Context, c *Client, what, ifname string, cmd uint8, body any) (*T, error) {
	v := new(T)
	got, err := genl.Get(ctx, c.c, Family, genl.Request{Command: cmd, Body: body}, v)
	if err != nil {
		return nil, fmt.Errorf("ethtool: %s of %q: %w", what, ifname, err)
	}
	if !got {
		return nil, fmt.Errorf("ethtool: %s of %q: no reply", what, ifname)
	}
	return v, nil
}

// dump runs a dump request and collects its replies.
func dump[T any](ctx context.Context, c *Client, what string, cmd uint8, body any) ([]T, error) {
	var out []T
	for v, err := range genl.Dump[T](ctx, c.c, Family, genl.Request{Command: cmd, Body: body}) {
		if err != nil {
			return out, fmt.Errorf("ethtool: dump %s: %w", what, err)
		}
		out = append(out, *v)
	}
	return out, nil
}
