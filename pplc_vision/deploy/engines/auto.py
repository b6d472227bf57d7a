"""``--engine auto``: the engines that run a model at a precision, raced briefly at load, the
fastest one used.

The fastest engine differs by model and machine (onnxruntime beats OpenVINO below about
PP-LCNet-1x on AMD EPYC, OpenVINO wins at larger widths and in bf16/int8: issue 33), so the
choice is measured, not guessed: a short interleaved race (:func:`~.interleaved.race`, a second
or two) on the model's own input, and the choice comes with its margin over the runner-up.

Over an exported file (the predictor, ``tools/deployment/infer.py``) the choice is cached
(:class:`ChoiceCache`): a JSON file in the user's cache folder per key (the file's SHA-256, the
precision, the threads, the CPU as :func:`~pplc_vision.deploy.cpu.cpu_description` reads it and
the engines' versions), reused without a race while the key holds; a changed key races again.
"""
import dataclasses
import hashlib
import importlib.metadata
import json
import logging
import os
import tempfile
import time
from typing import Any, Callable, Dict, List, Mapping, Optional, Tuple

import numpy as np

from ..cpu import cpu_description
from ..inputs import PredictorInputError
from .base import (ENGINES, EngineNotInstalled, InferenceEngine, check_engine,
                   offered_engines)
from .factory import build_engine, load_engine
from .interleaved import Contender, race

logger = logging.getLogger(__name__)
AUTO = 'auto'
# how a load over a file uses the cache: 'use' a cached choice (race and store when there is
# none), 'refresh' it (race and store), or leave it 'off' (race; nothing read or written)
CACHE_MODES = ('use', 'refresh', 'off')
CACHE_FORMAT = 1
# the CPU fields a cached choice depends on (not the clock of the moment)
_CPU_KEY = ('model', 'usable_cpus', 'cores_per_socket', 'threads_per_core', 'flags')


@dataclasses.dataclass(frozen=True)
class EngineChoice:
    """The engine a race picked: its name, its median and every raced engine's (ms), its margin
    (the runner-up's median over its own, 1.0 when it raced alone) and the engines left out,
    each with the reason."""
    engine: str
    medians_ms: Dict[str, float]
    margin: float
    rounds: int
    calls: int  # timed calls per engine and round
    skipped: Dict[str, str] = dataclasses.field(default_factory=dict)
    cached: bool = False  # read from the cache (:class:`ChoiceCache`), not raced now

    def line(self) -> str:
        """``'engine auto: onnxruntime, 1.21x faster than openvino (0.95 vs 1.15 ms median,
        3 interleaved rounds of 8 calls each)'`` (``'onnxruntime (cached), ...'`` when read from
        the cache)."""
        others = sorted((ms, name) for name, ms in self.medians_ms.items() if name != self.engine)
        text = f'engine auto: {self.engine}' + (' (cached)' if self.cached else '')
        if others:
            text += (f', {self.margin:.2f}x faster than {others[0][1]} '
                     f'({self.medians_ms[self.engine]:.2f} vs {others[0][0]:.2f} ms median, '
                     f'{self.rounds} interleaved rounds of {self.calls} calls each)')
        else:
            text += ' (the only engine that runs this model at this precision here)'
        if self.skipped:
            text += '; not raced: ' + '; '.join(f'{k} ({v})' for k, v in self.skipped.items())
        return text

    def as_dict(self) -> Dict[str, Any]:
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, data: Any) -> 'EngineChoice':
        """The choice :meth:`as_dict` wrote; ``ValueError`` naming the first field that is
        missing or of the wrong type."""
        if not isinstance(data, dict):
            raise ValueError(f'expected an object, got {type(data).__name__}')
        number = (int, float)
        checks = dict(engine=lambda v: v in ENGINES,
                      medians_ms=lambda v: isinstance(v, dict) and all(
                          isinstance(k, str) and isinstance(x, number) for k, x in v.items()),
                      margin=lambda v: isinstance(v, number) and v >= 1.0,
                      rounds=lambda v: isinstance(v, int), calls=lambda v: isinstance(v, int),
                      skipped=lambda v: isinstance(v, dict) and all(
                          isinstance(x, str) for x in v.values()),
                      cached=lambda v: isinstance(v, bool))
        for name, ok in checks.items():
            if name not in data:
                raise ValueError(f'no {name!r}')
            if not ok(data[name]):
                raise ValueError(f'{name!r} is {data[name]!r}')
        extra = set(data) - set(checks)
        if extra:
            raise ValueError(f'unknown fields {sorted(extra)}')
        return cls(**data)


def pick_fastest(engines: Mapping[str, Callable[[np.ndarray], Any]], inputs: np.ndarray,
                 budget_s: float = 1.5, rounds: int = 3, max_calls: int = 50,
                 skipped: Optional[Dict[str, str]] = None) -> EngineChoice:
    """Race ``engines`` (name -> a callable on ``inputs``) in ``rounds`` interleaved rounds
    sized to take about ``budget_s`` in all (at least one timed call per engine and round, at
    most ``max_calls``), and return the one with the lowest median call time."""
    if not engines:
        raise ValueError('engine auto: no engine runs this model here'
                         + (': ' + '; '.join(f'{k} ({v})' for k, v in skipped.items())
                            if skipped else ''))
    if budget_s <= 0 or rounds < 1:
        raise ValueError(f'pick_fastest: need budget_s > 0 and rounds >= 1, got {budget_s}, '
                         f'{rounds}')
    if len(engines) == 1:  # nothing to race
        return EngineChoice(next(iter(engines)), {}, 1.0, 0, 0, dict(skipped or {}))
    per_call = 0.0
    for run in engines.values():  # one untimed call each: warms up and sizes the race
        start = time.perf_counter()
        run(inputs)
        per_call += time.perf_counter() - start
    calls = int(min(max(budget_s / (rounds * max(per_call, 1e-6)), 1), max_calls))
    contenders = [Contender(name, (lambda run: lambda i: run(inputs))(run), {})
                  for name, run in engines.items()]
    race(contenders, 1, rounds, warmup=1, iters=calls, progress=False)
    medians = {c.key: float(np.median(c.times)) * 1e3 for c in contenders}
    ranked = sorted(medians, key=medians.get)
    margin = medians[ranked[1]] / medians[ranked[0]] if len(ranked) > 1 else 1.0
    return EngineChoice(ranked[0], medians, margin, rounds, calls, dict(skipped or {}))


def build_fastest_engine(module: Any, example: Any, precision: str = 'fp32',
                         threads: Optional[int] = None, workdir: Optional[str] = None,
                         calibration: Optional[np.ndarray] = None, fuse: bool = True,
                         budget_s: float = 1.5) -> Tuple[InferenceEngine, EngineChoice]:
    """Build ``module`` on every engine that runs ``precision`` here (:func:`build_engine`;
    one not installed, or refusing this CPU, is left out with its one-line reason), race them
    on ``example`` (:func:`pick_fastest`) and return the fastest with the choice."""
    check_engine(offered_engines(precision)[0], precision)  # an unknown precision, in one line
    built: Dict[str, InferenceEngine] = {}
    skipped: Dict[str, str] = {}
    for name in offered_engines(precision):
        try:
            built[name] = build_engine(
                module, example, name, precision, threads, calibration=calibration, fuse=fuse,
                workdir=None if workdir is None else os.path.join(workdir, name))
        except (EngineNotInstalled, ValueError) as e:
            skipped[name] = str(e).splitlines()[0]
    inputs = np.ascontiguousarray(example.numpy() if hasattr(example, 'numpy') else example,
                                  np.float32)
    choice = pick_fastest(built, inputs, budget_s, skipped=skipped)
    return built[choice.engine], choice


def default_cache_dir() -> str:
    """``$PPLC_CACHE_DIR/engine_auto``, else ``$XDG_CACHE_HOME/pplc_vision/engine_auto``
    (``~/.cache`` without it)."""
    root = os.environ.get('PPLC_CACHE_DIR') or os.path.join(
        os.environ.get('XDG_CACHE_HOME') or os.path.expanduser(os.path.join('~', '.cache')),
        'pplc_vision')
    return os.path.join(root, 'engine_auto')


def model_digest(model_path: str) -> str:
    """SHA-256 of the model file, and of its weights file for OpenVINO IR (``.xml`` + ``.bin``)."""
    digest = hashlib.sha256()
    paths = [model_path]
    if model_path.endswith('.xml') and os.path.isfile(model_path[:-4] + '.bin'):
        paths.append(model_path[:-4] + '.bin')
    for path in paths:
        with open(path, 'rb') as f:
            for block in iter(lambda: f.read(1 << 20), b''):
                digest.update(block)
    return digest.hexdigest()


def choice_key(model_path: str, precision: str, threads: Optional[int]) -> Dict[str, Any]:
    """What a choice over ``model_path`` holds for: the file's contents, the precision, the
    threads, the CPU (model, CPUs, instruction sets) and the versions of the engines."""
    cpu = cpu_description()
    versions = {}
    for name in ENGINES:
        try:
            versions[name] = importlib.metadata.version('torch' if name == 'pytorch' else name)
        except importlib.metadata.PackageNotFoundError:
            versions[name] = None
    return dict(model_sha256=model_digest(model_path), precision=precision, threads=threads,
                cpu={k: cpu.get(k) for k in _CPU_KEY}, engine_versions=versions)


class ChoiceCache:
    """Choices of :func:`load_fastest_engine` as JSON files in ``directory`` (default:
    :func:`default_cache_dir`), one per key (:func:`choice_key`), named by the key's hash.

    A file that is not JSON, or whose key or choice is not what this version writes, is refused
    with one warning line and raced again (its file is then replaced)."""

    def __init__(self, directory: Optional[str] = None) -> None:
        self.directory = directory or default_cache_dir()

    def path(self, key: Dict[str, Any]) -> str:
        name = hashlib.sha256(json.dumps(key, sort_keys=True).encode()).hexdigest()[:32]
        return os.path.join(self.directory, name + '.json')

    def load(self, key: Dict[str, Any]) -> Optional[EngineChoice]:
        """The cached choice for ``key``, or ``None`` (none, or refused with a warning)."""
        path = self.path(key)
        if not os.path.isfile(path):
            return None
        try:
            with open(path, encoding='utf-8') as f:
                data = json.load(f)
            if not isinstance(data, dict) or data.get('format') != CACHE_FORMAT:
                raise ValueError(f'not a format-{CACHE_FORMAT} engine choice')
            if data.get('key') != json.loads(json.dumps(key)):
                raise ValueError('its key differs from the file name\'s')
            choice = EngineChoice.from_dict(data.get('choice'))
        except (OSError, UnicodeDecodeError, ValueError) as e:  # JSONDecodeError: ValueError
            reason = str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__
            logger.warning(f'engine auto: ignoring the damaged cache file {path} ({reason}); '
                           f'racing again')
            return None
        return dataclasses.replace(choice, cached=True)

    def store(self, key: Dict[str, Any], choice: EngineChoice) -> Optional[str]:
        """Write ``choice`` for ``key`` (atomically: a reader never sees half a file); the
        file's path, or ``None`` with a warning when the folder is not writable."""
        path = self.path(key)
        data = dict(format=CACHE_FORMAT, key=key,
                    choice=dataclasses.replace(choice, cached=False).as_dict())
        try:
            os.makedirs(self.directory, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=self.directory, suffix='.tmp')
            with os.fdopen(fd, 'w', encoding='utf-8') as f:
                json.dump(data, f, indent=1)
            os.replace(tmp, path)
        except OSError as e:
            logger.warning(f'engine auto: cannot cache the choice in {self.directory} ({e}); '
                           f'the next load races again')
            return None
        return path


def file_engines(model_path: str, precision: str) -> List[str]:
    """The offered engines (:func:`offered_engines`) that load ``model_path``: onnxruntime and
    OpenVINO for ``.onnx``, OpenVINO alone for its IR."""
    check_engine(offered_engines(precision)[0], precision)  # an unknown precision, in one line
    return [e for e in offered_engines(precision)
            if e != 'pytorch' and (e == 'openvino' or model_path.endswith('.onnx'))]


def load_fastest_engine(model_path: str, precision: str, threads: Optional[int],
                        check: Callable[[InferenceEngine], None],
                        example: Callable[[], np.ndarray], cache: str = 'use',
                        cache_dir: Optional[str] = None, budget_s: float = 1.5
                        ) -> Tuple[InferenceEngine, EngineChoice]:
    """The fastest engine over the exported ``model_path`` at ``precision``: the cached choice
    (``cache='use'``, :class:`ChoiceCache`), else every engine that loads the file
    (:func:`file_engines`) raced on ``example()`` (:func:`pick_fastest`) and the choice cached
    (unless ``cache='off'``). ``check(engine)`` is called on the first engine loaded, before any
    race: the caller's checks of the file (its contract), which every engine shares."""
    if cache not in CACHE_MODES:
        raise ValueError(f'engine auto: cache must be one of {CACHE_MODES}, got {cache!r}')
    names = file_engines(model_path, precision)
    if not os.path.isfile(model_path):
        raise PredictorInputError(f'{model_path}: no such model file')
    store = None if cache == 'off' else ChoiceCache(cache_dir)
    key = None if store is None else choice_key(model_path, precision, threads)
    cached = store.load(key) if store is not None and cache == 'use' else None
    if cached is not None and cached.engine in names:
        engine = load_engine(model_path, cached.engine, precision, threads)
        check(engine)
        return engine, cached
    loaded: Dict[str, InferenceEngine] = {}
    skipped: Dict[str, str] = {}
    for name in names:
        try:
            loaded[name] = load_engine(model_path, name, precision, threads)
        except (EngineNotInstalled, ValueError, PredictorInputError) as e:
            if len(skipped) == len(names) - 1 and not loaded:
                raise  # none loads: the last one's reason, as --engine NAME gives it
            skipped[name] = str(e).splitlines()[0]
    check(next(iter(loaded.values())))
    choice = pick_fastest(loaded, example(), budget_s, skipped=skipped)
    if store is not None and len(loaded) > 1:
        store.store(key, choice)
    return loaded[choice.engine], choice
