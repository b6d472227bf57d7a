"""Paths and a config loader shared by the MobileOne tests."""
from pathlib import Path

from mmengine.config import Config

CONFIGS = Path(__file__).resolve().parents[2] / 'configs'
DET_CONFIG = CONFIGS / 'det' / 'picodet_mobileone_s1_coco.py'
SEG_CONFIG = CONFIGS / 'seg' / 'deeplabv3plus_mobileone_s1_os32_cityscapes.py'
WD_ANNEAL = CONFIGS / '_base_' / 'schedules' / 'mobileone_wd_anneal.py'


def load_config(path: Path, anneal_weight_decay: bool, tmp_dir: Path) -> Config:
    """A config file with its ``anneal_weight_decay`` switch set as asked.

    The switch is a plain variable of the file (mmengine configs evaluate their ``if`` once), so
    switching it on means a copy of the file, in ``tmp_dir``, with the value changed and absolute
    ``_base_`` paths.
    """
    if not anneal_weight_decay:
        return Config.fromfile(str(path))
    text = path.read_text()
    assert 'anneal_weight_decay = False' in text, f'{path}: the switch is missing'
    text = (text.replace('anneal_weight_decay = False', 'anneal_weight_decay = True')
            .replace("'../", f"'{path.parent.parent}/").replace("'./", f"'{path.parent}/"))
    copy = tmp_dir / path.name
    copy.write_text(text)
    return Config.fromfile(str(copy))
