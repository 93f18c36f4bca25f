#!/bin/sh
# The clone client: report this machine's inventory, fetch its plan from the server, run it.
# Runs in the clone initrd (called by init) and in virtual nodes (a network namespace cloning into a directory).
# Environment: SC_SERVER (http://host:port), SC_NODE, SC_TOKEN, SC_SIGNING_KEY (the server's public key, PEM: the
# initrd carries it; the plan and the manifest must be signed with its private half); optional SC_TARGET_DIR, SC_WORK.
# Exit status: 0 cloned (the final action is in $SC_WORK/final-action), 3 refused (hwreq, plan), 4 no server,
# 5 the plan or the pre-install scripts are unsigned or fail their signature (not run), 6 a pre-install script failed
# (nothing of the plan ran), other: the plan failed.
set -eu

: "${SC_SERVER:?SC_SERVER is required}" "${SC_NODE:?SC_NODE is required}" "${SC_TOKEN:?SC_TOKEN is required}"
SC_WORK=${SC_WORK:-/tmp/sysclone}
case $0 in */*) SC_LIB=${SC_LIB:-${0%/*}/lib.sh} ;; *) SC_LIB=${SC_LIB:-lib.sh} ;; esac
# A path with a directory, so ${SC_LIB%/*} names it (dirname without a process).
case $SC_LIB in */*) ;; *) SC_LIB=./$SC_LIB ;; esac
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

# shellcheck source=agent/clone/inventory.sh
. "${SC_LIB%/*}/inventory.sh"
# shellcheck source=agent/clone/prescripts.sh
. "${SC_LIB%/*}/prescripts.sh"

# POST the inventory to /install/NODE/$1, the answer into $2 (headers in $2.headers). 2: refused (4xx), 1: no answer.
# shellcheck disable=SC2317 # called through sc_retry
post_inventory_once() {
	if wget -S -O "$2" --header "Authorization: Bearer $SC_TOKEN" --header 'Content-Type: application/json' \
		--post-file "$SC_WORK/inventory.json" "$SC_SERVER/install/$SC_NODE/$1" 2>"$2.headers"; then
		return 0
	fi
	case "$(sc_http_status "$2.headers")" in 4??) return 2 ;; esac
	return 1
}

# post_inventory ROUTE OUT WHAT: retried; a refusal ends the client (exit 3), a server that never answers too (exit 4).
post_inventory() {
	rc=0
	sc_retry "$3" post_inventory_once "$1" "$2" || rc=$?
	case "$rc" in
	0) ;;
	2)
		echo "sysclone: the server refused: HTTP $(sc_http_status "$2.headers"); see \`nodestat $SC_NODE\` on the server" >&2
		cat "$2.headers" >>"$SC_LOG"
		exit 3
		;;
	*)
		echo "sysclone: the server at $SC_SERVER did not answer" >&2
		exit 4
		;;
	esac
}

sc_inventory "$SC_WORK/inventory.env" >"$SC_WORK/inventory.json"
# Pre-install scripts: the server checks the machine against hwreq and names the scripts (signed); they run before the
# plan, and a script that changed storage (an md array, a vendor RAID volume) is seen by the inventory taken after them.
post_inventory prescripts "$SC_WORK/prescripts.list" "pre-install script request"
sc_run_prescripts "$SC_WORK/prescripts.list"
echo "sysclone: asking $SC_SERVER for the plan of $SC_NODE" >&2
post_inventory inventory "$SC_WORK/plan.sh" "plan request"
# Nothing of the plan runs unless the server's key signed it, for this node and this boot's token.
if ! sc_check_signature plan "$SC_WORK/plan.sh" "$SC_WORK/plan.sh.headers" 2>>"$SC_LOG"; then
	echo "sysclone: $SC_FAIL_DETAIL" >&2
	rm -f "$SC_WORK/plan.sh"
	sc_post fail "{\"step\":\"plan\",\"message\":\"$(sc_json_string "$SC_FAIL_DETAIL")\",\"exit\":5}" 3 2>>"$SC_LOG" || true
	exit 5
fi
RSYNC_PASSWORD=$(sc_header x-sysclone-rsync-password "$SC_WORK/plan.sh.headers")
export RSYNC_PASSWORD
rm -f "$SC_WORK/plan.sh.headers"
# The plan's output goes to the console and its log; the log is shipped to the server at the end or on failure.
{
	plan_rc=0
	sh "$SC_WORK/plan.sh" 2>&1 || plan_rc=$?
	echo "$plan_rc" >"$SC_WORK/plan.rc"
} | tee -a "$SC_LOG" >&2
sc_read_rc "$SC_WORK/plan.rc"
exit "$rc"
