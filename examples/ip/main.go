// Command ip is a small, read-mostly iproute2 over nlstruct's families/rt:
// it lists links, addresses, routes, neighbours and rules, asks the kernel
// which route it would use, and follows changes as they happen.
//
//	ip link                     # like ip -br link, with each link's kind and master
//	ip addr                     # like ip -br addr
//	ip route [-4|-6] [-table all|main|local|default|N]   # like ip route
//	ip neigh [-proxy]           # like ip neigh (ip neigh show proxy)
//	ip rule [-6]                # like ip rule
//	ip get 1.1.1.1              # like ip route get 1.1.1.1
//	ip monitor [link] [addr] [route] [neigh] [rule]      # like ip monitor: one line per event until Ctrl-C
//
// Flags, before or after the subcommand:
//
//	-json        print JSON lines: the decoded rt.Link, rt.Address,
//	             rt.Route, rt.Neighbour or rt.Rule, one per line
//	-netns PATH  work in the network namespace at PATH (a name without a
//	             slash means /run/netns/NAME, as ip -n does)
//	-4, -6       only IPv4 or IPv6 (addr, route, neigh, rule, get, monitor)
//
// Listing needs no privileges; -netns needs CAP_SYS_ADMIN.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/netip"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"golang.org/x/sys/unix"

	"github.com/nlstruct/nlstruct/families/rt"
	"github.com/nlstruct/nlstruct/socket"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	os.Exit(run(ctx, os.Args[1:], os.Stdout, os.Stderr))
}

const usage = `usage: ip [flags] COMMAND [flags] [ARGS]

commands:
  link                       links, like ip -br link (with kind and master)
  addr                       addresses, like ip -br addr
  route [-table T]           routes, like ip route; T is all, main (default), local, default or a number
  neigh [-proxy]             neighbours, like ip neigh (or ip neigh show proxy)
  rule                       policy routing rules, like ip rule
  get ADDRESS                the route to ADDRESS, like ip route get
  monitor [OBJECT...]        changes as they happen, like ip monitor; OBJECT is
                             link, addr, route, neigh or rule (default: link addr route)

flags (before or after COMMAND):
  -json        JSON lines of the decoded structs
  -netns PATH  the network namespace at PATH, or /run/netns/PATH for a bare name
  -4, -6       IPv4 or IPv6 only
`

// options are the command-line flags.
type options struct {
	json  bool
	netns string
	ipv4  bool
	ipv6  bool
	table string // route
	proxy bool   // neigh
}

// commonFlags defines the flags every command takes on fs.
func commonFlags(fs *flag.FlagSet, o *options) {
	fs.BoolVar(&o.json, "json", o.json, "print JSON lines")
	fs.StringVar(&o.netns, "netns", o.netns, "network namespace `path` (or name under /run/netns)")
	fs.BoolVar(&o.ipv4, "4", o.ipv4, "IPv4 only")
	fs.BoolVar(&o.ipv6, "6", o.ipv6, "IPv6 only")
}

// command is one subcommand: what it runs, and its positional arguments'
// check.
type command struct {
	run  func(a *app, ctx context.Context, args []string) error
	args func(args []string) error
}

var commands = map[string]command{
	"link":    {run: (*app).showLinks, args: noArgs},
	"addr":    {run: (*app).showAddrs, args: noArgs},
	"route":   {run: (*app).showRoutes, args: noArgs},
	"neigh":   {run: (*app).showNeighbours, args: noArgs},
	"rule":    {run: (*app).showRules, args: noArgs},
	"get":     {run: (*app).routeGet, args: oneAddress},
	"monitor": {run: (*app).monitor, args: monitorObjects},
}

// aliases are the other names ip accepts for the commands.
var aliases = map[string]string{
	"l": "link", "a": "addr", "address": "addr", "r": "route",
	"n": "neigh", "neighbor": "neigh", "neighbour": "neigh", "ru": "rule", "m": "monitor",
}

// run is the program: it returns the exit status (2 for a mistake in the
// command line, 1 for a failure).
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	var o options
	fs := flag.NewFlagSet("ip", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() { fmt.Fprint(stderr, usage) }
	commonFlags(fs, &o)
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if fs.NArg() == 0 {
		fmt.Fprint(stderr, usage)
		return 2
	}
	name := fs.Arg(0)
	if full, ok := aliases[name]; ok {
		name = full
	}
	cmd, ok := commands[name]
	if !ok {
		fmt.Fprintf(stderr, "ip: unknown command %q\n\n%s", fs.Arg(0), usage)
		return 2
	}

	sub := flag.NewFlagSet("ip "+name, flag.ContinueOnError)
	sub.SetOutput(stderr)
	sub.Usage = func() { fmt.Fprint(stderr, usage) }
	commonFlags(sub, &o)
	switch name {
	case "route":
		sub.StringVar(&o.table, "table", "main", "routing `table`: all, main, local, default or a number")
	case "neigh":
		sub.BoolVar(&o.proxy, "proxy", false, "list the proxy entries, like ip neigh show proxy")
	}
	pos, err := parseInterspersed(sub, fs.Args()[1:])
	if err != nil {
		return 2
	}
	if err := cmd.args(pos); err != nil {
		fmt.Fprintf(stderr, "ip %s: %v\n", name, err)
		return 2
	}
	if o.ipv4 && o.ipv6 {
		fmt.Fprintf(stderr, "ip %s: -4 and -6 exclude each other\n", name)
		return 2
	}
	a := &app{w: stdout, stderr: stderr, opts: o}
	if name == "route" {
		if a.table, err = parseTable(o.table); err != nil {
			fmt.Fprintf(stderr, "ip route: %v\n", err)
			return 2
		}
	}

	c, err := rt.Dial(&socket.Config{NetNSPath: netnsPath(o.netns)})
	if err != nil {
		fmt.Fprintf(stderr, "ip %s: %v\n", name, err)
		return 1
	}
	defer c.Close()
	a.c = c
	if err := cmd.run(a, ctx, pos); err != nil {
		fmt.Fprintf(stderr, "ip %s: %v\n", name, err)
		if errors.Is(err, unix.EPERM) || errors.Is(err, unix.EACCES) {
			fmt.Fprintln(stderr, "ip: this needs more privileges (root, or CAP_NET_ADMIN / CAP_SYS_ADMIN for -netns)")
		}
		return 1
	}
	return 0
}

// parseInterspersed parses fs's flags wherever they are in args and
// returns the other arguments, in order.
func parseInterspersed(fs *flag.FlagSet, args []string) ([]string, error) {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, err
		}
		if fs.NArg() == 0 {
			return pos, nil
		}
		pos = append(pos, fs.Arg(0))
		args = fs.Args()[1:]
	}
}

// netnsPath returns the namespace file for -netns: a path as it is, a
// bare name under /run/netns (where ip netns add puts them).
func netnsPath(s string) string {
	if s == "" || strings.Contains(s, "/") {
		return s
	}
	return "/run/netns/" + s
}

func noArgs(args []string) error {
	if len(args) > 0 {
		return fmt.Errorf("unexpected arguments %q", args)
	}
	return nil
}

func oneAddress(args []string) error {
	if len(args) != 1 {
		return errors.New("want one address, such as: ip get 1.1.1.1")
	}
	if _, err := netip.ParseAddr(args[0]); err != nil {
		return fmt.Errorf("bad address: %v", err)
	}
	return nil
}

func monitorObjects(args []string) error {
	for _, s := range args {
		if _, ok := monitorGroups[s]; !ok {
			return fmt.Errorf("unknown object %q: want link, addr, route, neigh or rule", s)
		}
	}
	return nil
}
