"""Fixtures of the training-parity tests (nothing imported at load: the test modules import
Paddle before torch)."""
import pytest


@pytest.fixture(scope='module')
def fast_depthwise():
    """Float64 depthwise convolutions by shifts for a test module (a speed-up; see
    training_parity.fast_float64_depthwise)."""
    from training_parity import fast_float64_depthwise
    with fast_float64_depthwise():
        yield
