"""Write requirements/lock.txt: the exact set of distributions the project is tested with.

    python tools/update_lock.py            rewrite requirements/lock.txt from this interpreter
    python tools/update_lock.py --check    exit 1 (naming each difference) if they differ

Run it with the project's venv after ``bash tools/setup_env.sh --test`` installed what
setup.cfg's ranges allow (a new torch, say): the versions come from ``importlib.metadata`` of that
interpreter, every installed distribution except pplc_vision itself. setup.cfg declares the ranges
we support; this file pins the one point inside them that CI runs, and setup_env.sh installs
every package with ``-c requirements/lock.txt``.
"""
import argparse
import importlib.metadata
import os.path as osp
import platform
import re
import sys
from typing import Dict

ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))
LOCK = osp.join(ROOT, 'requirements', 'lock.txt')
PROJECT = 'pplc-vision'


def canonical(name: str) -> str:
    """PEP 503 name: lower case, runs of ``-_.`` as one ``-``."""
    return re.sub(r'[-_.]+', '-', name).lower()


def installed_versions() -> Dict[str, str]:
    """``{canonical name: version}`` of every distribution this interpreter sees, but ours."""
    out = {}
    for dist in importlib.metadata.distributions():
        name = canonical(dist.metadata['Name'])
        if name != PROJECT:
            out.setdefault(name, dist.version)  # the first on sys.path is the one imported
    return out


def read_lock(path: str = LOCK) -> Dict[str, str]:
    """``{canonical name: version}`` of a lock file (``name==version`` lines, ``#`` comments)."""
    out = {}
    with open(path) as f:
        for line in f:
            line = line.split('#', 1)[0].strip()
            if line:
                name, sep, version = line.partition('==')
                if not sep:
                    raise ValueError(f'{path}: {line!r} is not name==version')
                out[canonical(name)] = version.strip()
    return out


def render(versions: Dict[str, str]) -> str:
    py = platform.python_version_tuple()
    header = (
        '# The exact set pplc_vision is tested with (CI installs it: tools/setup_env.sh passes\n'
        "# -c requirements/lock.txt to every pip install). The ranges we support are setup.cfg's.\n"
        f'# Written by tools/update_lock.py from importlib.metadata of CPython {py[0]}.{py[1]} on\n'
        f'# {sys.platform} {platform.machine()}; mmcv is built from source by setup_env.sh.\n')
    return header + ''.join(f'{name}=={versions[name]}\n' for name in sorted(versions))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('--check', action='store_true',
                        help='compare instead of writing; exit 1 on any difference')
    args = parser.parse_args()
    have = installed_versions()
    if not args.check:
        with open(LOCK, 'w') as f:
            f.write(render(have))
        print(f'wrote {len(have)} pins to {osp.relpath(LOCK, ROOT)}')
        return 0
    locked = read_lock()
    diffs = [f'{n}: lock {locked.get(n)}, installed {have.get(n)}'
             for n in sorted(set(locked) | set(have)) if locked.get(n) != have.get(n)]
    print('\n'.join(diffs) or 'lock and environment agree')
    return 1 if diffs else 0


if __name__ == '__main__':
    sys.exit(main())
