"""PicoPAN: 1x1 laterals with bias and nothing else, bilinear top-down then bottom-up additions."""
import pytest
import torch
import torch.nn.functional as F
from mmdet.registry import MODELS


def test_structure_is_laterals_only():
    neck = MODELS.build(dict(type='PicoPAN', in_channels=[8, 16, 32], out_channels=4))
    convs = [m for m in neck.modules() if isinstance(m, torch.nn.Conv2d)]
    assert len(convs) == 3
    assert all(c.kernel_size == (1, 1) and c.bias is not None for c in convs)
    assert not any(isinstance(m, (torch.nn.BatchNorm2d, torch.nn.ReLU)) for m in neck.modules())


def test_matches_hand_written_pan():
    neck = MODELS.build(dict(type='PicoPAN', in_channels=[3, 5, 7], out_channels=2))
    neck.init_weights()
    xs = [torch.randn(1, c, s, s) for c, s in ((3, 16), (5, 8), (7, 4))]
    lat = [F.conv2d(x, conv.weight, conv.bias) for x, conv in zip(xs, neck.lateral_convs)]
    up = lambda t: F.interpolate(t, scale_factor=2.0, mode='bilinear')  # noqa: E731
    down = lambda t: F.interpolate(t, scale_factor=0.5, mode='bilinear')  # noqa: E731
    lat[1] = lat[1] + up(lat[2])
    lat[0] = lat[0] + up(lat[1])
    lat[1] = lat[1] + down(lat[0])
    lat[2] = lat[2] + down(lat[1])
    outs = neck(xs)
    assert [o.shape[-1] for o in outs] == [16, 8, 4]
    for got, want in zip(outs, lat):
        torch.testing.assert_close(got, want)


def test_bilinear_downsample_is_pairwise_mean():
    # the x0.5 bilinear step averages each 2x2 block (align_corners=False, no antialias)
    neck = MODELS.build(dict(type='PicoPAN', in_channels=[1, 1], out_channels=1))
    for conv in neck.lateral_convs:
        torch.nn.init.ones_(conv.weight)
        torch.nn.init.zeros_(conv.bias)
    fine = torch.arange(16.0).reshape(1, 1, 4, 4)
    coarse = torch.zeros(1, 1, 2, 2)
    out_fine, out_coarse = neck([fine, coarse])
    # top-down: coarse is zero, fine unchanged; bottom-up: coarse += 2x2 means of fine
    torch.testing.assert_close(out_fine, fine)
    torch.testing.assert_close(out_coarse, torch.tensor([[[[2.5, 4.5], [10.5, 12.5]]]]))


def test_wrong_number_of_levels():
    neck = MODELS.build(dict(type='PicoPAN', in_channels=[8, 16, 32]))
    with pytest.raises(ValueError, match='expected 3 input levels'):
        neck([torch.randn(1, 8, 8, 8)])
    with pytest.raises(ValueError, match='at least 2 levels'):
        MODELS.build(dict(type='PicoPAN', in_channels=[8]))
