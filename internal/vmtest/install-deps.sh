#!/usr/bin/env bash
# Installs what package vmtest needs to boot a Debian kernel under qemu:
# the host tools (qemu, busybox-static, kmod, cpio) with apt-get, and,
# WITHOUT installing them into the host, Debian's cloud kernel package and
# ipvsadm with its shared libraries, downloaded with `apt-get download` and
# unpacked with `dpkg-deb -x` into a cache directory:
#
#   ${NLSTRUCT_VM_CACHE:-/var/cache/nlstruct-vm}/
#     debs/           the downloaded .deb files
#     root/           every package unpacked (boot/vmlinuz-*, lib/modules/*,
#                     sbin/ipvsadm, usr/lib/x86_64-linux-gnu/libnl-*.so*, ...)
#     kernel-version  the kernel release (e.g. 6.1.0-56-cloud-amd64)
#
# Idempotent: a second run installs and downloads nothing new. Run as root
# on Debian (12). Usage: bash internal/vmtest/install-deps.sh
set -euo pipefail

CACHE=${NLSTRUCT_VM_CACHE:-/var/cache/nlstruct-vm}
say() { echo "vmtest install-deps: $*"; }

if [ "$(id -u)" != 0 ]; then
	echo "vmtest install-deps: must run as root (apt-get install)" >&2
	exit 1
fi
export DEBIAN_FRONTEND=noninteractive

# 1. Host tools.
host_pkgs=(qemu-system-x86 busybox-static kmod cpio gzip xz-utils zstd)
missing=()
for p in "${host_pkgs[@]}"; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
		missing+=("$p")
	fi
done
updated=0
apt_update() {
	if [ "$updated" = 0 ]; then
		say "apt-get update"
		apt-get update -qq
		updated=1
	fi
}
if [ ${#missing[@]} -gt 0 ]; then
	apt_update
	say "apt-get install ${missing[*]}"
	apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
else
	say "host packages already installed: ${host_pkgs[*]}"
fi

# 2. Resolve the concrete kernel package from the meta package.
if ! apt-cache show linux-image-cloud-amd64 >/dev/null 2>&1; then
	apt_update
fi
kpkg=$(apt-cache depends linux-image-cloud-amd64 2>/dev/null |
	sed -n 's/^ *|\{0,1\}Depends: \(linux-image-[0-9][^ ]*-cloud-amd64\(-unsigned\)\{0,1\}\)$/\1/p' | head -n1)
if [ -z "$kpkg" ]; then
	apt_update
	kpkg=$(apt-cache depends linux-image-cloud-amd64 |
		sed -n 's/^ *|\{0,1\}Depends: \(linux-image-[0-9][^ ]*-cloud-amd64\(-unsigned\)\{0,1\}\)$/\1/p' | head -n1)
fi
if [ -z "$kpkg" ]; then
	echo "vmtest install-deps: cannot resolve the kernel package behind linux-image-cloud-amd64" >&2
	exit 1
fi
kver=${kpkg#linux-image-}
kver=${kver%-unsigned}
say "kernel package: $kpkg (release $kver)"

# 3. Download (not install) and unpack the guest packages.
guest_pkgs=("$kpkg" ipvsadm libnl-3-200 libnl-genl-3-200 libpopt0)
mkdir -p "$CACHE/debs" "$CACHE/root" "$CACHE/unpacked"
cd "$CACHE/debs"
for p in "${guest_pkgs[@]}"; do
	if ls "${p}"_*.deb >/dev/null 2>&1; then
		say "already downloaded: $(ls "${p}"_*.deb | head -n1)"
		continue
	fi
	say "apt-get download $p"
	if ! apt-get download -qq "$p" 2>/dev/null; then
		apt_update
		apt-get download -qq "$p"
	fi
done
for deb in "$CACHE"/debs/*.deb; do
	stamp="$CACHE/unpacked/$(basename "$deb").done"
	if [ -e "$stamp" ]; then
		continue
	fi
	say "dpkg-deb -x $(basename "$deb") $CACHE/root"
	dpkg-deb -x "$deb" "$CACHE/root"
	touch "$stamp"
done

# 4. Check: kernel image, modules tree and ipvsadm's libraries.
vmlinuz="$CACHE/root/boot/vmlinuz-$kver"
[ -f "$vmlinuz" ] || { echo "vmtest install-deps: missing $vmlinuz" >&2; exit 1; }
[ -d "$CACHE/root/lib/modules/$kver/kernel" ] || { echo "vmtest install-deps: missing modules for $kver" >&2; exit 1; }
ipvsadm="$CACHE/root/sbin/ipvsadm"
[ -x "$ipvsadm" ] || ipvsadm="$CACHE/root/usr/sbin/ipvsadm"
[ -x "$ipvsadm" ] || { echo "vmtest install-deps: ipvsadm missing from the cache" >&2; exit 1; }
libdirs="$CACHE/root/lib/x86_64-linux-gnu:$CACHE/root/usr/lib/x86_64-linux-gnu"
if LD_LIBRARY_PATH=$libdirs ldd "$ipvsadm" | grep -q 'not found'; then
	echo "vmtest install-deps: ipvsadm needs libraries not in the cache:" >&2
	LD_LIBRARY_PATH=$libdirs ldd "$ipvsadm" | grep 'not found' >&2
	exit 1
fi
echo "$kver" >"$CACHE/kernel-version"
say "ipvsadm libraries: $(LD_LIBRARY_PATH=$libdirs ldd "$ipvsadm" | awk '{print $1}' | tr '\n' ' ')"
say "ready: kernel $vmlinuz, modules $CACHE/root/lib/modules/$kver, ipvsadm $ipvsadm"
