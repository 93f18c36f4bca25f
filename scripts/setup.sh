#!/usr/bin/env bash
# Installs everything sysclone and its tests need, idempotently: Debian packages,
# npm dependencies, the build, and the commands on PATH.
set -euo pipefail
cd "$(dirname "$0")/.."

packages=(
  rsync openssh-server openssh-client fdisk util-linux e2fsprogs xfsprogs acl attr
  iproute2 shellcheck kmod cpio zstd dosfstools mtools gzip
  qemu-system-x86 ipxe-qemu ovmf debootstrap busybox-static lvm2 mdadm udpcast xz-utils dnsmasq-base ipxe nftables openssl
  chromium man-db
  openipmi ipmitool
  wrk
  qemu-utils
  xorriso isolinux syslinux-common grub-efi-amd64-bin
)
missing=()
for package in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
done
if [ "${#missing[@]}" -gt 0 ]; then
  echo "setup: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -q
  apt-get install -y -q --no-install-recommends "${missing[@]}"
fi
mkdir -p /run/sshd

stamp=node_modules/.sysclone-installed
if [ ! -f "$stamp" ] || [ package-lock.json -nt "$stamp" ] || [ package.json -nt "$stamp" ]; then
  echo "setup: installing npm dependencies"
  npm install --no-audit --no-fund
  touch "$stamp"
fi

npm run --silent build

for bin in bin/*.js; do
  name=$(basename "$bin" .js)
  target=/usr/local/bin/$name
  if [ "$(readlink "$target" 2>/dev/null)" != "$PWD/$bin" ]; then
    ln -sf "$PWD/$bin" "$target"
  fi
done
echo "setup: done; commands are on PATH in /usr/local/bin (SYSCLONE_HOME defaults to $PWD)"
