package connector_test

// Tests against the running kernel's proc connector. They run as root
// and skip without it (older kernels let only CAP_NET_ADMIN join the
// proc connector's group), except TestKernelNotRoot, which checks what a
// user gets.
//
// The kernel reports every process of the system, so each test picks out
// the events of the processes it started, by pid.

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/nlstruct/nlstruct/families/connector"
	"github.com/nlstruct/nlstruct/socket"
)

// The test binary runs itself as a child in these modes, chosen by the
// environment variable helperEnv.
const (
	helperEnv = "NLSTRUCT_CONNECTOR_HELPER"
	// ids:UID:GID:CODE — setgid, setuid, setsid, then exit with CODE.
	// notroot — try to listen; print "subscribed" or the error, and exit
	// 0 when it is either (the kernel allowed it, or refused it with an
	// error wrapping ErrPermission).
)

func TestMain(m *testing.M) {
	if mode := os.Getenv(helperEnv); mode != "" {
		os.Exit(helper(mode))
	}
	os.Exit(m.Run())
}

func helper(mode string) int {
	f := strings.Split(mode, ":")
	switch f[0] {
	case "ids":
		uid, _ := strconv.Atoi(f[1])
		gid, _ := strconv.Atoi(f[2])
		code, _ := strconv.Atoi(f[3])
		if err := syscall.Setgid(gid); err != nil {
			fmt.Fprintln(os.Stderr, "setgid:", err)
			return 100
		}
		if err := syscall.Setuid(uid); err != nil {
			fmt.Fprintln(os.Stderr, "setuid:", err)
			return 101
		}
		if _, err := syscall.Setsid(); err != nil {
			fmt.Fprintln(os.Stderr, "setsid:", err)
			return 102
		}
		return code
	case "notroot":
		l, err := connector.ListenProc(context.Background(), 0, nil)
		if err == nil {
			fmt.Println("subscribed")
			l.Close()
			return 0
		}
		fmt.Println(err)
		if errors.Is(err, connector.ErrPermission) {
			return 0
		}
		return 1
	}
	return 99
}

func needRoot(t *testing.T) {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("needs root: joining the proc connector's group takes CAP_NET_ADMIN")
	}
}

// listen subscribes to events with a large receive buffer, so that a busy
// system's events do not overflow it while a test waits for a child.
func listen(t *testing.T, events connector.What) *connector.ProcListener {
	t.Helper()
	needRoot(t)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	l, err := connector.ListenProc(ctx, events, &socket.Config{ReadBuffer: 8 << 20})
	if err != nil {
		t.Fatalf("ListenProc: %v", err)
	}
	t.Cleanup(func() { l.Close() })
	return l
}

// gather reads events, keeping copies of those keep accepts, until done
// says the kept events are complete; it fails the test after timeout.
func gather(t *testing.T, l *connector.ProcListener, timeout time.Duration, keep func(*connector.ProcEvent) bool, done func([]*connector.ProcEvent) bool) []*connector.ProcEvent {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	var kept []*connector.ProcEvent
	for ev, err := range l.Events(ctx) {
		if err != nil {
			var oe *connector.OverrunError
			if errors.As(err, &oe) {
				t.Logf("overrun while waiting: %v", err)
				continue
			}
			t.Fatalf("Events: %v (after %d kept events: %v)", err, len(kept), kept)
		}
		if keep(ev) {
			kept = append(kept, ev.Clone())
			if done(kept) {
				return kept
			}
		}
	}
	return kept
}

// of keeps the events whose task or thread group is pid.
func of(pid int) func(*connector.ProcEvent) bool {
	return func(ev *connector.ProcEvent) bool { return int(ev.PID()) == pid || int(ev.TGID()) == pid }
}

// exited is done when pid's exit (its thread group leader's) was seen.
func exited(pid int) func([]*connector.ProcEvent) bool {
	return func(evs []*connector.ProcEvent) bool {
		for _, ev := range evs {
			if x, ok := ev.Data.(*connector.ExitEvent); ok && int(x.PID) == pid {
				return true
			}
		}
		return false
	}
}

func monotonicNow(t *testing.T) uint64 {
	var ts unix.Timespec
	if err := unix.ClockGettime(unix.CLOCK_MONOTONIC, &ts); err != nil {
		t.Fatal(err)
	}
	return uint64(ts.Nano())
}

// find returns the first kept event of type T.
func find[T connector.EventData](t *testing.T, evs []*connector.ProcEvent, name string) (*connector.ProcEvent, T) {
	t.Helper()
	for _, ev := range evs {
		if d, ok := ev.Data.(T); ok {
			return ev, d
		}
	}
	var zero T
	t.Fatalf("no %s event among %v", name, evs)
	return nil, zero
}

func TestKernelForkExecCommExit(t *testing.T) {
	l := listen(t, 0)
	before := monotonicNow(t)
	cmd := exec.Command("/bin/sh", "-c", "printf nlcomm > /proc/$$/comm; exit 7")
	err := cmd.Run()
	after := monotonicNow(t)
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.ExitCode() != 7 {
		t.Fatalf("child: %v, want exit status 7", err)
	}
	pid := cmd.Process.Pid
	evs := gather(t, l, 10*time.Second, of(pid), exited(pid))

	var last uint64
	for _, ev := range evs {
		if ev.Msg.ID != connector.ProcID || ev.Msg.Len != connector.ProcEventLen {
			t.Errorf("%v: cn_msg %+v, want id %v and len %d", ev, ev.Msg, connector.ProcID, connector.ProcEventLen)
		}
		if ts := ev.Event.Timestamp; ts < before || ts > after || ts < last {
			t.Errorf("%v: timestamp %d outside [%d, %d] or before the previous event's %d", ev, ts, before, after, last)
		}
		last = ev.Event.Timestamp
		if int(ev.Event.CPU) >= runtime.NumCPU() {
			t.Errorf("%v: cpu %d of %d", ev, ev.Event.CPU, runtime.NumCPU())
		}
		if d := time.Since(ev.Event.Time()); d < 0 || d > time.Minute {
			t.Errorf("%v: Time() is %v ago", ev, d)
		}
	}
	order := []connector.What{}
	for _, ev := range evs {
		order = append(order, ev.Event.What)
	}
	if want := []connector.What{connector.WhatFork, connector.WhatExec, connector.WhatComm, connector.WhatExit}; fmt.Sprint(order) != fmt.Sprint(want) {
		t.Errorf("events of the child in order %v, want %v", order, want)
	}

	_, fork := find[*connector.ForkEvent](t, evs, "fork")
	if int(fork.ChildPID) != pid || int(fork.ChildTGID) != pid || int(fork.ParentTGID) != os.Getpid() || fork.ParentPID <= 0 {
		t.Errorf("fork %+v: want child %d/%d, parent in thread group %d", fork, pid, pid, os.Getpid())
	}
	_, ex := find[*connector.ExecEvent](t, evs, "exec")
	if int(ex.PID) != pid || int(ex.TGID) != pid {
		t.Errorf("exec %+v: want pid %d/%d", ex, pid, pid)
	}
	_, comm := find[*connector.CommEvent](t, evs, "comm")
	if int(comm.PID) != pid || int(comm.TGID) != pid || comm.Name() != "nlcomm" {
		t.Errorf("comm %+v (%q): want pid %d/%d named nlcomm", comm, comm.Name(), pid, pid)
	}
	_, exit := find[*connector.ExitEvent](t, evs, "exit")
	st := exit.Status()
	if int(exit.PID) != pid || int(exit.TGID) != pid || !st.Exited() || st.ExitStatus() != 7 || exit.Code != 7<<8 {
		t.Errorf("exit %+v: want pid %d exited with code 7 (status 0x700)", exit, pid)
	}
	if exit.Signal != int32(unix.SIGCHLD) || int(exit.ParentTGID) != os.Getpid() || exit.ParentPID != fork.ParentPID {
		t.Errorf("exit %+v: want signal SIGCHLD and parent %d/%d (the fork's)", exit, fork.ParentPID, os.Getpid())
	}
}

func TestKernelUIDGIDSID(t *testing.T) {
	const uid, gid, code = 4321, 8765, 42
	t.Run("helper", func(t *testing.T) {
		// The test binary, re-executed: setgid, setuid, setsid, exit 42.
		l := listen(t, 0)
		cmd := exec.Command(os.Args[0], "-test.run=^$")
		cmd.Env = append(os.Environ(), fmt.Sprintf("%s=ids:%d:%d:%d", helperEnv, uid, gid, code))
		out, err := cmd.CombinedOutput()
		var ee *exec.ExitError
		if !errors.As(err, &ee) || ee.ExitCode() != code {
			t.Fatalf("helper: %v, want exit status %d; output %q", err, code, out)
		}
		pid := cmd.Process.Pid
		evs := gather(t, l, 10*time.Second, of(pid), exited(pid))
		checkIDs(t, evs, pid, uid, gid)
		_, exit := find[*connector.ExitEvent](t, evs, "exit")
		if exit.Status().ExitStatus() != code {
			t.Errorf("exit %+v: want code %d", exit, code)
		}
	})
	t.Run("SysProcAttr", func(t *testing.T) {
		// The same ids set by os/exec in the child before execve.
		l := listen(t, connector.WhatUID|connector.WhatGID|connector.WhatSID|connector.WhatExit)
		cmd := exec.Command("/bin/true")
		cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: uid, Gid: gid}, Setsid: true}
		if err := cmd.Run(); err != nil {
			t.Fatal(err)
		}
		pid := cmd.Process.Pid
		checkIDs(t, gather(t, l, 10*time.Second, of(pid), exited(pid)), pid, uid, gid)
	})
}

// checkIDs checks the uid, gid and sid events of process pid. A
// multi-threaded process (a Go program) changes the ids of every thread,
// so there may be several of each: all must carry the new ids, and one
// must be the main thread's.
func checkIDs(t *testing.T, evs []*connector.ProcEvent, pid, uid, gid int) {
	t.Helper()
	var uids, gids, sids int
	for _, ev := range evs {
		switch d := ev.Data.(type) {
		case *connector.UIDEvent:
			if int(d.TGID) != pid || d.RUID != uint32(uid) || d.EUID != uint32(uid) {
				t.Errorf("uid %+v: want tgid %d, ruid and euid %d", d, pid, uid)
			}
			if int(d.PID) == pid {
				uids++
			}
		case *connector.GIDEvent:
			if int(d.TGID) != pid || d.RGID != uint32(gid) || d.EGID != uint32(gid) {
				t.Errorf("gid %+v: want tgid %d, rgid and egid %d", d, pid, gid)
			}
			if int(d.PID) == pid {
				gids++
			}
		case *connector.SIDEvent:
			if int(d.PID) != pid || int(d.TGID) != pid {
				t.Errorf("sid %+v: want pid %d/%d", d, pid, pid)
			}
			sids++
		}
	}
	if uids != 1 || gids != 1 || sids != 1 {
		t.Errorf("main thread: %d uid, %d gid, %d sid events, want 1 of each; events: %v", uids, gids, sids, evs)
	}
}

func TestKernelPtraceAndCoredump(t *testing.T) {
	l := listen(t, connector.WhatPtrace|connector.WhatCoredump|connector.WhatExit)

	// ptrace: attach to a sleeping child, then detach. PTRACE_* calls
	// must come from the thread that attached.
	sleeper := exec.Command("/bin/sleep", "30")
	if err := sleeper.Start(); err != nil {
		t.Fatal(err)
	}
	pid := sleeper.Process.Pid
	tracer := make(chan error, 1)
	go func() {
		runtime.LockOSThread()
		defer runtime.UnlockOSThread()
		if err := unix.PtraceAttach(pid); err != nil {
			tracer <- fmt.Errorf("PTRACE_ATTACH: %w", err)
			return
		}
		var ws unix.WaitStatus
		if _, err := unix.Wait4(pid, &ws, unix.WALL, nil); err != nil {
			tracer <- fmt.Errorf("wait4: %w", err)
			return
		}
		tracer <- unix.PtraceDetach(pid)
	}()
	if err := <-tracer; err != nil {
		sleeper.Process.Kill()
		t.Fatal(err)
	}
	sleeper.Process.Kill()
	sleeper.Wait()
	evs := gather(t, l, 10*time.Second, of(pid), exited(pid))
	var attach, detach int
	for _, ev := range evs {
		if d, ok := ev.Data.(*connector.PtraceEvent); ok {
			if int(d.PID) != pid || int(d.TGID) != pid {
				t.Errorf("ptrace %+v: want pid %d/%d", d, pid, pid)
			}
			switch {
			case d.Detach():
				detach++
			case int(d.TracerTGID) == os.Getpid():
				attach++
			default:
				t.Errorf("ptrace %+v: tracer is not this process (%d)", d, os.Getpid())
			}
		}
	}
	if attach != 1 || detach != 1 {
		t.Errorf("%d attach and %d detach events, want 1 of each: %v", attach, detach, evs)
	}
	_, exit := find[*connector.ExitEvent](t, evs, "exit")
	if !exit.Status().Signaled() || exit.Status().Signal() != unix.SIGKILL {
		t.Errorf("exit %+v: want killed by SIGKILL", exit)
	}

	// coredump: SIGQUIT's default action dumps core (here, with
	// RLIMIT_CORE 0, into nothing); the event comes either way.
	cmd := exec.Command("/bin/sh", "-c", "ulimit -c 0; kill -QUIT $$")
	if err := cmd.Run(); err == nil {
		t.Fatal("the child survived SIGQUIT")
	}
	pid = cmd.Process.Pid
	evs = gather(t, l, 10*time.Second, of(pid), exited(pid))
	_, core := find[*connector.CoredumpEvent](t, evs, "coredump")
	if int(core.PID) != pid || int(core.TGID) != pid || int(core.ParentTGID) != os.Getpid() {
		t.Errorf("coredump %+v: want pid %d/%d, parent in %d", core, pid, pid, os.Getpid())
	}
	_, exit = find[*connector.ExitEvent](t, evs, "exit")
	if st := exit.Status(); !st.Signaled() || st.Signal() != unix.SIGQUIT {
		t.Errorf("exit %+v (%v): want killed by SIGQUIT", exit, st)
	}
}

// kernelHasFilter reports whether the running kernel certainly takes
// struct proc_input (Linux 6.6 and later).
func kernelHasFilter(t *testing.T) bool {
	var u unix.Utsname
	if err := unix.Uname(&u); err != nil {
		t.Fatal(err)
	}
	var major, minor int
	fmt.Sscanf(unix.ByteSliceToString(u.Release[:]), "%d.%d", &major, &minor)
	return major > 6 || (major == 6 && minor >= 6)
}

func TestKernelEventFilter(t *testing.T) {
	t.Run("exec|exit", func(t *testing.T) {
		l := listen(t, connector.WhatExec|connector.WhatExit)
		if kernelHasFilter(t) && !l.KernelFilter() {
			t.Fatal("KernelFilter() = false on a kernel from 6.6 on, which filters by type")
		}
		cmd := exec.Command("/bin/sh", "-c", "printf filtered > /proc/$$/comm")
		if err := cmd.Run(); err != nil {
			t.Fatal(err)
		}
		pid := cmd.Process.Pid
		var others atomic.Int64
		evs := gather(t, l, 10*time.Second, func(ev *connector.ProcEvent) bool {
			// Every event delivered, of any process, must be of a
			// requested type.
			if w := ev.Event.What; w != connector.WhatExec && w != connector.WhatExit {
				t.Errorf("delivered %v, not of the requested types", ev)
			}
			others.Add(1)
			return of(pid)(ev)
		}, exited(pid))
		if len(evs) != 2 || evs[0].Event.What != connector.WhatExec || evs[1].Event.What != connector.WhatExit {
			t.Errorf("child's events %v, want exec then exit", evs)
		}
		st := l.Stats()
		if l.KernelFilter() && st.Filtered != 0 {
			t.Errorf("the kernel filters, yet the listener dropped %d events itself: %+v", st.Filtered, st)
		}
		t.Logf("%d events delivered; %+v", others.Load(), st)
	})
	t.Run("nonzero_exit", func(t *testing.T) {
		l := listen(t, connector.WhatNonzeroExit)
		zero := exec.Command("/bin/sh", "-c", "exit 0")
		five := exec.Command("/bin/sh", "-c", "exit 5")
		if err := zero.Run(); err != nil {
			t.Fatal(err)
		}
		five.Run()
		evs := gather(t, l, 10*time.Second, func(ev *connector.ProcEvent) bool {
			x, ok := ev.Data.(*connector.ExitEvent)
			if !ok || x.Code == 0 {
				t.Errorf("delivered %v, want only exits with a non-zero code", ev)
			}
			return ok && (int(x.PID) == zero.Process.Pid || int(x.PID) == five.Process.Pid)
		}, exited(five.Process.Pid))
		if len(evs) != 1 || evs[0].Data.(*connector.ExitEvent).Status().ExitStatus() != 5 {
			t.Errorf("exits of the two children: %v, want only the one with code 5", evs)
		}
	})
}

func TestKernelUnsubscribe(t *testing.T) {
	l := listen(t, 0)
	ref := listen(t, 0)
	if err := l.Unsubscribe(); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("/bin/true")
	if err := cmd.Run(); err != nil {
		t.Fatal(err)
	}
	pid := cmd.Process.Pid
	gather(t, ref, 10*time.Second, of(pid), exited(pid))
	// The unsubscribed listener may still hold events queued before
	// Unsubscribe, but none of the child's.
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	for ev, err := range l.Events(ctx) {
		if err != nil {
			break
		}
		if of(pid)(ev) {
			t.Errorf("after Unsubscribe: %v", ev)
		}
	}
	// Subscribing again brings events back.
	if err := l.Subscribe(context.Background(), connector.WhatExit); err != nil {
		t.Fatal(err)
	}
	cmd = exec.Command("/bin/true")
	if err := cmd.Run(); err != nil {
		t.Fatal(err)
	}
	pid = cmd.Process.Pid
	gather(t, l, 10*time.Second, of(pid), exited(pid))
}

// TestKernelNotRoot checks what a user without CAP_NET_ADMIN gets:
// kernels before the proc connector's rework refuse to let it join the
// group, and the error must say to run as root; newer ones (6.18 here)
// let any user listen to process events.
func TestKernelNotRoot(t *testing.T) {
	if os.Geteuid() != 0 {
		l, err := connector.ListenProc(context.Background(), 0, nil)
		if err == nil {
			l.Close()
			t.Logf("uid %d may listen to proc events on this kernel", os.Geteuid())
			return
		}
		if !errors.Is(err, connector.ErrPermission) {
			t.Fatalf("ListenProc as uid %d: %v, want success or ErrPermission", os.Geteuid(), err)
		}
		return
	}
	// As root: run the test binary as nobody, from a copy that nobody
	// can reach (the build directory is root's alone).
	dir, err := os.MkdirTemp("", "connector-notroot")
	if err != nil {
		t.Fatal(err)
	}
	defer os.RemoveAll(dir)
	bin, err := os.ReadFile(os.Args[0])
	if err != nil {
		t.Fatal(err)
	}
	exe := dir + "/connector.test"
	if err := os.WriteFile(exe, bin, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(exe, "-test.run=^$")
	cmd.Env = append(os.Environ(), helperEnv+"=notroot")
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: 65534, Gid: 65534}}
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("as nobody: %v, output %q (want success, or an error wrapping ErrPermission)", err, out)
	}
	if s := strings.TrimSpace(string(out)); s == "subscribed" {
		t.Logf("as nobody: this kernel lets unprivileged users listen to proc events")
	} else if !strings.Contains(s, "run as root") {
		t.Errorf("as nobody: %q does not say to run as root", s)
	}
}

// spawn runs /bin/true n times from workers goroutines and returns the
// children's pids.
func spawn(t *testing.T, n, workers int) []int {
	t.Helper()
	var mu sync.Mutex
	var pids []int
	var wg sync.WaitGroup
	var next atomic.Int64
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for next.Add(1) <= int64(n) {
				cmd := exec.Command("/bin/true")
				if err := cmd.Run(); err != nil {
					t.Error(err)
					return
				}
				mu.Lock()
				pids = append(pids, cmd.Process.Pid)
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	return pids
}

func TestKernelFloodOverrun(t *testing.T) {
	needRoot(t)
	// The smallest receive buffer the kernel allows (it raises tiny
	// values to its minimum): a few events fill it.
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Second)
	defer cancel()
	l, err := connector.ListenProc(ctx, 0, &socket.Config{ReadBuffer: 1})
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	n := 2000
	if testing.Short() {
		n = 300
	}
	// Spawn a tenth before reading at all: the buffer must overflow.
	spawn(t, n/10, 4)
	var events, overruns, after atomic.Int64
	var exits sync.Map // pids whose exit arrived
	consumer := make(chan error, 1)
	go func() {
		for ev, err := range l.Events(ctx) {
			var oe *connector.OverrunError
			switch {
			case errors.As(err, &oe):
				overruns.Add(1)
				continue
			case err != nil:
				consumer <- err
				return
			}
			events.Add(1)
			if overruns.Load() > 0 {
				after.Add(1)
			}
			if x, ok := ev.Data.(*connector.ExitEvent); ok {
				exits.Store(x.PID, true)
			}
		}
	}()
	spawn(t, n-n/10, 4)
	// Children after the flood: their exits must still arrive. With so
	// small a buffer, the system's other events may crowd one out, so
	// start another every 100ms until one is seen.
	for seen := false; !seen; {
		cmd := exec.Command("/bin/true")
		if err := cmd.Run(); err != nil {
			t.Fatal(err)
		}
		for range 20 {
			if _, seen = exits.Load(int32(cmd.Process.Pid)); seen {
				break
			}
			select {
			case err := <-consumer:
				t.Fatalf("stream ended: %v", err)
			case <-ctx.Done():
				t.Fatalf("no exit of a child started after the flood arrived (%d events, %d overruns)", events.Load(), overruns.Load())
			case <-time.After(5 * time.Millisecond):
			}
		}
	}
	st := l.Stats()
	t.Logf("%d spawns: %d events delivered, %d overruns reported, %d events after the first overrun; stats %+v", n, events.Load(), overruns.Load(), after.Load(), st)
	if overruns.Load() == 0 || st.Overruns == 0 {
		t.Error("no overrun reported with the smallest receive buffer")
	}
	if after.Load() == 0 {
		t.Error("no events after the overrun")
	}
	if st.Lost == 0 {
		t.Errorf("Stats().Lost = 0 after overruns: %+v", st)
	}
}

func TestKernelBurstNoLoss(t *testing.T) {
	needRoot(t)
	n := 500
	if testing.Short() {
		n = 100
	}
	res := burst(t, n, 4, connector.WhatFork|connector.WhatExit)
	t.Logf("%+v", res)
	if res.missingFork != 0 || res.missingExit != 0 || res.overruns != 0 {
		t.Errorf("with the default receive buffer and a consumer that keeps up: %+v", res)
	}
}

type burstResult struct {
	spawns, events, overruns, missingFork, missingExit int
	took                                               time.Duration
	stats                                              connector.ProcStats
}

// burst spawns n children from workers goroutines while a consumer counts
// their fork and exit events, with the default receive buffer.
func burst(t *testing.T, n, workers int, events connector.What) burstResult {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	l, err := connector.ListenProc(ctx, events, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	var forks, exits sync.Map
	var overruns int
	cctx, stop := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() {
		for ev, err := range l.Events(cctx) {
			var oe *connector.OverrunError
			switch {
			case errors.As(err, &oe):
				overruns++
				continue
			case err != nil:
				done <- err
				return
			}
			switch d := ev.Data.(type) {
			case *connector.ForkEvent:
				forks.Store(d.ChildPID, true)
			case *connector.ExitEvent:
				exits.Store(d.PID, true)
			}
		}
	}()
	start := time.Now()
	pids := spawn(t, n, workers)
	// A last child: once its exit is in, so are the exits of all the
	// children reaped before it started.
	cmd := exec.Command("/bin/true")
	if err := cmd.Run(); err != nil {
		t.Fatal(err)
	}
	for {
		if _, ok := exits.Load(int32(cmd.Process.Pid)); ok {
			break
		}
		if ctx.Err() != nil {
			stop()
			t.Fatalf("the last child's exit never arrived (%d overruns so far: %v)", overruns, <-done)
		}
		time.Sleep(5 * time.Millisecond)
	}
	took := time.Since(start)
	stop()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Fatalf("stream ended with %v", err)
	}
	res := burstResult{spawns: len(pids), overruns: overruns, took: took, stats: l.Stats()}
	for _, p := range pids {
		if _, ok := forks.Load(int32(p)); !ok {
			res.missingFork++
		}
		if _, ok := exits.Load(int32(p)); !ok {
			res.missingExit++
		}
	}
	res.events = int(res.stats.Events)
	return res
}
