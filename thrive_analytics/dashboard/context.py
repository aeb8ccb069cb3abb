"""Who a dashboard page serves: :func:`sign_in` returns the :class:`Viewer` every dashboard cell works for.

Under ``thrive dashboard`` (Voila with preheated kernels) a kernel is started and warmed before anyone asks for
the page, so the cells before ``sign_in()`` import and warm up only and touch no organisation's data.
``sign_in()`` then blocks until the page request arrives (``voila.utils.wait_for_request``), reads the identity
token the server signed for this kernel, verifies it, and returns that user's viewer. Nothing the browser typed
(query string, widget values, notebook parameters) can widen it: arguments may only narrow.

Elsewhere (Papermill, JupyterLab, tests) ``sign_in(org=...)`` gives a local analyst's context, optionally as
a stored user (``user=``) and narrowed to one client (``client=``).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from .. import settings
from ..exceptions import ConfigurationError, NotFoundError, PermissionDeniedError, import_deferred
from ..warehouse import Scope, TenantSession, Warehouse
from . import auth

__all__ = ["Viewer", "sign_in", "under_dashboard_server", "warm_up"]

LOCAL_USER = "analyst"
LOCAL_ROLE = "admin"

_signed_in: Viewer | None = None  # under the dashboard server: the one identity this kernel was handed


def warm_up(database_url: str | None = None, *, statistics: bool = True) -> None:
    """Open the warehouse (schema check, first pooled connection) and import the SciPy modules the analytics
    import on first use, before anyone signs in; reads no organisation's rows. Dashboard notebooks call it in
    their warm-up cell. ``statistics=False``: a page that computes no statistics skips SciPy (about 2.5 s of
    CPU for every preheated kernel on a 2-core machine)."""
    if statistics:
        import_deferred()
    warehouse = Warehouse.shared(database_url)
    with warehouse.engine.connect() as conn:
        conn.exec_driver_sql("SELECT 1")


@dataclass(frozen=True)
class Viewer:
    """The signed-in user a dashboard page serves, and the tenant scope every read of the page runs in.

    ``client`` is the client the page is about: fixed for a client viewer, a narrowing filter for others.
    """

    user: str
    role: str
    org: str
    org_id: int
    client: str | None
    client_id: int | None
    database_url: str

    @property
    def warehouse(self) -> Warehouse:
        return Warehouse.shared(self.database_url)

    @property
    def scope(self) -> Scope:
        """The tenant scope: the organisation, and for a client viewer only their client (read-only)."""
        if self.role == "client_viewer":
            return Scope(self.org_id, self.client_id, self.role)
        return Scope(self.org_id, None, self.role)

    @contextmanager
    def session(self, *, write: bool = False) -> Iterator[TenantSession]:
        """A tenant-scoped transaction in :attr:`scope`; ``write=True`` for one that will write (acknowledging
        an alert): on SQLite it then takes the write lock at its start and waits for other writers."""
        with self.warehouse.session(self.scope, write=write) as session:
            yield session

    def may_see_client(self, client) -> bool:
        """Whether ``client`` (slug, id, or a mapping with ``id``/``slug``) is one this viewer may see."""
        key = _client_key(client)
        if key is None:
            return False
        if self.client_id is not None:
            return key in {str(self.client_id), self.client}
        with self.session() as session:
            try:
                session.client(key)
            except NotFoundError:
                return False
        return True

    def narrowed(self, client) -> Viewer:
        """This viewer narrowed to ``client`` if it may see it; otherwise unchanged (never widened)."""
        if client is None or self.client_id is not None or not self.may_see_client(client):
            return self
        with self.session() as session:
            row = session.client(_client_key(client))
        return Viewer(
            self.user, self.role, self.org, self.org_id, row["slug"], int(row["id"]), self.database_url
        )


def _client_key(client) -> str | None:
    if client is None:
        return None
    if isinstance(client, dict):
        client = client.get("id", client.get("slug"))
    key = str(client).strip()
    return key or None


def under_dashboard_server() -> bool:
    """True in a kernel started by a Voila server (preheated or not)."""
    return "VOILA_PREHEAT" in os.environ or "VOILA_KERNEL_ID" in os.environ


def sign_in(
    org: str | None = None,
    user: str | None = None,
    client: str | None = None,
    database_url: str | None = None,
) -> Viewer:
    """The viewer this page serves.

    Under the dashboard server: block until the page request arrives, verify the server-signed identity and
    return that user's viewer; ``org``, ``user`` and ``database_url`` are ignored there, ``client`` is honoured
    only if the viewer may see it. Elsewhere: a local analyst context for ``org`` (required), as the stored
    ``user`` if given; ``client`` narrows (an unknown client is NotFoundError).
    """
    if under_dashboard_server():
        return _server_viewer().narrowed(client)
    return _local_viewer(org, user, client, database_url)


def _local_viewer(org, user, client, database_url) -> Viewer:
    if org is None:
        raise ConfigurationError("sign_in() needs org= outside the dashboard server (an organisation slug).")
    url = settings.database_url(database_url)
    warehouse = Warehouse.shared(url)
    found = warehouse.resolve_org(org)
    viewer = Viewer(LOCAL_USER, LOCAL_ROLE, found["slug"], int(found["id"]), None, None, url)
    if user is not None:
        identity = auth.lookup(warehouse, user)
        if identity is None or identity.org_id != viewer.org_id:
            raise NotFoundError(f"No active user {user!r} in organisation {found['slug']!r}.")
        viewer = Viewer(
            identity.user,
            identity.role,
            identity.org,
            identity.org_id,
            identity.client,
            identity.client_id,
            url,
        )
    if client is not None:
        if not viewer.may_see_client(client):
            if viewer.client_id is not None:
                raise PermissionDeniedError(f"{viewer.user} may only see client {viewer.client!r}.")
            raise NotFoundError(f"No client {client!r} in organisation {viewer.org!r}.")
        viewer = viewer.narrowed(client)
    return viewer


def _server_viewer() -> Viewer:
    """In a kernel of ``thrive dashboard``: the identity the server signed for this kernel (once per kernel)."""
    global _signed_in
    if _signed_in is not None:
        return _signed_in
    key = os.environ.get(auth.KERNEL_KEY_ENV)
    kernel_id = os.environ.get("VOILA_KERNEL_ID")
    if not key or not kernel_id:
        raise PermissionDeniedError(
            "This dashboard runs under a Voila server that does not sign identities; start it with "
            "'thrive dashboard'."
        )
    if os.environ.get("VOILA_PREHEAT") == "True":
        from voila.utils import wait_for_request

        wait_for_request(_request_info_url(key))
    token = os.environ.pop(auth.IDENTITY_ENV, None)
    if not token:
        raise PermissionDeniedError("No signed-in user reached this page; sign in again.")
    identity = auth.read_kernel_token(key, token, kernel_id)
    _signed_in = Viewer(
        identity.user,
        identity.role,
        identity.org,
        identity.org_id,
        identity.client,
        identity.client_id,
        settings.database_url(),
    )
    return _signed_in


def _request_info_url(key: str) -> str:
    """Where this kernel collects its request's information: the server's channel, with this kernel's proof."""
    protocol = os.environ.get("VOILA_WS_PROTOCOL", "ws")
    host = os.environ.get("VOILA_APP_IP", "127.0.0.1")
    port = os.environ.get("VOILA_APP_PORT", "8866")
    base = os.environ.get("VOILA_WS_BASE_URL") or os.environ.get("VOILA_SERVER_URL", "/")
    if not base.endswith("/"):
        base += "/"
    return f"{protocol}://{host}:{port}{base}thrive/request-info/{auth.query_proof(key)}"
