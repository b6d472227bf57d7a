"""A config checked whole before the Runner builds anything, each mistake one line naming its key.

mmengine builds most components late: hooks when the Runner starts, the dataloaders, loops,
optimizer and schedulers when training starts, the checkpoint hook's extra arguments at the first
save. A misspelled argument or type would then end a run after minutes or hours, with a
traceback that often blames the component that built it (``EpochBasedTrainLoop`` for a
dataloader's ``batch_sise``). :func:`check_config` walks every component a run will build, as
the Runner builds it (:data:`ROOTS`: ``model`` and its parts, the dataloaders with their
datasets, pipelines and samplers, ``train_cfg``/``val_cfg``/``test_cfg`` loops, evaluators,
``optim_wrapper`` and its optimizer, ``param_scheduler``, default and custom hooks, the
visualiser and its backends, ``log_processor``, ``randomness``), and checks each against the
registry of the config's scope and its constructor's signature:

- an unknown ``type`` names the nearest registered names of the right registry;
- an unknown argument names the nearest valid ones, following ``**kwargs`` up the class
  hierarchy and, for :data:`KWARGS_TARGETS`, to where a hook passes them;
- a required argument that neither the config nor the builder gives is named.

What it cannot check, it leaves to the component: arguments of constructors whose ``**kwargs``
go somewhere else than the parent class (:func:`open_components` lists them for a config),
``paramwise_cfg`` and custom optimizer-wrapper constructors, and values (a value a component
refuses is reported by the tools with its key when the component is built).

:func:`check_schedules_fit` says when a ``param_scheduler`` has no room in ``train_cfg``'s
epochs or iterations (``begin >= end``).
"""
import difflib
import inspect
from dataclasses import dataclass, field
from typing import (Any, Callable, Dict, FrozenSet, Iterator, List, Mapping, Optional, Set,
                    Tuple)

from mmengine.config import Config
from mmengine.hooks import CheckpointHook, EMAHook
from mmengine.registry import (DATA_SAMPLERS, DATASETS, EVALUATOR, FUNCTIONS, HOOKS,
                               LOG_PROCESSORS, LOOPS, METRICS, MODEL_WRAPPERS, MODELS,
                               OPTIM_WRAPPERS, OPTIMIZERS, PARAM_SCHEDULERS, TASK_UTILS,
                               TRANSFORMS, VISBACKENDS, VISUALIZERS, WEIGHT_INITIALIZERS, Registry)
from mmengine.runner import Runner
from torch.utils.data import DataLoader


class ConfigError(ValueError):
    """A config mistake; the message is one line that starts with the config key."""


@dataclass(frozen=True)
class Builder:
    """How mmengine builds a component: the registry it looks the type up in, the type used when
    the config gives none, the arguments the builder passes itself, the keys it consumes before
    the constructor sees them, and whether required arguments can come from the config only."""
    registry: Registry
    what: str
    default_type: Optional[str] = None
    passed: FrozenSet[str] = frozenset()
    consumed: FrozenSet[str] = frozenset()
    check_required: bool = True


def _builder(registry: Registry, what: str, default_type: Optional[str] = None,
             passed: Tuple[str, ...] = (), consumed: Tuple[str, ...] = (),
             check_required: bool = True) -> Builder:
    return Builder(registry, what, default_type, frozenset(passed), frozenset(consumed),
                   check_required)


MODEL = _builder(MODELS, 'model')
# The layer configs of mmcv's ConvModule and friends: the layer's sizes come from the builder.
LAYER = _builder(MODELS, 'layer', consumed=('requires_grad', ), check_required=False)
TASK_UTIL = _builder(TASK_UTILS, 'task util')
DATASET = _builder(DATASETS, 'dataset')
TRANSFORM = _builder(TRANSFORMS, 'transform')
# The Runner takes a hook's ``priority`` out of its config before building it.
HOOK = _builder(HOOKS, 'hook', consumed=('priority', ))
METRIC = _builder(METRICS, 'metric')
# Typed dicts nested in a component's arguments, by argument name (the component builds them).
NESTED: Dict[str, Builder] = {
    'init_cfg': _builder(WEIGHT_INITIALIZERS, 'weight initialiser', consumed=('override', )),
    'norm_cfg': LAYER, 'act_cfg': LAYER, 'conv_cfg': LAYER, 'plugins': LAYER,
    'data_preprocessor': MODEL, 'batch_augments': MODEL,
    'dataset': DATASET, 'datasets': DATASET, 'pipeline': TRANSFORM, 'transforms': TRANSFORM,
    'vis_backends': _builder(VISBACKENDS, 'visualisation backend', passed=('save_dir', )),
    'metrics': METRIC,
    **{name: TASK_UTIL for name in ('anchor_generator', 'prior_generator', 'point_generator',
                                    'assigner', 'sampler', 'bbox_coder', 'coder')},
}
# Dicts with a ``type`` that no registry builds: mmcv's ``batched_nms`` reads ``nms.type``.
NOT_BUILT = frozenset({'nms'})
# Keys the Runner's ``build_dataloader`` takes out of a dataloader config; the rest go to
# torch's DataLoader (it passes sampler, batch_sampler, collate_fn, worker_init_fn itself).
DATALOADER_KEYS = frozenset(inspect.signature(DataLoader.__init__).parameters) - {'self'} | {
    'num_batch_per_epoch', 'disable_subprocess_warning'}
DEFAULT_HOOK_NAMES = ('runtime_info', 'timer', 'sampler_seed', 'logger', 'param_scheduler',
                      'checkpoint')


def _loop(default_type: str, passed: Tuple[str, ...]) -> Builder:
    return _builder(LOOPS, 'loop', default_type, passed, consumed=('by_epoch', ))


# Top-level keys of a config and how the Runner builds each: (key, builder, needed for training,
# needed for testing). The dataloaders, evaluators, hooks and optimizer wrapper have walkers of
# their own (see ``_ROOT_WALKERS``).
ROOTS: Tuple[Tuple[str, Optional[Builder], bool, bool], ...] = (
    ('model', MODEL, True, True),
    ('model_wrapper_cfg', _builder(MODEL_WRAPPERS, 'model wrapper', passed=('module', )),
     True, True),
    ('train_dataloader', None, True, False),
    ('val_dataloader', None, True, False),
    ('test_dataloader', None, False, True),
    ('train_cfg', _loop('EpochBasedTrainLoop', ('runner', 'dataloader')), True, False),
    ('val_cfg', _loop('ValLoop', ('runner', 'dataloader', 'evaluator')), True, False),
    ('test_cfg', _loop('TestLoop', ('runner', 'dataloader', 'evaluator')), False, True),
    ('val_evaluator', None, True, False),
    ('test_evaluator', None, False, True),
    ('optim_wrapper', None, True, False),
    ('param_scheduler', _builder(PARAM_SCHEDULERS, 'parameter scheduler',
                                 passed=('optimizer', 'epoch_length'),
                                 consumed=('convert_to_iter_based', )), True, False),
    ('default_hooks', None, True, True),
    ('custom_hooks', HOOK, True, True),
    ('visualizer', _builder(VISUALIZERS, 'visualiser', 'Visualizer'), True, True),
    ('log_processor', _builder(LOG_PROCESSORS, 'log processor', 'LogProcessor'), True, True),
)


@dataclass
class Arguments:
    """What a constructor accepts: its argument names, those it requires, and the class whose
    ``**kwargs`` go somewhere that is not a parent class (``None``: every name is known)."""
    names: Set[str] = field(default_factory=set)
    required: Set[str] = field(default_factory=set)
    open_at: Optional[type] = None


def constructor_arguments(obj: Callable) -> Arguments:
    """The arguments ``obj(...)`` accepts: a function's own, or a class's ``__init__`` ones,
    following ``**kwargs`` up the MRO (only the class's own ``__init__`` says what is required:
    a subclass may pass a parent's required argument itself)."""
    out = Arguments()
    is_class = inspect.isclass(obj)
    chain = [(klass, klass.__init__) for klass in obj.__mro__
             if klass is not object and '__init__' in vars(klass)] if is_class else [(obj, obj)]
    for i, (owner, function) in enumerate(chain):
        try:
            params = list(inspect.signature(function).parameters.values())
        except (TypeError, ValueError):  # a builtin without a readable signature
            out.open_at = owner
            return out
        params = params[1:] if is_class else params  # self
        named = [p for p in params if p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)]
        out.names |= {p.name for p in named}
        if i == 0:
            out.required = {p.name for p in named if p.default is p.empty}
        if not any(p.kind == p.VAR_KEYWORD for p in params):
            return out
    out.open_at = chain[-1][0] if chain else None
    return out


def _ema_target(hook: type, args: Mapping) -> Tuple[str, dict, Builder]:
    """``EMAHook(ema_type=..., **kwargs)`` (and its subclass ``hook``) builds
    ``MODELS[ema_type](model, **kwargs)`` from the arguments the hook classes do not take."""
    own = constructor_arguments(hook).names
    ema = {k: v for k, v in args.items() if k not in own}
    ema['type'] = args.get('ema_type', 'ExponentialMovingAverage')
    return 'ema_type', ema, _builder(MODELS, 'EMA model', passed=('model', ))


# Where the ``**kwargs`` of these constructors go: ``None`` means nowhere a config could add
# to (CheckpointHook passes them to ``Runner.save_checkpoint``, whose every argument the hook
# already gives); a function gives (key suffix, component dict, builder) to check them as.
KWARGS_TARGETS: Dict[type, Optional[Callable[[type, Mapping], Tuple[str, dict, Builder]]]] = {
    CheckpointHook: None,
    EMAHook: _ema_target,
}


def _nearest(name: str, candidates: Set[str] | List[str]) -> str:
    close = difflib.get_close_matches(name, sorted(candidates), n=3, cutoff=0.5)
    return f': did you mean {" or ".join(map(repr, close))}?' if close else ''


def registered_names(registry: Registry) -> Set[str]:
    """The names ``registry`` resolves without a scope prefix (its own and its ancestors')."""
    names: Set[str] = set()
    while registry is not None:
        names |= set(registry.module_dict)
        registry = registry.parent
    return names


def scoped(registry: Registry, scope: Optional[str]) -> Registry:
    """The child of root ``registry`` for ``scope`` (``mmdet``, ...), as the Runner uses it."""
    with registry.switch_scope_and_registry(scope) as found:
        return found


def _describe(obj: Callable) -> str:
    return f'{getattr(obj, "__name__", obj)} ({getattr(obj, "__module__", "?")})'


class ConfigWalker:
    """Checks the components of one config in its scope; :meth:`check` raises ConfigError."""

    def __init__(self, cfg: Config) -> None:
        self.cfg = cfg
        self.scope = cfg.get('default_scope')
        self._registries: Dict[Tuple[int, Optional[str]], Registry] = {}
        self.open: List[Tuple[str, str]] = []  # (key, class) whose kwargs are not checkable

    def registry(self, root: Registry, scope: Optional[str] = None) -> Registry:
        scope = scope or self.scope
        key = (id(root), scope)
        if key not in self._registries:
            self._registries[key] = scoped(root, scope)
        return self._registries[key]

    def resolve(self, key: str, type_name: Any, builder: Builder,
                scope: Optional[str]) -> Callable:
        """The class or function a component's ``type`` names; ConfigError if none."""
        if callable(type_name):
            return type_name
        if not isinstance(type_name, str):
            raise ConfigError(f'{key}.type must be a registered name, got {type_name!r}')
        registry = self.registry(builder.registry, scope)
        found = registry.get(type_name)
        if found is None:
            names = registered_names(registry)
            raise ConfigError(
                f'{key}: unknown type {type_name!r}: no {builder.what} of that name in the '
                f'{registry.scope} scope{_nearest(type_name, names)}')
        return found

    def component(self, key: str, cfg: Mapping, builder: Builder,
                  scope: Optional[str] = None) -> None:
        """Check one component dict built by ``builder``, then the typed dicts inside it."""
        if not isinstance(cfg, Mapping):
            return  # an object built already, or None: nothing to check
        scope = cfg.get('_scope_', scope)
        type_name = cfg.get('type', builder.default_type)
        if type_name is None:
            raise ConfigError(f'{key} has no type: name the {builder.what} to build '
                              f'(type=...)')
        obj = self.resolve(key, type_name, builder, scope)
        args = {k: v for k, v in cfg.items() if k not in ('type', '_scope_')}
        self.arguments(key, obj, args, builder)
        for name, value in args.items():
            self.nested(f'{key}.{name}', name, value, builder, scope)

    def arguments(self, key: str, obj: Callable, args: Mapping, builder: Builder) -> None:
        accepted = constructor_arguments(obj)
        given = set(args) - builder.consumed
        unknown = sorted(given - accepted.names)
        if accepted.open_at is not None:
            owners = getattr(accepted.open_at, '__mro__', (accepted.open_at, ))
            target = next((KWARGS_TARGETS[k] for k in owners if k in KWARGS_TARGETS), ...)
            if target is ...:
                self.open.append((key, _describe(obj)))
                unknown = []
            elif target is not None:
                suffix, forwarded, forwarded_builder = target(
                    obj, {k: v for k, v in args.items() if k not in builder.consumed})
                forwarded_obj = self.resolve(f'{key}.{suffix}', forwarded['type'],
                                             forwarded_builder, self.scope)
                forwarded_names = constructor_arguments(forwarded_obj).names
                unknown = sorted(set(forwarded) - {'type'} - forwarded_names)
                if unknown:  # said at the component's key, with both sets of names
                    accepted.names |= forwarded_names - set(forwarded_builder.passed)
                else:
                    self.component(f'{key}.{suffix}', forwarded, forwarded_builder)
        if unknown:
            valid = sorted(accepted.names | builder.consumed)
            raise ConfigError(f'{key}: {_describe(obj)} has no argument {unknown[0]!r}'
                              f'{_nearest(unknown[0], valid)} Its arguments: '
                              f'{", ".join(valid)}')
        if builder.check_required:
            missing = sorted(accepted.required - given - builder.passed)
            if missing:
                raise ConfigError(f'{key}: {_describe(obj)} needs the argument {missing[0]!r}, '
                                  'which the config does not give')

    def nested(self, key: str, name: str, value: Any, parent: Builder,
               scope: Optional[str]) -> None:
        """Typed dicts (and lists of them) inside a component's argument ``name``."""
        if name in NOT_BUILT:
            return
        if isinstance(value, (list, tuple)):
            for i, item in enumerate(value):
                self.nested(f'{key}.{i}', name, item, parent, scope)
            return
        if not isinstance(value, Mapping):
            return
        builder = NESTED.get(name)
        if 'type' not in value:
            if builder is None:  # a plain dict of settings (train_cfg, test_cfg, ...)
                for sub, item in value.items():
                    self.nested(f'{key}.{sub}', sub, item, parent, scope)
            return
        if builder is None:
            builder = self._guess_builder(key, value['type'], parent, value.get('_scope_', scope))
        self.component(key, value, builder, scope)

    def _guess_builder(self, key: str, type_name: Any, parent: Builder,
                       scope: Optional[str]) -> Builder:
        """The builder of a typed dict under an argument name :data:`NESTED` does not know:
        the parent's registry, else the first registry of the scope that has the type."""
        candidates = [parent] + [b for b in (MODEL, TASK_UTIL, TRANSFORM, DATASET, METRIC, HOOK)
                                 if b.registry is not parent.registry]
        for candidate in candidates:
            if not isinstance(type_name, str) or \
                    self.registry(candidate.registry, scope).get(type_name) is not None:
                return Builder(candidate.registry, candidate.what, check_required=False)
        return parent  # resolve() reports the type as unknown in the parent's registry

    # ------------------------------------------------------------------ top-level walkers
    def dataloader(self, key: str, cfg: Any) -> None:
        if not isinstance(cfg, Mapping):
            return
        unknown = sorted(set(cfg) - DATALOADER_KEYS)
        if unknown:
            raise ConfigError(f'{key}: torch DataLoader (as mmengine builds it) has no argument '
                              f'{unknown[0]!r}{_nearest(unknown[0], DATALOADER_KEYS)} Its '
                              f'arguments: {", ".join(sorted(DATALOADER_KEYS))}')
        for needed in ('dataset', 'sampler'):
            if needed not in cfg:
                raise ConfigError(f'{key} has no {needed}')
        self.component(f'{key}.dataset', cfg['dataset'], DATASET)
        self.component(f'{key}.sampler', cfg['sampler'],
                       _builder(DATA_SAMPLERS, 'sampler', passed=('dataset', 'seed')))
        if isinstance(cfg.get('batch_sampler'), Mapping):
            self.component(f'{key}.batch_sampler', cfg['batch_sampler'],
                           _builder(DATA_SAMPLERS, 'batch sampler',
                                    passed=('sampler', 'batch_size')))
        collate = cfg.get('collate_fn')
        if isinstance(collate, Mapping):
            function = self.resolve(f'{key}.collate_fn', collate.get('type'),
                                    _builder(FUNCTIONS, 'function'), self.scope)
            params = list(inspect.signature(function).parameters)
            self.arguments(f'{key}.collate_fn', function,
                           {k: v for k, v in collate.items() if k != 'type'},
                           _builder(FUNCTIONS, 'function', passed=tuple(params[:1])))

    def evaluator(self, key: str, cfg: Any) -> None:
        if isinstance(cfg, Mapping) and 'metrics' in cfg:
            self.component(key, cfg, _builder(EVALUATOR, 'evaluator', 'Evaluator'))
        elif isinstance(cfg, Mapping):
            self.component(key, cfg, METRIC)
        elif isinstance(cfg, (list, tuple)):
            for i, metric in enumerate(cfg):
                self.component(f'{key}.{i}', metric, METRIC)

    def optim_wrapper(self, key: str, cfg: Any) -> None:
        if not isinstance(cfg, Mapping):
            return
        if cfg.get('constructor', 'DefaultOptimWrapperConstructor') \
                != 'DefaultOptimWrapperConstructor':
            self.open.append((key, f'constructor {cfg["constructor"]}'))
            return  # a custom constructor reads the config its own way
        if 'optimizer' not in cfg:
            raise ConfigError(f'{key} has no optimizer')
        wrapper = {k: v for k, v in cfg.items() if k not in ('paramwise_cfg', 'constructor')}
        optimizer = wrapper.pop('optimizer')
        self.component(key, wrapper, _builder(OPTIM_WRAPPERS, 'optimizer wrapper',
                                              'OptimWrapper', passed=('optimizer', )))
        self.component(f'{key}.optimizer', optimizer,
                       _builder(OPTIMIZERS, 'optimizer', passed=('params', )))

    def default_hooks(self, key: str, cfg: Any) -> None:
        if not isinstance(cfg, Mapping):
            return
        for name, hook in cfg.items():
            if isinstance(hook, Mapping) and 'type' not in hook:
                raise ConfigError(f'{key}.{name} has no type: a default hook is replaced, not '
                                  f'merged with mmengine\'s (its names: '
                                  f'{", ".join(DEFAULT_HOOK_NAMES)}){_nearest(name, cfg)}')
            self.component(f'{key}.{name}', hook, HOOK)

    def check(self, training: bool) -> None:
        """Check every component a training (or test) run builds."""
        cfg = self.cfg
        walkers = dict(train_dataloader=self.dataloader, val_dataloader=self.dataloader,
                       test_dataloader=self.dataloader, val_evaluator=self.evaluator,
                       test_evaluator=self.evaluator, optim_wrapper=self.optim_wrapper,
                       default_hooks=self.default_hooks)
        validating = all(cfg.get(k) is not None for k in
                         ('val_dataloader', 'val_cfg', 'val_evaluator'))
        for key, builder, train, test in ROOTS:
            value = cfg.get(key)
            if value is None or not (train if training else test):
                continue
            if key.startswith('val') and not validating:
                continue
            if key == 'model' and isinstance(value, Mapping) \
                    and cfg.get('data_preprocessor') is not None:
                value = {'data_preprocessor': cfg.data_preprocessor, **value}
            if key == 'train_cfg' and isinstance(value, Mapping) and 'type' not in value:
                value = dict(value, type='EpochBasedTrainLoop' if value.get('by_epoch', True)
                             else 'IterBasedTrainLoop')
            if key in walkers:
                walkers[key](key, value)
            elif isinstance(value, (list, tuple)):
                for i, item in enumerate(value):
                    self.component(f'{key}.{i}', item, builder)
            elif isinstance(value, Mapping) and key == 'param_scheduler' and 'type' not in value:
                for name, schedulers in value.items():  # one list per optimizer
                    for i, item in enumerate(schedulers or []):
                        self.component(f'{key}.{name}.{i}', item, builder)
            else:
                self.component(key, value, builder)
        randomness = cfg.get('randomness')
        if isinstance(randomness, Mapping):
            self.arguments('randomness', Runner.set_randomness, randomness,
                           _builder(FUNCTIONS, 'function', passed=('self', )))


def check_config(cfg: Config, training: bool) -> None:
    """Raise :class:`ConfigError` (one line, starting with the config key) for the first
    component of ``cfg`` that a training (``training=True``) or test run could not build."""
    ConfigWalker(cfg).check(training)


def open_components(cfg: Config, training: bool = True) -> List[Tuple[str, str]]:
    """``(key, component)`` of the components of ``cfg`` whose extra arguments cannot be
    checked (their ``**kwargs`` go somewhere the walk cannot follow)."""
    walker = ConfigWalker(cfg)
    walker.check(training)
    return walker.open


def check_override_keys(cfg: Config, options: Mapping[str, Any]) -> None:
    """A ``--cfg-options`` key whose first part the config does not have and the Runner does
    not read (``train_dataloder.batch_size=1``) would add a key nothing reads: ConfigError."""
    known = set(cfg.keys()) | set(inspect.signature(Runner.__init__).parameters) | {
        'partial_load', 'sync_bn', 'model_wrapper_cfg', 'runner_type', 'work_dir'}
    for key in options:
        top = key.split('.')[0]
        if top not in known:
            raise ConfigError(f'--cfg-options {key}: the config has no key {top!r} and the '
                              f'Runner reads none of that name{_nearest(top, known)}')


def check_schedules_fit(cfg: Config) -> Optional[str]:
    """A one-line description of the first scheduler without room in the training length."""
    train_cfg = cfg.get('train_cfg') or {}
    schedulers = cfg.get('param_scheduler') or []
    if isinstance(schedulers, dict):
        schedulers = [schedulers]
    lengths = {True: train_cfg.get('max_epochs'), False: train_cfg.get('max_iters')}
    for i, scheduler in enumerate(schedulers):
        by_epoch = scheduler.get('by_epoch', True)
        length = lengths[bool(by_epoch)]
        if length is None:
            continue  # the other unit: mmengine converts, nothing to compare here
        unit = 'epoch' if by_epoch else 'iteration'
        begin, end = scheduler.get('begin', 0), scheduler.get('end', length)
        if begin >= min(end, length):
            limit = 'train_cfg.max_epochs' if by_epoch else 'train_cfg.max_iters'
            return (f'param_scheduler[{i}] ({scheduler.get("type")}) starts at {unit} {begin}, '
                    f'but {limit} is {length}: it would never run (mmengine: "end should be '
                    f'larger than begin"); set {limit} above {begin} or change its begin/end')
    return None

