# shellcheck shell=sh
# Pre-install scripts, run by sysclone-clone.sh after the inventory and before the plan (Kickstart's %pre,
# SystemImager's pre-install scripts). Needs lib.sh and inventory.sh sourced.
# Each script runs with the inventory as HW_* variables (inventory.sh), SC_INVENTORY (the JSON file), NODE, SERVER and
# TARGET (disks or directory), stdin from /dev/null, in the order the server listed them. A non-zero exit fails the node
# with the script's name and the end of its output, before anything of the plan runs.

# How much of a failed script's output the failure report carries (the whole output is in the shipped log).
SC_PRESCRIPT_REPORT_BYTES=2000

# shellcheck disable=SC2317 # called through sc_retry
sc_fetch_prescript() {
	if wget -q -S -O "$2" --header "Authorization: Bearer $SC_TOKEN" "$SC_SERVER/install/$SC_NODE/prescripts/$1" 2>"$2.headers"; then
		return 0
	fi
	case "$(sc_http_status "$2.headers")" in 4??) return 2 ;; esac
	return 1
}

# sc_prescript_fail STEP EXIT DETAIL: report the failure, ship the log, end the client with EXIT.
sc_prescript_fail() {
	sc_log "FAILED in step $1: $3"
	echo "sysclone: FAILED in step $1: $3" >>"$SC_LOG"
	sc_ship_log
	sc_post fail "{\"step\":\"$(sc_json_string "$1")\",\"message\":\"$(sc_json_string "$3")\",\"exit\":$2}" 10 || true
	exit "$2"
}

# sc_run_prescripts LIST: LIST is the server's signed answer, one `NAME SHA256` line per script; empty: none.
sc_run_prescripts() {
	list=$1
	if [ ! -s "$list" ]; then
		rm -f "$list.headers"
		return 0
	fi
	if ! sc_check_signature prescripts "$list" "$list.headers" 2>>"$SC_LOG"; then
		echo "sysclone: $SC_FAIL_DETAIL" >&2
		sc_prescript_fail prescripts 5 "$SC_FAIL_DETAIL"
	fi
	rm -f "$list.headers"
	dir="$SC_WORK/prescripts"
	mkdir -p "$dir"
	while read -r name sum; do
		[ -n "$name" ] || continue
		script="$dir/$name"
		if ! sc_retry "pre-install script $name" sc_fetch_prescript "$name" "$script"; then
			sc_prescript_fail "prescript $name" 3 "could not fetch pre-install script $name from $SC_SERVER"
		fi
		rm -f "$script.headers"
		if [ "$(sha256sum "$script" | cut -d' ' -f1)" != "$sum" ]; then
			sc_prescript_fail "prescript $name" 5 "pre-install script $name does not match the server's signed list: not run"
		fi
		chmod 0755 "$script"
		sc_log "pre-install script $name"
		rc=0
		(
			# shellcheck disable=SC1090,SC1091 # written by sc_inventory
			. "$SC_WORK/inventory.env"
			SC_INVENTORY="$SC_WORK/inventory.json" NODE=$SC_NODE SERVER=$SC_SERVER TARGET=$([ -n "${SC_TARGET_DIR:-}" ] && echo directory || echo disks)
			export SC_INVENTORY NODE SERVER TARGET
			exec "$script"
		) </dev/null >"$script.out" 2>&1 || rc=$?
		cat "$script.out" >&2
		cat "$script.out" >>"$SC_LOG"
		if [ "$rc" -ne 0 ]; then
			sc_prescript_fail "prescript $name" 6 "pre-install script $name exited $rc: $(tail -c "$SC_PRESCRIPT_REPORT_BYTES" "$script.out")"
		fi
	done <"$list"
	# A script may have changed storage (assembled an array, made a RAID volume): the plan is made for the disks as they are now.
	sc_inventory "$SC_WORK/inventory.env" >"$SC_WORK/inventory.json"
	sc_log "inventory taken again after the pre-install scripts"
	# The plan's wipe (a wipe chain) must not stop what they assembled: lib.sh's sc_release_storage looks for this.
	if grep -q '"raidLevel"' "$SC_WORK/inventory.json"; then : >"$SC_WORK/storage-assembled"; fi
}
