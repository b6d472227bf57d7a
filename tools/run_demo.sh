#!/usr/bin/env bash
# Main job: train PP-LCNet-0.5x on the embedded Fashion-MNIST subset (CPU, a few minutes),
# evaluate it (top-1/top-5), then print params/MACs of all 8 scales next to the paper's Table 2.
#
#   bash tools/run_demo.sh            (WORK_DIR=... to change the output folder)
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
CONFIG=configs/cls/pplcnet_0.5x_demo-fashion-mnist.py
WORK_DIR="${WORK_DIR:-work_dirs/demo_cls}"
PY="$ROOT/.venv/bin/python"

echo "[demo] environment (bash tools/setup_env.sh; returns at once when up to date)"
bash tools/setup_env.sh

echo "[demo] train $CONFIG -> $WORK_DIR"
"$PY" tools/train.py "$CONFIG" --work-dir "$WORK_DIR"
CKPT="$(cat "$WORK_DIR/last_checkpoint")"

echo "[demo] evaluate $CKPT on data/demo_cls/val"
"$PY" tools/test.py "$CONFIG" "$CKPT" --work-dir "$WORK_DIR/test"

echo "[demo] params and MACs of the 8 PP-LCNet scales vs the paper's Table 2"
"$PY" tools/analysis_tools/params_table.py --strict

LOG="$(ls -t "$WORK_DIR"/*/*.log 2>/dev/null | tail -n 1)"
echo "[demo] done. checkpoint: $CKPT"
echo "[demo] training log: ${LOG:-$WORK_DIR}; test log under $WORK_DIR/test"
