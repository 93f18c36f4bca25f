#!/bin/sh
# The clone client: report this machine's inventory, fetch its plan from the server, run it.
# Runs in the clone initrd (called by init) and in virtual nodes (a network namespace cloning into a directory).
# Environment: SC_SERVER (http://host:port), SC_NODE, SC_TOKEN, SC_SIGNING_KEY (the server's public key, PEM: the
# initrd carries it; the plan and the manifest must be signed with its private half); optional SC_TARGET_DIR, SC_WORK.
# Exit status: 0 cloned (the final action is in $SC_WORK/final-action), 3 plan refused, 4 no server,
# 5 the plan is unsigned or fails its signature (not run), other: the plan failed.
set -eu

: "${SC_SERVER:?SC_SERVER is required}" "${SC_NODE:?SC_NODE is required}" "${SC_TOKEN:?SC_TOKEN is required}"
SC_WORK=${SC_WORK:-/tmp/sysclone}
SC_LIB=${SC_LIB:-$(dirname "$0")/lib.sh}
mkdir -p "$SC_WORK"
SC_LOG="$SC_WORK/clone.log"
: >"$SC_LOG"
SC_SIGNING_KEY=${SC_SIGNING_KEY:-}
export SC_SERVER SC_NODE SC_TOKEN SC_WORK SC_LIB SC_LOG SC_SIGNING_KEY
# shellcheck source=agent/clone/lib.sh
. "$SC_LIB"
if [ ! -r "$SC_SIGNING_KEY" ] || ! command -v openssl >/dev/null 2>&1; then
	echo "sysclone: cannot check what the server sends: no signing key (SC_SIGNING_KEY) or no openssl; rebuild the initrd with sysclone initrd build" >&2
	exit 5
fi

clean() {
	printf '%s' "$1" | tr -cd 'A-Za-z0-9 ._:-' | cut -c1-200
}

read_sys() {
	if [ -r "$1" ]; then clean "$(cat "$1" 2>/dev/null || true)"; fi
}

inventory() {
	printf '{"firmware":"%s"' "$([ -d /sys/firmware/efi ] && echo uefi || echo bios)"
	printf ',"disks":['
	sep=""
	if [ -z "${SC_TARGET_DIR:-}" ]; then
		for dir in /sys/block/*; do
			[ -r "$dir/size" ] || continue
			name=${dir##*/}
			case "$name" in loop* | ram* | zram* | sr* | fd* | md* | dm-* | nbd*) continue ;; esac
			printf '%s{"name":"%s","sizeBytes":%s' "$sep" "$(clean "$name")" "$(($(cat "$dir/size") * 512))"
			[ "$(cat "$dir/removable" 2>/dev/null || echo 0)" = 1 ] && printf ',"removable":true'
			[ "$(cat "$dir/ro" 2>/dev/null || echo 0)" = 1 ] && printf ',"readOnly":true'
			lbs=$(cat "$dir/queue/logical_block_size" 2>/dev/null || echo 512)
			[ "$lbs" = 4096 ] && printf ',"logicalSectorSize":4096'
			model=$(read_sys "$dir/device/model")
			[ -n "$model" ] && printf ',"model":"%s"' "$model"
			serial=$(read_sys "$dir/device/serial")
			[ -n "$serial" ] && printf ',"serial":"%s"' "$serial"
			printf '}'
			sep=","
		done
	fi
	printf '],"nics":['
	sep=""
	for dir in /sys/class/net/*; do
		name=${dir##*/}
		[ "$name" = lo ] && continue
		mac=$(tr 'A-F' 'a-f' <"$dir/address" 2>/dev/null || true)
		case "$mac" in ??:??:??:??:??:??) ;; *) continue ;; esac
		[ "$mac" = 00:00:00:00:00:00 ] && continue
		printf '%s{"name":"%s","mac":"%s"}' "$sep" "$(clean "$name")" "$mac"
		sep=","
	done
	printf '],"dmi":{'
	sep=""
	for field in uuid:product_uuid serial:product_serial product:product_name vendor:sys_vendor; do
		value=$(read_sys "/sys/class/dmi/id/${field#*:}")
		[ -n "$value" ] || continue
		printf '%s"%s":"%s"' "$sep" "${field%%:*}" "$value"
		sep=","
	done
	printf '}'
	[ -n "${SC_TARGET_DIR:-}" ] && printf ',"targetDirectory":"%s"' "$SC_TARGET_DIR"
	printf '}\n'
}

inventory >"$SC_WORK/inventory.json"
echo "sysclone: asking $SC_SERVER for the plan of $SC_NODE" >&2
# shellcheck disable=SC2317 # called through sc_retry
plan_once() {
	if wget -S -O "$SC_WORK/plan.sh" --header "Authorization: Bearer $SC_TOKEN" --header 'Content-Type: application/json' \
		--post-file "$SC_WORK/inventory.json" "$SC_SERVER/install/$SC_NODE/inventory" 2>"$SC_WORK/plan.headers"; then
		return 0
	fi
	case "$(sc_http_status "$SC_WORK/plan.headers")" in 4??) return 2 ;; esac
	return 1
}
rc=0
sc_retry "plan request" plan_once || rc=$?
case "$rc" in
0) ;;
2)
	echo "sysclone: the server refused: HTTP $(sc_http_status "$SC_WORK/plan.headers"); see \`nodestat $SC_NODE\` on the server" >&2
	cat "$SC_WORK/plan.headers" >>"$SC_LOG"
	exit 3
	;;
*)
	echo "sysclone: the server at $SC_SERVER did not answer" >&2
	exit 4
	;;
esac
# Nothing of the plan runs unless the server's key signed it, for this node and this boot's token.
if ! sc_check_signature plan "$SC_WORK/plan.sh" "$SC_WORK/plan.headers" 2>>"$SC_LOG"; then
	echo "sysclone: $SC_FAIL_DETAIL" >&2
	rm -f "$SC_WORK/plan.sh"
	sc_post fail "{\"step\":\"plan\",\"message\":\"$(sc_json_string "$SC_FAIL_DETAIL")\",\"exit\":5}" 3 2>>"$SC_LOG" || true
	exit 5
fi
RSYNC_PASSWORD=$(grep -i '^ *x-sysclone-rsync-password:' "$SC_WORK/plan.headers" | sed 's/^[^:]*: *//' | tr -d '\r')
export RSYNC_PASSWORD
rm -f "$SC_WORK/plan.headers"
# The plan's output goes to the console and its log; the log is shipped to the server at the end or on failure.
{
	rc=0
	sh "$SC_WORK/plan.sh" 2>&1 || rc=$?
	echo "$rc" >"$SC_WORK/plan.rc"
} | tee -a "$SC_LOG" >&2
exit "$(cat "$SC_WORK/plan.rc")"
