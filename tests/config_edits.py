"""A config of configs/ with lines of its parameter block edited, as a user edits them: the
copy lives elsewhere, so its relative ``_base_`` paths are made absolute."""
import re
from pathlib import Path

from mmengine.config import Config


def edited_config(path: Path, out_dir: Path, **values: str) -> Config:
    """Load a copy of ``path`` in which each ``name = ...`` line becomes ``name = values[name]``
    (Python source text); every name must have exactly one such line."""
    text = path.read_text()
    for name, value in values.items():
        text, count = re.subn(rf'^{name} = .*$', f'{name} = {value}', text, flags=re.M)
        if count != 1:
            raise ValueError(f'{path}: {count} lines assign {name}, expected one')
    # '../_base_/x.py' and './y.py' are relative to the original file's folder
    text = re.sub(r"'(\.\.?/[^']+\.py)'", lambda m: repr(str((path.parent / m.group(1))
                                                             .resolve())), text)
    copy = out_dir / path.name
    copy.write_text(text)
    return Config.fromfile(str(copy))
