package connector_test

// Byte-exact tests on proc connector messages captured from the real
// kernel (testdata/proc_events.json). TestGenerateFixtures made them:
//
//	NLSTRUCT_UPDATE_FIXTURES=1 go test -run TestGenerateFixtures ./families/connector/
//	(or: go test -run TestGenerateFixtures ./families/connector/ -update)
//
// as root. It subscribes with the generic Conn (no ProcListener), starts
// children whose pids, parents, ids, names and exit statuses it knows
// from the operating system, and records each event's netlink message as
// received, with those facts. TestFixtures checks that every message
// decodes to the facts, and that encoding the decoded event gives the
// kernel's bytes back.

import (
	"context"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/nlstruct/nlstruct/families/connector"
	"github.com/nlstruct/nlstruct/marshal"
	"github.com/nlstruct/nlstruct/socket"
)

var update = flag.Bool("update", false, "regenerate testdata/proc_events.json from the running kernel (as root)")

const fixturePath = "testdata/proc_events.json"

// fixtureFile is testdata/proc_events.json.
type fixtureFile struct {
	Note    string    `json:"note"`
	Kernel  string    `json:"kernel"`
	NumCPU  int       `json:"num_cpu"`
	PID     int32     `json:"generator_pid"` // the generator's pid: the children's parent
	Fixture []fixture `json:"events"`
}

// fixture is one captured message and what is known of it without
// decoding it.
type fixture struct {
	Name string `json:"name"`
	// Message is the netlink message as received, in hex: nlmsghdr,
	// cn_msg, proc_event.
	Message    string         `json:"message"`
	What       connector.What `json:"what"`
	PID        int32          `json:"pid"`                   // the task the event is about
	TGID       int32          `json:"tgid"`                  // its process
	ParentTGID int32          `json:"parent_tgid,omitempty"` // fork, coredump, exit: the parent process
	TracerTGID int32          `json:"tracer_tgid,omitempty"` // ptrace attach
	ExitCode   int            `json:"exit_code,omitempty"`   // exit: exited with this code
	KilledBy   int            `json:"killed_by,omitempty"`   // exit: killed by this signal
	UID        uint32         `json:"uid,omitempty"`
	GID        uint32         `json:"gid,omitempty"`
	Comm       string         `json:"comm,omitempty"`
	AckOf      uint32         `json:"ack_of,omitempty"` // ack: the request's cn_msg.ack
	MonoFrom   uint64         `json:"mono_from"`        // CLOCK_MONOTONIC before the event
	MonoTo     uint64         `json:"mono_to"`          // and after
}

func TestGenerateFixtures(t *testing.T) {
	if !*update && os.Getenv("NLSTRUCT_UPDATE_FIXTURES") == "" {
		t.Skip("set NLSTRUCT_UPDATE_FIXTURES=1 (or pass -update) to capture testdata/proc_events.json from the running kernel")
	}
	needRoot(t)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	c, err := connector.Dial(&socket.Config{ReadBuffer: 8 << 20})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if err := c.Join(connector.IdxProc); err != nil {
		t.Fatal(err)
	}
	var raw []socket.Message
	// read receives until done accepts a decoded event.
	read := func(done func(*connector.ProcEvent) bool) {
		t.Helper()
		for {
			msgs, err := c.Receive(ctx)
			if err != nil {
				t.Fatal(err)
			}
			for _, m := range msgs {
				ev, err := connector.DecodeProcEvent(m.Data)
				if err != nil {
					t.Fatal(err)
				}
				raw = append(raw, m)
				if done(ev) {
					return
				}
			}
		}
	}
	var fx []fixture
	// pick records the first message that match accepts.
	pick := func(name string, f fixture, match func(*connector.ProcEvent) bool) {
		t.Helper()
		for _, m := range raw {
			ev, _ := connector.DecodeProcEvent(m.Data)
			if match(ev) {
				f.Name, f.Message = name, hex.EncodeToString(socket.AppendMessage(nil, m))
				fx = append(fx, f)
				return
			}
		}
		t.Fatalf("no %s event captured", name)
	}
	me := int32(os.Getpid())
	exitOf := func(pid int32) func(*connector.ProcEvent) bool {
		return func(ev *connector.ProcEvent) bool {
			x, ok := ev.Data.(*connector.ExitEvent)
			return ok && x.PID == pid
		}
	}
	is := func(what connector.What, pid int32) func(*connector.ProcEvent) bool {
		return func(ev *connector.ProcEvent) bool { return ev.Event.What == what && ev.PID() == pid }
	}

	// The acknowledgement of a subscription to every type.
	const cookie = 0x4e4c5354 // "NLST"
	from := monotonicNow(t)
	if err := c.SendValue(connector.Header{ID: connector.ProcID, Seq: cookie, Ack: cookie}, &connector.ProcInput{Op: connector.ProcListen, Events: connector.WhatAll}); err != nil {
		t.Fatal(err)
	}
	read(func(ev *connector.ProcEvent) bool {
		return ev.Event.What == connector.WhatNone && ev.Msg.Ack == cookie+1
	})
	pick("ack", fixture{What: connector.WhatNone, AckOf: cookie, MonoFrom: from, MonoTo: monotonicNow(t)}, func(ev *connector.ProcEvent) bool {
		return ev.Event.What == connector.WhatNone && ev.Msg.Ack == cookie+1
	})

	// fork, exec, comm, exit: a shell renaming itself and exiting 3.
	from = monotonicNow(t)
	sh := exec.Command("/bin/sh", "-c", "printf nlfixture > /proc/$$/comm; exit 3")
	sh.Run()
	to := monotonicNow(t)
	pid := int32(sh.Process.Pid)
	read(exitOf(pid))
	pick("fork", fixture{What: connector.WhatFork, PID: pid, TGID: pid, ParentTGID: me, MonoFrom: from, MonoTo: to}, is(connector.WhatFork, pid))
	pick("exec", fixture{What: connector.WhatExec, PID: pid, TGID: pid, MonoFrom: from, MonoTo: to}, is(connector.WhatExec, pid))
	pick("comm", fixture{What: connector.WhatComm, PID: pid, TGID: pid, Comm: "nlfixture", MonoFrom: from, MonoTo: to}, is(connector.WhatComm, pid))
	pick("exit", fixture{What: connector.WhatExit, PID: pid, TGID: pid, ParentTGID: me, ExitCode: 3, MonoFrom: from, MonoTo: to}, is(connector.WhatExit, pid))

	// uid, gid, sid: set by os/exec in the child, before execve.
	const uid, gid = 4321, 8765
	from = monotonicNow(t)
	ids := exec.Command("/bin/true")
	ids.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: uid, Gid: gid}, Setsid: true}
	if err := ids.Run(); err != nil {
		t.Fatal(err)
	}
	to = monotonicNow(t)
	pid = int32(ids.Process.Pid)
	read(exitOf(pid))
	pick("sid", fixture{What: connector.WhatSID, PID: pid, TGID: pid, MonoFrom: from, MonoTo: to}, is(connector.WhatSID, pid))
	pick("gid", fixture{What: connector.WhatGID, PID: pid, TGID: pid, GID: gid, MonoFrom: from, MonoTo: to}, is(connector.WhatGID, pid))
	pick("uid", fixture{What: connector.WhatUID, PID: pid, TGID: pid, UID: uid, MonoFrom: from, MonoTo: to}, is(connector.WhatUID, pid))

	// ptrace attach and detach, then a kill.
	from = monotonicNow(t)
	sleeper := exec.Command("/bin/sleep", "30")
	if err := sleeper.Start(); err != nil {
		t.Fatal(err)
	}
	pid = int32(sleeper.Process.Pid)
	done := make(chan error, 1)
	go func() {
		runtime.LockOSThread()
		defer runtime.UnlockOSThread()
		if err := unix.PtraceAttach(int(pid)); err != nil {
			done <- err
			return
		}
		var ws unix.WaitStatus
		if _, err := unix.Wait4(int(pid), &ws, unix.WALL, nil); err != nil {
			done <- err
			return
		}
		done <- unix.PtraceDetach(int(pid))
	}()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	sleeper.Process.Kill()
	sleeper.Wait()
	to = monotonicNow(t)
	read(exitOf(pid))
	pick("ptrace_attach", fixture{What: connector.WhatPtrace, PID: pid, TGID: pid, TracerTGID: me, MonoFrom: from, MonoTo: to}, func(ev *connector.ProcEvent) bool {
		d, ok := ev.Data.(*connector.PtraceEvent)
		return ok && d.PID == pid && !d.Detach()
	})
	pick("ptrace_detach", fixture{What: connector.WhatPtrace, PID: pid, TGID: pid, MonoFrom: from, MonoTo: to}, func(ev *connector.ProcEvent) bool {
		d, ok := ev.Data.(*connector.PtraceEvent)
		return ok && d.PID == pid && d.Detach()
	})
	pick("exit_killed", fixture{What: connector.WhatExit, PID: pid, TGID: pid, ParentTGID: me, KilledBy: int(unix.SIGKILL), MonoFrom: from, MonoTo: to}, is(connector.WhatExit, pid))

	// coredump: SIGQUIT, with RLIMIT_CORE 0.
	from = monotonicNow(t)
	quit := exec.Command("/bin/sh", "-c", "ulimit -c 0; kill -QUIT $$")
	quit.Run()
	to = monotonicNow(t)
	pid = int32(quit.Process.Pid)
	read(exitOf(pid))
	pick("coredump", fixture{What: connector.WhatCoredump, PID: pid, TGID: pid, ParentTGID: me, MonoFrom: from, MonoTo: to}, is(connector.WhatCoredump, pid))
	pick("exit_coredump", fixture{What: connector.WhatExit, PID: pid, TGID: pid, ParentTGID: me, KilledBy: int(unix.SIGQUIT), MonoFrom: from, MonoTo: to}, is(connector.WhatExit, pid))

	// A thread's exit: a non-leader thread of a Go child (the helper
	// mode of kernel_test.go, which exits when done).
	from = monotonicNow(t)
	helper := exec.Command(os.Args[0], "-test.run=^$")
	helper.Env = append(os.Environ(), fmt.Sprintf("%s=ids:0:0:0", helperEnv))
	if err := helper.Run(); err != nil {
		t.Fatal(err)
	}
	to = monotonicNow(t)
	pid = int32(helper.Process.Pid)
	read(exitOf(pid))
	var thread int32
	for _, m := range raw {
		ev, _ := connector.DecodeProcEvent(m.Data)
		if x, ok := ev.Data.(*connector.ExitEvent); ok && x.TGID == pid && x.PID != pid {
			thread = x.PID
			break
		}
	}
	if thread == 0 {
		t.Fatal("no thread exit captured")
	}
	pick("exit_thread", fixture{What: connector.WhatExit, PID: thread, TGID: pid, MonoFrom: from, MonoTo: to}, is(connector.WhatExit, thread))

	c.SendValue(connector.Header{ID: connector.ProcID, Seq: cookie + 2, Ack: cookie + 2}, &connector.ProcOp{Op: connector.ProcIgnore})

	var u unix.Utsname
	unix.Uname(&u)
	out := fixtureFile{
		Note:    "Proc connector messages captured from the running kernel by TestGenerateFixtures (fixture_test.go): NLSTRUCT_UPDATE_FIXTURES=1 go test -run TestGenerateFixtures ./families/connector/ as root. message is the netlink message as received (nlmsghdr, cn_msg, proc_event) in hex; the other fields are what the generator knew from the operating system (the children's pids, parent, ids, names, exit statuses, and CLOCK_MONOTONIC before and after each), not from decoding.",
		Kernel:  unix.ByteSliceToString(u.Release[:]),
		NumCPU:  runtime.NumCPU(),
		PID:     me,
		Fixture: fx,
	}
	b, err := json.MarshalIndent(out, "", "\t")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(fixturePath, append(b, '\n'), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("wrote %d events to %s", len(fx), fixturePath)
}

func loadFixtures(t *testing.T) fixtureFile {
	t.Helper()
	b, err := os.ReadFile(fixturePath)
	if err != nil {
		t.Fatal(err)
	}
	var f fixtureFile
	if err := json.Unmarshal(b, &f); err != nil {
		t.Fatal(err)
	}
	return f
}

func TestFixtures(t *testing.T) {
	f := loadFixtures(t)
	seen := map[connector.What]bool{}
	var d connector.ProcDecoder
	for _, fx := range f.Fixture {
		t.Run(fx.Name, func(t *testing.T) {
			wire, err := hex.DecodeString(fx.Message)
			if err != nil {
				t.Fatal(err)
			}
			msgs, err := socket.ParseMessages(wire)
			if err != nil || len(msgs) != 1 {
				t.Fatalf("ParseMessages: %d messages, %v", len(msgs), err)
			}
			m := msgs[0]
			if m.Header.Type != socket.TypeDone {
				t.Errorf("nlmsg_type %d, want NLMSG_DONE", m.Header.Type)
			}
			cm, err := connector.ParseMessage(m.Data)
			if err != nil {
				t.Fatal(err)
			}
			if cm.Header.ID != connector.ProcID || cm.Header.Len != connector.ProcEventLen || len(cm.Data) != connector.ProcEventLen {
				t.Errorf("cn_msg %+v with %d bytes of data, want the proc connector's id and %d bytes", cm.Header, len(cm.Data), connector.ProcEventLen)
			}
			ev, err := connector.DecodeProcEvent(m.Data)
			if err != nil {
				t.Fatal(err)
			}
			checkFixture(t, f, fx, ev)
			// The reusing decoder, fed every fixture in turn, agrees.
			ev2, err := d.Decode(m.Data)
			if err != nil {
				t.Fatal(err)
			}
			checkFixture(t, f, fx, ev2)
			// Encoding the decoded event gives the kernel's bytes back.
			enc, err := marshal.Marshal(ev)
			if err != nil {
				t.Fatal(err)
			}
			if got := hex.EncodeToString(socket.AppendMessage(nil, socket.Message{Header: m.Header, Data: enc})); got != fx.Message {
				t.Errorf("re-encoded\n%s\nwant\n%s", got, fx.Message)
			}
			seen[fx.What] = true
		})
	}
	for _, w := range whats {
		if !seen[w] {
			t.Errorf("no fixture of type %v", w)
		}
	}
}

func checkFixture(t *testing.T, f fixtureFile, fx fixture, ev *connector.ProcEvent) {
	t.Helper()
	if ev.Event.What != fx.What || ev.Data == nil || ev.Data.What() != fx.What {
		t.Fatalf("decoded %v (what %v), want %v", ev, ev.Event.What, fx.What)
	}
	if ts := ev.Event.Timestamp; ts < fx.MonoFrom || ts > fx.MonoTo {
		t.Errorf("timestamp %d outside [%d, %d]", ts, fx.MonoFrom, fx.MonoTo)
	}
	if int(ev.Event.CPU) >= f.NumCPU {
		t.Errorf("cpu %d of %d", ev.Event.CPU, f.NumCPU)
	}
	if ev.PID() != fx.PID || ev.TGID() != fx.TGID {
		t.Errorf("%v: pid %d/%d, want %d/%d", ev, ev.PID(), ev.TGID(), fx.PID, fx.TGID)
	}
	var err error
	switch d := ev.Data.(type) {
	case *connector.AckEvent:
		if d.Err != 0 || ev.Msg.Ack != fx.AckOf+1 {
			err = fmt.Errorf("want err 0 and ack %d", fx.AckOf+1)
		}
	case *connector.ForkEvent:
		if d.ParentTGID != fx.ParentTGID || d.ParentPID <= 0 {
			err = fmt.Errorf("want a parent thread in %d", fx.ParentTGID)
		}
	case *connector.CommEvent:
		if d.Name() != fx.Comm {
			err = fmt.Errorf("want comm %q", fx.Comm)
		}
	case *connector.UIDEvent:
		if d.RUID != fx.UID || d.EUID != fx.UID {
			err = fmt.Errorf("want uid %d", fx.UID)
		}
	case *connector.GIDEvent:
		if d.RGID != fx.GID || d.EGID != fx.GID {
			err = fmt.Errorf("want gid %d", fx.GID)
		}
	case *connector.PtraceEvent:
		if d.TracerTGID != fx.TracerTGID || (fx.TracerTGID == 0) != d.Detach() {
			err = fmt.Errorf("want tracer %d", fx.TracerTGID)
		}
	case *connector.CoredumpEvent:
		if d.ParentTGID != fx.ParentTGID {
			err = fmt.Errorf("want parent %d", fx.ParentTGID)
		}
	case *connector.ExitEvent:
		st := d.Status()
		switch {
		case d.PID != d.TGID: // a thread: no parent, signal -1
			if d.Signal != -1 || d.ParentTGID != 0 || !st.Exited() {
				err = errors.New("want a thread's exit: signal -1, no parent")
			}
		case fx.KilledBy != 0:
			if !st.Signaled() || int(st.Signal()) != fx.KilledBy || d.ParentTGID != fx.ParentTGID {
				err = fmt.Errorf("want killed by signal %d, parent %d", fx.KilledBy, fx.ParentTGID)
			}
		default:
			if !st.Exited() || st.ExitStatus() != fx.ExitCode || d.ParentTGID != fx.ParentTGID || d.Signal != int32(unix.SIGCHLD) {
				err = fmt.Errorf("want exit code %d, SIGCHLD to parent %d", fx.ExitCode, fx.ParentTGID)
			}
		}
	}
	if err != nil {
		t.Errorf("%v: %+v: %v", ev, ev.Data, err)
	}
}
