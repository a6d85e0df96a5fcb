package vmtest

import (
	"fmt"
	"io"
	"path"
	"strings"
)

// cpioWriter writes a cpio archive in the "newc" format the kernel unpacks
// as an initramfs. It creates parent directories on demand (the kernel
// needs a directory before anything in it) and never writes one twice.
type cpioWriter struct {
	w    io.Writer
	n    int64 // bytes written
	ino  uint32
	dirs map[string]bool
	err  error
}

const (
	modeDir     = 0o040000
	modeFile    = 0o100000
	modeSymlink = 0o120000
)

// newCPIO writes to w; inodes start at firstIno, so that archives meant to
// be concatenated do not share inode numbers.
func newCPIO(w io.Writer, firstIno uint32) *cpioWriter {
	return &cpioWriter{w: w, ino: firstIno, dirs: map[string]bool{".": true, "/": true, "": true}}
}

func (c *cpioWriter) write(b []byte) {
	if c.err != nil {
		return
	}
	n, err := c.w.Write(b)
	c.n += int64(n)
	c.err = err
}

func (c *cpioWriter) pad() {
	if r := c.n % 4; r != 0 {
		c.write(make([]byte, 4-r))
	}
}

func (c *cpioWriter) header(name string, mode uint32, nlink uint32, size int) {
	c.ino++
	hdr := fmt.Sprintf("070701%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X",
		c.ino, mode, 0, 0, nlink, 0, size, 0, 0, 0, 0, len(name)+1, 0)
	c.write([]byte(hdr))
	c.write([]byte(name))
	c.write([]byte{0})
	c.pad()
}

// clean turns p into an archive path: relative, without "./" or "/".
func clean(p string) string {
	return strings.TrimPrefix(path.Clean("/"+p), "/")
}

// Dir adds a directory (and its parents) unless the archive has it.
func (c *cpioWriter) Dir(p string) {
	p = clean(p)
	if c.dirs[p] {
		return
	}
	c.Dir(path.Dir(p))
	c.dirs[p] = true
	c.header(p, modeDir|0o755, 2, 0)
}

// File adds a regular file with the given permission bits.
func (c *cpioWriter) File(p string, perm uint32, data []byte) {
	p = clean(p)
	c.Dir(path.Dir(p))
	c.header(p, modeFile|perm, 1, len(data))
	c.write(data)
	c.pad()
}

// Symlink adds a symbolic link p pointing at target.
func (c *cpioWriter) Symlink(p, target string) {
	p = clean(p)
	c.Dir(path.Dir(p))
	c.header(p, modeSymlink|0o777, 1, len(target))
	c.write([]byte(target))
	c.pad()
}

// Close writes the trailer. It does not close the underlying writer.
func (c *cpioWriter) Close() error {
	c.header("TRAILER!!!", 0, 1, 0)
	return c.err
}
