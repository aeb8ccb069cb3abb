"""Stored answers: a service answer computed once per data revision and served from the warehouse after.

The cross-client answer for 500 clients reads a few hundred thousand rows; the same question asked again
(the dashboard's next visitor, the CLI, a report of the batch) should not. :func:`answer` keys an answer by
its question, its parameters (with the period's end resolved to a date) and the scope, and stores its JSON
form with the organisation's data revision (``warehouse.revisions``). It is served from storage exactly while
that revision is unchanged: any write to the organisation's source data makes every stored answer stale, and
the next request computes it afresh. ``thrive rollup`` stores the latest answers ahead of the first visitor.

Answers are returned in their JSON form (plain dicts), identical whether computed or stored.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable

from sqlalchemy.exc import DBAPIError

from ..exceptions import ConfigurationError
from ..warehouse import TenantSession, schema
from ..warehouse.access import WRITE_ROLES
from .common import resolve_period

_STORED = schema.stored_answers


def _questions() -> dict[str, Callable]:
    from .compare import compare_clients
    from .cross_client import cross_client
    from .overview import overview
    from .revenue import revenue

    return {
        "cross_client": cross_client,
        "overview": overview,
        "revenue": revenue,
        "compare": compare_clients,
    }


def answer_key(session: TenantSession, question: str, params: dict) -> str:
    """The canonical parameters of an answer: sorted JSON, the end as a date, the client viewer's client."""
    params = dict(params)
    time_range = params.get("time_range", "30d")
    params["end"] = resolve_period(time_range, params.get("end")).end.isoformat()
    params["scope_client"] = session.scope.client_id
    return json.dumps(params, sort_keys=True, default=str)


def answer(session: TenantSession, question: str, **params) -> dict:
    """The JSON form of ``question`` (``cross_client``, ``overview``, ``revenue`` or ``compare``) with ``params``: stored if
    it was computed at the organisation's current data revision, else computed now and stored."""
    questions = _questions()
    if question not in questions:
        raise ConfigurationError(f"Unknown question {question!r}; questions are {', '.join(questions)}.")
    key = answer_key(session, question, params)
    revision = session.revision
    stored = session.execute(
        session.select(_STORED.c.body).where(
            _STORED.c.question == question, _STORED.c.params == key, _STORED.c.revision == revision
        )
    ).scalar()
    if stored is not None:
        return json.loads(stored)
    body = questions[question](session, **params).to_dict()
    store(session, question, key, revision, body)
    return body


def store(session: TenantSession, question: str, key: str, revision: int, body: dict) -> bool:
    """Keep ``body`` as the answer to ``question``/``key`` at ``revision``; False where the session may not
    write (a client viewer) or the warehouse is busy (the answer is still returned, just not kept)."""
    if session.scope.role not in WRITE_ROLES:
        return False
    text = json.dumps(body, allow_nan=False, separators=(",", ":"))
    row = {
        "question": question,
        "params": key,
        "revision": revision,
        "computed_at": dt.datetime.now(dt.UTC),
        "body": text,
    }
    try:
        with (
            session.conn.begin_nested()
        ):  # a savepoint: a failed store leaves the caller's transaction intact
            # Answers of older revisions can never be served again; this one replaces its own earlier copy.
            session.delete(
                _STORED,
                (_STORED.c.revision < revision)
                | ((_STORED.c.question == question) & (_STORED.c.params == key)),
            )
            session.insert(_STORED, row)
    except DBAPIError:
        return False
    return True
