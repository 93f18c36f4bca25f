#!/bin/sh
# /init of the VM benchmark's floor: the clone initrd's drivers, a static address, then the plain
# way to put an image on a disk and make it boot: one partition, mkfs, a plain rsync of the image,
# an fstab naming the partition, and the image's own grub installed and configured from a chroot;
# then power off (the benchmark boots the same disk next, as the chain's VM reboots into it).
# Each step prints "floor: STEP" on the console, where the benchmark times it.
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

step() {
	echo "floor: $1"
}

partition() {
	printf 'label: dos\n,,L,*\n' | sfdisk --quiet --wipe always /dev/vda || return 1
	tries=0
	while [ ! -b /dev/vda1 ] && [ "$tries" -lt 50 ]; do
		sleep 0.1
		tries=$((tries + 1))
	done
	[ -b /dev/vda1 ]
}

bootloader() {
	echo "/dev/vda1 / ext4 errors=remount-ro 0 1" >/mnt/etc/fstab &&
		mount --bind /dev /mnt/dev && mount -t proc proc /mnt/proc && mount -t sysfs sysfs /mnt/sys &&
		chroot /mnt grub-install --target=i386-pc /dev/vda && chroot /mnt update-grub &&
		umount /mnt/sys /mnt/proc /mnt/dev
}

mkdir -p /mnt
if step partition && partition &&
	step mkfs && mkfs.ext4 -q -F /dev/vda1 && mount /dev/vda1 /mnt &&
	step rsync && rsync -aHAXS --numeric-ids "$source" /mnt/ &&
	step bootloader && bootloader &&
	umount /mnt; then
	echo "floor: done"
else
	echo "floor: failed"
fi
sync
poweroff -f
