package genl_test

// genl.Conn against a fake kernel (socket/sockettest): family-id
// resolution, its cache, and re-resolution when the family's id changes
// (as after a module reload) or the family disappears.

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/nlstruct/nlstruct/families/genl"
	"github.com/nlstruct/nlstruct/marshal"
	"github.com/nlstruct/nlstruct/socket"
	"github.com/nlstruct/nlstruct/socket/sockettest"
)

// ctrlRequest decodes the controller requests genl sends.
type ctrlRequest struct {
	ID   uint16  `nl:"type=1"`
	Name string  `nl:"type=2"`
	Op   *uint32 `nl:"type=10"`
}

// pingReply is what the fake family answers: the id the request was sent
// to and the command it carried.
type pingReply struct {
	SentTo  uint32 `nl:"type=1"`
	Command uint8  `nl:"type=2"`
}

const fakeVersion = 3

// fakeKernel is a controller that knows one family, "fam", and the family
// itself.
type fakeKernel struct {
	mu sync.Mutex
	// answers are the ids successive CTRL_CMD_GETFAMILY "fam" requests get
	// (the last repeats); 0 means the family is gone (ENOENT).
	answers []uint16
	// live is the id the family has now; requests to any other id fail
	// with ENOENT, as the kernel fails requests to an unknown family.
	live uint16
	// objectENOENT makes the live family itself answer ENOENT (an object
	// not found, not the family gone).
	objectENOENT bool

	getFamily  int            // GETFAMILY requests for "fam"
	ctrlFlags  []uint16       // the flags of each controller request
	byID       map[uint16]int // requests per family id
	lastHeader genl.Header    // the genlmsghdr of the last family request
}

func newFake(t testing.TB, live uint16, answers ...uint16) (*genl.Conn, *fakeKernel) {
	t.Helper()
	f := &fakeKernel{answers: answers, live: live, byID: map[uint16]int{}}
	conn, _ := sockettest.Dial(f.handle, nil)
	c := genl.NewConn(conn)
	t.Cleanup(func() { c.Close() })
	return c, f
}

func genlPayload(cmd, version uint8, body any) []byte {
	b, err := marshal.Append([]byte{cmd, version, 0, 0}, body)
	if err != nil {
		panic(err)
	}
	return b
}

func (f *fakeKernel) handle(k *sockettest.Kernel, req socket.Message) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if len(req.Data) < genl.HeaderLen {
		k.Ack(req, unix.EINVAL, nil)
		return
	}
	if req.Header.Type == genl.IDCtrl {
		f.ctrlFlags = append(f.ctrlFlags, req.Header.Flags)
		var r ctrlRequest
		if req.Data[0] != genl.CtrlCmdGetFamily || marshal.Unmarshal(req.Data[genl.HeaderLen:], &r) != nil {
			k.Ack(req, unix.EOPNOTSUPP, nil)
			return
		}
		if r.Name != "fam" && r.ID == 0 || r.ID != 0 && r.ID != f.live {
			k.Ack(req, unix.ENOENT, nil)
			return
		}
		f.getFamily++
		id := f.answers[min(f.getFamily, len(f.answers))-1]
		if r.ID != 0 {
			id = r.ID
		}
		if id == 0 {
			k.Ack(req, unix.ENOENT, nil)
			return
		}
		k.Reply(req, 0, genlPayload(genl.CtrlCmdNewFamily, 2, &genl.Family{
			ID: id, Name: "fam", Version: fakeVersion, MaxAttr: 2,
			Ops:    []genl.Op{{ID: 1, Flags: genl.CmdCapDo | genl.CmdCapDump}},
			Groups: []genl.MulticastGroup{{Name: "events", ID: 9}},
		}))
		return
	}
	f.byID[req.Header.Type]++
	if req.Header.Type != f.live || f.objectENOENT {
		k.Ack(req, unix.ENOENT, nil)
		return
	}
	h := genl.Header{Command: req.Data[0], Version: req.Data[1]}
	f.lastHeader = h
	reply := genlPayload(h.Command, fakeVersion, &pingReply{SentTo: uint32(req.Header.Type), Command: h.Command})
	switch {
	case req.Header.Flags&socket.FlagDump == socket.FlagDump:
		k.Reply(req, socket.FlagMulti, reply)
		k.Reply(req, socket.FlagMulti, reply)
		k.Done(req, 0, 0)
	case req.Header.Flags&socket.FlagAck != 0:
		k.Reply(req, 0, reply)
		k.Ack(req, 0, nil)
	default:
		k.Reply(req, 0, reply)
	}
}

// counts returns the GETFAMILY count and the requests to ids a and b.
func (f *fakeKernel) counts(ids ...uint16) (int, []int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	var n []int
	for _, id := range ids {
		n = append(n, f.byID[id])
	}
	return f.getFamily, n
}

func fakeCtx(t testing.TB) context.Context {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// requestKinds are the ways of sending a request to a family, each
// returning the decoded reply.
var requestKinds = []struct {
	name string
	send func(ctx context.Context, c *genl.Conn, req genl.Request) (pingReply, error)
}{
	{"Do", func(ctx context.Context, c *genl.Conn, req genl.Request) (pingReply, error) {
		rs, err := genl.Do[pingReply](ctx, c, "fam", req)
		if err != nil {
			return pingReply{}, err
		}
		if len(rs) != 1 {
			return pingReply{}, fmt.Errorf("%d replies", len(rs))
		}
		return rs[0], nil
	}},
	{"Get", func(ctx context.Context, c *genl.Conn, req genl.Request) (pingReply, error) {
		var r pingReply
		got, err := genl.Get(ctx, c, "fam", req, &r)
		if err == nil && !got {
			err = errors.New("no reply")
		}
		return r, err
	}},
	{"Execute", func(ctx context.Context, c *genl.Conn, req genl.Request) (pingReply, error) {
		ms, err := c.Execute(ctx, "fam", req)
		if err != nil {
			return pingReply{}, err
		}
		if len(ms) != 1 {
			return pingReply{}, fmt.Errorf("%d replies", len(ms))
		}
		var r pingReply
		return r, marshal.Unmarshal(ms[0].Data[genl.HeaderLen:], &r)
	}},
}

func TestFakeFamilyReresolved(t *testing.T) {
	for _, rk := range requestKinds {
		t.Run(rk.name, func(t *testing.T) {
			// The family was at 30 when it was resolved and is at 31 by
			// the time the request is sent.
			c, f := newFake(t, 31, 30, 31)
			ctx := fakeCtx(t)
			r, err := rk.send(ctx, c, genl.Request{Command: 1})
			if err != nil {
				t.Fatalf("%s: %v", rk.name, err)
			}
			if r.SentTo != 31 || r.Command != 1 {
				t.Errorf("reply %+v, want one from id 31 to command 1", r)
			}
			gets, n := f.counts(30, 31)
			if gets != 2 || n[0] != 1 || n[1] != 1 {
				t.Errorf("GETFAMILY %d times, requests to 30: %d, to 31: %d; want 2, 1, 1 (one retry)", gets, n[0], n[1])
			}
			// The new id is cached: no more GETFAMILY.
			if _, err := rk.send(ctx, c, genl.Request{Command: 1}); err != nil {
				t.Fatalf("second %s: %v", rk.name, err)
			}
			fam, err := c.Family(ctx, "fam")
			if err != nil || fam.ID != 31 {
				t.Errorf("Family(fam) = %+v, %v, want id 31", fam, err)
			}
			gets, n = f.counts(30, 31)
			if gets != 2 || n[0] != 1 || n[1] != 2 {
				t.Errorf("after a second request: GETFAMILY %d times, to 30: %d, to 31: %d; want 2, 1, 2", gets, n[0], n[1])
			}
		})
	}
}

func TestFakeFamilyGone(t *testing.T) {
	for _, rk := range requestKinds {
		t.Run(rk.name, func(t *testing.T) {
			// Resolved at 30, then unloaded for good.
			c, f := newFake(t, 0, 30, 0)
			ctx := fakeCtx(t)
			_, err := rk.send(ctx, c, genl.Request{Command: 1})
			if !errors.Is(err, genl.ErrFamilyNotFound) || !errors.Is(err, unix.ENOENT) {
				t.Fatalf("%s on a gone family = %v, want ErrFamilyNotFound wrapping ENOENT", rk.name, err)
			}
			gets, n := f.counts(30)
			if gets != 2 || n[0] != 1 {
				t.Errorf("GETFAMILY %d times, requests to 30: %d; want 2 and 1", gets, n[0])
			}
			// The stale id was forgotten: the next lookup asks again.
			if _, err := c.Family(ctx, "fam"); !errors.Is(err, genl.ErrFamilyNotFound) {
				t.Errorf("Family(fam) = %v, want ErrFamilyNotFound", err)
			}
			if gets, _ := f.counts(); gets != 3 {
				t.Errorf("GETFAMILY %d times, want 3: a gone family must not stay cached", gets)
			}
		})
	}
}

// TestFakeObjectNotFound: ENOENT from the family itself (an object it does
// not have) while its id is unchanged is returned as it is, not retried and
// not turned into ErrFamilyNotFound. genl checks the id with one GETFAMILY.
func TestFakeObjectNotFound(t *testing.T) {
	c, f := newFake(t, 30, 30)
	f.objectENOENT = true
	ctx := fakeCtx(t)
	_, err := genl.Do[pingReply](ctx, c, "fam", genl.Request{Command: 1})
	var se *socket.Error
	if !errors.As(err, &se) || se.Errno != unix.ENOENT || errors.Is(err, genl.ErrFamilyNotFound) {
		t.Fatalf("Do = %v, want the family's own *socket.Error ENOENT", err)
	}
	gets, n := f.counts(30)
	if n[0] != 1 {
		t.Errorf("requests to 30: %d, want 1 (the id did not change: no retry)", n[0])
	}
	if gets != 2 {
		t.Errorf("GETFAMILY %d times, want 2 (resolution, then one check that the id is unchanged)", gets)
	}
	t.Logf("an object-level ENOENT costs %d GETFAMILY round trip(s) beyond the first", gets-1)
}

func TestFakeFamilyCache(t *testing.T) {
	c, f := newFake(t, 30, 30)
	ctx := fakeCtx(t)
	first, err := c.Family(ctx, "fam")
	if err != nil {
		t.Fatalf("Family: %v", err)
	}
	want := genl.Family{ID: 30, Name: "fam", Version: fakeVersion, MaxAttr: 2,
		Ops: []genl.Op{{ID: 1, Flags: genl.CmdCapDo | genl.CmdCapDump}}, Groups: []genl.MulticastGroup{{Name: "events", ID: 9}}}
	if fmt.Sprint(*first) != fmt.Sprint(want) {
		t.Errorf("Family = %+v, want %+v", *first, want)
	}
	for i := range 5 {
		if _, err := genl.Do[pingReply](ctx, c, "fam", genl.Request{Command: uint8(i + 1)}); err != nil {
			t.Fatalf("Do %d: %v", i, err)
		}
	}
	again, _ := c.Family(ctx, "fam")
	if id, err := c.GroupID(ctx, "fam", "events"); err != nil || id != 9 {
		t.Errorf("GroupID(fam, events) = %d, %v, want 9", id, err)
	}
	gets, n := f.counts(30)
	if gets != 1 || n[0] != 5 || again != first {
		t.Errorf("GETFAMILY %d times (want 1), requests %d (want 5), same *Family: %v", gets, n[0], again == first)
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	// GETFAMILY goes without NLM_F_ACK (its reply ends it), as a request.
	if len(f.ctrlFlags) != 1 || f.ctrlFlags[0]&socket.FlagAck != 0 || f.ctrlFlags[0]&socket.FlagRequest == 0 {
		t.Errorf("GETFAMILY flags %#x, want NLM_F_REQUEST without NLM_F_ACK", f.ctrlFlags)
	}
}

// TestFakeRequestHeader: requests carry the command and the family's
// version in genlmsghdr, unless Request.Version overrides it.
func TestFakeRequestHeader(t *testing.T) {
	c, f := newFake(t, 30, 30)
	ctx := fakeCtx(t)
	for _, tc := range []struct {
		req  genl.Request
		want genl.Header
	}{
		{genl.Request{Command: 7}, genl.Header{Command: 7, Version: fakeVersion}},
		{genl.Request{Command: 8, Version: 1}, genl.Header{Command: 8, Version: 1}},
	} {
		if _, err := genl.Do[pingReply](ctx, c, "fam", tc.req); err != nil {
			t.Fatalf("Do: %v", err)
		}
		f.mu.Lock()
		got := f.lastHeader
		f.mu.Unlock()
		if got != tc.want {
			t.Errorf("request %+v sent genlmsghdr %+v, want %+v", tc.req, got, tc.want)
		}
	}
}

func TestFakeFamilyByIDAndNotFound(t *testing.T) {
	c, _ := newFake(t, 30, 30)
	ctx := fakeCtx(t)
	f, err := c.FamilyByID(ctx, 30)
	if err != nil || f.Name != "fam" || f.ID != 30 {
		t.Errorf("FamilyByID(30) = %+v, %v", f, err)
	}
	if _, err := c.FamilyByID(ctx, 99); !errors.Is(err, genl.ErrFamilyNotFound) {
		t.Errorf("FamilyByID(99) = %v, want ErrFamilyNotFound", err)
	}
	if _, err := c.Family(ctx, "nope"); !errors.Is(err, genl.ErrFamilyNotFound) || !errors.Is(err, unix.ENOENT) {
		t.Errorf("Family(nope) = %v, want ErrFamilyNotFound", err)
	}
}

// TestFakeDumpForgetsGoneFamily: a dump is a stream and is not retried,
// but an ENOENT makes the next request resolve the family again.
func TestFakeDumpForgetsGoneFamily(t *testing.T) {
	c, f := newFake(t, 31, 30, 31)
	ctx := fakeCtx(t)
	dump := func() (int, error) {
		n := 0
		for r, err := range genl.Dump[pingReply](ctx, c, "fam", genl.Request{Command: 2}) {
			if err != nil {
				return n, err
			}
			if r.SentTo != 31 {
				return n, fmt.Errorf("reply from %d", r.SentTo)
			}
			n++
		}
		return n, nil
	}
	if _, err := dump(); !errors.Is(err, unix.ENOENT) {
		t.Fatalf("first dump = %v, want ENOENT from the stale id", err)
	}
	n, err := dump()
	if err != nil || n != 2 {
		t.Fatalf("second dump = %d replies, %v; want 2 from id 31", n, err)
	}
	if gets, ids := f.counts(30, 31); gets != 2 || ids[0] != 1 || ids[1] != 1 {
		t.Errorf("GETFAMILY %d, to 30: %d, to 31: %d; want 2, 1, 1", gets, ids[0], ids[1])
	}
}

// TestFakeConcurrent uses Family, Do and re-resolution from many
// goroutines (run with -race).
func TestFakeConcurrent(t *testing.T) {
	for _, tc := range []struct {
		name    string
		live    uint16
		answers []uint16
	}{
		{"stable", 30, []uint16{30}},
		{"reloaded", 31, []uint16{30, 31}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, f := newFake(t, tc.live, tc.answers...)
			ctx := fakeCtx(t)
			const workers, rounds = 32, 20
			var wg sync.WaitGroup
			errs := make(chan error, workers)
			start := make(chan struct{})
			for w := range workers {
				wg.Go(func() {
					<-start // all at once: concurrent first lookups
					for i := range rounds {
						fam, err := c.Family(ctx, "fam")
						if err != nil {
							errs <- fmt.Errorf("worker %d: Family: %w", w, err)
							return
						}
						if fam.Name != "fam" || (fam.ID != 30 && fam.ID != 31) {
							errs <- fmt.Errorf("worker %d: Family = %+v", w, fam)
							return
						}
						r, err := genl.Do[pingReply](ctx, c, "fam", genl.Request{Command: uint8(i%200 + 1)})
						if err != nil {
							errs <- fmt.Errorf("worker %d round %d: Do: %w", w, i, err)
							return
						}
						if len(r) != 1 || r[0].SentTo != uint32(tc.live) {
							errs <- fmt.Errorf("worker %d: replies %+v", w, r)
							return
						}
					}
				})
			}
			close(start)
			wg.Wait()
			close(errs)
			for err := range errs {
				t.Error(err)
			}
			fam, err := c.Family(ctx, "fam")
			if err != nil || fam.ID != tc.live {
				t.Errorf("final Family = %+v, %v, want id %d", fam, err, tc.live)
			}
			gets, n := f.counts(tc.live)
			if n[0] != workers*rounds {
				t.Errorf("%d requests reached id %d, want %d", n[0], tc.live, workers*rounds)
			}
			// Concurrent lookups of one family share a request: one
			// GETFAMILY when the family stays, a few more when it moved
			// (callers that failed on the old id before the new one was
			// cached look it up again).
			if gets < 1 || gets > 2*workers || (tc.name == "stable" && gets != 1) {
				t.Errorf("GETFAMILY %d times for %d goroutines", gets, workers)
			}
			t.Logf("%d GETFAMILY requests for %d goroutines", gets, workers)
		})
	}
}
