// Command genl lists the running kernel's generic netlink families, like
// iproute2's `genl ctrl list`: each family's id, version, header size,
// highest attribute, operations (with their flags by name) and multicast
// groups. With -family NAME it shows one family, and with -policy too the
// attribute policies the kernel validates that family's requests against.
// It needs no privileges.
//
//	go run ./examples/genl
//	go run ./examples/genl -family nlctrl -policy
//	go run ./examples/genl -json
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"maps"
	"os"
	"os/signal"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"golang.org/x/sys/unix"

	"github.com/nlstruct/nlstruct/families/genl"
	"github.com/nlstruct/nlstruct/socket"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	if err := run(ctx, os.Stdout, os.Args[1:]); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			os.Exit(0)
		}
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}

// stderr receives flag errors and usage (tests silence it).
var stderr io.Writer = os.Stderr

// usageError is a mistake in the command line.
type usageError struct{ msg string }

func (e usageError) Error() string { return e.msg }

// run is the program: it parses args (without the program name) and
// writes the listing to w.
func run(ctx context.Context, w io.Writer, args []string) error {
	fs := flag.NewFlagSet("genl", flag.ContinueOnError)
	fs.SetOutput(stderr)
	jsonOut := fs.Bool("json", false, "print JSON instead of text")
	family := fs.String("family", "", "show only the family `NAME`")
	policy := fs.Bool("policy", false, "with -family: print the family's attribute policies per operation")
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "usage: genl [-json] [-family NAME [-policy]]\n\n"+
			"Lists the kernel's generic netlink families (like `genl ctrl list`).\n\n")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usageError{fmt.Sprintf("unexpected arguments: %q", fs.Args())}
	}
	if *policy && *family == "" {
		return usageError{"-policy needs -family NAME"}
	}

	c, err := genl.Dial(nil)
	if err != nil {
		return err
	}
	defer c.Close()

	var fams []genl.Family
	if *family != "" {
		f, err := c.Family(ctx, *family)
		if err != nil {
			return err
		}
		fams = []genl.Family{*f}
	} else if fams, err = c.Families(ctx); err != nil {
		return err
	}

	var pol *genl.Policy
	if *policy {
		pol, err = c.Policy(ctx, *family, nil)
		if errors.Is(err, unix.ENODATA) {
			// The family validates nothing with a policy table.
			pol, err = &genl.Policy{FamilyID: fams[0].ID}, nil
		}
		if err != nil {
			return err
		}
	}

	if *jsonOut {
		return writeJSON(w, fams, pol)
	}
	return writeText(w, fams, pol)
}

// opFlagNames are the GENL_* operation flags, lowest bit first.
var opFlagNames = []struct {
	bit  uint32
	name string
}{
	{genl.AdminPerm, "admin-perm"},
	{genl.CmdCapDo, "do"},
	{genl.CmdCapDump, "dump"},
	{genl.CmdCapHasPol, "has-policy"},
	{genl.UnsAdminPerm, "uns-admin-perm"},
}

// opFlags names an operation's flags, e.g. "do, dump, has-policy".
func opFlags(f uint32) []string {
	var names []string
	for _, n := range opFlagNames {
		if f&n.bit != 0 {
			names = append(names, n.name)
			f &^= n.bit
		}
	}
	if f != 0 {
		names = append(names, fmt.Sprintf("%#x", f))
	}
	return names
}

func writeText(w io.Writer, fams []genl.Family, pol *genl.Policy) error {
	var buf bytes.Buffer
	tw := tabwriter.NewWriter(&buf, 0, 4, 2, ' ', 0)
	for i, f := range fams {
		if i > 0 {
			fmt.Fprintln(tw)
		}
		fmt.Fprintf(tw, "%s\n", f.Name)
		fmt.Fprintf(tw, "  id\t%#x (%d)\n", f.ID, f.ID)
		fmt.Fprintf(tw, "  version\t%d\n", f.Version)
		fmt.Fprintf(tw, "  header size\t%d\n", f.HeaderSize)
		fmt.Fprintf(tw, "  max attr\t%d\n", f.MaxAttr)
		label := "ops"
		if len(f.Ops) == 0 {
			fmt.Fprintf(tw, "  %s\t-\n", label)
		}
		for _, op := range f.Ops {
			fmt.Fprintf(tw, "  %s\t%d\t%s\n", label, op.ID, strings.Join(opFlags(op.Flags), ", "))
			label = ""
		}
		label = "groups"
		if len(f.Groups) == 0 {
			fmt.Fprintf(tw, "  %s\t-\n", label)
		}
		for _, g := range f.Groups {
			fmt.Fprintf(tw, "  %s\t%d\t%s\n", label, g.ID, g.Name)
			label = ""
		}
	}
	if pol != nil {
		writePolicyText(tw, fams[0], pol)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	// Empty trailing cells leave padding behind: drop it.
	var out bytes.Buffer
	for line := range bytes.Lines(buf.Bytes()) {
		out.Write(bytes.TrimRight(line, " \n"))
		out.WriteByte('\n')
	}
	_, err := w.Write(out.Bytes())
	return err
}

// policyKinds names the NL_ATTR_TYPE_* values of socket.AttrPolicy.Type.
var policyKinds = map[uint32]string{
	socket.PolicyInvalid: "invalid", socket.PolicyFlag: "flag",
	socket.PolicyU8: "u8", socket.PolicyU16: "u16", socket.PolicyU32: "u32", socket.PolicyU64: "u64",
	socket.PolicyS8: "s8", socket.PolicyS16: "s16", socket.PolicyS32: "s32", socket.PolicyS64: "s64",
	socket.PolicyBinary: "binary", socket.PolicyString: "string", socket.PolicyNulString: "nul-string",
	socket.PolicyNested: "nested", socket.PolicyNestedArray: "nested-array",
	socket.PolicyBitfield32: "bitfield32", socket.PolicySint: "sint", socket.PolicyUint: "uint",
}

func kindName(t uint32) string {
	if s, ok := policyKinds[t]; ok {
		return s
	}
	return fmt.Sprintf("kind-%d", t)
}

// span renders a range with either end possibly missing.
func span[T any](lo, hi *T) string {
	switch {
	case lo != nil && hi != nil:
		return fmt.Sprintf("%v..%v", *lo, *hi)
	case lo != nil:
		return fmt.Sprintf("%v..", *lo)
	case hi != nil:
		return fmt.Sprintf("..%v", *hi)
	}
	return ""
}

// attrColumns renders one attribute policy: its kind, the values and
// lengths it allows, its nested policy and its mask.
func attrColumns(a socket.AttrPolicy) (kind, values, length, nested, mask string) {
	values = span(a.MinValue, a.MaxValue)
	if s := span(a.MinValueSigned, a.MaxValueSigned); s != "" {
		values = s
	}
	length = span(a.MinLength, a.MaxLength)
	if a.PolicyIndex != nil {
		nested = fmt.Sprintf("policy %d", *a.PolicyIndex)
		if a.PolicyMaxType != nil {
			nested += fmt.Sprintf(" (max attr %d)", *a.PolicyMaxType)
		}
	}
	if a.Mask != nil {
		mask = fmt.Sprintf("%#x", *a.Mask)
	}
	if a.Bitfield32Mask != nil {
		mask = fmt.Sprintf("%#x", *a.Bitfield32Mask)
	}
	return kindName(a.Type), values, length, nested, mask
}

func index(p *uint32) string {
	if p == nil {
		return "-"
	}
	return fmt.Sprint(*p)
}

func writePolicyText(tw *tabwriter.Writer, f genl.Family, pol *genl.Policy) {
	fmt.Fprintln(tw)
	if len(pol.Policies) == 0 && len(pol.Ops) == 0 {
		fmt.Fprintf(tw, "%s has no attribute policies\n", f.Name)
		return
	}
	hasOp := map[uint32]bool{}
	for _, op := range f.Ops {
		hasOp[op.ID] = true
	}
	if len(pol.Ops) > 0 {
		fmt.Fprintf(tw, "policies by operation\n")
		fmt.Fprintf(tw, "  OP\tDO\tDUMP\t\n")
		for _, cmd := range slices.Sorted(maps.Keys(pol.Ops)) {
			o := pol.Ops[cmd]
			note := ""
			if cmd == 0 && !hasOp[0] {
				// ctrl_dumppolicy_put_op nests under doit->cmd, which
				// is 0 for a dump-only operation.
				note = "(a dump-only operation: the kernel reports them as op 0)"
			}
			fmt.Fprintf(tw, "  %d\t%s\t%s\t%s\n", cmd, index(o.Do), index(o.Dump), note)
		}
	} else {
		fmt.Fprintf(tw, "every operation uses policy 0\n")
	}
	for _, idx := range slices.Sorted(maps.Keys(pol.Policies)) {
		fmt.Fprintln(tw)
		fmt.Fprintf(tw, "policy %d\n", idx)
		fmt.Fprintf(tw, "  ATTR\tKIND\tVALUES\tLENGTH\tNESTED\tMASK\n")
		attrs := pol.Policies[idx]
		for _, typ := range slices.Sorted(maps.Keys(attrs)) {
			kind, values, length, nested, mask := attrColumns(attrs[typ])
			fmt.Fprintf(tw, "  %d\t%s\t%s\t%s\t%s\t%s\n", typ, kind, values, length, nested, mask)
		}
	}
}

// jsonFamily is a family in the JSON output: genl.Family's fields, and the
// policy when asked for.
type jsonFamily struct {
	genl.Family
	OpFlags map[uint32][]string `json:"op_flags,omitempty"`
	Policy  *jsonPolicy         `json:"policy,omitempty"`
}

type jsonPolicy struct {
	// Ops maps a command to its do and dump policy indexes (command 0
	// stands for dump-only commands: the kernel reports them so).
	Ops map[uint32]genl.OpPolicy `json:"ops"`
	// Policies maps a policy index to its attributes by type.
	Policies map[uint32]map[uint32]jsonAttr `json:"policies"`
}

type jsonAttr struct {
	Kind           string  `json:"kind"`
	MinValue       *uint64 `json:"min_value,omitempty"`
	MaxValue       *uint64 `json:"max_value,omitempty"`
	MinValueSigned *int64  `json:"min_value_signed,omitempty"`
	MaxValueSigned *int64  `json:"max_value_signed,omitempty"`
	MinLength      *uint32 `json:"min_length,omitempty"`
	MaxLength      *uint32 `json:"max_length,omitempty"`
	PolicyIndex    *uint32 `json:"policy_index,omitempty"`
	PolicyMaxType  *uint32 `json:"policy_max_type,omitempty"`
	Bitfield32Mask *uint32 `json:"bitfield32_mask,omitempty"`
	Mask           *uint64 `json:"mask,omitempty"`
}

func writeJSON(w io.Writer, fams []genl.Family, pol *genl.Policy) error {
	out := make([]jsonFamily, len(fams))
	for i, f := range fams {
		out[i] = jsonFamily{Family: f, OpFlags: map[uint32][]string{}}
		for _, op := range f.Ops {
			out[i].OpFlags[op.ID] = opFlags(op.Flags)
		}
	}
	if pol != nil {
		jp := &jsonPolicy{Ops: pol.Ops, Policies: map[uint32]map[uint32]jsonAttr{}}
		for idx, attrs := range pol.Policies {
			jp.Policies[idx] = map[uint32]jsonAttr{}
			for typ, a := range attrs {
				jp.Policies[idx][typ] = jsonAttr{
					Kind:     kindName(a.Type),
					MinValue: a.MinValue, MaxValue: a.MaxValue,
					MinValueSigned: a.MinValueSigned, MaxValueSigned: a.MaxValueSigned,
					MinLength: a.MinLength, MaxLength: a.MaxLength,
					PolicyIndex: a.PolicyIndex, PolicyMaxType: a.PolicyMaxType,
					Bitfield32Mask: a.Bitfield32Mask, Mask: a.Mask,
				}
			}
		}
		out[0].Policy = jp
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(out)
}
