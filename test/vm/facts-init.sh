#!/bin/sh
# init of the fact-recording VM: lay out the disks, mount them, run the collector.
# shellcheck disable=SC2015 # each "a && b || fail" chain fails on any step, which is what we want
export PATH=/sbin:/bin:/usr/sbin:/usr/bin
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev
read -r modules < /modules/order
for module in $modules; do insmod "/modules/$module" 2>/dev/null; done
sleep 1
facts=/dev/ttyS1
say() { echo "$*" > "$facts"; }
fail() { echo "facts-init: $*" > /dev/console; say "@@FAILED@@ $*"; poweroff -f; }
record() {
  say "@@FACTS $1"
  sh /agent/collector.sh "/t/$1" > "$facts" 2>/dev/console || fail "collector on $1"
  say "@@END@@"
}

# GPT: ESP 64 MiB, root 400 MiB, /var the rest.
printf 'label: gpt\nsize=64MiB, type=U, name="EFI System"\nsize=400MiB, type=L, name=root\ntype=L, name=var\n' | sfdisk -q /dev/vda || fail "sfdisk vda"
mkfs.vfat -n ESP /dev/vda1 >/dev/null || fail "mkfs.vfat"
mkfs.ext4 -q -L root /dev/vda2 || fail "mkfs vda2"
mkfs.ext4 -q -L var /dev/vda3 || fail "mkfs vda3"
mkdir -p /t/gpt && mount /dev/vda2 /t/gpt && mkdir -p /t/gpt/var /t/gpt/boot/efi /t/gpt/etc
mount /dev/vda3 /t/gpt/var && mount -t vfat /dev/vda1 /t/gpt/boot/efi || fail "mount gpt"
printf 'LABEL=root / ext4 defaults 0 1\nLABEL=var /var ext4 defaults 0 2\nLABEL=ESP /boot/efi vfat umask=0077 0 1\n' > /t/gpt/etc/fstab
record gpt

# MBR: /boot primary (bootable), extended, swap and / as logicals.
printf 'label: dos\nsize=200MiB, type=83, bootable\ntype=5\nsize=100MiB, type=82\ntype=83\n' | sfdisk -q /dev/vdb || fail "sfdisk vdb"
mkfs.ext4 -q /dev/vdb1 && mkfs.ext4 -q /dev/vdb6 && mkswap /dev/vdb5 >/dev/null || fail "mkfs mbr"
mkdir -p /t/mbr && mount /dev/vdb6 /t/mbr && mkdir -p /t/mbr/boot /t/mbr/etc && mount /dev/vdb1 /t/mbr/boot || fail "mount mbr"
printf '/dev/vdb6 / ext4 defaults 0 1\n/dev/vdb1 /boot ext4 defaults 0 2\n/dev/vdb5 none swap sw 0 0\n' > /t/mbr/etc/fstab
record mbr

# LVM: one GPT partition as PV, vg0 with root and data.
printf 'label: gpt\ntype=E6D6D379-F507-44C2-A23C-238F2A3DF928\n' | sfdisk -q /dev/vdc || fail "sfdisk vdc"
lvm pvcreate -q /dev/vdc1 >/dev/null && lvm vgcreate -q vg0 /dev/vdc1 >/dev/null || fail "vgcreate"
lvm lvcreate -q -Zn -L 300M -n root vg0 >/dev/null && lvm lvcreate -q -Zn -l 100%FREE -n data vg0 >/dev/null || fail "lvcreate"
lvm vgmknodes >/dev/null 2>&1
mkfs.ext4 -q /dev/mapper/vg0-root && mkfs.ext4 -q /dev/mapper/vg0-data || fail "mkfs lvm"
mkdir -p /t/lvm && mount /dev/mapper/vg0-root /t/lvm && mkdir -p /t/lvm/data /t/lvm/etc && mount /dev/mapper/vg0-data /t/lvm/data || fail "mount lvm"
printf '/dev/mapper/vg0-root / ext4 defaults 0 1\n/dev/mapper/vg0-data /data ext4 defaults 0 2\n' > /t/lvm/etc/fstab
record lvm

# md RAID1 across two MBR disks.
for disk in vdd vde; do printf 'label: dos\ntype=fd\n' | sfdisk -q /dev/$disk || fail "sfdisk $disk"; done
mdadm --create /dev/md0 --run --quiet --level=1 --raid-devices=2 --metadata=1.2 /dev/vdd1 /dev/vde1 || fail "mdadm"
mkfs.ext4 -q /dev/md0 || fail "mkfs md0"
mkdir -p /t/raid && mount /dev/md0 /t/raid && mkdir -p /t/raid/etc || fail "mount raid"
printf '/dev/md0 / ext4 defaults 0 1\n' > /t/raid/etc/fstab
record raid

say "@@DONE@@"
sync
poweroff -f
