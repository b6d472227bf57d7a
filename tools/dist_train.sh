#!/usr/bin/env bash
# Distributed (DDP) training with torchrun, one process per GPU, or per CPU worker without GPUs.
#   bash tools/dist_train.sh CONFIG GPUS [tools/train.py arguments ...]
# Environment: NNODES (1), NODE_RANK (0), PORT (29500), MASTER_ADDR (127.0.0.1), PYTHON.
# Without CUDA, tools/train.py and tools/test.py switch to gloo and CPU DDP themselves.
# torchrun through pplc_vision.apis.launch: the arguments and config are checked once before the
# processes start, and an error is one `error: ...` line (exit status 1), not one per process.
set -euo pipefail
if (( $# < 2 )); then
  echo "usage: $0 CONFIG GPUS [train.py arguments ...]" >&2
  exit 2
fi
CONFIG=$1
GPUS=$2
shift 2
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
PYTHON=${PYTHON:-$( [[ -x "$ROOT/.venv/bin/python" ]] && echo "$ROOT/.venv/bin/python" || echo python)}
PYTHONPATH="$ROOT:${PYTHONPATH:-}" exec "$PYTHON" -m pplc_vision.apis.launch \
  --nnodes="${NNODES:-1}" --node_rank="${NODE_RANK:-0}" --master_addr="${MASTER_ADDR:-127.0.0.1}" \
  --nproc_per_node="$GPUS" --master_port="${PORT:-29500}" \
  "$ROOT/tools/train.py" "$CONFIG" --launcher pytorch "$@"
