package sockettest_test

import (
	"context"
	"errors"
	"fmt"

	"golang.org/x/sys/unix"

	"github.com/nlstruct/nlstruct/socket"
	"github.com/nlstruct/nlstruct/socket/sockettest"
)

// setName is a request whose second attribute the fake kernel rejects.
type setName struct {
	Index uint32 `nl:"type=1"`
	Name  string `nl:"type=2"`
}

// A fake kernel that rejects a request with an extended ACK pointing at an
// attribute: the error names the Go field.
func Example() {
	conn, _ := sockettest.Dial(func(k *sockettest.Kernel, req socket.Message) {
		off := uint32(socket.HeaderLen + 8) // the second attribute, after Index's 8 bytes
		k.Ack(req, unix.EINVAL, &sockettest.ExtAck{Message: "name too long", Offset: &off})
	}, nil)
	defer conn.Close()

	err := conn.Do(context.Background(), socket.Request{Type: 0x20, Body: &setName{Index: 1, Name: "a-very-long-name"}}, nil)
	var e *socket.Error
	if errors.As(err, &e) {
		fmt.Println(errors.Is(err, unix.EINVAL), e.Message, e.Field)
	}
	// Output:
	// true name too long setName.Name
}
