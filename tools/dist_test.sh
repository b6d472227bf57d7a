#!/usr/bin/env bash
# Distributed (DDP) evaluation with torchrun, one process per GPU, or per CPU worker without GPUs.
#   bash tools/dist_test.sh CONFIG CHECKPOINT GPUS [tools/test.py arguments ...]
# Environment: NNODES (1), NODE_RANK (0), PORT (29500), MASTER_ADDR (127.0.0.1), PYTHON.
# Without CUDA, tools/train.py and tools/test.py switch to gloo and CPU DDP themselves.
# torchrun through pplc_vision.apis.launch: the arguments and config are checked once before the
# processes start, and an error is one `error: ...` line (exit status 1), not one per process.
set -euo pipefail
if (( $# < 3 )); then
  echo "usage: $0 CONFIG CHECKPOINT GPUS [test.py arguments ...]" >&2
  exit 2
fi
CONFIG=$1
CHECKPOINT=$2
GPUS=$3
shift 3
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
PYTHON=${PYTHON:-$( [[ -x "$ROOT/.venv/bin/python" ]] && echo "$ROOT/.venv/bin/python" || echo python)}
PYTHONPATH="$ROOT:${PYTHONPATH:-}" exec "$PYTHON" -m pplc_vision.apis.launch \
  --nnodes="${NNODES:-1}" --node_rank="${NODE_RANK:-0}" --master_addr="${MASTER_ADDR:-127.0.0.1}" \
  --nproc_per_node="$GPUS" --master_port="${PORT:-29500}" \
  "$ROOT/tools/test.py" "$CONFIG" "$CHECKPOINT" --launcher pytorch "$@"
