package netnstest_test

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/nlstruct/nlstruct/internal/netnstest"
)

// threadInode is the network namespace of the calling goroutine's thread.
func threadInode(t *testing.T) uint64 {
	t.Helper()
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	ino, err := netnstest.ThreadInode()
	if err != nil {
		t.Fatal(err)
	}
	return ino
}

// allThreadsIn checks that every thread of the process is in namespace
// ino: none was left behind in a test namespace.
func allThreadsIn(t *testing.T, ino uint64) {
	t.Helper()
	tasks, err := filepath.Glob("/proc/self/task/*/ns/net")
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range tasks {
		var st unix.Stat_t
		if err := unix.Stat(p, &st); err != nil {
			if errors.Is(err, unix.ENOENT) {
				continue // the thread exited
			}
			t.Fatal(err)
		}
		if st.Ino != ino {
			t.Errorf("%s: in network namespace %d, want %d", p, st.Ino, ino)
		}
	}
}

func TestNew(t *testing.T) {
	before := threadInode(t)
	fd := netnstest.New(t)
	if fd <= 0 {
		t.Fatalf("New returned fd %d", fd)
	}
	ino, err := netnstest.Inode(fd)
	if err != nil {
		t.Fatal(err)
	}
	if ino == before {
		t.Fatalf("new namespace has the test's own inode %d", ino)
	}
	if after := threadInode(t); after != before {
		t.Fatalf("test's namespace changed from %d to %d", before, after)
	}
	allThreadsIn(t, before)

	// Two calls give two namespaces.
	fd2 := netnstest.New(t)
	ino2, err := netnstest.Inode(fd2)
	if err != nil {
		t.Fatal(err)
	}
	if ino2 == ino || ino2 == before {
		t.Fatalf("second namespace %d, first %d, test's %d: want three", ino2, ino, before)
	}
	flags, err := unix.FcntlInt(uintptr(fd), unix.F_GETFD, 0)
	if err != nil || flags&unix.FD_CLOEXEC == 0 {
		t.Errorf("fd flags %#x, %v: want FD_CLOEXEC", flags, err)
	}
}

func TestCleanupClosesFD(t *testing.T) {
	var fd int
	var ino uint64
	t.Run("inner", func(t *testing.T) {
		fd = netnstest.New(t)
		var err error
		if ino, err = netnstest.Inode(fd); err != nil {
			t.Fatal(err)
		}
	})
	if fd == 0 {
		t.Skip("inner test skipped")
	}
	// The descriptor is closed (or, if reused since, no longer the
	// namespace).
	if got, err := netnstest.Inode(fd); err == nil && got == ino {
		t.Fatalf("fd %d still open on the namespace after the test ended", fd)
	}
}

func TestRun(t *testing.T) {
	before := threadInode(t)
	fd := netnstest.New(t)
	want, err := netnstest.Inode(fd)
	if err != nil {
		t.Fatal(err)
	}
	ran := false
	netnstest.Run(t, fd, func() {
		ran = true
		got, err := netnstest.ThreadInode()
		if err != nil {
			t.Error(err)
		}
		if got != want {
			t.Errorf("inside Run: namespace %d, want %d", got, want)
		}
		// Sockets opened here are in the namespace: its only link is lo,
		// and a command started here runs there too.
		if _, err := os.Stat("/proc/thread-self/net/dev"); err == nil {
			b, err := os.ReadFile("/proc/thread-self/net/dev")
			if err != nil {
				t.Error(err)
			}
			lines := strings.Split(strings.TrimSpace(string(b)), "\n")
			if len(lines) != 3 || !strings.Contains(lines[2], "lo:") {
				t.Errorf("/proc/thread-self/net/dev in the new namespace:\n%s", b)
			}
		}
	})
	if !ran {
		t.Fatal("fn did not run")
	}
	if after := threadInode(t); after != before {
		t.Fatalf("test's namespace changed from %d to %d", before, after)
	}
	allThreadsIn(t, before)
}

func TestRunPanic(t *testing.T) {
	before := threadInode(t)
	fd := netnstest.New(t)
	defer func() {
		if r := recover(); r != "boom" {
			t.Errorf("recovered %v, want boom", r)
		}
		allThreadsIn(t, before)
	}()
	netnstest.Run(t, fd, func() { panic("boom") })
	t.Fatal("Run returned after fn panicked")
}

func TestRunBadFD(t *testing.T) {
	// A file that is not a namespace: Run fails the (sub)test instead of
	// running fn.
	f, err := os.Open("/dev/null")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var ran bool
	ok := t.Run("inner", func(t *testing.T) {
		rt := &recorder{TB: t}
		func() {
			defer func() { recover() }()
			netnstest.Run(rt, int(f.Fd()), func() { ran = true })
		}()
		if !rt.fatal {
			t.Error("Run with /dev/null did not fail")
		}
	})
	if !ok || ran {
		t.Fatalf("ok=%v ran=%v", ok, ran)
	}
}

// recorder is a testing.TB whose Fatalf records the failure and panics
// instead of ending the test.
type recorder struct {
	testing.TB
	fatal bool
}

func (r *recorder) Fatalf(format string, args ...any) {
	r.Logf("Fatalf: "+format, args...)
	r.fatal = true
	panic("fatal")
}

// TestSkipWithoutPrivilege runs TestNew as an unprivileged user, where it
// must skip with SkipMessage.
func TestSkipWithoutPrivilege(t *testing.T) {
	if os.Getenv("NETNSTEST_CHILD") != "" {
		t.Skip("child process")
	}
	if os.Geteuid() != 0 {
		// Unprivileged already: New itself must skip.
		netnstest.New(t)
		t.Fatal("New did not skip without privilege")
	}
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	// Copy the test binary where user nobody can run it.
	dir, err := os.MkdirTemp("", "netnstest")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	bin := filepath.Join(dir, "netnstest.test")
	b, err := os.ReadFile(exe)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(bin, b, 0o755); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, "-test.run=^TestNew$", "-test.v", "-test.count=1")
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "NETNSTEST_CHILD=1")
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: 65534, Gid: 65534}}
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("child: %v\n%s", err, out)
	}
	if !strings.Contains(string(out), "--- SKIP: TestNew") || !strings.Contains(string(out), netnstest.SkipMessage) {
		t.Fatalf("child output does not show the skip:\n%s", out)
	}
}
