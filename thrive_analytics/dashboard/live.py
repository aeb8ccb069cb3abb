"""Live updates: notice, from an open page's kernel, that another process changed the organisation's data.

:func:`watch` starts a daemon thread that polls three cheap, indexed figures in the viewer's scope: the
organisation's data revision (``warehouse.revisions``: raised by every write to source data), the stored
alerts' count and latest change (new alerts, acknowledgements) and the latest activity event. When one moves
it calls ``on_change(Change(...))`` on that thread; ipywidgets send widget updates from any thread.
"""

from __future__ import annotations

import functools
import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.exc import DBAPIError

from ..warehouse import Scope, TenantSession, schema
from .context import Viewer

__all__ = ["Change", "State", "Watcher", "current_state", "watch"]

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class State:
    revision: int
    alerts: tuple
    activity: int


@dataclass(frozen=True)
class Change:
    """What moved since the last call: ``revision`` is the organisation's data revision now."""

    revision: int
    alerts_changed: bool
    data_changed: bool
    activity_changed: bool = False


def current_state(session: TenantSession) -> State:
    """The figures :func:`watch` compares, read in one statement of four indexed scalar subqueries."""
    revision, count, latest, event = session.execute(_state_statement(session.scope)).one()
    return State(int(revision or 0), (count, latest), int(event or 0))


@functools.lru_cache(maxsize=256)
def _state_statement(scope: Scope):
    """Built once per scope: a poll then costs one execution (the access layer still verifies it)."""
    alerts, events, revisions = schema.alerts, schema.activity_events, schema.data_revisions
    scoped = TenantSession(
        None, scope
    )  # only for its filters: criteria() reads the scope, not the connection

    def scalar(column, table):
        return select(column).where(*scoped.criteria(table)).scalar_subquery()

    return select(
        scalar(revisions.c.revision, revisions),
        scalar(func.count(alerts.c.id), alerts),
        scalar(func.max(alerts.c.updated_at), alerts),
        scalar(func.max(events.c.id), events),
    )


class Watcher:
    """A daemon thread polling one viewer's state every ``every`` seconds; :meth:`stop` ends it."""

    def __init__(self, viewer: Viewer, on_change: Callable[[Change], None], *, every: float = 0.1):
        if every <= 0:
            raise ValueError(f"every={every!r} must be a positive number of seconds")
        self.viewer = viewer
        self.on_change = on_change
        self.every = every
        self.state: State | None = None
        self.errors = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name=f"thrive-live-{viewer.org}", daemon=True)

    def start(self) -> Watcher:
        self.state = self._read()
        self._thread.start()
        return self

    def _read(self) -> State:
        with self.viewer.session() as session:
            return current_state(session)

    def poll(self) -> Change | None:
        """Check once; return (and pass to ``on_change``) what changed, or None."""
        now = self._read()
        before, self.state = self.state, now
        if before is None or now == before:
            return None
        change = Change(
            revision=now.revision,
            alerts_changed=now.alerts != before.alerts,
            data_changed=now.revision != before.revision,
            activity_changed=now.activity != before.activity,
        )
        try:
            self.on_change(change)
        except Exception:  # a failing page callback must not stop the page's live updates
            log.exception("live update callback failed for %s", self.viewer.org)
        return change

    def _run(self) -> None:
        while not self._stop.wait(self.every):
            try:
                self.poll()
            except DBAPIError:  # busy or briefly unreachable: try again on the next tick
                self.errors += 1
            except Exception:
                self.errors += 1
                log.exception("live watcher of %s failed", self.viewer.org)

    def stop(self, timeout: float | None = 2.0) -> None:
        self._stop.set()
        if self._thread.is_alive() and threading.current_thread() is not self._thread:
            self._thread.join(timeout)

    @property
    def running(self) -> bool:
        return self._thread.is_alive()

    def __enter__(self) -> Watcher:
        return self

    def __exit__(self, *exc) -> None:
        self.stop()


def watch(viewer: Viewer, on_change: Callable[[Change], None], *, every: float = 0.1) -> Watcher:
    """Start watching ``viewer``'s organisation (client, for a client viewer); return the running watcher."""
    return Watcher(viewer, on_change, every=every).start()
