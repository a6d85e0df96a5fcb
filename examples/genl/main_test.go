package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"golang.org/x/sys/unix"

	"github.com/nlstruct/nlstruct/families/genl"
)

// TestMain runs the program itself when asked to (see
// TestRunAsOrdinaryUser), instead of the tests.
func TestMain(m *testing.M) {
	if os.Getenv("GENL_EXAMPLE_RUN_MAIN") == "1" {
		main()
		os.Exit(0)
	}
	os.Exit(m.Run())
}

func dial(t *testing.T) *genl.Conn {
	t.Helper()
	c, err := genl.Dial(nil)
	if err != nil {
		if errors.Is(err, unix.EPROTONOSUPPORT) || errors.Is(err, unix.EAFNOSUPPORT) {
			t.Skipf("no NETLINK_GENERIC: %v", err)
		}
		t.Fatalf("Dial: %v", err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

func ctxFor(t *testing.T) context.Context {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	t.Cleanup(cancel)
	return ctx
}

func runOut(t *testing.T, args ...string) string {
	t.Helper()
	dial(t) // skip without NETLINK_GENERIC
	var buf bytes.Buffer
	if err := run(ctxFor(t), &buf, args); err != nil {
		t.Fatalf("run %q: %v", args, err)
	}
	return buf.String()
}

func TestRunText(t *testing.T) {
	out := runOut(t)
	if !regexp.MustCompile(`(?m)^nlctrl\n  id +0x10 \(16\)\n  version +\d+\n  header size +0\n  max attr +\d+\n  ops +3 +do, dump, has-policy\n`).MatchString(out) {
		t.Errorf("no nlctrl block with id 0x10 (16) and GETFAMILY's flags in:\n%s", out)
	}
	if !regexp.MustCompile(`(?m)^  groups +16 +notify$`).MatchString(out) {
		t.Errorf("no nlctrl notify group (16) in:\n%s", out)
	}
	// Every family the library lists is there, as a block of its own.
	fams, err := dial(t).Families(ctxFor(t))
	if err != nil {
		t.Fatalf("Families: %v", err)
	}
	for _, f := range fams {
		if !strings.Contains(out, "\n"+f.Name+"\n") && !strings.HasPrefix(out, f.Name+"\n") {
			t.Errorf("family %s missing from the output", f.Name)
		}
	}
	checkLayout(t, out)
}

// checkLayout checks the text is readable: no trailing spaces, and in each
// family block every value (after the labels "id", "header size", ...,
// and on continuation lines) starts in the same column.
func checkLayout(t *testing.T, out string) {
	t.Helper()
	for _, line := range strings.Split(out, "\n") {
		if strings.HasSuffix(line, " ") {
			t.Errorf("trailing space: %q", line)
		}
	}
	for _, block := range strings.Split(strings.TrimSpace(out), "\n\n") {
		if strings.HasPrefix(block, "policy") || strings.HasPrefix(block, "every operation") {
			continue // tables with a header line, checked by their regexps
		}
		lines := strings.Split(block, "\n")
		col := -1
		for _, line := range lines[1:] {
			body := strings.TrimPrefix(line, "  ")
			at := 2 + len(body) - len(strings.TrimLeft(body, " ")) // a continuation line
			if !strings.HasPrefix(body, " ") {
				label, _, ok := strings.Cut(body, "  ")
				if !ok {
					t.Errorf("no value after the label: %q", line)
					continue
				}
				rest := body[len(label):]
				at = 2 + len(label) + len(rest) - len(strings.TrimLeft(rest, " "))
			}
			if col < 0 {
				col = at
			}
			if at != col {
				t.Errorf("value of %q at column %d, want %d, in:\n%s", line, at, col, block)
			}
		}
	}
}

func TestRunJSON(t *testing.T) {
	out := runOut(t, "-json")
	var got []genl.Family
	if err := json.Unmarshal([]byte(out), &got); err != nil {
		t.Fatalf("-json output does not parse: %v\n%s", err, out)
	}
	want, err := dial(t).Families(ctxFor(t))
	if err != nil {
		t.Fatalf("Families: %v", err)
	}
	// JSON does not tell nil from empty slices.
	if d := cmp.Diff(want, got, cmpopts.EquateEmpty()); d != "" {
		t.Errorf("-json differs from Conn.Families (-library +json):\n%s", d)
	}
	var flags []struct {
		Name    string              `json:"name"`
		OpFlags map[string][]string `json:"op_flags"`
	}
	if err := json.Unmarshal([]byte(out), &flags); err != nil {
		t.Fatal(err)
	}
	if flags[0].Name != "nlctrl" || strings.Join(flags[0].OpFlags["3"], ",") != "do,dump,has-policy" {
		t.Errorf("nlctrl op_flags = %+v", flags[0])
	}
}

func TestRunFamilyPolicy(t *testing.T) {
	out := runOut(t, "-family", "nlctrl", "-policy")
	if strings.Count(out, "\nnlctrl\n")+strings.Count(out[:7], "nlctrl\n") != 1 || strings.Contains(out, "ethtool") {
		t.Errorf("-family nlctrl shows other families:\n%s", out)
	}
	// CTRL_ATTR_FAMILY_NAME: a NUL-terminated string of at most 15 bytes.
	if !regexp.MustCompile(`(?m)^  2 +nul-string +\.\.15$`).MatchString(out) {
		t.Errorf("no CTRL_ATTR_FAMILY_NAME policy line in:\n%s", out)
	}
	if !regexp.MustCompile(`(?m)^  3 +0 +0$`).MatchString(out) || !strings.Contains(out, "policy 0\n") {
		t.Errorf("no GETFAMILY op policy line in:\n%s", out)
	}
	checkLayout(t, out)

	// ethtool: nested policies are named by index.
	out = runOut(t, "-family", "ethtool", "-policy")
	if !regexp.MustCompile(`(?m)^  1 +nested +policy \d+ \(max attr \d+\)$`).MatchString(out) {
		t.Errorf("no nested header policy in ethtool's:\n%.2000s", out)
	}

	// And as JSON.
	var fams []struct {
		genl.Family
		Policy struct {
			Ops      map[string]genl.OpPolicy             `json:"ops"`
			Policies map[string]map[string]map[string]any `json:"policies"`
		} `json:"policy"`
	}
	js := runOut(t, "-json", "-family", "nlctrl", "-policy")
	if err := json.Unmarshal([]byte(js), &fams); err != nil {
		t.Fatalf("-json -policy: %v\n%s", err, js)
	}
	if len(fams) != 1 || fams[0].ID != 0x10 || fams[0].Policy.Ops["3"].Do == nil {
		t.Errorf("-json -family nlctrl -policy = %+v", fams)
	}
	if name := fams[0].Policy.Policies["0"]["2"]; name["kind"] != "nul-string" || name["max_length"] != 15.0 {
		t.Errorf("policy 0 attr 2 = %v", name)
	}
}

func TestRunFamilyWithoutPolicies(t *testing.T) {
	c := dial(t)
	if _, err := c.Family(ctxFor(t), "VFS_DQUOT"); err != nil {
		t.Skipf("no VFS_DQUOT family: %v", err)
	}
	out := runOut(t, "-family", "VFS_DQUOT", "-policy")
	if !strings.Contains(out, "VFS_DQUOT has no attribute policies") {
		t.Errorf("output:\n%s", out)
	}
}

func TestRunErrors(t *testing.T) {
	dial(t)
	stderr = io.Discard
	defer func() { stderr = os.Stderr }()
	ctx := ctxFor(t)
	var ue usageError
	if err := run(ctx, io.Discard, []string{"-policy"}); !errors.As(err, &ue) {
		t.Errorf("-policy alone: %v, want a usage error", err)
	}
	if err := run(ctx, io.Discard, []string{"extra"}); !errors.As(err, &ue) {
		t.Errorf("extra argument: %v, want a usage error", err)
	}
	if err := run(ctx, io.Discard, []string{"-family", "nlstruct-bogus"}); !errors.Is(err, genl.ErrFamilyNotFound) {
		t.Errorf("-family nlstruct-bogus: %v, want ErrFamilyNotFound", err)
	}
	if err := run(ctx, io.Discard, []string{"-nope"}); err == nil {
		t.Errorf("-nope accepted")
	}
	if err := run(ctx, io.Discard, []string{"-h"}); !errors.Is(err, flag.ErrHelp) {
		t.Errorf("-h: %v, want flag.ErrHelp", err)
	}
}

// TestRunAsOrdinaryUser runs the program (this test binary, in main mode)
// as user nobody: listing families and policies needs no privileges.
func TestRunAsOrdinaryUser(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("not root: the other tests already ran as an ordinary user")
	}
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	dir, err := os.MkdirTemp("", "genl-example-")
	if err != nil {
		t.Fatal(err)
	}
	defer os.RemoveAll(dir)
	bin := filepath.Join(dir, "genl")
	data, err := os.ReadFile(self)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(bin, data, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	want := runOut(t)
	for _, args := range [][]string{nil, {"-family", "nlctrl", "-policy"}} {
		cmd := exec.CommandContext(ctxFor(t), bin, args...)
		cmd.Dir = "/"
		cmd.Env = []string{"GENL_EXAMPLE_RUN_MAIN=1"}
		cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: 65534, Gid: 65534}}
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		out, err := cmd.Output()
		if err != nil {
			t.Fatalf("as nobody %q: %v\n%s", args, err, stderr.String())
		}
		if args == nil && string(out) != want {
			t.Errorf("as nobody the listing differs:\n%s\nas root:\n%s", out, want)
		}
		if !strings.Contains(string(out), "nlctrl\n") {
			t.Errorf("as nobody %q:\n%s", args, out)
		}
	}
}
