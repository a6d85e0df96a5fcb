package connector

import (
	"fmt"
	"reflect"
	"strings"
	"time"

	"golang.org/x/sys/unix"

	"github.com/nlstruct/nlstruct/marshal"
)

// What is enum proc_cn_event of <linux/cn_proc.h>: the type of a proc
// event (proc_event.what), and, as a set of bits, the event-type filter of
// a subscription.
type What uint32

// Event types. Each is one bit, so they combine into a filter.
const (
	WhatNone   What = 0x00000000 // PROC_EVENT_NONE: the acknowledgement of a subscription
	WhatFork   What = 0x00000001 // PROC_EVENT_FORK
	WhatExec   What = 0x00000002 // PROC_EVENT_EXEC
	WhatUID    What = 0x00000004 // PROC_EVENT_UID
	WhatGID    What = 0x00000040 // PROC_EVENT_GID
	WhatSID    What = 0x00000080 // PROC_EVENT_SID
	WhatPtrace What = 0x00000100 // PROC_EVENT_PTRACE
	WhatComm   What = 0x00000200 // PROC_EVENT_COMM
	// WhatNonzeroExit (PROC_EVENT_NONZERO_EXIT) is a filter bit only: it
	// selects the exit events of processes whose exit code is not 0.
	WhatNonzeroExit What = 0x20000000
	WhatCoredump    What = 0x40000000 // PROC_EVENT_COREDUMP
	WhatExit        What = 0x80000000 // PROC_EVENT_EXIT

	// WhatAll is PROC_EVENT_ALL: every event type.
	WhatAll = WhatFork | WhatExec | WhatUID | WhatGID | WhatSID | WhatPtrace | WhatComm | WhatNonzeroExit | WhatCoredump | WhatExit
)

var whatNames = []struct {
	w    What
	name string
}{
	{WhatFork, "fork"}, {WhatExec, "exec"}, {WhatUID, "uid"}, {WhatGID, "gid"},
	{WhatSID, "sid"}, {WhatPtrace, "ptrace"}, {WhatComm, "comm"},
	{WhatNonzeroExit, "nonzero_exit"}, {WhatCoredump, "coredump"}, {WhatExit, "exit"},
}

// String names an event type ("fork", "exit", "ack" for WhatNone), or
// the bits of a filter joined by "|".
func (w What) String() string {
	if w == WhatNone {
		return "ack"
	}
	var parts []string
	rest := w
	for _, n := range whatNames {
		if w&n.w != 0 {
			parts = append(parts, n.name)
			rest &^= n.w
		}
	}
	if rest != 0 {
		parts = append(parts, fmt.Sprintf("0x%x", uint32(rest)))
	}
	return strings.Join(parts, "|")
}

// ParseWhat parses a comma- or |-separated list of event type names, as
// String writes them ("fork,exec,exit"); "all" is WhatAll.
func ParseWhat(s string) (What, error) {
	var w What
	for _, f := range strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == '|' || r == ' ' }) {
		f = strings.ToLower(f)
		if f == "all" {
			w |= WhatAll
			continue
		}
		found := false
		for _, n := range whatNames {
			if n.name == f || (f == "nonzero-exit" && n.w == WhatNonzeroExit) {
				w |= n.w
				found = true
			}
		}
		if !found {
			return 0, fmt.Errorf("connector: unknown proc event type %q (want fork, exec, uid, gid, sid, ptrace, comm, coredump, exit, nonzero_exit or all)", f)
		}
	}
	return w, nil
}

// Matches reports whether a subscription filtering on f delivers an event
// of type what whose exit code (for exit events) is exitCode. It is the
// kernel's own rule (cn_filter in drivers/connector/cn_proc.c): WhatAll
// delivers everything, acknowledgements included; WhatNonzeroExit
// delivers the exits with a non-zero code; otherwise an event is
// delivered when its bit is set. A filter of 0 means WhatAll.
func (f What) Matches(what What, exitCode uint32) bool {
	f = f.normal()
	if f == WhatAll {
		return true
	}
	if f&WhatNonzeroExit != 0 && what == WhatExit && exitCode != 0 {
		return true
	}
	return f&what != 0
}

// normal is the filter the kernel keeps for f: unknown bits dropped, and
// nothing left meaning everything.
func (f What) normal() What {
	if f &= WhatAll; f == 0 {
		return WhatAll
	}
	return f
}

// McastOp is enum proc_cn_mcast_op.
type McastOp uint32

// Subscription operations.
const (
	ProcListen McastOp = 1 // PROC_CN_MCAST_LISTEN
	ProcIgnore McastOp = 2 // PROC_CN_MCAST_IGNORE
)

// ProcInput is struct proc_input, the subscription request of kernels
// from 6.6 on, which filter events by type. Older kernels take only the
// 4-byte McastOp (ProcOp) and ignore this form without an answer.
type ProcInput struct {
	Op     McastOp
	Events What // the event types to deliver (a filter; 0 means all)
}

// ProcOp is the subscription request that every kernel takes: the
// operation alone, every event type.
type ProcOp struct {
	Op McastOp
}

// EventHeader is the fixed start of struct proc_event.
type EventHeader struct {
	What What   `json:"what"`
	CPU  uint32 `json:"cpu"` // the CPU the event was sent from
	// Timestamp is when the event happened, in nanoseconds of
	// CLOCK_MONOTONIC (ktime_get_ns); Time converts it.
	Timestamp uint64 `json:"timestamp_ns"`
}

// Time converts h.Timestamp to wall-clock time, using the current offset
// between CLOCK_REALTIME and CLOCK_MONOTONIC.
func (h *EventHeader) Time() time.Time {
	var ts unix.Timespec
	if err := unix.ClockGettime(unix.CLOCK_MONOTONIC, &ts); err != nil {
		return time.Time{}
	}
	now := time.Now()
	return now.Add(-time.Duration(uint64(ts.Nano()) - h.Timestamp))
}

// ProcEvent is a proc connector message: struct cn_msg followed by struct
// proc_event, whose union is decoded into the Go type its what field
// selects (AckEvent, ForkEvent, ExecEvent, UIDEvent, GIDEvent, SIDEvent,
// PtraceEvent, CommEvent, CoredumpEvent, ExitEvent). Data is nil for an
// event type this package does not know.
type ProcEvent struct {
	Msg   Header      `nl:"header" json:"msg"`               // cn_msg
	Event EventHeader `nl:"header" json:"event"`             // what, cpu, timestamp_ns
	Data  EventData   `nl:"selector=Event.What" json:"data"` // the union
}

// ProcEventLen is sizeof(struct proc_event): cn_msg.len of every event
// the kernel sends.
const ProcEventLen = 40

// EventData is the union of struct proc_event: one of the *...Event types
// of this package. What returns the event type it belongs to.
//
// Every type is padded (with _ fields) to the union's 24 bytes, so an
// encoded ProcEvent is byte for byte what the kernel sends.
type EventData interface {
	What() What
}

// AckEvent acknowledges a subscription request (what = WhatNone): Err is
// 0 or a positive errno. Its Msg.Ack is the request's cn_msg.ack plus 1.
type AckEvent struct {
	Err uint32 `json:"err"`
	_   [20]byte
}

// ForkEvent is fork_proc_event: a process or thread was created. The
// parent is the creating task's real parent: the thread that forked.
type ForkEvent struct {
	ParentPID  int32 `json:"parent_pid"`
	ParentTGID int32 `json:"parent_tgid"`
	ChildPID   int32 `json:"child_pid"`
	ChildTGID  int32 `json:"child_tgid"`
	_          [8]byte
}

// ExecEvent is exec_proc_event: a process called execve.
type ExecEvent struct {
	PID  int32 `json:"pid"`
	TGID int32 `json:"tgid"`
	_    [16]byte
}

// UIDEvent is id_proc_event for PROC_EVENT_UID: a task changed its user
// ids. They are the new real and effective uids, as seen from the initial
// user namespace.
type UIDEvent struct {
	PID  int32  `json:"pid"`
	TGID int32  `json:"tgid"`
	RUID uint32 `json:"ruid"`
	EUID uint32 `json:"euid"`
	_    [8]byte
}

// GIDEvent is id_proc_event for PROC_EVENT_GID: a task changed its group
// ids (the new real and effective gids).
type GIDEvent struct {
	PID  int32  `json:"pid"`
	TGID int32  `json:"tgid"`
	RGID uint32 `json:"rgid"`
	EGID uint32 `json:"egid"`
	_    [8]byte
}

// SIDEvent is sid_proc_event: a process started a new session (setsid).
type SIDEvent struct {
	PID  int32 `json:"pid"`
	TGID int32 `json:"tgid"`
	_    [16]byte
}

// PtraceEvent is ptrace_proc_event: a tracer attached to the task, or
// (TracerPID 0) detached from it.
type PtraceEvent struct {
	PID        int32 `json:"pid"`
	TGID       int32 `json:"tgid"`
	TracerPID  int32 `json:"tracer_pid"`
	TracerTGID int32 `json:"tracer_tgid"`
	_          [8]byte
}

// CommEvent is comm_proc_event: a task changed its name (prctl
// PR_SET_NAME, or a write to /proc/PID/comm).
type CommEvent struct {
	PID  int32    `json:"pid"`
	TGID int32    `json:"tgid"`
	Comm [16]byte `json:"-"` // NUL-padded; Name returns it as a string
}

// CoredumpEvent is coredump_proc_event: a task got a signal whose action
// is to dump core (whether or not a core file is written).
type CoredumpEvent struct {
	PID        int32 `json:"pid"`
	TGID       int32 `json:"tgid"`
	ParentPID  int32 `json:"parent_pid"`
	ParentTGID int32 `json:"parent_tgid"`
	_          [8]byte
}

// ExitEvent is exit_proc_event: a task exited.
type ExitEvent struct {
	PID  int32 `json:"pid"`
	TGID int32 `json:"tgid"`
	// Code is the task's exit_code, a wait(2) status: Status decodes it.
	Code uint32 `json:"code"`
	// Signal is the signal the parent is sent (SIGCHLD, usually), or -1
	// for a thread that is not its group's leader.
	Signal     int32 `json:"signal"`
	ParentPID  int32 `json:"parent_pid"`
	ParentTGID int32 `json:"parent_tgid"`
}

func (*AckEvent) What() What      { return WhatNone }
func (*ForkEvent) What() What     { return WhatFork }
func (*ExecEvent) What() What     { return WhatExec }
func (*UIDEvent) What() What      { return WhatUID }
func (*GIDEvent) What() What      { return WhatGID }
func (*SIDEvent) What() What      { return WhatSID }
func (*PtraceEvent) What() What   { return WhatPtrace }
func (*CommEvent) What() What     { return WhatComm }
func (*CoredumpEvent) What() What { return WhatCoredump }
func (*ExitEvent) What() What     { return WhatExit }

// Errno returns the acknowledgement's error, or nil.
func (e *AckEvent) Errno() error {
	if e.Err == 0 {
		return nil
	}
	return unix.Errno(e.Err)
}

// Name returns the new name, up to its first NUL.
func (e *CommEvent) Name() string {
	n := 0
	for n < len(e.Comm) && e.Comm[n] != 0 {
		n++
	}
	return string(e.Comm[:n])
}

// SetName sets Comm to name, truncated to 15 bytes and NUL-padded.
func (e *CommEvent) SetName(name string) {
	e.Comm = [16]byte{}
	copy(e.Comm[:15], name)
}

// Status returns Code as a wait status: Exited and ExitStatus, or
// Signaled, Signal and CoreDump.
func (e *ExitEvent) Status() unix.WaitStatus { return unix.WaitStatus(e.Code) }

// Detach reports whether the tracer detached (rather than attached).
func (e *PtraceEvent) Detach() bool { return e.TracerPID == 0 }

func init() {
	marshal.RegisterVariant[EventData](WhatNone, (*AckEvent)(nil))
	marshal.RegisterVariant[EventData](WhatFork, (*ForkEvent)(nil))
	marshal.RegisterVariant[EventData](WhatExec, (*ExecEvent)(nil))
	marshal.RegisterVariant[EventData](WhatUID, (*UIDEvent)(nil))
	marshal.RegisterVariant[EventData](WhatGID, (*GIDEvent)(nil))
	marshal.RegisterVariant[EventData](WhatSID, (*SIDEvent)(nil))
	marshal.RegisterVariant[EventData](WhatPtrace, (*PtraceEvent)(nil))
	marshal.RegisterVariant[EventData](WhatComm, (*CommEvent)(nil))
	marshal.RegisterVariant[EventData](WhatCoredump, (*CoredumpEvent)(nil))
	marshal.RegisterVariant[EventData](WhatExit, (*ExitEvent)(nil))
}

// PID returns the task the event is about: the child of a fork, the
// process of every other event; 0 for an acknowledgement.
func (e *ProcEvent) PID() int32 {
	pid, _ := e.ids()
	return pid
}

// TGID returns the thread group (process id) of the task PID names.
func (e *ProcEvent) TGID() int32 {
	_, tgid := e.ids()
	return tgid
}

func (e *ProcEvent) ids() (int32, int32) {
	switch d := e.Data.(type) {
	case *ForkEvent:
		return d.ChildPID, d.ChildTGID
	case *ExecEvent:
		return d.PID, d.TGID
	case *UIDEvent:
		return d.PID, d.TGID
	case *GIDEvent:
		return d.PID, d.TGID
	case *SIDEvent:
		return d.PID, d.TGID
	case *PtraceEvent:
		return d.PID, d.TGID
	case *CommEvent:
		return d.PID, d.TGID
	case *CoredumpEvent:
		return d.PID, d.TGID
	case *ExitEvent:
		return d.PID, d.TGID
	}
	return 0, 0
}

// Involves reports whether pid is the event's task or thread group, or
// its parent, child or tracer.
func (e *ProcEvent) Involves(pid int32) bool {
	switch d := e.Data.(type) {
	case *ForkEvent:
		return pid == d.ParentPID || pid == d.ParentTGID || pid == d.ChildPID || pid == d.ChildTGID
	case *PtraceEvent:
		return pid == d.PID || pid == d.TGID || pid == d.TracerPID || pid == d.TracerTGID
	case *CoredumpEvent:
		return pid == d.PID || pid == d.TGID || pid == d.ParentPID || pid == d.ParentTGID
	case *ExitEvent:
		return pid == d.PID || pid == d.TGID || pid == d.ParentPID || pid == d.ParentTGID
	}
	p, t := e.ids()
	return pid != 0 && (pid == p || pid == t)
}

// Clone returns a deep copy of e, which stays valid when the stream or
// decoder that produced e reuses it.
func (e *ProcEvent) Clone() *ProcEvent {
	c := *e
	// Every body is a pointer to a fixed-layout struct: copying the
	// pointee is a deep copy, whatever the event type.
	if v := reflect.ValueOf(e.Data); v.Kind() == reflect.Pointer && !v.IsNil() {
		cp := reflect.New(v.Elem().Type())
		cp.Elem().Set(v.Elem())
		c.Data = cp.Interface().(EventData)
	}
	return &c
}

// String formats the event on one line, as "fork parent=1/1 child=2/2".
func (e *ProcEvent) String() string {
	switch d := e.Data.(type) {
	case *AckEvent:
		return fmt.Sprintf("ack err=%d ack=%d", d.Err, e.Msg.Ack)
	case *ForkEvent:
		return fmt.Sprintf("fork parent=%d/%d child=%d/%d", d.ParentPID, d.ParentTGID, d.ChildPID, d.ChildTGID)
	case *ExecEvent:
		return fmt.Sprintf("exec pid=%d/%d", d.PID, d.TGID)
	case *UIDEvent:
		return fmt.Sprintf("uid pid=%d/%d ruid=%d euid=%d", d.PID, d.TGID, d.RUID, d.EUID)
	case *GIDEvent:
		return fmt.Sprintf("gid pid=%d/%d rgid=%d egid=%d", d.PID, d.TGID, d.RGID, d.EGID)
	case *SIDEvent:
		return fmt.Sprintf("sid pid=%d/%d", d.PID, d.TGID)
	case *PtraceEvent:
		if d.Detach() {
			return fmt.Sprintf("ptrace pid=%d/%d detach", d.PID, d.TGID)
		}
		return fmt.Sprintf("ptrace pid=%d/%d tracer=%d/%d", d.PID, d.TGID, d.TracerPID, d.TracerTGID)
	case *CommEvent:
		return fmt.Sprintf("comm pid=%d/%d comm=%q", d.PID, d.TGID, d.Name())
	case *CoredumpEvent:
		return fmt.Sprintf("coredump pid=%d/%d parent=%d/%d", d.PID, d.TGID, d.ParentPID, d.ParentTGID)
	case *ExitEvent:
		return fmt.Sprintf("exit pid=%d/%d %s signal=%d parent=%d/%d", d.PID, d.TGID, statusString(d.Status()), d.Signal, d.ParentPID, d.ParentTGID)
	}
	return fmt.Sprintf("what=%s", e.Event.What)
}

func statusString(ws unix.WaitStatus) string {
	switch {
	case ws.Exited():
		return fmt.Sprintf("code=%d", ws.ExitStatus())
	case ws.Signaled() && ws.CoreDump():
		return fmt.Sprintf("killed=%s core", unix.SignalName(ws.Signal()))
	case ws.Signaled():
		return fmt.Sprintf("killed=%s", unix.SignalName(ws.Signal()))
	}
	return fmt.Sprintf("status=0x%x", uint32(ws))
}

// ProcDecoder decodes proc connector messages into one reused ProcEvent,
// allocating nothing once it has seen each event type: it keeps one value
// of each body type and decodes over it (a marshal.Decoder with
// ReuseVariants). The zero value is ready to use; it is not safe for
// concurrent use.
type ProcDecoder struct {
	ev  ProcEvent
	dec *marshal.Decoder[ProcEvent]
}

// Decode decodes b, the payload of a netlink message (cn_msg and
// proc_event), and returns the event. The event, and the body it points
// to, are overwritten by the next Decode: Clone what you keep.
func (d *ProcDecoder) Decode(b []byte) (*ProcEvent, error) {
	if d.dec == nil {
		dec, err := marshal.NewDecoder[ProcEvent](marshal.Options{ReuseVariants: true})
		if err != nil {
			return nil, err
		}
		d.dec = dec
	}
	if err := d.dec.Decode(b, &d.ev); err != nil {
		return nil, err
	}
	return &d.ev, nil
}

// DecodeProcEvent decodes b, the payload of a netlink message (cn_msg and
// proc_event), into a new ProcEvent.
func DecodeProcEvent(b []byte) (*ProcEvent, error) {
	ev := new(ProcEvent)
	if err := marshal.Unmarshal(b, ev); err != nil {
		return nil, err
	}
	return ev, nil
}
