package main

// The example against the kernel: TestExampleInVM boots the qemu VM of
// internal/vmtest (the host kernel may have no IPVS) and runs the TestVM*
// tests in it, which create services with ipvsadm and check what run()
// lists (text, -stats, -json), and create and delete with run()'s flags
// and check with ipvsadm. Run directly on the host, the TestVM* tests
// skip.

import (
	"bytes"
	"context"
	"encoding/json"
	"net"
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"golang.org/x/sys/unix"

	"github.com/nlstruct/nlstruct/families/ipvs"
	"github.com/nlstruct/nlstruct/internal/vmtest"
)

func TestExampleInVM(t *testing.T) {
	if vmtest.InVM() {
		t.Skip("inside the VM: the TestVM* tests are the tests here")
	}
	vmtest.Run(t, vmtest.Options{Run: "^TestVM", Timeout: 3 * time.Minute})
}

// setup skips t outside the VM; inside, it empties the IPVS table now and
// when t ends.
func setup(t *testing.T) context.Context {
	t.Helper()
	if !vmtest.InVM() {
		t.Skip("needs the kernel's IPVS: runs inside the VM that TestExampleInVM boots")
	}
	ipvsadm(t, "-C")
	t.Cleanup(func() { ipvsadm(t, "-C") })
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	t.Cleanup(cancel)
	return ctx
}

func ipvsadm(t *testing.T, args ...string) string {
	t.Helper()
	out, err := exec.Command("ipvsadm", args...).CombinedOutput()
	if err != nil {
		t.Fatalf("ipvsadm %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return string(out)
}

// example runs the command with args and returns what it printed.
func example(t *testing.T, ctx context.Context, args ...string) string {
	t.Helper()
	var b bytes.Buffer
	if err := run(ctx, &b, args); err != nil {
		t.Fatalf("ipvs %s: %v", strings.Join(args, " "), err)
	}
	return b.String()
}

// listing is an ipvsadm-style listing: its header lines, and each service
// line with its destination lines (in any order: neither the kernel's dump
// nor ipvsadm's sorting is an order to rely on). Lines are compared with
// their runs of blanks made one space.
type listing struct {
	Header   []string
	Services map[string][]string
}

func parse(out string) listing {
	l := listing{Services: map[string][]string{}}
	var cur string
	for line := range strings.Lines(out) {
		f := strings.Join(strings.Fields(line), " ")
		switch {
		case f == "":
		case strings.HasPrefix(f, "IP Virtual Server") || strings.HasPrefix(f, "Prot ") || strings.Contains(f, "RemoteAddress:Port"):
			l.Header = append(l.Header, f)
		case strings.HasPrefix(f, "-> "):
			l.Services[cur] = append(l.Services[cur], f)
		default:
			cur = f
			l.Services[cur] = nil
		}
	}
	for k := range l.Services {
		slices.Sort(l.Services[k])
	}
	return l
}

// createWithIpvsadm makes services of every kind with ipvsadm.
func createWithIpvsadm(t *testing.T) {
	for _, args := range [][]string{
		{"-A", "-t", "10.0.0.1:80", "-s", "wlc", "-p", "300", "-M", "255.255.255.0"},
		{"-a", "-t", "10.0.0.1:80", "-r", "10.200.0.2:8080", "-m", "-w", "3"},
		{"-a", "-t", "10.0.0.1:80", "-r", "10.200.0.3", "-g", "-w", "70000"},
		{"-a", "-t", "10.0.0.1:80", "-r", "10.200.0.4", "-i"},
		{"-A", "-u", "[fd00::1]:53", "-s", "sh", "-b", "sh-port", "-p", "60", "-M", "64"},
		{"-a", "-u", "[fd00::1]:53", "-r", "[fd00:200::2]:53", "-m"},
		{"-A", "--sctp-service", "10.0.0.2:5000", "-s", "rr"},
		{"-A", "-u", "10.0.0.3:5060", "-p", "360", "--pe", "sip", "-o"},
		{"-A", "-f", "7", "-s", "rr"},
		{"-A", "-f", "8", "-6", "-s", "lc"},
		{"-a", "-f", "8", "-6", "-r", "[fd00:200::3]:0", "-g"},
	} {
		ipvsadm(t, args...)
	}
}

// TestVMList checks the example's listing against ipvsadm -Ln's, line
// for line, and against the values ipvsadm was given.
func TestVMList(t *testing.T) {
	ctx := setup(t)
	createWithIpvsadm(t)
	got := parse(example(t, ctx))
	adm := parse(ipvsadm(t, "-Ln"))
	if d := cmp.Diff(adm, got); d != "" {
		t.Errorf("the example's listing differs from ipvsadm -Ln's (-ipvsadm +example):\n%s", d)
	}
	want := map[string][]string{
		"TCP 10.0.0.1:80 wlc persistent 300 mask 255.255.255.0": {
			"-> 10.200.0.2:8080 Masq 3 0 0",
			"-> 10.200.0.3:80 Route 70000 0 0",
			"-> 10.200.0.4:80 Tunnel 1 0 0",
		},
		"UDP [fd00::1]:53 sh (sh-port) persistent 60 mask 64": {"-> [fd00:200::2]:53 Masq 1 0 0"},
		"SCTP 10.0.0.2:5000 rr":                               nil,
		"UDP 10.0.0.3:5060 wlc persistent 360 pe sip ops":     nil,
		"FWM 7 rr":      nil,
		"FWM 8 IPv6 lc": {"-> [fd00:200::3]:0 Route 1 0 0"},
	}
	if d := cmp.Diff(want, got.Services); d != "" {
		t.Errorf("the example's services (-want +got):\n%s", d)
	}
	if len(got.Header) != 3 || !strings.HasPrefix(got.Header[0], "IP Virtual Server version 1.2.1 (size=") {
		t.Errorf("header %q", got.Header)
	}
}

// TestVMJSON checks the example's -json output field by field.
func TestVMJSON(t *testing.T) {
	ctx := setup(t)
	createWithIpvsadm(t)
	out := example(t, ctx, "-json")
	var entries []entry
	if err := json.Unmarshal([]byte(out), &entries); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	byAddr := map[string]entry{}
	for _, e := range entries {
		byAddr[e.Protocol+" "+e.Address] = e
	}
	if len(entries) != 6 || len(byAddr) != 6 {
		t.Fatalf("%d entries (%d distinct), want 6:\n%s", len(entries), len(byAddr), out)
	}
	tcp := byAddr["TCP 10.0.0.1:80"]
	s := tcp.Service
	if s.AF != unix.AF_INET || s.Protocol != unix.IPPROTO_TCP || s.Port != 80 || s.Scheduler != "wlc" || s.Timeout != 300 ||
		s.Flags.Flags != ipvs.SvcPersistent|ipvs.SvcHashed || s.Stats == nil || s.Stats64 == nil {
		t.Errorf("TCP service: %+v", s)
	}
	var dests []string
	for _, d := range tcp.Destinations {
		dests = append(dests, d.Address+" "+fwdName(d.FwdMethod)+" "+itoa(d.Weight))
	}
	slices.Sort(dests)
	if want := []string{"10.200.0.2:8080 Masq 3", "10.200.0.3:80 Route 70000", "10.200.0.4:80 Tunnel 1"}; !slices.Equal(dests, want) {
		t.Errorf("TCP destinations %q, want %q", dests, want)
	}
	if e := byAddr["UDP [fd00::1]:53"]; e.Service.AF != unix.AF_INET6 || e.Service.Netmask != 64 ||
		e.Service.Flags.Flags != ipvs.SvcPersistent|ipvs.SvcHashed|ipvs.SvcSHPort || len(e.Destinations) != 1 || e.Destinations[0].AF != unix.AF_INET6 {
		t.Errorf("UDP IPv6 service: %+v", e)
	}
	if e := byAddr["UDP 10.0.0.3:5060"]; e.Service.PEName != "sip" || e.Service.Flags.Flags&ipvs.SvcOnePacket == 0 {
		t.Errorf("SIP service: %+v", e)
	}
	if e := byAddr["FWM 8"]; e.Service.AF != unix.AF_INET6 || e.Service.FWMark != 8 || e.Service.Scheduler != "lc" {
		t.Errorf("IPv6 fwmark service: %+v", e)
	}
	if e := byAddr["SCTP 10.0.0.2:5000"]; e.Service.Protocol != unix.IPPROTO_SCTP || len(e.Destinations) != 0 {
		t.Errorf("SCTP service: %+v", e)
	}
	// The JSON names of the fields.
	for _, key := range []string{`"pe_name": "sip"`, `"fwd_method": 2`, `"weight": 70000`, `"fwmark": 8`, `"stats64": {`, `"address": "[fd00:200::3]:0"`} {
		if !strings.Contains(out, key) {
			t.Errorf("the JSON has no %s", key)
		}
	}
}

func itoa(v uint32) string { return strconv.FormatUint(uint64(v), 10) }

// TestVMStats sends traffic and checks the example's -stats listing
// against ipvsadm -Ln --stats --exact.
func TestVMStats(t *testing.T) {
	ctx := setup(t)
	ipvsadm(t, "-A", "-u", "10.0.0.9:53", "-s", "rr")
	ipvsadm(t, "-a", "-u", "10.0.0.9:53", "-r", "10.200.0.9:5353", "-m")
	ipvsadm(t, "-A", "-t", "10.0.0.9:80", "-s", "rr")
	for range 3 {
		c, err := net.Dial("udp", "10.0.0.9:53")
		if err != nil {
			t.Fatal(err)
		}
		c.Write([]byte("hello world"))
		c.Close()
	}
	// The estimator sums the counters every two seconds.
	deadline := time.Now().Add(10 * time.Second)
	for {
		if _, ok := parse(example(t, ctx, "-stats")).Services["UDP 10.0.0.9:53 3 3 0 117 0"]; ok {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no counters after 10s:\n%s", example(t, ctx, "-stats"))
		}
		time.Sleep(250 * time.Millisecond)
	}
	got := parse(example(t, ctx, "-stats"))
	adm := parse(ipvsadm(t, "-Ln", "--stats", "--exact"))
	if d := cmp.Diff(adm, got); d != "" {
		t.Errorf("the example's -stats listing differs from ipvsadm -Ln --stats --exact (-ipvsadm +example):\n%s", d)
	}
	want := map[string][]string{
		"UDP 10.0.0.9:53 3 3 0 117 0": {"-> 10.200.0.9:5353 3 3 0 117 0"},
		"TCP 10.0.0.9:80 0 0 0 0 0":   nil,
	}
	if d := cmp.Diff(want, got.Services); d != "" {
		t.Errorf("the example's counters (-want +got):\n%s", d)
	}
}

// TestVMEdit creates and deletes with the example's flags and checks with
// ipvsadm.
func TestVMEdit(t *testing.T) {
	ctx := setup(t)
	steps := []struct {
		args []string
		want map[string][]string // ipvsadm -Ln's services after the step
	}{
		{[]string{"-add-service", "-t", "10.0.1.1:80", "-s", "rr"}, map[string][]string{"TCP 10.0.1.1:80 rr": nil}},
		{[]string{"-add-dest", "-t", "10.0.1.1:80", "-r", "10.200.0.5:8080", "-w", "4", "-m"},
			map[string][]string{"TCP 10.0.1.1:80 rr": {"-> 10.200.0.5:8080 Masq 4 0 0"}}},
		{[]string{"-add-dest", "-t", "10.0.1.1:80", "-r", "10.200.0.6:80"},
			map[string][]string{"TCP 10.0.1.1:80 rr": {"-> 10.200.0.5:8080 Masq 4 0 0", "-> 10.200.0.6:80 Route 1 0 0"}}},
		{[]string{"-add-dest", "-t", "10.0.1.1:80", "-r", "10.200.0.7:80", "-i", "-w", "2"},
			map[string][]string{"TCP 10.0.1.1:80 rr": {"-> 10.200.0.5:8080 Masq 4 0 0", "-> 10.200.0.6:80 Route 1 0 0", "-> 10.200.0.7:80 Tunnel 2 0 0"}}},
		{[]string{"-del-dest", "-t", "10.0.1.1:80", "-r", "10.200.0.6:80"},
			map[string][]string{"TCP 10.0.1.1:80 rr": {"-> 10.200.0.5:8080 Masq 4 0 0", "-> 10.200.0.7:80 Tunnel 2 0 0"}}},
		{[]string{"-add-service", "-u", "[fd00::9]:53"}, map[string][]string{
			"TCP 10.0.1.1:80 rr":   {"-> 10.200.0.5:8080 Masq 4 0 0", "-> 10.200.0.7:80 Tunnel 2 0 0"},
			"UDP [fd00::9]:53 wlc": nil,
		}},
		{[]string{"-add-dest", "-u", "[fd00::9]:53", "-r", "[fd00:200::9]:53", "-m"}, map[string][]string{
			"TCP 10.0.1.1:80 rr":   {"-> 10.200.0.5:8080 Masq 4 0 0", "-> 10.200.0.7:80 Tunnel 2 0 0"},
			"UDP [fd00::9]:53 wlc": {"-> [fd00:200::9]:53 Masq 1 0 0"},
		}},
		{[]string{"-del-service", "-t", "10.0.1.1:80"}, map[string][]string{"UDP [fd00::9]:53 wlc": {"-> [fd00:200::9]:53 Masq 1 0 0"}}},
		{[]string{"-add-service", "-f", "9", "-s", "sh"}, map[string][]string{
			"UDP [fd00::9]:53 wlc": {"-> [fd00:200::9]:53 Masq 1 0 0"},
			"FWM 9 sh":             nil,
		}},
		{[]string{"-del-service", "-f", "9"}, map[string][]string{"UDP [fd00::9]:53 wlc": {"-> [fd00:200::9]:53 Masq 1 0 0"}}},
		{[]string{"-del-service", "-u", "[fd00::9]:53"}, map[string][]string{}},
	}
	for _, st := range steps {
		example(t, ctx, st.args...)
		got := parse(ipvsadm(t, "-Ln")).Services
		if d := cmp.Diff(st.want, got); d != "" {
			t.Errorf("after ipvs %s, ipvsadm lists (-want +got):\n%s", strings.Join(st.args, " "), d)
		}
	}
	for _, bad := range []struct {
		args []string
		want string
	}{
		{[]string{"-add-service"}, "give a service with -t, -u or -f"},
		{[]string{"-add-dest", "-t", "10.0.1.1:80", "-r", "nonsense"}, "-r:"},
		{[]string{"-add-service", "-t", "10.0.1.1"}, "service address:"},
		{[]string{"-del-service", "-t", "10.0.1.2:80"}, "ipvs: delete service: "},
	} {
		var b bytes.Buffer
		if err := run(ctx, &b, bad.args); err == nil || !strings.Contains(err.Error(), bad.want) {
			t.Errorf("ipvs %s: %v, want an error with %q", strings.Join(bad.args, " "), err, bad.want)
		}
	}
}
