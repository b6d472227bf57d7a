"""What an exported model says about itself: the contract written into it at export and checked
against the config that runs it.

Every export (:meth:`pplc_vision.deploy.tasks.Task.export`) writes these string keys into the
ONNX file's ``metadata_props`` (and :func:`~pplc_vision.deploy.int8.quantize_int8` into the
OpenVINO IR's ``pplc_vision`` rt_info section); structured values are JSON:

- ``pplc_vision.contract``: the contract's version;
- ``task``, ``graph`` (what the graph ends with: ``logits``, ``labels``, ``head``, ``nms``,
  ``raw``), ``precision``;
- ``input_layout`` (``NCHW``), ``channel_order`` (``BGR``: the order the test pipeline loads;
  the swap and the normalisation are in the graph), ``input_size`` (``[H, W]``, ``null``: any);
- ``num_classes``, ``class_names``;
- ``model_digest`` and ``model``: a digest of the config's ``model`` section and the section
  itself (without what does not change the graph: initialisation, losses, training and test
  settings), so that a mismatch names the keys that differ;
- ``test_cfg``: the ``test_cfg`` values fixed into the graph (e.g. a detector's NMS settings).

A file without ``pplc_vision.contract`` was exported before contracts existed: it is run with a
one-line warning, under the conventions of that time (:attr:`Task.legacy_channel_order`).
"""
import hashlib
import json
from dataclasses import asdict, dataclass, field
from typing import Any, Dict, List, Mapping, Optional, Sequence, Tuple

from mmengine.config import Config

from .inputs import PredictorInputError

CONTRACT_VERSION = 1
VERSION_KEY = 'pplc_vision.contract'
# parts of a model section that do not change what an exported graph computes
#: The rt_info sections of an OpenVINO model that hold the contract of the file it was made from:
#: ours (:func:`set_openvino_metadata`), then ``framework``, where ``ov.convert_model`` of an
#: ONNX file keeps its ``metadata_props``
RT_INFO_SECTIONS = ('pplc_vision', 'framework')
NOT_IN_GRAPH = ('init_cfg', 'train_cfg', 'test_cfg', 'batch_augments', 'pretrained',
                'teacher_checkpoint')


def _plain(value: Any) -> Any:
    """ConfigDicts, tuples and the like as JSON's dicts, lists and scalars."""
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    return str(value)


def _in_graph(section: Dict[str, Any]) -> Dict[str, Any]:
    return {k: _in_graph(v) if isinstance(v, dict) else v for k, v in section.items()
            if k not in NOT_IN_GRAPH and not k.startswith('loss')}


def model_section(cfg: Config) -> Dict[str, Any]:
    """The config's ``model`` (with a top-level ``data_preprocessor`` merged in, as the Runner
    builds it) as plain JSON values, without the parts that do not change the graph."""
    section = _plain(cfg.get('model') or {})
    if cfg.get('data_preprocessor') is not None and 'data_preprocessor' not in section:
        section['data_preprocessor'] = _plain(cfg.data_preprocessor)
    return _in_graph(section)


def digest(section: Mapping[str, Any]) -> str:
    """A short sha256 of a JSON value, independent of key order."""
    text = json.dumps(section, sort_keys=True, separators=(',', ':'))
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def differing_keys(exported: Any, configured: Any, prefix: str = 'model') -> List[str]:
    """``'model.backbone.widen_factor: exported 1.0, config 0.5'`` for every leaf that differs."""
    if isinstance(exported, dict) and isinstance(configured, dict):
        return [line for key in sorted(set(exported) | set(configured))
                for line in differing_keys(exported.get(key), configured.get(key),
                                           f'{prefix}.{key}')]
    if exported == configured:
        return []
    return [f'{prefix}: exported {json.dumps(exported)}, config {json.dumps(configured)}']


@dataclass
class Contract:
    """The contract of one exported model (see the module docstring)."""
    task: str
    graph: str
    num_classes: int
    class_names: List[str]
    model: Dict[str, Any]
    input_size: Optional[Tuple[int, int]] = None
    test_cfg: Dict[str, Any] = field(default_factory=dict)
    precision: str = 'fp32'
    input_layout: str = 'NCHW'
    channel_order: str = 'BGR'

    @property
    def model_digest(self) -> str:
        return digest(self.model)

    def to_metadata(self) -> Dict[str, str]:
        """String keys and values for ``metadata_props`` / rt_info."""
        values = asdict(self)
        meta = {VERSION_KEY: str(CONTRACT_VERSION), 'model_digest': self.model_digest}
        meta.update({k: v if isinstance(v, str) else json.dumps(v, sort_keys=True)
                     for k, v in values.items()})
        return meta

    @classmethod
    def from_metadata(cls, metadata: Mapping[str, str], path: str) -> Optional['Contract']:
        """The contract a model file carries, ``None`` for a file without one; a contract that
        cannot be read is a one-line error naming the file and the key."""
        if VERSION_KEY not in metadata:
            return None
        if metadata[VERSION_KEY] != str(CONTRACT_VERSION):
            raise PredictorInputError(
                f'{path}: model contract version {metadata[VERSION_KEY]!r}, this pplc_vision '
                f'reads version {CONTRACT_VERSION}: export the model again')
        values: Dict[str, Any] = {}
        for name, spec in cls.__dataclass_fields__.items():
            if name not in metadata:
                raise PredictorInputError(f'{path}: the model contract has no {name!r}')
            raw = metadata[name]
            try:
                values[name] = raw if spec.type is str else json.loads(raw)
            except json.JSONDecodeError:
                raise PredictorInputError(f'{path}: model contract key {name!r} is not JSON: '
                                          f'{raw[:80]!r}') from None
        if values['input_size'] is not None:
            values['input_size'] = tuple(values['input_size'])
        contract = cls(**values)
        if metadata.get('model_digest') != contract.model_digest:
            raise PredictorInputError(f'{path}: the model contract\'s digest does not match its '
                                      f'model section (the metadata was edited)')
        return contract


def check_against(contract: Contract, expected: Contract, path: str, config: str,
                  placeholder_names: bool) -> None:
    """Refuse, in one line naming the differing keys, a model whose contract does not fit what
    the config builds (``expected``; its class names are not compared when the config names
    none, ``placeholder_names``)."""
    problems: List[str] = []
    for key in ('task', 'input_layout', 'channel_order', 'num_classes'):
        if getattr(contract, key) != getattr(expected, key):
            problems.append(f'{key}: exported {getattr(contract, key)!r}, config '
                            f'{getattr(expected, key)!r}')
    if not placeholder_names and contract.class_names != expected.class_names:
        problems.append('class_names differ: exported ' +
                        _short(contract.class_names) + ', config ' + _short(expected.class_names))
    if not problems and contract.model_digest != expected.model_digest:
        problems = differing_keys(contract.model, expected.model) or ['model_digest']
    if problems:
        more = f' (and {len(problems) - 4} more)' if len(problems) > 4 else ''
        raise PredictorInputError(f'{path} was not exported from config {config}: '
                                  + '; '.join(problems[:4]) + more)


def openvino_metadata(model) -> Dict[str, str]:
    """The string metadata an OpenVINO model carries in :data:`RT_INFO_SECTIONS`."""
    out: Dict[str, str] = {}
    for section in reversed(RT_INFO_SECTIONS):  # our own section wins
        if model.has_rt_info([section]):
            for key, value in model.get_rt_info([section]).astype(dict).items():
                out[str(key)] = value.astype(str) if hasattr(value, 'astype') else str(value)
    return out


def set_openvino_metadata(model, metadata: Dict[str, str]) -> None:
    """Write ``metadata`` into the model's ``pplc_vision`` rt_info section (saved in the IR)."""
    for key, value in metadata.items():
        model.set_rt_info(value, [RT_INFO_SECTIONS[0], key])


def _short(names: Sequence[str]) -> str:
    return json.dumps(list(names[:4]) + (['...'] if len(names) > 4 else []))
