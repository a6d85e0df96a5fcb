package rt

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"sync"

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

// Subscription is a Conn's membership of rtnetlink groups. The groups
// are joined when Subscribe returns, so a change made after that is not
// missed; Events streams the notifications and Close leaves the groups.
type Subscription struct {
	c      *Conn
	groups []Group
	once   sync.Once
}

// Subscribe joins groups on c. Requests may go on over c meanwhile.
func (c *Conn) Subscribe(groups ...Group) (*Subscription, error) {
	s := &Subscription{c: c}
	for _, g := range groups {
		if err := c.c.JoinGroup(uint32(g)); err != nil {
			s.Close()
			return nil, fmt.Errorf("rt: subscribe: join group %d: %w", g, err)
		}
		s.groups = append(s.groups, g)
	}
	return s, nil
}

// Close leaves the subscription's groups. It does not close the Conn.
func (s *Subscription) Close() error {
	var err error
	s.once.Do(func() {
		for _, g := range s.groups {
			if e := s.c.c.LeaveGroup(uint32(g)); e != nil && err == nil {
				err = fmt.Errorf("rt: leave group %d: %w", g, e)
			}
		}
	})
	return err
}

// Events streams the notifications of the subscription's groups until
// ctx is done (its error is then yielded) or the loop stops.
//
// A notification that does not decode is yielded as an error (wrapping a
// *marshal.Error, or ErrUnknownEvent) and the stream goes on; so does
// socket.ErrOverrun when the receive buffer overflowed and notifications
// were lost (re-read the state with a dump after it). Any other error
// (the context's, socket.ErrClosed) ends the stream.
func (s *Subscription) Events(ctx context.Context) iter.Seq2[*Event, error] {
	return func(yield func(*Event, error) bool) {
		for {
			msgs, err := s.c.c.Receive(ctx)
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

// Watch is Subscribe, Events and Close in one: it joins groups when the
// loop starts and leaves them when it ends. Use Subscribe to be sure of
// being a member before making a change.
func (c *Conn) Watch(ctx context.Context, groups ...Group) iter.Seq2[*Event, error] {
	return func(yield func(*Event, error) bool) {
		s, err := c.Subscribe(groups...)
		if err != nil {
			yield(nil, err)
			return
		}
		defer s.Close()
		for e, err := range s.Events(ctx) {
			if !yield(e, err) {
				return
			}
		}
	}
}
