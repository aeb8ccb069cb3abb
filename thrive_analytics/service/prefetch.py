"""Organisation-wide reads shared by many one-client answers: how a batch of client reports reads its data once.

A client report asks the loaders for one client's rows; a batch asks the same questions for hundreds of clients
of one organisation, each time with a different client. Inside :func:`prefetching`, a loader marked
:func:`per_client` answers a one-client call from the organisation-wide result of the same call (same period
and options, every client), read once and kept, and returns that client's rows of it: the same rows, in the
same order, with the same types as the one-client read (``tests/service/test_prefetch.py`` checks every
loader, client by client).

What is kept is keyed by the database, the organisation, the session's scope and the organisation's data
revision (``warehouse.revisions``), so a write to the organisation's data is never answered from an old read.
Only organisation-wide sessions use it: a client viewer's session always reads its own rows. At most
``MAX_ENTRIES`` results are kept per process (least recently used first out), so memory stays bounded.
"""

from __future__ import annotations

import functools
import inspect
import os
from collections import OrderedDict
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import numpy as np
import pandas as pd

ENV = "THRIVE_PREFETCH"
MAX_ENTRIES = 48

_cache: OrderedDict[tuple, object] = OrderedDict()
_depth = 0
stats = {"hits": 0, "reads": 0}


def active() -> bool:
    """Whether one-client reads are answered from organisation-wide reads here (inside :func:`prefetching`,
    or in a process started with ``THRIVE_PREFETCH=1``, such as a batch worker's report kernel)."""
    return _depth > 0 or os.environ.get(ENV) == "1"


@contextmanager
def prefetching() -> Iterator[None]:
    """Answer one-client reads from organisation-wide reads inside this block."""
    global _depth
    _depth += 1
    try:
        yield
    finally:
        _depth -= 1


def clear() -> None:
    _cache.clear()


def per_client(by: str = "client_id") -> Callable:
    """Mark a loader ``loader(session, ..., client_ids=None, ...)`` whose result has one client's rows per
    ``by`` value: a column name, or ``"index"`` for a result indexed by client id."""

    def decorate(loader: Callable) -> Callable:
        signature = inspect.signature(loader)

        @functools.wraps(loader)
        def wrapper(session, *args, **kwargs):
            bound = signature.bind(session, *args, **kwargs)
            ids = bound.arguments.get("client_ids")
            if ids is None or not active() or session.scope.client_id is not None:
                return loader(session, *args, **kwargs)
            wanted = [int(c) for c in ids]
            bound.arguments["client_ids"] = None
            options = tuple((k, _hashable(v)) for k, v in bound.arguments.items() if k != "session")
            engine = session.conn.engine
            key = (
                str(engine.url),
                session.scope.org_id,
                session.scope.role,
                _revision(session),
                loader.__qualname__,
                options,
            )
            if key in _cache:
                _cache.move_to_end(key)
                stats["hits"] += 1
            else:
                _cache[key] = _Shared(loader(*bound.args, **bound.kwargs), by)
                stats["reads"] += 1
                while len(_cache) > MAX_ENTRIES:
                    _cache.popitem(last=False)
            rows = _cache[key].rows(wanted)
            # A client with no rows: read it directly, so even the empty result's columns and types are
            # exactly what the one-client read gives (it is rare, and cheap).
            return rows if len(rows) else loader(session, *args, **kwargs)

        wrapper.direct = loader  # the one-client read itself, for tests and callers that must not share
        return wrapper

    return decorate


def _revision(session) -> int:
    """The organisation's data revision, read once per session (a report asks a dozen loaders)."""
    revision = getattr(session, "_prefetch_revision", None)
    if revision is None:
        revision = session._prefetch_revision = session.revision
    return revision


class _Shared:
    """An organisation-wide result and where each client's rows are in it (found once, not per call)."""

    def __init__(self, whole, by: str) -> None:
        self.whole, self.by = whole, by
        keys = whole.index if by == "index" else (whole[by] if len(whole) else None)
        self.positions = (
            {} if keys is None else pd.Series(np.arange(len(whole))).groupby(keys.to_numpy()).indices
        )

    def rows(self, ids: list[int]):
        """The rows of ``ids``, in the order of the whole result (as a one-client read gives them)."""
        found = [self.positions[c] for c in ids if c in self.positions]
        at = np.sort(np.concatenate(found)) if found else np.empty(0, dtype="int64")
        rows = self.whole.iloc[at]
        if self.by == "index":
            return rows.copy()
        return rows.reset_index(drop=True) if isinstance(rows, pd.DataFrame) else rows.copy()


def _hashable(value):
    if isinstance(value, list | tuple):
        return tuple(_hashable(v) for v in value)
    if isinstance(value, dict):
        return tuple(sorted((k, _hashable(v)) for k, v in value.items()))
    return value
