#!/usr/bin/env bash
# Installs the system tools the test suite drives, if missing: Debian's chromium (browser
# tests, driven by Playwright with executable_path) and docker-compose (validates
# compose.yaml without a Docker engine), Node.js (runs the OpenID provider the single
# sign-on tests start), then that provider's npm packages as tests/oidc/package-lock.json
# locks them. Needs root or sudo, as apt-get does.
set -euo pipefail

missing=()
command -v chromium >/dev/null 2>&1 || missing+=(chromium)
command -v docker-compose >/dev/null 2>&1 || missing+=(docker-compose)
command -v npm >/dev/null 2>&1 || missing+=(nodejs npm)
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" -eq 0 ]; then sudo=""; elif command -v sudo >/dev/null 2>&1; then sudo="sudo"; else
    echo "make test needs ${missing[*]} (Debian packages) and root or sudo to install them" >&2
    exit 1
  fi
  echo "installing ${missing[*]} with apt-get"
  export DEBIAN_FRONTEND=noninteractive
  $sudo apt-get update -qq
  $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# npm ci when tests/oidc/node_modules is missing or older than the lock file.
oidc="$(cd "$(dirname "$0")/.." && pwd)/tests/oidc"
installed="$oidc/node_modules/.package-lock.json"
if [ ! -f "$installed" ] || [ "$oidc/package-lock.json" -nt "$installed" ]; then
  echo "installing the test OpenID provider (npm ci --prefix tests/oidc)"
  npm ci --prefix "$oidc" --no-audit --no-fund --loglevel=error
fi
