package rt

import (
	"context"
	"fmt"

	"golang.org/x/sys/unix"

	"github.com/nlstruct/nlstruct/socket"
)

// Conn is an rtnetlink connection: a NETLINK_ROUTE socket. It is safe for
// concurrent use (as socket.Conn is).
type Conn struct{ c *socket.Conn }

// Dial opens an rtnetlink socket with cfg (nil for the defaults: the
// caller's network namespace, extended ACKs on). cfg.NetNSPath or
// cfg.NetNSFD open it in another network namespace.
func Dial(cfg *socket.Config) (*Conn, error) {
	c, err := socket.Dial(unix.NETLINK_ROUTE, cfg)
	if err != nil {
		return nil, fmt.Errorf("rt: %w", err)
	}
	return &Conn{c: c}, nil
}

// New returns a Conn over c, which must be a NETLINK_ROUTE socket.
func New(c *socket.Conn) *Conn { return &Conn{c: c} }

// Socket returns the underlying socket.
func (c *Conn) Socket() *socket.Conn { return c.c }

// Close closes the socket.
func (c *Conn) Close() error { return c.c.Close() }

// dump runs a dump request whose body is req (the message's fixed header,
// and any filter attributes) and decodes each reply as a T.
func dump[T any](ctx context.Context, c *Conn, typ uint16, req any, what string) ([]T, error) {
	var out []T
	for v, err := range socket.DumpOf[T](ctx, c.c, socket.Request{Type: typ, Body: req}) {
		if err != nil {
			return out, fmt.Errorf("rt: %s: %w", what, err)
		}
		out = append(out, *v)
	}
	return out, nil
}

// exec sends a request that changes something (NEW, SET or DEL), with an
// ACK, and waits for it.
func exec(ctx context.Context, c *Conn, typ, flags uint16, body any, what string) error {
	if err := c.c.Do(ctx, socket.Request{Type: typ, Flags: flags, Body: body}, nil); err != nil {
		return fmt.Errorf("rt: %s: %w", what, err)
	}
	return nil
}

// get sends a GET request for one object and decodes the reply into v.
func get[T any](ctx context.Context, c *Conn, typ uint16, req any, v *T, what string) error {
	got, err := socket.Get(ctx, c.c, socket.Request{Type: typ, Body: req}, v)
	if err != nil {
		return fmt.Errorf("rt: %s: %w", what, err)
	}
	if !got {
		return fmt.Errorf("rt: %s: no reply", what)
	}
	return nil
}

// Flags of requests that create objects (NLM_F_*).
const (
	flagCreate  = unix.NLM_F_CREATE
	flagExcl    = unix.NLM_F_EXCL
	flagReplace = unix.NLM_F_REPLACE
)
