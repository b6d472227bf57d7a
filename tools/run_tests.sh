#!/usr/bin/env bash
# Set up the test environment (idempotent, cached) and run the whole test suite, slow tests included.
#   bash tools/run_tests.sh [extra pytest arguments]
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
bash tools/setup_env.sh --test
# Real data that tests read, from Debian (GPL/MIT packaging: installed, never vendored).
# A test never skips for want of them: if they cannot be installed, the run stops here.
DEB_PKGS=(labelme-examples dataset-fashion-mnist)
missing=()
for pkg in "${DEB_PKGS[@]}"; do dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg"); done
if (( ${#missing[@]} )); then
  SUDO=(); [[ $(id -u) == 0 ]] || SUDO=(sudo -n)
  echo "[tests] apt-get install ${missing[*]}"
  if ! { "${SUDO[@]}" apt-get update -qq && DEBIAN_FRONTEND=noninteractive \
         "${SUDO[@]}" apt-get install -y -qq "${missing[@]}"; } >/tmp/pplc_apt.log 2>&1; then
    tail -n 5 /tmp/pplc_apt.log >&2
    echo "[tests] FAILED: could not install the Debian packages ${missing[*]} that the tests" \
         "read; install them (apt-get install ${missing[*]}) and re-run" >&2
    exit 1
  fi
fi
# A skipped test fails the run (tests/conftest.py), except tests marked `hardware` (GPU or not).
export PPLC_FAIL_ON_SKIP=1
# One worker per core, at most 4 (memory); a worker takes whole groups (a test file, or a folder
# whose conftest shares session references: tests/conftest.py), so each reference is built once.
# PPLC_TEST_WORKERS=0 runs everything in this process.
WORKERS="${PPLC_TEST_WORKERS:-$(( $(nproc) < 4 ? $(nproc) : 4 ))}"
XDIST=(); (( WORKERS > 1 )) && XDIST=(-n "$WORKERS" --dist loadgroup)
exec .venv/bin/python -m pytest "${XDIST[@]}" "$@"
