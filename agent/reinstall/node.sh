#!/bin/sh
# rinstall --kexec, on the running node (piped to `sh -s -- STEP ARGS` over our SSH connection).
#   probe BYTES [grub] how this node can start the clone initrd: prints METHOD=kexec|grub and STAGE=DIR,
#                     the directory the kernel, initrd.img and cmdline are then written to (BYTES: their
#                     size; grub: the one-time boot entry even where kexec is installed)
#   arm METHOD STAGE  kexec: loads them and starts `systemctl kexec` (or `kexec -e`) a moment later;
#                     grub: a one-time boot entry (custom.cfg + grub-reboot), then a reboot
# The command line (with its single-boot token) is read from STAGE/cmdline, never given as an argument.
set -eu
umask 077
step=${1:-}

has() { command -v "$1" >/dev/null 2>&1; }

free_bytes() {
	df -Pk "$1" 2>/dev/null | awk 'NR == 2 { print $4 * 1024 }'
}

grub_tools() {
	if has grub-reboot && [ -d /boot/grub ]; then
		echo "grub-reboot /boot/grub"
	elif has grub2-reboot && [ -d /boot/grub2 ]; then
		echo "grub2-reboot /boot/grub2"
	fi
}

# A reboot or kexec a moment after this SSH session has ended, so its answer reaches the server.
later() {
	nohup setsid sh -c "sleep 2; $1" >/dev/null 2>&1 </dev/null &
}

case "$step" in
probe)
	need=$((${2:-0} + 16 * 1024 * 1024))
	if has kexec && [ "${3:-}" != grub ]; then
		for dir in /run /var/tmp; do
			if [ "$(free_bytes "$dir")" -gt "$need" ] 2>/dev/null; then
				echo METHOD=kexec
				echo "STAGE=$dir/sysclone-reinstall"
				exit 0
			fi
		done
		echo "no room for the clone kernel and initrd ($need bytes) in /run or /var/tmp" >&2
		exit 3
	fi
	if [ -n "$(grub_tools)" ]; then
		if [ "$(free_bytes /boot)" -gt "$need" ] 2>/dev/null; then
			echo METHOD=grub
			echo STAGE=/boot/sysclone-reinstall
			exit 0
		fi
		echo "no room for the clone kernel and initrd ($need bytes) in /boot" >&2
		exit 3
	fi
	echo "neither kexec (kexec-tools) nor grub-reboot is installed" >&2
	exit 4
	;;
arm)
	method=$2 stage=$3
	for file in kernel initrd.img cmdline; do
		[ -s "$stage/$file" ] || { echo "$stage/$file is missing" >&2; exit 3; }
	done
	if [ "$method" = kexec ]; then
		kexec -l "$stage/kernel" --initrd="$stage/initrd.img" --command-line="$(cat "$stage/cmdline")"
		# Loaded: the files are no longer needed, and the token should not outlive the load.
		rm -rf "$stage"
		if [ -d /run/systemd/system ]; then
			later "systemctl kexec || { sync; kexec -e; }"
			echo "STARTED=systemctl kexec"
		else
			later "sync; kexec -e"
			echo "STARTED=kexec -e"
		fi
		exit 0
	fi
	tools=$(grub_tools)
	reboot_tool=${tools% *} grubdir=${tools#* }
	mountpoint=$(findmnt -no TARGET -T "$stage")
	uuid=$(findmnt -no UUID -T "$stage")
	[ -n "$uuid" ] || { echo "cannot find the UUID of the filesystem holding $stage" >&2; exit 3; }
	relative=${stage#"$mountpoint"}
	[ "$mountpoint" = / ] && relative=$stage
	# Sourced by the 41_custom part of grub.cfg (Debian, RHEL, SUSE); the entry runs once (grub-reboot's next_entry).
	{
		echo "menuentry 'sysclone-reinstall' --id sysclone-reinstall {"
		echo "	insmod part_msdos"
		echo "	insmod part_gpt"
		echo "	insmod ext2"
		echo "	insmod xfs"
		echo "	search --no-floppy --fs-uuid --set=root $uuid"
		echo "	linux $relative/kernel $(cat "$stage/cmdline")"
		echo "	initrd $relative/initrd.img"
		echo "}"
	} >"$grubdir/custom.cfg.new"
	chmod 600 "$grubdir/custom.cfg.new"
	mv -f "$grubdir/custom.cfg.new" "$grubdir/custom.cfg"
	grep -q custom.cfg "$grubdir/grub.cfg" || { echo "$grubdir/grub.cfg does not read custom.cfg (its 41_custom part is missing)" >&2; exit 3; }
	"$reboot_tool" sysclone-reinstall
	rm -f "$stage/cmdline"
	later "systemctl reboot || reboot"
	echo "STARTED=$reboot_tool sysclone-reinstall, reboot"
	;;
*)
	echo "usage: node.sh probe BYTES | arm kexec|grub STAGE" >&2
	exit 2
	;;
esac
