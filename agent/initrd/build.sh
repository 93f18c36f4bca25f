#!/usr/bin/env bash
# Builds the clone initrd: busybox, the clone tools of this host (Debian packages) with their
# libraries, the kernel modules a node needs to reach its disks and network (with dependencies),
# the clone agent and the server's public signing key (the initrd refuses a plan or manifest it did not sign). Usage:
#   build.sh --kernel VMLINUZ --modules MODULES_DIR --signing-key PUBLIC.pem --out DIR [--add PATH]...
# --add PATH copies a file of this host (a vendor RAID tool for a pre-install script) with the shared libraries it
# needs into the initrd, at the same path, and links it into /sbin by its name.
# MODULES_DIR is a kernel's lib/modules/<version> directory. Writes DIR/kernel, DIR/initrd.img
# and DIR/contents.txt (what went in). Nothing outside DIR is changed.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
agent=$(cd "$here/.." && pwd)
kernel="" modules="" out="" signing_key=""
added=()
while [ $# -gt 0 ]; do
  case "$1" in
    --kernel) kernel=$2; shift 2 ;;
    --modules) modules=$2; shift 2 ;;
    --out) out=$2; shift 2 ;;
    --signing-key) signing_key=$2; shift 2 ;;
    --add) added+=("$2"); shift 2 ;;
    *) echo "build.sh: unknown argument $1" >&2; exit 2 ;;
  esac
done
[ -f "$kernel" ] || { echo "build.sh: kernel $kernel not found" >&2; exit 2; }
[ -d "$modules" ] || { echo "build.sh: modules directory $modules not found" >&2; exit 2; }
[ -n "$out" ] || { echo "build.sh: --out DIR is required" >&2; exit 2; }
for file in "${added[@]}"; do
  case "$file" in /*) ;; *) echo "build.sh: --add $file: give an absolute path" >&2; exit 2 ;; esac
  [ -f "$file" ] || { echo "build.sh: --add $file: no such file" >&2; exit 2; }
done
[ -f "$signing_key" ] || { echo "build.sh: --signing-key PUBLIC.pem (the server's public signing key) is required" >&2; exit 2; }
kver=$(basename "$modules")

required_tools=(busybox dash rsync sfdisk wipefs blkid blockdev mke2fs mkfs.ext4 mkfs.ext3 mkfs.ext2 mkfs.xfs mkfs.vfat mkswap tar zstd lvm mdadm openssl depmod modprobe cpio)
optional_tools=(udp-receiver mkfs.btrfs efibootmgr)
for tool in "${required_tools[@]}"; do
  command -v "$tool" >/dev/null || { echo "build.sh: $tool is missing on this host (npm run setup installs it)" >&2; exit 3; }
done

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
root="$work/root"
mkdir -p "$root"/{bin,sbin,usr/bin,usr/sbin,etc/lvm,proc,sys,dev,run,tmp,a,lib/sysclone,lib/modules}
contents="$work/contents.txt"
echo "kernel $kver" > "$contents"

cp "$(command -v busybox)" "$root/bin/busybox"
for applet in $("$root/bin/busybox" --list); do [ "$applet" = busybox ] || ln -sf busybox "$root/bin/$applet"; done

copy_with_libs() {
  local binary=$1
  install -D -m 0755 "$binary" "$root$binary"
  ldd "$binary" 2>/dev/null | awk '/=>/ { print $3 } /^[ \t]*\/lib/ { print $1 }' | while read -r lib; do
    if [ -n "$lib" ] && [ -f "$lib" ] && [ ! -e "$root$lib" ]; then install -D "$lib" "$root$lib"; fi
  done
}
add_tool() {
  local path real
  path=$(command -v "$1")
  real=$(readlink -f "$path")
  copy_with_libs "$real"
  # The real tool replaces busybox's applet of the same name.
  rm -f "$root/bin/$1" "$root/sbin/$1"
  ln -sf "$real" "$root/sbin/$1"
  echo "tool $1 $real" >> "$contents"
}
for tool in "${required_tools[@]}"; do
  case "$tool" in busybox|dash|depmod|modprobe|cpio) continue ;; esac
  add_tool "$tool"
done
for tool in "${optional_tools[@]}"; do
  if command -v "$tool" >/dev/null; then add_tool "$tool"; else echo "missing-optional $tool" >> "$contents"; fi
done
# Debian's static busybox prefers its own applets to PATH in its shell, so its mkswap would win over
# util-linux's: plans run under dash, where PATH decides.
add_tool dash
ln -sf "$(readlink -f "$(command -v dash)")" "$root/bin/sh"
for file in "${added[@]}"; do
  real=$(readlink -f "$file")
  copy_with_libs "$real"
  [ "$real" = "$file" ] || { mkdir -p "$root$(dirname "$file")"; ln -sf "$real" "$root$file"; }
  ln -sf "$real" "$root/sbin/$(basename "$file")"
  echo "added $file" >> "$contents"
done
lvm_binary=$(readlink -f "$(command -v lvm)")
for lvmtool in pvcreate vgcreate lvcreate vgchange vgmknodes lvs vgs pvs; do ln -sf "$lvm_binary" "$root/sbin/$lvmtool"; done
cat > "$root/etc/lvm/lvm.conf" <<'CONF'
devices { obtain_device_list_from_udev = 0 }
activation { udev_sync = 0 udev_rules = 0 monitoring = 0 }
CONF

# Kernel modules and their dependencies, in load order, decompressed for busybox insmod.
base="$work/kmod"
mkdir -p "$base/lib/modules"
cp -rs "$(cd "$modules" && pwd)" "$base/lib/modules/$kver"
depmod -b "$base" "$kver"
wanted=(af_packet virtio_pci virtio_blk virtio_net virtio_scsi sd_mod ahci ata_piix nvme e1000 e1000e igb ixgbe r8169 tg3 bnx2 vmxnet3
  ext4 xfs btrfs vfat nls_cp437 nls_ascii nls_iso8859_1 nls_utf8 crc32c_generic dm_mod md_mod raid0 raid1 raid10 efivarfs)
order=()
for module in "${wanted[@]}"; do
  if ! deps=$(modprobe -d "$base" -S "$kver" --show-depends "$module" 2>/dev/null); then
    echo "module-absent $module" >> "$contents"
    continue
  fi
  while read -r verb path _; do
    [ "$verb" = insmod ] || continue
    name=$(basename "$path")
    name=${name%.xz}; name=${name%.zst}; name=${name%.gz}
    case " ${order[*]-} " in *" $name "*) continue ;; esac
    case "$path" in
      *.xz) xz -dc "$path" > "$root/lib/modules/$name" ;;
      *.zst) zstd -qdc "$path" > "$root/lib/modules/$name" ;;
      *.gz) gzip -dc "$path" > "$root/lib/modules/$name" ;;
      *) cp "$(readlink -f "$path")" "$root/lib/modules/$name" ;;
    esac
    order+=("$name")
  done <<< "$deps"
done
printf '%s\n' "${order[@]}" > "$root/lib/sysclone/modules.order"
echo "modules ${#order[@]}" >> "$contents"

install -m 0755 "$here/init" "$root/init"
install -m 0755 "$here/udhcpc.script" "$root/lib/sysclone/udhcpc.script"
install -m 0644 "$here/media.sh" "$root/lib/sysclone/media.sh"
install -m 0644 "$agent/clone/lib.sh" "$root/lib/sysclone/lib.sh"
install -m 0755 "$agent/clone/sysclone-clone.sh" "$root/lib/sysclone/sysclone-clone.sh"
install -m 0644 "$agent/clone/inventory.sh" "$root/lib/sysclone/inventory.sh"
install -m 0644 "$agent/clone/prescripts.sh" "$root/lib/sysclone/prescripts.sh"
openssl pkey -pubin -in "$signing_key" -noout 2>/dev/null || { echo "build.sh: $signing_key is not a public key in PEM" >&2; exit 2; }
install -m 0644 "$signing_key" "$root/lib/sysclone/signing.pub"
echo "signing-key sha256:$(openssl pkey -pubin -in "$signing_key" -outform DER | sha256sum | cut -d' ' -f1)" >> "$contents"
install -D -m 0755 "$agent/clone/firstboot/sysclone-firstboot" "$root/lib/sysclone/firstboot/sysclone-firstboot"
install -D -m 0644 "$agent/clone/firstboot/sysclone-firstboot.service" "$root/lib/sysclone/firstboot/sysclone-firstboot.service"
install -D -m 0644 "$agent/clone/firstboot/sysclone-hostkeys.service" "$root/lib/sysclone/firstboot/sysclone-hostkeys.service"

mkdir -p "$out"
(cd "$root" && find . | LC_ALL=C sort | cpio -o -H newc --quiet -R 0:0) | zstd -q -10 -T0 > "$work/initrd.img"
cp "$kernel" "$work/kernel"
mv -f "$work/kernel" "$out/kernel"
mv -f "$work/initrd.img" "$out/initrd.img"
mv -f "$contents" "$out/contents.txt"
echo "initrd $(du -h "$out/initrd.img" | cut -f1) with ${#order[@]} modules for $kver"
