package main

// The tests run the example against a private network namespace
// (internal/netnstest) that iproute2 fills with links, addresses, routes,
// neighbours and rules, passed with -netns /proc/self/fd/N. Each listing
// is parsed into fields, and so is what ip prints for the same namespace
// (ip -br link, ip -br addr, ip route, ip neigh, ip rule, ip route get);
// the fields must be the same. Kinds and masters, which ip -br does not
// print, are checked against ip -j -d link, and -json against ip -j. The
// monitor test makes changes through families/rt and waits for their
// lines. They need root (to create the namespace) and skip without it.

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/netip"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/nlstruct/nlstruct/families/rt"
	"github.com/nlstruct/nlstruct/internal/netnstest"
	"github.com/nlstruct/nlstruct/socket"
)

// testNS is a namespace for a test, and the -netns argument naming it.
type testNS struct {
	fd   int
	path string
}

// newNS creates an empty namespace with lo up. It skips the test
// without root or without iproute2.
func newNS(t *testing.T) *testNS {
	t.Helper()
	if _, err := exec.LookPath("ip"); err != nil {
		t.Skip("needs iproute2's ip to compare with:", err)
	}
	fd := netnstest.New(t)
	ns := &testNS{fd: fd, path: fmt.Sprintf("/proc/self/fd/%d", fd)}
	ns.ip(t, "link", "set", "lo", "up")
	return ns
}

// ip runs iproute2's ip inside the namespace and returns its output.
func (ns *testNS) ip(t *testing.T, args ...string) string {
	t.Helper()
	var out []byte
	var err error
	netnstest.Run(t, ns.fd, func() {
		out, err = exec.Command("ip", args...).CombinedOutput()
	})
	if err != nil {
		t.Fatalf("ip %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return string(out)
}

// batch runs ip -batch with these commands, one a line.
func (ns *testNS) batch(t *testing.T, cmds string) {
	t.Helper()
	var out []byte
	var err error
	netnstest.Run(t, ns.fd, func() {
		cmd := exec.Command("ip", "-batch", "-")
		cmd.Stdin = strings.NewReader(cmds)
		out, err = cmd.CombinedOutput()
	})
	if err != nil {
		t.Fatalf("ip -batch: %v\n%s\ncommands:\n%s", err, out, cmds)
	}
}

// example runs the example in the namespace with args and returns its
// output; it fails the test unless it exits 0.
func (ns *testNS) example(t *testing.T, args ...string) string {
	t.Helper()
	var out, errOut bytes.Buffer
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	args = append([]string{"-netns", ns.path}, args...)
	if code := run(ctx, args, &out, &errOut); code != 0 {
		t.Fatalf("ip %s: exit %d\n%s", strings.Join(args, " "), code, errOut.String())
	}
	return out.String()
}

// setupNS is the namespace every listing test reads: two veth pairs (one
// end of each in a bridge; veth3 down, so that veth2 has no carrier),
// addresses of both families (a secondary one, a peer), routes in three
// tables with gateways, metrics, types and flags, neighbours of each kind
// and rules with most selectors.
const setupNS = `link add br0 type bridge
link add veth0 type veth peer name veth1
link add veth2 type veth peer name veth3
link set veth0 master br0
link set br0 up
link set veth0 up
link set veth1 up
link set veth2 up
addr add 10.1.0.1/24 dev br0
addr add fd00:1::1/64 dev br0 nodad
addr add 10.2.0.1/24 dev veth1
addr add 10.2.0.2/24 dev veth1
addr add 10.3.0.1 peer 10.3.0.2/32 dev veth2
route add default via 10.1.0.254
route add 192.168.0.0/16 via 10.1.0.254 metric 50
route add 10.5.0.0/16 via 10.2.0.254 mtu 1400 advmss 1300 proto static
route add blackhole 10.99.0.0/16
route add unreachable 10.6.0.0/16 metric 5
route add 10.7.0.0/16 dev veth2
route add 172.16.0.0/12 dev br0 table 100
route add 10.8.0.0/16 dev br0 src 10.1.0.1 table 200
route add fd01::/64 via fd00:1::2
neigh add 10.1.0.5 lladdr 02:00:00:00:00:05 dev br0
neigh add 10.1.0.6 lladdr 02:00:00:00:00:06 dev br0 nud stale
neigh add 10.2.0.9 lladdr 02:00:00:00:00:09 dev veth1 nud noarp
neigh add fd00:1::9 lladdr 02:00:00:00:00:0a dev br0 router
neigh add proxy 10.1.0.7 dev br0
neigh add proxy fd00:1::7 dev br0
rule add from 10.0.0.0/8 lookup 100 pref 10 proto static
rule add iif veth1 goto 32766 pref 11
rule add fwmark 0x5 lookup 5 pref 12
rule add fwmark 0x1/0xff lookup 200 pref 13
rule add tos 0x10 table 7 pref 14
rule add uidrange 100-200 ipproto tcp dport 80-90 table 8 pref 15
rule add table main suppress_prefixlength 0 pref 16
rule add to 10.250.0.0/16 oif veth2 blackhole pref 17
rule add not to 1.2.3.0/24 prohibit pref 40000
rule add -6 from fd00::/8 lookup 100 pref 50
`

// setup returns a namespace made with setupNS. ip -batch takes "-6"
// only as a global option, so the IPv6 rule goes on its own.
func setup(t *testing.T) *testNS {
	t.Helper()
	ns := newNS(t)
	var v4 []string
	for line := range strings.Lines(setupNS) {
		if strings.Contains(line, " -6 ") {
			ns.ip(t, append([]string{"-6"}, strings.Fields(strings.Replace(line, " -6 ", " ", 1))...)...)
			continue
		}
		v4 = append(v4, line)
	}
	ns.batch(t, strings.Join(v4, ""))
	return ns
}

// eventually calls diff until it returns "" (the kernel settles links'
// states and IPv6 link-local addresses a little after the changes), for
// up to 5 seconds, and fails the test with its last result.
func eventually(t *testing.T, what string, diff func() string) {
	t.Helper()
	var d string
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		if d = diff(); d == "" {
			return
		}
	}
	t.Errorf("%s differs (-ip +example):\n%s", what, d)
}

// lines returns the non-empty lines of s.
func lines(s string) []string {
	var out []string
	for l := range strings.Lines(s) {
		if l = strings.TrimRight(l, " \n"); l != "" {
			out = append(out, l)
		}
	}
	return out
}

// brLink is a line of ip -br link: name, state, link-layer address and
// flags; Rest is what the example prints after them (kind, master).
type brLink struct {
	Name, State, MAC, Flags string
	Rest                    []string
}

func parseBrLinks(out string) []brLink {
	var ls []brLink
	for _, line := range lines(out) {
		f := strings.Fields(line)
		l := brLink{Name: f[0], State: f[1]}
		f = f[2:]
		if len(f) > 0 && !strings.HasPrefix(f[0], "<") {
			l.MAC, f = f[0], f[1:]
		}
		if len(f) > 0 {
			l.Flags, f = f[0], f[1:]
		}
		l.Rest = f
		ls = append(ls, l)
	}
	return ls
}

// brAddr is a line of ip -br addr: name, state and addresses ("A/N" or
// "A peer P/N").
type brAddr struct {
	Name, State string
	Addrs       []string
}

func parseBrAddrs(out string) []brAddr {
	var as []brAddr
	for _, line := range lines(out) {
		f := strings.Fields(line)
		a := brAddr{Name: f[0], State: f[1]}
		for i := 2; i < len(f); i++ {
			if i+2 < len(f) && f[i+1] == "peer" {
				a.Addrs = append(a.Addrs, f[i]+" peer "+f[i+2])
				i += 2
				continue
			}
			a.Addrs = append(a.Addrs, f[i])
		}
		as = append(as, a)
	}
	return as
}

// fields is a line of ip route, ip neigh or ip rule split into its
// leading words, its keywords' values and its lone words (flags, states,
// actions).
type fields struct {
	Lead  []string
	Attrs map[string]string
	Words []string
}

// Keywords with a value, in ip route, ip neigh and ip rule output.
var (
	routeKeys = set("from", "nhid", "tos", "via", "dev", "table", "proto", "scope", "src", "metric", "mark", "realm", "realms", "uid", "expires",
		"mtu", "window", "ssthresh", "cwnd", "advmss", "reordering", "hoplimit", "initcwnd", "initrwnd", "quickack", "congctl", "iif", "pref", "encap")
	neighKeys = set("dev", "lladdr", "proto")
	ruleKeys  = set("from", "to", "tos", "dscp", "fwmark", "iif", "oif", "uidrange", "ipproto", "sport", "dport", "tun_id", "lookup",
		"suppress_prefixlength", "suppress_ifgroup", "realms", "goto", "proto")
	routeTypes = set("unicast", "local", "broadcast", "anycast", "multicast", "blackhole", "unreachable", "prohibit", "throw", "nat", "xresolve")
)

func set(words ...string) map[string]bool {
	m := map[string]bool{}
	for _, w := range words {
		m[w] = true
	}
	return m
}

// parseWords reads words after the lead: a keyword and its value, or a
// lone word.
func parseWords(lead, f []string, keys map[string]bool) fields {
	r := fields{Lead: lead, Attrs: map[string]string{}}
	for len(f) > 0 {
		switch k := f[0]; {
		case k == "via" && len(f) > 2 && (f[1] == "inet" || f[1] == "inet6"):
			r.Attrs[k], f = f[1]+" "+f[2], f[3:]
		case keys[k] && len(f) > 1:
			r.Attrs[k], f = f[1], f[2:]
		default:
			r.Words, f = append(r.Words, k), f[1:]
		}
	}
	return r
}

// parseRoutes parses ip route lines: the type (unicast when not
// printed) and destination, then keywords. Indented lines (ip route
// get's "cache") are skipped.
func parseRoutes(out string) []fields {
	var rs []fields
	for _, line := range lines(out) {
		if strings.HasPrefix(line, " ") || strings.HasPrefix(line, "\t") {
			continue
		}
		f := strings.Fields(line)
		typ := "unicast"
		if routeTypes[f[0]] {
			typ, f = f[0], f[1:]
		}
		rs = append(rs, parseWords([]string{typ, f[0]}, f[1:], routeKeys))
	}
	return rs
}

// parseNeighs parses ip neigh lines: the address, then keywords.
func parseNeighs(out string) []fields {
	var ns []fields
	for _, line := range lines(out) {
		f := strings.Fields(line)
		ns = append(ns, parseWords(f[:1], f[1:], neighKeys))
	}
	return ns
}

// parseRules parses ip rule lines: "PRIO:", then keywords.
func parseRules(out string) []fields {
	var rs []fields
	for _, line := range lines(out) {
		f := strings.Fields(line)
		rs = append(rs, parseWords(f[:1], f[1:], ruleKeys))
	}
	return rs
}

func TestLink(t *testing.T) {
	ns := setup(t)
	var mine []brLink
	eventually(t, "ip -br link", func() string {
		mine = parseBrLinks(ns.example(t, "link"))
		return cmp.Diff(parseBrLinks(ns.ip(t, "-br", "link")), mine, cmpopts.IgnoreFields(brLink{}, "Rest"))
	})

	// The kinds and masters, which ip -br does not show, against ip -j -d.
	var details []struct {
		Name     string `json:"ifname"`
		Master   string `json:"master"`
		LinkInfo struct {
			Kind string `json:"info_kind"`
		} `json:"linkinfo"`
	}
	if err := json.Unmarshal([]byte(ns.ip(t, "-j", "-d", "link")), &details); err != nil {
		t.Fatal(err)
	}
	want, got := map[string]string{}, map[string]string{}
	for _, d := range details {
		want[d.Name] = strings.TrimSpace(d.LinkInfo.Kind + " master " + d.Master)
	}
	for _, l := range mine {
		name, _, _ := strings.Cut(l.Name, "@")
		rest := strings.Join(l.Rest, " ")
		if !strings.Contains(rest, "master") {
			rest += " master"
		}
		got[name] = strings.TrimSpace(rest)
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("kinds and masters differ from ip -j -d link's (-ip +example):\n%s", d)
	}

	// And what the setup asked for.
	for name, w := range map[string]string{"br0": "bridge master", "veth0": "veth master br0", "veth3": "veth master"} {
		if got[name] != w {
			t.Errorf("%s: kind and master %q, want %q", name, got[name], w)
		}
	}
	for _, l := range mine {
		if l.Name == "veth2@veth3" && (l.State != "LOWERLAYERDOWN" || l.Flags != "<NO-CARRIER,BROADCAST,MULTICAST,UP,M-DOWN>") {
			t.Errorf("veth2 (its peer down): %+v, want LOWERLAYERDOWN <NO-CARRIER,BROADCAST,MULTICAST,UP,M-DOWN>", l)
		}
	}
}

func TestAddr(t *testing.T) {
	ns := setup(t)
	var mine []brAddr
	eventually(t, "ip -br addr", func() string {
		mine = parseBrAddrs(ns.example(t, "addr"))
		return cmp.Diff(parseBrAddrs(ns.ip(t, "-br", "addr")), mine)
	})
	eventually(t, "ip -4 -br addr", func() string {
		return cmp.Diff(parseBrAddrs(ns.ip(t, "-4", "-br", "addr")), parseBrAddrs(ns.example(t, "addr", "-4")))
	})
	want := map[string][]string{
		"br0":         {"10.1.0.1/24", "fd00:1::1/64"},
		"veth1@veth0": {"10.2.0.1/24", "10.2.0.2/24"},
		"veth2@veth3": {"10.3.0.1 peer 10.3.0.2/32"},
	}
	for _, a := range mine {
		for i, w := range want[a.Name] {
			if i >= len(a.Addrs) || a.Addrs[i] != w {
				t.Errorf("%s: addresses %q, want %q first", a.Name, a.Addrs, want[a.Name])
				break
			}
		}
		delete(want, a.Name)
	}
	if len(want) > 0 {
		t.Errorf("links missing from the listing: %v", want)
	}
}

func TestRoute(t *testing.T) {
	ns := setup(t)
	for _, c := range []struct{ ip, example []string }{
		{[]string{"route"}, []string{"route"}},
		{[]string{"-6", "route"}, []string{"route", "-6"}},
		{[]string{"route", "show", "table", "all"}, []string{"route", "-table", "all"}},
		{[]string{"route", "show", "table", "100"}, []string{"route", "-table", "100"}},
		{[]string{"route", "show", "table", "local"}, []string{"route", "-table", "local"}},
		{[]string{"-6", "route", "show", "table", "all"}, []string{"-6", "route", "-table", "all"}},
	} {
		eventually(t, "ip "+strings.Join(c.ip, " "), func() string {
			return cmp.Diff(parseRoutes(ns.ip(t, c.ip...)), parseRoutes(ns.example(t, c.example...)))
		})
	}

	// What the setup asked for, as the example lists it.
	got := map[string]fields{}
	for _, r := range parseRoutes(ns.example(t, "route", "-table", "all")) {
		got[strings.Join(r.Lead, " ")] = r
	}
	for lead, want := range map[string]fields{
		"unicast default":         {Attrs: map[string]string{"via": "10.1.0.254", "dev": "br0"}},
		"unicast 192.168.0.0/16":  {Attrs: map[string]string{"via": "10.1.0.254", "dev": "br0", "metric": "50"}},
		"unicast 10.5.0.0/16":     {Attrs: map[string]string{"via": "10.2.0.254", "dev": "veth1", "proto": "static", "mtu": "1400", "advmss": "1300"}},
		"blackhole 10.99.0.0/16":  {},
		"unreachable 10.6.0.0/16": {Attrs: map[string]string{"metric": "5"}},
		"unicast 10.7.0.0/16":     {Attrs: map[string]string{"dev": "veth2", "scope": "link"}, Words: []string{"linkdown"}},
		"unicast 172.16.0.0/12":   {Attrs: map[string]string{"dev": "br0", "table": "100", "scope": "link"}},
		"unicast 10.8.0.0/16":     {Attrs: map[string]string{"dev": "br0", "table": "200", "scope": "link", "src": "10.1.0.1"}},
		"unicast fd01::/64":       {Attrs: map[string]string{"via": "fd00:1::2", "dev": "br0", "metric": "1024", "pref": "medium"}},
		"local 10.1.0.1":          {Attrs: map[string]string{"dev": "br0", "table": "local", "proto": "kernel", "scope": "host", "src": "10.1.0.1"}},
	} {
		want.Lead = strings.Fields(lead)
		if want.Attrs == nil {
			want.Attrs = map[string]string{}
		}
		if d := cmp.Diff(want, got[lead]); d != "" {
			t.Errorf("route %s (-want +example):\n%s", lead, d)
		}
	}
}

func TestRouteGet(t *testing.T) {
	ns := setup(t)
	for _, dst := range []string{"1.1.1.1", "192.168.3.4", "10.1.0.5", "10.1.0.1", "10.2.0.77", "fd01::5", "fd00:1::1"} {
		want := parseRoutes(ns.ip(t, "route", "get", dst))
		got := parseRoutes(ns.example(t, "get", dst))
		if d := cmp.Diff(want, got); d != "" {
			t.Errorf("get %s differs from ip route get's (-ip +example):\n%s", dst, d)
		}
	}
	got := parseRoutes(ns.example(t, "get", "1.1.1.1"))
	if len(got) != 1 || got[0].Attrs["via"] != "10.1.0.254" || got[0].Attrs["dev"] != "br0" || got[0].Attrs["src"] != "10.1.0.1" {
		t.Errorf("get 1.1.1.1: %+v, want via 10.1.0.254 dev br0 src 10.1.0.1", got)
	}

	// No route: a clear error and exit status 1.
	var out, errOut bytes.Buffer
	if code := run(context.Background(), []string{"-netns", ns.path, "get", "10.6.1.1"}, &out, &errOut); code != 1 || !strings.Contains(errOut.String(), "get route to 10.6.1.1") {
		t.Errorf("get to an unreachable route: exit %d, stderr %q; want 1 and the error", code, errOut.String())
	}
}

func TestNeigh(t *testing.T) {
	ns := setup(t)
	var mine []fields
	eventually(t, "ip neigh", func() string {
		mine = parseNeighs(ns.example(t, "neigh"))
		return cmp.Diff(parseNeighs(ns.ip(t, "neigh")), mine)
	})
	eventually(t, "ip neigh show proxy", func() string {
		return cmp.Diff(parseNeighs(ns.ip(t, "neigh", "show", "proxy")), parseNeighs(ns.example(t, "neigh", "-proxy")))
	})
	eventually(t, "ip -6 neigh", func() string {
		return cmp.Diff(parseNeighs(ns.ip(t, "-6", "neigh")), parseNeighs(ns.example(t, "-6", "neigh")))
	})
	want := map[string]fields{
		"10.1.0.5":  {Attrs: map[string]string{"dev": "br0", "lladdr": "02:00:00:00:00:05"}, Words: []string{"PERMANENT"}},
		"10.1.0.6":  {Attrs: map[string]string{"dev": "br0", "lladdr": "02:00:00:00:00:06"}, Words: []string{"STALE"}},
		"fd00:1::9": {Attrs: map[string]string{"dev": "br0", "lladdr": "02:00:00:00:00:0a"}, Words: []string{"router", "PERMANENT"}},
	}
	for _, n := range mine {
		if n.Lead[0] == "10.2.0.9" {
			t.Errorf("the NOARP entry 10.2.0.9 is listed (ip neigh hides it): %+v", n)
		}
		if w, ok := want[n.Lead[0]]; ok {
			w.Lead = n.Lead
			if d := cmp.Diff(w, n); d != "" {
				t.Errorf("neighbour %s (-want +example):\n%s", n.Lead[0], d)
			}
			delete(want, n.Lead[0])
		}
	}
	if len(want) > 0 {
		t.Errorf("neighbours missing: %v", want)
	}
}

func TestRule(t *testing.T) {
	ns := setup(t)
	mine := parseRules(ns.example(t, "rule"))
	if d := cmp.Diff(parseRules(ns.ip(t, "rule")), mine); d != "" {
		t.Errorf("ip rule differs (-ip +example):\n%s", d)
	}
	if d := cmp.Diff(parseRules(ns.ip(t, "-6", "rule")), parseRules(ns.example(t, "rule", "-6"))); d != "" {
		t.Errorf("ip -6 rule differs (-ip +example):\n%s", d)
	}
	want := map[string]fields{
		"10:":    {Attrs: map[string]string{"from": "10.0.0.0/8", "lookup": "100", "proto": "static"}},
		"11:":    {Attrs: map[string]string{"from": "all", "iif": "veth1", "goto": "32766"}},
		"13:":    {Attrs: map[string]string{"from": "all", "fwmark": "0x1/0xff", "lookup": "200"}},
		"15:":    {Attrs: map[string]string{"from": "all", "uidrange": "100-200", "ipproto": "tcp", "dport": "80-90", "lookup": "8"}},
		"16:":    {Attrs: map[string]string{"from": "all", "lookup": "main", "suppress_prefixlength": "0"}},
		"17:":    {Attrs: map[string]string{"from": "all", "to": "10.250.0.0/16", "oif": "veth2"}, Words: []string{"blackhole"}},
		"40000:": {Attrs: map[string]string{"from": "all", "to": "1.2.3.0/24"}, Words: []string{"not", "prohibit"}},
	}
	for _, r := range mine {
		if w, ok := want[r.Lead[0]]; ok {
			w.Lead = r.Lead
			if d := cmp.Diff(w, r); d != "" {
				t.Errorf("rule %s (-want +example):\n%s", r.Lead[0], d)
			}
			delete(want, r.Lead[0])
		}
	}
	if len(want) > 0 {
		t.Errorf("rules missing: %v", want)
	}
}

// TestJSON decodes -json lines and checks them against ip -j.
func TestJSON(t *testing.T) {
	ns := setup(t)

	type ipLink struct {
		Index  int32  `json:"ifindex"`
		Name   string `json:"ifname"`
		MTU    uint32 `json:"mtu"`
		Master string `json:"master"`
	}
	var want []ipLink
	if err := json.Unmarshal([]byte(ns.ip(t, "-j", "link")), &want); err != nil {
		t.Fatal(err)
	}
	// The fields of rt.Link compared (its LinkInfo.Data, an interface,
	// does not decode from JSON).
	type link struct {
		Header struct{ Index int32 }
		Name   string
		MTU    uint32
		Master *int32
	}
	var links []link
	for _, line := range lines(ns.example(t, "link", "-json")) {
		var l link
		if err := json.Unmarshal([]byte(line), &l); err != nil {
			t.Fatalf("%v: %s", err, line)
		}
		links = append(links, l)
	}
	names := map[int32]string{}
	for _, l := range links {
		names[l.Header.Index] = l.Name
	}
	var got []ipLink
	for _, l := range links {
		g := ipLink{Index: l.Header.Index, Name: l.Name, MTU: l.MTU}
		if l.Master != nil {
			g.Master = names[*l.Master]
		}
		got = append(got, g)
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("link -json differs from ip -j link (-ip +example):\n%s", d)
	}

	type ipRoute struct {
		Dst     string `json:"dst"`
		Gateway string `json:"gateway"`
		Dev     string `json:"dev"`
	}
	var wantRoutes []ipRoute
	if err := json.Unmarshal([]byte(ns.ip(t, "-j", "route", "show", "table", "200")), &wantRoutes); err != nil {
		t.Fatal(err)
	}
	var gotRoutes []ipRoute
	for _, line := range lines(ns.example(t, "-json", "route", "-table", "200")) {
		var r rt.Route
		if err := json.Unmarshal([]byte(line), &r); err != nil {
			t.Fatalf("%v: %s", err, line)
		}
		g := ipRoute{Dst: r.DstPrefix().String(), Dev: names[int32(r.OIF)]}
		if r.Gateway.IsValid() {
			g.Gateway = r.Gateway.String()
		}
		gotRoutes = append(gotRoutes, g)
	}
	if d := cmp.Diff(wantRoutes, gotRoutes); d != "" || len(gotRoutes) != 1 {
		t.Errorf("route -json -table 200 differs from ip -j route show table 200 (-ip +example):\n%s", d)
	}
}

// syncBuffer is a buffer that is safe for concurrent use.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// TestMonitor runs monitor (as text and as -json) while families/rt makes
// changes in the namespace, and checks each change's line.
func TestMonitor(t *testing.T) {
	ns := newNS(t)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	c, err := rt.Dial(&socket.Config{NetNSFD: ns.fd})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()

	monCtx, stop := context.WithCancel(ctx)
	text, jsonOut, stderr := new(syncBuffer), new(syncBuffer), new(syncBuffer)
	done := make(chan int, 2)
	go func() { done <- run(monCtx, []string{"monitor", "-netns", ns.path}, text, stderr) }()
	go func() { done <- run(monCtx, []string{"-json", "-netns", ns.path, "monitor", "addr"}, jsonOut, stderr) }()

	// Watch joins its groups once it runs: add addresses to lo until
	// both monitors print one.
	lo, err := c.LinkByName(ctx, "lo")
	if err != nil {
		t.Fatal(err)
	}
	ready := false
	for i := 1; i < 100 && !ready; i++ {
		p := netip.PrefixFrom(netip.AddrFrom4([4]byte{127, 1, 0, byte(i)}), 32)
		if err := c.AddAddress(ctx, rt.NewAddress(uint32(lo.Header.Index), p)); err != nil {
			t.Fatal(err)
		}
		time.Sleep(50 * time.Millisecond)
		ready = strings.Contains(text.String(), "[ADDR] lo inet "+p.String()) && strings.Contains(jsonOut.String(), `"Local":"`+p.Addr().String()+`"`)
	}
	if !ready {
		stop()
		t.Fatalf("the monitors print nothing for new addresses:\ntext: %s\njson: %s\nstderr: %s", text, jsonOut, stderr)
	}

	// A bridge, up, with an address; then deleted.
	if err := c.AddLink(ctx, &rt.Link{Name: "mon0", Info: &rt.LinkInfo{Kind: "bridge"}}); err != nil {
		t.Fatal(err)
	}
	br, err := c.LinkByName(ctx, "mon0")
	if err != nil {
		t.Fatal(err)
	}
	if err := c.SetLinkUp(ctx, br.Header.Index, true); err != nil {
		t.Fatal(err)
	}
	if err := c.AddAddress(ctx, rt.NewAddress(uint32(br.Header.Index), netip.MustParsePrefix("10.66.0.1/24"))); err != nil {
		t.Fatal(err)
	}
	// The prefix route, as ip shows it, is what the monitor must print.
	ipRoute := parseRoutes(ns.ip(t, "route", "show", "10.66.0.0/24"))
	if err := c.DeleteLink(ctx, br.Header.Index); err != nil {
		t.Fatal(err)
	}

	mac := br.Address.String()
	wantLines := []string{
		"[LINK] mon0 DOWN " + mac + " <BROADCAST,MULTICAST> bridge",
		"[ADDR] mon0 inet 10.66.0.1/24 scope global",
		"[ADDR] Deleted mon0 inet 10.66.0.1/24 scope global",
		"[LINK] Deleted mon0 ",
	}
	var got string
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		if got = text.String(); strings.Contains(got, "[LINK] Deleted mon0 ") {
			break
		}
	}
	at := 0
	for _, w := range wantLines {
		i := strings.Index(got[at:], w)
		if i < 0 {
			t.Errorf("monitor output lacks %q (after offset %d):\n%s", w, at, got)
			continue
		}
		at += i + len(w)
	}
	var routes []fields
	for _, line := range lines(got) {
		if r, ok := strings.CutPrefix(line, "[ROUTE] "); ok && strings.HasPrefix(r, "10.66.0.0/24 ") {
			routes = append(routes, parseRoutes(r)...)
		}
	}
	if len(routes) == 0 || len(ipRoute) != 1 {
		t.Errorf("no route event for 10.66.0.0/24 (ip shows %v):\n%s", ipRoute, got)
	} else if d := cmp.Diff(ipRoute[0], routes[0]); d != "" {
		t.Errorf("the route event differs from ip route's line (-ip +monitor):\n%s", d)
	}

	// The JSON monitor follows addresses only.
	var events []string
	for _, line := range lines(jsonOut.String()) {
		var e struct {
			Event   string
			Link    *rt.Link
			Address *rt.Address
		}
		if err := json.Unmarshal([]byte(line), &e); err != nil {
			t.Fatalf("%v: %s", err, line)
		}
		if e.Link != nil || e.Address == nil {
			t.Errorf("addr -json line with no address or with a link: %s", line)
			continue
		}
		events = append(events, e.Event+" "+e.Address.Prefix().String()+" "+strconv.Itoa(int(e.Address.Header.Index)))
	}
	idx := strconv.Itoa(int(br.Header.Index))
	for _, w := range []string{"newaddr 10.66.0.1/24 " + idx, "deladdr 10.66.0.1/24 " + idx} {
		if !strings.Contains(strings.Join(events, "\n"), w) {
			t.Errorf("monitor -json lacks %q: %q", w, events)
		}
	}

	stop()
	for range 2 {
		if code := <-done; code != 0 {
			t.Errorf("monitor exit %d after cancel, want 0; stderr %s", code, stderr)
		}
	}
}

// TestBadArguments checks that mistakes in the command line say what is
// wrong and exit 2, and a missing namespace exits 1 naming it.
func TestBadArguments(t *testing.T) {
	for _, c := range []struct {
		args []string
		code int
		msg  string
	}{
		{nil, 2, "usage"},
		{[]string{"bogus"}, 2, `unknown command "bogus"`},
		{[]string{"link", "extra"}, 2, "unexpected arguments"},
		{[]string{"route", "-table", "x"}, 2, `bad table "x"`},
		{[]string{"route", "-4", "-6"}, 2, "exclude each other"},
		{[]string{"get"}, 2, "want one address"},
		{[]string{"get", "1.2.3"}, 2, "bad address"},
		{[]string{"monitor", "tc"}, 2, `unknown object "tc"`},
		{[]string{"link", "-nosuchflag"}, 2, "flag provided but not defined"},
		{[]string{"-netns", "/nonexistent/ns", "link"}, 1, "/nonexistent/ns"},
	} {
		var out, errOut bytes.Buffer
		code := run(context.Background(), c.args, &out, &errOut)
		if code != c.code || !strings.Contains(errOut.String(), c.msg) || out.Len() != 0 {
			t.Errorf("ip %q: exit %d, stderr %q, stdout %q; want exit %d and %q", c.args, code, errOut.String(), out.String(), c.code, c.msg)
		}
	}
}
