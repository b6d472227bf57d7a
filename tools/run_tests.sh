#!/usr/bin/env bash
# Set up the test environment (idempotent, cached) and run the whole test suite, slow tests included.
#   bash tools/run_tests.sh [extra pytest arguments]
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
bash tools/setup_env.sh --test
# Real data that tests use, from Debian (GPL/MIT packaging: installed, never vendored).
DEB_PKGS=(labelme-examples)
missing=()
for pkg in "${DEB_PKGS[@]}"; do dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg"); done
if (( ${#missing[@]} )); then
  if [[ $(id -u) == 0 ]]; then
    echo "[tests] apt-get install ${missing[*]}"
    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}") >/dev/null \
      || echo "[tests] could not install ${missing[*]}: the tests that need them will skip"
  else
    echo "[tests] not root: ${missing[*]} not installed; the tests that need them will skip"
  fi
fi
exec .venv/bin/python -m pytest "$@"
