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
  tolerance, hence the direct comparison of the coefficients.

Task-agnostic: detection, segmentation and classification tests build the sides (see
test_picodet_v2_training.py).
"""
from typing import Callable, Dict, List, Optional, Tuple

import numpy as np

Arrays = Dict[str, np.ndarray]
LossFn = Callable[[], Tuple[object, Dict[str, object]]]


def norm_error(ours: np.ndarray, theirs: np.ndarray) -> float:
    """``||ours - theirs|| / ||theirs||`` (absolute when ``theirs`` is zero)."""
    ours, theirs = np.asarray(ours, np.float64), np.asarray(theirs, np.float64)
    scale = np.linalg.norm(theirs)
    diff = np.linalg.norm(ours - theirs)
    return float(diff / scale) if scale > 0 else float(diff)


def assert_all_close(ours: Arrays, theirs: Arrays, tol: float, what: str) -> None:
    """The same keys, and every array within ``tol`` norm-wise; the message lists the worst."""
    assert ours.keys() == theirs.keys(), \
        f'{what}: keys differ: only ours {sorted(ours.keys() - theirs.keys())[:5]}, only ' \
        f'theirs {sorted(theirs.keys() - ours.keys())[:5]}'
    errors = sorted(((norm_error(ours[k], theirs[k]), k) for k in ours), reverse=True)
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
    """

    def __init__(self, loss_fn: LossFn, params: Dict[str, object],
                 name_map: Callable[[str], Optional[str]], to_numpy: Callable,
                 grad_of: Callable, hyper_of: Callable, step: Callable[[], None]) -> None:
        self.loss_fn = loss_fn
        self.named = {ours: p for name, p in params.items()
                      if (ours := name_map(name)) is not None}
        self.to_numpy = to_numpy
        self.grad_of = grad_of
        self.hyper_of = hyper_of
        self.step = step

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


def assert_losses_match(ours: Dict[str, float], theirs: Dict[str, float], tol: float) -> None:
    assert_all_close({k: np.float64(v) for k, v in ours.items()},
                     {k: np.float64(v) for k, v in theirs.items()}, tol, 'loss terms')


def assert_grads_match(ours: Side, theirs: Side, tol: float) -> None:
    theirs_grads = theirs.grads()
    ours_grads = ours.grads()
    assert theirs_grads, 'the reference computed no gradient'
    assert_all_close(ours_grads, theirs_grads, tol, 'gradients')


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
                       backward_done: bool = False) -> List[Dict]:
    """``steps`` training steps on both sides from the current (equal) weights: the change of
    every parameter within ``tol`` of the reference's. With ``backward_done`` the gradients of
    the first step are those already computed (the checks before looked at them). Returns the
    loss terms of the steps that ran a forward pass here (ours, theirs)."""
    start_ours, start_theirs = ours.weights(), theirs.weights()
    history = []
    for i in range(steps):
        if i or not backward_done:
            history.append(dict(ours=ours.forward_backward(), theirs=theirs.forward_backward()))
        ours.step()
        theirs.step()
    end_ours, end_theirs = ours.weights(), theirs.weights()
    change_ours = {k: end_ours[k] - start_ours[k] for k in end_ours}
    change_theirs = {k: end_theirs[k] - start_theirs[k] for k in end_theirs}
    moved = [k for k, v in change_theirs.items() if np.any(v != 0)]
    assert moved, 'the reference did not change any weight'
    assert_all_close({k: change_ours[k] for k in moved}, {k: change_theirs[k] for k in moved},
                     tol, f'weight change over {steps} steps')
    still = [k for k in change_ours if k not in moved and np.any(change_ours[k] != 0)]
    assert not still, f'ours changed weights that the reference kept: {still[:5]}'
    return history
