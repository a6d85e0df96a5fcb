// Command ipvs lists and edits the kernel's IP virtual services, like
// ipvsadm, over nlstruct's families/ipvs.
//
//	ipvs                      # like ipvsadm -Ln
//	ipvs -stats               # like ipvsadm -Ln --stats
//	ipvs -json                # services and destinations as JSON
//	ipvs -add-service -t 10.0.0.1:80 -s wlc
//	ipvs -add-dest -t 10.0.0.1:80 -r 10.200.0.2:8080 -w 2 -m
//	ipvs -del-dest -t 10.0.0.1:80 -r 10.200.0.2:8080
//	ipvs -del-service -t 10.0.0.1:80
//
// It needs CAP_NET_ADMIN and the ip_vs module.
package main

import (
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/netip"
	"os"
	"strconv"
	"strings"
	"text/tabwriter"

	"golang.org/x/sys/unix"

	"github.com/nlstruct/nlstruct/families/ipvs"
)

func main() {
	if err := run(context.Background(), os.Stdout, os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, err)
		if errors.Is(err, unix.EPERM) {
			fmt.Fprintln(os.Stderr, "ipvs: this needs root (CAP_NET_ADMIN)")
		}
		os.Exit(1)
	}
}

func run(ctx context.Context, w io.Writer, args []string) error {
	fs := flag.NewFlagSet("ipvs", flag.ContinueOnError)
	asJSON := fs.Bool("json", false, "print JSON")
	stats := fs.Bool("stats", false, "print counters, like ipvsadm --stats")
	addSvc := fs.Bool("add-service", false, "add the service given by -t/-u/-f")
	delSvc := fs.Bool("del-service", false, "delete the service given by -t/-u/-f")
	addDest := fs.Bool("add-dest", false, "add the destination -r to the service")
	delDest := fs.Bool("del-dest", false, "delete the destination -r from the service")
	tcp := fs.String("t", "", "TCP service address:port")
	udp := fs.String("u", "", "UDP service address:port")
	fwmark := fs.Uint("f", 0, "firewall-mark service")
	sched := fs.String("s", "wlc", "scheduler")
	real := fs.String("r", "", "real server address:port")
	weight := fs.Uint("w", 1, "destination weight")
	masq := fs.Bool("m", false, "masquerading (NAT) forwarding; default is direct routing")
	tun := fs.Bool("i", false, "tunnel (IPIP) forwarding")
	if err := fs.Parse(args); err != nil {
		return err
	}
	c, err := ipvs.Dial(nil)
	if err != nil {
		return err
	}
	defer c.Close()

	if *addSvc || *delSvc || *addDest || *delDest {
		svc, err := serviceFromFlags(*tcp, *udp, uint32(*fwmark), *sched)
		if err != nil {
			return err
		}
		switch {
		case *addSvc:
			return c.NewService(ctx, svc)
		case *delSvc:
			return c.DeleteService(ctx, svc)
		}
		ap, err := netip.ParseAddrPort(*real)
		if err != nil {
			return fmt.Errorf("-r: %w", err)
		}
		d := &ipvs.Destination{Address: ipvs.AddressFrom(ap.Addr()), Port: ap.Port(), Weight: uint32(*weight), FwdMethod: ipvs.Route}
		if ap.Addr().Is4() {
			d.AF = unix.AF_INET
		} else {
			d.AF = unix.AF_INET6
		}
		switch {
		case *masq:
			d.FwdMethod = ipvs.Masquerade
		case *tun:
			d.FwdMethod = ipvs.Tunnel
		}
		if *addDest {
			return c.NewDestination(ctx, svc, d)
		}
		return c.DeleteDestination(ctx, svc, d)
	}
	return list(ctx, w, c, *asJSON, *stats)
}

func serviceFromFlags(tcp, udp string, fwmark uint32, sched string) (*ipvs.Service, error) {
	svc := &ipvs.Service{Scheduler: sched}
	addr, proto := tcp, uint16(unix.IPPROTO_TCP)
	if udp != "" {
		addr, proto = udp, unix.IPPROTO_UDP
	}
	switch {
	case fwmark != 0:
		svc.AF, svc.FWMark = unix.AF_INET, fwmark
	case addr != "":
		ap, err := netip.ParseAddrPort(addr)
		if err != nil {
			return nil, fmt.Errorf("service address: %w", err)
		}
		svc.AF = unix.AF_INET
		if ap.Addr().Is6() {
			svc.AF = unix.AF_INET6
		}
		svc.Protocol, svc.Address, svc.Port = proto, ipvs.AddressFrom(ap.Addr()), ap.Port()
	default:
		return nil, errors.New("give a service with -t, -u or -f")
	}
	return svc, nil
}

// entry is one service with its destinations, for JSON output.
type entry struct {
	Protocol     string        `json:"protocol"`
	Address      string        `json:"address"`
	Service      ipvs.Service  `json:"service"`
	Destinations []destination `json:"destinations"`
}

type destination struct {
	Address string `json:"address"`
	ipvs.Destination
}

func list(ctx context.Context, w io.Writer, c *ipvs.Client, asJSON, stats bool) error {
	info, err := c.Info(ctx)
	if err != nil {
		return err
	}
	svcs, err := c.Services(ctx)
	if err != nil {
		return err
	}
	var entries []entry
	for i := range svcs {
		s := &svcs[i]
		dests, err := c.Destinations(ctx, s)
		if err != nil {
			return err
		}
		e := entry{Protocol: protoName(s), Address: serviceAddr(s), Service: *s}
		for _, d := range dests {
			e.Destinations = append(e.Destinations, destination{Address: hostPort(d.Addr(s.AF), d.Port), Destination: d})
		}
		entries = append(entries, e)
	}
	if asJSON {
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(entries)
	}
	v := info.Version
	fmt.Fprintf(w, "IP Virtual Server version %d.%d.%d (size=%d)\n", v>>16&0xff, v>>8&0xff, v&0xff, info.ConnTableSize)
	tw := tabwriter.NewWriter(w, 0, 8, 1, ' ', 0)
	if stats {
		fmt.Fprintln(tw, "Prot LocalAddress:Port\tConns\tInPkts\tOutPkts\tInBytes\tOutBytes")
		fmt.Fprintln(tw, "  -> RemoteAddress:Port")
	} else {
		fmt.Fprintln(tw, "Prot LocalAddress:Port Scheduler Flags")
		fmt.Fprintln(tw, "  -> RemoteAddress:Port\tForward\tWeight\tActiveConn\tInActConn")
	}
	for _, e := range entries {
		s := &e.Service
		if s.FWMark != 0 && s.AF == unix.AF_INET6 {
			e.Address += " IPv6" // as ipvsadm tells the families apart
		}
		if stats {
			st := s.Stats64
			if st == nil {
				st = &ipvs.Stats64{}
			}
			fmt.Fprintf(tw, "%s  %s\t%d\t%d\t%d\t%d\t%d\n", e.Protocol, e.Address, st.Conns, st.InPkts, st.OutPkts, st.InBytes, st.OutBytes)
		} else {
			fmt.Fprintf(tw, "%s  %s %s%s\n", e.Protocol, e.Address, s.Scheduler, serviceFlags(s))
		}
		for _, d := range e.Destinations {
			if stats {
				st := d.Stats64
				if st == nil {
					st = &ipvs.Stats64{}
				}
				fmt.Fprintf(tw, "  -> %s\t%d\t%d\t%d\t%d\t%d\n", d.Address, st.Conns, st.InPkts, st.OutPkts, st.InBytes, st.OutBytes)
			} else {
				fmt.Fprintf(tw, "  -> %s\t%s\t%d\t%d\t%d\n", d.Address, fwdName(d.FwdMethod), d.Weight, d.ActiveConns, d.InactConns)
			}
		}
	}
	return tw.Flush()
}

// serviceFlags is what ipvsadm -Ln prints after the scheduler: its flags,
// persistence (timeout, granularity, engine) and one-packet scheduling.
func serviceFlags(s *ipvs.Service) string {
	var b strings.Builder
	f := s.Flags.Flags
	names := []string{"flag-1", "flag-2", "flag-3"}
	if s.Scheduler == "sh" || s.Scheduler == "mh" {
		names[0], names[1] = s.Scheduler+"-fallback", s.Scheduler+"-port"
	}
	var set []string
	for i, bit := range []uint32{ipvs.SvcSched1, ipvs.SvcSched2, ipvs.SvcSched3} {
		if f&bit != 0 {
			set = append(set, names[i])
		}
	}
	if len(set) > 0 {
		fmt.Fprintf(&b, " (%s)", strings.Join(set, ","))
	}
	if f&ipvs.SvcPersistent != 0 {
		fmt.Fprintf(&b, " persistent %d", s.Timeout)
		switch {
		case s.AF == unix.AF_INET && s.Netmask != ^uint32(0):
			// The mask's bytes in memory order (network byte order).
			var m [4]byte
			binary.NativeEndian.PutUint32(m[:], s.Netmask)
			fmt.Fprintf(&b, " mask %s", netip.AddrFrom4(m))
		case s.AF == unix.AF_INET6 && s.Netmask != 128:
			fmt.Fprintf(&b, " mask %d", s.Netmask)
		}
		if s.PEName != "" {
			fmt.Fprintf(&b, " pe %s", s.PEName)
		}
	}
	if f&ipvs.SvcOnePacket != 0 {
		b.WriteString(" ops")
	}
	return b.String()
}

func protoName(s *ipvs.Service) string {
	switch {
	case s.FWMark != 0:
		return "FWM"
	case s.Protocol == unix.IPPROTO_TCP:
		return "TCP"
	case s.Protocol == unix.IPPROTO_UDP:
		return "UDP"
	case s.Protocol == unix.IPPROTO_SCTP:
		return "SCTP"
	}
	return strconv.Itoa(int(s.Protocol))
}

func serviceAddr(s *ipvs.Service) string {
	if s.FWMark != 0 {
		return strconv.Itoa(int(s.FWMark))
	}
	return hostPort(s.Addr(), s.Port)
}

func hostPort(a netip.Addr, port uint16) string {
	return strings.TrimSpace(netip.AddrPortFrom(a, port).String())
}

func fwdName(m ipvs.ForwardMethod) string {
	switch m {
	case ipvs.Masquerade:
		return "Masq"
	case ipvs.LocalNode:
		return "Local"
	case ipvs.Tunnel:
		return "Tunnel"
	case ipvs.Route:
		return "Route"
	}
	return strconv.Itoa(int(m))
}
