package connector

// Tests against sockettest's fake kernel, playing the proc connector of a
// kernel with the event-type filter (6.6 and later) or without it, so
// that the subscription's fallback, the stream's filtering, overruns and
// errors are covered without root.

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"golang.org/x/sys/unix"

	"github.com/nlstruct/nlstruct/marshal"
	"github.com/nlstruct/nlstruct/socket"
	"github.com/nlstruct/nlstruct/socket/sockettest"
)

// fakeProc is a proc connector behind a sockettest Kernel.
type fakeProc struct {
	modern bool   // takes struct proc_input (kernels from 6.6 on)
	silent bool   // acknowledges nothing (a process outside the init namespaces)
	ackErr uint32 // the error acknowledged

	mu       sync.Mutex
	k        *sockettest.Kernel
	requests []any // ProcInput or ProcOp, in order
	filter   What  // the kernel's filter for the socket (0: not subscribed)
	ignoring bool
	seq      uint32
	groups   map[uint32]bool
	// before is multicast ahead of the next acknowledgement.
	before []*ProcEvent
}

func newFakeProc(t *testing.T, fp *fakeProc) (*ProcListener, *fakeProc) {
	t.Helper()
	fp.groups = map[uint32]bool{}
	s, k := sockettest.Dial(fp.handle, nil)
	fp.k = k
	c := NewConn(s)
	c.setGroup = func(g uint32, join bool) error {
		fp.mu.Lock()
		defer fp.mu.Unlock()
		fp.groups[g] = join
		return nil
	}
	t.Cleanup(func() { c.Close() })
	l := NewProcListener(c)
	l.AckTimeout = 50 * time.Millisecond
	return l, fp
}

func (fp *fakeProc) handle(k *sockettest.Kernel, req socket.Message) {
	m, err := ParseMessage(req.Data)
	if err != nil || m.Header.ID != ProcID {
		return
	}
	fp.mu.Lock()
	defer fp.mu.Unlock()
	var op McastOp
	switch len(m.Data) {
	case 8:
		var in ProcInput
		if err := marshal.Unmarshal(m.Data, &in); err != nil {
			panic(err)
		}
		fp.requests = append(fp.requests, in)
		if !fp.modern {
			return // older kernels drop what is not 4 bytes, silently
		}
		op, fp.filter = in.Op, in.Events.normal()
	case 4:
		var o ProcOp
		if err := marshal.Unmarshal(m.Data, &o); err != nil {
			panic(err)
		}
		fp.requests = append(fp.requests, o)
		op, fp.filter = o.Op, WhatAll
	default:
		return
	}
	fp.ignoring = op == ProcIgnore
	for _, ev := range fp.before {
		fp.sendLocked(ev)
	}
	fp.before = nil
	if fp.silent {
		return
	}
	fp.sendLocked(&ProcEvent{Msg: Header{Ack: m.Header.Ack + 1}, Event: EventHeader{What: WhatNone}, Data: &AckEvent{Err: fp.ackErr}})
}

// send multicasts an event, if the socket is subscribed to it, numbered
// with the next sequence number of CPU 0, as the kernel does.
func (fp *fakeProc) send(ev *ProcEvent) {
	fp.mu.Lock()
	defer fp.mu.Unlock()
	fp.sendLocked(ev)
}

func (fp *fakeProc) sendLocked(ev *ProcEvent) {
	ev.Msg.ID, ev.Msg.Seq, ev.Msg.Len = ProcID, fp.seq, ProcEventLen
	fp.seq++
	if fp.ignoring || !fp.groups[IdxProc] {
		return
	}
	var code uint32
	if x, ok := ev.Data.(*ExitEvent); ok {
		code = x.Code
	}
	if fp.filter != 0 && !fp.filter.Matches(ev.Event.What, code) {
		return
	}
	fp.k.Multicast(IdxProc, socket.Message{Header: socket.Header{Type: socket.TypeDone}, Data: mustMarshal(ev)})
}

// skip consumes n sequence numbers, as events lost to an overrun do.
func (fp *fakeProc) skip(n uint32) {
	fp.mu.Lock()
	fp.seq += n
	fp.mu.Unlock()
}

func (fp *fakeProc) sent() []any {
	fp.mu.Lock()
	defer fp.mu.Unlock()
	return append([]any(nil), fp.requests...)
}

func mustMarshal(v any) []byte {
	b, err := marshal.Marshal(v)
	if err != nil {
		panic(err)
	}
	return b
}

func forkEv(child int32) *ProcEvent {
	return &ProcEvent{Event: EventHeader{What: WhatFork, CPU: 0, Timestamp: 1}, Data: &ForkEvent{ParentPID: 1, ParentTGID: 1, ChildPID: child, ChildTGID: child}}
}

func execEv(pid int32) *ProcEvent {
	return &ProcEvent{Event: EventHeader{What: WhatExec, Timestamp: 2}, Data: &ExecEvent{PID: pid, TGID: pid}}
}

func exitEv(pid int32, status uint32) *ProcEvent {
	return &ProcEvent{Event: EventHeader{What: WhatExit, Timestamp: 3}, Data: &ExitEvent{PID: pid, TGID: pid, Code: status, Signal: int32(unix.SIGCHLD), ParentPID: 1, ParentTGID: 1}}
}

// collect reads n events (or errors) from l, as strings.
func collect(t *testing.T, l *ProcListener, n int) []string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	var out []string
	for ev, err := range l.Events(ctx) {
		if err != nil {
			var oe *OverrunError
			if !errors.As(err, &oe) {
				t.Fatalf("after %q: %v", out, err)
			}
			out = append(out, "overrun")
		} else {
			out = append(out, ev.String())
		}
		if len(out) == n {
			break
		}
	}
	return out
}

func TestFakeSubscribeModernKernel(t *testing.T) {
	l, fp := newFakeProc(t, &fakeProc{modern: true})
	if err := l.Subscribe(context.Background(), WhatFork|WhatExit); err != nil {
		t.Fatal(err)
	}
	want := []any{ProcInput{Op: ProcListen, Events: WhatAll}, ProcInput{Op: ProcListen, Events: WhatFork | WhatExit}}
	if diff := cmp.Diff(want, fp.sent()); diff != "" {
		t.Errorf("requests (-want +got):\n%s", diff)
	}
	if !l.KernelFilter() {
		t.Error("KernelFilter() = false on a kernel that takes proc_input")
	}
	fp.send(forkEv(10))
	fp.send(execEv(10)) // the kernel filters it out
	fp.send(exitEv(10, 0))
	got := collect(t, l, 2)
	if diff := cmp.Diff([]string{"fork parent=1/1 child=10/10", "exit pid=10/10 code=0 signal=17 parent=1/1"}, got); diff != "" {
		t.Errorf("events (-want +got):\n%s", diff)
	}
	if st := l.Stats(); st.LostCounted || !st.KernelFilter || st.Events != 2 {
		t.Errorf("Stats() = %+v", st)
	}
	// A new filter: the probe again, then the filter.
	if err := l.Subscribe(context.Background(), WhatExec); err != nil {
		t.Fatal(err)
	}
	want = append(want, ProcInput{Op: ProcListen, Events: WhatAll}, ProcInput{Op: ProcListen, Events: WhatExec})
	if diff := cmp.Diff(want, fp.sent()); diff != "" {
		t.Errorf("requests after a new filter (-want +got):\n%s", diff)
	}
	fp.send(forkEv(11))
	fp.send(execEv(11))
	if diff := cmp.Diff([]string{"exec pid=11/11"}, collect(t, l, 1)); diff != "" {
		t.Errorf("events after a new filter (-want +got):\n%s", diff)
	}
}

func TestFakeSubscribeOldKernelFallsBack(t *testing.T) {
	l, fp := newFakeProc(t, &fakeProc{modern: false})
	if err := l.Subscribe(context.Background(), WhatExec|WhatNonzeroExit); err != nil {
		t.Fatal(err)
	}
	want := []any{ProcInput{Op: ProcListen, Events: WhatAll}, ProcOp{Op: ProcListen}}
	if diff := cmp.Diff(want, fp.sent()); diff != "" {
		t.Errorf("requests (-want +got):\n%s", diff)
	}
	if l.KernelFilter() {
		t.Error("KernelFilter() = true on a kernel without proc_input")
	}
	// The kernel sends everything; the listener keeps exec and the
	// non-zero exits, as the kernel's filter would.
	fp.send(forkEv(10))
	fp.send(execEv(10))
	fp.send(exitEv(10, 0))
	fp.send(exitEv(11, 3<<8))
	got := collect(t, l, 2)
	if diff := cmp.Diff([]string{"exec pid=10/10", "exit pid=11/11 code=3 signal=17 parent=1/1"}, got); diff != "" {
		t.Errorf("events (-want +got):\n%s", diff)
	}
	st := l.Stats()
	if st.Filtered != 2 || st.Events != 2 || !st.LostCounted || st.Lost != 0 {
		t.Errorf("Stats() = %+v, want 2 filtered, 2 delivered, losses counted and none", st)
	}
	// Changing the filter sends nothing: such kernels count every
	// PROC_CN_MCAST_LISTEN, so a second one would count the socket twice.
	if err := l.Subscribe(context.Background(), WhatFork); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(want, fp.sent()); diff != "" {
		t.Errorf("requests after a new filter (-want +got):\n%s", diff)
	}
	fp.send(execEv(12))
	fp.send(forkEv(12))
	if diff := cmp.Diff([]string{"fork parent=1/1 child=12/12"}, collect(t, l, 1)); diff != "" {
		t.Errorf("events after a new filter (-want +got):\n%s", diff)
	}
}

func TestFakeNoAcknowledgement(t *testing.T) {
	l, _ := newFakeProc(t, &fakeProc{modern: true, silent: true})
	start := time.Now()
	err := l.Subscribe(context.Background(), 0)
	if !errors.Is(err, ErrNoAck) {
		t.Fatalf("Subscribe = %v, want ErrNoAck", err)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("Subscribe took %v with a 50ms AckTimeout", d)
	}
}

func TestFakeAcknowledgedError(t *testing.T) {
	l, _ := newFakeProc(t, &fakeProc{modern: true, ackErr: uint32(unix.EPERM)})
	err := l.Subscribe(context.Background(), 0)
	if !errors.Is(err, unix.EPERM) || !errors.Is(err, ErrPermission) {
		t.Fatalf("Subscribe = %v, want EPERM wrapped in ErrPermission", err)
	}
}

func TestFakeSubscribeContextEnds(t *testing.T) {
	l, _ := newFakeProc(t, &fakeProc{silent: true})
	l.AckTimeout = time.Minute
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	if err := l.Subscribe(ctx, 0); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Subscribe = %v, want the context's error", err)
	}
}

func TestFakeOverrunReportedAndStreamGoesOn(t *testing.T) {
	l, fp := newFakeProc(t, &fakeProc{modern: true})
	if err := l.Subscribe(context.Background(), 0); err != nil {
		t.Fatal(err)
	}
	fp.send(forkEv(10))
	fp.send(execEv(10))
	got := collect(t, l, 2)
	// The fake kernel fails the next receive, before what is queued.
	fp.k.Overrun()
	fp.skip(7) // seven events the kernel dropped
	fp.send(exitEv(10, 0))
	fp.send(forkEv(11))
	got = append(got, collect(t, l, 3)...)
	want := []string{"fork parent=1/1 child=10/10", "exec pid=10/10", "overrun", "exit pid=10/10 code=0 signal=17 parent=1/1", "fork parent=1/1 child=11/11"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("stream (-want +got):\n%s", diff)
	}
	st := l.Stats()
	if st.Overruns != 1 || st.Lost != 7 || !st.LostCounted {
		t.Errorf("Stats() = %+v, want 1 overrun and 7 lost", st)
	}
}

func TestFakeOverrunErrorType(t *testing.T) {
	l, fp := newFakeProc(t, &fakeProc{modern: true})
	if err := l.Subscribe(context.Background(), 0); err != nil {
		t.Fatal(err)
	}
	fp.k.Overrun()
	for _, err := range l.Events(context.Background()) {
		var oe *OverrunError
		if !errors.As(err, &oe) || oe.Overruns != 1 {
			t.Fatalf("got %v, want an *OverrunError counting 1", err)
		}
		if !errors.Is(err, socket.ErrOverrun) || !errors.Is(err, unix.ENOBUFS) {
			t.Errorf("%v does not wrap socket.ErrOverrun and ENOBUFS", err)
		}
		break
	}
}

func TestFakeEventsBeforeTheAckAreKept(t *testing.T) {
	l, fp := newFakeProc(t, &fakeProc{modern: true})
	fp.groups = map[uint32]bool{IdxProc: true}
	fp.filter = WhatAll
	fp.before = []*ProcEvent{forkEv(20), execEv(20)}
	if err := l.Subscribe(context.Background(), 0); err != nil {
		t.Fatal(err)
	}
	fp.send(exitEv(20, 0))
	got := collect(t, l, 3)
	want := []string{"fork parent=1/1 child=20/20", "exec pid=20/20", "exit pid=20/20 code=0 signal=17 parent=1/1"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("stream (-want +got):\n%s", diff)
	}
}

func TestFakeBreakKeepsTheRestOfABatch(t *testing.T) {
	l, fp := newFakeProc(t, &fakeProc{modern: true})
	if err := l.Subscribe(context.Background(), 0); err != nil {
		t.Fatal(err)
	}
	// One datagram holding three events.
	var msgs []socket.Message
	for i, ev := range []*ProcEvent{forkEv(30), execEv(30), exitEv(30, 0)} {
		ev.Msg = Header{ID: ProcID, Seq: 100 + uint32(i), Len: ProcEventLen}
		msgs = append(msgs, socket.Message{Header: socket.Header{Type: socket.TypeDone}, Data: mustMarshal(ev)})
	}
	fp.k.Multicast(IdxProc, msgs...)
	first := collect(t, l, 1)
	rest := collect(t, l, 2)
	if diff := cmp.Diff([]string{"fork parent=1/1 child=30/30", "exec pid=30/30", "exit pid=30/30 code=0 signal=17 parent=1/1"}, append(first, rest...)); diff != "" {
		t.Errorf("stream (-want +got):\n%s", diff)
	}
}

func TestFakeStreamSkipsOthersAndReportsMalformed(t *testing.T) {
	l, fp := newFakeProc(t, &fakeProc{modern: true})
	if err := l.Subscribe(context.Background(), 0); err != nil {
		t.Fatal(err)
	}
	other := &ProcEvent{Msg: Header{ID: ID{Idx: IdxDM, Val: ValDMLog}, Len: ProcEventLen}, Event: EventHeader{What: WhatExec}, Data: &ExecEvent{PID: 1}}
	fp.k.Multicast(IdxProc, socket.Message{Header: socket.Header{Type: socket.TypeDone}, Data: mustMarshal(other)})
	fp.k.Multicast(IdxProc, socket.Message{Header: socket.Header{Type: socket.TypeNoop}})
	short := mustMarshal(execEv(40))[:30]
	fp.k.Multicast(IdxProc, socket.Message{Header: socket.Header{Type: socket.TypeDone}, Data: short})
	fp.send(execEv(41))
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	var got []string
	for ev, err := range l.Events(ctx) {
		if err != nil {
			if !errors.Is(err, marshal.ErrTruncated) {
				t.Fatalf("error %v, want one wrapping marshal.ErrTruncated", err)
			}
			got = append(got, "malformed")
			continue
		}
		got = append(got, ev.String())
		break
	}
	if diff := cmp.Diff([]string{"malformed", "exec pid=41/41"}, got); diff != "" {
		t.Errorf("stream (-want +got):\n%s", diff)
	}
	if st := l.Stats(); st.Other != 2 || st.Malformed != 1 {
		t.Errorf("Stats() = %+v, want 2 other and 1 malformed", st)
	}
}

func TestFakeContextEndsTheStream(t *testing.T) {
	l, _ := newFakeProc(t, &fakeProc{modern: true})
	if err := l.Subscribe(context.Background(), 0); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(20*time.Millisecond, cancel)
	n := 0
	for ev, err := range l.Events(ctx) {
		n++
		if ev != nil || !errors.Is(err, context.Canceled) {
			t.Fatalf("got %v, %v; want the context's error", ev, err)
		}
	}
	if n != 1 {
		t.Errorf("%d results after cancellation, want 1 (the error)", n)
	}
}

func TestFakeCloseUnsubscribesAndEndsTheStream(t *testing.T) {
	l, fp := newFakeProc(t, &fakeProc{modern: true})
	if err := l.Subscribe(context.Background(), 0); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() {
		for _, err := range l.Events(context.Background()) {
			done <- err
			return
		}
	}()
	time.Sleep(20 * time.Millisecond)
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	if err := <-done; !errors.Is(err, socket.ErrClosed) {
		t.Errorf("stream ended with %v, want socket.ErrClosed", err)
	}
	reqs := fp.sent()
	if last := reqs[len(reqs)-1]; last != (ProcOp{Op: ProcIgnore}) {
		t.Errorf("last request %#v, want PROC_CN_MCAST_IGNORE", last)
	}
}

func TestFakeUnsubscribe(t *testing.T) {
	l, fp := newFakeProc(t, &fakeProc{modern: true})
	if err := l.Subscribe(context.Background(), WhatExec); err != nil {
		t.Fatal(err)
	}
	if err := l.Unsubscribe(); err != nil {
		t.Fatal(err)
	}
	reqs := fp.sent()
	if last := reqs[len(reqs)-1]; last != (ProcOp{Op: ProcIgnore}) {
		t.Errorf("last request %#v, want PROC_CN_MCAST_IGNORE", last)
	}
	fp.mu.Lock()
	member := fp.groups[IdxProc]
	fp.mu.Unlock()
	if member {
		t.Error("still in the proc connector's group after Unsubscribe")
	}
}

func TestConnSendAndMessages(t *testing.T) {
	s, k := sockettest.Dial(nil, nil)
	c := NewConn(s)
	defer c.Close()
	if err := c.Send(Header{ID: ID{Idx: IdxW1, Val: ValW1}, Seq: 7, Ack: 9, Flags: 1}, []byte("hello")); err != nil {
		t.Fatal(err)
	}
	reqs := k.Requests()
	if len(reqs) != 1 {
		t.Fatalf("%d requests, want 1", len(reqs))
	}
	if got, want := len(reqs[0].Data), HeaderLen+5; got != want {
		t.Errorf("payload of %d bytes, want %d (cn_msg and the data, unpadded)", got, want)
	}
	m, err := ParseMessage(reqs[0].Data)
	if err != nil {
		t.Fatal(err)
	}
	want := Message{Header: Header{ID: ID{Idx: IdxW1, Val: ValW1}, Seq: 7, Ack: 9, Len: 5, Flags: 1}, Data: []byte("hello")}
	if diff := cmp.Diff(want, m); diff != "" {
		t.Errorf("sent (-want +got):\n%s", diff)
	}
	if err := c.Send(Header{}, make([]byte, MaxMsgSize+1)); err == nil {
		t.Error("Send of more than MaxMsgSize bytes succeeded")
	}

	// Receiving: an empty message, a malformed one (cn_msg.len claims
	// more than follows), an overrun, and a message with data.
	w1 := ID{Idx: IdxW1, Val: ValW1}
	k.Multicast(IdxW1, socket.Message{Header: socket.Header{Type: socket.TypeDone}, Data: mustMarshal(&Header{ID: w1, Seq: 1})})
	k.Multicast(IdxW1, socket.Message{Header: socket.Header{Type: socket.TypeDone}, Data: mustMarshal(&Header{ID: w1, Len: 200})})
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	var got []string
	read := func(n int) {
		for m, err := range c.Messages(ctx) {
			var oe *OverrunError
			switch {
			case errors.Is(err, ErrMalformed):
				got = append(got, "malformed")
			case errors.As(err, &oe):
				got = append(got, "overrun")
			case err != nil:
				t.Fatal(err)
			default:
				got = append(got, string(m.Data)+"#"+string(rune('0'+m.Header.Seq)))
			}
			if n--; n == 0 {
				break
			}
		}
	}
	read(2)
	k.Overrun() // fails the next receive, ahead of what is queued
	k.Multicast(IdxW1, socket.Message{Header: socket.Header{Type: socket.TypeDone}, Data: append(mustMarshal(&Header{ID: w1, Seq: 2, Len: 2}), 'h', 'i')})
	read(2)
	if diff := cmp.Diff([]string{"#1", "malformed", "overrun", "hi#2"}, got); diff != "" {
		t.Errorf("messages (-want +got):\n%s", diff)
	}
}
