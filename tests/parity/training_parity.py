"""The training-parity harness: a training step of ours against the authors' for the same weights
and the same preprocessed batch.

Each framework is one :class:`Side`: a loss function (the model's own training forward, giving
the total and the named loss terms), its optimizer and scheduler as the config and the upstream
yaml build them, and the map from its parameter names to ours (the converters' key map). The
harness then compares, with norm-wise tolerances (``||ours - theirs|| / ||theirs||``):

- each loss term (:func:`assert_losses_match`),
- the gradient of every parameter after one backward pass (:func:`assert_grads_match`),
- each parameter's learning rate and weight-decay coefficient, parameter by parameter
  (:func:`assert_hyperparameters_match`),
- the change of every parameter over a few optimizer steps (:func:`assert_steps_match`): a
  first step alone cannot see momentum, and at warm-up rates weight decay is below any
  tolerance, hence the direct comparison of the coefficients. Where the training problem is
  unstable at the tested learning rate (a difference between the two sides grows by orders of
  magnitude each step, whatever its source), ``restart_from_reference`` starts each step of ours
  from the reference's weights while both optimizers keep their own state (momentum, schedule):
  each step's change is compared, not a trajectory that any rounding makes diverge.

Task-agnostic: detection, segmentation and classification tests build the sides (see
test_picodet_v2_training.py, test_train_picodet_csppan.py, test_train_pplcnet_cls.py); ours from
a config with :func:`mmengine_side`, a Paddle ``Momentum``'s coefficients with
:func:`paddle_momentum_hyper`. Float64 throughout (these random-weight 2-photo problems are too
sensitive for float32's rounding); :func:`fast_float64_depthwise` keeps torch's float64
depthwise convolutions from running channel by channel.

Learning rates at any iteration without a loop over the run: a config's ``param_scheduler`` is
built as the Runner builds it with :func:`build_schedulers` and moved to iteration ``t`` with
:func:`lr_at` (closed-form phases, pplc_vision/engine/lr_schedulers.py); Paddle's side is an
``LRScheduler`` moved with ``step(t)`` (paddle_schedules.py).
"""
import contextlib
import copy
from typing import Callable, Dict, Iterator, List, Optional, Sequence, Tuple

import numpy as np
import torch
from mmengine.registry import PARAM_SCHEDULERS

from pplc_vision.engine.lr_schedulers import ClosedFormScheduler

Arrays = Dict[str, np.ndarray]
LossFn = Callable[[], Tuple[object, Dict[str, object]]]


def norm_error(ours: np.ndarray, theirs: np.ndarray, floor: float = 0.0) -> float:
    """``||ours - theirs|| / max(||theirs||, floor)`` (absolute when both are zero)."""
    ours, theirs = np.asarray(ours, np.float64), np.asarray(theirs, np.float64)
    scale = max(np.linalg.norm(theirs), floor)
    diff = np.linalg.norm(ours - theirs)
    return float(diff / scale) if scale > 0 else float(diff)


def zero_floor(theirs: Arrays, zero_below: float) -> float:
    """The norm under which an array counts as zero: ``zero_below`` times the largest."""
    return zero_below * max((float(np.linalg.norm(v)) for v in theirs.values()), default=0.0)


def assert_all_close(ours: Arrays, theirs: Arrays, tol: float, what: str,
                     zero_below: float = 0.0) -> None:
    """The same keys, and every array within ``tol`` norm-wise; the message lists the worst.

    With ``zero_below``, a reference array whose norm is below ``zero_below`` times the largest
    one counts as zero: ours must then be within ``tol`` of it relative to that floor. For the
    tensors whose exact value is zero and whose computed value is rounding noise (the gradient
    of a bias that a BatchNorm follows, or of a BN shift that a conv + BN follows: 1e-17 here,
    1e-14 there), which no relative tolerance can compare."""
    assert ours.keys() == theirs.keys(), \
        f'{what}: keys differ: only ours {sorted(ours.keys() - theirs.keys())[:5]}, only ' \
        f'theirs {sorted(theirs.keys() - ours.keys())[:5]}'
    floor = zero_floor(theirs, zero_below)
    errors = sorted(((norm_error(ours[k], theirs[k], floor), k) for k in ours), reverse=True)
    bad = [(e, k) for e, k in errors if not e <= tol]
    assert not bad, f'{what}: {len(bad)} of {len(errors)} beyond {tol}: ' + ', '.join(
        f'{k} {e:.2e}' for e, k in bad[:6])


class Side:
    """One framework's training step.

    Args:
        loss_fn: Runs the training forward on the fixed batch; returns the total loss tensor
            and the named loss terms (named as on the other side).
        params: ``{framework name: parameter}`` of the model.
        name_map: Framework name -> our name (None: not compared, e.g. parameters that the
            model never uses).
        to_numpy: Tensor -> numpy array.
        grad_of: Parameter -> its gradient as numpy (None if it has none).
        hyper_of: Parameter -> ``(learning rate, weight decay)`` for the current step.
        step: One optimizer step, then the scheduler's step, then clearing the gradients.
        set_value: ``(parameter, numpy array)`` -> None, writes the array into the parameter
            (needed by :meth:`load_weights` only).
    """

    def __init__(self, loss_fn: LossFn, params: Dict[str, object],
                 name_map: Callable[[str], Optional[str]], to_numpy: Callable,
                 grad_of: Callable, hyper_of: Callable, step: Callable[[], None],
                 set_value: Optional[Callable[[object, np.ndarray], None]] = None) -> None:
        self.loss_fn = loss_fn
        self.named = {ours: p for name, p in params.items()
                      if (ours := name_map(name)) is not None}
        self.to_numpy = to_numpy
        self.grad_of = grad_of
        self.hyper_of = hyper_of
        self.step = step
        self.set_value = set_value

    def forward_backward(self) -> Dict[str, float]:
        """Loss terms of one forward pass, whose total is backpropagated."""
        total, terms = self.loss_fn()
        total.backward()
        return {k: float(self.to_numpy(v)) for k, v in terms.items()}

    def grads(self) -> Arrays:
        return {k: g for k, p in self.named.items() if (g := self.grad_of(p)) is not None}

    def weights(self) -> Arrays:
        return {k: self.to_numpy(p).copy() for k, p in self.named.items()}

    def hyperparameters(self) -> Dict[str, Tuple[float, float]]:
        return {k: self.hyper_of(p) for k, p in self.named.items()}

    def load_weights(self, weights: Arrays) -> None:
        """Overwrite every parameter with ``weights`` (same names and shapes)."""
        assert self.set_value is not None, 'this Side was built without set_value'
        assert weights.keys() == self.named.keys(), \
            f'load_weights: names differ: {sorted(weights.keys() ^ self.named.keys())[:5]}'
        for k, p in self.named.items():
            assert tuple(weights[k].shape) == tuple(self.to_numpy(p).shape), \
                f'load_weights: {k}: shape {weights[k].shape}, parameter {self.to_numpy(p).shape}'
            self.set_value(p, weights[k])


def paddle_momentum_hyper(optimizer) -> Callable[[object], Tuple[float, float]]:
    """``Side.hyper_of`` of a ``paddle.optimizer.Momentum``: each parameter's learning rate (the
    scheduler's times its ``optimize_attr``) and L2 coefficient. Momentum fuses L2 into its
    update (``paddle/optimizer/momentum.py``, ``_append_optimize_op``): a parameter's own
    ``L2Decay`` (PaddleClas' and ppdet's BN: 0) wins over the optimizer's, which it keeps as
    ``_regularization_coeff`` (its ``regularization`` is None)."""
    import paddle

    def hyper_of(p) -> Tuple[float, float]:
        assert p.regularizer is None or isinstance(p.regularizer, paddle.regularizer.L2Decay)
        assert p.regularizer is not None or optimizer._regularization_method == 'l2_decay'
        decay = p.regularizer._coeff if p.regularizer is not None else \
            optimizer._regularization_coeff
        return optimizer.get_lr() * p.optimize_attr['learning_rate'], float(decay)

    return hyper_of


def paddle_momentum_side(loss_fn: LossFn, model, optimizer, schedule,
                         name_map: Callable[[str], Optional[str]],
                         layout: Optional[Callable[[np.ndarray], np.ndarray]] = None) -> Side:
    """The reference's side: a Paddle model's trainable parameters (not its BN statistics) with
    its ``Momentum`` optimizer (:func:`paddle_momentum_hyper`) and ``LRScheduler``, stepped after
    each optimizer step. ``layout`` turns a parameter's or gradient's array into our layout
    (PaddleClas' ``fc`` weight is ``[in, out]``); without one, ours can be loaded into it."""
    def step() -> None:
        optimizer.step()
        schedule.step()
        optimizer.clear_grad()

    to_ours = layout or (lambda array: array)
    trainable = {n: p for n, p in model.named_parameters() if not p.stop_gradient}
    return Side(loss_fn, trainable, name_map, lambda t: to_ours(t.numpy()),
                lambda p: None if p.grad is None else to_ours(p.grad.numpy()),
                paddle_momentum_hyper(optimizer), step,
                None if layout else lambda p, value: p.set_value(value))


def mmengine_side(loss_fn: LossFn, model: torch.nn.Module, optim_wrapper, schedulers: Sequence,
                  iteration: int) -> Side:
    """Our side: ``model`` (its own parameter names) with a config's optimizer wrapper and
    closed-form schedulers (:func:`build_schedulers`), set to the learning rates of
    ``iteration`` now; each step moves them to the next iteration's (:func:`lr_at`)."""
    lr_at(schedulers, iteration)
    group_of = {id(p): g for g in optim_wrapper.optimizer.param_groups for p in g['params']}
    next_iteration = [iteration + 1]

    def step() -> None:
        optim_wrapper.step()
        lr_at(schedulers, next_iteration[0])
        next_iteration[0] += 1
        optim_wrapper.zero_grad()

    return Side(loss_fn, dict(model.named_parameters()), lambda n: n,
                lambda t: t.detach().numpy().copy(),
                lambda p: None if p.grad is None else p.grad.numpy().copy(),
                lambda p: (group_of[id(p)]['lr'], group_of[id(p)]['weight_decay']), step,
                lambda p, value: p.data.copy_(torch.from_numpy(value)))


def assert_losses_match(ours: Dict[str, float], theirs: Dict[str, float], tol: float) -> None:
    assert_all_close({k: np.float64(v) for k, v in ours.items()},
                     {k: np.float64(v) for k, v in theirs.items()}, tol, 'loss terms')


def assert_grads_match(ours: Side, theirs: Side, tol: float, zero_below: float = 0.0) -> None:
    """Every parameter's gradient within ``tol`` (``zero_below``: see :func:`assert_all_close`)."""
    theirs_grads = theirs.grads()
    ours_grads = ours.grads()
    assert theirs_grads, 'the reference computed no gradient'
    assert_all_close(ours_grads, theirs_grads, tol, 'gradients', zero_below)


def assert_hyperparameters_match(ours: Side, theirs: Side) -> None:
    """Each parameter's learning rate and decay coefficient, compared directly."""
    a, b = ours.hyperparameters(), theirs.hyperparameters()
    assert a.keys() == b.keys()
    wrong = [f'{k}: ours lr {a[k][0]:.6g} decay {a[k][1]:.3g}, theirs lr {b[k][0]:.6g} decay '
             f'{b[k][1]:.3g}' for k in sorted(a)
             if not (np.isclose(a[k][0], b[k][0], rtol=1e-6, atol=0)
                     and np.isclose(a[k][1], b[k][1], rtol=1e-6, atol=0))]
    assert not wrong, f'{len(wrong)} of {len(a)} parameters differ: ' + '; '.join(wrong[:5])


def assert_steps_match(ours: Side, theirs: Side, steps: int, tol: float,
                       backward_done: bool = False,
                       restart_from_reference: bool = False,
                       zero_below: float = 0.0) -> List[Dict]:
    """``steps`` training steps on both sides from the current (equal) weights: the change of
    every parameter within ``tol`` of the reference's. With ``backward_done`` the gradients of
    the first step are those already computed (the checks before looked at them). With
    ``restart_from_reference`` each step after the first starts ours from the reference's
    weights (each optimizer keeps its state) and every step's change is compared; otherwise
    the change over all the steps; ``zero_below``: changes below that fraction of the largest
    count as zero (see :func:`assert_all_close`). Returns the loss terms of the steps that ran a
    forward pass here (ours, theirs)."""
    start_ours, start_theirs = ours.weights(), theirs.weights()
    history = []
    for i in range(steps):
        if restart_from_reference and i:
            start_theirs = theirs.weights()
            ours.load_weights(start_theirs)
            start_ours = ours.weights()
        if i or not backward_done:
            history.append(dict(ours=ours.forward_backward(), theirs=theirs.forward_backward()))
        ours.step()
        theirs.step()
        if restart_from_reference:
            _assert_changes_match(ours, theirs, start_ours, start_theirs, tol,
                                  f'weight change of step {i + 1} of {steps}', zero_below)
    if not restart_from_reference:
        _assert_changes_match(ours, theirs, start_ours, start_theirs, tol,
                              f'weight change over {steps} steps', zero_below)
    return history


def _assert_changes_match(ours: Side, theirs: Side, start_ours: Arrays, start_theirs: Arrays,
                          tol: float, what: str, zero_below: float = 0.0) -> None:
    """Each side's weights moved from its start as the reference's did (norm-wise ``tol``),
    and ours moved none that the reference kept (below the ``zero_below`` floor: kept)."""
    end_ours, end_theirs = ours.weights(), theirs.weights()
    change_ours = {k: end_ours[k] - start_ours[k] for k in end_ours}
    change_theirs = {k: end_theirs[k] - start_theirs[k] for k in end_theirs}
    floor = zero_floor(change_theirs, zero_below)
    moved = [k for k, v in change_theirs.items() if np.any(v != 0)]
    assert moved, f'{what}: the reference did not change any weight'
    assert_all_close({k: change_ours[k] for k in moved}, {k: change_theirs[k] for k in moved},
                     tol, what, zero_below)
    still = [k for k in change_ours if k not in moved
             and np.linalg.norm(change_ours[k]) > tol * floor]
    assert not still, f'{what}: ours changed weights that the reference kept: {still[:5]}'


def depthwise_conv2d_by_shifts(x: torch.Tensor, weight: torch.Tensor,
                               bias: Optional[torch.Tensor], stride: Tuple[int, int],
                               padding: Tuple[int, int], dilation: Tuple[int, int]
                               ) -> torch.Tensor:
    """A depthwise convolution as the sum of ``k x k`` shifted, channel-scaled views of the
    padded input: the same function as ``F.conv2d(..., groups=channels)``."""
    kh, kw = weight.shape[-2:]
    x = torch.nn.functional.pad(x, (padding[1], padding[1], padding[0], padding[0]))
    height = (x.shape[2] - dilation[0] * (kh - 1) - 1) // stride[0] + 1
    width = (x.shape[3] - dilation[1] * (kw - 1) - 1) // stride[1] + 1
    out = None
    for i in range(kh):
        for j in range(kw):
            top, left = i * dilation[0], j * dilation[1]
            view = x[:, :, top:top + (height - 1) * stride[0] + 1:stride[0],
                     left:left + (width - 1) * stride[1] + 1:stride[1]]
            term = view * weight[:, 0, i, j].view(1, -1, 1, 1)
            out = term if out is None else out + term
    return out if bias is None else out + bias.view(1, -1, 1, 1)


@contextlib.contextmanager
def fast_float64_depthwise() -> Iterator[None]:
    """Float64 depthwise convolutions of ``nn.Conv2d`` computed by
    :func:`depthwise_conv2d_by_shifts` while the context is active: torch's CPU kernel for
    float64 runs them one channel at a time (``_slow_conv2d``), which made one training step of
    a PicoDet at 352 pixels take 17 s instead of 2 s. Other convolutions are unchanged."""
    original = torch.nn.Conv2d._conv_forward

    def conv_forward(self, input, weight, bias):
        if (input.dtype == torch.float64 and self.groups > 1
                and self.groups == self.in_channels == self.out_channels
                and self.padding_mode == 'zeros' and not isinstance(self.padding, str)):
            return depthwise_conv2d_by_shifts(input, weight, bias, self.stride, self.padding,
                                              self.dilation)
        return original(self, input, weight, bias)

    torch.nn.Conv2d._conv_forward = conv_forward
    try:
        yield
    finally:
        torch.nn.Conv2d._conv_forward = original


def build_schedulers(optimizer, param_scheduler: Sequence[dict], epoch_length: int,
                     max_epochs: Optional[int] = None, max_iters: Optional[int] = None) -> list:
    """A config's ``param_scheduler`` list built as mmengine's Runner builds it: default ends at
    the run's length, epoch phases converted to iterations with ``epoch_length``."""
    built = []
    for cfg in copy.deepcopy(list(param_scheduler)):
        by_epoch = cfg.get('by_epoch', True)
        cfg.setdefault('end', max_epochs if by_epoch else max_iters)
        convert = cfg.pop('convert_to_iter_based', False)
        cls = PARAM_SCHEDULERS.get(cfg.pop('type'))
        if by_epoch and convert:
            built.append(cls.build_iter_from_epoch(optimizer, **cfg, epoch_length=epoch_length))
        else:
            assert not by_epoch, f'{cls.__name__}: an epoch-stepped phase; convert it'
            built.append(cls(optimizer, **cfg))
    return built


def lr_at(schedulers: Sequence, iteration: int) -> List[float]:
    """Set the optimizer's learning rates to the schedule's value at ``iteration`` (0-based: the
    rate the step of that iteration uses) without stepping through the run, and return them.

    The value at ``iteration`` is the one the latest update set: of the phases that have begun,
    the one that updated last (a running phase updates at ``iteration``, a finished one last
    did at ``end - 1``), the later in the list on a tie, as the Runner steps them in order. That
    phase is moved there and stepped once, which needs closed-form phases
    (:class:`pplc_vision.engine.lr_schedulers.ClosedFormScheduler`).
    """
    latest = None
    for index, scheduler in enumerate(schedulers):
        assert isinstance(scheduler, ClosedFormScheduler), (
            f'{type(scheduler).__name__} is chained: its value depends on the steps before')
        last = min(iteration, scheduler.end - 1)
        if last >= scheduler.begin and (latest is None or (last, index) >= latest[:2]):
            latest = (last, index, scheduler)
    optimizer = schedulers[0].optimizer
    if latest is None:
        for group in optimizer.param_groups:
            group['lr'] = group['initial_lr']
    else:
        last, _, scheduler = latest
        scheduler._global_step = last - 1
        scheduler.last_step = last - 1 - scheduler.begin
        scheduler.step()
    return [group['lr'] for group in optimizer.param_groups]
