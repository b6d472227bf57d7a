"""README's "What the tools guard", case by case, through tools/train.py's and tools/test.py's
``main`` in this process (tests/test_tools/test_train_test_cli.py runs each tool as a
subprocess too): exit status 1, one ``error:`` line naming the config key or file, no
traceback, and for config mistakes nothing built, let alone a training iteration."""
import errno
import os
import re
import subprocess
import zipfile
from pathlib import Path

import pytest
import torch
from mmengine.config import Config

import pplc_vision  # noqa: F401
from pplc_vision.apis import build_model_from_config, load_config
from pplc_vision.converters import build_pplcnet_classifier

from helpers import REPO, error_lines, load_tool

DET = 'configs/det/picodet_pplcnet_1x_demo-voc.py'
CLS = 'configs/cls/pplcnet_0.5x_demo-fashion-mnist.py'
SEG = 'configs/seg/deeplabv3plus_pplcnet_0.5x_os32_demo-cityscapes.py'
# The classification demo on 8 test images, in this process.
CLS_SMALL = ['test_dataloader.dataset.indices=8', 'test_dataloader.num_workers=0',
             'test_dataloader.persistent_workers=False']


@pytest.fixture(scope='module')
def tools():
    """tools/train.py and tools/test.py as modules (their ``main``)."""
    return load_tool('train'), load_tool('test')


@pytest.fixture(autouse=True)
def loggers_of_this_test_only():
    """mmengine keeps its loggers between tests; one made by an earlier test writes to a stream
    pytest has closed since, and logging prints that error with a traceback into the output
    these tests read. Each test starts without them, as each tool run starts in a fresh process."""
    from mmengine.logging import MMLogger
    MMLogger._instance_dict.clear()
    yield


def run_main(tool, argv, capsys):
    """``(exit status, output)`` of a tool's ``main`` in this process."""
    status = tool.main(argv)
    out, err = capsys.readouterr()
    return status, out + err


def assert_one_error_line(status: int, output: str, *fragments: str) -> str:
    assert status == 1, output[-3000:]
    errors = error_lines(output)
    assert len(errors) == 1, output[-3000:]
    assert 'Traceback' not in output, output[-3000:]
    for fragment in fragments:
        assert fragment in errors[0], errors[0]
    return errors[0]


# A misspelled name anywhere in the config: (config, --cfg-options, what the line must say).
CONFIG_MISTAKES = [
    (DET, 'default_hooks.checkpoint.max_keep_ckpt=1',
     ["default_hooks.checkpoint: AtomicCheckpointHook", "has no argument 'max_keep_ckpt'",
      "did you mean 'max_keep_ckpts'"]),
    (DET, 'default_hooks.logger.intervl=5', ["default_hooks.logger: ", "'interval'"]),
    (DET, 'model.backbone.type=PPLCNett',
     ["model.backbone: unknown type 'PPLCNett'", "in the mmdet scope", "'PPLCNet'"]),
    (DET, 'model.bbox_head.loss_bbox.type=GIoULos', ["model.bbox_head.loss_bbox: ", "'GIoULoss'"]),
    (DET, 'train_dataloader.batch_sise=1',
     ["train_dataloader: torch DataLoader", "'batch_sise'", "did you mean 'batch_size'"]),
    (DET, 'train_dataloader.dataset.dataset.ann_fil=x.json',
     ["train_dataloader.dataset.dataset: CocoFileDataset", "'ann_file'"]),
    (DET, 'val_evaluator.metrc=bbox', ["val_evaluator: CocoFileMetric", "'metric'"]),
    (DET, 'visualizer.vis_backend=[]', ["visualizer: DetLocalVisualizer", "'vis_backends'"]),
    (DET, 'optim_wrapper.clip_gradd=None', ["optim_wrapper: OptimWrapper", "'clip_grad'"]),
    (DET, 'optim_wrapper.optimizer.momentun=0.9',
     ["optim_wrapper.optimizer: SGD", "'momentum'"]),
    (DET, 'param_scheduler.0.begn=0', ["param_scheduler.0: CosineDecayLR", "'begin'"]),
    (DET, 'custom_hooks.1.reset_intervl=3',
     ["custom_hooks.1: PeriodicResetEMAHook", "'reset_interval'"]),
    (DET, 'train_cfg.max_epoch=3', ["train_cfg: EpochBasedTrainLoop", "'max_epochs'"]),
    (DET, 'train_dataloder.batch_size=1',
     ["--cfg-options train_dataloder.batch_size: the config has no key 'train_dataloder'",
      "'train_dataloader'"]),
    (DET, 'model.backbone.init_cfg.type=Pretrained',
     ['--cfg-options model.backbone.init_cfg.type: ']),
    (SEG, 'train_dataloader.dataset.pipeline.0.type=LoadImageFromFil',
     ["train_dataloader.dataset.pipeline.0: unknown type 'LoadImageFromFil'", 'mmseg scope',
      "'LoadImageFromFile'"]),
    (SEG, 'model.decode_head.norm_cfg.type=SyncBM', ["model.decode_head.norm_cfg: ", "'SyncBN'"]),
    (CLS, 'model.head.los=None', ["model.head: PPLCNetClsHead", "'loss'"]),
    (CLS, 'val_evaluator.top_k=1', ['val_evaluator: Accuracy', "did you mean 'topk'"]),
]


@pytest.mark.parametrize('config, option, fragments', CONFIG_MISTAKES,
                         ids=[option.split('=')[0] for _, option, _ in CONFIG_MISTAKES])
def test_config_mistake_is_one_line_before_anything_is_built(config, option, fragments, tools,
                                                             tmp_path, capsys):
    work = tmp_path / 'work'
    status, output = run_main(tools[0], [config, '--work-dir', str(work), '--cfg-options',
                                         option], capsys)
    line = assert_one_error_line(status, output, *fragments)
    assert line.startswith(f'error: config {config!r}: '), line
    assert not work.exists()  # the Runner was never built: no log, no iteration


def test_a_required_argument_is_named():
    from pplc_vision.apis import ConfigError, check_config
    cfg = load_config(CLS)
    cfg.model.backbone.init_cfg = dict(type='Pretrained', prefix='backbone.')
    with pytest.raises(ConfigError, match=r"^model\.backbone\.init_cfg: PretrainedInit .* needs "
                                          r"the argument 'checkpoint'"):
        check_config(cfg, training=True)


@pytest.mark.parametrize('config, option, key', [
    (DET, 'num_classes=0', 'model.bbox_head: PicoGFLHead'),
    (CLS, 'model.head.num_classes=0', 'model.head: PPLCNetClsHead'),
])
def test_value_a_component_refuses_is_one_line_naming_its_key(config, option, key, tools,
                                                              tmp_path, capsys):
    work = tmp_path / 'work'
    status, output = run_main(tools[0], [config, '--work-dir', str(work), '--cfg-options',
                                         option], capsys)
    assert_one_error_line(status, output, key, 'cannot be built from its config')
    assert 'Epoch(train)' not in output and not list(work.rglob('*.pth'))


def test_data_root_override_recomputes_the_paths_derived_from_it(capsys):
    cfg = load_config(DET, {'data_root': '/elsewhere/'})
    assert cfg.data_root == '/elsewhere/'
    assert cfg.train_dataloader.dataset.dataset.data_root == '/elsewhere/'
    assert cfg.val_dataloader.dataset.data_root == '/elsewhere/'
    assert cfg.val_evaluator.ann_file == '/elsewhere/annotations.json'
    assert cfg.test_evaluator.ann_file == '/elsewhere/annotations.json'
    out = capsys.readouterr().out
    assert re.search(r"data_root='/elsewhere/' also changed \d+ values derived from it: .*"
                     r"val_evaluator\.ann_file", out), out
    # the shipped file is untouched: a load without the option has the demo's paths
    assert Config.fromfile(DET).val_evaluator.ann_file == 'data/demo_coco/annotations.json'


def test_num_classes_override_reaches_the_head():
    assert load_config(DET, {'num_classes': 3}).model.bbox_head.num_classes == 3


def test_full_disk_at_start_is_one_line(tools, tmp_path, capsys, monkeypatch):
    def full_disk(self, file=None):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), file)

    monkeypatch.setattr(Config, 'dump', full_disk)
    work = tmp_path / 'work'
    status, output = run_main(tools[0], [CLS, '--work-dir', str(work)], capsys)
    assert_one_error_line(status, output, f'cannot write to the work dir {str(work)!r}',
                          'No space left on device')


# ------------------------------------------------------------------ checkpoints
def classifier_checkpoint(path: Path, num_classes: int = 10) -> str:
    torch.save(dict(meta=dict(epoch=1), state_dict=build_pplcnet_classifier(
        0.5, num_classes=num_classes).state_dict()), path)
    return str(path)


def damage_a_weight(path: str) -> str:
    """Flip one byte in the middle of the largest tensor of a torch zip file, as a bad copy
    would; the archive stays readable. The damaged member's name."""
    with zipfile.ZipFile(path) as archive:
        member = max(archive.infolist(), key=lambda info: info.file_size)
    with open(path, 'r+b') as f:
        f.seek(member.header_offset + 26)
        name_length, extra_length = (int.from_bytes(f.read(2), 'little') for _ in range(2))
        position = member.header_offset + 30 + name_length + extra_length + \
            member.file_size // 2
        f.seek(position)
        byte = f.read(1)
        f.seek(position)
        f.write(bytes([byte[0] ^ 0xFF]))
    return member.filename


def test_checkpoint_with_damaged_bytes_is_refused(tools, tmp_path, capsys):
    ckpt = classifier_checkpoint(tmp_path / 'ckpt.pth')
    member = damage_a_weight(ckpt)
    status, output = run_main(tools[1], [CLS, ckpt, '--work-dir', str(tmp_path / 'w'),
                                         '--cfg-options', *CLS_SMALL], capsys)
    assert_one_error_line(status, output, f'checkpoint {ckpt!r} is damaged: the bytes of '
                          f'{member} do not match their CRC-32 checksum')
    assert 'test metrics' not in output


def test_auto_resume_checks_the_checkpoint_fits(tools, tmp_path, capsys):
    """``--resume`` without a path resumes from the work dir's last_checkpoint: after a change
    of num_classes it is refused like an explicit path, before training."""
    work = tmp_path / 'work'
    work.mkdir()
    ckpt = classifier_checkpoint(work / 'epoch_1.pth')
    (work / 'last_checkpoint').write_text(ckpt)
    status, output = run_main(tools[0], [CLS, '--work-dir', str(work), '--resume',
                                         '--cfg-options', 'model.head.num_classes=5'], capsys)
    assert_one_error_line(status, output, f'checkpoint {ckpt!r} does not fit config',
                          'shape mismatches: head.', 'A run resumes only with the model')
    assert 'Epoch(train)' not in output


def test_partial_load_does_not_apply_to_resume(tmp_path):
    from pplc_vision.converters.checkpoint_fit import checkpoint_to_check
    cfg = Config(dict(partial_load=True, load_from='a.pth'))
    assert checkpoint_to_check(cfg) is None
    cfg.resume = True
    assert checkpoint_to_check(cfg) == 'a.pth'


def test_model_that_predicts_nothing_is_an_error_unless_allowed(tools, tmp_path, capsys):
    """A detector without a box above its score threshold on every test image (an untrained
    one here) makes tools/test.py exit 1, not print an empty or zero mAP with exit 0."""
    ckpt = str(tmp_path / 'untrained.pth')
    torch.manual_seed(0)
    torch.save(dict(state_dict=build_model_from_config(load_config(DET)).state_dict()), ckpt)
    argv = [DET, ckpt, '--work-dir', str(tmp_path / 'w'), '--cfg-options',
            'model.test_cfg.score_thr=1.0', 'input_size=64']  # small photos: a fast test
    status, output = run_main(tools[1], argv, capsys)
    assert_one_error_line(status, output, 'the model predicted nothing above '
                          'model.test_cfg.score_thr=1.0 on any of the 2 test images',
                          '--allow-empty')
    status, output = run_main(tools[1], argv + ['--allow-empty'], capsys)
    assert status == 0, output[-3000:]
    assert 'warning: the model predicted nothing' in output and 'test metrics:' in output


def test_empty_metrics_are_an_error():
    from pplc_vision.apis import empty_evaluation_problem
    assert empty_evaluation_problem({}, 5, 5) == \
        'the evaluation of 5 test images produced no metric value'
    assert empty_evaluation_problem({'accuracy/top1': 10.0}, 5, 5) is None


def test_dist_train_reports_a_config_mistake_once(tmp_path):
    """tools/dist_train.sh checks the config once, before torchrun starts any process: one
    error line, not one per process, and no traceback (the one subprocess of this file)."""
    proc = subprocess.run(['bash', 'tools/dist_train.sh', CLS, '2', '--work-dir',
                           str(tmp_path / 'work'), '--cfg-options',
                           'model.backbone.widen_factr=1.0'], cwd=REPO, capture_output=True,
                          text=True, timeout=600)
    assert_one_error_line(proc.returncode, proc.stdout + proc.stderr,
                          "model.backbone: PPLCNet", "did you mean 'widen_factor'")
    assert not (tmp_path / 'work').exists()


# ------------------------------------------------------------------ converters (exit status 2)
CONVERTERS = {
    'paddle2pplcnet': lambda src, dst: ('paddle', [src, dst]),
    'timm2pplcnet': lambda src, dst: ('timm', [src, dst]),
    'paddledet2mmdet': lambda src, dst: ([src, dst, '--config',
                                          'configs/det/picodet_pplcnet_1x_coco.py'], ),
    'paddleseg2mmseg': lambda src, dst: ([src, dst, '--config',
                                          'configs/seg/deeplabv3plus_pplcnet_0.5x_os32_'
                                          'cityscapes.py'], ),
}
DAMAGED_SOURCES = {
    'empty': lambda path: path.write_bytes(b''),
    'text': lambda path: path.write_text('not a checkpoint\n'),
    'truncated': lambda path: path.write_bytes(path.read_bytes()[:len(path.read_bytes()) // 2]),
    'bad-crc': lambda path: damage_a_weight(str(path)),
}


@pytest.mark.parametrize('damage', sorted(DAMAGED_SOURCES))
@pytest.mark.parametrize('converter', sorted(CONVERTERS))
def test_converter_refuses_a_damaged_source_in_one_line(converter, damage, tmp_path, capsys):
    src = tmp_path / ('src.pth' if converter.startswith('timm') else 'src.pdparams')
    torch.save({'fc.weight': torch.zeros(10, 1280)}, src)  # a zip file, damaged below
    DAMAGED_SOURCES[damage](src)
    dst = tmp_path / 'dst.pth'
    tool = load_tool(f'model_converters/{converter}')
    status = tool.main(*CONVERTERS[converter](str(src), str(dst)))
    out, err = capsys.readouterr()
    assert status == 2, out + err  # the converters' status for bad input
    errors = error_lines(out + err)
    assert len(errors) == 1 and str(src) in errors[0], out + err
    assert 'Traceback' not in out + err and not dst.exists()
