"""The package's import structure: no cycles, arrows one way, every module imports on its own.

- A static graph of the imports that run when a module is imported (module level, not inside
  functions) has no cycle.
- The house rules of ARCHITECTURE: models/ never imports deploy/ or benchmark/, deploy/ never
  imports benchmark/, nothing imports tools/ or configs/.
- converters/ never imports apis/, deploy/ or benchmark/ (the model builder both use is in
  registry.py); deploy/ never imports apis/ or references/ (the authors' models of the tests and
  benchmarks).
- The task is decided in one place, ``pplc_vision.deploy.tasks.task_for``: outside
  ``pplc_vision/deploy/tasks/`` no module compares a task name (``'classification'``, ``'det'``,
  ...) or a config's ``default_scope`` / a task's ``name`` / ``scope`` with anything, nor keys a
  dict literal by a task name (the pattern: :func:`task_name_dispatches`).
- Function-local imports are only for optional heavy dependencies, each with a comment.
- Every module imports first, on its own, in a fresh process (third-party libraries preloaded,
  so each child runs only this package's code).
"""
import ast
import json
import os
import os.path as osp
import subprocess
import sys
from typing import Dict, List, Optional, Set, Tuple

import pytest

ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))
PACKAGE = 'pplc_vision'
# Optional dependencies imported inside functions: absent in a minimal install or slow to import.
OPTIONAL = ('onnx', 'onnxruntime', 'openvino', 'nncf', 'paddle', 'paddleclas', 'timm', 'skimage',
            'matplotlib', 'imgviz', 'labelme', 'onnxsim', 'safetensors', 'cityscapesscripts',
            'threadpoolctl',
            # the task libraries are optional too (setup.cfg's [det], [seg], [cls] extras)
            'mmdet', 'mmseg', 'mmpretrain')


def module_files() -> Dict[str, str]:
    """``{dotted module name: file}`` of every module of the package."""
    out = {}
    for folder, _, files in os.walk(osp.join(ROOT, PACKAGE)):
        for name in files:
            if name.endswith('.py'):
                rel = osp.relpath(osp.join(folder, name), ROOT)[:-3].split(os.sep)
                if rel[-1] == '__init__':
                    rel = rel[:-1]
                out['.'.join(rel)] = osp.join(folder, name)
    return out


MODULES = module_files()


def resolve(module: str, node: ast.ImportFrom) -> str:
    """The absolute name a ``from ... import`` refers to, as seen from ``module``."""
    if not node.level:
        return node.module or ''
    is_package = MODULES[module].endswith('__init__.py')
    parts = module.split('.')
    base = parts if is_package else parts[:-1]
    base = base[:len(base) - node.level + 1]
    return '.'.join(base + ([node.module] if node.module else []))


def imports_of(module: str) -> List[Tuple[str, int, bool]]:
    """``(imported module, line, inside a function)`` for every import of ``module``."""
    tree = ast.parse(open(MODULES[module]).read())
    found = []

    def visit(node: ast.AST, in_function: bool) -> None:
        for child in ast.iter_child_nodes(node):
            local = in_function or isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef,
                                                      ast.Lambda))
            if isinstance(child, ast.Import):
                found.extend((a.name, child.lineno, local) for a in child.names)
            elif isinstance(child, ast.ImportFrom):
                target = resolve(module, child)
                found.append((target, child.lineno, local))
                # ``from pkg import submodule`` imports the submodule too
                found.extend((f'{target}.{a.name}', child.lineno, local) for a in child.names
                             if f'{target}.{a.name}' in MODULES)
            visit(child, local)

    visit(tree, False)
    return found


def import_graph() -> Dict[str, Set[str]]:
    """Module-level imports between the package's modules."""
    return {m: {t for t, _, local in imports_of(m) if not local and t in MODULES and t != m}
            for m in MODULES}


def find_cycle(graph: Dict[str, Set[str]]) -> Optional[List[str]]:
    """One cycle of ``graph`` as a list of nodes, or None."""
    state: Dict[str, int] = {}  # 1: on the current path, 2: done
    path: List[str] = []

    def dfs(node: str) -> Optional[List[str]]:
        state[node] = 1
        path.append(node)
        for nxt in sorted(graph[node]):
            if state.get(nxt) == 1:
                return path[path.index(nxt):] + [nxt]
            if nxt not in state:
                cycle = dfs(nxt)
                if cycle:
                    return cycle
        path.pop()
        state[node] = 2
        return None

    for start in sorted(graph):
        if start not in state:
            cycle = dfs(start)
            if cycle:
                return cycle
    return None


def test_find_cycle_finds_one():
    assert find_cycle({'a': {'b'}, 'b': {'c'}, 'c': {'a'}}) == ['a', 'b', 'c', 'a']
    assert find_cycle({'a': {'b'}, 'b': set(), 'c': {'a', 'b'}}) is None


def test_no_import_cycle():
    assert len(MODULES) > 50
    assert find_cycle(import_graph()) is None


@pytest.mark.parametrize('source,forbidden', [
    ('pplc_vision.models', ('pplc_vision.deploy', 'pplc_vision.benchmark', 'pplc_vision.apis',
                            'pplc_vision.references')),
    ('pplc_vision.converters', ('pplc_vision.apis', 'pplc_vision.deploy',
                                'pplc_vision.benchmark')),
    ('pplc_vision.deploy', ('pplc_vision.benchmark', 'pplc_vision.apis',
                            'pplc_vision.references')),
    ('pplc_vision', ('tools', 'configs')),
])
def test_arrows_point_one_way(source, forbidden):
    wrong = [f'{m}:{line} imports {t}' for m in MODULES if m.startswith(source)
             for t, line, _ in imports_of(m) if t.startswith(forbidden)]
    assert wrong == []


# task names in both vocabularies the package once had, and the scopes that select them
TASK_WORDS = frozenset({'classification', 'detection', 'segmentation', 'cls', 'det', 'seg',
                        'mmpretrain', 'mmdet', 'mmseg'})
# what holds a task's identity: compared with anything, it is a task branch
TASK_HOLDERS = ('default_scope', 'task.name', 'task.scope', '.task ', '.task)', 'task_name')
TASK_MODULE = f'{PACKAGE}.deploy.tasks'
# module-level tables of library scopes that are not task dispatches: the registry's scope ->
# registry map, and the survey's third-party models by the library that builds them
SCOPE_TABLES = {f'{PACKAGE}.registry', f'{PACKAGE}.benchmark.survey'}


def task_name_dispatches(source: str) -> List[str]:
    """``line: code`` of every task branch in ``source``: a comparison (``==``, ``!=``, ``in``)
    with a string of :data:`TASK_WORDS` or with an expression of :data:`TASK_HOLDERS`, and a
    dict literal keyed by :data:`TASK_WORDS`."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Compare):
            operands = [node.left, *node.comparators]
            words = {n.value for o in operands for n in ast.walk(o)
                     if isinstance(n, ast.Constant) and isinstance(n.value, str)}
            text = ' '.join(ast.unparse(o) for o in operands) + ' '
            if words & TASK_WORDS or any(h in text for h in TASK_HOLDERS):
                found.append(f'{node.lineno}: {ast.unparse(node)}')
        elif isinstance(node, ast.Dict):
            keys = {k.value for k in node.keys if isinstance(k, ast.Constant)}
            if keys & TASK_WORDS:
                found.append(f'{node.lineno}: dict keyed by {sorted(keys & TASK_WORDS)}')
    return found


def test_the_task_check_finds_task_branches():
    assert task_name_dispatches("if scope == 'mmdet':\n    pass") == ["1: scope == 'mmdet'"]
    assert task_name_dispatches("x = 'det' in kinds") == ["1: 'det' in kinds"]
    assert task_name_dispatches("y = cfg.get('default_scope') != s") != []
    assert task_name_dispatches("z = self.task.name == wanted") != []
    assert task_name_dispatches("T = {'detection': 1, 'other': 2}") != []
    assert task_name_dispatches("ok = name == 'classifier' and d == {'x': 1}") == []


def test_no_module_but_the_tasks_compares_task_names():
    wrong = [f'{osp.relpath(path, ROOT)}:{hit}' for module, path in sorted(MODULES.items())
             if not module.startswith(TASK_MODULE) and module not in SCOPE_TABLES
             for hit in task_name_dispatches(open(path).read())]
    tools = [osp.join(folder, name) for folder, _, names in os.walk(osp.join(ROOT, 'tools'))
             for name in names if name.endswith('.py')]
    wrong += [f'{osp.relpath(path, ROOT)}:{hit}' for path in sorted(tools)
              for hit in task_name_dispatches(open(path).read())]
    assert wrong == []


def test_function_local_imports_are_optional_dependencies_with_a_comment():
    wrong = []
    for module, path in MODULES.items():
        lines = open(path).read().splitlines()
        for target, line, local in imports_of(module):
            if not local:
                continue
            top = target.split('.')[0]
            text = lines[line - 1] + (lines[line - 2] if line > 1 else '')
            if top not in OPTIONAL or '#' not in text:
                wrong.append(f'{path[len(ROOT) + 1:]}:{line} imports {target}')
    assert sorted(set(wrong)) == []


PRELOAD = r'''
import importlib, json, os, sys
modules = json.loads(sys.stdin.read())
import pplc_vision  # noqa: F401  (find what the package needs, then start clean)
for m in modules:
    importlib.import_module(m)
third_party = sorted(n for n in sys.modules if not n.startswith('pplc_vision')
                     and sys.modules[n] is not None)
print(json.dumps(third_party))
'''

CHILDREN = r'''
import importlib, json, os, sys, traceback
modules, third_party = json.loads(sys.stdin.read())
for name in third_party:
    try:
        importlib.import_module(name)
    except Exception:
        pass
failed = {}
for m in modules:
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # a fresh copy of the process: nothing of pplc_vision imported yet
        os.close(read)
        try:
            importlib.import_module(m)
            message = b''
        except BaseException:
            message = traceback.format_exc().encode()
        os.write(write, message[-4000:])
        os._exit(0)
    os.close(write)
    message = os.read(read, 4096)
    os.close(read)
    os.waitpid(pid, 0)
    if message:
        failed[m] = message.decode(errors='replace')
print(json.dumps(failed))
'''


def test_every_module_imports_first_on_its_own():
    modules = sorted(MODULES)
    probe = subprocess.run([sys.executable, '-c', PRELOAD], input=json.dumps(modules), cwd=ROOT,
                           capture_output=True, text=True, timeout=600)
    assert probe.returncode == 0, probe.stderr[-3000:]
    third_party = json.loads(probe.stdout.strip().splitlines()[-1])
    run = subprocess.run([sys.executable, '-c', CHILDREN], input=json.dumps([modules, third_party]),
                         cwd=ROOT, capture_output=True, text=True, timeout=900)
    assert run.returncode == 0, run.stderr[-3000:]
    failed = json.loads(run.stdout.strip().splitlines()[-1])
    assert failed == {}, '\n'.join(f'{m}:\n{t}' for m, t in failed.items())

