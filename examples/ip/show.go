package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/netip"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"

	"github.com/nlstruct/nlstruct/families/rt"
)

// app is one run of a command: the connection, the output, and what it
// knows of the namespace's links (for their names).
type app struct {
	c      *rt.Conn
	w      io.Writer
	stderr io.Writer
	opts   options
	table  uint32 // route: the table to list, 0 for all

	links map[int32]linkInfo // by ifindex
	enc   *json.Encoder
}

// linkInfo is what the other listings need of a link.
type linkInfo struct {
	name  string
	flags uint32 // IFF_*
}

// family returns the address family -4 or -6 ask for, or 0 for both.
func (a *app) family() uint8 {
	switch {
	case a.opts.ipv4:
		return unix.AF_INET
	case a.opts.ipv6:
		return unix.AF_INET6
	}
	return unix.AF_UNSPEC
}

// emit writes v as one JSON line.
func (a *app) emit(v any) error {
	if a.enc == nil {
		a.enc = json.NewEncoder(a.w)
	}
	return a.enc.Encode(v)
}

// println writes one line of text.
func (a *app) println(s string) error {
	_, err := fmt.Fprintln(a.w, s)
	return err
}

// loadLinks reads the links, for their names, and returns them.
func (a *app) loadLinks(ctx context.Context) ([]rt.Link, error) {
	links, err := a.c.Links(ctx)
	if err != nil {
		return nil, err
	}
	a.links = make(map[int32]linkInfo, len(links))
	for _, l := range links {
		a.remember(&l)
	}
	return links, nil
}

// remember records l's name and flags.
func (a *app) remember(l *rt.Link) {
	if a.links == nil {
		a.links = map[int32]linkInfo{}
	}
	a.links[l.Header.Index] = linkInfo{name: l.Name, flags: l.Header.Flags}
}

// ifname returns the name of the link with this ifindex, or "ifN" as ip
// says for a link it does not know.
func (a *app) ifname(index int32) string {
	if l, ok := a.links[index]; ok {
		return l.name
	}
	return "if" + strconv.Itoa(int(index))
}

func (a *app) showLinks(ctx context.Context, _ []string) error {
	links, err := a.loadLinks(ctx)
	if err != nil {
		return err
	}
	for i := range links {
		l := &links[i]
		if a.opts.json {
			err = a.emit(l)
		} else {
			err = a.println(a.linkLine(l, true))
		}
		if err != nil {
			return err
		}
	}
	return nil
}

func (a *app) showAddrs(ctx context.Context, _ []string) error {
	links, err := a.loadLinks(ctx)
	if err != nil {
		return err
	}
	addrs, err := a.c.Addresses(ctx, a.family())
	if err != nil {
		return err
	}
	if a.opts.json {
		for i := range addrs {
			if err := a.emit(&addrs[i]); err != nil {
				return err
			}
		}
		return nil
	}
	// ip -br addr: one line per link, with its addresses in the
	// kernel's order.
	byLink := map[uint32][]string{}
	for i := range addrs {
		ad := &addrs[i]
		byLink[ad.Header.Index] = append(byLink[ad.Header.Index], addrString(ad))
	}
	for i := range links {
		l := &links[i]
		list := byLink[uint32(l.Header.Index)]
		if a.family() != unix.AF_UNSPEC && len(list) == 0 {
			continue
		}
		line := fmt.Sprintf("%-16s %-14s %s", a.linkName(l), l.OperState, strings.Join(list, " "))
		if err := a.println(strings.TrimRight(line, " ")); err != nil {
			return err
		}
	}
	return nil
}

func (a *app) showRoutes(ctx context.Context, _ []string) error {
	if _, err := a.loadLinks(ctx); err != nil {
		return err
	}
	// As ip route: IPv4 unless -6, or every family with -table all.
	family := a.family()
	if family == unix.AF_UNSPEC && a.table != 0 {
		family = unix.AF_INET
	}
	routes, err := a.c.Routes(ctx, family)
	if err != nil {
		return err
	}
	for i := range routes {
		r := &routes[i]
		if r.Header.Family != unix.AF_INET && r.Header.Family != unix.AF_INET6 {
			continue // multicast routing tables (RTNL_FAMILY_IPMR...)
		}
		if a.table != 0 && r.TableID() != a.table {
			continue
		}
		if a.opts.json {
			err = a.emit(r)
		} else {
			err = a.println(a.routeLine(r, a.table == 0))
		}
		if err != nil {
			return err
		}
	}
	return nil
}

func (a *app) routeGet(ctx context.Context, args []string) error {
	dst := netip.MustParseAddr(args[0]) // checked by oneAddress
	if (a.opts.ipv4 && !dst.Unmap().Is4()) || (a.opts.ipv6 && !dst.Is6()) {
		return fmt.Errorf("%s is not an address of the family asked for", dst)
	}
	if _, err := a.loadLinks(ctx); err != nil {
		return err
	}
	r, err := a.c.RouteGet(ctx, dst)
	if err != nil {
		return err
	}
	if a.opts.json {
		return a.emit(r)
	}
	return a.println(a.routeLine(r, true))
}

func (a *app) showNeighbours(ctx context.Context, _ []string) error {
	if _, err := a.loadLinks(ctx); err != nil {
		return err
	}
	list := a.c.Neighbours
	if a.opts.proxy {
		list = a.c.ProxyNeighbours
	}
	neighs, err := list(ctx, a.family())
	if err != nil {
		return err
	}
	for i := range neighs {
		n := &neighs[i]
		if !a.opts.proxy && !neighShown(n) {
			continue
		}
		if a.opts.json {
			err = a.emit(n)
		} else {
			err = a.println(a.neighLine(n))
		}
		if err != nil {
			return err
		}
	}
	return nil
}

func (a *app) showRules(ctx context.Context, _ []string) error {
	family := a.family()
	if family == unix.AF_UNSPEC {
		family = unix.AF_INET // as ip rule
	}
	rules, err := a.c.Rules(ctx, family)
	if err != nil {
		return err
	}
	for i := range rules {
		r := &rules[i]
		if a.opts.json {
			err = a.emit(r)
		} else {
			err = a.println(ruleLine(r))
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// parseTable reads -table: all (0), a table's name, or its number.
func parseTable(s string) (uint32, error) {
	switch s {
	case "all":
		return rt.TableUnspec, nil
	case "main":
		return rt.TableMain, nil
	case "local":
		return rt.TableLocal, nil
	case "default":
		return rt.TableDefault, nil
	}
	n, err := strconv.ParseUint(s, 10, 32)
	if err != nil || n == 0 {
		return 0, fmt.Errorf("bad table %q: want all, main, local, default or a number from 1", s)
	}
	return uint32(n), nil
}
