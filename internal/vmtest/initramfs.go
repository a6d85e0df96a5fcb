package vmtest

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"debug/elf"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"sort"
	"strings"
	"sync"
)

// baseFormat changes whenever the layout of the base archive changes, so
// that archives cached by an older layout are not reused.
const baseFormat = "nlstruct-vmtest-base-3"

// defaultModules are always put into the VM (with what they depend on).
// Every module in ipvsDir is added to them.
var defaultModules = []string{"ip_vs", "nf_conntrack", "dummy", "veth"}

const ipvsDir = "kernel/net/netfilter/ipvs"

// notLoaded are ip_vs_* modules in the VM that init does not load: an
// application helper rather than a scheduler, which changes how services
// on its port behave.
var notLoaded = map[string]bool{"ip_vs_ftp": true}

// env is where the host keeps what the VM is made of.
type env struct {
	cache   string // NLSTRUCT_VM_CACHE
	root    string // cache/root: the unpacked Debian packages
	kver    string // kernel release
	kernel  string // vmlinuz
	modDir  string // root/lib/modules/<kver>
	ipvsadm string
	qemu    string
	busybox string
	depmod  string
}

// cacheDir is NLSTRUCT_VM_CACHE or the default.
func cacheDir() string {
	if d := os.Getenv("NLSTRUCT_VM_CACHE"); d != "" {
		return d
	}
	return "/var/cache/nlstruct-vm"
}

// findEnv locates every tool and file; the error lists all that is missing.
func findEnv() (*env, error) {
	e := &env{cache: cacheDir()}
	e.root = filepath.Join(e.cache, "root")
	var missing []string
	look := func(name string, dst *string, alt ...string) {
		for _, n := range append([]string{name}, alt...) {
			if p, err := exec.LookPath(n); err == nil {
				*dst = p
				return
			}
			for _, dir := range []string{"/usr/sbin", "/sbin", "/usr/bin", "/bin"} {
				p := filepath.Join(dir, n)
				if fi, err := os.Stat(p); err == nil && fi.Mode().IsRegular() {
					*dst = p
					return
				}
			}
		}
		missing = append(missing, name)
	}
	look("qemu-system-x86_64", &e.qemu)
	look("busybox", &e.busybox)
	look("depmod", &e.depmod)
	if e.busybox != "" {
		if static, err := isStatic(e.busybox); err != nil || !static {
			missing = append(missing, "a statically linked busybox (busybox-static; "+e.busybox+" is dynamic)")
			e.busybox = ""
		}
	}
	if b, err := os.ReadFile(filepath.Join(e.cache, "kernel-version")); err == nil {
		e.kver = strings.TrimSpace(string(b))
	} else if ms, _ := filepath.Glob(filepath.Join(e.root, "boot", "vmlinuz-*")); len(ms) > 0 {
		sort.Strings(ms)
		e.kver = strings.TrimPrefix(filepath.Base(ms[len(ms)-1]), "vmlinuz-")
	}
	if e.kver == "" {
		missing = append(missing, "the Debian cloud kernel in "+e.root)
	} else {
		e.kernel = filepath.Join(e.root, "boot", "vmlinuz-"+e.kver)
		e.modDir = filepath.Join(e.root, "lib", "modules", e.kver)
		if _, err := os.Stat(e.kernel); err != nil {
			missing = append(missing, "the kernel "+e.kernel)
		}
		if _, err := os.Stat(filepath.Join(e.modDir, ipvsDir)); err != nil {
			missing = append(missing, "the kernel's IPVS modules in "+e.modDir)
		}
	}
	for _, p := range []string{"sbin/ipvsadm", "usr/sbin/ipvsadm"} {
		if _, err := os.Stat(filepath.Join(e.root, p)); err == nil {
			e.ipvsadm = filepath.Join(e.root, p)
			break
		}
	}
	if e.ipvsadm == "" {
		missing = append(missing, "ipvsadm in "+e.root)
	}
	if len(missing) > 0 {
		return nil, errors.New("missing " + strings.Join(missing, ", "))
	}
	return e, nil
}

// isStatic reports whether the ELF file has no program interpreter.
func isStatic(file string) (bool, error) {
	f, err := elf.Open(file)
	if err != nil {
		return false, err
	}
	defer f.Close()
	for _, p := range f.Progs {
		if p.Type == elf.PT_INTERP {
			return false, nil
		}
	}
	return true, nil
}

// module is one kernel module chosen for the VM.
type module struct {
	name string // modprobe's name: underscores, no suffix
	rel  string // path under lib/modules/<kver>, as shipped (maybe .ko.xz)
	data []byte // uncompressed
}

// modName is the module name of a module file name.
func modName(file string) string {
	b := filepath.Base(file)
	if i := strings.Index(b, ".ko"); i >= 0 {
		b = b[:i]
	}
	return strings.ReplaceAll(b, "-", "_")
}

// readModule returns a module file's contents, decompressed.
func readModule(file string) ([]byte, error) {
	switch {
	case strings.HasSuffix(file, ".ko"):
		return os.ReadFile(file)
	case strings.HasSuffix(file, ".ko.gz"):
		f, err := os.Open(file)
		if err != nil {
			return nil, err
		}
		defer f.Close()
		z, err := gzip.NewReader(f)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", file, err)
		}
		return io.ReadAll(z)
	case strings.HasSuffix(file, ".ko.xz"):
		return exec.Command("xz", "-dc", file).Output()
	case strings.HasSuffix(file, ".ko.zst"):
		return exec.Command("zstd", "-dcq", file).Output()
	}
	return nil, fmt.Errorf("%s: unknown module compression", file)
}

// modinfo returns the module's hard and soft dependencies from its
// .modinfo section.
func modinfo(data []byte) (deps []string, err error) {
	f, err := elf.NewFile(bytes.NewReader(data))
	if err != nil {
		return nil, err
	}
	s := f.Section(".modinfo")
	if s == nil {
		return nil, nil
	}
	b, err := s.Data()
	if err != nil {
		return nil, err
	}
	for _, kv := range bytes.Split(b, []byte{0}) {
		k, v, ok := strings.Cut(string(kv), "=")
		if !ok {
			continue
		}
		switch k {
		case "depends":
			for _, d := range strings.Split(v, ",") {
				if d != "" {
					deps = append(deps, d)
				}
			}
		case "softdep":
			for _, d := range strings.Fields(v) {
				if !strings.HasSuffix(d, ":") {
					deps = append(deps, d)
				}
			}
		}
	}
	return deps, nil
}

// chooseModules returns the named modules, every IPVS module, and all
// they depend on, and the names init loads. Names the tree does not have
// as modules (built in, or aliases) are left out.
func chooseModules(e *env, extra []string) (mods []module, load []string, err error) {
	index := map[string]string{}
	var ipvs []string
	err = filepath.WalkDir(filepath.Join(e.modDir, "kernel"), func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.Contains(d.Name(), ".ko") {
			return err
		}
		rel, _ := filepath.Rel(e.modDir, p)
		name := modName(p)
		index[name] = rel
		if filepath.ToSlash(filepath.Dir(rel)) == ipvsDir {
			ipvs = append(ipvs, name)
		}
		return nil
	})
	if err != nil {
		return nil, nil, err
	}
	sort.Strings(ipvs)
	want := append(append(append([]string{}, defaultModules...), ipvs...), extra...)
	for _, n := range want {
		n = modName(n)
		if _, ok := index[n]; !ok {
			if contains(extra, n) {
				return nil, nil, fmt.Errorf("no kernel module %q in %s", n, e.modDir)
			}
			continue
		}
		if !contains(load, n) && !notLoaded[n] {
			load = append(load, n)
		}
	}
	seen := map[string]bool{}
	var visit func(string) error
	visit = func(n string) error {
		n = modName(n)
		rel, ok := index[n]
		if !ok || seen[n] {
			return nil
		}
		seen[n] = true
		data, err := readModule(filepath.Join(e.modDir, rel))
		if err != nil {
			return err
		}
		deps, err := modinfo(data)
		if err != nil {
			return fmt.Errorf("%s: %w", rel, err)
		}
		mods = append(mods, module{name: n, rel: rel, data: data})
		for _, d := range deps {
			if err := visit(d); err != nil {
				return err
			}
		}
		return nil
	}
	for _, n := range want {
		if err := visit(n); err != nil {
			return nil, nil, err
		}
	}
	sort.Slice(mods, func(i, j int) bool { return mods[i].rel < mods[j].rel })
	return mods, load, nil
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if modName(x) == s {
			return true
		}
	}
	return false
}

// hostFile is a file copied from the host into the VM.
type hostFile struct {
	guest string // path in the VM
	host  string // path on the host
}

// libDirs are searched, in order, for ipvsadm's shared libraries: the
// unpacked Debian packages first, then the host's (for libc, which the
// host and the VM share with Debian's packages).
func libDirs(e *env) []string {
	return []string{
		filepath.Join(e.root, "lib/x86_64-linux-gnu"),
		filepath.Join(e.root, "usr/lib/x86_64-linux-gnu"),
		"/lib/x86_64-linux-gnu",
		"/usr/lib/x86_64-linux-gnu",
		"/lib64",
		"/usr/lib64",
	}
}

// sharedLibs returns the program interpreter and every shared library
// the ELF executable needs, transitively.
func sharedLibs(exe string, dirs []string) ([]hostFile, error) {
	var out []hostFile
	seen := map[string]bool{}
	var visit func(file string, top bool) error
	visit = func(file string, top bool) error {
		f, err := elf.Open(file)
		if err != nil {
			return err
		}
		defer f.Close()
		if top {
			for _, p := range f.Progs {
				if p.Type != elf.PT_INTERP {
					continue
				}
				b, err := io.ReadAll(p.Open())
				if err != nil {
					return err
				}
				interp := strings.TrimRight(string(b), "\x00")
				host, err := filepath.EvalSymlinks(interp)
				if err != nil {
					return fmt.Errorf("program interpreter of %s: %w", exe, err)
				}
				out = append(out, hostFile{guest: interp, host: host})
				seen[path.Base(interp)] = true
			}
		}
		needed, err := f.ImportedLibraries()
		if err != nil {
			return err
		}
		for _, lib := range needed {
			if seen[lib] {
				continue
			}
			seen[lib] = true
			found := ""
			for _, d := range dirs {
				if p, err := filepath.EvalSymlinks(filepath.Join(d, lib)); err == nil {
					found = p
					break
				}
			}
			if found == "" {
				return fmt.Errorf("%s needs %s, found in none of %s", file, lib, strings.Join(dirs, ", "))
			}
			out = append(out, hostFile{guest: "/lib/x86_64-linux-gnu/" + lib, host: found})
			if err := visit(found, false); err != nil {
				return err
			}
		}
		return nil
	}
	if err := visit(exe, true); err != nil {
		return nil, err
	}
	return out, nil
}

// baseMu serializes building base archives within one process.
var baseMu sync.Mutex

// base is a built (or cached) base archive.
type base struct {
	file   string   // gzipped cpio
	load   []string // modules init loads
	cached bool
}

// buildBase returns the base archive for the extra modules: busybox and
// its applet links, the chosen modules with depmod's indexes, ipvsadm
// with its libraries. It is cached under the temporary directory, keyed
// by the hash of everything that goes into it.
func buildBase(e *env, extra []string) (*base, error) {
	baseMu.Lock()
	defer baseMu.Unlock()

	mods, load, err := chooseModules(e, extra)
	if err != nil {
		return nil, err
	}
	libs, err := sharedLibs(e.ipvsadm, libDirs(e))
	if err != nil {
		return nil, err
	}
	files := []hostFile{{guest: "/bin/busybox", host: e.busybox}, {guest: "/sbin/ipvsadm", host: e.ipvsadm}}
	files = append(files, libs...)
	modMeta := []string{"modules.order", "modules.builtin", "modules.builtin.modinfo"}

	h := sha256.New()
	fmt.Fprintf(h, "%s\x00%s\x00", baseFormat, e.kver)
	for _, m := range mods {
		fmt.Fprintf(h, "mod %s %d\x00", m.rel, len(m.data))
		h.Write(m.data)
	}
	for _, name := range modMeta {
		b, _ := os.ReadFile(filepath.Join(e.modDir, name))
		fmt.Fprintf(h, "meta %s %d\x00", name, len(b))
		h.Write(b)
	}
	contents := make([][]byte, len(files))
	for i, f := range files {
		b, err := os.ReadFile(f.host)
		if err != nil {
			return nil, err
		}
		contents[i] = b
		fmt.Fprintf(h, "file %s %d\x00", f.guest, len(b))
		h.Write(b)
	}
	key := hex.EncodeToString(h.Sum(nil))[:24]

	dir := filepath.Join(os.TempDir(), fmt.Sprintf("nlstruct-vmtest-%d", os.Getuid()))
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, err
	}
	out := filepath.Join(dir, "base-"+key+".cpio.gz")
	if _, err := os.Stat(out); err == nil {
		return &base{file: out, load: load, cached: true}, nil
	}

	// depmod writes modules.dep and the other indexes busybox's modprobe
	// reads, for the chosen (uncompressed) modules only.
	stage, err := os.MkdirTemp(dir, "stage-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(stage)
	smod := filepath.Join(stage, "lib", "modules", e.kver)
	for _, m := range mods {
		rel := m.rel[:strings.Index(m.rel, ".ko")+len(".ko")]
		p := filepath.Join(smod, rel)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return nil, err
		}
		if err := os.WriteFile(p, m.data, 0o644); err != nil {
			return nil, err
		}
	}
	for _, name := range modMeta {
		if b, err := os.ReadFile(filepath.Join(e.modDir, name)); err == nil {
			if err := os.WriteFile(filepath.Join(smod, name), b, 0o644); err != nil {
				return nil, err
			}
		}
	}
	if msg, err := exec.Command(e.depmod, "-b", stage, e.kver).CombinedOutput(); err != nil {
		return nil, fmt.Errorf("depmod -b %s %s: %v\n%s", stage, e.kver, err, msg)
	}

	var buf bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&buf, gzip.BestSpeed)
	cw := newCPIO(zw, 0)
	for _, d := range []string{"bin", "sbin", "usr/bin", "usr/sbin", "proc", "sys", "dev", "tmp", "run", "root", "etc"} {
		cw.Dir(d)
	}
	for i, f := range files {
		cw.File(f.guest, 0o755, contents[i])
	}
	applets, err := exec.Command(e.busybox, "--list").Output()
	if err != nil {
		return nil, fmt.Errorf("busybox --list: %w", err)
	}
	for _, a := range strings.Fields(string(applets)) {
		if a == "busybox" {
			continue
		}
		cw.Symlink("/bin/"+a, "busybox")
	}
	// The kernel runs /sbin/modprobe for request_module.
	for _, a := range []string{"modprobe", "insmod", "rmmod", "lsmod", "depmod", "poweroff", "reboot", "ip"} {
		cw.Symlink("/sbin/"+a, "../bin/busybox")
	}
	cw.File("/etc/passwd", 0o644, []byte("root:x:0:0:root:/root:/bin/sh\n"))
	cw.File("/etc/group", 0o644, []byte("root:x:0:\n"))
	err = filepath.WalkDir(stage, func(p string, d fs.DirEntry, err error) error {
		if err != nil || p == stage {
			return err
		}
		rel, _ := filepath.Rel(stage, p)
		if d.IsDir() {
			cw.Dir(rel)
			return nil
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		cw.File(rel, 0o644, b)
		return nil
	})
	if err != nil {
		return nil, err
	}
	if err := cw.Close(); err != nil {
		return nil, err
	}
	if err := zw.Close(); err != nil {
		return nil, err
	}
	// The kernel skips NUL padding between concatenated archives; pad the
	// compressed one to a multiple of 4 so the next header is aligned.
	for buf.Len()%4 != 0 {
		buf.WriteByte(0)
	}
	tmp, err := os.CreateTemp(dir, "base-*.tmp")
	if err != nil {
		return nil, err
	}
	if _, err := tmp.Write(buf.Bytes()); err != nil {
		tmp.Close()
		os.Remove(tmp.Name())
		return nil, err
	}
	if err := tmp.Close(); err != nil {
		os.Remove(tmp.Name())
		return nil, err
	}
	if err := os.Rename(tmp.Name(), out); err != nil {
		os.Remove(tmp.Name())
		return nil, err
	}
	return &base{file: out, load: load}, nil
}
