"""Dealix application shell: settings, logging and the ``dealix`` command line.

Domain layers live in their own top-level packages (``tools``, ``skills``, ``agents``,
``graphs``, ``api``, ``evals``); this package only wires them together.
"""

__version__ = "0.1.0"
