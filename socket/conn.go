package socket

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"iter"
	"os"
	"runtime"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"golang.org/x/sys/unix"

	"github.com/nlstruct/nlstruct/marshal"
	"github.com/nlstruct/nlstruct/nlattr"
	"github.com/nlstruct/nlstruct/socket/internal/hook"
)

// Config configures a Conn. The zero value (or a nil *Config) is a socket in
// the caller's network namespace with extended ACKs on.
type Config struct {
	// Groups are multicast groups to join at once (see JoinGroup).
	Groups []uint32
	// NetNSPath opens the socket in the network namespace at this path
	// (such as /run/netns/NAME or /proc/PID/ns/net). NetNSFD does the same
	// from an open namespace file descriptor (used when > 0). The calling
	// goroutine's namespace is left as it was.
	NetNSPath string
	NetNSFD   int
	// Strict sets NETLINK_GET_STRICT_CHK: the kernel validates the header
	// and attributes of GET requests strictly.
	Strict bool
	// DisableExtAck turns extended ACKs (NETLINK_EXT_ACK, on by default)
	// off.
	DisableExtAck bool
	// ReadBuffer and WriteBuffer set SO_RCVBUF and SO_SNDBUF (as root,
	// SO_RCVBUFFORCE / SO_SNDBUFFORCE, which may exceed the sysctl limits).
	ReadBuffer, WriteBuffer int
	// BroadcastError sets NETLINK_BROADCAST_ERROR.
	BroadcastError bool
	// NoENOBUFS sets NETLINK_NO_ENOBUFS: overruns are not reported.
	NoENOBUFS bool
	// CapAck sets NETLINK_CAP_ACK: error messages do not echo the request's
	// payload.
	CapAck bool
	// ListenAllNSID sets NETLINK_LISTEN_ALL_NSID: receive notifications from
	// every peer network namespace with an nsid.
	ListenAllNSID bool
	// PktInfo sets NETLINK_PKTINFO.
	//
	// Deprecated: Dial always sets it, to learn each datagram's multicast
	// group; the field has no effect.
	PktInfo bool
	// MulticastBacklog bounds the multicast and unsolicited messages
	// queued for Receive (default 4096). When it is full the oldest are
	// dropped and Receive reports ErrOverrun.
	MulticastBacklog int
	// DumpRetries is how many times DumpAll repeats a dump that the kernel
	// marked interrupted (NLM_F_DUMP_INTR) before returning the partial
	// results with ErrDumpInterrupted. 0 means no retry.
	DumpRetries int
}

// Conn is a netlink socket. It is safe for concurrent use: requests from
// many goroutines are matched to their replies by sequence number.
type Conn struct {
	t     transport
	fdt   *fdTransport // nil for a fake kernel
	pid   uint32
	cfg   Config
	seq   atomic.Uint32
	drops atomic.Uint64

	sendMu  sync.Mutex
	sendBuf []byte

	// readTok is held by the one goroutine reading from the socket (the
	// leader); it owns rbuf. It reads on behalf of everyone, handing
	// other requests' replies and multicast messages to their queues.
	readTok chan struct{}
	rbuf    []byte
	dumpTok chan struct{} // held while a dump runs

	mu        sync.Mutex
	pending   map[uint32]*waiter
	mq        []Message           // multicast and unsolicited messages
	sent      map[uint32]struct{} // recent Send sequence numbers
	sentOrder []uint32
	mqNotify  chan struct{}
	mqOverrun bool

	closeOnce sync.Once
	closed    chan struct{}
}

// Dial opens a netlink socket of the given protocol (unix.NETLINK_ROUTE,
// unix.NETLINK_GENERIC, ...), bound to a port id the kernel chooses and
// connected to the kernel, so that the kernel itself refuses unicast
// messages from other sockets.
func Dial(protocol int, cfg *Config) (*Conn, error) {
	if cfg == nil {
		cfg = &Config{}
	}
	open := func() (int, error) {
		return unix.Socket(unix.AF_NETLINK, unix.SOCK_RAW|unix.SOCK_CLOEXEC|unix.SOCK_NONBLOCK, protocol)
	}
	var fd int
	var err error
	switch {
	case cfg.NetNSFD > 0:
		fd, err = inNetNS(cfg.NetNSFD, open)
	case cfg.NetNSPath != "":
		var ns int
		ns, err = unix.Open(cfg.NetNSPath, unix.O_RDONLY|unix.O_CLOEXEC, 0)
		if err != nil {
			return nil, fmt.Errorf("netlink: open network namespace %s: %w", cfg.NetNSPath, err)
		}
		fd, err = inNetNS(ns, open)
		unix.Close(ns)
	default:
		fd, err = open()
	}
	if err != nil {
		return nil, fmt.Errorf("netlink: socket: %w", err)
	}
	if err := setup(fd, cfg); err != nil {
		unix.Close(fd)
		return nil, err
	}
	t, err := newFDTransport(fd)
	if err != nil {
		unix.Close(fd)
		return nil, fmt.Errorf("netlink: %w", err)
	}
	c := newConn(t, cfg)
	c.fdt = t
	return c, nil
}

func setup(fd int, cfg *Config) error {
	if err := unix.Bind(fd, &unix.SockaddrNetlink{Family: unix.AF_NETLINK}); err != nil {
		return fmt.Errorf("netlink: bind: %w", err)
	}
	if err := unix.Connect(fd, &unix.SockaddrNetlink{Family: unix.AF_NETLINK}); err != nil {
		return fmt.Errorf("netlink: connect: %w", err)
	}
	b2i := func(b bool) int {
		if b {
			return 1
		}
		return 0
	}
	opts := []struct {
		name  string
		opt   int
		value int
		set   bool
	}{
		{"NETLINK_EXT_ACK", unix.NETLINK_EXT_ACK, 1, !cfg.DisableExtAck},
		{"NETLINK_GET_STRICT_CHK", unix.NETLINK_GET_STRICT_CHK, 1, cfg.Strict},
		{"NETLINK_BROADCAST_ERROR", unix.NETLINK_BROADCAST_ERROR, b2i(cfg.BroadcastError), cfg.BroadcastError},
		{"NETLINK_NO_ENOBUFS", unix.NETLINK_NO_ENOBUFS, 1, cfg.NoENOBUFS},
		{"NETLINK_CAP_ACK", unix.NETLINK_CAP_ACK, 1, cfg.CapAck},
		{"NETLINK_LISTEN_ALL_NSID", unix.NETLINK_LISTEN_ALL_NSID, 1, cfg.ListenAllNSID},
		// Always on: the group of every datagram is read from it.
		{"NETLINK_PKTINFO", unix.NETLINK_PKTINFO, 1, true},
	}
	for _, o := range opts {
		if o.set {
			if err := unix.SetsockoptInt(fd, unix.SOL_NETLINK, o.opt, o.value); err != nil {
				return fmt.Errorf("netlink: setsockopt %s: %w", o.name, err)
			}
		}
	}
	for _, b := range []struct {
		size          int
		opt, forceOpt int
		name          string
	}{{cfg.ReadBuffer, unix.SO_RCVBUF, unix.SO_RCVBUFFORCE, "SO_RCVBUF"}, {cfg.WriteBuffer, unix.SO_SNDBUF, unix.SO_SNDBUFFORCE, "SO_SNDBUF"}} {
		if b.size <= 0 {
			continue
		}
		if err := unix.SetsockoptInt(fd, unix.SOL_SOCKET, b.forceOpt, b.size); err != nil {
			if err := unix.SetsockoptInt(fd, unix.SOL_SOCKET, b.opt, b.size); err != nil {
				return fmt.Errorf("netlink: setsockopt %s: %w", b.name, err)
			}
		}
	}
	for _, g := range cfg.Groups {
		if err := unix.SetsockoptInt(fd, unix.SOL_NETLINK, unix.NETLINK_ADD_MEMBERSHIP, int(g)); err != nil {
			return fmt.Errorf("netlink: join group %d: %w", g, err)
		}
	}
	return nil
}

// inNetNS runs open with the calling OS thread switched to the network
// namespace ns, and switches it back.
func inNetNS(ns int, open func() (int, error)) (int, error) {
	runtime.LockOSThread()
	orig, err := unix.Open("/proc/thread-self/ns/net", unix.O_RDONLY|unix.O_CLOEXEC, 0)
	if err != nil {
		runtime.UnlockOSThread()
		return -1, fmt.Errorf("netlink: open current network namespace: %w", err)
	}
	defer unix.Close(orig)
	if err := unix.Setns(ns, unix.CLONE_NEWNET); err != nil {
		runtime.UnlockOSThread()
		return -1, fmt.Errorf("netlink: enter network namespace: %w", err)
	}
	fd, openErr := open()
	if err := unix.Setns(orig, unix.CLONE_NEWNET); err != nil {
		// The thread is in the wrong namespace: keep it locked so the
		// runtime discards it when this goroutine exits.
		if openErr == nil {
			unix.Close(fd)
		}
		return -1, fmt.Errorf("netlink: restore network namespace: %w", err)
	}
	runtime.UnlockOSThread()
	return fd, openErr
}

func init() {
	hook.NewConn = func(t any, cfg any) any {
		tr, ok := t.(transport)
		if !ok {
			panic(fmt.Sprintf("socket: %T is not a transport", t))
		}
		c, _ := cfg.(*Config)
		if c == nil {
			c = &Config{}
		}
		return newConn(tr, c)
	}
}

func newConn(t transport, cfg *Config) *Conn {
	c := &Conn{
		t:        t,
		pid:      t.PortID(),
		cfg:      *cfg,
		readTok:  make(chan struct{}, 1),
		dumpTok:  make(chan struct{}, 1),
		rbuf:     make([]byte, os.Getpagesize()*2),
		pending:  map[uint32]*waiter{},
		sent:     map[uint32]struct{}{},
		mqNotify: make(chan struct{}, 1),
		closed:   make(chan struct{}),
	}
	if c.cfg.MulticastBacklog <= 0 {
		c.cfg.MulticastBacklog = 4096
	}
	c.readTok <- struct{}{}
	return c
}

// PortID returns the socket's netlink port id (nl_pid), which the kernel
// chose at bind time.
func (c *Conn) PortID() uint32 { return c.pid }

// Dropped returns how many received datagrams or messages were dropped:
// not sent by the kernel, malformed, or replies to no pending request.
func (c *Conn) Dropped() uint64 { return c.drops.Load() }

// Close closes the socket. Calls blocked on the Conn return ErrClosed.
func (c *Conn) Close() error {
	err := ErrClosed
	c.closeOnce.Do(func() {
		close(c.closed)
		err = c.t.Close()
	})
	return err
}

func (c *Conn) isClosed() bool {
	select {
	case <-c.closed:
		return true
	default:
		return false
	}
}

// JoinGroup joins a multicast group (NETLINK_ADD_MEMBERSHIP).
func (c *Conn) JoinGroup(group uint32) error {
	return c.SetOption(unix.SOL_NETLINK, unix.NETLINK_ADD_MEMBERSHIP, int(group))
}

// LeaveGroup leaves a multicast group (NETLINK_DROP_MEMBERSHIP).
func (c *Conn) LeaveGroup(group uint32) error {
	return c.SetOption(unix.SOL_NETLINK, unix.NETLINK_DROP_MEMBERSHIP, int(group))
}

// SetOption sets an integer socket option (setsockopt(2)).
func (c *Conn) SetOption(level, option, value int) error {
	rc, err := c.SyscallConn()
	if err != nil {
		return err
	}
	var serr error
	if err := rc.Control(func(fd uintptr) { serr = unix.SetsockoptInt(int(fd), level, option, value) }); err != nil {
		return err
	}
	return os.NewSyscallError("setsockopt", serr)
}

// Option reads an integer socket option (getsockopt(2)).
func (c *Conn) Option(level, option int) (int, error) {
	rc, err := c.SyscallConn()
	if err != nil {
		return 0, err
	}
	var v int
	var serr error
	if err := rc.Control(func(fd uintptr) { v, serr = unix.GetsockoptInt(int(fd), level, option) }); err != nil {
		return 0, err
	}
	return v, os.NewSyscallError("getsockopt", serr)
}

// SyscallConn returns the raw socket, for options and calls this package
// does not wrap. Reading from it directly would steal the Conn's replies.
func (c *Conn) SyscallConn() (syscall.RawConn, error) {
	if c.fdt == nil {
		return nil, errors.New("netlink: no file descriptor (fake kernel)")
	}
	return rawConn{c.fdt}, nil
}

// Request is one request to send.
type Request struct {
	Type  uint16 // message type
	Flags uint16 // NLM_F_* flags; Request (and Ack, or Dump) are added
	// Header, a fixed-layout struct or a pointer to one (a family header
	// such as genlmsghdr), is marshalled first, when not nil.
	Header any
	// Body, a tagged struct or a pointer to one, is marshalled as the
	// payload (after Header). The kernel's extended-ACK offsets are then
	// named as its Go fields in *Error.
	Body any
	// Data is the raw payload, used when Body is nil.
	Data []byte
}

func (c *Conn) nextSeq() uint32 {
	for {
		if s := c.seq.Add(1); s != 0 {
			return s
		}
	}
}

// waiter is a request waiting for its replies.
type waiter struct {
	seq    uint32
	notify chan struct{} // signalled when queue or err changes
	queue  []Message     // replies received by another goroutine (copies)
	err    error
}

var waiterPool = sync.Pool{New: func() any { return &waiter{notify: make(chan struct{}, 1)} }}

// send registers a waiter for the request and sends it.
func (c *Conn) send(req *Request, flags uint16, wait bool) (*waiter, uint32, error) {
	select {
	case <-c.closed:
		return nil, 0, ErrClosed
	default:
	}
	seq := c.nextSeq()
	c.sendMu.Lock()
	defer c.sendMu.Unlock()
	b := c.sendBuf[:0]
	b = append(b, make([]byte, HeaderLen)...)
	if req.Header != nil {
		var err error
		if b, err = marshal.Append(b, req.Header); err != nil {
			return nil, 0, fmt.Errorf("netlink: request type %d: %w", req.Type, err)
		}
		b = append(b, make([]byte, nlattr.Align(len(b))-len(b))...)
	}
	if req.Body != nil {
		var err error
		if b, err = marshal.Append(b, req.Body); err != nil {
			return nil, 0, fmt.Errorf("netlink: request type %d: %w", req.Type, err)
		}
	} else {
		b = append(b, req.Data...)
	}
	h := Header{Length: uint32(len(b)), Type: req.Type, Flags: req.Flags | flags, Seq: seq, PortID: c.pid}
	h.put(b)
	c.sendBuf = b
	// Register before writing: the kernel answers during the write, and
	// another goroutine may be reading already.
	var w *waiter
	if wait {
		w = waiterPool.Get().(*waiter)
		w.seq = seq
		c.mu.Lock()
		c.pending[seq] = w
		c.mu.Unlock()
	} else {
		c.rememberSent(seq)
	}
	if err := c.t.Send(b); err != nil {
		if w != nil {
			c.release(w)
		}
		if c.isClosed() || errors.Is(err, os.ErrClosed) {
			return nil, 0, ErrClosed
		}
		return nil, 0, fmt.Errorf("netlink: send request type %d: %w", req.Type, err)
	}
	return w, seq, nil
}

// release unregisters w and returns it to the pool.
func (c *Conn) release(w *waiter) {
	c.mu.Lock()
	delete(c.pending, w.seq)
	w.queue, w.err = nil, nil
	c.mu.Unlock()
	select {
	case <-w.notify:
	default:
	}
	waiterPool.Put(w)
}

// Send sends a request without waiting for any reply (nothing is added to
// its flags but Request) and returns its sequence number. Replies, if the
// kernel sends any, arrive through Receive (for the last 1024 Sends).
func (c *Conn) Send(req Request) (uint32, error) {
	_, seq, err := c.send(&req, FlagRequest, false)
	return seq, err
}

// rememberSent records the sequence number of a Send, so that its replies
// go to Receive.
func (c *Conn) rememberSent(seq uint32) {
	c.mu.Lock()
	c.sent[seq] = struct{}{}
	c.sentOrder = append(c.sentOrder, seq)
	if len(c.sentOrder) > maxSent {
		delete(c.sent, c.sentOrder[0])
		c.sentOrder = c.sentOrder[1:]
	}
	c.mu.Unlock()
}

// maxSent bounds the sequence numbers of Send requests remembered so
// that their replies go to Receive.
const maxSent = 1024

// Do sends a request with NLM_F_ACK and calls fn for each reply message
// before the ACK. fn runs while the Conn's receive path is held: it must
// not make calls on the same Conn, and m.Data is valid only during the
// call. Do returns the kernel's error (an *Error), fn's error, or a
// context or Conn error.
func (c *Conn) Do(ctx context.Context, req Request, fn func(m Message) error) error {
	return c.do(ctx, &req, fn, false)
}

// DoOne is Do for requests that the kernel answers with a reply (GET
// requests): it asks for no ACK, saving a datagram per round trip, and the
// first reply that is not part of a multipart message completes the
// request (as do NLMSG_DONE and errors). Do not use it for requests that
// get no reply: it would wait for one until ctx ends.
func (c *Conn) DoOne(ctx context.Context, req Request, fn func(m Message) error) error {
	return c.do(ctx, &req, fn, true)
}

// do runs a request. Without single, it asks for an ACK and ends there;
// with single, it asks for none and ends at the first reply that is not
// part of a multipart message (or at NLMSG_DONE or an error).
func (c *Conn) do(ctx context.Context, req *Request, fn func(m Message) error, single bool) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	flags := FlagRequest | FlagAck
	if single {
		flags = FlagRequest
	}
	w, _, err := c.send(req, flags, true)
	if err != nil {
		return err
	}
	defer c.release(w)
	rs := replyState{seq: w.seq, single: single}
	return rs.result(req, c.await(ctx, w, &rs, fn, true))
}

// Execute sends a request with NLM_F_ACK and returns its replies (copied).
func (c *Conn) Execute(ctx context.Context, req Request) ([]Message, error) {
	var out []Message
	err := c.Do(ctx, req, func(m Message) error {
		out = append(out, copyMessage(m))
		return nil
	})
	return out, err
}

// Dump sends a dump request (NLM_F_DUMP) and streams its replies as they
// arrive, without holding the whole dump: each message is copied out of
// the receive buffer, and the loop body may make calls on the Conn (but
// not start another dump on it: the kernel runs one dump per socket at a
// time, so dumps on a Conn wait for each other). Leaving the loop early
// reads the rest of the dump and drops it. The
// sequence ends with a non-nil error on failure; a dump marked
// NLM_F_DUMP_INTR ends with ErrDumpInterrupted after its messages.
func (c *Conn) Dump(ctx context.Context, req Request) iter.Seq2[Message, error] {
	return func(yield func(Message, error) bool) {
		// The kernel runs one dump per socket at a time (a second one
		// fails with EBUSY), so dumps on a Conn take turns.
		select {
		case c.dumpTok <- struct{}{}:
		case <-ctx.Done():
			yield(Message{}, ctx.Err())
			return
		case <-c.closed:
			yield(Message{}, ErrClosed)
			return
		}
		defer func() { <-c.dumpTok }()
		if err := ctx.Err(); err != nil {
			yield(Message{}, err)
			return
		}
		w, _, err := c.send(&req, FlagRequest|FlagDump, true)
		if err != nil {
			yield(Message{}, err)
			return
		}
		defer c.release(w)
		rs := replyState{seq: w.seq}
		var batch []Message
		collect := func(m Message) error { batch = append(batch, m); return nil }
		for {
			err := c.await(ctx, w, &rs, collect, false)
			for _, m := range batch {
				if !yield(m, nil) {
					c.drain(ctx, w, &rs)
					return
				}
			}
			batch = batch[:0]
			if err := rs.result(&req, err); err != nil {
				yield(Message{}, err)
				return
			}
			if rs.done {
				return
			}
		}
	}
}

// drain reads an abandoned dump to its end, so that the kernel is done
// with it before the next dump starts on this socket.
func (c *Conn) drain(ctx context.Context, w *waiter, rs *replyState) {
	if ctx.Err() != nil {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(context.Background(), drainTimeout)
		defer cancel()
	}
	discard := func(Message) error { return nil }
	for !rs.done {
		if err := c.await(ctx, w, rs, discard, false); err != nil {
			return
		}
	}
}

// drainTimeout bounds the reading of an abandoned dump whose context has
// already ended.
const drainTimeout = 2 * time.Second

// DumpAll runs a dump and returns all its replies. When the kernel marks
// the dump interrupted, it runs it again up to Config.DumpRetries times,
// then returns the last partial results with ErrDumpInterrupted.
func (c *Conn) DumpAll(ctx context.Context, req Request) ([]Message, error) {
	for try := 0; ; try++ {
		var out []Message
		var err error
		for m, e := range c.Dump(ctx, req) {
			if e != nil {
				err = e
				break
			}
			out = append(out, m)
		}
		if errors.Is(err, ErrDumpInterrupted) && try < c.cfg.DumpRetries {
			continue
		}
		return out, err
	}
}

func copyMessage(m Message) Message {
	m.Data = append([]byte(nil), m.Data...)
	return m
}

// replyState follows one request's replies to their end. It holds no
// pointer that outlives the request, so that it (and the caller's fn) can
// stay on the stack: the kernel's error is turned into an *Error by the
// caller, from errMsg.
type replyState struct {
	seq    uint32
	single bool // no ACK was asked for: one non-multipart reply ends it
	intr   bool
	done   bool
	err    error
	code   int32    // the kernel's error code, when it reported one
	errMsg *Message // the message that carried it (a copy)
}

// handle processes one reply; it sets done when the request is complete.
func (rs *replyState) handle(m Message, fn func(Message) error) {
	if rs.done {
		return
	}
	switch m.Header.Type {
	case TypeNoop:
		return
	case TypeError, TypeDone:
		rs.done = true
		if len(m.Data) < 4 {
			if m.Header.Type == TypeError {
				rs.err = fmt.Errorf("%w: NLMSG_ERROR with %d bytes, want at least 4", ErrMalformed, len(m.Data))
			} else if rs.intr || m.Header.Flags&FlagDumpIntr != 0 {
				rs.err = ErrDumpInterrupted
			}
			return
		}
		if code := int32(binary.NativeEndian.Uint32(m.Data)); code != 0 {
			cp := copyMessage(m)
			rs.code, rs.errMsg = code, &cp
		} else if rs.intr || m.Header.Flags&FlagDumpIntr != 0 {
			rs.err = ErrDumpInterrupted
		}
		return
	case TypeOverrun:
		rs.done, rs.err = true, ErrOverrun
		return
	}
	if m.Header.Flags&FlagDumpIntr != 0 {
		rs.intr = true
	}
	if fn != nil {
		if err := fn(m); err != nil {
			rs.done, rs.err = true, err
		}
	}
	if rs.single && m.Header.Flags&FlagMulti == 0 {
		rs.done = true
	}
}

// result returns the request's outcome once await has returned err.
func (rs *replyState) result(req *Request, err error) error {
	if err == nil && rs.errMsg != nil {
		return kernelError(req, rs.seq, rs.code, *rs.errMsg)
	}
	return err
}

// await processes w's replies until the request is done. With inline,
// replies read by this goroutine are handled straight from the receive
// buffer; otherwise (dumps) it returns after each batch so the caller can
// yield outside the receive path.
func (c *Conn) await(ctx context.Context, w *waiter, rs *replyState, fn func(Message) error, inline bool) error {
	for {
		c.mu.Lock()
		q, werr := w.queue, w.err
		w.queue = nil
		c.mu.Unlock()
		for _, m := range q {
			rs.handle(m, fn)
		}
		if rs.done {
			return rs.err
		}
		if werr != nil {
			return werr
		}
		if !inline && len(q) > 0 {
			return nil
		}
		select {
		case <-c.readTok:
			var self *replyState
			if inline {
				self = rs
			}
			err := c.leadAndRelease(ctx, w, self, fn)
			if err != nil {
				return err
			}
			if rs.done {
				return rs.err
			}
		case <-w.notify:
		case <-ctx.Done():
			return ctx.Err()
		case <-c.closed:
			return ErrClosed
		}
	}
}

// leadAndRelease runs lead with the reader's role taken, and hands the
// role back even if fn panics.
func (c *Conn) leadAndRelease(ctx context.Context, w *waiter, self *replyState, fn func(Message) error) error {
	defer func() { c.readTok <- struct{}{} }()
	return c.lead(ctx, w, self, fn)
}

// lead reads datagrams as the leader until w (or, for w == nil, the
// multicast queue) has something, handling self's replies inline.
func (c *Conn) lead(ctx context.Context, w *waiter, self *replyState, fn func(Message) error) error {
	if d, ok := ctx.Deadline(); ok {
		c.t.SetReadDeadline(d)
		defer c.t.SetReadDeadline(time.Time{})
	}
	if ctx.Done() != nil {
		stop := context.AfterFunc(ctx, func() { c.t.SetReadDeadline(time.Unix(1, 0)) })
		defer func() {
			if !stop() {
				c.t.SetReadDeadline(time.Time{})
			}
		}()
	}
	for {
		// Check before every read, the first included: another leader may
		// have queued what we wait for just before handing over.
		c.mu.Lock()
		ready := (w != nil && (len(w.queue) > 0 || w.err != nil)) || (w == nil && (len(c.mq) > 0 || c.mqOverrun))
		c.mu.Unlock()
		if ready {
			return nil
		}
		if err := c.readDatagram(w, self, fn); err != nil {
			if isTimeout(err) {
				if ctx.Err() != nil {
					return ctx.Err()
				}
				// A cancellation of an earlier leader's context fired late
				// and overwrote our deadline: put ours back.
				d, _ := ctx.Deadline()
				c.t.SetReadDeadline(d)
				continue
			}
			return err
		}
		if self != nil && self.done {
			return nil
		}
	}
}

// readDatagram reads one datagram and dispatches its messages.
func (c *Conn) readDatagram(w *waiter, self *replyState, fn func(Message) error) error {
	n, from, group, err := c.t.Recv(c.rbuf, true)
	if err == nil && n > len(c.rbuf) {
		c.rbuf = make([]byte, n+n/4)
	}
	if err == nil {
		n, from, group, err = c.t.Recv(c.rbuf, false)
	}
	if err != nil {
		if c.isClosed() {
			return ErrClosed
		}
		switch {
		case errors.Is(err, unix.ENOBUFS):
			c.overrun()
			if self != nil || w != nil {
				return ErrOverrun
			}
			return nil
		case errors.Is(err, unix.EINVAL):
			// The kernel reports a dump it could not continue (because
			// another goroutine's dump request raced with our receive)
			// as a pending socket error on the next receive; no message
			// was lost, so read again.
			return nil
		case errors.Is(err, os.ErrClosed):
			return ErrClosed
		}
		return err
	}
	if n > len(c.rbuf) {
		// Grew between the peek and the read (another datagram came
		// first); it was truncated and is lost.
		c.drops.Add(1)
		return nil
	}
	if from != 0 {
		// Not from the kernel: a forged reply from another local socket.
		c.drops.Add(1)
		return nil
	}
	buf := c.rbuf[:n]
	var perr error
	off := 0
	for off < len(buf) {
		m, next, err := nextMessage(buf, off)
		if err != nil {
			perr = err
			break
		}
		c.dispatch(m, group, self, fn)
		off = next
	}
	if perr != nil {
		c.drops.Add(1)
		// Fail the request that the broken message claims, if its header
		// is there to say which.
		if len(buf)-off >= HeaderLen {
			h := parseHeader(buf[off:])
			c.mu.Lock()
			if pw := c.pending[h.Seq]; pw != nil && h.PortID == c.pid {
				if self != nil && self.seq == h.Seq {
					if !self.done {
						self.done, self.err = true, perr
					}
				} else {
					pw.err = perr
					signal(pw.notify)
				}
			}
			c.mu.Unlock()
		}
	}
	return nil
}

// dispatch hands one message to its request, or to the multicast queue.
func (c *Conn) dispatch(m Message, group uint32, self *replyState, fn func(Message) error) {
	if group == 0 && m.Header.PortID == c.pid {
		if self != nil && m.Header.Seq == self.seq {
			self.handle(m, fn)
			return
		}
		c.mu.Lock()
		if w := c.pending[m.Header.Seq]; w != nil {
			w.queue = append(w.queue, copyMessage(m))
			c.mu.Unlock()
			signal(w.notify)
			return
		}
		_, sent := c.sent[m.Header.Seq]
		c.mu.Unlock()
		if m.Header.Seq != 0 && !sent {
			// A late reply to a request that gave up.
			c.drops.Add(1)
			return
		}
	}
	c.mu.Lock()
	if len(c.mq) >= c.cfg.MulticastBacklog {
		c.mq = c.mq[1:]
		c.mqOverrun = true
	}
	c.mq = append(c.mq, copyMessage(m))
	c.mu.Unlock()
	signal(c.mqNotify)
}

// overrun records an ENOBUFS: multicast listeners are told, and pending
// requests fail, since their replies may be among the lost messages.
func (c *Conn) overrun() {
	c.mu.Lock()
	c.mqOverrun = true
	for _, w := range c.pending {
		w.err = ErrOverrun
		signal(w.notify)
	}
	c.mu.Unlock()
	signal(c.mqNotify)
}

func signal(ch chan struct{}) {
	select {
	case ch <- struct{}{}:
	default:
	}
}

// Receive returns the multicast messages (and unsolicited kernel messages)
// received since the last call, waiting for at least one. After the
// kernel dropped messages (ENOBUFS) or the backlog overflowed, it returns
// ErrOverrun once, and then goes on receiving.
func (c *Conn) Receive(ctx context.Context) ([]Message, error) {
	for {
		c.mu.Lock()
		q, over := c.mq, c.mqOverrun
		c.mq, c.mqOverrun = nil, false
		c.mu.Unlock()
		if over {
			if len(q) > 0 {
				c.mu.Lock()
				c.mq = append(q, c.mq...)
				c.mu.Unlock()
			}
			return nil, ErrOverrun
		}
		if len(q) > 0 {
			return q, nil
		}
		select {
		case <-c.readTok:
			err := c.leadAndRelease(ctx, nil, nil, nil)
			if err != nil {
				return nil, err
			}
		case <-c.mqNotify:
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-c.closed:
			return nil, ErrClosed
		}
	}
}

// kernelError builds the *Error of an NLMSG_ERROR or NLMSG_DONE payload.
func kernelError(req *Request, seq uint32, code int32, m Message) error {
	e := &Error{Errno: unix.Errno(-code), Type: req.Type, Seq: seq, Offset: -1, MissingNest: -1}
	if code > 0 {
		e.Errno = unix.Errno(code)
	}
	if m.Header.Flags&FlagAckTLVs == 0 {
		return e
	}
	// NLMSG_ERROR: the error code, the request's header and (unless
	// capped) its payload, then the TLVs. NLMSG_DONE: the code, then TLVs.
	tlv := 4
	if m.Header.Type == TypeError {
		if len(m.Data) < 4+HeaderLen {
			return e
		}
		tlv += HeaderLen
		if m.Header.Flags&FlagCapped == 0 {
			orig := parseHeader(m.Data[4:])
			tlv = 4 + int(align4(orig.Length))
		}
	}
	if tlv > len(m.Data) {
		return e
	}
	var ack extAck
	if err := marshal.Unmarshal(m.Data[tlv:], &ack); err != nil {
		return e
	}
	e.Message = ack.Msg
	e.Cookie = ack.Cookie
	e.Policy = ack.Policy
	if ack.Offset != nil {
		e.Offset = int(*ack.Offset)
		e.Field = fieldAt(req, e.Offset)
	}
	if ack.MissType != nil {
		e.MissingType = uint16(*ack.MissType)
	}
	if ack.MissNest != nil {
		e.MissingNest = int(*ack.MissNest)
		e.MissingNestField = fieldAt(req, e.MissingNest)
	}
	return e
}

func align4(n uint32) uint32 { return (n + 3) &^ 3 }

// fieldAt names the Go field of the request's body at an offset counted
// from the start of the request's netlink header.
func fieldAt(req *Request, off int) string {
	if req.Body == nil {
		return ""
	}
	off -= HeaderLen
	if req.Header != nil {
		h, err := marshal.Marshal(req.Header)
		if err != nil {
			return ""
		}
		off -= nlattr.Align(len(h))
	}
	if off < 0 {
		return ""
	}
	b, err := marshal.Marshal(req.Body)
	if err != nil {
		return ""
	}
	path, _ := marshal.PathAt(req.Body, b, off)
	return path
}
