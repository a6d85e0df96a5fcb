package connector

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"time"

	"github.com/nlstruct/nlstruct/socket"
)

// DefaultAckTimeout is how long Subscribe waits for the kernel's
// acknowledgement of a subscription request when ProcListener.AckTimeout
// is 0. The kernel answers within the sending system call, so the wait
// matters only where no answer comes: on kernels before 6.6, for the
// filtering form of the request.
const DefaultAckTimeout = time.Second

// ErrNoAck reports that the proc connector did not acknowledge a
// subscription request. The kernel answers only processes in the initial
// user and PID namespaces, and only when built with CONFIG_PROC_EVENTS.
var ErrNoAck = errors.New("connector: the proc connector did not acknowledge the subscription (is this process in the initial user and PID namespaces, and the kernel built with CONFIG_PROC_EVENTS?)")

// ProcListener receives proc events: fork, exec, uid, gid, sid, ptrace,
// comm, coredump and exit events of every process of the system.
//
// Subscribe asks the kernel for the event types wanted. Kernels from 6.6
// on filter by type themselves; older kernels send every type, and the
// listener drops the others itself, applying the kernel's rule (What's
// Matches), so the stream is the same either way.
type ProcListener struct {
	conn *Conn
	// AckTimeout bounds the wait for each acknowledgement in Subscribe
	// (0: DefaultAckTimeout).
	AckTimeout time.Duration

	mu           sync.Mutex
	events       What // the filter asked for, normalised
	kernelFilter bool // the kernel filters by type (proc_input)
	supported    bool // the kernel took proc_input
	listening    bool
	cookie       uint32

	dec    ProcDecoder
	seqs   []seqState // per CPU, to count lost events
	stats  procCounters
	gapsOK atomic.Bool // every event reaches the socket: seq gaps are losses
}

type seqState struct {
	seen bool
	next uint32
}

type procCounters struct {
	events, filtered, other, malformed, lost atomic.Uint64
}

// ProcStats counts what a ProcListener received.
type ProcStats struct {
	Events    uint64 // events delivered by Events
	Filtered  uint64 // events the listener's own filter dropped
	Other     uint64 // messages of other connector users, and netlink control messages
	Malformed uint64 // messages that failed to decode
	Overruns  uint64 // receive buffer overruns reported
	// Lost counts the events known to be lost: gaps in the kernel's
	// per-CPU sequence numbers. It is counted only while the socket
	// receives every event type (LostCounted), since the kernel's
	// filter makes gaps of its own.
	Lost        uint64
	LostCounted bool
	// KernelFilter reports whether the kernel filters events by type
	// (kernels from 6.6 on), rather than the listener.
	KernelFilter bool
}

// NewProcListener makes a listener on c, not yet subscribed.
func NewProcListener(c *Conn) *ProcListener {
	return &ProcListener{conn: c, cookie: rand.Uint32()}
}

// ListenProc opens a NETLINK_CONNECTOR socket configured by cfg (which may
// be nil; set ReadBuffer for bursts), and subscribes it to the event types
// in events (0 or WhatAll: every type). It needs root (CAP_NET_ADMIN) on
// kernels before the proc connector's rework (newer ones, with the
// event-type filter, let any user listen); a refusal wraps ErrPermission.
func ListenProc(ctx context.Context, events What, cfg *socket.Config) (*ProcListener, error) {
	c, err := Dial(cfg)
	if err != nil {
		return nil, err
	}
	l := NewProcListener(c)
	if err := l.Subscribe(ctx, events); err != nil {
		c.Close()
		return nil, err
	}
	return l, nil
}

// Conn returns the listener's connector socket.
func (l *ProcListener) Conn() *Conn { return l.conn }

// Close unsubscribes (best effort) and closes the socket. An Events loop
// blocked on it ends with socket.ErrClosed.
func (l *ProcListener) Close() error {
	l.mu.Lock()
	listening := l.listening
	l.mu.Unlock()
	if listening {
		l.sendOp(ProcOp{Op: ProcIgnore})
	}
	return l.conn.Close()
}

// KernelFilter reports whether the kernel filters events by type for this
// listener (kernels from 6.6 on), after Subscribe.
func (l *ProcListener) KernelFilter() bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.kernelFilter
}

// FilterSupported reports whether the kernel took the filtering form of
// the subscription (struct proc_input, kernels from 6.6 on), after
// Subscribe. KernelFilter is false with it when every type is wanted.
func (l *ProcListener) FilterSupported() bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.supported
}

// Filter returns the event types the listener delivers.
func (l *ProcListener) Filter() What {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.events
}

// Stats returns the listener's counters.
func (l *ProcListener) Stats() ProcStats {
	l.mu.Lock()
	kf := l.kernelFilter
	l.mu.Unlock()
	return ProcStats{
		Events:       l.stats.events.Load(),
		Filtered:     l.stats.filtered.Load(),
		Other:        l.stats.other.Load(),
		Malformed:    l.stats.malformed.Load(),
		Overruns:     l.conn.overruns.Load(),
		Lost:         l.stats.lost.Load(),
		LostCounted:  l.gapsOK.Load(),
		KernelFilter: kf,
	}
}

// Subscribe joins the proc connector's group and asks the kernel for the
// event types in events (0 or WhatAll: all of them); called again, it
// changes the filter. It sends PROC_CN_MCAST_LISTEN as a struct
// proc_input with every type first: kernels from 6.6 on acknowledge it,
// and then get the filter wanted (the kernel acknowledges nothing for a
// filtering subscription: its filter drops acknowledgements). Older
// kernels ignore that form, and after AckTimeout the listener falls back
// to the 4-byte form, which they acknowledge, and filters by itself.
// Events received meanwhile are kept for Events.
func (l *ProcListener) Subscribe(ctx context.Context, events What) error {
	if err := l.conn.Join(IdxProc); err != nil {
		return err
	}
	events = events.normal()
	l.mu.Lock()
	oldKernel := l.listening && !l.supported
	l.mu.Unlock()
	if oldKernel {
		// Already listening on a kernel without the filter: another
		// PROC_CN_MCAST_LISTEN would count this socket twice (such
		// kernels count every request); only the local filter changes.
		l.mu.Lock()
		l.events = events
		l.mu.Unlock()
		return nil
	}
	supported, err := l.control(ctx, ProcInput{Op: ProcListen, Events: WhatAll})
	if err != nil {
		return err
	}
	if supported {
		if events != WhatAll {
			if err := l.sendOp(ProcInput{Op: ProcListen, Events: events}); err != nil {
				return err
			}
		}
	} else {
		acked, err := l.control(ctx, ProcOp{Op: ProcListen})
		if err != nil {
			return err
		}
		if !acked {
			return ErrNoAck
		}
	}
	kernelFilter := supported && events != WhatAll
	l.mu.Lock()
	l.events, l.kernelFilter, l.supported, l.listening = events, kernelFilter, supported, true
	clear(l.seqs)
	l.mu.Unlock()
	l.gapsOK.Store(!kernelFilter)
	return nil
}

// Unsubscribe sends PROC_CN_MCAST_IGNORE and leaves the group: no events
// are received after those already queued.
func (l *ProcListener) Unsubscribe() error {
	if err := l.sendOp(ProcOp{Op: ProcIgnore}); err != nil {
		return err
	}
	l.mu.Lock()
	l.listening = false
	l.mu.Unlock()
	l.gapsOK.Store(false)
	return l.conn.Leave(IdxProc)
}

func (l *ProcListener) nextCookie() uint32 {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.cookie += 2
	return l.cookie
}

func (l *ProcListener) sendOp(body any) error {
	c := l.nextCookie()
	return l.conn.SendValue(Header{ID: ProcID, Seq: c, Ack: c}, body)
}

// control sends a subscription request and waits for its acknowledgement
// (an AckEvent whose cn_msg.ack is the request's plus 1). It reports
// false when none came within AckTimeout, and the acknowledged error if
// the kernel refused. Other messages read meanwhile are kept for Events.
func (l *ProcListener) control(ctx context.Context, body any) (bool, error) {
	cookie := l.nextCookie()
	if err := l.conn.SendValue(Header{ID: ProcID, Seq: cookie, Ack: cookie}, body); err != nil {
		return false, err
	}
	timeout := l.AckTimeout
	if timeout <= 0 {
		timeout = DefaultAckTimeout
	}
	wctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	var dec ProcDecoder
	for {
		msgs, err := l.conn.sock.Receive(wctx)
		switch {
		case errors.Is(err, socket.ErrOverrun):
			// The acknowledgement may be among the lost messages; the
			// stream reports the overrun.
			l.conn.stashOverrunNow()
			continue
		case err != nil && ctx.Err() == nil && errors.Is(err, context.DeadlineExceeded):
			return false, nil
		case err != nil:
			return false, err
		}
		for i, m := range msgs {
			if isConnectorType(m.Header.Type) {
				if ev, err := dec.Decode(m.Data); err == nil && ev.Msg.ID == ProcID && ev.Msg.Ack == cookie+1 {
					if ack, ok := ev.Data.(*AckEvent); ok {
						l.track(ev)
						for _, rest := range msgs[i+1:] {
							l.conn.stashMessage(rest)
						}
						if err := ack.Errno(); err != nil {
							return false, permission(fmt.Errorf("connector: the proc connector refused the subscription: %w", err))
						}
						return true, nil
					}
				}
			}
			l.conn.stashMessage(m)
		}
	}
}

const maxTrackedCPUs = 1 << 14

// track follows the kernel's per-CPU sequence numbers: the proc connector
// numbers every message it sends from a CPU, so while the socket gets
// every type, a gap is a lost event. It returns the filter to apply.
func (l *ProcListener) track(ev *ProcEvent) What {
	l.mu.Lock()
	defer l.mu.Unlock()
	cpu := ev.Event.CPU
	if cpu >= maxTrackedCPUs {
		return l.events
	}
	if int(cpu) >= len(l.seqs) {
		l.seqs = append(l.seqs, make([]seqState, int(cpu)+1-len(l.seqs))...)
	}
	s := &l.seqs[cpu]
	if s.seen && l.gapsOK.Load() {
		if gap := ev.Msg.Seq - s.next; gap != 0 && gap < 1<<30 {
			l.stats.lost.Add(uint64(gap))
		}
	}
	s.seen, s.next = true, ev.Msg.Seq+1
	return l.events
}

// Events streams the events that pass the listener's filter. The event
// yielded, and its Data, are reused for the next one: Clone what you keep
// past an iteration. Decoding allocates nothing once each type was seen.
//
// An *OverrunError (the socket's receive buffer overflowed, so events
// were lost: consider a larger Config.ReadBuffer) and a message that
// fails to decode are reported as errors and the stream goes on; any
// other error (ctx's, or socket.ErrClosed after Close) ends it. Breaking
// out of the loop keeps the undelivered events for the next call. Only
// one goroutine may iterate at a time.
func (l *ProcListener) Events(ctx context.Context) iter.Seq2[*ProcEvent, error] {
	return func(yield func(*ProcEvent, error) bool) {
		for {
			msgs, err := l.conn.Receive(ctx)
			if err != nil {
				var oe *OverrunError
				if errors.As(err, &oe) {
					// The events lost show as gaps in the sequence
					// numbers of the next ones (Stats().Lost).
					if !yield(nil, err) {
						return
					}
					continue
				}
				yield(nil, err)
				return
			}
			for i, m := range msgs {
				ev, err := l.decode(m)
				if ev == nil && err == nil {
					continue
				}
				if !yield(ev, err) {
					l.conn.unread(msgs[i+1:])
					return
				}
			}
		}
	}
}

// decode decodes one message; it returns nil, nil for a message to skip.
func (l *ProcListener) decode(m socket.Message) (*ProcEvent, error) {
	if !isConnectorType(m.Header.Type) {
		l.stats.other.Add(1)
		return nil, nil
	}
	ev, err := l.dec.Decode(m.Data)
	if err != nil {
		l.stats.malformed.Add(1)
		return nil, fmt.Errorf("connector: proc event: %w", err)
	}
	if ev.Msg.ID != ProcID {
		l.stats.other.Add(1)
		return nil, nil
	}
	f := l.track(ev)
	var code uint32
	if x, ok := ev.Data.(*ExitEvent); ok {
		code = x.Code
	}
	if !f.Matches(ev.Event.What, code) {
		l.stats.filtered.Add(1)
		return nil, nil
	}
	l.stats.events.Add(1)
	return ev, nil
}
