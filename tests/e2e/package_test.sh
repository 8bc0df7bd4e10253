#!/bin/bash
# The Debian package installs and runs: build it with CPack, unpack it with `dpkg -x` into a clean
# tree, and run every binary from there (--version, --help); check the unit file, configs and docs
# are where docs/operations.md says. Usage: package_test.sh BUILD_DIR
set -euo pipefail
build=$(cd "$1" && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

(cd "$build" && cpack -G DEB -B "$tmp/pkg" >"$tmp/cpack.log" 2>&1) || { cat "$tmp/cpack.log"; exit 1; }
deb=$(ls "$tmp"/pkg/*.deb)
echo "package: $(basename "$deb") ($(du -h "$deb" | cut -f1))"
# Read once: `grep -q` on a pipe would end it early and pipefail would turn SIGPIPE into failure.
info=$(dpkg-deb --info "$deb")
grep -E "Package|Version|Depends" <<<"$info" | sed 's/^/  /'
grep -q "Depends:.*libgrpc" <<<"$info" || { echo "FAIL: Depends lacks gRPC (shlibdeps)"; exit 1; }
grep -q postinst <<<"$info" || { echo "FAIL: no postinst (service user)"; exit 1; }

root="$tmp/root"
dpkg -x "$deb" "$root"
for bin in cascade cascade-worker cascade-coordinator; do
  [[ -x "$root/usr/bin/$bin" ]] || { echo "FAIL: /usr/bin/$bin missing"; exit 1; }
  version=$("$root/usr/bin/$bin" --version)
  grep -q "$bin" <<<"$version" || { echo "FAIL: $bin --version"; exit 1; }
  "$root/usr/bin/$bin" --help >/dev/null || { echo "FAIL: $bin --help"; exit 1; }
done
for f in lib/systemd/system/cascade-coordinator.service share/doc/cascade/examples/coordinator.yaml \
         share/doc/cascade/examples/scan.yaml share/cascade/slurm/train.sbatch \
         share/doc/cascade/README.md; do
  [[ -f "$root/usr/$f" ]] || { echo "FAIL: /usr/$f missing"; exit 1; }
done
grep -q "^ExecStart=/usr/bin/cascade-coordinator --config /etc/cascade/coordinator.yaml" \
  "$root/usr/lib/systemd/system/cascade-coordinator.service"
# The example config is a valid config of the packaged coordinator (it names only real flags).
"$root/usr/bin/cascade-coordinator" --config "$root/usr/share/doc/cascade/examples/coordinator.yaml" \
  --check-config >/dev/null || { echo "FAIL: example coordinator.yaml rejected"; exit 1; }
echo "PASS: package installs into a clean tree and every binary runs"
