// Package socket is nlstruct's netlink transceiver: one Conn type that
// every family shares, over golang.org/x/sys/unix (no cgo).
//
// # Requests and replies
//
// A Request carries a message type, flags and a payload, usually a tagged
// struct (see package marshal) in Body. Do, Execute and the typed helpers
// Get and Query send it with NLM_F_ACK and gather the replies up to the
// kernel's ACK; Dump and DumpOf stream a dump (NLM_F_DUMP) as an iterator
// that holds one datagram at a time, never the whole dump; DumpAll
// collects one. Send sends without waiting; Receive returns multicast
// notifications and other unsolicited kernel messages.
//
// Every call takes a context: cancellation and deadlines take effect while
// blocked in a receive, and Close unblocks every blocked call with
// ErrClosed.
//
// # Concurrency
//
// A Conn is safe for concurrent use. Each request gets its own sequence
// number. There is no background goroutine: the goroutine that waits for
// a reply while no other is reading becomes the reader (the leader). It
// reads datagrams for everyone, handles its own replies straight from the
// receive buffer (so a round trip allocates nothing beyond what the caller
// decodes), and hands other requests' replies, copied, to their waiting
// goroutines; when its request is complete it passes the reader's role on.
// Multicast messages are queued for Receive (bounded by
// Config.MulticastBacklog) and never mixed into a request's replies. A
// program that listens to multicast groups and also makes requests does
// best with one Conn for each.
//
// # Validation
//
// Dial binds the socket to a port id the kernel chooses and connects it to
// the kernel (port 0), so the kernel refuses unicast messages from other
// sockets. Every datagram is checked again anyway: one whose sender is not
// the kernel is dropped; a unicast message is a reply only if it carries
// our port id and the sequence number of a pending request (late replies
// to abandoned requests are dropped); malformed framing never panics and
// fails the request it claims to answer with ErrMalformed. Each receive is
// sized with MSG_PEEK|MSG_TRUNC first, so no message is ever truncated,
// and the buffer is reused between reads. Dropped counts what was dropped.
//
// # Errors
//
// The kernel's NLMSG_ERROR (and an error carried on NLMSG_DONE) becomes an
// *Error that unwraps to its unix.Errno, with the extended ACK (on by
// default): the message, the offset of the offending attribute, a missing
// attribute and its nest, the policy and the cookie. When the request's
// Body was a tagged struct, the offset is named as its Go field, so an
// error reads "the kernel rejected Link.Name". A dump marked
// NLM_F_DUMP_INTR ends with ErrDumpInterrupted after its (partial)
// results; DumpAll can retry it (Config.DumpRetries). An ENOBUFS from the
// kernel (the receive buffer overflowed) is ErrOverrun: Receive reports it
// once and goes on receiving; pending requests fail with it, since their
// replies may be lost.
//
// # Testing
//
// Package sockettest provides a fake kernel: a Conn whose requests are
// answered by a Go function, able to send multipart dumps, errors with
// extended ACKs, interrupted dumps, overruns, huge and malformed messages.
package socket
