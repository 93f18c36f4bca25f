#!/bin/sh
# probe: what updatenode needs to know about a live node, as KEY=VALUE lines on stdout.
# POSIX sh with awk; lsblk and blkid are used when present. No `exit`: updatenode also runs
# it as a shell function ahead of postscripts.
set -u

if [ -d /sys/firmware/efi ]; then echo FIRMWARE=uefi; else echo FIRMWARE=bios; fi

mounts=/proc/self/mounts
[ -r "$mounts" ] || mounts=/dev/null
awk '{ print "MOUNT=" $2 " " $3 }' "$mounts"

device_of() {
	awk -v mp="$1" '$2 == mp { dev = $1 } END { print dev }' "$mounts"
}
root_dev=$(device_of /)
echo "ROOT_DEVICE=$root_dev"

root_uuid=""
if [ -n "$root_dev" ] && command -v blkid >/dev/null 2>&1; then
	root_uuid=$(blkid -s UUID -o value "$root_dev" 2>/dev/null || true)
fi
echo "ROOT_UUID=$root_uuid"

esp=$(awk '$3 == "vfat" && ($2 == "/boot/efi" || $2 == "/boot" || $2 == "/efi") { print $2 }' "$mounts" | tail -n 1)
echo "ESP=$esp"

# The disk the boot loader lives on: the ESP's, else /boot's, else the root's (through LVM or md).
boot_disk=""
for mp in "$esp" /boot /; do
	[ -n "$mp" ] || continue
	dev=$(device_of "$mp")
	[ -b "$dev" ] || continue
	if command -v lsblk >/dev/null 2>&1; then
		boot_disk=$(lsblk -nsro NAME,TYPE "$dev" 2>/dev/null | awk '$2 == "disk" { print "/dev/" $1; exit }')
	fi
	[ -n "$boot_disk" ] && break
done
echo "BOOT_DISK=$boot_disk"

for address in /sys/class/net/*/address; do
	[ -r "$address" ] && echo "MAC=$(cat "$address")"
done
true
