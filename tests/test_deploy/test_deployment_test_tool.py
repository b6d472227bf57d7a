"""tools/deployment/test.py: an exported model evaluated with the config's own test dataloader
and evaluator gives the metric tools/test.py gives for the checkpoint it was exported from, and
its int8 metric is printed beside (what int8 costs in the metric, not only in drift).

The checkpoint is the PP-LCNet-0.5x the deployment tests already train on the demo
Fashion-MNIST subset (``trained_classifier``), evaluated with the demo config on its 200
validation images.
"""
import re
import subprocess
import sys
from pathlib import Path

import torch

from deploy_helpers import load_tool

ROOT = Path(__file__).resolve().parents[2]
CONFIG = 'configs/cls/pplcnet_0.5x_demo-fashion-mnist.py'
TOOL = ROOT / 'tools' / 'deployment' / 'test.py'
METRIC = re.compile(r'test metrics: accuracy/top1=([\d.]+)')
SERIAL = ('--cfg-options', 'test_dataloader.num_workers=0',
          'test_dataloader.persistent_workers=False')


def run(*argv) -> subprocess.CompletedProcess:
    proc = subprocess.run([sys.executable, *map(str, argv)], cwd=ROOT, capture_output=True,
                          text=True, timeout=900)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return proc


def top1(text: str) -> float:
    match = METRIC.search(text)
    assert match, text[-2000:]
    return float(match.group(1))


def test_exported_top1_equals_tools_test_and_int8_is_printed(trained_classifier, tmp_path,
                                                              capsys):
    checkpoint, model = tmp_path / 'cls.pth', tmp_path / 'cls.onnx'
    torch.save({'state_dict': trained_classifier.model.state_dict()}, checkpoint)
    run('tools/deployment/export_onnx.py', CONFIG, model, '--checkpoint', checkpoint,
        '--shape', 64, 64)
    pytorch = top1(run('tools/test.py', CONFIG, checkpoint, '--work-dir', tmp_path / 'work',
                       *SERIAL).stdout)
    assert pytorch > 0.3, 'a near-chance classifier proves little'  # 10 classes
    tool = load_tool(TOOL)
    results = {}
    for engine, precision in (('onnxruntime', 'fp32'), ('openvino', 'fp32'),
                              ('openvino', 'int8')):
        code = tool.main([CONFIG, str(model), '--engine', engine, '--precision', precision,
                          '--threads', '1', '--calib-images', '64', *SERIAL])
        out, err = capsys.readouterr()
        assert code == 0, err
        assert re.search(rf'^{engine} {precision}: test metrics: ', out, re.M), out[-2000:]
        results[engine, precision] = top1(out)
    assert results['onnxruntime', 'fp32'] == results['openvino', 'fp32'] == pytorch
    with capsys.disabled():  # beside the fp32 one: what int8 costs in the metric
        print(f'\ntop-1 of {CONFIG}: tools/test.py {pytorch:.4f}, exported: ' +
              ', '.join(f'{e} {p} {v:.4f}' for (e, p), v in results.items()))
    assert abs(results['openvino', 'int8'] - pytorch) <= 0.05
