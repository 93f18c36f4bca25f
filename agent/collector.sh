#!/bin/sh
# sysclone collector: prints the disk facts of this machine (or of the tree under $1)
# as one JSON object on stdout. Needs only util-linux and coreutils; LVM tools are
# used when present. Free text is base64-encoded so no quoting can break the JSON.
set -u
root=${1:-/}
export LC_ALL=C
PATH=/usr/sbin:/usr/bin:/sbin:/bin:${PATH:-}
export PATH

json_or_null() {
  if out=$("$@" 2>/dev/null) && [ -n "$out" ]; then printf '%s' "$out"; else printf 'null'; fi
}
b64_text() { printf '%s' "$1" | base64 | tr -d '\n'; }
b64_file() { if [ -r "$1" ]; then base64 < "$1" | tr -d '\n'; fi; }

if [ ! -d "$root" ]; then
  echo "collector: $root is not a directory" >&2
  exit 3
fi
for tool in lsblk findmnt base64; do
  command -v "$tool" >/dev/null 2>&1 || { echo "collector: $tool is missing (install util-linux and coreutils)" >&2; exit 4; }
done

printf '{"collector":1'
printf ',"root_b64":"%s"' "$(b64_text "$root")"
printf ',"running_kernel_b64":"%s"' "$(b64_text "$(uname -r)")"
printf ',"hostname_b64":"%s"' "$(b64_text "$(cat /proc/sys/kernel/hostname 2>/dev/null || hostname)")"
printf ',"rsync_b64":"%s"' "$(b64_text "$(command -v rsync || true)")"
printf ',"kernels_b64":"%s"' "$(b64_text "$(cd "$root/boot" 2>/dev/null && ls -1 vmlinuz-* 2>/dev/null)")"
printf ',"modules_b64":"%s"' "$(b64_text "$(cd "$root/lib/modules" 2>/dev/null && ls -1 2>/dev/null)")"
printf ',"fstab_b64":"%s"' "$(b64_file "$root/etc/fstab")"
# Without udev (containers, initrds) lsblk leaves FSTYPE/UUID/LABEL empty: blkid probes them.
printf ',"blkid_b64":"%s"' "$(b64_text "$(blkid -o export 2>/dev/null)")"
printf ',"lsblk":'
json_or_null lsblk --json --bytes --output NAME,KNAME,PATH,TYPE,SIZE,FSTYPE,UUID,LABEL,PARTUUID,PARTLABEL,PARTTYPE,PTTYPE,MOUNTPOINT,PKNAME
printf ',"findmnt":'
json_or_null findmnt --json --list --output TARGET,SOURCE,FSTYPE,OPTIONS
printf ',"sfdisk":{'
separator=""
for disk in $(lsblk --nodeps --noheadings --output PATH,TYPE 2>/dev/null | awk '$2 == "disk" || $2 == "loop" { print $1 }'); do
  if table=$(sfdisk --json "$disk" 2>/dev/null) && [ -n "$table" ]; then
    printf '%s"%s":%s' "$separator" "$disk" "$table"
    separator=","
  fi
done
printf '}'
printf ',"lvs":'
if command -v lvs >/dev/null 2>&1; then
  json_or_null lvs --reportformat json --units b --nosuffix --options lv_name,vg_name,lv_size,lv_path
else printf 'null'; fi
printf ',"vgs":'
if command -v vgs >/dev/null 2>&1; then
  json_or_null vgs --reportformat json --units b --nosuffix --options vg_name,vg_extent_size,vg_size
else printf 'null'; fi
printf '}\n'
