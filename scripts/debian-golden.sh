#!/usr/bin/env bash
# Builds a real minimal Debian golden client once into var/cache/debian-golden-RECIPE.tar (gitignored;
# RECIPE is this script's own hash, so a changed recipe builds afresh and the old tarball goes):
# debootstrap from the mirror this machine's apt already uses, with a kernel, grub for BIOS and
# UEFI, openssh-server and rsync; serial console, no grub menu delay, root login by key only.
# Prints the tarball's path. Unpack it with `tar -xpf` as root to get the golden tree.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
cache="$(cd "$here/.." && pwd)/var/cache"
recipe=$(sha256sum "$here/debian-golden.sh" | cut -c1-12)
tarball="$cache/debian-golden-$recipe.tar"
mkdir -p "$cache"
exec 9>"$cache/.golden.lock"
flock 9
if [ -f "$tarball" ]; then
  echo "$tarball"
  exit 0
fi
rm -f "$cache"/debian-golden*.tar

mirror() {
  local uri
  uri=$(awk '/^URIs:/ { for (i = 2; i <= NF; i++) if ($i !~ /security/) { print $i; exit } }' /etc/apt/sources.list.d/*.sources 2>/dev/null || true)
  [ -n "$uri" ] || uri=$(awk '$1 == "deb" && $2 !~ /security/ { print $2; exit }' /etc/apt/sources.list 2>/dev/null || true)
  [ -n "$uri" ] || { echo "debian-golden: no Debian mirror in this machine's apt sources" >&2; exit 1; }
  echo "$uri"
}

root="$cache/golden.tmp"
rm -rf "$root"
packages=linux-image-amd64,grub2-common,grub-pc-bin,grub-efi-amd64-bin,openssh-server,rsync,ifupdown,isc-dhcp-client,systemd-sysv,udev,kmod,iproute2,procps,e2fsprogs,dosfstools,fdisk,efibootmgr,kexec-tools
debootstrap --variant=minbase --include="$packages" bookworm "$root" "$(mirror)" >&2

echo golden >"$root/etc/hostname"
printf '127.0.0.1\tlocalhost\n127.0.1.1\tgolden\n' >"$root/etc/hosts"
printf 'auto lo\niface lo inet loopback\n\nallow-hotplug ens3\niface ens3 inet dhcp\n' >"$root/etc/network/interfaces"
cat >"$root/etc/default/grub" <<'EOF'
GRUB_DEFAULT=0
GRUB_TIMEOUT=0
GRUB_DISTRIBUTOR=Debian
GRUB_CMDLINE_LINUX_DEFAULT=""
GRUB_CMDLINE_LINUX="console=ttyS0,115200 net.ifnames=0"
GRUB_TERMINAL=serial
GRUB_SERIAL_COMMAND="serial --speed=115200"
GRUB_DISABLE_OS_PROBER=true
EOF
sed -i 's/ens3/eth0/' "$root/etc/network/interfaces"
# kexec-tools is there for `rinstall --kexec`; its Debian default (reboots go through kexec) would
# skip the firmware on every reboot, and PXE-managed nodes must go through it.
sed -i 's/^LOAD_KEXEC=.*/LOAD_KEXEC=false/' "$root/etc/default/kexec"
printf 'PermitRootLogin prohibit-password\nPasswordAuthentication no\nUseDNS no\n' >"$root/etc/ssh/sshd_config.d/sysclone.conf"
install -d -m 700 "$root/root/.ssh"
: >"$root/etc/machine-id"
rm -f "$root"/var/cache/apt/archives/*.deb "$root"/var/lib/apt/lists/*_Packages
# A VM needs no drivers for GPUs, cameras, Wi-Fi, InfiniBand or sound: dropping them halves the
# image, and every test that copies it runs that much faster under TCG.
for kdir in "$root"/usr/lib/modules/*/; do
  (cd "$kdir/kernel" && rm -rf sound drivers/gpu drivers/media drivers/net/wireless drivers/net/ethernet drivers/infiniband \
    drivers/staging drivers/iio drivers/hwmon drivers/usb drivers/bluetooth drivers/isdn net/bluetooth net/mac80211 net/wireless)
  depmod -b "$root" "$(basename "$kdir")"
done
rm -rf "$root"/usr/share/doc/* "$root"/usr/share/man/* "$root"/usr/share/locale/*
tar -C "$root" -cpf "$tarball.tmp" .
mv "$tarball.tmp" "$tarball"
rm -rf "$root"
echo "$tarball"
