# shellcheck shell=sh
# The machine's inventory, from /sys and /proc with busybox only: sourced by sysclone-clone.sh (before the plan, and
# again after pre-install scripts) and by the initrd's init (nodeset NODE shell).
# sc_inventory [ENVFILE]: prints the inventory as JSON (src/plan/model.ts Inventory); with ENVFILE, also writes it
# there as `export HW_…='…'` lines, the environment pre-install scripts run with. SC_TARGET_DIR set: no disks.

# Only characters that need no escaping in JSON nor in single quotes; at most 200. A value that is already clean
# (nearly all are) costs no process: every process is 5-10 ms here and several times that in an emulated machine.
sc_inv_clean() {
	case $1 in
	*[!A-Za-z0-9\ ._:\(\)@/,+-]*) printf '%s' "$1" | tr -cd 'A-Za-z0-9 ._:()@/,+-' | cut -c1-200 ;;
	*) if [ "${#1}" -le 200 ]; then printf '%s' "$1"; else printf '%s' "$1" | cut -c1-200; fi ;;
	esac
}

# sc_inv_get FILE [DEFAULT]: sets inv to the first line of FILE, read by the shell itself (no cat); DEFAULT when FILE
# cannot be read (missing, or a /sys value the device cannot give now, like a down link's speed) or is empty.
sc_inv_get() {
	inv=
	{ IFS= read -r inv || :; } 2>/dev/null <"$1" || inv=
	[ -n "$inv" ] || inv=${2:-}
}

sc_inv_read() {
	sc_inv_get "$1"
	[ -z "$inv" ] || sc_inv_clean "$inv"
}

# How the disk is attached, from its name and where its device sits in /sys.
sc_inv_transport() {
	case "$1" in
	nvme*) echo nvme; return ;;
	vd*) echo virtio; return ;;
	md*) echo md; return ;;
	esac
	where=$(cd -P "/sys/block/$1/device" 2>/dev/null && pwd) || where=""
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
	sc_inv_get /sys/devices/system/memory/block_size_bytes
	if [ -n "$inv" ]; then
		block=$((0x$inv))
		online=$(awk '$1 == 1 { n++ } END { print n + 0 }' /sys/devices/system/memory/memory*/online 2>/dev/null || true)
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
	cpu=$(awk '/^processor/ { n++ } /^model name/ && !seen { seen = 1; model = $0; sub(/^model name[ \t]*: /, "", model) }
		END { print n + 0 " " model }' /proc/cpuinfo)
	cpus=${cpu%% *}
	cpu_model=$(sc_inv_clean "${cpu#* }")
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
			sc_inv_get "$dir/size" 0
			size=$((inv * 512))
			[ "$size" -gt 0 ] || continue
			name=$(sc_inv_clean "$name")
			model=$(sc_inv_read "$dir/device/model")
			serial=$(sc_inv_read "$dir/device/serial")
			sc_inv_get "$dir/queue/rotational" 0
			rotational=$inv
			transport=$(sc_inv_transport "$name")
			holder=$(sc_inv_holder "$name")
			printf '%s{"name":"%s","sizeBytes":%s' "$sep" "$name" "$size"
			sc_inv_get "$dir/removable" 0
			[ "$inv" = 1 ] && printf ',"removable":true'
			sc_inv_get "$dir/ro" 0
			[ "$inv" = 1 ] && printf ',"readOnly":true'
			sc_inv_get "$dir/queue/logical_block_size" 512
			[ "$inv" = 4096 ] && printf ',"logicalSectorSize":4096'
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
		sc_inv_get "$dir/address"
		mac=$inv
		case "$mac" in *[A-F]*) mac=$(printf '%s' "$mac" | tr 'A-F' 'a-f') ;; esac
		case "$mac" in ??:??:??:??:??:??) ;; *) continue ;; esac
		[ "$mac" = 00:00:00:00:00:00 ] && continue
		name=$(sc_inv_clean "$name")
		# The driver is the name of the directory its link leads to: cd -P in a subshell, not a readlink process.
		driver=$(cd -P "$dir/device/driver" 2>/dev/null && pwd) || driver=""
		driver=$(sc_inv_clean "${driver##*/}")
		sc_inv_get "$dir/carrier" 0
		carrier=$inv
		sc_inv_get "$dir/speed" -1
		speed=$inv
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
