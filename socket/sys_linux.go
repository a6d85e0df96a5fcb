package socket

// The recvmsg(2) and sendmsg-free send calls of the real transport. This is
// the only file of package socket that imports unsafe: x/sys's Recvmsg
// allocates a Sockaddr on every call, and we read the sender's address of
// every datagram (to drop forged replies and tell multicast from unicast),
// so this file passes a stack-allocated sockaddr_nl to the syscall itself.

import (
	"math/bits"
	"unsafe"

	"golang.org/x/sys/unix"
)

var oneByte [1]byte

// recvmsg reads (or with MSG_PEEK, looks at) one datagram into b. With
// MSG_TRUNC in flags, n is the datagram's full length even when b is
// shorter. from is the sender's address; group is the multicast group the
// datagram was sent to, from the NETLINK_PKTINFO control message (the
// sender address's bitmask cannot name groups above 32), or 0 for unicast.
func recvmsg(fd int, b []byte, flags int) (n int, from unix.RawSockaddrNetlink, group uint32, err error) {
	var iov unix.Iovec
	if len(b) > 0 {
		iov.Base = &b[0]
		iov.SetLen(len(b))
	} else {
		iov.Base = &oneByte[0]
	}
	var oob [unix.SizeofCmsghdr + 8]byte
	var msg unix.Msghdr
	msg.Name = (*byte)(unsafe.Pointer(&from))
	msg.Namelen = unix.SizeofSockaddrNetlink
	msg.Iov = &iov
	msg.SetIovlen(1)
	msg.Control = &oob[0]
	msg.SetControllen(len(oob))
	r, _, e := unix.Syscall(unix.SYS_RECVMSG, uintptr(fd), uintptr(unsafe.Pointer(&msg)), uintptr(flags))
	if e != 0 {
		return 0, from, 0, e
	}
	group = pktinfoGroup(oob[:msg.Controllen], from.Groups)
	return int(r), from, group, nil
}

// pktinfoGroup reads the group of a NETLINK_PKTINFO control message
// (struct nl_pktinfo), falling back to the lowest bit of the sender
// address's groups bitmask.
func pktinfoGroup(oob []byte, groups uint32) uint32 {
	if len(oob) >= unix.SizeofCmsghdr+4 {
		h := (*unix.Cmsghdr)(unsafe.Pointer(&oob[0]))
		if h.Level == unix.SOL_NETLINK && h.Type == unix.NETLINK_PKTINFO {
			return *(*uint32)(unsafe.Pointer(&oob[unix.SizeofCmsghdr]))
		}
	}
	if groups == 0 {
		return 0
	}
	return uint32(bits.TrailingZeros32(groups)) + 1
}
