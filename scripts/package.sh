#!/usr/bin/env bash
# Builds the Debian package dist/sysclone_<version>_amd64.deb from this checkout with dpkg-deb alone:
# the compiled code, the commands of package.json "bin" as /usr/bin wrappers, the agent, postscripts,
# templates, dashboard assets, the production node_modules and the Node.js runtime of this machine
# under /usr/lib/sysclone; sysclone.service and /etc/sysclone/sysclone.conf; man pages when the
# build has the generator. Prints the package's path.
set -euo pipefail
cd "$(dirname "$0")/.."
checkout=$PWD

node_bin=$(readlink -f "$(command -v node)")
node_major=$("$node_bin" -p 'process.versions.node.split(".")[0]')
[ "$node_major" -ge 20 ] || { echo "package: node $("$node_bin" --version) is too old: sysclone and its better-sqlite3 build need Node.js 20 or later" >&2; exit 2; }
command -v dpkg-deb >/dev/null || { echo "package: dpkg-deb is missing" >&2; exit 2; }

# --prebuilt: dist/ is already built (npm run setup did it), as in the tests.
if [ "${1-}" != --prebuilt ]; then npm run --silent build >&2; fi
version=$(node -p 'require("./package.json").version')
out="$checkout/dist/sysclone_${version}_amd64.deb"

stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
root="$stage/root"
lib="$root/usr/lib/sysclone"
mkdir -p "$lib" "$root/usr/bin" "$root/DEBIAN"

# The code: compiled JavaScript (no source maps, no benches), the files it reads at run time.
node -e '
  const { name, version, description, license, type, engines } = require("./package.json");
  process.stdout.write(JSON.stringify({ name, version, description, license, type, engines, private: true }, null, 2) + "\n");
' >"$lib/package.json"
mkdir -p "$lib/dist"
rsync -a --exclude='*.map' dist/src dist/server "$lib/dist/"
rsync -a bin agent postscripts "$lib/"
mkdir -p "$lib/server/dashboard"
rsync -a server/templates "$lib/server/"
rsync -a server/dashboard/public "$lib/server/dashboard/"

# Production node_modules only (npm's own list), without build byproducts.
npm ls --omit=dev --all --parseable 2>/dev/null | tail -n +2 | while read -r dir; do
  rel=${dir#"$checkout"/}
  mkdir -p "$lib/$rel"
  rsync -a --exclude=node_modules --exclude=obj.target --exclude=.deps --exclude='*.o' --exclude='*.a' \
    --exclude=Makefile --exclude='*.mk' --exclude=config.gypi --exclude='test_extension.node' "$dir/" "$lib/$rel/"
done
rm -rf "$lib/node_modules/better-sqlite3/deps" "$lib/node_modules/better-sqlite3/src"

# The runtime: this machine's Node.js (Debian 12's nodejs is 18; the native addons are built for this one).
install -D -m 0755 "$node_bin" "$lib/node/bin/node"
if [ -f /usr/share/doc/nodejs/LICENSE ]; then install -m 0644 /usr/share/doc/nodejs/LICENSE "$lib/node/LICENSE"; fi

# The commands: every name in package.json "bin".
node -p 'Object.keys(require("./package.json").bin).join("\n")' | while read -r name; do
  sed "s/@NAME@/$name/g" packaging/wrapper.sh >"$root/usr/bin/$name"
  chmod 0755 "$root/usr/bin/$name"
done

install -D -m 0644 packaging/sysclone.conf "$root/etc/sysclone/sysclone.conf"
install -D -m 0644 packaging/sysclone.service "$root/lib/systemd/system/sysclone.service"
install -D -m 0644 packaging/copyright "$root/usr/share/doc/sysclone/copyright"

if [ -f dist/src/docs/write-man-pages.js ]; then
  SOURCE_DATE_EPOCH=$(git log -1 --format=%ct 2>/dev/null || date +%s) node dist/src/docs/write-man-pages.js "$stage/man" >&2
  mkdir -p "$root/usr/share/man/man1"
  for page in "$stage"/man/*.1; do
    name=$(basename "$page")
    gzip -9nc "$page" >"$root/usr/share/man/man1/$name.gz"
  done
fi

# Modes: what dpkg installs is what an admin expects, whatever this checkout's umask was.
find "$root" -type d -exec chmod 0755 {} +
find "$root" -type f -exec chmod go-w,a+r {} +
find "$lib/bin" "$root/usr/bin" -type f -exec chmod 0755 {} +
find "$lib/node_modules" -type f -name '*.node' -exec chmod 0644 {} +

# Depends: the table of spawned programs, and the packages of the libraries the binaries load, at
# least the versions this machine has (what the bundled node and the addons were built and tested with).
owner() { dpkg -S "$1" 2>/dev/null | head -n 1 | cut -d: -f1; }
library_packages=$(find "$lib" -type f \( -name '*.node' -o -path "$lib/node/bin/node" \) -exec ldd {} + 2>/dev/null |
  awk '/=>/ && $3 ~ /^\// { print $3 }' | sort -u | while read -r path; do
    real=$(readlink -f "$path")
    name=$(owner "$path"); [ -n "$name" ] || name=$(owner "$real"); [ -n "$name" ] || name=$(owner "${real#/usr}")
    [ -n "$name" ] || { echo "package: no Debian package owns $path" >&2; exit 3; }
    echo "$name (>= $(dpkg-query -W -f='${Version}' "$name" | sed 's/-[^-]*$//'))"
  done | sort -u | paste -sd '|')
size=$(du -sk --exclude=DEBIAN "$root" | cut -f1)
IFS='|' read -r -a relations <<<"$library_packages"
node dist/src/package/write-control.js "$size" "${relations[@]}" >"$root/DEBIAN/control"
echo /etc/sysclone/sysclone.conf >"$root/DEBIAN/conffiles"
for script in postinst prerm postrm; do install -m 0755 "packaging/$script" "$root/DEBIAN/$script"; done
(cd "$root" && find . -path ./DEBIAN -prune -o -path ./etc -prune -o -type f -print0 | LC_ALL=C sort -z | xargs -0 md5sum | sed 's# \./# #') >"$root/DEBIAN/md5sums"

rm -f "$out"
# zstd: a fifth of xz's time to build and install (Debian 12's dpkg reads it).
dpkg-deb --root-owner-group -Zzstd -z3 --build "$root" "$out" >&2
echo "$out"
