"""Build each GX expectation's configuration once per validation run instead of on every access.

GX Core 1.x rebuilds `Expectation.configuration` (a pydantic `.dict()` and a new ExpectationConfiguration)
each time it is read, about 90 times per expectation and run: some 40 % of a small frame's run. Inside
`memoized()` the property returns, for the same expectation object, the configuration built on its first
read; outside it (another thread, another caller) GX behaves as shipped. Within one run GX does not change
an expectation once it is built from the suite, so the configuration read later is the one built first.
"""

from __future__ import annotations

from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any, Iterator

_MEMO: ContextVar[dict[int, tuple[Any, Any]] | None] = ContextVar("claimwatch_gx_configurations", default=None)


def install() -> None:
    """Wrap Expectation.configuration once per process (a no-op unless inside memoized())."""
    from great_expectations.expectations.expectation import Expectation

    shipped = Expectation.__dict__["configuration"]
    if getattr(shipped.fget, "claimwatch_memo", False):
        return

    def configuration(self):
        memo = _MEMO.get()
        if memo is None:
            return shipped.fget(self)
        hit = memo.get(id(self))
        if hit is None or hit[0] is not self:  # the object is kept with its entry: an id is never reused
            hit = memo[id(self)] = (self, shipped.fget(self))
        return hit[1]

    configuration.claimwatch_memo = True
    configuration.__doc__ = shipped.__doc__
    Expectation.configuration = property(configuration)


@contextmanager
def memoized() -> Iterator[None]:
    """Configurations built once per expectation object until the block ends (this thread/context only)."""
    token = _MEMO.set({})
    try:
        yield
    finally:
        _MEMO.reset(token)
