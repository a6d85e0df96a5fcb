// Package connector speaks the kernel connector (NETLINK_CONNECTOR,
// <linux/connector.h>) over package socket, and its best-known user, the
// proc connector (<linux/cn_proc.h>): a stream of the system's process
// events — fork, exec, uid, gid, sid, ptrace, comm, coredump and exit.
//
// # Messages
//
// Every connector message is a struct cn_msg (Header: the user's ID
// {Idx, Val}, seq, ack, the data's length, flags) and its data. Conn sends
// to any user (Send, SendValue), joins a user's multicast group — the
// group number is the user's Idx — (Join, Leave), and receives (Receive,
// Messages). Joining a group needs CAP_NET_ADMIN (root), except the proc
// connector's on newer kernels, which let any user listen to process
// events; errors from a missing capability wrap ErrPermission.
//
// Every layout is a tagged Go struct decoded by package marshal: a proc
// event is ProcEvent, two headers (cn_msg, and proc_event's what, cpu and
// timestamp_ns) and a body that what selects, registered with
// marshal.RegisterVariant:
//
//	what            Data
//	WhatNone        *AckEvent       the acknowledgement of a subscription
//	WhatFork        *ForkEvent      parent and child, pid and tgid
//	WhatExec        *ExecEvent
//	WhatUID         *UIDEvent       new real and effective uid
//	WhatGID         *GIDEvent       new real and effective gid
//	WhatSID         *SIDEvent
//	WhatPtrace      *PtraceEvent    tracer (0 on detach)
//	WhatComm        *CommEvent      the new name
//	WhatCoredump    *CoredumpEvent  and its parent
//	WhatExit        *ExitEvent      wait status, signal to the parent, parent
//
// # Proc events
//
// ListenProc opens a socket and subscribes it (PROC_CN_MCAST_LISTEN) to
// some event types; Events streams them. Kernels from 6.6 on filter by
// type (struct proc_input); on older ones the subscription falls back to
// the 4-byte request and the listener filters by itself, with the same
// rule (What.Matches), so the stream is the same. Close unsubscribes
// (PROC_CN_MCAST_IGNORE).
//
// Events reuses one event value, and one value of each body type,
// decoding over them (ProcDecoder, a marshal.Decoder with
// ReuseVariants): a running stream allocates nothing to decode, and an
// event decodes in about the time of a decoder written by hand for it
// (bench/README.md). Clone an event to keep it.
//
// When events come faster than they are read, the socket's receive buffer
// fills and the kernel drops events (ENOBUFS). The stream then yields an
// *OverrunError (errors.Is(err, socket.ErrOverrun)) and goes on with the
// events that follow. Stats counts what was received, filtered and, from
// gaps in the kernel's per-CPU sequence numbers, how many events were lost
// (counted while the socket receives every type). A larger
// socket.Config.ReadBuffer absorbs longer bursts.
//
// The kernel reports events for the whole system, with pids of the
// initial PID namespace, and answers only subscribers in the initial user
// and PID namespaces.
//
//	l, err := connector.ListenProc(ctx, connector.WhatExec|connector.WhatExit, nil)
//	if err != nil {
//		return err // wraps connector.ErrPermission when not root
//	}
//	defer l.Close()
//	for ev, err := range l.Events(ctx) {
//		var overrun *connector.OverrunError
//		switch {
//		case errors.As(err, &overrun):
//			log.Print(err) // events were lost; the stream goes on
//			continue
//		case err != nil:
//			return err // ctx ended, or l was closed
//		}
//		switch d := ev.Data.(type) {
//		case *connector.ExecEvent:
//			fmt.Println("exec", d.PID)
//		case *connector.ExitEvent:
//			fmt.Println("exit", d.PID, d.Status().ExitStatus())
//		}
//	}
//
// The command examples/procwatch is a complete process monitor built on
// this package.
package connector
