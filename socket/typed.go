package socket

import (
	"context"
	"iter"

	"github.com/nlstruct/nlstruct/marshal"
)

// Query sends a request with NLM_F_ACK and decodes each reply message's
// payload into a T (a tagged struct) with marshal.Unmarshal.
func Query[T any](ctx context.Context, c *Conn, req Request) ([]T, error) {
	var out []T
	err := c.Do(ctx, req, func(m Message) error {
		var v T
		if err := marshal.Unmarshal(m.Data, &v); err != nil {
			return err
		}
		out = append(out, v)
		return nil
	})
	return out, err
}

// Get sends a GET-style request and decodes its one reply into *v. It
// does not ask for an ACK (saving a datagram per round trip): the reply
// itself, an error, or the end of a multipart reply completes the request,
// so use it only for requests that the kernel answers. When the reply is
// multipart, the last message wins; when there is none, *v is left as it
// was and Get reports false.
func Get[T any](ctx context.Context, c *Conn, req Request, v *T) (bool, error) {
	got := false
	err := c.DoOne(ctx, req, func(m Message) error {
		got = true
		return marshal.Unmarshal(m.Data, v)
	})
	return got, err
}

// DumpOf runs a dump and streams each reply decoded into a T.
func DumpOf[T any](ctx context.Context, c *Conn, req Request) iter.Seq2[*T, error] {
	return func(yield func(*T, error) bool) {
		for m, err := range c.Dump(ctx, req) {
			if err != nil {
				yield(nil, err)
				return
			}
			v := new(T)
			if err := marshal.Unmarshal(m.Data, v); err != nil {
				yield(nil, err)
				return
			}
			if !yield(v, nil) {
				return
			}
		}
	}
}
