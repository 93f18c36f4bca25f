# shellcheck shell=sh
# Helpers for a rendered clone plan (src/plan/render.ts). Sourced by the plan, which runs with set -eu.
# The client (sysclone-clone.sh) sets: SC_SERVER SC_NODE SC_TOKEN SC_WORK SC_LOG SC_SIGNING_KEY, and exports RSYNC_PASSWORD.
# Everything the plan prints, on stdout or stderr, goes to the console and to $SC_LOG (the client tees it).

SC_STEP=start
SC_FINISHED=0
SC_VERIFIED=0

# The clock: one `date` per clone, then /proc/uptime, read by the shell itself, for every log line and duration (a
# process per line cost 5-10 ms here and several times that in an emulated machine). SC_CLOCK_UP (uptime in 1/100 s)
# and SC_CLOCK_DAY (the second of the day then) are exported, so the plan, which sources this file again, keeps them.
sc_uptime() {
	sc_up=
	{ read -r sc_up _ || :; } 2>/dev/null </proc/uptime || sc_up=
	case $sc_up in
	*[0-9].[0-9][0-9]) sc_up=${sc_up%.*}${sc_up#*.} ;;
	*) sc_up= ;;
	esac
	# Leading zeros would make it octal.
	while [ "${#sc_up}" -gt 1 ] && [ "${sc_up#0}" != "$sc_up" ]; do sc_up=${sc_up#0}; done
}

# sc_time_of_day: sc_tod, the second of the day by `date` (the fallback, and the clock's start).
sc_time_of_day() {
	read -r sc_h sc_m sc_s <<EOF
$(date '+%H %M %S')
EOF
	# Without leading zeros (octal otherwise), and 0 for what date did not print.
	sc_h=${sc_h#0} sc_m=${sc_m#0} sc_s=${sc_s#0}
	sc_tod=$((${sc_h:-0} * 3600 + ${sc_m:-0} * 60 + ${sc_s:-0}))
}

if [ -z "${SC_CLOCK_DAY:-}" ]; then
	sc_uptime
	sc_time_of_day
	SC_CLOCK_UP=$sc_up
	SC_CLOCK_DAY=$sc_tod
	export SC_CLOCK_UP SC_CLOCK_DAY
fi

# sc_clock: SC_ELAPSED, whole seconds since the clone started, and SC_HMS, the time of day (HH:MM:SS).
sc_clock() {
	sc_uptime
	if [ -n "$sc_up" ] && [ -n "${SC_CLOCK_UP:-}" ]; then
		SC_ELAPSED=$(((sc_up - SC_CLOCK_UP) / 100))
		# The clock started somewhere within date's second: half a second is the best guess, and keeps it within one.
		sc_t=$(((SC_CLOCK_DAY * 100 + 50 + sc_up - SC_CLOCK_UP) / 100 % 86400))
	else
		sc_time_of_day
		SC_ELAPSED=$(((sc_tod - SC_CLOCK_DAY + 86400) % 86400))
		sc_t=$sc_tod
	fi
	sc_h=$((sc_t / 3600))
	sc_m=$((sc_t / 60 % 60))
	sc_s=$((sc_t % 60))
	[ "$sc_h" -ge 10 ] || sc_h=0$sc_h
	[ "$sc_m" -ge 10 ] || sc_m=0$sc_m
	[ "$sc_s" -ge 10 ] || sc_s=0$sc_s
	SC_HMS=$sc_h:$sc_m:$sc_s
}

sc_log() {
	sc_clock
	printf 'sysclone: %s %s\n' "$SC_HMS" "$*" >&2
}

# sc_line FILE: sets sc_line to FILE's first line, read by the shell itself (no cat); empty when FILE cannot be read.
sc_line() {
	sc_line=
	{ read -r sc_line || :; } 2>/dev/null <"$1" || sc_line=
}

# sc_read_rc FILE: sets rc to the exit status a pipeline's first command wrote to FILE (1 when there is none).
sc_read_rc() {
	sc_line "$1"
	rc=$sc_line
	case $rc in '' | *[!0-9]*) rc=1 ;; esac
}

# JSON string body of $1: quotes, backslashes, tabs and newlines escaped, other control characters dropped.
# A message of printable ASCII without quote or backslash (most are) is its own body: no tr, sed and awk.
sc_json_string() {
	case $1 in
	*[!\ -~]* | *\"* | *\\*) ;;
	*)
		printf '%s' "$1"
		return 0
		;;
	esac
	printf '%s' "$1" | tr -d '\000-\010\013-\037' | sed -e 's/\\/\\\\/g' -e 's/"/\\"/g' -e 's/	/\\t/g' |
		awk 'BEGIN { ORS = "" } { if (NR > 1) print "\\n"; print }'
}

# POST $2 (JSON) to /install/<node>/$1. Reports are best effort: a server that is briefly away must not fail the clone.
sc_post() {
	tries=0
	while [ "$tries" -lt "${3:-3}" ]; do
		if wget -q -O /dev/null --header "Authorization: Bearer $SC_TOKEN" --header 'Content-Type: application/json' \
			--post-data "$2" "$SC_SERVER/install/$SC_NODE/$1"; then
			return 0
		fi
		tries=$((tries + 1))
		sleep 2
	done
	sc_log "could not report $1 to $SC_SERVER"
	return 1
}

# sc_retry WHAT COMMAND…: run COMMAND until it succeeds, waiting 2, 4, 8, 16, 30, 30… s between tries, for up to
# $SC_RETRY_SECONDS (default 300) of waiting in all: a server restarting or a network blip is outlasted. COMMAND
# exiting 2 means retrying cannot help (the server refused, or an answer failed its signature): no more tries.
sc_retry() {
	sc_retry_what=$1
	shift
	sc_retry_delay=2
	sc_retry_waited=0
	while :; do
		sc_retry_rc=0
		"$@" || sc_retry_rc=$?
		[ "$sc_retry_rc" -eq 0 ] && return 0
		if [ "$sc_retry_rc" -eq 2 ]; then
			return 2
		fi
		if [ "$sc_retry_waited" -ge "${SC_RETRY_SECONDS:-300}" ]; then
			sc_log "$sc_retry_what: no success after $sc_retry_waited s of retrying; giving up"
			return 1
		fi
		sc_log "$sc_retry_what failed (server or network away); retrying in $sc_retry_delay s"
		sleep "$sc_retry_delay"
		sc_retry_waited=$((sc_retry_waited + sc_retry_delay))
		sc_retry_delay=$((sc_retry_delay * 2))
		[ "$sc_retry_delay" -le 30 ] || sc_retry_delay=30
	done
}

# sc_http_status HEADERS: the last HTTP status in what wget -S wrote to HEADERS; empty when no answer came.
sc_http_status() {
	awk 'match($0, /HTTP\/1\.[01] [0-9][0-9][0-9]/) { status = substr($0, RSTART + 9, 3) } END { print status }' "$1" 2>/dev/null
}

# sc_header NAME HEADERS: the value of the last NAME: header (any case) in what wget -S wrote to HEADERS, without
# carriage returns or surrounding blanks; empty when there is none. One awk where grep | tail | sed | tr were four.
sc_header() {
	awk -v name="$1" 'BEGIN { name = tolower(name) ":" }
		{ line = $0; gsub(/\r/, "", line); sub(/^[ \t]*/, "", line) }
		tolower(substr(line, 1, length(name))) == name { value = substr(line, length(name) + 1); gsub(/^[ \t]+|[ \t]+$/, "", value) }
		END { print value }' "$2" 2>/dev/null
}

# SC_TOKEN_DIGEST: the sha256 of this boot's token, as signatures name it; one sha256sum per clone (exported to the
# plan), not one per signed answer.
sc_set_token_digest() {
	[ -n "${SC_TOKEN_DIGEST:-}" ] && return 0
	SC_TOKEN_DIGEST=$(printf '%s' "$SC_TOKEN" | sha256sum)
	SC_TOKEN_DIGEST=${SC_TOKEN_DIGEST%% *}
	export SC_TOKEN_DIGEST
}

# sc_check_signature KIND BODY HEADERS: 0 when the x-sysclone-signature header in HEADERS (wget -S output) is the
# server's Ed25519 signature of BODY as KIND (plan, manifest) for this node and token; else says why and returns 2.
# The key is the server's public key the initrd was built with ($SC_SIGNING_KEY); src/install/signing.ts signs
# "sysclone-signature v1 KIND NODE SHA256(TOKEN)\n" followed by the body.
sc_check_signature() {
	signature=$(sc_header x-sysclone-signature "$3")
	if [ ! -r "${SC_SIGNING_KEY:-}" ]; then
		SC_FAIL_DETAIL="no server signing key to check the $1 with (SC_SIGNING_KEY): rebuild the initrd with sysclone initrd build"
	elif [ -z "$signature" ]; then
		SC_FAIL_DETAIL="the $1 from $SC_SERVER is not signed: refusing it (an old server, or something between this node and the server)"
	else
		sc_set_token_digest
		{
			printf 'sysclone-signature v1 %s %s %s\n' "$1" "$SC_NODE" "$SC_TOKEN_DIGEST"
			cat "$2"
		} >"$SC_WORK/signed.$1"
		if printf '%s' "$signature" | openssl base64 -d -A >"$SC_WORK/signature.$1" 2>/dev/null &&
			openssl pkeyutl -verify -pubin -inkey "$SC_SIGNING_KEY" -rawin -in "$SC_WORK/signed.$1" -sigfile "$SC_WORK/signature.$1" >/dev/null 2>&1; then
			rm -f "$SC_WORK/signed.$1" "$SC_WORK/signature.$1"
			return 0
		fi
		rm -f "$SC_WORK/signed.$1" "$SC_WORK/signature.$1"
		SC_FAIL_DETAIL="the $1 from $SC_SERVER fails its signature check: refusing it (altered on the way, or this initrd was built for another server)"
	fi
	sc_log "$SC_FAIL_DETAIL"
	return 2
}

sc_ship_log() {
	wget -q -O /dev/null --header "Authorization: Bearer $SC_TOKEN" --header 'Content-Type: text/plain' \
		--post-file "$SC_LOG" "$SC_SERVER/install/$SC_NODE/log" 2>/dev/null || true
}

sc_phase_percent() {
	case "$1" in
	check) echo 1 ;; wipe) echo 2 ;; partition) echo 3 ;; mkfs) echo 6 ;; mount) echo 9 ;; pull) echo 10 ;;
	repair) echo 80 ;; verify) echo 85 ;; refetch) echo 88 ;; overrides) echo 92 ;; fstab) echo 93 ;; postscripts) echo 94 ;;
	firstboot) echo 97 ;; unmount) echo 98 ;; *) echo 0 ;;
	esac
}

sc_begin() {
	sc_log "cloning $2 v$3 onto $1"
}

sc_step() {
	SC_STEP=$1
	sc_log "== $1: $2"
	sc_post progress "{\"phase\":\"$1\",\"percent\":$(sc_phase_percent "$1"),\"message\":\"$(sc_json_string "$2")\"}" || true
}

# Refuse a disk that is not the size the plan was made for, before anything is written to it.
sc_require_disk() {
	name=${1#/dev/}
	if [ ! -b "$1" ] || [ ! -r "/sys/class/block/$name/size" ]; then
		sc_log "disk $1 is missing"
		return 1
	fi
	sc_line "/sys/class/block/$name/size"
	actual=$((${sc_line:-0} * 512))
	if [ "$actual" -ne "$2" ]; then
		sc_log "disk $1 is $actual bytes, the plan was made for $2: refusing to write"
		return 1
	fi
}

sc_wait_devices() {
	for dev in "$@"; do
		waited=0
		while [ ! -b "$dev" ]; do
			if [ "$waited" -ge 100 ]; then
				sc_log "device $dev did not appear"
				return 1
			fi
			command -v mdev >/dev/null 2>&1 && mdev -s 2>/dev/null
			sleep 0.1
			waited=$((waited + 1))
		done
	done
}

# Turn rsync --info=progress2 output into progress reports. awk does the parsing in one process and
# passes on at most one step of 2% or more of the image's bytes ($1) per second of the clock, and the last
# one at the end, so a tree of many small files, or a fast copy, costs no extra forks or requests.
# The clock is /proc/uptime: mawk (the virtual nodes' awk) has no other (its srand() does not read the time).
sc_rsync_progress() {
	low=$(sc_phase_percent "$SC_STEP")
	# Lines rsync --out-format wrote (a file landed) go to the verifier of sc_verify_begin, when one runs.
	# rsync ends a progress line with \r: awk splits on it itself (tr would hold lines back in its buffer).
	awk -v total="$1" -v names="${SC_VERIFY_FIFO:-}" 'BEGIN { RS = "[\r\n]"; posted = -1 }
		/^sysclone-file: / { if (names != "") print substr($0, 16) > names; next }
		$2 ~ /%$/ {
			bytes = $1; gsub(/[,.]/, "", bytes); bytes += 0
			pct = total > 0 ? int(bytes * 100 / total) : $2 + 0
			if (pct > 100) pct = 100
			if (pct < last + 2) next
			now = 0; getline now <"/proc/uptime"; close("/proc/uptime"); now += 0
			if (posted >= 0 && now - posted < 1) { pending = bytes " " pct; next }
			posted = now; last = pct; pending = ""; print bytes, pct; fflush()
		}
		END { if (pending != "") print pending }' | while read -r bytes pct; do
		sc_post progress "{\"phase\":\"$SC_STEP\",\"percent\":$((low + pct * 70 / 100)),\"bytes\":$bytes}" 1 || true
	done
}

# sc_pull IMAGE_BYTES rsync …: copy the image; retried when the server or network went away (rsync exit 5, 10, 12, 30, 35).
sc_pull() {
	total=$1
	shift
	attempt=1
	while :; do
		rcfile="$SC_WORK/rc.$$"
		{
			pull_rc=0
			"$@" || pull_rc=$?
			echo "$pull_rc" >"$rcfile"
		} | sc_rsync_progress "$total"
		sc_read_rc "$rcfile"
		[ "$rc" -eq 0 ] && return 0
		case "$rc" in
		5 | 10 | 12 | 30 | 35) ;;
		*)
			sc_log "rsync failed with exit $rc"
			return "$rc"
			;;
		esac
		if [ "$attempt" -ge "${SC_PULL_ATTEMPTS:-8}" ]; then
			sc_log "rsync failed with exit $rc after $attempt attempts"
			return "$rc"
		fi
		sc_log "rsync exit $rc (server or network away); retrying in 3 s"
		attempt=$((attempt + 1))
		sleep 3
	done
}

# A small transfer (overrides, postscripts): retried like a pull, without progress.
sc_fetch() {
	attempt=1
	until "$@"; do
		if [ "$attempt" -ge "${SC_PULL_ATTEMPTS:-8}" ]; then
			sc_log "failed after $attempt attempts: $*"
			return 1
		fi
		attempt=$((attempt + 1))
		sleep 3
	done
}

# sc_get_signed URL FILE KIND: fetch a signed answer into FILE. 0 fetched and its signature checks; 2 refused by the
# server (4xx) or by the signature check; 1 no answer (worth retrying).
sc_get_signed() {
	if wget -q -S -O "$2" --header "Authorization: Bearer $SC_TOKEN" "$1" 2>"$2.headers"; then
		sc_check_signature "$3" "$2" "$2.headers"
		return
	fi
	status=$(sc_http_status "$2.headers")
	case "$status" in
	4??)
		SC_FAIL_DETAIL="the server refused the $3 (HTTP $status)"
		sc_log "$SC_FAIL_DETAIL"
		return 2
		;;
	esac
	return 1
}

# sc_pull_archive URL ROOT: stream the image archive into ROOT; retried from the start when the transfer breaks.
# Over a link of 10 Gb/s or more the archive comes as plain tar (compress=none): zstd on the server would be the limit.
sc_pull_archive() {
	sc_archive_host=${SC_SERVER#*://}
	sc_archive_host=${sc_archive_host%%/*}
	sc_archive_dev=
	sc_word_after=
	# The first word after "dev" in ip's answer, split by the shell (no sed and head).
	for sc_word in $(ip route get "${sc_archive_host%:*}" 2>/dev/null); do
		if [ "$sc_word_after" = dev ]; then
			sc_archive_dev=$sc_word
			break
		fi
		sc_word_after=$sc_word
	done
	sc_line "/sys/class/net/${sc_archive_dev:-none}/speed"
	sc_archive_speed=$sc_line
	case "$sc_archive_speed" in '' | *[!0-9]*) sc_archive_speed=0 ;; esac
	sc_archive_url=$1
	if [ "$sc_archive_speed" -ge 10000 ]; then
		sc_archive_url="$1?compress=none"
		sc_log "archive: plain tar (the link to the server is $sc_archive_speed Mb/s)"
	else
		sc_log "archive: zstd (the link to the server is ${sc_archive_speed:-?} Mb/s, or unknown)"
	fi
	sc_retry "archive download" sc_pull_archive_once "$sc_archive_url" "$2"
}

sc_pull_archive_once() {
	rcfile="$SC_WORK/archive.rc"
	# Plain tar goes straight from wget to tar: a cat between them cost a copy of every byte (0.4 s of CPU per 474 MB).
	case "$1" in *compress=none*) sc_plain=1 ;; *) sc_plain=0 ;; esac
	{
		get_rc=0
		wget -q -S -O - --header "Authorization: Bearer $SC_TOKEN" "$1" 2>"$SC_WORK/archive.headers" || get_rc=$?
		echo "$get_rc" >"$rcfile"
	} | if [ "$sc_plain" = 1 ]; then sc_untar "$2" ${SC_VERIFY_FIFO:+-v}; else zstd -dc | sc_untar "$2" ${SC_VERIFY_FIFO:+-v}; fi >"${SC_VERIFY_FIFO:-/dev/null}" ||
		{ sc_read_rc "$rcfile" && [ "$rc" -ne 0 ] || echo 1 >"$rcfile"; }
	sc_read_rc "$rcfile"
	[ "$rc" -eq 0 ] && return 0
	status=$(sc_http_status "$SC_WORK/archive.headers")
	case "$status" in
	4??)
		SC_FAIL_DETAIL="the server refused the image archive (HTTP $status)"
		sc_log "$SC_FAIL_DETAIL"
		return 2
		;;
	esac
	return 1
}

# An image archive (tar on stdin) unpacked into $1 with everything rsync -aHAXS keeps; more tar options may follow
# (-v: each member's name on stdout as it is unpacked, for the verifier).
sc_untar() {
	sc_untar_root=$1
	shift
	tar -x -p --numeric-owner --xattrs --xattrs-include='*' --acls "$@" -C "$sc_untar_root"
}

# sc_verify LIST_URL ROOT [RSYNC_URL]: check every regular file of the clone against the image
# manifest's sha256. With RSYNC_URL, files that differ are fetched again (--ignore-times, so a
# changed byte in a file of the right size and time is caught) and checked once more.
sc_verify() {
	list="$SC_WORK/verify.sha256"
	if ! sc_retry "manifest download" sc_get_signed "$1" "$list" manifest; then
		SC_FAIL_DETAIL=${SC_FAIL_DETAIL:-"could not fetch the manifest from $SC_SERVER"}
		return 1
	fi
	SC_VERIFIED=$(wc -l <"$list" | tr -d ' ')
	bad=$(sc_verify_check "$list" "$2")
	if [ -n "$bad" ] && [ -n "${3:-}" ]; then
		printf '%s\n' "$bad" | sed -n 's/^\.\/\(.*\): FAILED.*$/\1/p' >"$SC_WORK/repair.list"
		sc_log "verify: $(wc -l <"$SC_WORK/repair.list" | tr -d ' ') of $SC_VERIFIED files differ from the manifest; fetching them again"
		sc_fetch rsync -aHAXS --numeric-ids --ignore-times --files-from="$SC_WORK/repair.list" "$3" "$2/"
		bad=$(sc_verify_check "$list" "$2")
	fi
	if [ -n "$bad" ]; then
		printf '%s\n' "$bad" | head -n 50 >&2
		sc_log "verify: $(printf '%s\n' "$bad" | wc -l | tr -d ' ') of $SC_VERIFIED files differ from the manifest"
		return 1
	fi
	sc_log "verify: $SC_VERIFIED files match the manifest"
}

sc_verify_check() {
	(
		cd "$2" || exit 1
		sha256sum -c "$1" 2>&1 | grep -v ': OK$' | grep -v '^sha256sum: WARNING' || true
	)
}

# --- Verify beside the copy -------------------------------------------------------------------------------------
# sc_verify_begin LIST_URL ROOT HASH(yes|no): fetch the signed manifest with every entry's metadata (format=meta:
# TYPE MODE UID GID SIZE SHA256|TARGET|- PATH, tab-separated) before the copy, then hash each file the copy names as
# it lands (rsync --out-format, tar -v), in parallel batches (sc_hash_stream), while the copy goes on.
# sc_verify_end then checks only what is left.
sc_verify_begin() {
	SC_VERIFY_LIST="$SC_WORK/verify.list"
	SC_VERIFY_ROOT=$2
	SC_VERIFY_HASH=$3
	# A manifest that cannot be had, or fails its signature, fails the verify step, as it would after the copy.
	sc_verify_step=$SC_STEP
	SC_STEP=verify
	if ! sc_retry "manifest download" sc_get_signed "$1?format=meta" "$SC_VERIFY_LIST" manifest; then
		SC_FAIL_DETAIL=${SC_FAIL_DETAIL:-"could not fetch the manifest from $SC_SERVER"}
		return 1
	fi
	SC_STEP=$sc_verify_step
	if [ "$SC_VERIFY_HASH" = yes ]; then
		SC_VERIFIED=$(awk -F '\t' -v out="$SC_WORK/verify.sha256" '$1 == "f" { print $6 "  " $7 >out; n++ } END { close(out); print n + 0 }' "$SC_VERIFY_LIST")
		[ "$SC_VERIFIED" -gt 0 ] || : >"$SC_WORK/verify.sha256"
	else
		: >"$SC_WORK/verify.sha256"
		SC_VERIFIED=0
	fi
	rm -rf "$SC_WORK/verify.early" "$SC_WORK/verify.late" "$SC_WORK/verify.names"
	mkdir -p "$SC_WORK/verify.early" "$SC_WORK/verify.late"
	SC_VERIFY_FIFO=
	SC_VERIFY_PID=
	# Without hashing nothing reads the copy's names: the copy names nothing (no tar -v, no FIFO to drain).
	[ "$SC_VERIFY_HASH" = yes ] || return 0
	SC_VERIFY_FIFO="$SC_WORK/verify.names"
	mkfifo "$SC_VERIFY_FIFO"
	sc_hash_stream "$SC_VERIFY_ROOT" "$SC_WORK/verify.early" "$SC_VERIFY_LIST" <"$SC_VERIFY_FIFO" &
	SC_VERIFY_PID=$!
	# Held open here so the hashers see the end of the names only when sc_verify_end says so (a retried copy writes again).
	exec 7>"$SC_VERIFY_FIFO"
}

# sc_hash_stream ROOT DIR [LIST]: names (relative to ROOT, as rsync or tar print them) on stdin; each is hashed once the
# next one is named (rsync and tar name a file before it is in place, never after the next one starts), in batches, as
# many batches at once as there are CPUs; DIR/b<N>.sum gets `HASH *./PATH` lines. openssl uses the CPU's SHA
# instructions, several times faster than sha256sum; sha256sum is the fallback. A batch is one openssl (about 25 ms
# of CPU to start, as much as hashing 25 MB): with LIST (the format=meta manifest) its files' sizes bound a batch
# at 48 MiB or 2,000 files, else it is 500 files; small enough that little is left to hash when the copy ends.
# Only regular files are hashed (find -type f: not a link, a FIFO that would block, or a name gone), one find per
# batch rather than dash's byte-at-a-time read loop.
sc_hash_stream() {
	jobs=$(nproc 2>/dev/null || echo 2)
	if command -v openssl >/dev/null 2>&1; then SC_HASHER="openssl dgst -sha256 -r"; else SC_HASHER=sha256sum; fi
	export SC_HASHER
	# shellcheck disable=SC2016 # expanded by the sh that xargs starts
	awk -v dir="$2" -v sizes="${3:-}" '
		function emit(p) {
			if (p == "" || p ~ /\/$/ || p ~ /\\#/) return
			if (substr(p, 1, 2) != "./") p = "./" p
			print p > (dir "/b" b)
			bytes += (p in size) ? size[p] : 0
			if (++n >= maxn || bytes >= 50331648) flush()
		}
		function flush() { close(dir "/b" b); print dir "/b" b; fflush(); b++; n = 0; bytes = 0 }
		BEGIN {
			b = 0; maxn = 500
			if (sizes != "") {
				maxn = 2000
				while ((getline line < sizes) > 0) {
					split(line, f, "\t")
					if (f[1] == "f") size[f[7]] = f[5] + 0
				}
				close(sizes)
			}
		}
		{ sub(/^sysclone-file: /, ""); if (have) emit(prev); prev = $0; have = 1 }
		END { if (have) emit(prev); if (n > 0) flush() }' |
		xargs -n 1 -P "$jobs" sh -c 'cd "$0" || exit 0
			tr "\n" "\000" <"$1" | xargs -0 sh -c "exec find \"\$@\" -maxdepth 0 -type f -print0" find 2>/dev/null |
				xargs -0 -r $SC_HASHER >"$1.sum" 2>/dev/null
			exit 0' "$1"
}

# sc_verify_end ROOT MODE [REPAIR_URL BYTES RSYNC_ARGS…]: finish what sc_verify_begin started. Files without a
# matching hash from the copy are hashed now; with MODE meta, every entry's type, mode, owner, size and link
# target is checked against the manifest too. Without REPAIR_URL anything wrong fails the clone. With it, what is
# wrong is fetched again (only those files, --ignore-times) and checked once more; entries the image lacks (a
# reused directory) or names the manifest could not carry mean the full rsync walk first.
sc_verify_end() {
	root=$1
	mode=$2
	shift 2
	if [ -n "$SC_VERIFY_PID" ]; then
		exec 7>&-
		wait "$SC_VERIFY_PID" || true
	fi
	sc_verify_pass "$root" "$mode" "$SC_WORK/verify.sha256"
	if [ -s "$SC_WORK/verify.bad" ] || [ "$SC_VERIFY_EXTRA" -gt 0 ] || [ -s "$SC_WORK/meta.extra.walk" ]; then
		if [ $# -eq 0 ]; then
			head -n 50 "$SC_WORK/verify.bad" >&2
			SC_FAIL_DETAIL="verify: $(wc -l <"$SC_WORK/verify.bad" | tr -d ' ') of $SC_VERIFIED files differ from the manifest"
			sc_log "$SC_FAIL_DETAIL"
			return 1
		fi
		repair_url=$1
		bytes=$2
		shift 2
		sc_step refetch "fetch again what verify found wrong"
		if [ "$SC_VERIFY_EXTRA" -eq 0 ] && [ -s "$SC_WORK/meta.extra.walk" ]; then
			sc_log "verify: $(wc -l <"$SC_WORK/meta.extra.walk" | tr -d ' ') directories hold names the manifest cannot carry; rsync walks just those"
			sed 's|^\./||; s|^\.$|.|' "$SC_WORK/meta.extra.walk" >"$SC_WORK/walk.list"
			sc_fetch rsync -aHAXS --numeric-ids --delete -r --files-from="$SC_WORK/walk.list" "$repair_url" "$root/"
		fi
		if [ "$SC_VERIFY_EXTRA" -gt 0 ]; then
			sc_log "verify: $SC_VERIFY_EXTRA entries the manifest does not list (or cannot name; first: $(head -n 3 "$SC_WORK/meta.extras" | tr '\n' ' ')); full rsync walk"
			sc_pull "$bytes" rsync "$@" "$repair_url" "$root/"
			SC_VERIFY_WALKED=1
		fi
		if [ -s "$SC_WORK/verify.bad" ]; then
			sc_log "verify: $(wc -l <"$SC_WORK/verify.bad" | tr -d ' ') of $SC_VERIFIED entries differ from the manifest; fetching them again"
			sed 's|^\./||' "$SC_WORK/verify.bad" >"$SC_WORK/repair.list"
			sc_fetch rsync -aHAXS --numeric-ids --ignore-times --files-from="$SC_WORK/repair.list" "$repair_url" "$root/"
		fi
		# Check again: the files just fetched by their hash, and every entry's metadata.
		awk 'FILENAME == ARGV[1] { bad[$0] = 1; next } (substr($0, 67) in bad)' "$SC_WORK/verify.bad" "$SC_WORK/verify.sha256" >"$SC_WORK/verify.again"
		rm -rf "$SC_WORK/verify.early"
		mkdir -p "$SC_WORK/verify.early"
		sc_verify_pass "$root" "$mode" "$SC_WORK/verify.again"
		# After a full walk, what the manifest cannot name is rsync's to keep right (--delete), not an error.
		if [ -s "$SC_WORK/verify.bad" ] || { [ "$SC_VERIFY_EXTRA" -gt 0 ] && [ "${SC_VERIFY_WALKED:-0}" = 0 ]; }; then
			head -n 50 "$SC_WORK/verify.bad" >&2
			SC_FAIL_DETAIL="verify: $(wc -l <"$SC_WORK/verify.bad" | tr -d ' ') of $SC_VERIFIED entries still differ from the manifest after fetching them again"
			sc_log "$SC_FAIL_DETAIL"
			return 1
		fi
	fi
	if [ "$SC_VERIFY_HASH" = yes ]; then
		sc_log "verify: $SC_VERIFIED files match the manifest"
	else
		sc_log "verify: every entry's type, mode, owner, size and link target match the manifest (contents not hashed: verify=no)"
	fi
}

# sc_verify_pass ROOT MODE SHA256_LIST: $SC_WORK/verify.bad gets the paths that differ; SC_VERIFY_EXTRA counts
# entries the manifest does not list (MODE meta only).
sc_verify_pass() {
	w=$SC_WORK
	# An empty hash list (verify=no) has nothing to hash or compare.
	if [ -s "$3" ]; then
		cat "$w"/verify.early/*.sum >"$w/verify.got" 2>/dev/null || : >"$w/verify.got"
		awk 'FILENAME == ARGV[1] { got[substr($0, 67)] = substr($0, 1, 64); next } got[substr($0, 67)] != substr($0, 1, 64) { print substr($0, 67) }' \
			"$w/verify.got" "$3" >"$w/verify.todo"
		rm -rf "$w/verify.late"
		mkdir -p "$w/verify.late"
		[ -s "$w/verify.todo" ] && sc_hash_stream "$1" "$w/verify.late" "${SC_VERIFY_LIST:-}" <"$w/verify.todo"
		cat "$w"/verify.late/*.sum >>"$w/verify.got" 2>/dev/null || true
		awk 'FILENAME == ARGV[1] { got[substr($0, 67)] = substr($0, 1, 64); next } got[substr($0, 67)] != substr($0, 1, 64) { print substr($0, 67) }' \
			"$w/verify.got" "$3" >"$w/verify.bad"
	else
		: >"$w/verify.bad"
	fi
	SC_VERIFY_EXTRA=0
	: >"$w/meta.extras"
	: >"$w/meta.extra.walk"
	[ "$2" = meta ] || return 0
	(cd "$1" && find . -exec stat -c '%f %a %u %g %s %n' {} + >"$w/meta.actual" && find . -type l -exec stat -c '%N' {} + >"$w/meta.links")
	awk -F '\t' -v extra="$w/meta.extra" '
		# Modes compared as text without leading zeros: busybox awk reads "0755" + 0 as octal, mawk as decimal.
		function octal(m) { sub(/^0+/, "", m); return m == "" ? "0" : m }
		FILENAME == ARGV[1] && $1 == "R" { walk[$7] = 1; print $7 > (extra ".walk"); next }
		FILENAME == ARGV[1] {
			want[$7] = $1 " " octal($2) " " $3 " " $4 " " ($1 == "f" ? $5 : "-")
			if ($1 == "l" && $6 != "-") target[$7] = $6
			next
		}
		FILENAME == ARGV[2] {
			line = $0
			for (i = 1; i <= 5; i++) { k = index(line, " "); f[i] = substr(line, 1, k - 1); line = substr(line, k + 1) }
			t = substr(f[1], 1, 1)
			type = t == "8" ? "f" : t == "4" ? "d" : t == "a" ? "l" : t == "2" ? "c" : t == "6" ? "b" : t == "1" ? "p" : "s"
			if (!(line in want)) {
				# A name the manifest cannot carry (it is walked by rsync, below) or a piece of one after a newline.
				if (substr(line, 1, 1) != ".") next
				for (d in walk) if (d == "." || index(line, d "/") == 1) next
				if (++extras <= 3) print line > (extra "s")
				next
			}
			seen[line] = 1
			if (type " " octal(f[2]) " " f[3] " " f[4] " " (type == "f" ? f[5] : "-") != want[line]) print line
			next
		}
		{
			k = index($0, "'"'"' -> '"'"'")
			if (substr($0, 1, 1) != "'"'"'" || k == 0) next
			name = substr($0, 2, k - 2)
			if ((name in target) && substr($0, k + 6, length($0) - k - 6) != target[name]) print name
		}
		END {
			for (p in want) if (!(p in seen)) print p
			print extras + 0 > extra
		}' "$SC_VERIFY_LIST" "$w/meta.actual" "$w/meta.links" >>"$w/verify.bad"
	sc_line "$w/meta.extra"
	SC_VERIFY_EXTRA=${sc_line:-0}
	[ ! -s "$w/verify.bad" ] || sort -u "$w/verify.bad" -o "$w/verify.bad"
}

# sc_pull_multicast JOIN_URL ROOT FALLBACK_SECONDS: receive the image from the server's udp-sender
# session. A session that already streams cannot be joined: wait for the next one, up to
# FALLBACK_SECONDS. Whatever happens, it returns 0: the rsync repair pass that follows copies what
# multicast did not deliver (everything, if no session was joined).
sc_pull_multicast() {
	answer="$SC_WORK/multicast.answer"
	waited=0
	while :; do
		if ! wget -q -O "$answer" --header "Authorization: Bearer $SC_TOKEN" --header 'Content-Type: application/json' \
			--post-data '{}' "$1"; then
			sc_log "multicast: the server did not answer the join; continuing with rsync"
			return 0
		fi
		session=$(sed -n 's/^session=//p' "$answer")
		[ -n "$session" ] && break
		wait=$(sed -n 's/^wait=//p' "$answer")
		reason=$(sed -n 's/^reason=//p' "$answer")
		if [ -z "$wait" ] || [ "$waited" -ge "$3" ]; then
			sc_log "multicast: ${reason:-no session}; continuing with rsync"
			return 0
		fi
		sc_log "multicast: $reason; waiting for the next session (${waited}/${3} s)"
		sleep "$wait"
		waited=$((waited + wait))
	done
	portbase=$(sed -n 's/^portbase=//p' "$answer")
	address=$(sed -n 's/^address=//p' "$answer")
	sc_log "multicast: joined session $session (port $portbase)"
	sc_clock
	started=$SC_ELAPSED
	rcfile="$SC_WORK/udp-receiver.rc"
	{
		recv_rc=0
		timeout "${SC_MULTICAST_TIMEOUT:-7200}" udp-receiver --nokbd --portbase "$portbase" --mcast-rdv-address "$address" \
			2>"$SC_WORK/udp-receiver.log" || recv_rc=$?
		echo "$recv_rc" >"$rcfile"
	} | zstd -dc 2>/dev/null | sc_untar "$2" 2>"$SC_WORK/multicast-tar.log" || true
	sc_read_rc "$rcfile"
	bytes=$(tr '\r' '\n' <"$SC_WORK/udp-receiver.log" | sed -n 's/^bytes= *\([0-9 ]*[0-9]\).*/\1/p' | tail -n 1 | tr -d ' ')
	bytes=${bytes:-0}
	sc_clock
	seconds=$((SC_ELAPSED - started))
	[ "$seconds" -gt 0 ] || seconds=1
	rate=$((bytes / seconds))
	if [ "$rc" -eq 0 ]; then
		message="multicast session $session: $bytes bytes in $seconds s"
	else
		message="multicast session $session ended early (udp-receiver exit $rc) after $bytes bytes; rsync repairs the rest"
	fi
	sc_log "$message"
	sc_post progress "{\"phase\":\"pull\",\"bytes\":$bytes,\"session\":\"$(sc_json_string "$session")\",\"rate\":$rate,\"message\":\"$(sc_json_string "$message")\"}" || true
	return 0
}

# Let go of what the old system assembled from these disks (LVM, RAID), so they can be erased.
sc_release_storage() {
	# An array a pre-install script assembled (agent/clone/prescripts.sh) is what the plan was made for: it stays.
	if [ -e "$SC_WORK/storage-assembled" ]; then
		sc_log "keeping the storage the pre-install scripts assembled"
		return 0
	fi
	if command -v vgchange >/dev/null 2>&1; then vgchange -a n >/dev/null 2>&1 || true; fi
	if command -v mdadm >/dev/null 2>&1; then mdadm --stop --scan >/dev/null 2>&1 || true; fi
}

# Erase a whole disk: every signature on its partitions and itself, then its blocks (discard where
# the disk supports it, else zeros over the first and last MiB, where tables and metadata live).
sc_wipe_disk() {
	name=${1##*/}
	for part in /sys/block/"$name"/"$name"*; do
		[ -e "$part" ] && wipefs -a -q "/dev/${part##*/}" 2>/dev/null
	done
	wipefs -a -q "$1"
	if ! blkdiscard -f "$1" 2>/dev/null; then
		sc_line "/sys/block/$name/size"
		sectors=$sc_line
		dd if=/dev/zero of="$1" bs=1M count=1 conv=fsync 2>/dev/null
		dd if=/dev/zero of="$1" bs=512 seek=$((sectors - 2048)) count=2048 conv=fsync 2>/dev/null
	fi
	sc_log "wiped $1"
}

sc_bind_system() {
	for dir in proc sys dev; do
		mkdir -p "$1/$dir"
		mount -o bind "/$dir" "$1/$dir"
	done
	# A bind of /sys leaves its submounts behind; efibootmgr in the image needs the EFI variables.
	if grep -q ' /sys/firmware/efi/efivars efivarfs ' /proc/mounts; then
		mount -t efivarfs efivarfs "$1/sys/firmware/efi/efivars"
	fi
}

sc_unbind_system() {
	if grep -q " $1/sys/firmware/efi/efivars " /proc/mounts; then
		umount "$1/sys/firmware/efi/efivars" 2>/dev/null || umount -l "$1/sys/firmware/efi/efivars"
	fi
	for dir in dev sys proc; do
		umount "$1/$dir" 2>/dev/null || umount -l "$1/$dir"
	done
}

# Run one postscript; its output goes to the log, and a failure names it.
sc_postscript() {
	name=$1
	shift
	SC_STEP="postscript $name"
	sc_log "postscript $name"
	out="$SC_WORK/postscript.out"
	if "$@" >"$out" 2>&1; then
		cat "$out" >&2
		return 0
	else
		rc=$?
	fi
	cat "$out" >&2
	SC_FAIL_DETAIL="postscript $name exited $rc: $(tail -n 5 "$out" | tr '\n' ' ')"
	sc_unbind_system "${SC_ROOT:-/a}" 2>/dev/null || true
	return "$rc"
}

# Put the first-boot report into the clone: its single-use credential, the reporter and its
# systemd unit. Best effort: a clone that cannot report still boots.
sc_firstboot() {
	root=${1%/}
	kit=${SC_LIB%/*}/firstboot
	# Every clone makes its own SSH host keys on first boot (sysclone-hostkeys.service, before sshd):
	# an image captured before imgcapture left the golden client's private keys out still holds them.
	for key in "$root"/etc/ssh/ssh_host_*key*; do
		if [ -e "$key" ]; then
			rm -f "$root"/etc/ssh/ssh_host_*key*
			sc_log "removed the image's SSH host keys: this clone makes its own on first boot"
			break
		fi
	done
	sc_systemd=0
	[ -d "$root/etc/systemd/system" ] && sc_systemd=1
	wants="$root/etc/systemd/system/multi-user.target.wants"
	# One mkdir, cp and ln for the kit's pieces where one will do: each process counts in an emulated machine.
	set -- "$root/usr/local/sbin"
	[ "$sc_systemd" = 0 ] || set -- "$@" "$wants"
	mkdir -p "$@"
	cp "$kit/sysclone-firstboot" "$root/usr/local/sbin/sysclone-firstboot"
	chmod 0755 "$root/usr/local/sbin/sysclone-firstboot"
	# The single-use credential is asked for once the kit is in place, so a failed copy wastes none.
	if ! token=$(wget -q -O - --header "Authorization: Bearer $SC_TOKEN" --header 'Content-Type: application/json' \
		--post-data '{}' "$SC_SERVER/install/$SC_NODE/firstboot") || [ -z "$token" ]; then
		token=
		sc_log "the server gave no first-boot credential: this clone will not report its first boot"
	fi
	if [ "$sc_systemd" = 1 ]; then
		set -- "$kit/sysclone-hostkeys.service"
		[ -z "$token" ] || set -- "$@" "$kit/sysclone-firstboot.service"
		cp "$@" "$root/etc/systemd/system/"
		set -- ../sysclone-hostkeys.service
		[ -z "$token" ] || set -- "$@" ../sysclone-firstboot.service
		ln -sf "$@" "$wants/"
	elif [ -d "$root/etc/ssh" ]; then
		sc_log "the image has no systemd: run '/usr/local/sbin/sysclone-firstboot hostkeys' before sshd starts to make this clone's SSH host keys"
	fi
	[ -n "$token" ] || return 0
	mkdir -p "$root/var/lib/sysclone"
	(umask 077 && printf 'SERVER=%s\nNODE=%s\nTOKEN=%s\n' "$SC_SERVER" "$SC_NODE" "$token" >"$root/var/lib/sysclone/firstboot")
	[ "$sc_systemd" = 1 ] || sc_log "the image has no systemd: run /usr/local/sbin/sysclone-firstboot at boot to report it"
}

# The clone is done only when the server has recorded it: finish is retried until it answers (a repeat of a
# finish it already recorded is answered ok), so node and server agree. A refusal (4xx) ends the clone as failed.
sc_finish() {
	sc_clock
	seconds=$SC_ELAPSED
	sc_log "clone finished in ${seconds}s; then: $1"
	sc_ship_log
	if ! sc_retry "finish report" sc_finish_once "{\"verifiedFiles\":$SC_VERIFIED,\"seconds\":$seconds}"; then
		SC_STEP=finish
		SC_FAIL_DETAIL=${SC_FAIL_DETAIL:-"the server at $SC_SERVER did not acknowledge the finished clone"}
		return 1
	fi
	printf '%s\n' "$1" >"$SC_WORK/final-action"
	SC_FINISHED=1
}

sc_finish_once() {
	if wget -q -S -O /dev/null --header "Authorization: Bearer $SC_TOKEN" --header 'Content-Type: application/json' \
		--post-data "$1" "$SC_SERVER/install/$SC_NODE/finish" 2>"$SC_WORK/finish.headers"; then
		return 0
	fi
	status=$(sc_http_status "$SC_WORK/finish.headers")
	case "$status" in
	4??)
		SC_FAIL_DETAIL="the server refused the finish report (HTTP $status)"
		sc_log "$SC_FAIL_DETAIL"
		return 2
		;;
	esac
	return 1
}

sc_exit_trap() {
	[ "$SC_FINISHED" -eq 1 ] && return 0
	[ "$1" -eq 0 ] && return 0
	detail=${SC_FAIL_DETAIL:-"exit $1; last lines: $(tail -n 5 "$SC_LOG" | tr '\n' ' ')"}
	sc_log "FAILED in step $SC_STEP: $detail"
	sc_ship_log
	sc_post fail "{\"step\":\"$(sc_json_string "$SC_STEP")\",\"message\":\"$(sc_json_string "$detail")\",\"exit\":$1}" 10 || true
}
