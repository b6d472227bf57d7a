"""Packaging: supported ranges in the metadata, one exact lock that setup and the environment
agree with, and task libraries that are optional.

- The installed package's metadata (and setup.cfg) pin none of the OpenMMLab stack exactly, and
  the lock's versions lie inside every declared range.
- tools/setup_env.sh installs every package through ``pip install -c requirements/lock.txt``
  (mmcv's own wheel at the lock's version), and the lock equals ``importlib.metadata`` here.
- With mmseg and mmpretrain hidden by an import hook, ``import pplc_vision`` works, every
  detection config but MobileOne's builds, and segmentation / MobileOne configs fail with one line
  naming the missing library (in the model builder and in tools/train.py).
- The configs and tools reach users of an installed package: a wheel built from the checkout
  carries them as files under ``pplc_vision/.mim`` (the checkout links them there), and from a
  directory outside the checkout, with that wheel installed, ``mmengine.hub.get_config`` and a
  downstream config's ``_base_ = 'pplc_vision::...'`` load them.
"""
import configparser
import importlib.metadata
import json
import os
import os.path as osp
import re
import shutil
import stat
import subprocess
import sys
import textwrap
import zipfile

import pytest
from packaging.requirements import Requirement

ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))
LOCK = osp.join(ROOT, 'requirements', 'lock.txt')
SETUP_ENV = osp.join(ROOT, 'tools', 'setup_env.sh')
STACK = ('torch', 'torchvision', 'mmcv', 'mmengine', 'mmdet', 'mmsegmentation', 'mmpretrain')
INSTALLED_EXTRAS = ('det', 'seg', 'cls', 'deploy', 'tests')  # what setup_env.sh --test installs


def canonical(name: str) -> str:
    return re.sub(r'[-_.]+', '-', name).lower()


def read_lock() -> dict:
    out = {}
    for line in open(LOCK):
        line = line.split('#', 1)[0].strip()
        if line:
            name, sep, version = line.partition('==')
            assert sep, f'{LOCK}: {line!r} is not name==version'
            out[canonical(name)] = version
    return out


def setup_cfg_requirements() -> list:
    """``(where, Requirement)`` of install_requires and every extra in setup.cfg."""
    cfg = configparser.ConfigParser()
    cfg.read(osp.join(ROOT, 'setup.cfg'))

    def lines(text):
        return [ln.strip() for ln in text.splitlines() if ln.strip() and
                not ln.strip().startswith('#')]

    reqs = [('install_requires', Requirement(r))
            for r in lines(cfg['options']['install_requires'])]
    for extra, text in cfg['options.extras_require'].items():
        reqs += [(f'[{extra}]', Requirement(r)) for r in lines(text)]
    return reqs


def exact_pins(reqs) -> list:
    return [f'{where}: {req}' for where, req in reqs if canonical(req.name) in STACK and any(
        spec.operator in ('==', '===') for spec in req.specifier)]


def test_metadata_pins_no_openmmlab_library_exactly():
    installed = [(f'metadata {r.marker or ""}', r)
                 for r in map(Requirement, importlib.metadata.requires('pplc_vision') or [])]
    declared = setup_cfg_requirements()
    # the check can fail: an exact pin is caught
    assert exact_pins([('x', Requirement('mmcv==2.1.0'))]) == ['x: mmcv==2.1.0']
    assert exact_pins(installed) == [], \
        'the installed metadata pins exactly: stale install? bash tools/setup_env.sh --test'
    assert exact_pins(declared) == []
    named = {canonical(r.name) for _, r in declared}
    assert set(STACK) <= named, f'setup.cfg does not declare {set(STACK) - named}'
    # every library of the stack has a lower and an upper bound
    for where, req in declared:
        if canonical(req.name) in STACK:
            ops = {s.operator for s in req.specifier}
            assert {'>=', '<'} <= ops, f'{where}: {req} needs a tested lower and upper bound'


def test_lock_lies_inside_the_declared_ranges():
    lock = read_lock()
    for where, req in setup_cfg_requirements():
        if where == 'install_requires' or where.strip('[]') in INSTALLED_EXTRAS:
            name = canonical(req.name)
            assert name in lock, f'{where}: {req.name} has no version in {LOCK}'
            assert req.specifier.contains(lock[name], prereleases=True), \
                f'{where}: {req} excludes the locked {name}=={lock[name]}'


def test_lock_equals_the_environment():
    # a fresh interpreter: in this one, an imported setuptools may have put its vendored
    # distributions on sys.path, which importlib.metadata would then list
    proc = subprocess.run([sys.executable, osp.join(ROOT, 'tools', 'update_lock.py'), '--check'],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, (
        'requirements/lock.txt and this environment differ (bash tools/setup_env.sh --test, or '
        'python tools/update_lock.py after a deliberate upgrade):\n' + proc.stdout + proc.stderr)
    assert proc.stdout.strip() == 'lock and environment agree'
    lock = read_lock()
    for name in STACK:
        assert name in lock


def _pip_installs(script: str) -> list:
    """Each pip install command of setup_env.sh, continuation lines joined."""
    joined = re.sub(r'\\\n\s*', ' ', script)
    return [ln.strip() for ln in joined.splitlines()
            if re.search(r'\b(pip_install|pip\S* install|quiet_pip install)\b', ln)
            and not ln.strip().startswith('#')]


def test_setup_env_installs_exactly_the_lock():
    script = open(SETUP_ENV).read()
    assert 'LOCK="$ROOT/requirements/lock.txt"' in script
    assert re.search(r'^pip_install\(\) \{ quiet_pip install -q -c "\$LOCK" "\$@"; \}$',
                     script, re.M), 'pip_install must pass -c "$LOCK"'
    # the stamp covers the lock: a new lock re-runs the setup
    assert re.search(r'INPUTS_KEY=.*cat "\$0" "\$ROOT/setup.cfg" "\$LOCK"', script)
    # mmcv is built from source and installed from its cached wheel, at the lock's version
    assert 'MMCV_VERSION="$(locked mmcv)"' in script
    lock = read_lock()
    installs = _pip_installs(script)
    assert len(installs) >= 8
    for cmd in installs:
        if cmd.startswith('pip_install()'):
            continue  # its definition, checked above
        if cmd.startswith('pip_install '):
            # every package it names has an exact version in the lock
            for token in cmd.split()[1:]:
                if token.startswith('-') or token.startswith('"$ROOT'):
                    continue
                name = canonical(Requirement(token.strip('"')).name)
                assert name in lock, f'setup_env.sh installs {name} with no pin in the lock'
        else:
            assert cmd.startswith('quiet_pip install -q --no-deps --force-reinstall '
                                  '"$WHEELS"/mmcv-"$MMCV_VERSION"'), \
                f'an install that bypasses the lock: {cmd}'
    # the editable install brings every task library and the test stack
    assert any('-e "$ROOT[$EXTRAS]"' in c for c in installs)
    assert 'EXTRAS="det,seg,cls,deploy"' in script and 'EXTRAS="$EXTRAS,tests"' in script


HIDE = textwrap.dedent('''
    import importlib.abc, sys
    HIDDEN = tuple(sys.argv[2].split(','))

    class Hide(importlib.abc.MetaPathFinder):
        def find_spec(self, name, path=None, target=None):
            if name.split('.')[0] in HIDDEN:
                raise ModuleNotFoundError(f'No module named {name!r}', name=name.split('.')[0])
            return None

    sys.meta_path.insert(0, Hide())
''')

DET_ONLY = HIDE + textwrap.dedent('''
    import glob, json, os.path as osp
    import pplc_vision
    from mmengine.config import Config
    from pplc_vision.apis import ToolError, build_model_from_config, run_train
    from pplc_vision.registry import INSTALLED_SCOPES, MissingLibraryError

    out = dict(scopes=list(INSTALLED_SCOPES), built={}, errors={})
    for path in sorted(glob.glob('configs/det/*.py')):
        cfg = Config.fromfile(path)
        try:
            out['built'][path] = type(build_model_from_config(cfg)).__name__
        except MissingLibraryError as e:
            out['errors'][path] = str(e)
    for path in ('configs/seg/deeplabv3plus_pplcnet_0.5x_os32_cityscapes.py',):
        try:
            build_model_from_config(Config.fromfile(path))
        except MissingLibraryError as e:
            out['errors'][path] = str(e)
        try:
            run_train([path, '--work-dir', sys.argv[1]])
        except ToolError as e:
            out['errors']['train ' + path] = str(e)
    out['loaded'] = sorted(m for m in sys.modules if m.split('.')[0] in HIDDEN)
    print('RESULT ' + json.dumps(out))
''')


def test_detection_only_environment(tmp_path):
    proc = subprocess.run([sys.executable, '-c', DET_ONLY, str(tmp_path), 'mmseg,mmpretrain'],
                          cwd=ROOT,
                          capture_output=True, text=True, timeout=600,
                          env={**os.environ, 'PYTHONPATH': ROOT})
    lines = [ln for ln in proc.stdout.splitlines() if ln.startswith('RESULT ')]
    assert proc.returncode == 0 and lines, proc.stderr[-3000:]
    out = json.loads(lines[-1][len('RESULT '):])
    assert out['scopes'] == ['mmdet']
    assert out['loaded'] == []
    det_configs = sorted(p for p in out['built']) + sorted(
        p for p in out['errors'] if p.startswith('configs/det/'))
    mobileone = [p for p in det_configs if 'mobileone' in p]
    assert len(det_configs) >= 7 and mobileone == ['configs/det/picodet_mobileone_s1_coco.py']
    assert set(out['built']) == set(det_configs) - set(mobileone)
    assert set(out['built'].values()) <= {'PicoDet', 'SingleStageDetector', 'GFL'}, out['built']
    for path, message in out['errors'].items():
        assert '\n' not in message
        needs = 'mmpretrain' if 'mobileone' in path else 'mmsegmentation'
        assert f'needs {needs}, which is not installed' in message, (path, message)
        assert osp.basename(path.split()[-1]) in message
    assert "pip install 'pplc_vision[seg]'" in out['errors'][
        'train configs/seg/deeplabv3plus_pplcnet_0.5x_os32_cityscapes.py']
    assert "model.backbone type='MobileOne'" in out['errors'][mobileone[0]]


CLS_DEPLOY_WITHOUT_MMDET = HIDE + textwrap.dedent('''
    import glob, json, os.path as osp
    import pplc_vision
    from pplc_vision.deploy import Predictor
    from pplc_vision.deploy.config_export import export_config_onnx
    from pplc_vision.registry import INSTALLED_SCOPES

    config = 'configs/cls/pplcnet_0.5x_demo-fashion-mnist.py'
    onnx = export_config_onnx(config, osp.join(sys.argv[1], 'cls.onnx'), (64, 64))
    predictor = Predictor(config, onnx, engine='onnxruntime', threads=1)
    photo = sorted(glob.glob('data/demo_cls/val/*/*.png'))[0]
    prediction = predictor(photo)
    # a segmenter's task reads its test pipeline and class names without mmdet too
    from mmengine.config import Config
    from pplc_vision.deploy.tasks import task_for
    seg = task_for(Config.fromfile('configs/seg/deeplabv3plus_pplcnet_0.5x_os32_demo-cityscapes.py'))
    out = dict(scopes=sorted(INSTALLED_SCOPES),
               seg_pipeline=[t['type'] for t in seg.inference_pipeline()],
               seg_classes=len(seg.class_names(19)),
               topk=[c['category'] for c in prediction.to_json()['topk']],
               loaded=sorted(m for m in sys.modules if m.split('.')[0] in HIDDEN))
    print('RESULT ' + json.dumps(out))
''')


def test_classification_deploys_without_mmdet(tmp_path):
    """Deployment needs the task's library only: with mmdet hidden, the classification task
    exports its config's model and the predictor runs it, and the segmentation task reads its
    config's test pipeline and classes."""
    proc = subprocess.run([sys.executable, '-c', CLS_DEPLOY_WITHOUT_MMDET, str(tmp_path),
                           'mmdet'], cwd=ROOT, capture_output=True, text=True, timeout=600,
                          env={**os.environ, 'PYTHONPATH': ROOT, 'OMP_NUM_THREADS': '1'})
    lines = [ln for ln in proc.stdout.splitlines() if ln.startswith('RESULT ')]
    assert proc.returncode == 0 and lines, proc.stderr[-3000:]
    out = json.loads(lines[-1][len('RESULT '):])
    assert out['scopes'] == ['mmpretrain', 'mmseg'] and out['loaded'] == []
    assert out['seg_pipeline'] == ['Resize', 'PackSegInputs'] and out['seg_classes'] == 19
    # the five best classes, named as the config's data names them
    classes = open(osp.join(ROOT, 'data', 'demo_cls', 'meta', 'classes.txt')).read().split()
    assert len(out['topk']) == 5 and set(out['topk']) <= set(classes), out


# what setup.cfg's package_data ships from the repository's configs/ and tools/ (pplc_vision/.mim)
SHIPPED = {'configs': ('.py', '.md'), 'tools': ('.py', '.sh')}
PACKAGED_CONFIG = 'det/picodet_pplcnet_1x_coco.py'


def _shipped_files() -> set:
    out = set()
    for folder, suffixes in SHIPPED.items():
        for where, dirs, names in os.walk(osp.join(ROOT, folder)):
            dirs[:] = [d for d in dirs if d != '__pycache__']
            out.update(f'pplc_vision/.mim/{osp.relpath(osp.join(where, n), ROOT)}'
                       for n in names if n.endswith(suffixes))
    return out


@pytest.fixture(scope='module')
def installed_wheel(tmp_path_factory):
    """The wheel ``pip wheel`` builds from a copy of the checkout (links kept as links), and
    that wheel unpacked as pip installs a pure-Python wheel (package + dist-info)."""
    tmp = tmp_path_factory.mktemp('wheel')
    src = tmp / 'src'
    for name in ('pplc_vision', 'configs', 'tools'):
        shutil.copytree(osp.join(ROOT, name), src / name, symlinks=True,
                        ignore=shutil.ignore_patterns('__pycache__'))
    for name in ('setup.cfg', 'pyproject.toml', 'README.md', 'LICENSE'):
        shutil.copy(osp.join(ROOT, name), src / name)
    proc = subprocess.run([sys.executable, '-m', 'pip', 'wheel', str(src), '--no-deps',
                           '--no-build-isolation', '-q', '-w', str(tmp / 'dist')],
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    wheel, = (tmp / 'dist').glob('pplc_vision-*.whl')
    site = tmp / 'site'
    with zipfile.ZipFile(wheel) as archive:
        archive.extractall(site)
    return wheel, site


def test_wheel_ships_configs_and_tools_as_files(installed_wheel):
    wheel, _ = installed_wheel
    with zipfile.ZipFile(wheel) as archive:
        entries = {i.filename: i for i in archive.infolist()}
    shipped = {n for n in entries if n.startswith('pplc_vision/.mim/')}
    assert shipped == _shipped_files() | {'pplc_vision/.mim/model-index.yml'}
    links = [n for n in shipped if stat.S_ISLNK(entries[n].external_attr >> 16)]
    assert not links and all(entries[n].file_size > 0 for n in shipped), links
    assert osp.islink(osp.join(ROOT, 'pplc_vision', '.mim', 'configs'))  # one copy in git


PACKAGED_NAMES = textwrap.dedent('''
    import json, sys
    import pplc_vision
    import torch
    from mmengine.config import Config
    from mmengine.dataset import Compose
    from mmengine.hub import get_config
    from mmengine.registry import MODELS, init_default_scope

    hub = get_config('pplc_vision::%s')
    downstream = Config.fromfile(sys.argv[1])
    loaded = json.loads(json.dumps(downstream.to_dict()))  # before building fills in defaults
    # mmengine gives the base's components _scope_='pplc_vision': they build as a Runner builds
    init_default_scope(downstream.default_scope)
    model = MODELS.build(downstream.model).eval()
    pipeline = Compose(downstream.test_pipeline)
    with torch.no_grad():
        scores = model(torch.zeros(1, 3, 64, 64), mode='tensor')[0]
    print('RESULT ' + json.dumps(dict(
        package=pplc_vision.__file__, hub=hub.to_dict(), downstream=loaded,
        model=type(model).__name__, backbone=type(model.backbone).__name__,
        classes=[s.shape[1] for s in scores],
        pipeline=[type(t).__name__ for t in pipeline.transforms])))
''' % PACKAGED_CONFIG)


def _without_scope(node):
    """A config dict without the ``_scope_`` keys mmengine adds to a ``pkg::`` base."""
    if isinstance(node, dict):
        return {k: _without_scope(v) for k, v in node.items() if k != '_scope_'}
    if isinstance(node, list):
        return [_without_scope(v) for v in node]
    return node


def test_packaged_config_names_load_outside_the_checkout(installed_wheel, tmp_path):
    """``pplc_vision::det/...`` loads with the installed wheel only (no checkout on the path,
    the working directory elsewhere), and a downstream config built on it builds its model and
    pipeline in mmdet's scope. (An editable install is not enough: mmengine looks for the
    configs next to the distribution's metadata, in site-packages.)"""
    _, site = installed_wheel
    downstream = tmp_path / 'my_picodet.py'
    downstream.write_text(f"_base_ = 'pplc_vision::{PACKAGED_CONFIG}'\n"
                          "model = dict(bbox_head=dict(num_classes=3))\n")
    proc = subprocess.run([sys.executable, '-c', PACKAGED_NAMES, str(downstream)],
                          cwd=tmp_path, capture_output=True, text=True, timeout=300,
                          env={**os.environ, 'PYTHONPATH': str(site), 'OMP_NUM_THREADS': '1'})
    lines = [ln for ln in proc.stdout.splitlines() if ln.startswith('RESULT ')]
    assert proc.returncode == 0 and lines, proc.stderr[-3000:]
    # mmengine's fallback when a scope has no registry (logged, not raised) did not happen
    assert 'Failed to search registry' not in proc.stdout + proc.stderr, proc.stdout[-3000:]
    out = json.loads(lines[-1][len('RESULT '):])
    assert out['package'].startswith(str(site))  # the installed copy, not the checkout's
    from mmengine.config import Config
    ours = json.loads(json.dumps(Config.fromfile(osp.join(ROOT, 'configs', PACKAGED_CONFIG))
                                 .to_dict()))
    assert out['hub'] == ours
    ours['model']['bbox_head']['num_classes'] = 3
    assert _without_scope(out['downstream']) == ours
    assert out['downstream']['model']['_scope_'] == 'pplc_vision'
    assert (out['model'], out['backbone']) == (ours['model']['type'], 'PPLCNet')
    assert set(out['classes']) == {3}
    assert out['pipeline'] == [t['type'] for t in ours['test_pipeline']]
