#!/usr/bin/env bash
# Fresh-machine setup: Debian's Chromium (WebGPU on SwiftShader for tests and the CLI),
# Debian's libvulkan1 (the Vulkan loader dawn.node needs: `npm run bench:node`, dist-gpu/) and
# the npm packages from the lock file. Idempotent; safe to run before every command.
set -euo pipefail
cd "$(dirname "$0")/.."
SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
APT_UPDATED=0
apt_install() { # apt_install PKG… (no recommends: libvulkan1 would pull Mesa's drivers)
  if [ "$APT_UPDATED" -eq 0 ]; then $SUDO apt-get update -qq; APT_UPDATED=1; fi
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}
if [ ! -x /usr/bin/chromium ]; then
  echo "[setup] installing Debian chromium"
  apt_install chromium
fi
if ! dpkg-query -W -f='${Status}' libvulkan1 2>/dev/null | grep -q 'install ok installed'; then
  echo "[setup] installing Debian libvulkan1 (Vulkan loader for dawn.node)"
  apt_install libvulkan1
fi
if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "[setup] npm ci"
  npm ci --no-audit --no-fund
fi
