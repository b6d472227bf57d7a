"""README.md and the docs agree with the repository (issue 34).

For README.md, docs/*.md and data/*.md: every repository path they name exists (globs and
``{a,b}`` alternatives match something; generated and upstream paths are excluded by the stated
lists below), every relative link and ``#anchor`` resolves, every ``configs/...py`` they name
loads with mmengine's ``Config.fromfile``, every ``python tools/X.py`` command names a tool that
exists and only flags its ``--help`` lists, every test a claim cites (``file.py::test_name``)
exists, and the config counts README states are the repository's. Every command of README's
bash blocks is run by a named test or excluded with its reason (data or weights not here). The checks are pure functions of a document's text, so a broken document is shown
to fail too (``test_a_broken_document_is_caught``). No training: the tools' ``--help`` is read in
one subprocess.
"""
import glob
import json
import os
import re
import runpy
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Dict, Iterable, List

import pytest
from mmengine.config import Config

ROOT = Path(__file__).resolve().parents[1]
DOCS = ['README.md'] + sorted(str(p.relative_to(ROOT)) for p in (ROOT / 'docs').glob('*.md')) + \
    sorted(str(p.relative_to(ROOT)) for p in (ROOT / 'data').glob('*.md'))
# repository paths are recognised by their first folder (or as these top-level files)
ROOTS = ('configs', 'tools', 'pplc_vision', 'data', 'docs', 'tests', 'requirements', '.ci')
TOP_FILES = ('LICENSE', 'CITATION.cff', 'CHANGELOG.md', 'setup.cfg', 'pyproject.toml')
# made by the commands the docs show (outputs, datasets the user downloads), not in the repository
GENERATED = ('work_dirs/', 'checkpoints/', 'data/coco/', 'data/imagenet/', 'data/cityscapes/',
             'data/labelme_street', 'data/ssld_unlabelled/', 'data/mainbody/', 'data/publaynet/',
             'data/cdla/', 'data/aic/', 'data/mine/')
# upstream repositories' paths, quoted as theirs (PaddleDetection's configs, PaddleClas' docs)
UPSTREAM = ('configs/picodet/', 'configs/keypoint/', 'docs/en/', 'docs/zh_CN/')
# the authors' yaml configs (ours are .py): PaddleSeg's configs/_base_/cityscapes.yml, ...
UPSTREAM_SUFFIXES = ('.yml', '.yaml')
# scripts whose extra arguments go to tools/train.py
PASSES_TO = {'tools/dist_train.sh': 'tools/train.py', 'tools/run_demo.sh': 'tools/train.py',
             'tools/dist_test.sh': 'tools/test.py'}

_PATH = re.compile(r'(?<![\w./<>-])((?:%s)/[\w./{},*<>+-]*|(?:%s)(?![\w.-]))' % (
    '|'.join(re.escape(r) for r in ROOTS), '|'.join(re.escape(f) for f in TOP_FILES)))
_LINK = re.compile(r'\]\(([^)\s]+)\)')
_COMMAND = re.compile(r'(?:python|bash) ((?:tools)/[\w/]+\.(?:py|sh))([^`\n]*)')
_COUNT = re.compile(r'(\d+)(?:\s+configs?)?\s+in\s+`(configs/[\w./-]*?)/?`(\s+itself)?')
_TOTAL = re.compile(r'(?:holds|all)\s+(\d+)\s+configs\b')
# `test_x.py`, `dir/test_x.py::test_name` and `::test_name` (of the file named last)
_TEST_REF = re.compile(r'`((?:[\w/]+/)?test_\w+\.py)?(?:::(\w+))?`')


def expand_braces(path: str) -> List[str]:
    """``a/{b,c}/d`` -> ``['a/b/d', 'a/c/d']`` (nested and repeated alternatives too)."""
    match = re.search(r'\{([^{}]*)\}', path)
    if not match:
        return [path]
    return [p for alt in match.group(1).split(',') for p in
            expand_braces(path[:match.start()] + alt + path[match.end():])]


def named_paths(text: str) -> List[str]:
    """Repository paths a document names, trailing punctuation stripped, generated and upstream
    paths left out."""
    paths = []
    for raw in _PATH.findall(text):
        path = raw.rstrip('.,;:)')
        if not path.startswith(GENERATED + UPSTREAM) and not path.endswith(UPSTREAM_SUFFIXES) \
                and path not in {g.rstrip('/') for g in GENERATED}:
            paths.append(path)
    return paths


def path_exists(path: str) -> bool:
    for candidate in expand_braces(re.sub(r'<[^<>]*>', '*', path)):
        if glob.has_magic(candidate):
            if not glob.glob(str(ROOT / candidate)):
                return False
        elif not (ROOT / candidate).exists():
            return False
    return True


def github_anchor(heading: str) -> str:
    """The id GitHub gives a heading: lower case, punctuation dropped, spaces to hyphens."""
    return re.sub(r'[^\w\- ]', '', heading.strip().lower()).replace(' ', '-')


def anchors(text: str) -> set:
    return {github_anchor(h) for h in re.findall(r'^#+ (.+)$', strip_code(text), re.M)}


def strip_code(text: str) -> str:
    """The text without its fenced code blocks (their ``#`` lines are comments, not headings)."""
    return re.sub(r'^```.*?^```', '', text, flags=re.M | re.S)


def commands(text: str) -> List[tuple]:
    """``(tool, flags)`` of every ``python tools/X.py ...`` / ``bash tools/X.sh ...`` command, in
    code blocks (continuation lines joined, comments dropped) and in inline code."""
    joined = re.sub(r'\\\n\s*', ' ', text)
    found = []
    for line in joined.splitlines():
        line = re.sub(r'\s#\s.*$', '', line)
        for tool, rest in _COMMAND.findall(line):
            flags = re.findall(r'(?<![\w-])(--[a-z][\w-]*)', rest)
            found.append((tool, flags))
    return found


def stated_counts(text: str) -> List[tuple]:
    """``(stated number, folder, recursive)`` for each config count a document states."""
    counts = [(int(n), folder, not itself) for n, folder, itself in _COUNT.findall(text)]
    counts += [(int(n), 'configs', True) for n in _TOTAL.findall(text)]
    return counts


def missing_test_references(text: str) -> List[str]:
    """The test files and test functions a document names (README's guarantees name the test
    of each claim) that the repository does not have."""
    problems, current = [], None
    for file, function in _TEST_REF.findall(text):
        if file:
            name = file[len('tests/'):] if file.startswith('tests/') else file
            found = sorted((ROOT / 'tests').rglob(name)) if '/' not in name else \
                [ROOT / 'tests' / name] if (ROOT / 'tests' / name).is_file() else []
            if not found:
                problems.append(f'names the test file {file}, which does not exist')
                current = None
                continue
            current = found[0]
        if function:
            if current is None:
                problems.append(f'names ::{function} without a test file before it')
            elif not re.search(rf'^def {function}\(', current.read_text(), re.M):
                problems.append(f'names {current.relative_to(ROOT)}::{function}, which does '
                                'not exist')
    return problems


def config_count(folder: str, recursive: bool) -> int:
    pattern = '**/*.py' if recursive else '*.py'
    return sum(1 for p in (ROOT / folder).glob(pattern) if '_base_' not in p.parts)


def doc_problems(name: str, text: str, helps: Dict[str, str]) -> List[str]:
    """Everything in ``text`` (the document ``name``) that disagrees with the repository."""
    problems = []
    for path in named_paths(text):
        if not path_exists(path):
            problems.append(f'{name}: names {path}, which does not exist')
    folder = (ROOT / name).parent
    own = anchors(text)
    for target in _LINK.findall(text):
        if target.startswith(('http://', 'https://', 'mailto:')):
            continue
        file, _, anchor = target.partition('#')
        linked = (folder / file).resolve() if file else ROOT / name
        if not linked.exists():
            problems.append(f'{name}: links to {target}, which does not exist')
        elif anchor and anchor not in (anchors(linked.read_text()) if file else own):
            problems.append(f'{name}: links to #{anchor}, which is no heading of {file or name}')
    for tool, flags in commands(text):
        if not (ROOT / tool).is_file():
            problems.append(f'{name}: runs {tool}, which does not exist')
            continue
        target = PASSES_TO.get(tool, tool)
        if target.endswith('.py'):
            for flag in flags:
                if not re.search(rf'(?<![\w-]){re.escape(flag)}(?![\w-])', helps.get(target, '')):
                    problems.append(f'{name}: {tool} {flag}: not an option of {target} '
                                    '(its --help)')
    problems += [f'{name}: {p}' for p in missing_test_references(text)]
    for stated, folder, recursive in stated_counts(text):
        actual = config_count(folder, recursive)
        if stated != actual:
            problems.append(f'{name}: says {stated} configs in {folder}'
                            f'{"" if recursive else " itself"}, the repository has {actual}')
    return problems


_HELP_SCRIPT = textwrap.dedent('''
    import contextlib, io, json, runpy, sys
    try:  # paddle before torch in a process (reproduce_tables.py imports it)
        import paddle  # noqa: F401
    except ImportError:
        pass
    helps = {}
    for tool in sys.argv[1:]:
        out = io.StringIO()
        sys.argv = [tool, '--help']
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(out):
            try:
                runpy.run_path(tool, run_name='__main__')
            except SystemExit:
                pass
        helps[tool] = out.getvalue()
    print(json.dumps(helps))
''')


def tool_helps(tools: Iterable[str]) -> Dict[str, str]:
    """Each Python tool's ``--help`` text, all read in one fresh interpreter."""
    tools = sorted(set(tools))
    done = subprocess.run([sys.executable, '-c', _HELP_SCRIPT, *tools], cwd=ROOT,
                          capture_output=True, text=True, timeout=300,
                          env=dict(os.environ, PYTHONPATH=str(ROOT)))
    assert done.returncode == 0, done.stderr[-2000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


@pytest.fixture(scope='module')
def texts() -> Dict[str, str]:
    return {name: (ROOT / name).read_text() for name in DOCS}


@pytest.fixture(scope='module')
def helps(texts) -> Dict[str, str]:
    named = {PASSES_TO.get(tool, tool) for text in texts.values() for tool, _ in commands(text)}
    return tool_helps(t for t in named if t.endswith('.py') and (ROOT / t).is_file())


def test_docs_agree_with_the_repository(texts, helps):
    assert 'README.md' in texts and 'docs/benchmarks.md' in texts and 'data/README.md' in texts
    # the extraction sees what it should (a check that found nothing would pass vacuously)
    readme = texts['README.md']
    assert 'configs/det/picodet_pplcnet_1x_coco.py' in named_paths(readme)
    assert ('tools/train.py', []) in commands(readme)
    assert len(_TEST_REF.findall(readme)) >= 20  # the guarantees name their tests
    assert {folder for _, folder, _ in stated_counts(readme)} >= {
        'configs', 'configs/cls', 'configs/det', 'configs/seg'}
    assert len(helps) >= 10 and '--cfg-options' in helps['tools/train.py']
    problems = [p for name, text in texts.items() for p in doc_problems(name, text, helps)]
    assert problems == [], '\n'.join(problems)


def test_every_config_named_loads(texts):
    named = sorted({p for text in texts.values() for p in named_paths(text)
                    if p.startswith('configs/') and p.endswith('.py') and
                    not glob.has_magic(p) and '{' not in p and '<' not in p})
    assert len(named) >= 30, named
    failures = []
    for path in named:
        try:
            Config.fromfile(str(ROOT / path))
        except Exception as e:  # noqa: BLE001  (any failure to load is the finding)
            failures.append(f'{path}: {type(e).__name__}: {str(e).splitlines()[0][:200]}')
    assert failures == [], '\n'.join(failures)


def test_readme_keeps_the_two_commands_first_and_the_guarantees(texts):
    readme = texts['README.md']
    first_block = re.search(r'```bash\n(.*?)```', readme, re.S).group(1)
    assert [line.split('#')[0].strip() for line in first_block.strip().splitlines()] == [
        'bash tools/run_demo.sh', 'bash tools/run_tests.sh']
    assert 'bash tools/run_tests.sh' in (ROOT / '.ci' / 'run').read_text()
    assert '### What the tools guard' in readme
    assert 'python tools/train.py configs/det/picodet_pplcnet_1x_coco.py' in readme


def test_a_broken_document_is_caught(helps):
    broken = textwrap.dedent('''
        # Title

        See `configs/det/picodet_pplcnet_3x_coco.py` and [the guide](docs/nowhere.md), and
        [a section](#no-such-heading); `configs/cls/{pplcnet_1x,pplcnet_9x}_in1k.py`.
        `configs/` holds 3 configs: 2 configs in `configs/seg`.

        ```bash
        python tools/train.py configs/cls/pplcnet_1x_in1k.py --work-dri out \\
            --cfg-options a=1   # --not-a-flag in a comment is ignored
        python tools/nothing.py x
        ```
        Checked by `test_docs.py::test_nothing_here` and `::test_a_broken_document_is_caught`.
        Generated ones are fine: `work_dirs/x/epoch_1.pth`, `data/coco/annotations/`.
    ''')
    problems = doc_problems('README.md', broken, helps)
    expected = [
        'names configs/det/picodet_pplcnet_3x_coco.py',
        'names configs/cls/{pplcnet_1x,pplcnet_9x}_in1k.py',
        'links to docs/nowhere.md',
        'names docs/nowhere.md',
        'links to #no-such-heading',
        'tools/train.py --work-dri: not an option',
        'runs tools/nothing.py',
        'names tools/nothing.py',
        'says 3 configs in configs,',
        'says 2 configs in configs/seg,',
        'names tests/test_docs.py::test_nothing_here, which does not exist',
    ]
    for fragment in expected:
        assert any(fragment in p for p in problems), (fragment, problems)
    assert len(problems) == len(expected), problems


# Every command of README's bash blocks is run by a test, or excluded here with its reason.
RUN_BY_TESTS = {
    'bash tools/run_demo.sh': 'tests/test_det/test_run_demo.py',
    'python tools/deployment/export_onnx.py configs/det/picodet_pplcnet_1x_demo-voc.py':
        'tests/test_tools/test_readme_deployment.py',
    'python tools/deployment/infer.py configs/det/picodet_pplcnet_1x_demo-voc.py':
        'tests/test_tools/test_readme_deployment.py',
    'python tools/analysis_tools/get_flops.py': 'tests/test_docs.py',
}
EXCLUDED = (  # (pattern of the command, why no test runs it as written)
    (r'^bash tools/run_tests\.sh', 'the test suite itself'),
    (r'^python tools/analysis_tools/latency\.py',
     'a timing run of minutes; tests/test_deploy/test_latency_tool.py runs the tool briefly'),
    (r'^python tools/model_converters/', "needs the authors' downloaded .pdparams/.safetensors"),
    (r'_coco\.py|_cityscapes\.py|_in1k\.py',
     'needs COCO, Cityscapes or ImageNet, or weights trained or converted from them'),
)


def readme_commands(text: str) -> List[str]:
    """The commands of README's bash blocks, continuation lines joined, comments dropped."""
    found = []
    for block in re.findall(r'```bash\n(.*?)```', text, re.S):
        for line in re.sub(r'\\\n\s*', ' ', block).splitlines():
            line = re.sub(r'\s#\s.*$', '', line).strip()
            if line and not line.startswith('#'):
                found.append(line)
    return found


def test_every_readme_command_is_run_or_excluded_by_name(texts, monkeypatch, capsys):
    commands = readme_commands(texts['README.md'])
    assert len(commands) >= 20
    unaccounted = [c for c in commands if not any(c.startswith(p) for p in RUN_BY_TESTS) and
                   not any(re.search(p, c) for p, _ in EXCLUDED)]
    assert unaccounted == [], 'README commands no test runs and no exclusion names:\n' + \
        '\n'.join(unaccounted)
    for prefix, test in RUN_BY_TESTS.items():
        assert any(c.startswith(prefix) for c in commands), f'README no longer runs {prefix}'
        assert (ROOT / test).is_file()
    # this file's own: get_flops.py as README writes it prints README's Table 2 figures
    flops = next(c for c in commands if c.startswith('python tools/analysis_tools/get_flops.py'))
    argv = flops.split()[1:]  # in this process: its libraries are loaded once per worker
    monkeypatch.chdir(ROOT)
    monkeypatch.setattr(sys, 'argv', argv)
    runpy.run_path(str(ROOT / argv[0]), run_name='__main__')
    out = capsys.readouterr().out
    params = re.search(r'^params: ([\d.]+) M$', out, re.M).group(1)
    macs = float(re.search(r'^MACs: ([\d.]+) M', out, re.M).group(1))
    assert f'| PP-LCNet-1x | 3.0 | {params} | 161 | {macs:.1f} |' in texts['README.md'], out
