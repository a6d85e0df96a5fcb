package marshal_test

import (
	"errors"
	"testing"

	"github.com/nlstruct/nlstruct/marshal"
)

// TestNotAStruct: arguments that are not structs (or pointers to them)
// are invalid arguments, not tag mistakes.
func TestNotAStruct(t *testing.T) {
	n := 7
	if _, err := marshal.Marshal(&n); !errors.Is(err, marshal.ErrInvalid) || errors.Is(err, marshal.ErrTag) {
		t.Errorf("Marshal(*int) = %v, want ErrInvalid", err)
	}
	if err := marshal.Unmarshal(nil, &n); !errors.Is(err, marshal.ErrInvalid) || errors.Is(err, marshal.ErrTag) {
		t.Errorf("Unmarshal(*int) = %v, want ErrInvalid", err)
	}
}
