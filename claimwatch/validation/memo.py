"""Build what GX derives from a suite alone once, instead of on every read and every run.

GX Core 1.x, for every expectation of every run:
- rebuilds `Expectation.configuration` (a pydantic `.dict()` and a new ExpectationConfiguration) each time it is
  read, about 90 times per expectation and run: some 40 % of a small frame's run;
- works out the graph of metrics the expectation needs (`Validator._generate_metric_dependency_subgraphs_for_each_
  expectation_configuration`: about 36 metric providers asked for their dependencies per expectation), some 40 %
  of what is left. The graph depends on the expectation's configuration, the batch's id and the result format,
  never on the rows: a suite run again on a new frame of the same batch definition needs the same graph.

Inside `memoized(graphs)`, the configuration property returns, for the same expectation object, the one built on
its first read in the block, and the graphs are looked up in `graphs` (a dict the caller keeps for as long as its
suites do not change: claimwatch's Validator keeps one per run). Outside the block (another thread, another
caller) GX behaves as shipped. GX does not change an expectation, a configuration or a graph once built: the
metrics it resolves go into a dict of their own.
"""

from __future__ import annotations

from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any, Iterator

_MEMO: ContextVar[dict[int, tuple[Any, Any]] | None] = ContextVar("claimwatch_gx_configurations", default=None)
_GRAPHS: ContextVar[dict[tuple, tuple] | None] = ContextVar("claimwatch_gx_graphs", default=None)


def install() -> None:
    """Wrap Expectation.configuration and the validator's graph building once per process (no-ops unless inside
    memoized())."""
    from great_expectations.expectations.expectation import Expectation
    from great_expectations.validator.validator import Validator

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

    build_graphs = Validator._generate_metric_dependency_subgraphs_for_each_expectation_configuration

    def subgraphs(self, expectation_configurations, processed_configurations, catch_exceptions, runtime_configuration=None):
        graphs = _GRAPHS.get()
        if graphs is None:
            return build_graphs(self, expectation_configurations, processed_configurations, catch_exceptions, runtime_configuration)
        key = graph_key(self.active_batch_id, expectation_configurations, catch_exceptions, runtime_configuration)
        if key not in graphs:
            graphs[key] = build_graphs(self, expectation_configurations, [], catch_exceptions, runtime_configuration)
        validation_graphs, results, processed = graphs[key]
        processed_configurations.extend(processed)
        return list(validation_graphs), list(results), processed_configurations  # GX appends to and removes from these

    Validator._generate_metric_dependency_subgraphs_for_each_expectation_configuration = subgraphs


def graph_key(batch_id: str | None, configurations: list, catch_exceptions: bool, runtime_configuration: dict | None) -> tuple:
    """What a suite's metric graphs depend on: the batch, each expectation (its id, type and arguments) and the
    run's settings (the result format)."""
    return (batch_id, catch_exceptions, repr(sorted((runtime_configuration or {}).items())),
            tuple((c.id, c.type, repr(c.kwargs), repr(c.meta), c.severity, c.notes) for c in configurations))


@contextmanager
def memoized(graphs: dict | None = None) -> Iterator[None]:
    """Configurations built once per expectation object until the block ends, and metric graphs once per key of
    `graphs` (this thread/context only; without `graphs`, for this block only)."""
    token = _MEMO.set({})
    graph_token = _GRAPHS.set({} if graphs is None else graphs)
    try:
        yield
    finally:
        _MEMO.reset(token)
        _GRAPHS.reset(graph_token)
