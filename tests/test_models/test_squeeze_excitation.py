"""The toolkit's own SE and channel rounding equal mmpretrain's (which the backbones used before
they stopped needing mmpretrain): same values, same parameter names, same outputs."""
import torch
from mmpretrain.models.utils import SELayer
from mmpretrain.models.utils import make_divisible as mmpretrain_make_divisible

from pplc_vision.models.layers import SqueezeExcitation, make_divisible


def test_make_divisible_equals_mmpretrain():
    for value in [v / 4 for v in range(1, 4 * 700)]:
        for divisor in (4, 8, 16):
            assert make_divisible(value, divisor) == mmpretrain_make_divisible(value, divisor), \
                (value, divisor)


def test_squeeze_excitation_equals_mmpretrain_selayer():
    torch.manual_seed(0)
    act_cfg = (dict(type='ReLU'), dict(type='Hardsigmoid'))
    ours = SqueezeExcitation(48, 12, act_cfg=act_cfg).eval()
    theirs = SELayer(48, squeeze_channels=12, bias=True, act_cfg=act_cfg).eval()
    assert list(ours.state_dict()) == list(theirs.state_dict())
    for p in ours.parameters():
        torch.nn.init.normal_(p)
    theirs.load_state_dict(ours.state_dict())
    x = torch.randn(2, 48, 7, 7)
    torch.testing.assert_close(ours(x), theirs(x), rtol=0, atol=0)
