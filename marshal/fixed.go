package marshal

import (
	"encoding/binary"
	"slices"
)

// fixedLayout is a C struct (or array) with no attributes: its wire bytes
// are its Go memory, except that big-endian integers are byte-swapped on a
// little-endian host, padding fields (named _) are written as zeros, and
// bools are read as 0 or 1.
type fixedLayout struct {
	size  int
	ints  []leaf // every integer
	swaps []leaf // integers whose wire order differs from the host's
	pads  []leaf // _ fields
	bools []int  // offsets of bools
	plain bool   // wire bytes == memory: copy and done
	// Decoding copies the first dataLen bytes and zeroes the rest:
	// dataLen is size less any padding at the end. decPlain says that
	// nothing else needs doing (no swaps, no bools, no other padding).
	dataLen  int
	decPlain bool
}

type leaf struct{ off, size int }

var hostBigEndian = binary.NativeEndian.Uint16([]byte{0x12, 0x34}) == 0x1234

// finish merges adjacent padding (an array of padding bytes is one leaf
// per byte until here) and works out the shortcuts.
func (l *fixedLayout) finish() {
	slices.SortFunc(l.pads, func(a, b leaf) int { return a.off - b.off })
	var pads []leaf
	for _, pd := range l.pads {
		if n := len(pads); n > 0 && pads[n-1].off+pads[n-1].size == pd.off {
			pads[n-1].size += pd.size
			continue
		}
		pads = append(pads, pd)
	}
	l.pads = pads
	l.plain = len(l.swaps) == 0 && len(l.pads) == 0 && len(l.bools) == 0
	l.dataLen = l.size
	inner := len(l.pads)
	if inner > 0 && l.pads[inner-1].off+l.pads[inner-1].size == l.size {
		l.dataLen = l.pads[inner-1].off
		inner--
	}
	l.decPlain = len(l.swaps) == 0 && inner == 0 && len(l.bools) == 0
}

func (l *fixedLayout) boolLeaves() []leaf {
	out := make([]leaf, len(l.bools))
	for i, o := range l.bools {
		out[i] = leaf{o, 1}
	}
	return out
}

// append appends the wire form of the layout at p.
func (l *fixedLayout) append(b []byte, p pointer) []byte {
	start := len(b)
	b = append(b, p.mem(uintptr(l.size))...)
	if !l.plain {
		l.fixup(b[start:])
	}
	return b
}

// decode fills the layout at p from data, which holds at least l.size
// bytes, or fewer when the field allows it (minlen=), the rest zeroed.
func (l *fixedLayout) decode(data []byte, p pointer) {
	m := p.mem(uintptr(l.size))
	n := copy(m[:l.dataLen], data)
	clear(m[n:])
	if !l.decPlain {
		l.fixup(m)
	}
}

// fixup converts between memory and wire form in place (both directions
// are the same operation).
func (l *fixedLayout) fixup(w []byte) {
	for _, s := range l.swaps {
		x := w[s.off : s.off+s.size]
		for i, j := 0, len(x)-1; i < j; i, j = i+1, j-1 {
			x[i], x[j] = x[j], x[i]
		}
	}
	for _, pd := range l.pads {
		clear(w[pd.off : pd.off+pd.size])
	}
	for _, o := range l.bools {
		if w[o] != 0 {
			w[o] = 1
		}
	}
}
