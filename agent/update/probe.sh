#!/bin/sh
# probe: what updatenode needs to know about a live node, as KEY=VALUE lines on stdout.
# POSIX sh; lsblk and blkid are used when present. No `exit`: updatenode also runs it as a shell
# function ahead of postscripts. The mounts and MACs are read with the shell's own `read`: a
# process per line of output is what a node pays for, once per updatenode.
set -u

if [ -d /sys/firmware/efi ]; then echo FIRMWARE=uefi; else echo FIRMWARE=bios; fi

mounts=/proc/self/mounts
[ -r "$mounts" ] || mounts=/dev/null
# The last mount on a point is the one in effect; the ESP is the last vfat one on /boot/efi, /boot or /efi.
root_dev="" boot_dev="" bootefi_dev="" efi_dev="" esp=""
while read -r dev mp fstype rest; do
	printf 'MOUNT=%s %s\n' "$mp" "$fstype"
	case $mp in
	/) root_dev=$dev ;;
	/boot) boot_dev=$dev ;;
	/boot/efi) bootefi_dev=$dev ;;
	/efi) efi_dev=$dev ;;
	*) continue ;;
	esac
	[ "$fstype" = vfat ] && [ "$mp" != / ] && esp=$mp
done <"$mounts"
printf 'ROOT_DEVICE=%s\n' "$root_dev"

root_uuid=""
if [ -n "$root_dev" ] && command -v blkid >/dev/null 2>&1; then
	root_uuid=$(blkid -s UUID -o value "$root_dev" 2>/dev/null || true)
fi
echo "ROOT_UUID=$root_uuid"
echo "ESP=$esp"

case $esp in
/boot/efi) esp_dev=$bootefi_dev ;;
/boot) esp_dev=$boot_dev ;;
/efi) esp_dev=$efi_dev ;;
*) esp_dev="" ;;
esac
# The disk the boot loader lives on: the ESP's, else /boot's, else the root's (through LVM or md).
boot_disk=""
for dev in "$esp_dev" "$boot_dev" "$root_dev"; do
	[ -b "$dev" ] || continue
	if command -v lsblk >/dev/null 2>&1; then
		boot_disk=$(lsblk -nsro NAME,TYPE "$dev" 2>/dev/null | awk '$2 == "disk" { print "/dev/" $1; exit }')
	fi
	[ -n "$boot_disk" ] && break
done
echo "BOOT_DISK=$boot_disk"

for address in /sys/class/net/*/address; do
	[ -r "$address" ] || continue
	mac=""
	read -r mac <"$address"
	echo "MAC=$mac"
done
true
