package socket

import (
	"errors"
	"fmt"
	"os"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

// transport moves datagrams between a Conn and the kernel: a real netlink
// socket, or sockettest's fake kernel (hence the exported method names).
type transport interface {
	// Send writes one datagram.
	Send(b []byte) error
	// Recv reads one datagram into b (or, with peek, looks at it and
	// leaves it queued). n is the datagram's full length, which exceeds
	// len(b) when it did not fit. from is the sender's port id and group
	// the multicast group it was sent to (0 for unicast).
	Recv(b []byte, peek bool) (n int, from, group uint32, err error)
	// SetReadDeadline makes a blocked or later Recv fail with
	// os.ErrDeadlineExceeded at t (zero t: no deadline).
	SetReadDeadline(t time.Time) error
	PortID() uint32
	Close() error
}

// fdTransport is a real AF_NETLINK socket, non-blocking and registered
// with Go's network poller, so that deadlines and Close wake a blocked
// receive.
type fdTransport struct {
	f   *os.File
	rc  syscall.RawConn
	fd  int
	pid uint32

	// State of the one receive in progress (receives are serialised by
	// the Conn), kept here so that the poller callback is allocated once.
	rbuf    []byte
	rflags  int
	rn      int
	rfrom   unix.RawSockaddrNetlink
	rgroup  uint32
	rerr    error
	readFn  func(fd uintptr) bool
	writeFn func(fd uintptr) bool
	wbuf    []byte
	werr    error
}

func newFDTransport(fd int) (*fdTransport, error) {
	sa, err := unix.Getsockname(fd)
	if err != nil {
		return nil, err
	}
	nl, ok := sa.(*unix.SockaddrNetlink)
	if !ok {
		return nil, fmt.Errorf("netlink: getsockname returned %T", sa)
	}
	f := os.NewFile(uintptr(fd), "netlink")
	rc, err := f.SyscallConn()
	if err != nil {
		f.Close()
		return nil, err
	}
	t := &fdTransport{f: f, rc: rc, fd: fd, pid: nl.Pid}
	t.readFn = t.doRead
	t.writeFn = t.doWrite
	return t, nil
}

func (t *fdTransport) doRead(fd uintptr) bool {
	t.rn, t.rfrom, t.rgroup, t.rerr = recvmsg(int(fd), t.rbuf, t.rflags|unix.MSG_DONTWAIT)
	return t.rerr != unix.EAGAIN && t.rerr != unix.EINTR
}

func (t *fdTransport) doWrite(fd uintptr) bool {
	_, t.werr = unix.Write(int(fd), t.wbuf)
	return t.werr != unix.EAGAIN && t.werr != unix.EINTR
}

func (t *fdTransport) Recv(b []byte, peek bool) (int, uint32, uint32, error) {
	t.rbuf, t.rflags = b, unix.MSG_TRUNC
	if peek {
		t.rflags |= unix.MSG_PEEK
	}
	if err := t.rc.Read(t.readFn); err != nil {
		return 0, 0, 0, err
	}
	t.rbuf = nil
	if t.rerr != nil {
		return 0, 0, 0, os.NewSyscallError("recvmsg", t.rerr)
	}
	return t.rn, t.rfrom.Pid, t.rgroup, nil
}

// send is called with the Conn's send lock held.
func (t *fdTransport) Send(b []byte) error {
	t.wbuf = b
	err := t.rc.Write(t.writeFn)
	t.wbuf = nil
	if err != nil {
		return err
	}
	if t.werr != nil {
		return os.NewSyscallError("write", t.werr)
	}
	return nil
}

func (t *fdTransport) SetReadDeadline(d time.Time) error { return t.f.SetReadDeadline(d) }
func (t *fdTransport) PortID() uint32                    { return t.pid }
func (t *fdTransport) Close() error                      { return t.f.Close() }

// isTimeout reports whether err is a deadline expiry.
func isTimeout(err error) bool { return errors.Is(err, os.ErrDeadlineExceeded) }
