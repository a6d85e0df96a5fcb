package rt

import (
	"context"
	"errors"
	"fmt"
	"iter"

	"golang.org/x/sys/unix"

	"github.com/nlstruct/nlstruct/marshal"
	"github.com/nlstruct/nlstruct/socket"
)

// Group is an rtnetlink multicast group (enum rtnetlink_groups,
// RTNLGRP_*): the kernel notifies its members of every change of that
// kind of object.
type Group uint32

// Groups of the objects this package decodes.
const (
	GroupLink      Group = unix.RTNLGRP_LINK        // links: RTM_NEWLINK, RTM_DELLINK
	GroupNeigh     Group = unix.RTNLGRP_NEIGH       // neighbours: RTM_NEWNEIGH, RTM_DELNEIGH
	GroupIPv4Addr  Group = unix.RTNLGRP_IPV4_IFADDR // IPv4 addresses: RTM_NEWADDR, RTM_DELADDR
	GroupIPv4Route Group = unix.RTNLGRP_IPV4_ROUTE  // IPv4 routes: RTM_NEWROUTE, RTM_DELROUTE
	GroupIPv4Rule  Group = unix.RTNLGRP_IPV4_RULE   // IPv4 rules: RTM_NEWRULE, RTM_DELRULE
	GroupIPv6Addr  Group = unix.RTNLGRP_IPV6_IFADDR // IPv6 addresses
	GroupIPv6Route Group = unix.RTNLGRP_IPV6_ROUTE  // IPv6 routes
	GroupIPv6Rule  Group = unix.RTNLGRP_IPV6_RULE   // IPv6 rules
)

// Event is one rtnetlink notification: the message type, and the object
// it carries, decoded into the one field that matches the type.
type Event struct {
	// Type is the message type: RTM_NEWLINK, RTM_DELADDR, ...
	Type uint16
	// Exactly one of these is set, as Type says.
	Link      *Link
	Address   *Address
	Route     *Route
	Neighbour *Neighbour
	Rule      *Rule
}

// Deleted reports whether the event says the object went away (an
// RTM_DEL* message).
func (e *Event) Deleted() bool {
	switch e.Type {
	case unix.RTM_DELLINK, unix.RTM_DELADDR, unix.RTM_DELROUTE, unix.RTM_DELNEIGH, unix.RTM_DELRULE:
		return true
	}
	return false
}

// ErrUnknownEvent is wrapped by the error Watch yields for a message
// whose type this package does not decode.
var ErrUnknownEvent = errors.New("rt: notification of a type this package does not decode")

// DecodeEvent decodes one rtnetlink notification: a message of type typ
// (RTM_NEWLINK, RTM_DELADDR, ...) with payload data.
func DecodeEvent(typ uint16, data []byte) (*Event, error) {
	e := &Event{Type: typ}
	var v any
	switch typ {
	case unix.RTM_NEWLINK, unix.RTM_DELLINK:
		e.Link = new(Link)
		v = e.Link
	case unix.RTM_NEWADDR, unix.RTM_DELADDR:
		e.Address = new(Address)
		v = e.Address
	case unix.RTM_NEWROUTE, unix.RTM_DELROUTE:
		e.Route = new(Route)
		v = e.Route
	case unix.RTM_NEWNEIGH, unix.RTM_DELNEIGH:
		e.Neighbour = new(Neighbour)
		v = e.Neighbour
	case unix.RTM_NEWRULE, unix.RTM_DELRULE:
		e.Rule = new(Rule)
		v = e.Rule
	default:
		return nil, fmt.Errorf("%w: message type %d", ErrUnknownEvent, typ)
	}
	if err := marshal.Unmarshal(data, v); err != nil {
		return nil, fmt.Errorf("rt: notification (message type %d): %w", typ, err)
	}
	return e, nil
}

// Watch joins groups and streams the notifications they bring until ctx
// is done (its error is then yielded) or the loop stops; it then leaves
// the groups. Requests may go on over the same Conn meanwhile.
//
// A notification that does not decode is yielded as an error and the
// stream goes on; so does socket.ErrOverrun when the receive buffer
// overflowed and notifications were lost (re-read the state with a dump
// after it). Any other error ends the stream.
func (c *Conn) Watch(ctx context.Context, groups ...Group) iter.Seq2[*Event, error] {
	return func(yield func(*Event, error) bool) {
		var joined []Group
		defer func() {
			for _, g := range joined {
				c.c.LeaveGroup(uint32(g))
			}
		}()
		for _, g := range groups {
			if err := c.c.JoinGroup(uint32(g)); err != nil {
				yield(nil, fmt.Errorf("rt: watch: join group %d: %w", g, err))
				return
			}
			joined = append(joined, g)
		}
		for {
			msgs, err := c.c.Receive(ctx)
			if errors.Is(err, socket.ErrOverrun) {
				if !yield(nil, fmt.Errorf("rt: watch: %w", err)) {
					return
				}
				continue
			}
			if err != nil {
				yield(nil, fmt.Errorf("rt: watch: %w", err))
				return
			}
			for _, m := range msgs {
				if m.Header.Type < unix.RTM_BASE {
					continue // NLMSG_NOOP and the like
				}
				e, err := DecodeEvent(m.Header.Type, m.Data)
				if !yield(e, err) {
					return
				}
			}
		}
	}
}
