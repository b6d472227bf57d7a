"""The PP-LCNet paper's Tables 2 to 5: what each row builds and what the paper reports.

Table 2's rows build this repository's classification configs (``configs/cls/pplcnet_<s>_in1k.py``)
so the comparison checks what users train; Table 3's MobileNetV3 baselines are Paddle's network
(our ``PaddleMobileNetV3`` classifier), the other baselines come from torchvision and timm;
Tables 4 and 5 build the detection and segmentation configs. The paper timed on an Intel Xeon Gold
6148 with 10 threads and Paddle Inference + MKLDNN. The ``picodet`` table sets Table 4's PP-LCNet
detector beside PaddleDetection's later PicoDet families on PP-LCNet (CSP-PAN and v2), each row
at its own input size, with PaddleDetection's published COCO mAP.
"""
import dataclasses
from typing import Dict, Optional, Tuple


@dataclasses.dataclass(frozen=True)
class PaperRow:
    """One row of a paper table: what to build and what the paper reports."""
    name: str
    build: str  # 'pplcnet:<scale>', 'paddle-mobilenetv3:<arch>:<width>',
    # 'torchvision:<fn>:<width>', 'shufflenetv2:<stages>', 'timm:<name>' or 'config:<path>'
    params_m: Optional[float]
    macs_m: Optional[float]
    metric: Optional[float]  # top-1 (Tables 2, 3), mAP (4) or mIoU (5), in %; None: unpublished
    latency_ms: Optional[float]  # None: not published on a comparable CPU
    input_hw: Optional[Tuple[int, int]] = None  # timed at this size instead of the table's
    metric_source: Optional[str] = None  # whose metric, when a table mixes sources


@dataclasses.dataclass(frozen=True)
class PaperTable:
    """A table: its rows, the input size it is timed at (unless a row names its own), and the
    pairs whose ratios matter."""
    key: str
    title: str
    rows: Tuple[PaperRow, ...]
    input_hw: Tuple[int, int]
    metric: str
    pairs: Tuple[Tuple[str, str], ...]  # (ours, baseline): ratio = ours / baseline
    note: str = ''  # printed under the title: what the published columns are

    def row_hw(self, row: PaperRow) -> Tuple[int, int]:
        """The input size ``row`` is timed at."""
        return row.input_hw or self.input_hw


# (scale, params M, MACs M, top-1, top-5, latency ms): Table 2 without SSLD.
_TABLE2 = (
    ('0.25x', 1.5, 18, 51.86, 75.65, 1.74),
    ('0.35x', 1.6, 29, 58.09, 80.83, 1.92),
    ('0.5x', 1.9, 47, 63.14, 84.66, 2.05),
    ('0.75x', 2.4, 99, 68.18, 88.30, 2.29),
    ('1x', 3.0, 161, 71.32, 90.03, 2.46),
    ('1.5x', 4.5, 342, 73.71, 91.53, 3.19),
    ('2x', 6.5, 590, 75.18, 92.27, 4.27),
    ('2.5x', 9.0, 906, 76.60, 93.00, 5.39),
)
TABLE2: Tuple[PaperRow, ...] = tuple(
    PaperRow(f'PP-LCNet-{s}', f'config:configs/cls/pplcnet_{s}_in1k.py', p, m, top1, lat)
    for s, p, m, top1, _, lat in _TABLE2)
TABLE2_TOP5: Dict[str, float] = {f'PP-LCNet-{s}': top5 for s, _, _, _, top5, _ in _TABLE2}

TABLE3 = (
    PaperRow('MobileNetV2-0.25x', 'torchvision:mobilenet_v2:0.25', 1.5, 34, 53.21, 2.47),
    PaperRow('MobileNetV3-small-0.35x', 'paddle-mobilenetv3:small:0.35', 1.7, 15, 53.03, 3.02),
    PaperRow('ShuffleNetV2-0.33x', 'shufflenetv2:24,32,64,128,512', 0.6, 24, 53.73, 4.30),
    PaperRow('PP-LCNet-0.25x', 'pplcnet:0.25', 1.5, 18, 51.86, 1.74),
    PaperRow('MobileNetV2-0.5x', 'torchvision:mobilenet_v2:0.5', 2.0, 99, 65.03, 2.85),
    PaperRow('MobileNetV3-large-0.35x', 'paddle-mobilenetv3:large:0.35', 2.1, 41, 64.32, 3.68),
    PaperRow('ShuffleNetV2-0.5x', 'shufflenetv2:24,48,96,192,1024', 1.4, 43, 60.32, 4.65),
    PaperRow('PP-LCNet-0.5x', 'pplcnet:0.5', 1.9, 47, 63.14, 2.05),
    PaperRow('MobileNetV1-1x', 'timm:mobilenetv1_100', 4.3, 578, 70.99, 3.38),
    PaperRow('MobileNetV2-1x', 'torchvision:mobilenet_v2:1.0', 3.5, 327, 72.15, 4.26),
    PaperRow('MobileNetV3-small-1.25x', 'paddle-mobilenetv3:small:1.25', 3.6, 100, 70.67, 3.95),
    PaperRow('PP-LCNet-1x', 'pplcnet:1.0', 3.0, 161, 71.32, 2.46),
)
# The paper gives no params/MACs for the detectors and segmenters.
TABLE4 = (
    PaperRow('PicoDet MobileNetV3-large-0.35x',
             'config:configs/det/picodet_mobilenetv3-large_0.35x_coco.py', None, None, 19.2, 8.1),
    PaperRow('PicoDet PP-LCNet-0.5x', 'config:configs/det/picodet_pplcnet_0.5x_coco.py', None,
             None, 20.3, 6.0),
    PaperRow('PicoDet MobileNetV3-large-0.75x',
             'config:configs/det/picodet_mobilenetv3-large_0.75x_coco.py', None, None, 25.8, 11.1),
    PaperRow('PicoDet PP-LCNet-1x', 'config:configs/det/picodet_pplcnet_1x_coco.py', None, None,
             26.9, 7.9),
)
TABLE5 = (
    PaperRow('DeepLabV3+ MobileNetV3-large-0.5x',
             'config:configs/seg/deeplabv3plus_mobilenetv3-large_0.5x_os32_cityscapes.py', None,
             None, 55.42, 135),
    PaperRow('DeepLabV3+ PP-LCNet-0.5x',
             'config:configs/seg/deeplabv3plus_pplcnet_0.5x_os32_cityscapes.py', None, None,
             58.36, 82),
    PaperRow('DeepLabV3+ MobileNetV3-large-0.75x',
             'config:configs/seg/deeplabv3plus_mobilenetv3-large_0.75x_os32_cityscapes.py', None,
             None, 64.53, 151),
    PaperRow('DeepLabV3+ PP-LCNet-1x',
             'config:configs/seg/deeplabv3plus_pplcnet_1x_os32_cityscapes.py', None, None, 66.03,
             96),
)
# PicoDet on PP-LCNet, three generations: the paper's Table 4 detector (at 416), PaddleDetection's
# CSP-PAN PicoDet-LCNet (configs/picodet/legacy_model/, 416) and PicoDet v2 (LCPAN + PicoHeadV2,
# configs/picodet/picodet_{xs,s,m,l}_{320,416}_coco_lcnet.yml). mAP 0.5:0.95 and params: the
# authors' published figures, configs/picodet/legacy_model/README.md and
# configs/picodet/README_en.md at PaddleDetection 666f597fd0 (docs/model_zoo_picodet_v2.md). The
# v2 latencies are README_en.md's "CPU" column (Intel Core i7-10750H, Paddle Inference + MKLDNN,
# 12 threads; whether NMS is included is not stated); the CSP-PAN ones exist on an ARM phone only
# (Snapdragon 865, NCNN and Paddle Lite): None. The CSP-PAN 1x has no published weights, hence no
# mAP.
PADDLEDET_ZOO = 'PaddleDetection zoo'
_PICODET_V2 = (  # (size, input, authors' mAP, authors' params M, authors' i7-10750H latency ms)
    ('xs', 320, 23.5, 0.70, 3.9), ('xs', 416, 26.2, 0.70, 6.1), ('s', 320, 29.1, 1.18, 4.8),
    ('s', 416, 32.5, 1.18, 6.6), ('m', 320, 34.4, 3.46, 8.2), ('m', 416, 37.5, 3.46, 12.7),
    ('l', 320, 36.1, 5.80, 11.5), ('l', 416, 39.4, 5.80, 20.7),
)
PICODET = (
    dataclasses.replace(TABLE4[-1], name='PicoDet PP-LCNet-1x (Table 4)',
                        input_hw=(416, 416), metric_source='PP-LCNet paper'),
    PaperRow('PicoDet-LCNet-1x (CSP-PAN)', 'config:configs/det/picodet-csppan_pplcnet_1x_coco.py',
             None, None, None, None, (416, 416)),
    PaperRow('PicoDet-LCNet-1.5x (CSP-PAN)',
             'config:configs/det/picodet-csppan_pplcnet_1.5x_coco.py', 3.10, None, 36.3, None,
             (416, 416), PADDLEDET_ZOO),
) + tuple(
    PaperRow(f'PicoDet v2 {s.upper()} {hw}', f'config:configs/det/picodet-v2_{s}_{hw}_coco.py',
             params, None, mAP, latency, (hw, hw), PADDLEDET_ZOO)
    for s, hw, mAP, params, latency in _PICODET_V2)

TABLES: Dict[str, PaperTable] = {
    'table2': PaperTable('table2', 'Table 2: PP-LCNet scales (ImageNet classifiers)', TABLE2,
                         (224, 224), 'top-1', ()),
    'table3': PaperTable(
        'table3', 'Table 3: PP-LCNet against other light networks (ImageNet classifiers)', TABLE3,
        (224, 224), 'top-1',
        (('PP-LCNet-0.25x', 'MobileNetV2-0.25x'), ('PP-LCNet-0.25x', 'MobileNetV3-small-0.35x'),
         ('PP-LCNet-0.25x', 'ShuffleNetV2-0.33x'), ('PP-LCNet-0.5x', 'MobileNetV2-0.5x'),
         ('PP-LCNet-0.5x', 'MobileNetV3-large-0.35x'), ('PP-LCNet-0.5x', 'ShuffleNetV2-0.5x'),
         ('PP-LCNet-1x', 'MobileNetV1-1x'), ('PP-LCNet-1x', 'MobileNetV2-1x'),
         ('PP-LCNet-1x', 'MobileNetV3-small-1.25x'))),
    'table4': PaperTable(
        'table4', 'Table 4: PicoDet detectors (network alone, no NMS), 416x416', TABLE4,
        (416, 416), 'mAP',
        (('PicoDet PP-LCNet-0.5x', 'PicoDet MobileNetV3-large-0.35x'),
         ('PicoDet PP-LCNet-1x', 'PicoDet MobileNetV3-large-0.75x'))),
    'table5': PaperTable(
        'table5', 'Table 5: DeepLabV3+ segmenters (network alone), 1024x2048', TABLE5,
        (1024, 2048), 'mIoU',
        (('DeepLabV3+ PP-LCNet-0.5x', 'DeepLabV3+ MobileNetV3-large-0.5x'),
         ('DeepLabV3+ PP-LCNet-1x', 'DeepLabV3+ MobileNetV3-large-0.75x'))),
    # No ratio pairs: the rows differ in neck, head and input size at once (no PP-LCNet against
    # a baseline), and the published latencies come from two machines and two papers.
    'picodet': PaperTable(
        'picodet', 'PicoDet families on PP-LCNet (network alone, no NMS), each at its input size',
        PICODET, (416, 416), 'mAP', (),
        note="The mAP (COCO val2017, 0.5:0.95), params and latency in the \"paper\" and "
        "\"authors'\" columns are the authors' published figures, not ours (no COCO here): the "
        "PP-LCNet paper's Table 4 for its detector (latency: Xeon Gold 6148, 10 threads), "
        "PaddleDetection's model zoo at 666f597fd0 for the others (docs/model_zoo_picodet_v2.md; "
        "v2 latency: its \"CPU\" column, Core i7-10750H, Paddle Inference + MKLDNN, 12 threads, "
        "NMS included or not unstated). The CSP-PAN models' latencies are published for an ARM "
        "phone only (none shown) and the CSP-PAN 1x has no published weights (no mAP). Rows "
        "differ in neck, head and input size together, so no latency ratios are given."),
}
