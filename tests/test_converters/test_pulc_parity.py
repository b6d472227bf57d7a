"""Parity with the authors' PULC classifiers: for each task, PaddleClas' own ``PPLCNet_x1_0``
built with that task's ``Arch`` arguments (random weights and BN statistics), saved with
``paddle.save``, converted by ``tools/model_converters/paddle2pplcnet.py --config`` and loaded
by mmpretrain's ``get_model(config, pretrained=...)``, gives PaddleClas' logits at the task's
input size; parameters equal. The converter refuses another task's checkpoint in one line.

The Arch arguments are those of PaddleClas 2.6 ``ppcls/configs/PULC/<task>/PPLCNet_x1_0.yaml``
(unchanged since 2022-10 at develop d178931fc), less ``pretrained``, ``use_ssld``,
``use_sync_bn`` and ``lr_mult_list`` (loading and training only); the input sizes are their
``Global.image_shape``. The three architectures (plain, text-line strides, no last conv) are
each built and randomised once; the tasks differ from them in the class count only. Needs
paddlepaddle and the paddleclas 2.6.0 wheel (test-only; ``tools/setup_env.sh --test``).
"""
import paddle  # first: Paddle runs much slower when torch was imported before it

import contextlib
import copy
import io
import os
import runpy
from typing import NamedTuple

import numpy as np
import pytest
import torch
from mmpretrain import get_model

from paddle_helpers import one_line_error, randomize_paddle_model
from pplc_vision.references.paddleclas import import_paddleclas_pplcnet

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
CLI = os.path.join(ROOT, 'tools', 'model_converters', 'paddle2pplcnet.py')
STRIDES = [2, [2, 1], [2, 1], [2, 1], [2, 1]]
# task: (Arch arguments of its PPLCNet_x1_0.yaml, Global.image_shape (H, W))
TASKS = {
    'person-exists': (dict(class_num=2), (224, 224)),
    'car-exists': (dict(class_num=2), (224, 224)),
    'safety-helmet': (dict(class_num=2), (224, 224)),
    'code-exists': (dict(class_num=2), (224, 224)),
    'traffic-sign': (dict(class_num=232), (224, 224)),
    'text-image-orientation': (dict(class_num=4), (224, 224)),
    'table-attribute': (dict(class_num=6), (224, 224)),
    'person-attribute': (dict(class_num=26), (256, 192)),
    'vehicle-attribute': (dict(class_num=19), (192, 256)),
    'textline-orientation': (dict(class_num=2, stride_list=STRIDES), (80, 160)),
    'language-classification': (dict(class_num=10, stride_list=STRIDES), (80, 160)),
    'clarity-assessment': (dict(class_num=2, use_last_conv=False), (224, 224)),
    'image-orientation': (dict(class_num=4, use_last_conv=False), (224, 224)),
}


def config_path(task: str) -> str:
    return os.path.join(ROOT, 'configs', 'cls', 'pulc', f'pplcnet_1x_pulc-{task}.py')


def architecture(arch: dict) -> tuple:
    """What a reference network shares with others: everything in Arch but the class count."""
    return tuple(sorted((k, str(v)) for k, v in arch.items() if k != 'class_num'))


class Reference(NamedTuple):
    pdparams: str
    model: object  # PaddleClas' PPLCNet, eval mode


@contextlib.contextmanager
def own_net_config(module):
    """PaddleClas' PPLCNet writes its stride_list into the module-level NET_CONFIG table on
    every build: restore the table afterwards, so that no build leaks its strides into a
    later one (or into other tests' PaddleClas networks)."""
    saved = copy.deepcopy(module.NET_CONFIG)
    try:
        yield
    finally:
        for stage, blocks in saved.items():
            module.NET_CONFIG[stage][:] = blocks


@pytest.fixture(scope='module')
def references(tmp_path_factory):
    """``task -> Reference``, built on demand: PaddleClas' ``PPLCNet_x1_0(**Arch)`` with the
    random weights and BN statistics of its architecture and a random classifier of its own."""
    pp_lcnet = import_paddleclas_pplcnet()
    folder = tmp_path_factory.mktemp('pulc')
    shared, made = {}, {}

    def make(task: str) -> Reference:
        if task in made:
            return made[task]
        arch, _ = TASKS[task]
        with own_net_config(pp_lcnet):
            paddle.seed(0)
            model = pp_lcnet.PPLCNet_x1_0(**arch)
        key = architecture(arch)
        if key not in shared:
            randomize_paddle_model(model, seed=len(shared))
            shared[key] = {k: v for k, v in model.state_dict().items() if not k.startswith('fc.')}
        model.set_state_dict(shared[key])
        fc = model.state_dict()
        rng = np.random.default_rng(arch['class_num'])
        fc['fc.weight'].set_value(rng.normal(0, 0.03, fc['fc.weight'].shape).astype('float32'))
        fc['fc.bias'].set_value(rng.normal(0, 0.2, fc['fc.bias'].shape).astype('float32'))
        model.eval()
        path = str(folder / f'{task}_pretrained.pdparams')
        paddle.save(model.state_dict(), path)
        made[task] = Reference(path, model)
        return made[task]

    return make


def cli_main():
    """The CLI's ``main(fmt, argv) -> exit code``, run in this process."""
    return runpy.run_path(CLI, run_name='paddle2pplcnet')['main']


def convert(src: str, dst: str, config: str) -> str:
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        assert cli_main()('paddle', [src, dst, '--config', config]) == 0
    return out.getvalue()


@pytest.mark.parametrize('task', sorted(TASKS))
def test_logits_and_params_match_paddleclas(references, tmp_path, task):
    arch, (height, width) = TASKS[task]
    reference = references(task)
    dst = str(tmp_path / f'{task}.pth')
    summary = convert(reference.pdparams, dst, config_path(task))
    assert f'({arch["class_num"]} classes' in summary
    model = get_model(config_path(task), pretrained=dst, device='cpu').eval()
    if 'stride_list' in arch:
        assert model.backbone.stride_list == [2, (2, 1), (2, 1), (2, 1), (2, 1)]
        assert 'stride_list [2, (2, 1)' in summary
    x = np.random.default_rng(1).normal(0, 1, (2, 3, height, width)).astype('float32')
    with torch.no_grad():
        ours = model(torch.from_numpy(x), mode='tensor').numpy()
    theirs = reference.model(paddle.to_tensor(x)).numpy()
    assert ours.shape == theirs.shape == (2, arch['class_num'])
    error = np.linalg.norm(ours - theirs) / np.linalg.norm(theirs)
    assert error < 1e-4, f'{task}: relative error {error:.2e}'
    # PaddleClas' parameters() holds the BN statistics too (stop_gradient): count the trained
    assert sum(p.numel() for p in model.parameters()) == sum(
        int(np.prod(p.shape)) for p in reference.model.parameters() if not p.stop_gradient)
    # the converted file carries the config's class names for the inferencers
    assert len(model._dataset_meta['classes']) == arch['class_num']  # get_model's attribute


def test_another_tasks_class_count_is_refused(references, capsys, tmp_path):
    """language_classification (10 classes) into the text-line config (2; same strides)."""
    message = one_line_error(lambda argv: cli_main()('paddle', argv), capsys,
                             references('language-classification').pdparams,
                             config_path('textline-orientation'), str(tmp_path / 'x.pth'))
    assert 'has 10 classes (fc)' in message and 'has 2 (model.head.num_classes)' in message


def test_another_tasks_last_conv_is_refused(references, capsys, tmp_path):
    """clarity_assessment (no last conv) into person_exists (2 classes, last conv)."""
    message = one_line_error(lambda argv: cli_main()('paddle', argv), capsys,
                             references('clarity-assessment').pdparams,
                             config_path('person-exists'), str(tmp_path / 'x.pth'))
    assert 'has no last 1x1 conv' in message and 'use_last_conv=True' in message


def test_config_excludes_the_options_it_sets(references, capsys, tmp_path):
    dst = str(tmp_path / 'x.pth')
    argv = [references('person-exists').pdparams, dst, '--config', config_path('person-exists'),
            '--scale', '1.0']
    assert cli_main()('paddle', argv) == 2
    assert '--scale: not with --config' in capsys.readouterr().err
    assert not os.path.exists(dst)
