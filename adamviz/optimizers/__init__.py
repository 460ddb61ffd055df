"""Optimizers as pure update functions over explicit state, vectorized over N runs at once.

``make("adam", lr=0.1)`` builds one; ``OPTIMIZERS`` is the registry (see ``registry.py``);
``base.py`` says what an optimizer is and ``ops.py`` how one update serves both the pure and
the in-place (engine) path. Semantics and defaults follow ``torch.optim`` exactly.
"""

from .base import Optimizer
from .ops import ALLOCATE, InPlace
from .registry import OPTIMIZERS, defaults, factory, known, make, names, rule

__all__ = ["ALLOCATE", "OPTIMIZERS", "InPlace", "Optimizer", "defaults", "factory", "known",
           "make", "names", "rule"]
