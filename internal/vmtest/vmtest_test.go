package vmtest

import (
	"bytes"
	"context"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/nlstruct/nlstruct/families/genl"
)

// TestVM boots the VM from the host and runs TestInVM in it.
func TestVM(t *testing.T) {
	if InVM() {
		t.Skip("inside the VM: TestInVM is the test here")
	}
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "hello.txt"), []byte("hello from the host\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	Run(t, Options{
		Run:     "^TestInVM$",
		Env:     []string{"VMTEST_FILE=" + filepath.Join(dir, "hello.txt")},
		Files:   []string{dir},
		Timeout: 3 * time.Minute,
	})
}

// TestInVM checks, inside the VM, what the VM's init promises.
func TestInVM(t *testing.T) {
	if !InVM() {
		t.Skip("runs inside the VM that TestVM boots")
	}

	t.Run("modules", func(t *testing.T) {
		b, err := os.ReadFile("/proc/modules")
		if err != nil {
			t.Fatal(err)
		}
		loaded := map[string]bool{}
		for _, line := range strings.Split(string(b), "\n") {
			if f := strings.Fields(line); len(f) > 0 {
				loaded[f[0]] = true
			}
		}
		for _, m := range []string{"ip_vs", "ip_vs_rr", "ip_vs_wrr", "ip_vs_sh", "ip_vs_mh", "nf_conntrack", "dummy"} {
			if !loaded[m] {
				t.Errorf("module %s not loaded; /proc/modules:\n%s", m, b)
			}
		}
	})

	t.Run("ipvsadm", func(t *testing.T) {
		out, err := exec.Command("ipvsadm", "-Ln").CombinedOutput()
		if err != nil {
			t.Fatalf("ipvsadm -Ln: %v\n%s", err, out)
		}
		if !bytes.Contains(out, []byte("IP Virtual Server version")) {
			t.Errorf("ipvsadm -Ln printed:\n%s", out)
		}
		t.Logf("ipvsadm -Ln:\n%s", out)
	})

	t.Run("dummy0", func(t *testing.T) {
		ifi, err := net.InterfaceByName(DummyIface)
		if err != nil {
			t.Fatal(err)
		}
		if ifi.Flags&net.FlagUp == 0 {
			t.Errorf("%s is down", DummyIface)
		}
		addrs, err := ifi.Addrs()
		if err != nil {
			t.Fatal(err)
		}
		var found bool
		for _, a := range addrs {
			if ipn, ok := a.(*net.IPNet); ok && ipn.IP.Equal(net.ParseIP(DummyAddr4)) {
				found = true
			}
		}
		if !found {
			t.Errorf("%s has %v, not %s", DummyIface, addrs, DummyAddr4)
		}
		lo, err := net.InterfaceByName("lo")
		if err != nil || lo.Flags&net.FlagUp == 0 {
			t.Errorf("lo is not up (%v)", err)
		}
	})

	t.Run("genl IPVS family", func(t *testing.T) {
		c, err := genl.Dial(nil)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		f, err := c.Family(ctx, "IPVS")
		if err != nil {
			t.Fatalf("resolving the IPVS family: %v", err)
		}
		if f.ID == 0 || f.Name != "IPVS" || len(f.Ops) == 0 {
			t.Errorf("IPVS family = %+v", f)
		}
		t.Logf("IPVS: id %d, version %d, max attr %d, %d ops", f.ID, f.Version, f.MaxAttr, len(f.Ops))
	})

	t.Run("files", func(t *testing.T) {
		b, err := os.ReadFile(os.Getenv("VMTEST_FILE"))
		if err != nil || string(b) != "hello from the host\n" {
			t.Errorf("file copied from the host: %q, %v", b, err)
		}
		if wd, _ := os.Getwd(); wd != GuestDir {
			t.Errorf("working directory %s, want %s", wd, GuestDir)
		}
	})
}

// TestCPIO checks the archive writer against the cpio tool, when present.
func TestCPIO(t *testing.T) {
	if InVM() {
		t.Skip("host test")
	}
	cpio, err := exec.LookPath("cpio")
	if err != nil {
		t.Skip("no cpio tool")
	}
	var buf bytes.Buffer
	cw := newCPIO(&buf, 0)
	cw.File("/a/b/c.txt", 0o644, []byte("hello"))
	cw.Symlink("/a/link", "b/c.txt")
	cw.File("odd", 0o755, []byte("xyz"))
	if err := cw.Close(); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	cmd := exec.Command(cpio, "-idm", "--quiet")
	cmd.Dir = dir
	cmd.Stdin = &buf
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("cpio -i: %v\n%s", err, out)
	}
	if b, err := os.ReadFile(filepath.Join(dir, "a/link")); err != nil || string(b) != "hello" {
		t.Errorf("a/link: %q, %v", b, err)
	}
	if fi, err := os.Stat(filepath.Join(dir, "odd")); err != nil || fi.Mode().Perm() != 0o755 || fi.Size() != 3 {
		t.Errorf("odd: %v, %v", fi, err)
	}
}

func TestShellQuote(t *testing.T) {
	for in, want := range map[string]string{
		"":         "''",
		"a b":      "'a b'",
		"it's":     `'it'\''s'`,
		"^Test$|x": "'^Test$|x'",
	} {
		if got := shellQuote(in); got != want {
			t.Errorf("shellQuote(%q) = %s, want %s", in, got, want)
		}
	}
}
