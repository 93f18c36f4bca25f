# shellcheck shell=sh
# The machine's inventory, from /sys and /proc with busybox only: sourced by sysclone-clone.sh (before the plan, and
# again after pre-install scripts) and by the initrd's init (nodeset NODE shell).
# sc_inventory [ENVFILE]: prints the inventory as JSON (src/plan/model.ts Inventory); with ENVFILE, also writes it
# there as `export HW_…='…'` lines, the environment pre-install scripts run with. SC_TARGET_DIR set: no disks.

# Only characters that need no escaping in JSON nor in single quotes; at most 200.
sc_inv_clean() {
	printf '%s' "$1" | tr -cd 'A-Za-z0-9 ._:()@/,+-' | cut -c1-200
}

sc_inv_read() {
	if [ -r "$1" ]; then sc_inv_clean "$(head -c 400 "$1" 2>/dev/null || true)"; fi
}

# How the disk is attached, from its name and where its device sits in /sys.
sc_inv_transport() {
	case "$1" in
	nvme*) echo nvme; return ;;
	vd*) echo virtio; return ;;
	md*) echo md; return ;;
	esac
	where=$(readlink -f "/sys/block/$1/device" 2>/dev/null || true)
	case "$where" in
	*/usb*) echo usb ;;
	*/ata*) echo sata ;;
	*/virtio*) echo virtio ;;
	"") echo unknown ;;
	*) echo scsi ;;
	esac
}

# The md array holding the disk or one of its partitions, if any.
sc_inv_holder() {
	for holders in "/sys/block/$1/holders" "/sys/block/$1/$1"*/holders; do
		[ -d "$holders" ] || continue
		for held in "$holders"/md*; do
			[ -e "$held" ] && {
				echo "${held##*/}"
				return
			}
		done
	done
	# No array: success all the same (the loop's last test failed, and set -e would end the clone).
	return 0
}

# Installed memory: the online memory blocks (what the DIMMs give, not MemTotal's share after the kernel); else MemTotal.
sc_inv_memory() {
	if [ -r /sys/devices/system/memory/block_size_bytes ]; then
		block=$((0x$(cat /sys/devices/system/memory/block_size_bytes)))
		online=$(cat /sys/devices/system/memory/memory*/online 2>/dev/null | grep -c '^1$' || true)
		if [ "${online:-0}" -gt 0 ]; then
			echo $((block * online))
			return
		fi
	fi
	echo $(($(sed -n 's/^MemTotal: *\([0-9]*\) kB$/\1/p' /proc/meminfo) * 1024))
}

# shellcheck disable=SC2120 # the environment file is optional
sc_inventory() {
	env_file=${1:-/dev/null}
	: >"$env_file"
	firmware=$([ -d /sys/firmware/efi ] && echo uefi || echo bios)
	cpus=$(grep -c '^processor' /proc/cpuinfo)
	cpu_model=$(sc_inv_clean "$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1)")
	memory=$(sc_inv_memory)
	printf '{"firmware":"%s","cpu":{"count":%s' "$firmware" "$cpus"
	[ -n "$cpu_model" ] && printf ',"model":"%s"' "$cpu_model"
	printf '},"memoryBytes":%s' "$memory"
	printf "export HW_FIRMWARE='%s' HW_CPUS='%s' HW_CPU_MODEL='%s' HW_MEMORY_BYTES='%s'\n" "$firmware" "$cpus" "$cpu_model" "$memory" >>"$env_file"
	printf ',"disks":['
	sep=""
	index=0
	names=""
	if [ -z "${SC_TARGET_DIR:-}" ]; then
		for dir in /sys/block/*; do
			[ -r "$dir/size" ] || continue
			name=${dir##*/}
			level=""
			case "$name" in
			md*)
				level=$(sc_inv_read "$dir/md/level")
				[ -n "$level" ] || continue
				;;
			loop* | ram* | zram* | sr* | fd* | dm-* | nbd*) continue ;;
			esac
			size=$(($(cat "$dir/size") * 512))
			[ "$size" -gt 0 ] || continue
			name=$(sc_inv_clean "$name")
			model=$(sc_inv_read "$dir/device/model")
			serial=$(sc_inv_read "$dir/device/serial")
			rotational=$(cat "$dir/queue/rotational" 2>/dev/null || echo 0)
			transport=$(sc_inv_transport "$name")
			holder=$(sc_inv_holder "$name")
			printf '%s{"name":"%s","sizeBytes":%s' "$sep" "$name" "$size"
			[ "$(cat "$dir/removable" 2>/dev/null || echo 0)" = 1 ] && printf ',"removable":true'
			[ "$(cat "$dir/ro" 2>/dev/null || echo 0)" = 1 ] && printf ',"readOnly":true'
			[ "$(cat "$dir/queue/logical_block_size" 2>/dev/null || echo 512)" = 4096 ] && printf ',"logicalSectorSize":4096'
			[ -n "$model" ] && printf ',"model":"%s"' "$model"
			[ -n "$serial" ] && printf ',"serial":"%s"' "$serial"
			if [ "$rotational" = 1 ]; then printf ',"rotational":true'; else printf ',"rotational":false'; fi
			printf ',"transport":"%s"' "$transport"
			[ -n "$level" ] && printf ',"raidLevel":"%s"' "$level"
			[ -n "$holder" ] && printf ',"memberOf":"%s"' "$holder"
			printf '}'
			printf "export HW_DISK_%s_NAME='%s' HW_DISK_%s_SIZE='%s' HW_DISK_%s_MODEL='%s' HW_DISK_%s_SERIAL='%s' HW_DISK_%s_ROTATIONAL='%s' HW_DISK_%s_TRANSPORT='%s' HW_DISK_%s_RAID='%s' HW_DISK_%s_MEMBER_OF='%s'\n" \
				"$index" "$name" "$index" "$size" "$index" "$model" "$index" "$serial" "$index" "$rotational" "$index" "$transport" "$index" "$level" "$index" "$holder" >>"$env_file"
			names="$names${names:+ }$name"
			index=$((index + 1))
			sep=","
		done
	fi
	printf "export HW_DISKS='%s' HW_DISK_COUNT='%s'\n" "$names" "$index" >>"$env_file"
	printf '],"nics":['
	sep=""
	index=0
	names=""
	for dir in /sys/class/net/*; do
		name=${dir##*/}
		[ "$name" = lo ] && continue
		mac=$(tr 'A-F' 'a-f' <"$dir/address" 2>/dev/null || true)
		case "$mac" in ??:??:??:??:??:??) ;; *) continue ;; esac
		[ "$mac" = 00:00:00:00:00:00 ] && continue
		name=$(sc_inv_clean "$name")
		driver=$(readlink "$dir/device/driver" 2>/dev/null || true)
		driver=$(sc_inv_clean "${driver##*/}")
		carrier=$(cat "$dir/carrier" 2>/dev/null || echo 0)
		speed=$(cat "$dir/speed" 2>/dev/null || echo -1)
		printf '%s{"name":"%s","mac":"%s"' "$sep" "$name" "$mac"
		[ -n "$driver" ] && printf ',"driver":"%s"' "$driver"
		if [ "$carrier" = 1 ]; then printf ',"link":true'; else printf ',"link":false'; fi
		case "$speed" in '' | -* | *[!0-9]*) speed="" ;; *) printf ',"speedMbps":%s' "$speed" ;; esac
		printf '}'
		printf "export HW_NIC_%s_NAME='%s' HW_NIC_%s_MAC='%s' HW_NIC_%s_DRIVER='%s' HW_NIC_%s_LINK='%s' HW_NIC_%s_SPEED='%s'\n" \
			"$index" "$name" "$index" "$mac" "$index" "$driver" "$index" "$carrier" "$index" "$speed" >>"$env_file"
		names="$names${names:+ }$name"
		index=$((index + 1))
		sep=","
	done
	printf "export HW_NICS='%s' HW_NIC_COUNT='%s'\n" "$names" "$index" >>"$env_file"
	printf '],"dmi":{'
	sep=""
	# JSON key, /sys/class/dmi/id file, HW_DMI_ variable.
	for field in uuid:product_uuid:PRODUCT_UUID serial:product_serial:PRODUCT_SERIAL product:product_name:PRODUCT_NAME \
		vendor:sys_vendor:SYS_VENDOR biosVersion:bios_version:BIOS_VERSION; do
		dmi_file=${field#*:}
		value=$(sc_inv_read "/sys/class/dmi/id/${dmi_file%%:*}")
		printf "export HW_DMI_%s='%s'\n" "${field##*:}" "$value" >>"$env_file"
		[ -n "$value" ] || continue
		printf '%s"%s":"%s"' "$sep" "${field%%:*}" "$value"
		sep=","
	done
	printf '}'
	[ -n "${SC_TARGET_DIR:-}" ] && printf ',"targetDirectory":"%s"' "$SC_TARGET_DIR"
	printf '}\n'
}
