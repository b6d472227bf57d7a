"""``--cfg-options NAME=VALUE`` on a config's parameter recomputes what the config derives from it.

Configs keep the values a user changes as top-level names ("parameters that often need to be
modified": ``data_root``, ``num_classes``, ``input_size``, ...) and compute the rest from them
(``ann_file=data_root + 'annotations.json'``, ``bbox_head=dict(num_classes=num_classes)``).
mmengine runs each config file once and applies ``--cfg-options`` to the result, so overriding
``data_root`` alone would change that one key and leave every path computed from it pointing at
the old data.

For an override of a plain name (no dot) that a config file of the chain assigns at top level,
:func:`load_with_parameters` loads a copy of the chain in which each such assignment holds the
new value: every value derived from it is computed again, in base files too, exactly as if the
user had edited the files. :func:`derived_changes` lists the keys that changed with it, which
the tools print. Chains that name a base config by package (``mmdet::...``) keep that base as it
is: a parameter assigned only there is applied as a plain override.
"""
import ast
import os
import os.path as osp
import shutil
import tempfile
from typing import Any, Dict, Iterator, List, Mapping, Set, Tuple

from mmengine.config import Config


def config_chain(path: str) -> List[str]:
    """``path`` and the local files it inherits from, recursively (absolute paths, each once)."""
    chain: List[str] = []

    def visit(file: str) -> None:
        file = osp.abspath(file)
        if file in chain:
            return
        chain.append(file)
        for base in Config._get_base_files(file):
            if '::' not in base:  # 'mmdet::...' names a config of an installed package
                visit(osp.join(osp.dirname(file), base))

    visit(path)
    return chain


def _top_level_assignments(source: str, name: str) -> List[ast.expr]:
    """The value nodes of the top-level ``name = ...`` statements of a config's source."""
    values = []
    for node in ast.parse(source).body:
        if isinstance(node, ast.Assign) and any(
                isinstance(t, ast.Name) and t.id == name for t in node.targets):
            values.append(node.value)
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name) \
                and node.target.id == name and node.value is not None:
            values.append(node.value)
    return values


def assigned_names(path: str) -> Set[str]:
    """Every name that a file of ``path``'s chain assigns at top level."""
    names: Set[str] = set()
    for file in config_chain(path):
        with open(file, encoding='utf-8') as f:
            for node in ast.parse(f.read()).body:
                targets = node.targets if isinstance(node, ast.Assign) else \
                    [node.target] if isinstance(node, ast.AnnAssign) else []
                names |= {t.id for t in targets if isinstance(t, ast.Name)}
    return names


def with_values(source: str, values: Mapping[str, Any]) -> str:
    """``source`` with the value of each top-level assignment of a name of ``values`` replaced
    by that value's ``repr`` (Python literals, as ``--cfg-options`` parses them)."""
    lines = source.splitlines(keepends=True)
    offsets = [0]
    for line in lines:
        offsets.append(offsets[-1] + len(line.encode('utf-8')))
    encoded = source.encode('utf-8')
    spans = []
    for name, value in values.items():
        for node in _top_level_assignments(source, name):
            start = offsets[node.lineno - 1] + node.col_offset
            end = offsets[node.end_lineno - 1] + node.end_col_offset
            spans.append((start, end, repr(value).encode('utf-8')))
    for start, end, text in sorted(spans, reverse=True):
        encoded = encoded[:start] + b'(' + text + b')' + encoded[end:]
    return encoded.decode('utf-8')


def parameter_overrides(cfg: Config, path: str, options: Mapping[str, Any]
                        ) -> Tuple[Dict[str, Any], Dict[str, Any]]:
    """Split ``--cfg-options`` into (parameters the chain assigns and derives values from, the
    other options). A parameter is a name without a dot, assigned at top level by a file of the
    chain, whose value is not a dict (dicts are components: an override merges into them)."""
    names = assigned_names(path)
    params = {k: v for k, v in options.items()
              if '.' not in k and k in names and not isinstance(cfg.get(k), dict)}
    return params, {k: v for k, v in options.items() if k not in params}


def load_with_parameters(path: str, params: Mapping[str, Any]) -> Config:
    """``Config.fromfile(path)`` as if every top-level assignment of a name of ``params`` in the
    files of its chain held the given value."""
    chain = config_chain(path)
    root = osp.commonpath([osp.dirname(f) for f in chain])
    with tempfile.TemporaryDirectory(prefix='pplc_cfg_') as tmp:
        for file in chain:
            copy = osp.join(tmp, osp.relpath(file, root))
            os.makedirs(osp.dirname(copy), exist_ok=True)
            with open(file, encoding='utf-8') as f:
                source = f.read()
            with open(copy, 'w', encoding='utf-8') as f:
                f.write(with_values(source, params))
            shutil.copystat(file, copy)
        return Config.fromfile(osp.join(tmp, osp.relpath(chain[0], root)))


def flatten(node: Any, prefix: str = '') -> Iterator[Tuple[str, Any]]:
    """``(dotted key, leaf value)`` of every leaf of a config (lists indexed as ``key.0``)."""
    if isinstance(node, Mapping) and node:
        for key, value in node.items():
            yield from flatten(value, f'{prefix}.{key}' if prefix else str(key))
    elif isinstance(node, (list, tuple)) and node and any(
            isinstance(v, (Mapping, list, tuple)) for v in node):
        for i, value in enumerate(node):
            yield from flatten(value, f'{prefix}.{i}')
    else:
        yield prefix, node


def derived_changes(before: Config, after: Config, params: Mapping[str, Any]) -> List[str]:
    """The keys whose values differ between two loads of a config, other than ``params``."""
    old, new = dict(flatten(before.to_dict())), dict(flatten(after.to_dict()))
    return sorted(k for k in old.keys() | new.keys()
                  if k not in params and old.get(k, KeyError) != new.get(k, KeyError))
