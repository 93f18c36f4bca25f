#!/bin/sh
# /init of the VM benchmark's floor: the clone initrd's drivers, a static address, then nothing
# but mkfs and a plain rsync of the image onto the disk, and power off.
# Kernel command line: floor.ip=ADDR/PREFIX floor.source=rsync://HOST:PORT/MODULE/
export PATH=/sbin:/bin:/usr/sbin:/usr/bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
while read -r module; do
	insmod "/lib/modules/$module" 2>/dev/null
done </lib/sysclone/modules.order
address="" source=""
# shellcheck disable=SC2013 # the command line is words
for word in $(cat /proc/cmdline); do
	case "$word" in
	floor.ip=*) address=${word#*=} ;;
	floor.source=*) source=${word#*=} ;;
	esac
done
ip link set lo up
for dir in /sys/class/net/*; do
	nic=${dir##*/}
	[ "$nic" = lo ] && continue
	ip link set "$nic" up
	ip addr add "$address" dev "$nic"
	break
done
mkdir -p /mnt
if mkfs.ext4 -q -F /dev/vda && mount /dev/vda /mnt && rsync -aHAXS --numeric-ids "$source" /mnt/ && umount /mnt; then
	echo "floor: done"
else
	echo "floor: failed"
fi
sync
poweroff -f
