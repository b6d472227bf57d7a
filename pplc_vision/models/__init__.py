"""Models: backbones (all scopes), layers, and task heads (each in its library's scope)."""
from .backbones import *  # noqa: F401,F403
from .heads import *  # noqa: F401,F403
from .classifiers import DistillImageClassifier  # noqa: F401  (mmpretrain scope)
from . import dense_heads, losses, necks, task_modules  # noqa: F401,E402  (detection: mmdet)
