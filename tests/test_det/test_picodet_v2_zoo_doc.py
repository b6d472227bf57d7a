"""docs/model_zoo_picodet_v2.md: every PicoDet v2 config has a row, each row's weights are the
upstream file its config follows, and our params and MACs are what our code measures."""
import re

import pytest

from det_helpers import DET_CONFIGS, REPO, V2_CONFIGS, load_det_config
from pplc_vision.apis import build_model_from_config
from pplc_vision.benchmark import measure_complexity

DOC = REPO / 'docs' / 'model_zoo_picodet_v2.md'
PEDESTRIAN_CONFIGS = ('picodet-v2_s_192_pedestrian.py', 'picodet-v2_s_320_pedestrian.py')
# | model | input | `configs/det/NAME` | [FILE.pdparams](URL) | mAP | params | FLOPs | ours | ours |
ROW = re.compile(r'^\| PicoDet[^|]* \| (\d+) \| `configs/det/([^`]+)` \| \[([\w.]+)\]\((\S+)\) '
                 r'\|[^|]+\|[^|]+\|[^|]+\| ([\d.]+) \| ([\d.]+) \|$', re.M)


@pytest.fixture(scope='module')
def rows() -> dict:
    """config name -> (input size, weight file, URL, our params M, our MACs G) of the doc."""
    found = {m[2]: (int(m[1]), m[3], m[4], m[5], m[6]) for m in ROW.finditer(DOC.read_text())}
    assert sorted(found) == sorted(V2_CONFIGS + PEDESTRIAN_CONFIGS), sorted(found)
    return found


def test_each_row_links_the_upstream_weights_of_its_config(rows):
    for config, (size, weights, url, *_) in rows.items():
        assert f'_{size}_' in config, config
        assert url.endswith('/' + weights) and weights.endswith('.pdparams'), url
        upstream_yml = weights[:-len('.pdparams')] + '.yml'  # the file the config follows
        assert upstream_yml in (DET_CONFIGS / config).read_text(), (config, upstream_yml)


@pytest.mark.parametrize('config', V2_CONFIGS + PEDESTRIAN_CONFIGS)
def test_our_params_and_macs_are_measured(rows, config):
    size, _, _, params, macs = rows[config]
    model = build_model_from_config(load_det_config(config, from_scratch=True))
    measured = measure_complexity(model, (3, size, size))
    assert (f'{measured.params_m:.3f}', f'{measured.macs / 1e9:.3f}') == (params, macs), config
