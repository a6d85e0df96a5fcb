package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// runEnv makes the test binary run procwatch itself with the arguments
// in the variable (separated by spaces), as the child of TestNotRoot.
const runEnv = "PROCWATCH_TEST_ARGS"

func TestMain(m *testing.M) {
	if args, ok := os.LookupEnv(runEnv); ok {
		os.Exit(run(context.Background(), strings.Fields(args), os.Stdout, os.Stderr))
	}
	os.Exit(m.Run())
}

// syncBuffer is a buffer safe for concurrent use that signals when a
// line containing "listening" was written.
type syncBuffer struct {
	mu        sync.Mutex
	b         bytes.Buffer
	listening chan struct{}
	once      sync.Once
}

func newSyncBuffer() *syncBuffer { return &syncBuffer{listening: make(chan struct{})} }

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if bytes.Contains(p, []byte("listening")) {
		s.once.Do(func() { close(s.listening) })
	}
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func TestBadArguments(t *testing.T) {
	for _, args := range [][]string{{"-events", "bogus"}, {"-pid", "x"}, {"-pid", "-3"}, {"extra"}} {
		var out, errOut bytes.Buffer
		if got := run(context.Background(), args, &out, &errOut); got != 2 {
			t.Errorf("procwatch %q: exit %d, want 2; stderr %q", args, got, errOut.String())
		}
	}
}

// TestNotRoot checks that procwatch says clearly that it needs root.
func TestNotRoot(t *testing.T) {
	if os.Geteuid() != 0 {
		var out, errOut bytes.Buffer
		if got := run(context.Background(), nil, &out, &errOut); got != 1 || !strings.Contains(errOut.String(), "needs root") {
			t.Errorf("as uid %d: exit %d, stderr %q; want 1 and a message that root is needed", os.Geteuid(), got, errOut.String())
		}
		return
	}
	// As root: run procwatch (the test binary, copied where nobody can
	// reach it) as nobody.
	dir, err := os.MkdirTemp("", "procwatch-notroot")
	if err != nil {
		t.Fatal(err)
	}
	defer os.RemoveAll(dir)
	bin, err := os.ReadFile(os.Args[0])
	if err != nil {
		t.Fatal(err)
	}
	exe := dir + "/procwatch.test"
	if err := os.WriteFile(exe, bin, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(exe)
	cmd.Env = append(os.Environ(), runEnv+"=-for 1s")
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: 65534, Gid: 65534}}
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err = cmd.Run()
	if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() != 1 {
		t.Fatalf("as nobody: %v, want exit status 1; stderr %q", err, stderr.String())
	}
	if msg := stderr.String(); !strings.Contains(msg, "needs root") || !strings.Contains(msg, "uid 65534") {
		t.Errorf("as nobody: stderr %q, want it to say root is needed", msg)
	}
	if stdout.Len() != 0 {
		t.Errorf("as nobody: printed %q", stdout.String())
	}
}

// child starts a shell that waits for a line on its stdin, renames
// itself to name, and exits with code; it returns the shell and the
// writer that releases it.
func child(t *testing.T, name string, code int) (*exec.Cmd, io.WriteCloser) {
	t.Helper()
	cmd := exec.Command("/bin/sh", "-c", fmt.Sprintf("read x; printf %s > /proc/$$/comm; exit %d", name, code))
	in, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	return cmd, in
}

// watch runs procwatch with args until it returns, releasing the child
// once procwatch listens.
func watch(t *testing.T, args []string, release io.WriteCloser) (string, string) {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("needs root: procwatch listens to the proc connector")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	stdout, stderr := newSyncBuffer(), newSyncBuffer()
	done := make(chan int, 1)
	go func() { done <- run(ctx, args, stdout, stderr) }()
	select {
	case <-stderr.listening:
	case code := <-done:
		t.Fatalf("procwatch %q exited %d before listening: %s", args, code, stderr.String())
	}
	fmt.Fprintln(release)
	release.Close()
	if code := <-done; code != 0 {
		t.Fatalf("procwatch %q: exit %d; stderr %s", args, code, stderr.String())
	}
	return stdout.String(), stderr.String()
}

func TestJSONFilteredByTypeAndPid(t *testing.T) {
	cmd, release := child(t, "pwjson", 6)
	pid := cmd.Process.Pid
	out, errOut := watch(t, []string{"-json", "-events", "comm,exit", "-pid", fmt.Sprint(pid), "-n", "2"}, release)
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != 2 {
		t.Fatalf("%d lines, want 2 (comm and exit of %d):\n%s\nstderr: %s", len(lines), pid, out, errOut)
	}
	type line struct {
		Event    string `json:"event"`
		CPU      *int   `json:"cpu"`
		Time     string `json:"time"`
		Comm     string `json:"comm"`
		ExitCode *int   `json:"exit_code"`
		Data     struct {
			PID        int `json:"pid"`
			TGID       int `json:"tgid"`
			ParentTGID int `json:"parent_tgid"`
		} `json:"data"`
	}
	var comm, exit line
	if err := json.Unmarshal([]byte(lines[0]), &comm); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal([]byte(lines[1]), &exit); err != nil {
		t.Fatal(err)
	}
	if comm.Event != "comm" || comm.Comm != "pwjson" || comm.Data.PID != pid || comm.Data.TGID != pid || comm.CPU == nil {
		t.Errorf("first line %s: want the comm event of %d naming pwjson", lines[0], pid)
	}
	if _, err := time.Parse(time.RFC3339Nano, comm.Time); err != nil {
		t.Errorf("time %q: %v", comm.Time, err)
	}
	if exit.Event != "exit" || exit.ExitCode == nil || *exit.ExitCode != 6 || exit.Data.PID != pid || exit.Data.ParentTGID != os.Getpid() {
		t.Errorf("second line %s: want the exit of %d with code 6, parent %d", lines[1], pid, os.Getpid())
	}
	if !strings.Contains(errOut, "2 events printed") {
		t.Errorf("stderr %q does not report the count", errOut)
	}
}

func TestTextFilteredByPid(t *testing.T) {
	cmd, release := child(t, "pwtext", 3)
	pid := cmd.Process.Pid
	out, _ := watch(t, []string{"-events", "exit", "-pid", fmt.Sprint(pid), "-n", "1"}, release)
	want := fmt.Sprintf(" exit pid=%d/%d code=3 signal=17 parent=", pid, pid)
	if !strings.Contains(out, want) || strings.Count(out, "\n") != 1 || !strings.Contains(out, " cpu") {
		t.Errorf("output %q, want one line with %q", out, want)
	}
}
