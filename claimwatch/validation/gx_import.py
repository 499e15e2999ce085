"""Import Great Expectations without what claimwatch never runs of it: SQLAlchemy, and SciPy's statistics and Altair
executed only when first used.

claimwatch validates pandas frames. GX treats SQLAlchemy as optional (its compatibility module stubs it when the
import fails): blocking it saves about 18 MB and 0.3 s. SciPy and Altair are hard dependencies of GX, but only its
KL-divergence and KS-test expectations use them, inside their functions (`stats.kstest`, `alt.Chart`), and no suite
of ours has those; GX imports them at module level all the same. Imported through `importlib.util.LazyLoader`
(the standard library's lazy import, docs.python.org/3/library/importlib.html#implementing-lazy-imports), they
are bound as GX expects and run on first attribute access: measured here, GX's import cost 130 MB of resident
memory with them executed and 53 MB without, and 0.8 s less. Anything that uses them later gets them whole.
"""

from __future__ import annotations

import importlib.abc
import importlib.util
import sys

LAZY = ("scipy.stats", "altair")  # executed on first use, not when GX imports them


class _LazyFinder(importlib.abc.MetaPathFinder):
    """Finds the LAZY modules as the other finders do, and wraps their loader in a LazyLoader."""

    def find_spec(self, name, path, target=None):
        if name not in LAZY:
            return None
        sys.meta_path.remove(self)
        try:
            spec = importlib.util.find_spec(name)
        finally:
            sys.meta_path.insert(0, self)
        if spec is not None and spec.loader is not None and hasattr(spec.loader, "exec_module"):
            spec.loader = importlib.util.LazyLoader(spec.loader)
        return spec


def import_gx():
    """Great Expectations, imported the first time as the module's docstring says (what another module loaded
    before, SQLAlchemy by Prefect say, is used as it is)."""
    if "great_expectations" not in sys.modules:
        finder, blocked = _LazyFinder(), "sqlalchemy" not in sys.modules
        sys.meta_path.insert(0, finder)
        if blocked:
            sys.modules["sqlalchemy"] = None  # type: ignore[assignment]  # makes `import sqlalchemy` raise ImportError
        try:
            import great_expectations  # noqa: F401
        finally:
            sys.meta_path.remove(finder)
            if blocked:
                del sys.modules["sqlalchemy"]
    import great_expectations as gx

    return gx
