#!/usr/bin/env bash
# Downloads Debian's current amd64 kernel package once into test/fixtures/cache/kernel (gitignored),
# unpacks it and indexes its modules. Prints the kernel version.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
cache="$(cd "$here/../.." && pwd)/test/fixtures/cache"
mkdir -p "$cache"
exec 9>"$cache/.kernel.lock"
flock 9
if ! compgen -G "$cache/kernel/boot/vmlinuz-*" >/dev/null; then
  package() { apt-cache depends linux-image-amd64 2>/dev/null | awk '/Depends: linux-image-[0-9]/ { print $2; exit }'; }
  version=$(package)
  [ -n "$version" ] || { apt-get update -q >&2; version=$(package); }
  (cd "$cache" && apt-get download "$version" >/dev/null 2>&1)
  rm -rf "$cache/kernel.tmp" && dpkg -x "$cache"/"$version"_*.deb "$cache/kernel.tmp"
  rm -f "$cache"/"$version"_*.deb
  mv "$cache/kernel.tmp" "$cache/kernel"
fi
vmlinuz=$(find "$cache/kernel/boot" -name "vmlinuz-*" | head -n 1)
kver=${vmlinuz##*/vmlinuz-}
[ -f "$cache/kernel/lib/modules/$kver/modules.dep" ] || depmod -b "$cache/kernel" "$kver"
echo "$kver"
