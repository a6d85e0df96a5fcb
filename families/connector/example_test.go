package connector_test

import (
	"context"
	"errors"
	"fmt"
	"log"

	"github.com/nlstruct/nlstruct/families/connector"
	"github.com/nlstruct/nlstruct/marshal"
)

// Watch process starts and exits. As root (or, on newer kernels, as any
// user in the initial namespaces).
func Example() {
	ctx := context.Background()
	l, err := connector.ListenProc(ctx, connector.WhatExec|connector.WhatExit, nil)
	if err != nil {
		log.Fatal(err) // wraps connector.ErrPermission when refused
	}
	defer l.Close()
	for ev, err := range l.Events(ctx) {
		var overrun *connector.OverrunError
		switch {
		case errors.As(err, &overrun):
			log.Print(err) // events were lost; the stream goes on
			continue
		case err != nil:
			log.Fatal(err)
		}
		switch d := ev.Data.(type) {
		case *connector.ExecEvent:
			fmt.Println("exec", d.PID)
		case *connector.ExitEvent:
			fmt.Println("exit", d.PID, d.Status().ExitStatus())
		}
	}
}

// Decode proc connector messages into one reused event: nothing is
// allocated once each type has been seen.
func ExampleProcDecoder() {
	var stream [][]byte
	for _, ev := range []*connector.ProcEvent{
		{Event: connector.EventHeader{What: connector.WhatFork}, Data: &connector.ForkEvent{ParentPID: 1, ParentTGID: 1, ChildPID: 42, ChildTGID: 42}},
		{Event: connector.EventHeader{What: connector.WhatExit}, Data: &connector.ExitEvent{PID: 42, TGID: 42, Code: 3 << 8, Signal: 17, ParentPID: 1, ParentTGID: 1}},
	} {
		ev.Msg = connector.Header{ID: connector.ProcID, Len: connector.ProcEventLen}
		b, err := marshal.Marshal(ev) // what the kernel sends, byte for byte
		if err != nil {
			log.Fatal(err)
		}
		stream = append(stream, b)
	}
	var d connector.ProcDecoder
	for _, b := range stream {
		ev, err := d.Decode(b)
		if err != nil {
			log.Fatal(err)
		}
		fmt.Println(ev)
	}
	// Output:
	// fork parent=1/1 child=42/42
	// exit pid=42/42 code=3 signal=17 parent=1/1
}

// Send to any connector user and read what comes back on its group.
func ExampleConn() {
	c, err := connector.Dial(nil)
	if err != nil {
		log.Fatal(err)
	}
	defer c.Close()
	if err := c.Join(connector.IdxProc); err != nil {
		log.Fatal(err)
	}
	// PROC_CN_MCAST_LISTEN, as a raw connector message.
	if err := c.SendValue(connector.Header{ID: connector.ProcID, Ack: 7}, &connector.ProcOp{Op: connector.ProcListen}); err != nil {
		log.Fatal(err)
	}
	for m, err := range c.Messages(context.Background()) {
		if err != nil {
			log.Fatal(err)
		}
		fmt.Printf("%d:%d seq %d ack %d, %d bytes\n", m.Header.ID.Idx, m.Header.ID.Val, m.Header.Seq, m.Header.Ack, len(m.Data))
		break
	}
}
