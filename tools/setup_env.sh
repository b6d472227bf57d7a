#!/usr/bin/env bash
# Create or refresh the project's virtual environment at .venv (idempotent and cached).
#
#   bash tools/setup_env.sh            runtime stack: torch, mmcv (with ops), mmdet, mmseg, mmpretrain
#   bash tools/setup_env.sh --test     the same plus the test-only reference stacks (pytest, timm,
#                                      paddlepaddle + paddleclas + paddleseg + paddledet for the parity
#                                      tests, onnx tooling)
#
# Every package is installed at the version requirements/lock.txt names (pip's -c): the exact set
# CI tests, inside the ranges setup.cfg declares (tools/update_lock.py rewrites the lock).
# The built mmcv wheel is cached in ${PPLC_CACHE:-~/.cache/pplc_vision}/wheels so that a second
# setup on the same machine takes seconds.  A stamp in .venv records what was installed; re-running
# with unchanged inputs (this script, setup.cfg, the lock) returns at once.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="$ROOT/.venv"
CACHE="${PPLC_CACHE:-$HOME/.cache/pplc_vision}"
WHEELS="$CACHE/wheels"
PY_BASE="${PYTHON:-python3}"
WITH_TEST=0
for arg in "$@"; do
  case "$arg" in
    --test) WITH_TEST=1 ;;
    -h|--help) sed -n '2,13p' "$0"; exit 0 ;;
    *) echo "setup_env.sh: unknown argument '$arg' (expected --test)" >&2; exit 2 ;;
  esac
done

LOCK="$ROOT/requirements/lock.txt"
# the locked version of one distribution (names as requirements/lock.txt writes them)
locked() {
  local v; v="$(sed -n "s/^$1==\([^ #]*\).*/\1/p" "$LOCK")"
  [[ -n "$v" ]] || { echo "[setup] $1 has no pin in $LOCK" >&2; exit 1; }
  echo "$v"
}
TORCH_VERSION="$(locked torch)"
TORCHVISION_VERSION="$(locked torchvision)"
MMCV_VERSION="$(locked mmcv)"

step() { CURRENT_STEP="$1"; echo "[setup] $1"; }
trap 'echo "[setup] FAILED at step: ${CURRENT_STEP:-start}. Fix the error above and re-run: bash tools/setup_env.sh $*" >&2' ERR

# The stamp covers every input that changes what gets installed.
# A --test setup is a superset of the runtime one, so its stamp serves both.
PY_TAG="$("$PY_BASE" -c 'import sys; print(f"cp{sys.version_info[0]}{sys.version_info[1]}")')" \
  || { echo "[setup] cannot run $PY_BASE; set PYTHON=/path/to/python3.11" >&2; exit 1; }
INPUTS_KEY="$(cat "$0" "$ROOT/setup.cfg" "$LOCK" | sha256sum | cut -c1-16)-$PY_TAG"
STAMP_KEY="$INPUTS_KEY-test$WITH_TEST"
STAMP="$VENV/.pplc_setup_stamp"
if [[ -f "$STAMP" ]] && { grep -qx "$STAMP_KEY" "$STAMP" || grep -qx "$INPUTS_KEY-test1" "$STAMP"; }; then
  echo "[setup] .venv is up to date ($(cat "$STAMP"))"; exit 0
fi

step "check python (3.10, 3.11 or 3.12 needed)"
"$PY_BASE" -c 'import sys; assert sys.version_info[:2] in ((3,10),(3,11),(3,12)), sys.version' \
  || { echo "[setup] $PY_BASE is not Python 3.10-3.12; set PYTHON=/path/to/python3.11" >&2; exit 1; }

step "create venv at .venv"
# a venv of another Python version (PYTHON changed) is rebuilt, not mixed
if [[ -x "$VENV/bin/python" ]] && [[ "$("$VENV/bin/python" -c 'import sys; print(f"cp{sys.version_info[0]}{sys.version_info[1]}")')" != "$PY_TAG" ]]; then
  echo "[setup] .venv has another Python than $PY_BASE ($PY_TAG): recreating it"
  rm -rf "$VENV"
fi
[[ -x "$VENV/bin/python" ]] || "$PY_BASE" -m venv "$VENV"
PY="$VENV/bin/python"
# pip warns about index folders of this image that do not exist; keep the log readable.
quiet_pip() {
  set +e
  "$PY" -m pip --disable-pip-version-check "$@" 2>&1 | grep -v "neither a file nor a directory"
  local rc=${PIPESTATUS[0]}
  set -e
  return "$rc"
}
# every install goes through here: the lock decides each version, setup.cfg's ranges must admit it
pip_install() { quiet_pip install -q -c "$LOCK" "$@"; }

step "install build tools (setuptools<82: mmcv's setup.py imports pkg_resources)"
pip_install --upgrade "pip>=23,<27" "setuptools>=70,<82" wheel "ninja>=1.11,<2"

step "install torch $TORCH_VERSION, torchvision $TORCHVISION_VERSION"
pip_install torch torchvision

step "install mmcv build prerequisites"
pip_install "numpy>=1.24,<2.3" "opencv-python>=4.8,<4.13" "mmengine>=0.10.0,<0.11"

build_mmcv() {
  local tmp; tmp="$(mktemp -d)"
  echo "[setup] building mmcv $MMCV_VERSION with compiled ops (15-20 min on 2 cores; cached afterwards)"
  # --no-build-isolation: pip's isolated env would bring setuptools>=82, without pkg_resources.
  quiet_pip download -q --no-deps --no-binary :all: --no-build-isolation "mmcv==$MMCV_VERSION" -d "$tmp"
  tar -xzf "$tmp"/mmcv-"$MMCV_VERSION".tar.gz -C "$tmp"
  local src="$tmp/mmcv-$MMCV_VERSION"
  # torch 2.14 headers need C++20; mmcv hard-codes c++14/c++17.
  sed -i -E 's/-std=c\+\+1[47]/-std=c++20/g' "$src/setup.py"
  grep -q 'std=c++20' "$src/setup.py" || { echo "[setup] could not patch mmcv setup.py to C++20" >&2; return 1; }
  mkdir -p "$WHEELS"
  ( cd "$src" && MMCV_WITH_OPS=1 FORCE_CUDA=0 MAX_JOBS="${MAX_JOBS:-$(nproc)}" \
      quiet_pip wheel -q --no-build-isolation --no-deps . -w "$tmp/dist" )
  mv "$tmp"/dist/mmcv-*.whl "$WHEELS/"
  rm -rf "$tmp"
}

step "install mmcv $MMCV_VERSION with ops (cached wheel in $WHEELS)"
if ! "$PY" -c "import mmcv, mmcv.ops; assert mmcv.__version__ == '$MMCV_VERSION'" 2>/dev/null; then
  # the cached wheel is per Python version (cp311, cp312, ...)
  ls "$WHEELS"/mmcv-"$MMCV_VERSION"-"$PY_TAG"-*.whl >/dev/null 2>&1 || build_mmcv
  quiet_pip install -q --no-deps --force-reinstall "$WHEELS"/mmcv-"$MMCV_VERSION"-"$PY_TAG"-*.whl
  pip_install addict packaging Pillow pyyaml yapf
fi

step "install pplc_vision with its task libraries (setup.cfg's extras, versions from the lock)"
EXTRAS="det,seg,cls,deploy"; [[ $WITH_TEST == 1 ]] && EXTRAS="$EXTRAS,tests"
pip_install -e "$ROOT[$EXTRAS]"

if [[ $WITH_TEST == 1 ]]; then
  step "install the authors' reference (paddlepaddle + paddleclas wheel, test-only)"
  pip_install paddlepaddle
  pip_install --no-deps paddleclas
  step "install the authors' segmentation code (paddleseg wheel + what its import needs, test-only)"
  # --no-deps: its pins are stale (opencv-python<=4.6, visualdl); under paddlepaddle 3.3.1,
  # `import paddleseg.models` needs only these (same bounds as setup.cfg's tests extra)
  pip_install --no-deps paddleseg
  pip_install "scikit-learn>=1.3,<2" "scipy>=1.10,<2" "pyyaml>=6,<7" "requests>=2.28,<3"
  "$PY" -W ignore -c "import paddle, paddleseg.models" \
    || { echo "[setup] 'import paddleseg.models' failed (see above)" >&2; exit 1; }
  step "install the authors' detection code (paddledet wheel + what its import needs, test-only)"
  # --no-deps: its pins are stale (numpy<1.24, opencv-python<=4.6, visualdl); under paddlepaddle
  # 3.3.1, `import ppdet.modeling` needs only these
  pip_install --no-deps paddledet
  pip_install "pycocotools>=2.0.6,<2.1" "typeguard>=4,<5" "shapely>=2,<3" "lap>=0.5,<0.6" \
    "motmetrics>=1.4,<1.5" "filterpy>=1.4.5,<2.1" "matplotlib>=3.7,<4" "cython>=3,<4"
  "$PY" -W ignore -c "import paddle, ppdet.modeling" \
    || { echo "[setup] 'import ppdet.modeling' failed (see above)" >&2; exit 1; }
fi

step "verify mmcv.ops and the OpenMMLab stack"
"$PY" - <<'PYEOF'
import mmcv, mmcv.ops, mmdet, mmseg, mmpretrain, mmengine, torch
from mmcv.ops import nms
import torch
boxes = torch.tensor([[0., 0., 10., 10.], [1., 1., 10., 10.]]); scores = torch.tensor([0.9, 0.8])
nms(boxes, scores, 0.5)
import pplc_vision
print(f"[setup] ok: torch {torch.__version__}, mmcv {mmcv.__version__} (ops), mmengine {mmengine.__version__}, "
      f"mmdet {mmdet.__version__}, mmseg {mmseg.__version__}, mmpretrain {mmpretrain.__version__}")
PYEOF
echo "$STAMP_KEY" > "$STAMP"
