#!/usr/bin/env bash
# System packages the test tiers need on a fresh Debian machine (idempotent; run as root):
#   chromium     - the `browser` tier drives the reviewer pages headless (Playwright connects to
#                  /usr/bin/chromium; `playwright install` is never used)
#   fonts-nanum  - Korean glyphs for the pages and their screenshots
#   postgresql   - the `postgres` tier starts a throwaway server (initdb/pg_ctl as user postgres)
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive

packages=(chromium fonts-nanum postgresql)
missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if [ "${#missing[@]}" -eq 0 ]; then
  echo "system packages present: ${packages[*]}"
  exit 0
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  SUDO="sudo"
fi
echo "installing system packages: ${missing[*]}"
$SUDO apt-get update -qq
$SUDO apt-get install -y --no-install-recommends "${missing[@]}"
