#!/usr/bin/env bash
# Boots Debian's kernel under qemu (TCG) with five empty virtio disks, lays them out
# as GPT (ESP, root, /var), MBR (extended, logicals, swap), LVM and md RAID1, mounts
# each layout under /t/<name>, runs agent/collector.sh on it and writes what the
# collector printed to OUT/<name>.json. Usage: record-facts.sh OUTDIR
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
project=$(cd "$here/../.." && pwd)
out=$(mkdir -p "$1" && cd "$1" && pwd)
cache="$project/test/fixtures/cache"
mkdir -p "$cache"

for tool in qemu-system-x86_64 busybox cpio depmod modprobe mdadm lvm mkfs.vfat; do
  command -v "$tool" >/dev/null || { echo "record-facts: $tool missing (npm run setup installs it)" >&2; exit 3; }
done

# 1. Debian's kernel and modules, downloaded once.
kver=$("$here/debian-kernel.sh")
vmlinuz="$cache/kernel/boot/vmlinuz-$kver"

# 2. A busybox initrd with the collector's tools and what makes the disks.
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
root="$work/initrd"
mkdir -p "$root"/{bin,sbin,etc/lvm,proc,sys,dev,run/lvm,t,modules,agent,tmp}
cp "$(command -v busybox)" "$root/bin/busybox"
for applet in $("$root/bin/busybox" --list); do [ "$applet" = busybox ] || ln -sf busybox "$root/bin/$applet"; done
copy_with_libs() {
  local binary=$1
  install -D "$binary" "$root$binary"
  ldd "$binary" 2>/dev/null | awk '/=>/ { print $3 } /^[ \t]*\/lib/ { print $1 }' | while read -r lib; do
    [ -n "$lib" ] && [ -f "$lib" ] && install -D "$lib" "$root$lib"
  done
}
for tool in lsblk findmnt sfdisk blkid wipefs mkfs.ext4 mke2fs mkfs.vfat mkswap lvm mdadm base64 uname; do
  path=$(command -v "$tool")
  rm -f "$root/bin/$tool"
  copy_with_libs "$(readlink -f "$path")"
  [ "$(readlink -f "$path")" = "$path" ] || ln -sf "$(readlink -f "$path")" "$root$path"
done
lvm_binary=$(readlink -f "$(command -v lvm)")
for lvmtool in pvcreate vgcreate lvcreate lvs vgs pvs vgchange; do ln -sf "$lvm_binary" "$root/sbin/$lvmtool"; done
cat > "$root/etc/lvm/lvm.conf" <<'CONF'
devices { obtain_device_list_from_udev = 0 }
activation { udev_sync = 0 udev_rules = 0 monitoring = 0 }
global { use_lvmetad = 0 }
CONF
cp "$project/agent/collector.sh" "$root/agent/collector.sh"
modules=""
for module in virtio_pci virtio_blk ext4 vfat nls_cp437 nls_ascii nls_iso8859_1 dm_mod raid1; do
  for ko in $(modprobe -d "$cache/kernel" -S "$kver" --show-depends "$module" | awk '$1 == "insmod" { print $2 }'); do
    name=$(basename "$ko")
    case " $modules " in *" $name "*) continue ;; esac
    cp "$ko" "$root/modules/$name"
    modules="$modules $name"
  done
done
echo "$modules" > "$root/modules/order"
cp "$here/facts-init.sh" "$root/init"
chmod +x "$root/init"
(cd "$root" && find . | cpio -o -H newc --quiet) | gzip -1 > "$work/initrd.gz"

# 3. Five empty disks, one VM, the facts on the second serial port.
for disk in a b c d e; do truncate -s 1G "$work/disk-$disk.img"; done
drives=()
for disk in a b c d e; do drives+=(-drive "file=$work/disk-$disk.img,if=virtio,format=raw"); done
timeout 600 qemu-system-x86_64 -accel tcg -m 1024 -smp 1 -nographic -no-reboot \
  -kernel "$vmlinuz" -initrd "$work/initrd.gz" -append "console=ttyS0 quiet panic=-1" \
  "${drives[@]}" \
  -serial "file:$work/console.log" -serial "file:$work/facts.txt" -monitor none -display none -nic none
awk -v out="$out" '
  { sub(/\r$/, "") }
  /^@@FACTS / { name = $2; file = out "/" name ".json"; printf "" > file; next }
  /^@@END@@/ { close(file); file = ""; next }
  file != "" { print >> file }
' "$work/facts.txt"
if ! grep -q '^@@DONE@@' "$work/facts.txt"; then
  echo "record-facts: the VM did not finish; its console:" >&2
  tail -n 40 "$work/console.log" >&2
  exit 1
fi
ls "$out"
