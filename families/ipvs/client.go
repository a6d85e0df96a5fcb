package ipvs

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/nlstruct/nlstruct/families/genl"
	"github.com/nlstruct/nlstruct/marshal"
	"github.com/nlstruct/nlstruct/socket"
)

func marshalLenError(n int) error {
	return fmt.Errorf("%w: an IPVS address has 4 or 16 bytes, got %d", marshal.ErrBadLength, n)
}

// serviceSpec is the part of a Service that requests carry (the kernel's
// ip_vs_svc_policy): identity and settings, no counters.
type serviceSpec struct {
	AF        uint16  `nl:"type=1"`
	Protocol  uint16  `nl:"type=2"`
	Address   Address `nl:"type=3"`
	Port      uint16  `nl:"type=4,be"`
	FWMark    uint32  `nl:"type=5,omitempty"`
	Scheduler string  `nl:"type=6,omitempty,maxlen=15"`
	Flags     *Flags  `nl:"type=7"`
	Timeout   *uint32 `nl:"type=8"`
	Netmask   *uint32 `nl:"type=9"`
	PEName    string  `nl:"type=11,omitempty,maxlen=15"`
}

// destSpec is the part of a Destination that requests carry.
type destSpec struct {
	Address     Address        `nl:"type=1"`
	Port        uint16         `nl:"type=2,be"`
	FwdMethod   *ForwardMethod `nl:"type=3"`
	Weight      *uint32        `nl:"type=4"`
	UpperThresh *uint32        `nl:"type=5"`
	LowerThresh *uint32        `nl:"type=6"`
	AF          uint16         `nl:"type=11,omitempty"`
	TunType     TunnelType     `nl:"type=13,omitempty"`
	TunPort     uint16         `nl:"type=14,be,omitempty"`
	TunFlags    uint16         `nl:"type=15,omitempty"`
}

// daemonSpec is the part of a Daemon that requests carry.
type daemonSpec struct {
	State       uint32   `nl:"type=1"`
	McastIfn    string   `nl:"type=2,omitempty,maxlen=15"`
	SyncID      *uint32  `nl:"type=3"`
	SyncMaxLen  uint16   `nl:"type=4,omitempty"`
	McastGroup  uint32   `nl:"type=5,be,omitempty"`
	McastGroup6 [16]byte `nl:"type=6,omitempty"`
	McastPort   uint16   `nl:"type=7,omitempty"` // host byte order
	McastTTL    uint8    `nl:"type=8,omitempty"`
}

// request is a command's top-level attributes as requests carry them.
type request struct {
	Service       *serviceSpec `nl:"type=1,nested"`
	Dest          *destSpec    `nl:"type=2,nested"`
	Daemon        *daemonSpec  `nl:"type=3,nested"`
	TimeoutTCP    uint32       `nl:"type=4,omitempty"`
	TimeoutTCPFin uint32       `nl:"type=5,omitempty"`
	TimeoutUDP    uint32       `nl:"type=6,omitempty"`
}

// key is the identifying part of a service.
func key(s *Service) *serviceSpec {
	return &serviceSpec{AF: s.AF, Protocol: s.Protocol, Address: s.Address, Port: s.Port, FWMark: s.FWMark}
}

// full is a service with all its settings, as new and set require.
func full(s *Service) *serviceSpec {
	k := key(s)
	k.Scheduler, k.PEName = s.Scheduler, s.PEName
	flags, timeout, netmask := s.Flags, s.Timeout, s.Netmask
	if flags.Mask == 0 {
		flags.Mask = ^uint32(0)
	}
	if netmask == 0 {
		netmask = ^uint32(0)
		if s.AF == afInet6 {
			netmask = 128
		}
	}
	k.Flags, k.Timeout, k.Netmask = &flags, &timeout, &netmask
	return k
}

func destFull(d *Destination) *destSpec {
	fwd, w, u, l := d.FwdMethod, d.Weight, d.UpperThresh, d.LowerThresh
	return &destSpec{Address: d.Address, Port: d.Port, FwdMethod: &fwd, Weight: &w, UpperThresh: &u, LowerThresh: &l,
		AF: d.AF, TunType: d.TunType, TunPort: d.TunPort, TunFlags: d.TunFlags}
}

// Client is an IPVS client. It is safe for concurrent use. Every method
// needs CAP_NET_ADMIN and the ip_vs module.
type Client struct {
	c *genl.Conn
}

// Dial opens a generic netlink socket for IPVS.
func Dial(cfg *socket.Config) (*Client, error) {
	c, err := genl.Dial(cfg)
	if err != nil {
		return nil, err
	}
	return &Client{c: c}, nil
}

// New returns a Client over an open generic netlink Conn.
func New(c *genl.Conn) *Client { return &Client{c: c} }

// Close closes the socket.
func (c *Client) Close() error { return c.c.Close() }

func (c *Client) do(ctx context.Context, cmd uint8, req *request) error {
	_, err := genl.Do[message](ctx, c.c, Family, genl.Request{Command: cmd, Body: req})
	if err != nil {
		return fmt.Errorf("ipvs: %s: %w", cmdNames[cmd], err)
	}
	return nil
}

var cmdNames = map[uint8]string{
	CmdNewService: "new service", CmdSetService: "set service", CmdDelService: "delete service", CmdGetService: "get service",
	CmdNewDest: "new destination", CmdSetDest: "set destination", CmdDelDest: "delete destination", CmdGetDest: "get destinations",
	CmdNewDaemon: "start daemon", CmdDelDaemon: "stop daemon", CmdGetDaemon: "get daemons",
	CmdSetConfig: "set timeouts", CmdGetConfig: "get timeouts", CmdGetInfo: "get info", CmdZero: "zero", CmdFlush: "flush",
}

// NewService creates a virtual service. A zero Flags.Mask sets every flag
// as given; a zero Netmask means a single address (/32 or /128).
func (c *Client) NewService(ctx context.Context, s *Service) error {
	return c.do(ctx, CmdNewService, &request{Service: full(s)})
}

// UpdateService changes a service's scheduler, flags, timeout and netmask.
func (c *Client) UpdateService(ctx context.Context, s *Service) error {
	return c.do(ctx, CmdSetService, &request{Service: full(s)})
}

// DeleteService deletes a service and its destinations.
func (c *Client) DeleteService(ctx context.Context, s *Service) error {
	return c.do(ctx, CmdDelService, &request{Service: key(s)})
}

// Service returns the service that s identifies.
func (c *Client) Service(ctx context.Context, s *Service) (*Service, error) {
	var m message
	got, err := genl.Get(ctx, c.c, Family, genl.Request{Command: CmdGetService, Body: &request{Service: key(s)}}, &m)
	if err != nil {
		return nil, fmt.Errorf("ipvs: get service: %w", err)
	}
	if !got || m.Service == nil {
		return nil, fmt.Errorf("ipvs: get service: no service in the reply")
	}
	return m.Service, nil
}

// Services lists every service.
func (c *Client) Services(ctx context.Context) ([]Service, error) {
	var out []Service
	for m, err := range genl.Dump[message](ctx, c.c, Family, genl.Request{Command: CmdGetService}) {
		if err != nil {
			return out, fmt.Errorf("ipvs: list services: %w", err)
		}
		if m.Service != nil {
			out = append(out, *m.Service)
		}
	}
	return out, nil
}

// NewDestination adds a real server to service s.
func (c *Client) NewDestination(ctx context.Context, s *Service, d *Destination) error {
	return c.do(ctx, CmdNewDest, &request{Service: key(s), Dest: destFull(d)})
}

// UpdateDestination changes a real server's forwarding method, weight and
// thresholds.
func (c *Client) UpdateDestination(ctx context.Context, s *Service, d *Destination) error {
	return c.do(ctx, CmdSetDest, &request{Service: key(s), Dest: destFull(d)})
}

// DeleteDestination removes a real server from service s.
func (c *Client) DeleteDestination(ctx context.Context, s *Service, d *Destination) error {
	return c.do(ctx, CmdDelDest, &request{Service: key(s), Dest: &destSpec{Address: d.Address, Port: d.Port, AF: d.AF}})
}

// Destinations lists the real servers of service s. For a service that
// does not exist the kernel lists none, without an error.
func (c *Client) Destinations(ctx context.Context, s *Service) ([]Destination, error) {
	var out []Destination
	for m, err := range genl.Dump[message](ctx, c.c, Family, genl.Request{Command: CmdGetDest, Body: &request{Service: key(s)}}) {
		if err != nil {
			return out, fmt.Errorf("ipvs: list destinations: %w", err)
		}
		if m.Dest != nil {
			out = append(out, *m.Dest)
		}
	}
	return out, nil
}

// Timeouts returns the TCP, TCP FIN and UDP timeouts.
func (c *Client) Timeouts(ctx context.Context) (Timeouts, error) {
	var m message
	if _, err := genl.Get(ctx, c.c, Family, genl.Request{Command: CmdGetConfig}, &m); err != nil {
		return Timeouts{}, fmt.Errorf("ipvs: get timeouts: %w", err)
	}
	var t Timeouts
	for _, f := range []struct {
		dst *uint32
		src *uint32
	}{{&t.TCP, m.TimeoutTCP}, {&t.TCPFin, m.TimeoutTCPFin}, {&t.UDP, m.TimeoutUDP}} {
		if f.src != nil {
			*f.dst = *f.src
		}
	}
	return t, nil
}

// SetTimeouts sets the timeouts; a zero leaves that timeout unchanged.
func (c *Client) SetTimeouts(ctx context.Context, t Timeouts) error {
	return c.do(ctx, CmdSetConfig, &request{TimeoutTCP: t.TCP, TimeoutTCPFin: t.TCPFin, TimeoutUDP: t.UDP})
}

// Info returns IPVS's version and connection table size.
func (c *Client) Info(ctx context.Context) (Info, error) {
	var i Info
	if _, err := genl.Get(ctx, c.c, Family, genl.Request{Command: CmdGetInfo}, &i); err != nil {
		return Info{}, fmt.Errorf("ipvs: get info: %w", err)
	}
	return i, nil
}

// Daemons lists the running sync daemons.
func (c *Client) Daemons(ctx context.Context) ([]Daemon, error) {
	var out []Daemon
	for m, err := range genl.Dump[message](ctx, c.c, Family, genl.Request{Command: CmdGetDaemon}) {
		if err != nil {
			return out, fmt.Errorf("ipvs: list daemons: %w", err)
		}
		if m.Daemon != nil {
			out = append(out, *m.Daemon)
		}
	}
	return out, nil
}

// NewDaemon starts a sync daemon.
func (c *Client) NewDaemon(ctx context.Context, d *Daemon) error {
	id := d.SyncID
	return c.do(ctx, CmdNewDaemon, &request{Daemon: &daemonSpec{State: d.State, McastIfn: d.McastIfn, SyncID: &id,
		SyncMaxLen: d.SyncMaxLen, McastGroup: d.McastGroup, McastGroup6: d.McastGroup6, McastPort: d.McastPort, McastTTL: d.McastTTL}})
}

// daemonStopWait bounds the wait for the kernel's answer to a stop
// request; see DeleteDaemon.
const daemonStopWait = time.Second

// DeleteDaemon stops the sync daemon in the given state (StateMaster or
// StateBackup).
//
// The kernel sends no answer at all, neither an acknowledgement nor an
// error, when it stops a daemon whose thread has not run yet (within
// moments of NewDaemon): kthread_stop returns -EINTR, and netlink_rcv_skb
// sends nothing for -EINTR. Generic netlink handles a request while it is
// being sent, so an answer that has not come after daemonStopWait will
// not come: DeleteDaemon then lists the daemons, and reports success if
// the daemon is gone.
func (c *Client) DeleteDaemon(ctx context.Context, state uint32) error {
	wctx, cancel := context.WithTimeout(ctx, daemonStopWait)
	err := c.do(wctx, CmdDelDaemon, &request{Daemon: &daemonSpec{State: state}})
	cancel()
	if err == nil || ctx.Err() != nil || !errors.Is(err, context.DeadlineExceeded) {
		return err
	}
	ds, lerr := c.Daemons(ctx)
	if lerr != nil {
		return err
	}
	for _, d := range ds {
		if d.State == state {
			return err
		}
	}
	return nil
}

// Flush deletes every service and destination.
func (c *Client) Flush(ctx context.Context) error { return c.do(ctx, CmdFlush, &request{}) }

// Zero zeroes the counters of service s, or of every service when s is
// nil.
func (c *Client) Zero(ctx context.Context, s *Service) error {
	req := &request{}
	if s != nil {
		req.Service = key(s)
	}
	return c.do(ctx, CmdZero, req)
}
