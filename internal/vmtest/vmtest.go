// Package vmtest runs a package's tests inside a Debian kernel booted under
// qemu, for tests that need kernel features the host kernel lacks (IPVS).
//
// A host test calls Run, which builds the package's test binary statically
// (CGO_ENABLED=0 go test -c), packs it into an initramfs with busybox, the
// kernel's modules (IPVS and its schedulers, conntrack, dummy, veth, and
// what they depend on), and Debian's ipvsadm with its shared libraries,
// and boots qemu-system-x86_64 (software emulation; no KVM needed) on
// Debian's cloud kernel. The VM's /init mounts proc, sysfs and devtmpfs,
// brings up lo, loads ip_vs and every IPVS scheduler, creates dummy0 with
// 10.200.0.1/24 (and fd00:200::1/64) and a default route through it, then
// runs the test binary with NLSTRUCT_IN_VM=1 and prints its exit code.
// Run streams the console into the test's log and fails the host test
// when the tests in the VM fail, or when the VM dies or times out.
//
// The tests to run in the VM check InVM and skip otherwise:
//
//	func TestIPVSInVM(t *testing.T) {
//		if !vmtest.InVM() {
//			t.Skip("runs inside the VM (TestIPVS boots it)")
//		}
//		...
//	}
//
//	func TestIPVS(t *testing.T) {
//		vmtest.Run(t, vmtest.Options{Run: "^TestIPVSInVM$"})
//	}
//
// The kernel, its modules and ipvsadm come from Debian's packages,
// unpacked (not installed) into NLSTRUCT_VM_CACHE (default
// /var/cache/nlstruct-vm) by internal/vmtest/install-deps.sh, which also
// installs qemu, busybox-static and kmod. Without them Run skips the test,
// or fails it when NLSTRUCT_REQUIRE_VM=1 (as CI sets it).
package vmtest

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
)

// InVMEnv is the environment variable the VM's init sets to "1" for the
// test binary.
const InVMEnv = "NLSTRUCT_IN_VM"

// RequireEnv, set to "1", makes Run fail rather than skip when the VM
// cannot be booted here.
const RequireEnv = "NLSTRUCT_REQUIRE_VM"

// DefaultTimeout bounds one VM run when Options.Timeout is zero.
const DefaultTimeout = 5 * time.Minute

// Addresses the VM's dummy0 interface has.
const (
	DummyIface = "dummy0"
	DummyAddr4 = "10.200.0.1"
	DummyAddr6 = "fd00:200::1"
)

// GuestDir is the working directory of the test binary in the VM; Files
// with relative paths are copied under it.
const GuestDir = "/pkg"

const (
	markerBooted = "NLSTRUCT-VM-BOOTED"
	markerReady  = "NLSTRUCT-VM-READY"
	markerExit   = "NLSTRUCT-VM-EXIT="
)

var exitRE = regexp.MustCompile(`NLSTRUCT-VM-EXIT=(-?\d+)\s*$`)

// Options says what Run runs in the VM.
type Options struct {
	// Package is the package whose tests run in the VM, as an import path
	// or a directory; "" means "." (under go test, the calling test's
	// package).
	Package string
	// Run is the -test.run regexp; "" runs every test.
	Run string
	// Args are more arguments for the test binary (e.g. "-test.count=2").
	// -test.v is always passed.
	Args []string
	// Env are more KEY=VALUE variables for the test binary.
	Env []string
	// Files are host files or directories copied into the VM: a relative
	// path (resolved against the working directory, the package's under
	// go test) to the same path under GuestDir, the test's working
	// directory there; an absolute path to the same path.
	Files []string
	// Modules are more kernel modules to put into the VM (with what they
	// depend on) and load at boot.
	Modules []string
	// Timeout bounds the boot and the tests together (DefaultTimeout if
	// zero); qemu is killed when it expires.
	Timeout time.Duration
	// MemoryMB is the VM's memory (512 if zero).
	MemoryMB int
	// CPUs is the VM's number of CPUs (1 if zero).
	CPUs int
}

// InVM reports whether the process runs inside the VM Run boots.
func InVM() bool { return os.Getenv(InVMEnv) == "1" }

// Available reports whether Run can boot the VM here, and if not, why.
func Available() (ok bool, why string) {
	if InVM() {
		return false, "already inside the VM"
	}
	if _, err := findEnv(); err != nil {
		return false, err.Error() + " (internal/vmtest/install-deps.sh installs them, as root)"
	}
	return true, ""
}

// Run boots the VM and runs the package's tests in it (see the package
// documentation), failing t when they fail. It skips t when the VM cannot
// be booted here, unless NLSTRUCT_REQUIRE_VM=1.
func Run(t testing.TB, opts Options) {
	t.Helper()
	if InVM() {
		t.Skip("vmtest: already inside the VM")
	}
	e, err := findEnv()
	if err != nil {
		msg := "vmtest: cannot boot the test VM: " + err.Error() +
			" (run internal/vmtest/install-deps.sh as root)"
		if os.Getenv(RequireEnv) == "1" {
			t.Fatalf("%s; %s=1 forbids skipping", msg, RequireEnv)
		}
		t.Skip(msg)
	}
	timeout := opts.Timeout
	if timeout <= 0 {
		timeout = DefaultTimeout
	}
	if d, ok := deadline(t); ok {
		if left := time.Until(d) - 5*time.Second; left < timeout {
			timeout = left
		}
	}
	start := time.Now()
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()

	work := t.TempDir()
	bin := filepath.Join(work, "pkg.test")
	if err := buildTest(ctx, opts.Package, bin); err != nil {
		t.Fatalf("vmtest: %v", err)
	}
	built := time.Now()

	b, err := buildBase(e, opts.Modules)
	if err != nil {
		t.Fatalf("vmtest: building the initramfs: %v", err)
	}
	initrd := filepath.Join(work, "initramfs")
	inner := timeout - time.Since(start) - 15*time.Second
	if inner < 10*time.Second {
		inner = 10 * time.Second
	}
	if err := writeInitrd(initrd, b, bin, initScript(b.load, opts, inner), opts.Files); err != nil {
		t.Fatalf("vmtest: building the initramfs: %v", err)
	}
	packed := time.Now()

	mem := opts.MemoryMB
	if mem <= 0 {
		mem = 512
	}
	cpus := opts.CPUs
	if cpus <= 0 {
		cpus = 1
	}
	// qemu tries the accelerators in order: KVM where the host has it,
	// else software emulation.
	var accel []string
	if f, err := os.OpenFile("/dev/kvm", os.O_RDWR, 0); err == nil {
		f.Close()
		accel = append(accel, "-accel", "kvm")
	}
	accel = append(accel, "-accel", "tcg")
	args := []string{"-nodefaults", "-no-user-config", "-machine", "pc"}
	args = append(args, accel...)
	args = append(args, "-cpu", "max",
		"-m", strconv.Itoa(mem), "-smp", strconv.Itoa(cpus),
		"-display", "none", "-serial", "stdio", "-monitor", "none",
		"-no-reboot",
		"-kernel", e.kernel, "-initrd", initrd,
		// loglevel=5 shows warnings and oops traces (KERN_DEFAULT) but
		// not the boot chatter.
		"-append", "console=ttyS0 quiet loglevel=5 panic=-1 oops=panic mitigations=off random.trust_cpu=on",
	)
	cmd := exec.CommandContext(ctx, e.qemu, args...)
	cmd.WaitDelay = 5 * time.Second
	pr, pw, err := os.Pipe()
	if err != nil {
		t.Fatalf("vmtest: %v", err)
	}
	cmd.Stdout, cmd.Stderr = pw, pw
	if err := cmd.Start(); err != nil {
		pr.Close()
		pw.Close()
		t.Fatalf("vmtest: starting qemu: %v", err)
	}
	pw.Close()
	boot := time.Now()

	var (
		tail          []string
		booted, ready time.Time
		code          = -1
		found         bool
	)
	sc := bufio.NewScanner(pr)
	sc.Buffer(make([]byte, 64*1024), 1024*1024)
	for sc.Scan() {
		line := strings.TrimRight(sc.Text(), "\r")
		line = strings.ReplaceAll(line, "\r", "")
		t.Log("vm| " + line)
		tail = append(tail, line)
		if len(tail) > 40 {
			tail = tail[1:]
		}
		switch {
		case strings.Contains(line, markerBooted) && booted.IsZero():
			booted = time.Now()
		case strings.Contains(line, markerReady) && ready.IsZero():
			ready = time.Now()
		case strings.Contains(line, markerExit):
			if m := exitRE.FindStringSubmatch(line); m != nil {
				code, _ = strconv.Atoi(m[1])
				found = true
			}
		}
	}
	pr.Close()
	waitErr := cmd.Wait()
	end := time.Now()

	since := func(a, b time.Time) string {
		if b.IsZero() {
			return "-"
		}
		return b.Sub(a).Round(10 * time.Millisecond).String()
	}
	t.Logf("vmtest: test binary built in %v; initramfs in %v (base %s); VM: init started after %s, set up after %s, off after %s; total %v",
		built.Sub(start).Round(10*time.Millisecond), packed.Sub(built).Round(10*time.Millisecond),
		map[bool]string{true: "cached", false: "built"}[b.cached],
		since(boot, booted), since(boot, ready), since(boot, end), end.Sub(start).Round(10*time.Millisecond))

	console := strings.Join(tail, "\n")
	switch {
	case ctx.Err() != nil:
		t.Fatalf("vmtest: the VM did not finish within %v (qemu killed); console tail:\n%s", timeout, console)
	case !found:
		t.Fatalf("vmtest: the VM stopped without reporting the tests' exit code (qemu: %v); console tail:\n%s", waitErr, console)
	case code != 0:
		t.Fatalf("vmtest: the tests in the VM failed (exit code %d); console tail:\n%s", code, console)
	}
}

// deadline is t's deadline, when t is a *testing.T with one.
func deadline(t testing.TB) (time.Time, bool) {
	if d, ok := t.(interface{ Deadline() (time.Time, bool) }); ok {
		return d.Deadline()
	}
	return time.Time{}, false
}

// buildTest builds the package's test binary, statically, for the VM.
func buildTest(ctx context.Context, pkg, out string) error {
	if pkg == "" {
		pkg = "."
	}
	goTool, err := exec.LookPath("go")
	if err != nil {
		goTool = filepath.Join(goroot(), "bin", "go")
	}
	cmd := exec.CommandContext(ctx, goTool, "test", "-c", "-o", out, pkg)
	var flags []string
	for _, f := range strings.Fields(os.Getenv("GOFLAGS")) {
		if f != "-race" && f != "-race=true" && f != "-msan" && f != "-asan" {
			flags = append(flags, f)
		}
	}
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0", "GOOS=linux", "GOARCH=amd64", "GOFLAGS="+strings.Join(flags, " "))
	if msg, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("CGO_ENABLED=0 go test -c %s: %v\n%s", pkg, err, msg)
	}
	if _, err := os.Stat(out); err != nil {
		return fmt.Errorf("go test -c %s wrote no test binary (a package without tests?)", pkg)
	}
	return nil
}

// goroot is GOROOT from the environment or the go command's default.
func goroot() string {
	if r := os.Getenv("GOROOT"); r != "" {
		return r
	}
	return "/usr/local/go"
}

// shellQuote quotes s for sh.
func shellQuote(s string) string {
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// initScript is the VM's /init.
func initScript(load []string, opts Options, inner time.Duration) string {
	args := []string{"/pkg.test", "-test.v", "-test.timeout=" + inner.Round(time.Second).String()}
	if opts.Run != "" {
		args = append(args, "-test.run="+opts.Run)
	}
	args = append(args, opts.Args...)
	var env []string
	for _, kv := range opts.Env {
		env = append(env, shellQuote(kv))
	}
	var cmd []string
	for _, a := range args {
		cmd = append(cmd, shellQuote(a))
	}
	mods := append(append([]string{}, load...), opts.Modules...)
	return `#!/bin/sh
export PATH=/bin:/sbin:/usr/bin:/usr/sbin
export HOME=/root TMPDIR=/tmp
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
echo "` + markerBooted + ` uptime=$(cut -d' ' -f1 /proc/uptime)"
ip link set lo up || echo "vmtest: lo setup failed"
for m in ` + strings.Join(mods, " ") + `; do
	modprobe "$m" || echo "vmtest: modprobe $m failed"
done
echo 0 >/proc/sys/net/ipv6/conf/default/accept_dad 2>/dev/null
# Loading the dummy module may already have made dummy0.
{ { ip link show ` + DummyIface + ` >/dev/null 2>&1 || ip link add ` + DummyIface + ` type dummy; } &&
	ip addr add ` + DummyAddr4 + `/24 dev ` + DummyIface + ` &&
	ip link set ` + DummyIface + ` up &&
	ip route add default dev ` + DummyIface + `; } || echo "vmtest: ` + DummyIface + ` setup failed"
ip -6 addr add ` + DummyAddr6 + `/64 dev ` + DummyIface + ` 2>/dev/null
ip -6 route add default dev ` + DummyIface + ` 2>/dev/null
echo "` + markerReady + ` uptime=$(cut -d' ' -f1 /proc/uptime)"
cd ` + GuestDir + `
env ` + InVMEnv + `=1 ` + strings.Join(env, " ") + ` ` + strings.Join(cmd, " ") + `
rc=$?
echo "` + markerExit + `$rc"
sync
poweroff -f
reboot -f
echo o >/proc/sysrq-trigger
`
}

// writeInitrd writes the initramfs: the cached base archive, then an
// uncompressed archive with /init, the test binary and the Files.
func writeInitrd(out string, b *base, bin, script string, files []string) error {
	f, err := os.Create(out)
	if err != nil {
		return err
	}
	defer f.Close()
	bf, err := os.Open(b.file)
	if err != nil {
		return err
	}
	if _, err := io.Copy(f, bf); err != nil {
		bf.Close()
		return err
	}
	bf.Close()
	w := bufio.NewWriterSize(f, 1<<20)
	cw := newCPIO(w, 1<<20)
	cw.File("/init", 0o755, []byte(script))
	data, err := os.ReadFile(bin)
	if err != nil {
		return err
	}
	cw.File("/pkg.test", 0o755, data)
	cw.Dir(GuestDir)
	for _, p := range files {
		if err := addTree(cw, p); err != nil {
			return err
		}
	}
	if err := cw.Close(); err != nil {
		return err
	}
	if err := w.Flush(); err != nil {
		return err
	}
	return f.Close()
}

// addTree copies the host file or directory p into the archive.
func addTree(cw *cpioWriter, p string) error {
	guestRoot := p
	if !filepath.IsAbs(p) {
		guestRoot = filepath.Join(GuestDir, p)
	}
	return filepath.Walk(p, func(hp string, fi os.FileInfo, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(p, hp)
		gp := filepath.Join(guestRoot, rel)
		switch {
		case fi.IsDir():
			cw.Dir(gp)
		case fi.Mode()&os.ModeSymlink != 0:
			target, err := os.Readlink(hp)
			if err != nil {
				return err
			}
			cw.Symlink(gp, target)
		case fi.Mode().IsRegular():
			data, err := os.ReadFile(hp)
			if err != nil {
				return err
			}
			cw.File(gp, uint32(fi.Mode().Perm()), data)
		}
		return nil
	})
}
