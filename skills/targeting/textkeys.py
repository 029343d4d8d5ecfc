"""The Targeting OS's match keys: :mod:`tools.textkeys` holds them, at the bottom layer, so the vector
memory's embedder (``tools.memory``) folds text the same way without importing a skill.

Re-exported here for the skills that import them from the Targeting OS.
"""

from tools.textkeys import fold_digits, has_arabic, match_key, normalize_arabic, skeleton

__all__ = ["fold_digits", "has_arabic", "match_key", "normalize_arabic", "skeleton"]
