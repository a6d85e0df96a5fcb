package bench

// The proc connector (families/connector): decoding a proc event into its
// Go type, nlstruct against a hand-written floor decoder of the same
// bytes into the same reused value; and a burst of process spawns against
// the running kernel, counting the fork and exit events that arrive.

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"golang.org/x/sys/unix"

	"github.com/nlstruct/nlstruct/families/connector"
	"github.com/nlstruct/nlstruct/marshal"
)

// floorProcDecoder is the floor: the same work as connector.ProcDecoder,
// written by hand with encoding/binary. It decodes into one reused
// ProcEvent and one reused body of each type, checks the sizes marshal
// checks (cn_msg, the event header, and the 24-byte union), and chooses
// the body with a switch on what.
type floorProcDecoder struct {
	ev       connector.ProcEvent
	ack      connector.AckEvent
	fork     connector.ForkEvent
	exec     connector.ExecEvent
	uid      connector.UIDEvent
	gid      connector.GIDEvent
	sid      connector.SIDEvent
	ptrace   connector.PtraceEvent
	comm     connector.CommEvent
	coredump connector.CoredumpEvent
	exit     connector.ExitEvent
}

var errProcShort = errors.New("proc event: truncated")

const procUnionLen = 24

func (d *floorProcDecoder) Decode(b []byte) (*connector.ProcEvent, error) {
	if len(b) < connector.HeaderLen+16+procUnionLen {
		return nil, errProcShort
	}
	ev := &d.ev
	ev.Msg = connector.Header{
		ID:    connector.ID{Idx: ne.Uint32(b[0:]), Val: ne.Uint32(b[4:])},
		Seq:   ne.Uint32(b[8:]),
		Ack:   ne.Uint32(b[12:]),
		Len:   ne.Uint16(b[16:]),
		Flags: ne.Uint16(b[18:]),
	}
	p := b[connector.HeaderLen:]
	ev.Event = connector.EventHeader{What: connector.What(ne.Uint32(p)), CPU: ne.Uint32(p[4:]), Timestamp: ne.Uint64(p[8:])}
	u := p[16:]
	i32 := func(off int) int32 { return int32(ne.Uint32(u[off:])) }
	switch ev.Event.What {
	case connector.WhatNone:
		d.ack = connector.AckEvent{Err: ne.Uint32(u)}
		ev.Data = &d.ack
	case connector.WhatFork:
		d.fork = connector.ForkEvent{ParentPID: i32(0), ParentTGID: i32(4), ChildPID: i32(8), ChildTGID: i32(12)}
		ev.Data = &d.fork
	case connector.WhatExec:
		d.exec = connector.ExecEvent{PID: i32(0), TGID: i32(4)}
		ev.Data = &d.exec
	case connector.WhatUID:
		d.uid = connector.UIDEvent{PID: i32(0), TGID: i32(4), RUID: ne.Uint32(u[8:]), EUID: ne.Uint32(u[12:])}
		ev.Data = &d.uid
	case connector.WhatGID:
		d.gid = connector.GIDEvent{PID: i32(0), TGID: i32(4), RGID: ne.Uint32(u[8:]), EGID: ne.Uint32(u[12:])}
		ev.Data = &d.gid
	case connector.WhatSID:
		d.sid = connector.SIDEvent{PID: i32(0), TGID: i32(4)}
		ev.Data = &d.sid
	case connector.WhatPtrace:
		d.ptrace = connector.PtraceEvent{PID: i32(0), TGID: i32(4), TracerPID: i32(8), TracerTGID: i32(12)}
		ev.Data = &d.ptrace
	case connector.WhatComm:
		d.comm = connector.CommEvent{PID: i32(0), TGID: i32(4)}
		copy(d.comm.Comm[:], u[8:24])
		ev.Data = &d.comm
	case connector.WhatCoredump:
		d.coredump = connector.CoredumpEvent{PID: i32(0), TGID: i32(4), ParentPID: i32(8), ParentTGID: i32(12)}
		ev.Data = &d.coredump
	case connector.WhatExit:
		d.exit = connector.ExitEvent{PID: i32(0), TGID: i32(4), Code: ne.Uint32(u[8:]), Signal: i32(12), ParentPID: i32(16), ParentTGID: i32(20)}
		ev.Data = &d.exit
	default:
		ev.Data = nil
	}
	return ev, nil
}

// procSamples is one event of each type, every field non-zero, as the
// kernel sends them (cn_msg.len 40); procWire is their encoding.
func procSamples() []*connector.ProcEvent {
	comm := &connector.CommEvent{PID: 4242, TGID: 4241}
	comm.SetName("kworker/u8:2")
	bodies := []connector.EventData{
		&connector.AckEvent{Err: 22},
		&connector.ForkEvent{ParentPID: 1201, ParentTGID: 1200, ChildPID: 4242, ChildTGID: 4242},
		&connector.ExecEvent{PID: 4242, TGID: 4242},
		&connector.UIDEvent{PID: 4242, TGID: 4241, RUID: 1000, EUID: 1001},
		&connector.GIDEvent{PID: 4242, TGID: 4241, RGID: 100, EGID: 101},
		&connector.SIDEvent{PID: 4242, TGID: 4242},
		&connector.PtraceEvent{PID: 4242, TGID: 4242, TracerPID: 77, TracerTGID: 76},
		comm,
		&connector.CoredumpEvent{PID: 4242, TGID: 4241, ParentPID: 1201, ParentTGID: 1200},
		&connector.ExitEvent{PID: 4242, TGID: 4242, Code: 3 << 8, Signal: 17, ParentPID: 1201, ParentTGID: 1200},
	}
	var out []*connector.ProcEvent
	for i, d := range bodies {
		out = append(out, &connector.ProcEvent{
			Msg:   connector.Header{ID: connector.ProcID, Seq: 90000 + uint32(i), Ack: 7, Len: connector.ProcEventLen, Flags: 1},
			Event: connector.EventHeader{What: d.What(), CPU: 1, Timestamp: 2660529000063 + uint64(i)},
			Data:  d,
		})
	}
	return out
}

func procWire(t testing.TB) [][]byte {
	var wire [][]byte
	for _, ev := range procSamples() {
		b, err := marshal.Marshal(ev)
		if err != nil {
			t.Fatal(err)
		}
		wire = append(wire, b)
	}
	return wire
}

// TestProcDecodersAgree checks that the floor and nlstruct decode every
// sample into the same value, and that neither allocates once warm.
func TestProcDecodersAgree(t *testing.T) {
	samples, wire := procSamples(), procWire(t)
	var nl connector.ProcDecoder
	var fl floorProcDecoder
	for i, b := range wire {
		if len(b) != connector.HeaderLen+connector.ProcEventLen {
			t.Errorf("sample %d: %d bytes, want %d", i, len(b), connector.HeaderLen+connector.ProcEventLen)
		}
		a, err := nl.Decode(b)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(samples[i], a); diff != "" {
			t.Errorf("nlstruct, sample %d (-want +got):\n%s", i, diff)
		}
		f, err := fl.Decode(b)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(samples[i], f); diff != "" {
			t.Errorf("floor, sample %d (-want +got):\n%s", i, diff)
		}
		if _, err := fl.Decode(b[:len(b)-1]); err == nil {
			t.Errorf("floor accepted sample %d one byte short", i)
		}
		for n := range len(b) {
			if _, err := nl.Decode(b[:n]); err == nil {
				t.Errorf("nlstruct accepted sample %d cut to %d bytes", i, n)
			}
		}
	}
	for name, dec := range map[string]func([]byte) (*connector.ProcEvent, error){"nlstruct": nl.Decode, "floor": fl.Decode} {
		if n := testing.AllocsPerRun(50, func() {
			for _, b := range wire {
				dec(b)
			}
		}); n != 0 {
			t.Errorf("%s: %v allocations per pass over the samples, want 0", name, n)
		}
	}
}

// BenchmarkProcDecode decodes one proc event per iteration: "fork"
// decodes the same fork event each time; "mixed" cycles through all ten
// event types, so the body's type changes every time.
func BenchmarkProcDecode(b *testing.B) {
	wire := procWire(b)
	fork := wire[1:2]
	for _, stream := range []struct {
		name string
		wire [][]byte
	}{{"fork", fork}, {"mixed", wire}} {
		b.Run(stream.name+"/nlstruct", func(b *testing.B) {
			var d connector.ProcDecoder
			benchProc(b, d.Decode, stream.wire)
		})
		b.Run(stream.name+"/floor", func(b *testing.B) {
			var d floorProcDecoder
			benchProc(b, d.Decode, stream.wire)
		})
		b.Run(stream.name+"/nlstruct-new", func(b *testing.B) {
			// A new event and body each time (connector.DecodeProcEvent).
			benchProc(b, connector.DecodeProcEvent, stream.wire)
		})
	}
}

var procSink *connector.ProcEvent

func benchProc(b *testing.B, dec func([]byte) (*connector.ProcEvent, error), wire [][]byte) {
	for _, w := range wire { // warm: one body of each type
		dec(w)
	}
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		ev, err := dec(wire[i])
		if err != nil {
			b.Fatal(err)
		}
		procSink = ev
		if i++; i == len(wire) {
			i = 0
		}
	}
}

// TestProcBurst spawns /bin/true many times from parallel spawners while
// a consumer counts the fork and exit events of those children, with the
// default receive buffer, and reports the event rate and the losses. It
// runs the real kernel as root, only when asked:
//
//	NLSTRUCT_PROC_BURST=10000 go test -run TestProcBurst -v
//
// NLSTRUCT_PROC_BURST_WORKERS sets the spawners (default 4);
// NLSTRUCT_PROC_BURST_EVENTS the subscription ("fork,exit", the default,
// filtered by the kernel; or "all").
func TestProcBurst(t *testing.T) {
	n, _ := strconv.Atoi(os.Getenv("NLSTRUCT_PROC_BURST"))
	if n <= 0 {
		t.Skip("set NLSTRUCT_PROC_BURST=10000 to spawn that many processes and count their events (root)")
	}
	if os.Geteuid() != 0 {
		t.Skip("needs root: listens to the proc connector")
	}
	workers, _ := strconv.Atoi(os.Getenv("NLSTRUCT_PROC_BURST_WORKERS"))
	if workers <= 0 {
		workers = 4
	}
	events := connector.WhatFork | connector.WhatExit
	if s := os.Getenv("NLSTRUCT_PROC_BURST_EVENTS"); s != "" {
		w, err := connector.ParseWhat(s)
		if err != nil {
			t.Fatal(err)
		}
		events = w
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	l, err := connector.ListenProc(ctx, events, nil) // the default receive buffer
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	rcvbuf, _ := l.Conn().Socket().Option(unix.SOL_SOCKET, unix.SO_RCVBUF)

	// The consumer: counts every event and notes the forks and exits
	// seen, by pid, until stopped.
	var forks, exits sync.Map
	var received, overruns atomic.Int64
	var first, last atomic.Int64 // monotonic ns of the first and last event
	cctx, stop := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() {
		for ev, err := range l.Events(cctx) {
			var oe *connector.OverrunError
			switch {
			case errors.As(err, &oe):
				overruns.Add(1)
				continue
			case err != nil:
				done <- err
				return
			}
			if received.Add(1) == 1 {
				first.Store(int64(ev.Event.Timestamp))
			}
			last.Store(int64(ev.Event.Timestamp))
			switch d := ev.Data.(type) {
			case *connector.ForkEvent:
				forks.Store(d.ChildPID, true)
			case *connector.ExitEvent:
				exits.Store(d.PID, true)
			}
		}
	}()

	start := time.Now()
	var next atomic.Int64
	pids := make(chan int32, n)
	var wg sync.WaitGroup
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
				pids <- int32(cmd.Process.Pid)
			}
		}()
	}
	wg.Wait()
	spawnTime := time.Since(start)
	close(pids)
	// The marker: its exit comes after every child's, since each child
	// was reaped before it started.
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
			t.Fatalf("the marker's exit never arrived (%d overruns): %v", overruns.Load(), <-done)
		}
		time.Sleep(time.Millisecond)
	}
	drain := time.Since(start) - spawnTime
	stop()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Fatalf("stream ended with %v", err)
	}

	var spawned, noFork, noExit int
	for p := range pids {
		spawned++
		if _, ok := forks.Load(p); !ok {
			noFork++
		}
		if _, ok := exits.Load(p); !ok {
			noExit++
		}
	}
	st := l.Stats()
	span := time.Duration(last.Load() - first.Load())
	report := fmt.Sprintf("%d spawns of /bin/true by %d spawners in %v (%.0f/s), subscribed to %v (kernel filter %v), SO_RCVBUF %d: "+
		"%d events received (%.0f/s over the %v between the first and last event's timestamps), consumer done %v after the last spawn; "+
		"missing: %d forks, %d exits of the %d children; %d overruns; sequence gaps (lost, counted only without the kernel filter): %d (counted %v)",
		spawned, workers, spawnTime.Round(time.Millisecond), float64(spawned)/spawnTime.Seconds(), events, st.KernelFilter, rcvbuf,
		received.Load(), float64(received.Load())/span.Seconds(), span.Round(time.Millisecond), drain.Round(time.Millisecond),
		noFork, noExit, spawned, overruns.Load(), st.Lost, st.LostCounted)
	t.Log(report)
	if noFork != 0 || noExit != 0 || overruns.Load() != 0 {
		t.Errorf("events lost with the default receive buffer: %s", report)
	}
}
