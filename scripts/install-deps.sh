#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Install every Debian 12 package the build, the demo and the tests need.
# Idempotent: packages already installed are not touched, and apt-get runs
# only when something is missing.  Needs root (or sudo) for apt-get.
set -euo pipefail

packages=(
	build-essential pkg-config meson ninja-build
	libpam0g-dev libssl-dev libjwt-dev libjansson-dev libacl1-dev acl
	libsqlite3-dev libhiredis-dev redis-server libcdb-dev
	postgresql apache2 libapache2-mod-authnz-pam curl
	libcmocka-dev libpam-wrapper libpamtest0-dev libnss-wrapper
	pamtester python3 python3-jwt valgrind openssl ca-certificates
	clang libclang-rt-14-dev
	openssh-server openssh-client sudo scdoc man-db iproute2
	debhelper dpkg-dev git
)

missing=()
for p in "${packages[@]}"; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null |
		grep -q 'install ok installed'; then
		missing+=("$p")
	fi
done
# Node.js + npm run the jsonwebtoken interop test.  Use the machine's node
# when there is one; otherwise Debian's.
if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
	missing+=(nodejs npm)
fi

if [ ${#missing[@]} -eq 0 ]; then
	echo "install-deps: all packages present"
	exit 0
fi

as_root=()
if [ "$(id -u)" -ne 0 ]; then
	command -v sudo >/dev/null 2>&1 || {
		echo "install-deps: need root to install: ${missing[*]}" >&2
		exit 1
	}
	as_root=(sudo)
fi
echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
# A fresh VM may still run apt-daily or cloud-init: wait for the lock
# instead of failing on it.
lock=(-o DPkg::Lock::Timeout=600)
"${as_root[@]}" apt-get "${lock[@]}" update -q
"${as_root[@]}" apt-get "${lock[@]}" install -y -q --no-install-recommends \
	"${missing[@]}"
