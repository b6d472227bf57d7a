"""What the parity tests against the authors' Paddle code share."""
import os

import numpy as np
import paddle


def randomize(model, seed: int) -> None:
    """He-normal conv weights, random conv biases and BN affine parameters (non-trivial head)."""
    rng = np.random.default_rng(seed)
    for layer in model.sublayers():
        if isinstance(layer, paddle.nn.layer.norm._BatchNormBase):
            layer.weight.set_value(rng.uniform(0.5, 1.5, layer.weight.shape).astype('float32'))
            layer.bias.set_value(rng.normal(0, 0.2, layer.bias.shape).astype('float32'))
        elif isinstance(layer, paddle.nn.Conv2D):
            shape = layer.weight.shape
            std = np.sqrt(2.0 / np.prod(shape[1:]))
            layer.weight.set_value(rng.normal(0, std, shape).astype('float32'))
            if layer.bias is not None:
                layer.bias.set_value(rng.normal(0, 0.2, layer.bias.shape).astype('float32'))


def one_line_error(cli_main, capsys, src: str, config: str, dst: str) -> str:
    """Run the CLI on a bad input: exit code 2, one line on stderr, no DST written."""
    capsys.readouterr()
    assert cli_main([src, dst, '--config', config]) == 2
    message = capsys.readouterr().err.strip()
    assert message.startswith('error: ') and '\n' not in message, message
    assert not os.path.exists(dst)
    return message


def randomize_paddle_model(model, seed: int) -> None:
    """Random weights and random BN statistics, so that BN conversion errors show."""
    rng = np.random.default_rng(seed)
    for name, param in model.state_dict().items():
        shape = param.shape
        if name.endswith('_variance'):
            value = rng.uniform(0.5, 2.0, shape)
        elif name.endswith('_mean') or name.endswith('bias'):
            value = rng.normal(0, 0.2, shape)
        elif name.endswith('bn.weight'):
            value = rng.uniform(0.5, 1.5, shape)
        else:
            fan_in = int(np.prod(shape[1:])) if len(shape) > 1 else shape[0]
            if name == 'fc.weight':
                fan_in = shape[0]  # Paddle Linear is [in, out]
            value = rng.normal(0, 1.0 / np.sqrt(fan_in), shape)
        param.set_value(value.astype('float32'))
