"""Knowledge distillation for image classification, SSLD-style: a student ``ImageClassifier``
trained on a frozen teacher's soft labels, with or without ground truth.

mmrazor, OpenMMLab's distillation toolkit, does not fit the pinned stack: its last release
(1.0.0) declares mmcv 2.0.0rc1..2.1.0 and mmengine < 1.0, but its classifiers and data structures
come from mmcls (not mmpretrain), and ``import mmrazor.models`` fails with torch 2.14
(``reverse2``/``reverse_sequential_wrapper2`` are gone from ``torch.ao.quantization``).
"""
import importlib.util
import os.path as osp
from typing import List, Optional, Union

import torch
import torch.nn.functional as F
from mmengine.config import Config
from mmengine.logging import MMLogger
from mmengine.runner.checkpoint import load_checkpoint
from mmpretrain.models import ImageClassifier
from mmpretrain.registry import MODELS
from mmpretrain.structures import DataSample
from torch import nn

from ...registry import build_in_scope


def resolve_config_path(path: str) -> str:
    """A config file path; ``'pkg::rel/path.py'`` is a config shipped with an installed
    OpenMMLab package (``pkg/.mim/configs/rel/path.py``), read without installing anything."""
    if '::' in path:
        package, rel = path.split('::', 1)
        spec = importlib.util.find_spec(package)
        if spec is None or not spec.submodule_search_locations:
            raise FileNotFoundError(f'teacher config {path!r}: package {package!r} is not '
                                    'installed')
        path = osp.join(list(spec.submodule_search_locations)[0], '.mim', 'configs', rel)
    if not osp.isfile(path):
        raise FileNotFoundError(f'teacher config {path!r} does not exist')
    return path


def build_teacher(config: Union[str, dict], checkpoint: Optional[str]) -> nn.Module:
    """A frozen classifier in eval mode from a config file (its ``model`` and
    ``data_preprocessor``) or a model config dict, with ``checkpoint`` loaded strictly."""
    if isinstance(config, str):
        cfg = Config.fromfile(resolve_config_path(config))
        if 'model' not in cfg:
            raise KeyError(f'teacher config {config!r} has no `model` key')
        model_cfg = cfg.model.to_dict()
        if cfg.get('data_preprocessor') is not None:
            model_cfg.setdefault('data_preprocessor', cfg.data_preprocessor.to_dict())
    else:
        model_cfg = dict(config)
    # init_weights() is never called on the teacher: its init_cfg (maybe a download) is unused
    teacher = build_in_scope(model_cfg, 'mmpretrain')
    if checkpoint is None:
        MMLogger.get_current_instance().warning(
            'DistillImageClassifier: no teacher_checkpoint, the teacher keeps random weights')
    else:
        if not osp.isfile(checkpoint):
            raise FileNotFoundError(f'teacher checkpoint {checkpoint!r} does not exist')
        try:
            load_checkpoint(teacher, checkpoint, map_location='cpu', strict=True,
                            logger='current')
        except RuntimeError as e:
            detail = ' '.join(str(e).split())[:300]
            raise ValueError(f'teacher checkpoint {checkpoint!r} does not fit the teacher '
                             f'config {config if isinstance(config, str) else "dict"}: '
                             f'{detail}') from None
    teacher.eval()
    teacher.requires_grad_(False)
    return teacher


def kd_kl_loss(student_logits: torch.Tensor, teacher_logits: torch.Tensor,
               temperature: float) -> torch.Tensor:
    """``KL(softmax(t / T) || softmax(s / T)) * T^2``, averaged over the batch."""
    log_p_student = F.log_softmax(student_logits / temperature, dim=1)
    log_p_teacher = F.log_softmax(teacher_logits / temperature, dim=1)
    kl = F.kl_div(log_p_student, log_p_teacher, reduction='batchmean', log_target=True)
    return kl * temperature**2


def _num_classes(model: nn.Module) -> Optional[int]:
    return getattr(getattr(model, 'head', None), 'num_classes', None)


@MODELS.register_module()
class DistillImageClassifier(ImageClassifier):
    """An ``ImageClassifier`` (the student) trained against a frozen teacher's soft labels.

    Loss: ``kd_weight * KL(teacher/T || student/T) * T^2``, plus ``gt_weight`` times the
    student head's own loss on the samples that carry a ``gt_label`` (``gt_weight=0``, or images
    without labels, is pure distillation, as SSLD trains on unlabelled images). Prediction,
    ``extract_feat`` and ``state_dict`` are the student's: the teacher is not a registered
    submodule, so checkpoints hold the student only (loadable by the plain student config) and
    the optimizer never sees the teacher. The teacher stays in eval mode without gradients and
    follows the student's device and dtype.

    Args:
        teacher_config: The teacher's config file (``'mmpretrain::resnet/x.py'`` for a config
            shipped with mmpretrain) or model config dict; any mmpretrain classifier whose
            ``mode='tensor'`` output is the logits.
        teacher_checkpoint: Its weights (loaded strictly); ``None`` keeps random weights.
        temperature: Softmax temperature ``T``.
        kd_weight: Weight of the distillation term.
        gt_weight: Weight of the ground-truth loss of the student's head.
        **kwargs: ``ImageClassifier`` arguments of the student (backbone, neck, head, ...).
    """

    def __init__(self, teacher_config: Union[str, dict], teacher_checkpoint: Optional[str],
                 temperature: float = 1.0, kd_weight: float = 1.0, gt_weight: float = 0.0,
                 **kwargs) -> None:
        if temperature <= 0:
            raise ValueError(f'DistillImageClassifier: temperature must be > 0, got '
                             f'{temperature}')
        super().__init__(**kwargs)
        teacher = build_teacher(teacher_config, teacher_checkpoint)
        student_classes, teacher_classes = _num_classes(self), _num_classes(teacher)
        if None not in (student_classes, teacher_classes) and student_classes != teacher_classes:
            source = teacher_config if isinstance(teacher_config, str) else 'teacher_config'
            raise ValueError(f'DistillImageClassifier: teacher {source!r} has head.num_classes='
                             f'{teacher_classes}, expected {student_classes} (the student\'s)')
        self._teacher = [teacher]  # a list: not a submodule, not in state_dict or parameters
        self.temperature = temperature
        self.kd_weight = kd_weight
        self.gt_weight = gt_weight

    @property
    def teacher(self) -> nn.Module:
        """The frozen teacher."""
        return self._teacher[0]

    def _apply(self, fn, *args, **kwargs):
        super()._apply(fn, *args, **kwargs)
        self.teacher._apply(fn, *args, **kwargs)
        return self

    def train(self, mode: bool = True) -> 'DistillImageClassifier':
        super().train(mode)
        self.teacher.eval()
        return self

    def teacher_inputs(self, inputs: torch.Tensor) -> torch.Tensor:
        """Re-normalise the student's preprocessed inputs for the teacher when their
        ``ClsDataPreprocessor`` settings (mean, std, channel order) differ."""
        student_pre = self.data_preprocessor
        teacher_pre = self.teacher.data_preprocessor
        if getattr(student_pre, '_enable_normalize', False):
            inputs = inputs * student_pre.std + student_pre.mean
        if getattr(student_pre, 'to_rgb', False) != getattr(teacher_pre, 'to_rgb', False) \
                and inputs.size(1) == 3:
            inputs = inputs.flip(1)
        if getattr(teacher_pre, '_enable_normalize', False):
            inputs = (inputs - teacher_pre.mean) / teacher_pre.std
        return inputs

    def teacher_logits(self, inputs: torch.Tensor) -> torch.Tensor:
        """The teacher's logits of the student's preprocessed ``inputs``, without gradient."""
        with torch.no_grad():
            logits = self.teacher(self.teacher_inputs(inputs), mode='tensor')
        if isinstance(logits, (tuple, list)):
            logits = logits[-1]
        return logits

    def loss(self, inputs: torch.Tensor,
             data_samples: Optional[List[DataSample]] = None) -> dict:
        """``loss_kd`` (and ``loss`` of the ground truth when ``gt_weight`` > 0 and the batch has
        labelled samples)."""
        student_logits = self.head(self.extract_feat(inputs))
        teacher_logits = self.teacher_logits(inputs)
        if teacher_logits.shape != student_logits.shape:
            raise ValueError(f'DistillImageClassifier: teacher logits {tuple(teacher_logits.shape)}'
                             f' vs student logits {tuple(student_logits.shape)}')
        losses = dict(loss_kd=self.kd_weight *
                      kd_kl_loss(student_logits, teacher_logits, self.temperature))
        labelled = [i for i, s in enumerate(data_samples or [])
                    if s is not None and ('gt_label' in s or 'gt_score' in s)]
        if self.gt_weight > 0 and labelled:
            gt = self.head._get_loss(student_logits[labelled],
                                     [data_samples[i] for i in labelled])
            losses.update({k: v * self.gt_weight if k.startswith('loss') else v
                           for k, v in gt.items()})
        return losses
