"""README's deployment commands run as written (the block after "Running an exported model"): the
export with ``--head-outputs`` and ``tools/deployment/infer.py`` on the demo photos, in a copy of
the repository's layout where the demo checkpoint they name exists (written here from the demo
config's freshly initialised model: training it is the main job's business, not this test's)."""
import json
import os
import re
import shlex
import subprocess
import sys
from typing import List

import torch
from mmengine.config import Config

from pplc_vision.apis import build_model_from_config

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def readme_deployment_commands() -> List[str]:
    """The commands of the bash block that follows README's predictor paragraph."""
    with open(os.path.join(ROOT, 'README.md')) as f:
        text = f.read()
    start = text.index('Running an exported model')
    block = re.search(r'```bash\n(.*?)```', text[start:], re.S).group(1)
    return [line for line in block.replace('\\\n', ' ').splitlines() if line.strip()]


def test_readme_deployment_commands_run_as_written(tmp_path):
    commands = readme_deployment_commands()
    assert [shlex.split(c)[1] for c in commands] == [
        'tools/deployment/export_onnx.py', 'tools/deployment/infer.py']
    for name in ('configs', 'data', 'tools'):
        os.symlink(os.path.join(ROOT, name), tmp_path / name)
    args = shlex.split(commands[0])
    checkpoint = tmp_path / args[args.index('--checkpoint') + 1]
    checkpoint.parent.mkdir(parents=True)
    model = build_model_from_config(Config.fromfile(os.path.join(ROOT, args[2])))
    model.init_weights()
    torch.save(dict(state_dict=model.state_dict(), meta=dict()), checkpoint)
    env = dict(os.environ, PYTHONPATH=ROOT)
    for command in commands:
        argv = shlex.split(command)
        assert argv[0] == 'python'
        done = subprocess.run([sys.executable, *argv[1:]], cwd=tmp_path, env=env,
                              capture_output=True, text=True, timeout=600)
        assert done.returncode == 0, f'{command}\n{done.stderr[-2000:]}'
    infer = shlex.split(commands[1])
    out = tmp_path / infer[infer.index('--out') + 1]
    results = json.loads(out.read_text())
    photos = sorted(os.listdir(os.path.join(ROOT, 'data', 'demo_coco', 'images')))
    assert results['task'] == 'detection' and len(photos) > 0
    assert {os.path.basename(p['image']) for p in results['predictions']} <= set(photos)
    drawn = os.listdir(tmp_path / infer[infer.index('--show-dir') + 1])
    assert sorted(drawn) == photos
