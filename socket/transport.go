package socket

import (
	"errors"
	"fmt"
	"os"
	"sync"
	"sync/atomic"
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

// fdTransport is a real AF_NETLINK socket in non-blocking mode. It is
// deliberately not registered with Go's network poller: an fd in the
// runtime's epoll set makes every arriving datagram wake the poller, which
// costs a netlink round trip about a quarter of its time. Instead a
// receive tries the socket first and, only when it is empty, blocks in
// ppoll(2) on the socket and an eventfd, which SetReadDeadline and Close
// write to wake it.
type fdTransport struct {
	fd  int
	efd int // eventfd waking a blocked ppoll
	pid uint32

	deadline atomic.Int64 // unix nanoseconds of the read deadline, 0 for none
	closed   atomic.Bool

	mu       sync.Mutex
	inflight int        // calls using fd or efd
	idle     *sync.Cond // signalled when inflight drops to 0

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
	efd, err := unix.Eventfd(0, unix.EFD_CLOEXEC|unix.EFD_NONBLOCK)
	if err != nil {
		return nil, os.NewSyscallError("eventfd", err)
	}
	t := &fdTransport{fd: fd, efd: efd, pid: nl.Pid}
	t.idle = sync.NewCond(&t.mu)
	return t, nil
}

// enter marks a call using the descriptors; it fails once Close began.
func (t *fdTransport) enter() error {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.closed.Load() {
		return os.ErrClosed
	}
	t.inflight++
	return nil
}

func (t *fdTransport) exit() {
	t.mu.Lock()
	if t.inflight--; t.inflight == 0 {
		t.idle.Broadcast()
	}
	t.mu.Unlock()
}

// wake makes a blocked ppoll return.
func (t *fdTransport) wake() {
	var one = [8]byte{1}
	unix.Write(t.efd, one[:])
}

func (t *fdTransport) Recv(b []byte, peek bool) (int, uint32, uint32, error) {
	if err := t.enter(); err != nil {
		return 0, 0, 0, err
	}
	defer t.exit()
	flags := unix.MSG_TRUNC | unix.MSG_DONTWAIT
	if peek {
		flags |= unix.MSG_PEEK
	}
	for {
		n, from, group, err := recvmsg(t.fd, b, flags)
		if err == nil {
			return n, from.Pid, group, nil
		}
		if err != unix.EAGAIN && err != unix.EINTR {
			return 0, 0, 0, os.NewSyscallError("recvmsg", err)
		}
		if err := t.wait(unix.POLLIN, true); err != nil {
			return 0, 0, 0, err
		}
	}
}

// wait blocks until the socket has the events, Close is called or, for
// the receive in progress (reader), the read deadline passes. Only the
// reader (one at a time: the Conn serialises receives) drains the eventfd
// that SetReadDeadline and Close write to; other waits (a blocked send, a
// SyscallConn callback) poll the socket alone with a short timeout, so
// they never take a wake-up meant for the reader, and notice Close within
// it.
func (t *fdTransport) wait(events int16, reader bool) error {
	for {
		if t.closed.Load() {
			return os.ErrClosed
		}
		var pfd [2]unix.PollFd
		pfd[0] = unix.PollFd{Fd: int32(t.fd), Events: events}
		n := 1
		ts := &unix.Timespec{Nsec: int64(otherWaitPoll)}
		if reader {
			pfd[1] = unix.PollFd{Fd: int32(t.efd), Events: unix.POLLIN}
			n = 2
			ts = nil
			if dl := t.deadline.Load(); dl != 0 {
				left := dl - time.Now().UnixNano()
				if left <= 0 {
					return os.ErrDeadlineExceeded
				}
				tsv := unix.NsecToTimespec(left)
				ts = &tsv
			}
		}
		_, err := unix.Ppoll(pfd[:n], ts, nil)
		if err != nil && err != unix.EINTR {
			return os.NewSyscallError("ppoll", err)
		}
		if reader && pfd[1].Revents != 0 && !t.closed.Load() {
			var buf [8]byte
			unix.Read(t.efd, buf[:])
		}
		if pfd[0].Revents != 0 {
			return nil
		}
	}
}

// otherWaitPoll bounds how long a wait other than the reader's polls the
// socket before looking at Close again.
const otherWaitPoll = 50 * time.Millisecond

// Send is called with the Conn's send lock held.
func (t *fdTransport) Send(b []byte) error {
	if err := t.enter(); err != nil {
		return err
	}
	defer t.exit()
	for {
		_, err := unix.Write(t.fd, b)
		if err == nil {
			return nil
		}
		if err != unix.EAGAIN && err != unix.EINTR {
			return os.NewSyscallError("write", err)
		}
		if err := t.wait(unix.POLLOUT, false); err != nil {
			return err
		}
	}
}

func (t *fdTransport) SetReadDeadline(d time.Time) error {
	var ns int64
	if !d.IsZero() {
		ns = d.UnixNano()
		if ns == 0 {
			ns = 1
		}
	}
	t.deadline.Store(ns)
	t.wake()
	return nil
}

func (t *fdTransport) PortID() uint32 { return t.pid }

// Close wakes every blocked call, waits for them to leave, and closes the
// socket (so that its number is never reused under a running call).
func (t *fdTransport) Close() error {
	t.mu.Lock()
	if t.closed.Swap(true) {
		t.mu.Unlock()
		return os.ErrClosed
	}
	for t.inflight > 0 {
		t.wake()
		t.idle.Wait()
	}
	t.mu.Unlock()
	unix.Close(t.efd)
	return unix.Close(t.fd)
}

// rawConn is the syscall.RawConn of SyscallConn.
type rawConn struct{ t *fdTransport }

func (r rawConn) Control(f func(fd uintptr)) error {
	if err := r.t.enter(); err != nil {
		return err
	}
	defer r.t.exit()
	f(uintptr(r.t.fd))
	return nil
}

func (r rawConn) Read(f func(fd uintptr) bool) error  { return r.loop(f, unix.POLLIN) }
func (r rawConn) Write(f func(fd uintptr) bool) error { return r.loop(f, unix.POLLOUT) }

// loop calls f until it reports done, waiting for the socket in between.
func (r rawConn) loop(f func(fd uintptr) bool, events int16) error {
	if err := r.t.enter(); err != nil {
		return err
	}
	defer r.t.exit()
	for !f(uintptr(r.t.fd)) {
		if err := r.t.wait(events, false); err != nil {
			return err
		}
	}
	return nil
}

var _ syscall.RawConn = rawConn{}

// isTimeout reports whether err is a deadline expiry.
func isTimeout(err error) bool { return errors.Is(err, os.ErrDeadlineExceeded) }
