"""SSLD-style distillation (DistillImageClassifier): a short run on unlabelled demo images lowers
the KD loss and raises the student's agreement with the teacher; the teacher stays frozen and out
of checkpoints; bad teachers give one-line errors; the SSLD configs build."""
import copy
import os.path as osp
import re

import pytest
import torch
import torch.nn.functional as F
from mmengine.dataset import default_collate
from mmengine.registry import DefaultScope
from mmengine.runner.checkpoint import load_checkpoint
from mmpretrain.registry import DATASETS
from mmpretrain.structures import DataSample

import pplc_vision  # noqa: F401
from pplc_vision.apis import build_model_from_config, load_config, run_train
from pplc_vision.models.classifiers import DistillImageClassifier, kd_kl_loss
from pplc_vision.registry import build_in_scope

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
DEMO_DATA = osp.join(ROOT, 'data', 'demo_cls')
DEMO_CONFIG = osp.join(ROOT, 'configs', 'cls', 'pplcnet_0.5x_demo-fashion-mnist.py')
SSLD = {s: osp.join(ROOT, 'configs', 'cls', 'distill', f'ssld_pplcnet_{s}_in1k.py')
        for s in ('0.5x', '1x', '2.5x')}
PREPROCESS = dict(mean=[73.0] * 3, std=[90.0] * 3, to_rgb=False, num_classes=10)


def small_classifier(widen_factor: float = 0.25, num_classes: int = 10) -> dict:
    """A small PP-LCNet classifier config (mmpretrain scope)."""
    return dict(type='ImageClassifier',
                backbone=dict(type='PPLCNet', widen_factor=widen_factor, out_indices=(4, )),
                neck=dict(type='GlobalAveragePooling'),
                head=dict(type='PPLCNetClsHead', num_classes=num_classes,
                          in_channels=int(512 * widen_factor), mid_channels=128,
                          dropout_rate=0.0),
                data_preprocessor=PREPROCESS)


def briefly_trained_teacher(path: str, labelled_batches, epochs: int = 6) -> dict:
    """Train a small PP-LCNet on the labelled demo images for a few epochs (an untrained one
    has near-constant outputs), save its checkpoint to ``path`` and return its config."""
    cfg = small_classifier(widen_factor=0.5)
    torch.manual_seed(0)
    teacher = build_in_scope(copy.deepcopy(cfg), 'mmpretrain')
    teacher.init_weights()
    optimizer = torch.optim.SGD(teacher.parameters(), lr=0.05, momentum=0.9)
    teacher.train()
    for _ in range(epochs):
        for batch in labelled_batches:
            losses = teacher(**teacher.data_preprocessor(batch, True), mode='loss')
            optimizer.zero_grad()
            losses['loss'].backward()
            optimizer.step()
    torch.save(dict(state_dict=teacher.state_dict()), path)
    return cfg


def demo_batches(split: str, batch_size: int, with_label: bool = False):
    """Demo images at 32x32 as collated batches; ``with_label=False``: no gt_label at all."""
    with DefaultScope.overwrite_default_scope('mmpretrain'):
        dataset = DATASETS.build(dict(
            type='CheckedImageFolder', data_root=DEMO_DATA, data_prefix=split,
            with_label=with_label,
            pipeline=[dict(type='LoadImageChecked'), dict(type='Resize', scale=(32, 32)),
                      dict(type='PackInputs')]))
    samples = [dataset[i] for i in range(len(dataset))]
    assert all(('gt_label' in s['data_samples']) == with_label for s in samples)
    generator = torch.Generator().manual_seed(0)
    order = torch.randperm(len(samples), generator=generator).tolist()
    return [default_collate([samples[j] for j in order[i:i + batch_size]])
            for i in range(0, len(samples), batch_size)]


def agreement_and_kd(model: DistillImageClassifier, batches) -> tuple:
    """Top-1 agreement of student and teacher, and the mean KD loss, in eval mode."""
    model.eval()
    agree, total, kd = 0, 0, 0.0
    with torch.no_grad():
        for batch in batches:
            inputs = model.data_preprocessor(batch, False)['inputs']
            student = model(inputs, mode='tensor')
            teacher = model.teacher_logits(inputs)
            agree += (student.argmax(1) == teacher.argmax(1)).sum().item()
            total += inputs.size(0)
            kd += kd_kl_loss(student, teacher, model.temperature).item() * inputs.size(0)
    return agree / total, kd / total


def test_kd_on_unlabelled_images_lowers_loss_and_raises_agreement(tmp_path):
    torch.manual_seed(0)
    ckpt = str(tmp_path / 'teacher.pth')
    teacher_cfg = briefly_trained_teacher(ckpt, demo_batches('train', 32, with_label=True))
    train, val = demo_batches('train', 32), demo_batches('val', 100)
    torch.manual_seed(1)
    model = build_in_scope(dict(small_classifier(), type='DistillImageClassifier',
                                teacher_config=teacher_cfg, teacher_checkpoint=ckpt,
                                temperature=1.0), 'mmpretrain')
    model.init_weights()
    teacher_state = {k: v.clone() for k, v in model.teacher.state_dict().items()}
    agree_before, kd_before = agreement_and_kd(model, val)

    optimizer = torch.optim.Adam(model.parameters(), lr=2e-3)
    model.train()
    assert not model.teacher.training
    for _ in range(8):  # measured: KD loss 1.32 -> 0.48, agreement 0.12 -> 0.54
        for batch in train:
            data = model.data_preprocessor(batch, True)
            losses = model(**data, mode='loss')
            assert set(losses) == {'loss_kd'}  # no labels: pure distillation
            optimizer.zero_grad()
            losses['loss_kd'].backward()
            optimizer.step()
    agree_after, kd_after = agreement_and_kd(model, val)

    assert kd_after < 0.6 * kd_before, (kd_before, kd_after)
    assert agree_after >= agree_before + 0.25, (agree_before, agree_after)
    # the teacher is frozen: no gradient, no update, not among the trained parameters
    assert all(torch.equal(v, model.teacher.state_dict()[k]) for k, v in teacher_state.items())
    assert not any(p.requires_grad for p in model.teacher.parameters())
    teacher_params = {id(p) for p in model.teacher.parameters()}
    assert not teacher_params & {id(p) for p in model.parameters()}


def test_ground_truth_term_on_labelled_samples_only():
    """``loss`` is gt_weight x the head's cross-entropy over exactly the labelled samples;
    ``loss_kd`` covers every sample."""
    torch.manual_seed(0)
    model = build_in_scope(dict(small_classifier(), type='DistillImageClassifier',
                                teacher_config=small_classifier(), teacher_checkpoint=None,
                                gt_weight=0.5), 'mmpretrain')
    # BN on running statistics (each sample's logits depend on it alone), measured on random
    # images: an untrained network's default statistics make its logits nearly constant
    for bn in (m for m in model.modules() if isinstance(m, torch.nn.BatchNorm2d)):
        bn.reset_running_stats()
        bn.momentum = None  # a plain average over the calibration passes
    with torch.no_grad():
        model(torch.randn(16, 3, 32, 32), mode='tensor')
    model.eval()
    samples = [DataSample().set_gt_label(3), DataSample(), DataSample().set_gt_label(1)]
    x = torch.randn(3, 3, 32, 32)
    with torch.no_grad():
        losses = model(x, samples, mode='loss')
        logits = model(x, mode='tensor')
        expected_gt = 0.5 * F.cross_entropy(logits[[0, 2]], torch.tensor([3, 1]))
        expected_kd = kd_kl_loss(logits, model.teacher_logits(x), model.temperature)
    assert set(losses) == {'loss_kd', 'loss'}
    torch.testing.assert_close(losses['loss'], expected_gt)
    torch.testing.assert_close(losses['loss_kd'], expected_kd)
    assert not torch.isclose(losses['loss'], 0.5 * F.cross_entropy(
        logits, torch.tensor([3, 3, 1])))  # not over all samples with a made-up label

    def gt_term(inputs: torch.Tensor) -> torch.Tensor:
        with torch.no_grad():
            return model(inputs, samples, mode='loss')['loss']

    unlabelled_changed, labelled_changed = x.clone(), x.clone()
    unlabelled_changed[1] = torch.randn(3, 32, 32)
    labelled_changed[2] = torch.randn(3, 32, 32)
    torch.testing.assert_close(gt_term(unlabelled_changed), losses['loss'])
    assert not torch.isclose(gt_term(labelled_changed), losses['loss'])

    student = model(torch.randn(2, 3, 32, 32), mode='tensor')
    assert student.shape == (2, 10)
    assert set(model(torch.randn(2, 3, 32, 32), [DataSample(), DataSample()],
                     mode='loss')) == {'loss_kd'}


def test_teacher_inputs_follow_the_teachers_normalisation():
    teacher_cfg = dict(small_classifier(), data_preprocessor=dict(
        mean=[123.675, 116.28, 103.53], std=[58.395, 57.12, 57.375], to_rgb=True))
    model = build_in_scope(dict(small_classifier(), type='DistillImageClassifier',
                                teacher_config=teacher_cfg, teacher_checkpoint=None),
                           'mmpretrain')
    raw = dict(inputs=[torch.randint(0, 256, (3, 8, 8), dtype=torch.uint8) for _ in range(2)])
    student_in = model.data_preprocessor(copy.deepcopy(raw), False)['inputs']
    teacher_in = model.teacher.data_preprocessor(copy.deepcopy(raw), False)['inputs']
    torch.testing.assert_close(model.teacher_inputs(student_in), teacher_in)
    model.double()  # the teacher follows the student's dtype
    assert next(model.teacher.parameters()).dtype == torch.float64


def test_teacher_with_another_class_count_is_a_clear_error():
    teacher = osp.join(ROOT, 'configs', 'cls', 'pplcnet_0.5x_in1k.py')  # 1000 classes
    with pytest.raises(ValueError) as info:
        build_in_scope(dict(small_classifier(), type='DistillImageClassifier',
                            teacher_config=teacher, teacher_checkpoint=None), 'mmpretrain')
    assert str(info.value) == (f"DistillImageClassifier: teacher {teacher!r} has "
                               "head.num_classes=1000, expected 10 (the student's)")


def test_bad_teacher_files_are_clear_errors(tmp_path):
    kd = dict(small_classifier(), type='DistillImageClassifier')
    missing = str(tmp_path / 'missing.pth')
    with pytest.raises(FileNotFoundError, match=re.escape(f'teacher checkpoint {missing!r} '
                                                          'does not exist')):
        build_in_scope(dict(kd, teacher_config=small_classifier(), teacher_checkpoint=missing),
                       'mmpretrain')
    wrong = str(tmp_path / 'wrong.pth')  # a 0.25x checkpoint for a 0.5x teacher config
    torch.save(dict(state_dict=build_in_scope(small_classifier(), 'mmpretrain').state_dict()),
               wrong)
    with pytest.raises(ValueError, match=re.escape(f'teacher checkpoint {wrong!r} does not fit')):
        build_in_scope(dict(kd, teacher_config=small_classifier(0.5), teacher_checkpoint=wrong),
                       'mmpretrain')
    with pytest.raises(FileNotFoundError, match='teacher config .*nope.py. does not exist'):
        build_in_scope(dict(kd, teacher_config='mmpretrain::resnet/nope.py',
                            teacher_checkpoint=None), 'mmpretrain')


@pytest.mark.parametrize('width', sorted(SSLD))
def test_ssld_configs_build(width):
    cfg = load_config(SSLD[width], {'model.teacher_checkpoint': None})
    assert cfg.model.gt_weight == 0.0 and cfg.model.teacher_config.endswith(
        'resnet/resnetv1d50_8xb32_in1k.py')
    model = build_model_from_config(cfg)
    assert isinstance(model, DistillImageClassifier)
    assert model.backbone.widen_factor == float(width[:-1])
    assert model.head.in_channels == model.backbone.out_channels[-1]
    assert type(model.teacher.backbone).__name__ == 'ResNetV1d'
    assert model.teacher.head.num_classes == model.head.num_classes == 1000
    assert not any(k.startswith('teacher') for k in model.state_dict())
    with torch.no_grad():
        assert model(torch.randn(1, 3, 64, 64), mode='tensor').shape == (1, 1000)


def test_ssld_config_trains_and_saves_the_student_only(tmp_path):
    """The 0.5x SSLD config trains a few steps on the demo folder with a 10-class teacher from
    another config; its checkpoint loads strictly into the plain student."""
    teacher = build_model_from_config(load_config(DEMO_CONFIG))
    teacher_ckpt = str(tmp_path / 'teacher.pth')
    torch.save(dict(state_dict=teacher.state_dict()), teacher_ckpt)
    classes = osp.join(DEMO_DATA, 'meta', 'classes.txt')
    options = ['model.teacher_config=' + DEMO_CONFIG, 'model.teacher_checkpoint=' + teacher_ckpt,
               'model.head.num_classes=10', 'data_preprocessor.num_classes=10',
               'train_cfg.max_epochs=2', 'train_cfg.val_interval=2',
               'default_hooks.logger.interval=1', 'param_scheduler.0.end=1',
               'param_scheduler.1.begin=1']
    for loader, count in (('train_dataloader', 8), ('val_dataloader', 8)):
        options += [f'{loader}.dataset.data_root={DEMO_DATA}',
                    f'{loader}.dataset.classes={classes}', f'{loader}.dataset.indices={count}',
                    f'{loader}.batch_size=4', f'{loader}.num_workers=0',
                    f'{loader}.persistent_workers=False']
    runner = run_train([SSLD['0.5x'], '--work-dir', str(tmp_path / 'work'),
                        '--cfg-options', *options])
    assert runner.message_hub.get_scalar('train/loss_kd').current() > 0
    ckpt = osp.join(str(tmp_path / 'work'), 'epoch_2.pth')
    state = torch.load(ckpt, map_location='cpu', weights_only=True)['state_dict']
    assert not any('teacher' in k for k in state)

    student_cfg = load_config(osp.join(ROOT, 'configs', 'cls', 'pplcnet_0.5x_in1k.py'),
                              {'model.head.num_classes': 10, 'data_preprocessor.num_classes': 10})
    student = build_model_from_config(student_cfg)
    load_checkpoint(student, ckpt, map_location='cpu', strict=True, logger='silent')
    kd_model = runner.model.eval()
    x = torch.randn(2, 3, 64, 64)
    with torch.no_grad():
        torch.testing.assert_close(student(x, mode='tensor'), kd_model(x, mode='tensor'))
