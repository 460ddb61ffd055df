"""Optimizers as pure update functions over explicit state, vectorized over N runs at once.

``make("adam", lr=0.1)`` builds one; ``OPTIMIZERS`` is the registry (see ``registry.py``) of
the built-in files. ``base.py`` says what an optimizer is, ``ops.py`` where an update writes
(the pure and the in-place, engine, path), ``file_format.py`` what an optimizer file holds,
``compiled.py`` how one becomes an ``Optimizer``. Semantics and defaults follow ``torch.optim``
exactly.
"""

from .base import Optimizer
from .ops import ALLOCATE, InPlace
from .registry import OPTIMIZERS, defaults, factory, known, make, names, rule

__all__ = ["ALLOCATE", "OPTIMIZERS", "InPlace", "Optimizer", "defaults", "factory", "known",
           "make", "names", "rule"]
