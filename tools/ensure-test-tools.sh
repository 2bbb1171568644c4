#!/usr/bin/env bash
# Installs the system tools the test suite drives, if missing: Debian's chromium (browser
# tests, driven by Playwright with executable_path) and docker-compose (validates
# compose.yaml without a Docker engine). Needs root or sudo, as apt-get does.
set -euo pipefail

missing=()
command -v chromium >/dev/null 2>&1 || missing+=(chromium)
command -v docker-compose >/dev/null 2>&1 || missing+=(docker-compose)
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -eq 0 ]; then sudo=""; elif command -v sudo >/dev/null 2>&1; then sudo="sudo"; else
  echo "make test needs ${missing[*]} (Debian packages) and root or sudo to install them" >&2
  exit 1
fi
echo "installing ${missing[*]} with apt-get"
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
