package main

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"golang.org/x/sys/unix"

	"github.com/nlstruct/nlstruct/families/rt"
	"github.com/nlstruct/nlstruct/marshal"
	"github.com/nlstruct/nlstruct/socket"
)

// monitorGroups are the multicast groups of each object monitor follows,
// for IPv4 and for IPv6 (links and neighbours have one group for both).
var monitorGroups = map[string]struct{ ipv4, ipv6 rt.Group }{
	"link":  {rt.GroupLink, rt.GroupLink},
	"addr":  {rt.GroupIPv4Addr, rt.GroupIPv6Addr},
	"route": {rt.GroupIPv4Route, rt.GroupIPv6Route},
	"neigh": {rt.GroupNeigh, rt.GroupNeigh},
	"rule":  {rt.GroupIPv4Rule, rt.GroupIPv6Rule},
}

// eventNames name the notifications in -json output.
var eventNames = map[uint16]string{
	unix.RTM_NEWLINK: "newlink", unix.RTM_DELLINK: "dellink",
	unix.RTM_NEWADDR: "newaddr", unix.RTM_DELADDR: "deladdr",
	unix.RTM_NEWROUTE: "newroute", unix.RTM_DELROUTE: "delroute",
	unix.RTM_NEWNEIGH: "newneigh", unix.RTM_DELNEIGH: "delneigh",
	unix.RTM_NEWRULE: "newrule", unix.RTM_DELRULE: "delrule",
}

// jsonEvent is one notification in -json output: its name and the
// decoded object.
type jsonEvent struct {
	Event     string        `json:"event"`
	Link      *rt.Link      `json:"link,omitempty"`
	Address   *rt.Address   `json:"address,omitempty"`
	Route     *rt.Route     `json:"route,omitempty"`
	Neighbour *rt.Neighbour `json:"neighbour,omitempty"`
	Rule      *rt.Rule      `json:"rule,omitempty"`
}

// monitor prints the changes to the objects named in args (link, addr
// and route by default), one line each, until ctx is done.
func (a *app) monitor(ctx context.Context, args []string) error {
	if len(args) == 0 {
		args = []string{"link", "addr", "route"}
	}
	var groups []rt.Group
	add := func(g rt.Group) {
		for _, have := range groups {
			if have == g {
				return
			}
		}
		groups = append(groups, g)
	}
	for _, obj := range args {
		g := monitorGroups[obj]
		if !a.opts.ipv6 {
			add(g.ipv4)
		}
		if !a.opts.ipv4 {
			add(g.ipv6)
		}
	}
	// The names of the links, for the other objects' lines; link events
	// keep them up to date.
	if _, err := a.loadLinks(ctx); err != nil {
		return err
	}
	// Subscribe joins the groups now: every change after the message
	// below is seen.
	sub, err := a.c.Subscribe(groups...)
	if err != nil {
		return err
	}
	defer sub.Close()
	fmt.Fprintf(a.stderr, "ip monitor: following %s; Ctrl-C to stop\n", strings.Join(args, ", "))

	for ev, err := range sub.Events(ctx) {
		if err != nil {
			if ctx.Err() != nil {
				return nil // Ctrl-C
			}
			// Lost notifications and ones that do not decode are
			// reported, and the stream goes on; anything else ends it.
			if errors.Is(err, socket.ErrOverrun) || errors.Is(err, rt.ErrUnknownEvent) || errors.As(err, new(*marshal.Error)) {
				fmt.Fprintf(a.stderr, "ip monitor: %v\n", err)
				continue
			}
			return err
		}
		if ev.Link != nil && !ev.Deleted() {
			a.remember(ev.Link)
		}
		if !a.wanted(ev) {
			continue
		}
		if a.opts.json {
			err = a.emit(&jsonEvent{Event: eventNames[ev.Type], Link: ev.Link, Address: ev.Address, Route: ev.Route, Neighbour: ev.Neighbour, Rule: ev.Rule})
		} else {
			err = a.println(a.eventLine(ev))
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// wanted filters the neighbour events by -4 and -6 (the other objects
// have a group for each family).
func (a *app) wanted(ev *rt.Event) bool {
	if ev.Neighbour == nil || a.family() == unix.AF_UNSPEC {
		return true
	}
	return ev.Neighbour.Header.Family == a.family()
}

// eventLine is one event as text: the kind of object in brackets (as ip
// monitor all prints it), "Deleted" for a removal, and the object's line.
func (a *app) eventLine(ev *rt.Event) string {
	var tag, line string
	switch {
	case ev.Link != nil:
		tag, line = "[LINK]", a.linkLine(ev.Link, false)
	case ev.Address != nil:
		tag, line = "[ADDR]", a.addrLine(ev.Address)
	case ev.Route != nil:
		tag, line = "[ROUTE]", a.routeLine(ev.Route, true)
	case ev.Neighbour != nil:
		tag, line = "[NEIGH]", a.neighLine(ev.Neighbour)
	case ev.Rule != nil:
		tag, line = "[RULE]", ruleLine(ev.Rule)
	}
	if ev.Deleted() {
		return tag + " Deleted " + line
	}
	return tag + " " + line
}
