// Command procwatch prints the system's process events — fork, exec, uid,
// gid, sid, ptrace, comm, coredump and exit — as they happen, one per
// line, as text or JSON. It listens to the kernel's proc connector
// (package families/connector), which needs root.
//
//	sudo procwatch                          # every event
//	sudo procwatch -events exec,exit -json  # JSON lines
//	sudo procwatch -pid 1234                # events of 1234, its children and parent
//	sudo procwatch -events nonzero_exit     # failed processes only
//
// Flags:
//
//	-events LIST   event types, comma-separated: fork, exec, uid, gid, sid,
//	               ptrace, comm, coredump, exit, nonzero_exit (exits with a
//	               non-zero code), or all (the default)
//	-pid PID       only events that involve PID: as the task or process, or
//	               as the parent, child or tracer; repeat or comma-separate
//	-json          print JSON lines instead of text
//	-n N           stop after N events
//	-for DURATION  stop after DURATION
//	-buffer BYTES  the socket's receive buffer (default 4 MiB): a larger one
//	               absorbs longer bursts without losing events
//	-unprivileged  run without root; kernels with the proc connector's
//	               event filter (6.6 and later) let any user listen
//
// When events arrive faster than procwatch prints them and the receive
// buffer overflows, the kernel drops events: procwatch says so on stderr
// (and, with -json, as an {"event":"overrun"} line) and goes on.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
	"time"

	"golang.org/x/sys/unix"

	"github.com/nlstruct/nlstruct/families/connector"
	"github.com/nlstruct/nlstruct/socket"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	os.Exit(run(ctx, os.Args[1:], os.Stdout, os.Stderr))
}

const needRoot = "procwatch: needs root: listening to the kernel's proc connector takes CAP_NET_ADMIN. Run it as root (sudo procwatch ...)"

// pidList is the -pid flag.
type pidList []int32

func (p *pidList) String() string { return fmt.Sprint(*p) }

func (p *pidList) Set(s string) error {
	for _, f := range strings.Split(s, ",") {
		n, err := strconv.ParseInt(strings.TrimSpace(f), 10, 32)
		if err != nil || n <= 0 {
			return fmt.Errorf("bad pid %q", f)
		}
		*p = append(*p, int32(n))
	}
	return nil
}

// run is procwatch: it returns the exit status.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("procwatch", flag.ContinueOnError)
	fs.SetOutput(stderr)
	eventsFlag := fs.String("events", "all", "event types: fork,exec,uid,gid,sid,ptrace,comm,coredump,exit,nonzero_exit or all")
	var pids pidList
	fs.Var(&pids, "pid", "only events involving this `pid` (repeat or comma-separate)")
	jsonOut := fs.Bool("json", false, "print JSON lines")
	limit := fs.Int("n", 0, "stop after `N` events (0: no limit)")
	dur := fs.Duration("for", 0, "stop after this long (0: until interrupted)")
	buffer := fs.Int("buffer", 4<<20, "socket receive buffer in `bytes`")
	unprivileged := fs.Bool("unprivileged", false, "run without root (kernels 6.6 and later let any user listen)")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "procwatch: unexpected arguments %q\n", fs.Args())
		return 2
	}
	events, err := connector.ParseWhat(*eventsFlag)
	if err != nil {
		fmt.Fprintln(stderr, "procwatch:", err)
		return 2
	}
	if os.Geteuid() != 0 && !*unprivileged {
		fmt.Fprintf(stderr, "%s (not root: uid %d; newer kernels let any user listen: try -unprivileged).\n", needRoot, os.Geteuid())
		return 1
	}
	if *dur > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, *dur)
		defer cancel()
	}

	l, err := connector.ListenProc(ctx, events, &socket.Config{ReadBuffer: *buffer})
	if errors.Is(err, connector.ErrPermission) {
		fmt.Fprintf(stderr, "%s: %v\n", needRoot, err)
		return 1
	}
	if err != nil {
		fmt.Fprintln(stderr, "procwatch:", err)
		return 1
	}
	defer l.Close()
	how := ""
	switch {
	case l.KernelFilter():
		how = " (the kernel filters by type)"
	case !l.FilterSupported() && l.Filter() != connector.WhatAll:
		how = " (filtered here: this kernel does not filter by type)"
	}
	fmt.Fprintf(stderr, "procwatch: listening for %v%s\n", l.Filter(), how)

	out := &printer{w: stdout, json: *jsonOut}
	n := 0
	status := 0
	for ev, err := range l.Events(ctx) {
		var overrun *connector.OverrunError
		if errors.As(err, &overrun) {
			fmt.Fprintf(stderr, "procwatch: %v\n", err)
			if *jsonOut {
				out.overrun(overrun)
			}
			continue
		}
		if err != nil {
			if ctx.Err() == nil {
				fmt.Fprintln(stderr, "procwatch:", err)
				status = 1
			}
			break
		}
		if len(pids) > 0 && !involves(ev, pids) {
			continue
		}
		if err := out.event(ev); err != nil {
			fmt.Fprintln(stderr, "procwatch:", err)
			return 1
		}
		if n++; *limit > 0 && n >= *limit {
			break
		}
	}
	st := l.Stats()
	lost := "unknown (the kernel filters, so gaps in its sequence numbers say nothing)"
	if st.LostCounted {
		lost = strconv.FormatUint(st.Lost, 10)
	}
	fmt.Fprintf(stderr, "procwatch: %d events printed, %d received, %d overruns, events lost: %s\n", n, st.Events, st.Overruns, lost)
	return status
}

func involves(ev *connector.ProcEvent, pids []int32) bool {
	for _, p := range pids {
		if ev.Involves(p) {
			return true
		}
	}
	return false
}

// printer writes events as text or JSON lines.
type printer struct {
	w    io.Writer
	json bool
	enc  *json.Encoder
}

// jsonEvent is one JSON line: the event's header, its body's fields
// (the body types' json tags), and decoded extras.
type jsonEvent struct {
	Time      string              `json:"time"`
	Timestamp uint64              `json:"timestamp_ns"`
	CPU       uint32              `json:"cpu"`
	Seq       uint32              `json:"seq"`
	Event     string              `json:"event"`
	Data      connector.EventData `json:"data,omitempty"`
	Comm      string              `json:"comm,omitempty"`
	ExitCode  *int                `json:"exit_code,omitempty"`
	KilledBy  string              `json:"killed_by,omitempty"`
	Core      bool                `json:"core_dumped,omitempty"`
	Overruns  uint64              `json:"overruns,omitempty"`
}

func (p *printer) event(ev *connector.ProcEvent) error {
	t := ev.Event.Time()
	if !p.json {
		_, err := fmt.Fprintf(p.w, "%s cpu%d %v\n", t.Format("15:04:05.000000"), ev.Event.CPU, ev)
		return err
	}
	j := jsonEvent{
		Time:      t.UTC().Format(time.RFC3339Nano),
		Timestamp: ev.Event.Timestamp,
		CPU:       ev.Event.CPU,
		Seq:       ev.Msg.Seq,
		Event:     ev.Event.What.String(),
		Data:      ev.Data,
	}
	switch d := ev.Data.(type) {
	case *connector.CommEvent:
		j.Comm = d.Name()
	case *connector.ExitEvent:
		switch st := d.Status(); {
		case st.Exited():
			code := st.ExitStatus()
			j.ExitCode = &code
		case st.Signaled():
			j.KilledBy, j.Core = unix.SignalName(st.Signal()), st.CoreDump()
		}
	}
	return p.encode(j)
}

func (p *printer) overrun(e *connector.OverrunError) {
	p.encode(jsonEvent{Time: time.Now().UTC().Format(time.RFC3339Nano), Event: "overrun", Overruns: e.Overruns})
}

func (p *printer) encode(v any) error {
	if p.enc == nil {
		p.enc = json.NewEncoder(p.w)
	}
	return p.enc.Encode(v)
}
