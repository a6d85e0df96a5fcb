// Package netnstest gives a test its own network namespace, without moving
// the test (or any other goroutine) out of the namespace it runs in.
//
// New creates the namespace on a goroutine locked to its OS thread: the
// thread unshares its network namespace, opens it (the returned file
// descriptor keeps it alive), and switches back. Hand the descriptor to
// code that opens sockets in a namespace (socket.Config{NetNSFD: fd}), or
// run setup inside it with Run. The namespace is freed when the test ends
// and the descriptor is closed.
//
// Creating a namespace needs CAP_SYS_ADMIN: without it, New skips the test
// with a message saying so.
package netnstest

import (
	"errors"
	"fmt"
	"runtime"
	"testing"

	"golang.org/x/sys/unix"
)

// SkipMessage is the reason New gives when it may not create a namespace.
const SkipMessage = "needs root (CAP_SYS_ADMIN) to create a network namespace"

const threadNS = "/proc/thread-self/ns/net"

// New creates a private network namespace for the test and returns an
// open file descriptor for it (O_RDONLY, close-on-exec), which t.Cleanup
// closes. The calling goroutine stays in its namespace. Without the
// privilege to create a namespace, New skips the test.
func New(t testing.TB) int {
	t.Helper()
	fd, err := create()
	if err != nil {
		if errors.Is(err, unix.EPERM) || errors.Is(err, unix.EACCES) {
			t.Skipf("netnstest: %s: %v", SkipMessage, err)
		}
		t.Fatalf("netnstest: %v", err)
	}
	t.Cleanup(func() { unix.Close(fd) })
	return fd
}

// create makes the namespace on a locked thread of its own.
func create() (int, error) {
	type result struct {
		fd  int
		err error
	}
	ch := make(chan result, 1)
	go func() {
		runtime.LockOSThread()
		orig, err := unix.Open(threadNS, unix.O_RDONLY|unix.O_CLOEXEC, 0)
		if err != nil {
			runtime.UnlockOSThread()
			ch <- result{-1, fmt.Errorf("open current network namespace: %w", err)}
			return
		}
		defer unix.Close(orig)
		if err := unix.Unshare(unix.CLONE_NEWNET); err != nil {
			runtime.UnlockOSThread()
			ch <- result{-1, fmt.Errorf("unshare(CLONE_NEWNET): %w", err)}
			return
		}
		fd, openErr := unix.Open(threadNS, unix.O_RDONLY|unix.O_CLOEXEC, 0)
		if err := unix.Setns(orig, unix.CLONE_NEWNET); err != nil {
			// The thread is stuck in the new namespace: leave it locked,
			// so that the runtime terminates it when this goroutine ends.
			if openErr == nil {
				unix.Close(fd)
			}
			ch <- result{-1, fmt.Errorf("restore network namespace: %w", err)}
			return
		}
		runtime.UnlockOSThread()
		if openErr != nil {
			ch <- result{-1, fmt.Errorf("open new network namespace: %w", openErr)}
			return
		}
		ch <- result{fd, nil}
	}()
	r := <-ch
	return r.fd, r.err
}

// Run calls fn on a goroutine locked to an OS thread that is inside the
// network namespace fd, then switches the thread back. Sockets opened and
// commands started (exec.Command) by fn are in the namespace. fn may call
// t.Error but not t.FailNow or t.Fatal (they end fn's goroutine, not the
// test's: Run then fails the test); a panic in fn is re-raised in the
// caller.
func Run(t testing.TB, fd int, fn func()) {
	t.Helper()
	var (
		panicked, returned bool
		pval               any
		err                error
	)
	done := make(chan struct{})
	go func() {
		defer close(done)
		runtime.LockOSThread()
		orig, oerr := unix.Open(threadNS, unix.O_RDONLY|unix.O_CLOEXEC, 0)
		if oerr != nil {
			runtime.UnlockOSThread()
			err = fmt.Errorf("open current network namespace: %w", oerr)
			return
		}
		defer unix.Close(orig)
		if serr := unix.Setns(fd, unix.CLONE_NEWNET); serr != nil {
			runtime.UnlockOSThread()
			err = fmt.Errorf("enter network namespace: %w", serr)
			return
		}
		defer func() {
			if serr := unix.Setns(orig, unix.CLONE_NEWNET); serr != nil {
				// Keep the thread locked: it dies with this goroutine.
				err = fmt.Errorf("restore network namespace: %w", serr)
				return
			}
			runtime.UnlockOSThread()
		}()
		defer func() {
			if !returned {
				if pval = recover(); pval != nil {
					panicked = true
				}
			}
		}()
		fn()
		returned = true
	}()
	<-done
	switch {
	case panicked:
		panic(pval)
	case err != nil:
		t.Fatalf("netnstest: %v", err)
	case !returned:
		// fn called runtime.Goexit (t.FailNow from the wrong goroutine).
		t.FailNow()
	}
}

// Inode returns the inode number of the namespace file fd, which
// identifies the namespace.
func Inode(fd int) (uint64, error) {
	var st unix.Stat_t
	if err := unix.Fstat(fd, &st); err != nil {
		return 0, err
	}
	return st.Ino, nil
}

// ThreadInode returns the inode number of the network namespace of the
// calling OS thread. Call it with the goroutine locked to its thread
// (runtime.LockOSThread), or the answer may be about another thread.
func ThreadInode() (uint64, error) {
	var st unix.Stat_t
	if err := unix.Stat(threadNS, &st); err != nil {
		return 0, err
	}
	return st.Ino, nil
}
