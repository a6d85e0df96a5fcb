package socket

// The recvmsg(2) and sendmsg-free send calls of the real transport. This is
// the only file of package socket that imports unsafe: x/sys's Recvmsg
// allocates a Sockaddr on every call, and we read the sender's address of
// every datagram (to drop forged replies and tell multicast from unicast),
// so this file passes a stack-allocated sockaddr_nl to the syscall itself.

import (
	"unsafe"

	"golang.org/x/sys/unix"
)

var oneByte [1]byte

// recvmsg reads (or with MSG_PEEK, looks at) one datagram into b. With
// MSG_TRUNC in flags, n is the datagram's full length even when b is
// shorter. from is the sender's address.
func recvmsg(fd int, b []byte, flags int) (n int, from unix.RawSockaddrNetlink, err error) {
	var iov unix.Iovec
	if len(b) > 0 {
		iov.Base = &b[0]
		iov.SetLen(len(b))
	} else {
		iov.Base = &oneByte[0]
	}
	var msg unix.Msghdr
	msg.Name = (*byte)(unsafe.Pointer(&from))
	msg.Namelen = unix.SizeofSockaddrNetlink
	msg.Iov = &iov
	msg.SetIovlen(1)
	r, _, e := unix.Syscall(unix.SYS_RECVMSG, uintptr(fd), uintptr(unsafe.Pointer(&msg)), uintptr(flags))
	if e != 0 {
		return 0, from, e
	}
	return int(r), from, nil
}
