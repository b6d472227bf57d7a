"""The seed survey's light CNNs on one table, measured here in one run.

Every network is taken from a maintained library (this repository's PP-LCNet configs,
mmpretrain, torchvision, timm), built with random weights whose BatchNorm statistics are
estimated on real images, then re-parameterised where it can be (MobileOne is measured in its
deploy form) before params, MACs (mmengine FlopAnalyzer, 224x224) and latency
(:func:`pplc_vision.benchmark.table_build.race_engines`) are taken. ImageNet top-1 is the one
the model's source reports, read from the library where it carries it (torchvision weight
metadata, mmpretrain metafiles) and otherwise quoted with its source named; none is measured.
"""
import dataclasses
from typing import Any, Dict, List, Optional, Sequence, Tuple

from mmpretrain import get_model as get_mmpretrain_model
from mmpretrain.apis import ModelHub
from torch import nn
from torchvision.models import get_model as get_torchvision_model
from torchvision.models import get_weight

from ..deploy.calibration import load_images
from ..deploy.fuse import reparameterize
from .complexity import measure_complexity
from .machine import environment, environment_line
from .paper_data import TABLE2
from .row_models import build_row_model
from .settings import Settings
from .table_build import prepare_engine_inputs, race_engines
from .timing import format_spread

INPUT_HW = (224, 224)


@dataclasses.dataclass(frozen=True)
class SurveyModel:
    """A network of the survey and where its reported top-1 comes from.

    ``library`` is ``pplc_vision`` (``model`` is a config path), ``mmpretrain`` (a model name
    of its model index), ``torchvision`` (a builder name; ``weights`` the weight enum whose
    metadata holds the top-1) or ``timm`` (a model name). ``top1`` / ``top1_source`` are given
    only where the library does not carry the number.
    """
    name: str
    library: str
    model: str
    weights: str = ''
    top1: Optional[float] = None
    top1_source: str = ''
    note: str = ''


SURVEY_MODELS: Tuple[SurveyModel, ...] = tuple(
    SurveyModel(r.name, 'pplc_vision', r.build.partition(':')[2], top1=r.metric,
                top1_source='PP-LCNet paper, Table 2 (without SSLD)') for r in TABLE2) + tuple(
    SurveyModel(f'MobileOne-S{i}', 'mmpretrain', f'mobileone-s{i}_8xb32_in1k')
    for i in range(5)) + (
    SurveyModel('MobileNetV1-1x', 'timm', 'mobilenetv1_100',
                weights='mobilenetv1_100.ra4_e3600_r224_in1k', top1=75.382,
                top1_source='timm model card of mobilenetv1_100.ra4_e3600_r224_in1k, 224x224',
                note='timm 3600-epoch recipe; the MobileNetV1 paper reports 70.6'),
    SurveyModel('MobileNetV2-1x', 'torchvision', 'mobilenet_v2',
                'MobileNet_V2_Weights.IMAGENET1K_V1'),
    SurveyModel('MobileNetV3-small-1x', 'torchvision', 'mobilenet_v3_small',
                'MobileNet_V3_Small_Weights.IMAGENET1K_V1'),
    SurveyModel('MobileNetV3-large-1x', 'torchvision', 'mobilenet_v3_large',
                'MobileNet_V3_Large_Weights.IMAGENET1K_V1'),
    SurveyModel('ShuffleNetV1-1x-g3', 'mmpretrain', 'shufflenet-v1-1x_16xb64_in1k'),
    SurveyModel('ShuffleNetV2-1x', 'torchvision', 'shufflenet_v2_x1_0',
                'ShuffleNet_V2_X1_0_Weights.IMAGENET1K_V1'),
    SurveyModel('SqueezeNet-1.1', 'torchvision', 'squeezenet1_1',
                'SqueezeNet1_1_Weights.IMAGENET1K_V1'),
    SurveyModel('GhostNet-1x', 'timm', 'ghostnet_100', weights='ghostnet_100.in1k', top1=73.9,
                top1_source='GhostNet paper (CVPR 2020), Table 7; timm ghostnet_100.in1k is the '
                'authors\' checkpoint'),
)


def select_models(names: Optional[Sequence[str]] = None) -> List[SurveyModel]:
    """The named survey models (all by default); an unknown name is a one-line error."""
    if names is None:
        return list(SURVEY_MODELS)
    known = {m.name: m for m in SURVEY_MODELS}
    unknown = [n for n in names if n not in known]
    if unknown:
        raise ValueError(f'unknown survey model(s) {unknown}: expected some of {list(known)}')
    return [known[n] for n in names]


def reported_top1(entry: SurveyModel) -> Tuple[float, str]:
    """ImageNet-1k top-1 (%) as the model's source reports it, and that source."""
    if entry.library == 'torchvision':
        metrics = get_weight(entry.weights).meta['_metrics']['ImageNet-1K']
        return float(metrics['acc@1']), f'torchvision {entry.weights} metadata'
    if entry.library == 'mmpretrain':
        for result in ModelHub.get(entry.model).results or ():
            if result.dataset == 'ImageNet-1k' and 'Top 1 Accuracy' in result.metrics:
                return (float(result.metrics['Top 1 Accuracy']),
                        f'mmpretrain metafile of {entry.model}')
        raise ValueError(f'mmpretrain model {entry.model}: its metafile has no ImageNet-1k '
                         f'top-1')
    if entry.top1 is None:
        raise ValueError(f'survey model {entry.name}: no top-1 and no source that carries one')
    return entry.top1, entry.top1_source


def build_survey_model(entry: SurveyModel, root: str = '.') -> nn.Module:
    """The eval-mode network of ``entry`` with random weights (nothing is downloaded)."""
    if entry.library == 'pplc_vision':
        return build_row_model(f'config:{entry.model}', root)
    if entry.library == 'timm':
        return build_row_model(f'timm:{entry.model}', root)
    if entry.library == 'torchvision':
        model = get_torchvision_model(entry.model, weights=None)
    elif entry.library == 'mmpretrain':
        model = get_mmpretrain_model(entry.model, pretrained=False)
    else:
        raise ValueError(f'survey model {entry.name}: unknown library {entry.library!r}')
    model.eval()
    return model


def measure_survey(models: Sequence[SurveyModel],
                   engines: Sequence[Tuple[str, str]],
                   settings: Settings = Settings()) -> Dict[str, Any]:
    """Params, MACs and latency on every engine spec of each model (engines raced in
    ``rounds`` interleaved rounds), with its reported top-1."""
    env = environment(roofline_threads=settings.threads)
    images = load_images(settings.calib_dir)
    rows = []
    for entry in models:
        settings.log(f'survey: {entry.name}')
        top1, source = reported_top1(entry)
        model = build_survey_model(entry, settings.root)
        calibration, drift = prepare_engine_inputs(model, INPUT_HW, images,
                                                   settings.calib_images, settings.drift_images)
        switched = reparameterize(model)  # after BN estimation: branches carry their own BNs
        model.eval()
        size = measure_complexity(model, (3, ) + INPUT_HW)
        latency, _ = race_engines(model, drift, engines, settings, calibration, size.macs,
                                  env['roofline'])
        rows.append(dict(name=entry.name, library=entry.library, model=entry.model,
                         weights=entry.weights, reparameterized_blocks=switched,
                         params=size.params, macs=size.macs, params_m=size.params_m,
                         macs_m=size.macs_m, latency=latency,
                         reported_top1=top1, top1_source=source, note=entry.note))
    return dict(input_hw=list(INPUT_HW), threads=settings.threads,
                engines=[f'{e}:{p}' for e, p in engines], rows=rows, rounds=settings.rounds,
                environment=env)


def render_survey(measured: Dict[str, Any]) -> str:
    """Markdown: one row per network, measured columns first, then the reported top-1."""
    specs = measured['engines']
    hw = measured['input_hw']
    header = (['model', 'built from', 'params (M)', f'MACs (M, {hw[0]}x{hw[1]})'] +
              [f'{s} (ms)' for s in specs] + ['top-1 (%, reported)', 'top-1 reported by'])
    lines = ['### Light CNNs of the seed survey, measured in one run', '',
             environment_line(measured['environment'], measured['threads']) +
             f" Latency: median, in brackets the p10-p90 of the {measured.get('rounds', 1)} "
             "round medians (engines interleaved), random weights with BatchNorm statistics "
             'from real images. Top-1 is NOT measured here: it is the number each source reports.', '',
             '| ' + ' | '.join(header) + ' |', '|' + '---|' * len(header)]
    for r in measured['rows']:
        built = f"{r['library']} `{r['model'].rpartition('/')[2]}`"
        notes = (['deploy form, re-parameterised'] if r['reparameterized_blocks'] else []) + \
            ([r['note']] if r['note'] else [])
        if notes:
            built += f" ({'; '.join(notes)})"
        cells = [r['name'], built, f"{r['params_m']:.2f}", f"{r['macs_m']:.0f}"]
        cells += [format_spread(r['latency'][s]) for s in specs]
        cells += [f"{r['reported_top1']:.2f}", r['top1_source']]
        lines.append('| ' + ' | '.join(cells) + ' |')
    return '\n'.join(lines)
