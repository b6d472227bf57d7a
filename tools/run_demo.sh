#!/usr/bin/env bash
# Main job (default, `det`): train PicoDet with a PP-LCNet 1x backbone (the paper's Table 4
# detector) on the embedded detection set data/demo_coco (2 real photos, 27 boxes, 12 classes;
# CPU, a few minutes), evaluate its COCO bbox mAP with tools/test.py on the same photos (a
# memorisation check, not a benchmark), draw the predictions (--show-dir), print the detector's
# params and MACs at 416, and say where the checkpoint, the logs and the drawings went.
# `cls`: the classification demo: PP-LCNet-0.5x on the embedded Fashion-MNIST subset, top-1/top-5,
# then params/MACs of all 8 scales next to the paper's Table 2.
#
#   bash tools/run_demo.sh [det|cls] [tools/train.py options]   (WORK_DIR=... for another folder)
#   e.g. bash tools/run_demo.sh --cfg-options train_cfg.max_epochs=5
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
TASK=det
if [ $# -gt 0 ] && [ "${1#-}" = "$1" ]; then
    TASK="$1"
    shift
fi
PY="$ROOT/.venv/bin/python"
case "$TASK" in
    det) CONFIG=configs/det/picodet_pplcnet_1x_demo-voc.py; DATA=data/demo_coco ;;
    cls) CONFIG=configs/cls/pplcnet_0.5x_demo-fashion-mnist.py; DATA=data/demo_cls/val ;;
    *) echo "error: unknown demo '$TASK' (expected det or cls)" >&2; exit 2 ;;
esac
WORK_DIR="${WORK_DIR:-work_dirs/demo_$TASK}"
mkdir -p "$WORK_DIR"
WORK_DIR="$(cd "$WORK_DIR" && pwd)"

echo "[demo] environment (bash tools/setup_env.sh; returns at once when up to date)"
bash tools/setup_env.sh

echo "[demo] train $CONFIG -> $WORK_DIR"
"$PY" tools/train.py "$CONFIG" --work-dir "$WORK_DIR" "$@"
CKPT="$(cat "$WORK_DIR/last_checkpoint")"
TRAIN_LOG="$(ls -t "$WORK_DIR"/*/*.log | head -n 1)"

SHOW=()
if [ "$TASK" = det ]; then
    SHOW=(--show-dir "$WORK_DIR/show")
fi
echo "[demo] evaluate $CKPT on $DATA"
# --allow-empty: a shortened run (e.g. max_epochs=1) may predict nothing yet; tools/test.py then
# says so in its warning instead of stopping the demo before its figures and drawings
"$PY" tools/test.py "$CONFIG" "$CKPT" --work-dir "$WORK_DIR/test" --allow-empty "${SHOW[@]}"
TEST_LOG="$(ls -t "$WORK_DIR"/test/*/*.log | head -n 1)"

if [ "$TASK" = det ]; then
    echo "[demo] params and MACs of PicoDet PP-LCNet-1x (80 COCO classes) at 416x416"
    "$PY" tools/analysis_tools/get_flops.py configs/det/picodet_pplcnet_1x_coco.py --shape 416
else
    echo "[demo] params and MACs of the 8 PP-LCNet scales vs the paper's Table 2"
    "$PY" tools/analysis_tools/params_table.py --strict
fi

echo "[demo] done."
echo "[demo] checkpoint:   $CKPT"
echo "[demo] training log: $TRAIN_LOG"
echo "[demo] test log:     $TEST_LOG"
if [ "$TASK" = det ]; then
    echo "[demo] predictions drawn on the photos: $WORK_DIR/show/"
fi
