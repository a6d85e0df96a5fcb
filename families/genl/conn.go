package genl

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"sync"

	"golang.org/x/sys/unix"

	"github.com/nlstruct/nlstruct/marshal"
	"github.com/nlstruct/nlstruct/socket"
)

// Conn is a generic netlink connection. It resolves family names to ids
// (cached; resolved again when the kernel reports the family gone, as
// after a module reload) and sends requests to families by name. It is
// safe for concurrent use.
type Conn struct {
	sock *socket.Conn

	mu       sync.Mutex
	families map[string]*Family
	lookups  map[string]*lookup // lookups in flight, shared by concurrent callers
}

// lookup is one family lookup in flight; done is closed when f and err
// are set.
type lookup struct {
	done chan struct{}
	f    *Family
	err  error
}

// Dial opens a NETLINK_GENERIC socket configured by cfg (which may be nil).
func Dial(cfg *socket.Config) (*Conn, error) {
	s, err := socket.Dial(unix.NETLINK_GENERIC, cfg)
	if err != nil {
		return nil, err
	}
	return NewConn(s), nil
}

// NewConn makes a generic netlink Conn over an open NETLINK_GENERIC socket
// (or a sockettest fake kernel).
func NewConn(s *socket.Conn) *Conn {
	return &Conn{sock: s, families: map[string]*Family{}, lookups: map[string]*lookup{}}
}

// Socket returns the underlying socket.
func (c *Conn) Socket() *socket.Conn { return c.sock }

// Close closes the socket.
func (c *Conn) Close() error { return c.sock.Close() }

// Request is a request to a generic netlink family.
type Request struct {
	Command uint8
	// Version goes into genlmsghdr; 0 means the family's version.
	Version uint8
	// Flags are NLM_F_* flags added to the request's (socket.FlagDump is
	// implied by the Dump functions).
	Flags uint16
	// Body is the request's attributes: a tagged struct or a pointer to
	// one, or nil.
	Body any
}

// ErrFamilyNotFound reports a family name the kernel does not know (its
// module is not loaded, or it does not exist). The errors that report it
// also wrap unix.ENOENT.
var ErrFamilyNotFound = errors.New("no such generic netlink family (is its module loaded?)")

// Family returns the named family, from the cache or from the kernel.
//
// Concurrent callers asking for a family not yet cached share one request
// to the kernel.
func (c *Conn) Family(ctx context.Context, name string) (*Family, error) {
	c.mu.Lock()
	if f := c.families[name]; f != nil {
		c.mu.Unlock()
		return f, nil
	}
	if l := c.lookups[name]; l != nil {
		c.mu.Unlock()
		select {
		case <-l.done:
			if l.err != nil && ctx.Err() == nil && (errors.Is(l.err, context.Canceled) || errors.Is(l.err, context.DeadlineExceeded)) {
				// The shared lookup ran out of its caller's time, not
				// ours: look again.
				return c.Family(ctx, name)
			}
			return l.f, l.err
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
	l := &lookup{done: make(chan struct{})}
	c.lookups[name] = l
	c.mu.Unlock()
	l.f, l.err = c.resolve(ctx, name)
	c.mu.Lock()
	delete(c.lookups, name)
	c.mu.Unlock()
	close(l.done)
	return l.f, l.err
}

// resolve asks the kernel for the family and caches it.
func (c *Conn) resolve(ctx context.Context, name string) (*Family, error) {
	if name == "" || len(name) > maxNameLen {
		// No family can have this name (the kernel would reject the
		// request as invalid rather than say so).
		return nil, fmt.Errorf("genl: %q: %w: %w", name, ErrFamilyNotFound, unix.ENOENT)
	}
	var f Family
	got, err := getReply(ctx, c.sock, socket.Request{
		Type:   IDCtrl,
		Header: &Header{Command: CtrlCmdGetFamily, Version: 2},
		Body:   &familyRequest{Name: name},
	}, &f)
	if errors.Is(err, unix.ENOENT) {
		return nil, fmt.Errorf("genl: %q: %w: %w", name, ErrFamilyNotFound, unix.ENOENT)
	}
	if err != nil {
		return nil, fmt.Errorf("genl: resolve family %q: %w", name, err)
	}
	if !got {
		return nil, fmt.Errorf("genl: resolve family %q: no reply", name)
	}
	c.mu.Lock()
	c.families[name] = &f
	c.mu.Unlock()
	return &f, nil
}

func (c *Conn) forget(name string) {
	c.mu.Lock()
	delete(c.families, name)
	c.mu.Unlock()
}

// FamilyByID asks the kernel for the family with the given id.
func (c *Conn) FamilyByID(ctx context.Context, id uint16) (*Family, error) {
	var f Family
	got, err := getReply(ctx, c.sock, socket.Request{
		Type:   IDCtrl,
		Header: &Header{Command: CtrlCmdGetFamily, Version: 2},
		Body:   &familyRequest{ID: id},
	}, &f)
	if errors.Is(err, unix.ENOENT) {
		return nil, fmt.Errorf("genl: family id %d: %w: %w", id, ErrFamilyNotFound, unix.ENOENT)
	}
	if err != nil {
		return nil, fmt.Errorf("genl: family id %d: %w", id, err)
	}
	if !got {
		return nil, fmt.Errorf("genl: family id %d: no reply", id)
	}
	return &f, nil
}

// Families lists every family the kernel has.
func (c *Conn) Families(ctx context.Context) ([]Family, error) {
	var out []Family
	for f, err := range dumpReplies[Family](ctx, c.sock, socket.Request{
		Type:   IDCtrl,
		Header: &Header{Command: CtrlCmdGetFamily, Version: 2},
	}) {
		if err != nil {
			return out, fmt.Errorf("genl: list families: %w", err)
		}
		out = append(out, *f)
	}
	return out, nil
}

// GroupID returns the id of a family's multicast group, to pass to
// socket.Conn.JoinGroup.
func (c *Conn) GroupID(ctx context.Context, family, group string) (uint32, error) {
	f, err := c.Family(ctx, family)
	if err != nil {
		return 0, err
	}
	id, ok := f.Group(group)
	if !ok {
		return 0, fmt.Errorf("genl: family %q has no multicast group %q", family, group)
	}
	return id, nil
}

// ErrNoPolicy reports a family or command with no attribute policy to
// dump (the kernel answers ENOENT for an unknown command, ENODATA for a
// family without policies).
var ErrNoPolicy = errors.New("no attribute policy")

// Policy dumps a family's attribute policies (CTRL_CMD_GETPOLICY), for
// every operation or, with op set, for one.
//
// The kernel reports the policy indexes of an operation that has only a
// dump handler under command 0 (as iproute2 shows); when op is set, Policy
// files them under *op, where ForOp looks.
func (c *Conn) Policy(ctx context.Context, family string, op *uint32) (*Policy, error) {
	f, err := c.Family(ctx, family)
	if err != nil {
		return nil, err
	}
	p := &Policy{FamilyID: f.ID, Policies: map[uint32]map[uint32]socket.AttrPolicy{}, Ops: map[uint32]OpPolicy{}}
	for r, err := range dumpReplies[policyReply](ctx, c.sock, socket.Request{
		Type:   IDCtrl,
		Header: &Header{Command: CtrlCmdGetPolicy, Version: 2},
		Body:   &policyRequest{ID: f.ID, Op: op},
	}) {
		if err != nil {
			if errors.Is(err, unix.ENOENT) || errors.Is(err, unix.ENODATA) {
				what := fmt.Sprintf("family %q", family)
				if op != nil {
					what = fmt.Sprintf("command %d of %q", *op, family)
				}
				return nil, fmt.Errorf("genl: policy of %s: %w: %w", what, ErrNoPolicy, err)
			}
			return nil, fmt.Errorf("genl: policy of %q: %w", family, err)
		}
		for idx, attrs := range r.Policy {
			if p.Policies[idx] == nil {
				p.Policies[idx] = map[uint32]socket.AttrPolicy{}
			}
			for t, a := range attrs {
				p.Policies[idx][t] = a
			}
		}
		for cmd, o := range r.OpPolicy {
			if op != nil {
				cmd = *op
			}
			p.Ops[cmd] = o
		}
	}
	return p, nil
}

// request builds the socket request of req to family f.
func request(f *Family, req Request) socket.Request {
	v := req.Version
	if v == 0 {
		v = uint8(f.Version)
	}
	return socket.Request{Type: f.ID, Flags: req.Flags, Header: &Header{Command: req.Command, Version: v}, Body: req.Body}
}

// withFamily runs fn with the family's current id, and once more with a
// freshly resolved id if the kernel says the family is gone (ENOENT) and
// its id changed.
func (c *Conn) withFamily(ctx context.Context, family string, fn func(f *Family) error) error {
	f, err := c.Family(ctx, family)
	if err != nil {
		return err
	}
	err = fn(f)
	if !errors.Is(err, unix.ENOENT) {
		return err
	}
	// Forget the family unless another caller has already replaced it,
	// and look it up again (concurrent callers share the lookup).
	c.mu.Lock()
	if cur := c.families[family]; cur != nil && cur.ID == f.ID {
		delete(c.families, family)
	}
	c.mu.Unlock()
	nf, rerr := c.Family(ctx, family)
	if rerr != nil {
		if errors.Is(rerr, ErrFamilyNotFound) {
			return rerr
		}
		return err
	}
	if nf.ID == f.ID {
		return err
	}
	return fn(nf)
}

// Execute sends a request to a family and returns its replies (each
// message's payload starts with genlmsghdr).
func (c *Conn) Execute(ctx context.Context, family string, req Request) ([]socket.Message, error) {
	var out []socket.Message
	err := c.withFamily(ctx, family, func(f *Family) error {
		var err error
		out, err = c.sock.Execute(ctx, request(f, req))
		return err
	})
	return out, err
}

// Do sends a request to a family with NLM_F_ACK and decodes each reply's
// attributes (after genlmsghdr) into a T.
func Do[T any](ctx context.Context, c *Conn, family string, req Request) ([]T, error) {
	var out []T
	err := c.withFamily(ctx, family, func(f *Family) error {
		out = out[:0]
		return c.sock.Do(ctx, request(f, req), func(m socket.Message) error {
			var v T
			if err := decodeReply(m, &v); err != nil {
				return err
			}
			out = append(out, v)
			return nil
		})
	})
	return out, err
}

// Get sends a GET-style request to a family (without NLM_F_ACK: the reply
// ends it) and decodes its reply into *v. It reports whether there was a
// reply.
func Get[T any](ctx context.Context, c *Conn, family string, req Request, v *T) (bool, error) {
	var got bool
	err := c.withFamily(ctx, family, func(f *Family) error {
		var err error
		got, err = getReply(ctx, c.sock, request(f, req), v)
		return err
	})
	return got, err
}

// Dump runs a dump request on a family and streams each reply decoded into
// a T.
func Dump[T any](ctx context.Context, c *Conn, family string, req Request) iter.Seq2[*T, error] {
	return func(yield func(*T, error) bool) {
		f, err := c.Family(ctx, family)
		if err != nil {
			yield(nil, err)
			return
		}
		for v, err := range dumpReplies[T](ctx, c.sock, request(f, req)) {
			if errors.Is(err, unix.ENOENT) {
				c.forget(family)
			}
			if !yield(v, err) || err != nil {
				return
			}
		}
	}
}

// getReply decodes the one reply of a request sent without NLM_F_ACK.
func getReply[T any](ctx context.Context, s *socket.Conn, req socket.Request, v *T) (bool, error) {
	got := false
	err := s.DoOne(ctx, req, func(m socket.Message) error {
		got = true
		return decodeReply(m, v)
	})
	return got, err
}

// dumpReplies streams a dump's replies decoded into T.
func dumpReplies[T any](ctx context.Context, s *socket.Conn, req socket.Request) iter.Seq2[*T, error] {
	return func(yield func(*T, error) bool) {
		for m, err := range s.Dump(ctx, req) {
			if err != nil {
				yield(nil, err)
				return
			}
			v := new(T)
			if err := decodeReply(m, v); err != nil {
				yield(nil, err)
				return
			}
			if !yield(v, nil) {
				return
			}
		}
	}
}

// decodeReply decodes a reply's attributes, after genlmsghdr, into v.
func decodeReply(m socket.Message, v any) error {
	if len(m.Data) < HeaderLen {
		return fmt.Errorf("genl: reply of %d bytes is shorter than genlmsghdr", len(m.Data))
	}
	return marshal.Unmarshal(m.Data[HeaderLen:], v)
}
