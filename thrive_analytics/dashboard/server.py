"""The dashboard server's security: sign-in, kernel ownership, and the identity each kernel is handed.

Built on Voila's standalone app (``app.DashboardApp``) with preheated kernels. Read ``docs/dashboards.md``
for the design; in short:

* :class:`ThriveIdentityProvider`: e-mail and password checked against the warehouse's users (argon2); the
  login cookie holds only the e-mail and a tag of the password hash; organisation, role and client are looked
  up again on every request, so a disabled user or a changed role takes effect at once.
* :class:`OwnerAuthorizer`: a kernel belongs to the user it was handed to; every other use (attach, delete,
  shutdown, another user's kernel) is denied, and so is every resource the dashboards do not use.
* :class:`ThriveKernelManager`: kernels get a scrubbed environment (no secrets, no other request's URL) and
  their own key; a kernel started for a request gets that request's identity as a token bound to it.
* :class:`DashboardPageHandler` overwrites any identity header the browser sent with a server-signed one and
  hands a preheated kernel over; :class:`RequestInfoHandler` replaces Voila's unauthenticated
  ``/voila/query/<id>`` channel: only the kernel itself (proving its key) collects its request's information,
  once, converted into a token bound to that kernel.

Every page this server writes (sign-in, landing, error pages, the dashboards through ``voila-page.html``) is
made from this package's ``templates/`` and references nothing on another host.
"""

from __future__ import annotations

import asyncio
import contextvars
import hmac
import json
import os
import re
import uuid
from dataclasses import dataclass
from pathlib import Path

import jinja2
from jupyter_server.auth.authorizer import Authorizer
from jupyter_server.auth.decorator import allow_unauthenticated
from jupyter_server.auth.identity import IdentityProvider, User
from jupyter_server.auth.login import LoginFormHandler
from jupyter_server.base.handlers import JupyterHandler
from jupyter_server.services.kernels.kernelmanager import AsyncMappingKernelManager
from markupsafe import Markup
from tornado import web
from tornado.httputil import responses
from traitlets import Bool, default
from voila.request_info_handler import RequestInfoSocketHandler
from voila.tornado.handler import TornadoVoilaHandler

from ..exceptions import NotFoundError, PermissionDeniedError, ThriveError
from ..warehouse import Scope
from . import auth

TEMPLATES = Path(__file__).with_name("templates")
SESSION_DAYS = 1
FAILED_LOGIN_DELAY = 0.5  # seconds: slows password guessing
_SECRET_NAME = re.compile(r"SECRET|PASSWORD|PASSWD|TOKEN|API_?KEY|PRIVATE|CREDENTIAL", re.IGNORECASE)

# The identity a page request is handing a kernel to (set by the page handler around Voila's rendering).
HANDING_TO: contextvars.ContextVar[auth.Identity | None] = contextvars.ContextVar(
    "thrive_handing_to", default=None
)

_templates = jinja2.Environment(loader=jinja2.FileSystemLoader(str(TEMPLATES)), autoescape=True)


@dataclass
class DashboardUser(User):
    """A signed-in user with their identity as looked up for this request."""

    identity: auth.Identity | None = None


def _secret(handler) -> bytes:
    return handler.settings["thrive_secret"]


def _identity(handler) -> auth.Identity:
    user = handler.current_user
    identity = getattr(user, "identity", None)
    if identity is None:
        raise web.HTTPError(403)
    return identity


def render(handler: JupyterHandler, name: str, **ns) -> None:
    """Render one of this package's templates (``templates/``) with the variables every page gets."""
    if "user" not in ns:
        ns["user"] = getattr(handler.current_user, "identity", None)
    handler.write(
        _templates.get_template(name).render(
            base_url=handler.base_url, xsrf_form_html=Markup(handler.xsrf_form_html()), **ns
        )
    )


ERRORS = {
    403: (
        "Not allowed",
        "The server refused this request: your account may not do this, or the form was stale.",
    ),
    404: ("Not found", "There is no such page, or it is not one your account may open."),
    410: ("Gone", "This report's file is gone or no longer matches what was generated; generate it again."),
}


class ErrorPages:
    """Error pages from this package's templates (Voila's and Jupyter's would link a stylesheet on a CDN)."""

    def write_error(self, status_code: int, **kwargs) -> None:
        heading, sentence = ERRORS.get(
            status_code,
            (
                responses.get(status_code, "Error"),
                "The server could not answer this request; its log says why.",
            ),
        )
        try:
            user = getattr(self.current_user, "identity", None)
        except Exception:  # the error happened before the request's user was looked up
            user = None
        self.set_header("Content-Type", "text/html; charset=UTF-8")
        render(self, "error.html", user=user, status_code=status_code, heading=heading, sentence=sentence)


# --- kernels ------------------------------------------------------------------------------------------------


def kernel_environment(base: dict, *, preheated: bool) -> dict:
    """A kernel's environment: the server's minus anything that looks like a secret, minus (when preheating)
    the URL of the request that happened to trigger the refill (Voila passes it on to the *next* kernel)."""
    env = {k: v for k, v in base.items() if not _SECRET_NAME.search(k) and k != auth.SECRET_ENV}
    env.pop(auth.IDENTITY_ENV, None)
    if preheated:
        for name in ("VOILA_REQUEST_URL", "QUERY_STRING", "SCRIPT_NAME", "PATH_INFO"):
            env.pop(name, None)
    return env


class ThriveKernelManager(AsyncMappingKernelManager):
    """Kernels with scrubbed environments, their own keys, and owners."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.owners: dict[str, str] = {}

    @property
    def thrive_secret(self) -> bytes:
        return self.parent.thrive_secret

    def kernel_owner(self, kernel_id: str | None) -> str | None:
        return self.owners.get(kernel_id) if kernel_id else None

    async def start_kernel(self, *args, **kwargs):
        kernel_id = kwargs.pop("kernel_id", None) or str(uuid.uuid4())
        given = dict(kwargs.get("env") or os.environ)
        preheated = given.get("VOILA_PREHEAT") == "True"
        env = kernel_environment(given, preheated=preheated)
        env[auth.KERNEL_KEY_ENV] = auth.kernel_key(self.thrive_secret, kernel_id)
        env["VOILA_APP_IP"] = self.parent.kernel_connect_ip
        header = given.get(auth.IDENTITY_ENV)
        if header and not preheated:  # a kernel started for one request (pool empty or disabled)
            identity = auth.read_header_token(self.thrive_secret, header)
            self.owners[kernel_id] = identity.user
            env[auth.IDENTITY_ENV] = auth.kernel_token(self.thrive_secret, identity, kernel_id)
        kwargs["env"] = env
        return await super().start_kernel(*args, kernel_id=kernel_id, **kwargs)

    async def shutdown_kernel(self, kernel_id, *args, **kwargs):
        try:
            return await super().shutdown_kernel(kernel_id, *args, **kwargs)
        finally:
            self.owners.pop(kernel_id, None)
            RequestInfoSocketHandler._cache.pop(kernel_id, None)

    async def shutdown_kernels_of(self, user: str) -> int:
        gone = [k for k, owner in list(self.owners.items()) if owner == user and k in self]
        for kernel_id in gone:
            await self.shutdown_kernel(kernel_id)
        return len(gone)


class HandOutRecorder:
    """Mixed into Voila's pooled kernel manager: a preheated kernel handed to a page belongs to its user, and
    nothing of that request is passed on to the kernel that refills the pool."""

    async def get_rendered_notebook(self, notebook_name, extra_kernel_env_variables=None, **kwargs):
        identity = HANDING_TO.get()
        if identity is None:
            raise web.HTTPError(403)
        render_task, rendered_cache, kernel_id = await super().get_rendered_notebook(
            notebook_name=notebook_name, extra_kernel_env_variables={}, **kwargs
        )
        self.owners[kernel_id] = identity.user
        return render_task, rendered_cache, kernel_id

    def keep_warm(self, notebook_name: str) -> None:
        """Fill the pool of a page whose kernels are not started with the server's (the report pages): after
        its first request, its configured number of kernels stay preheated (Voila refills on every hand-out)."""
        self.fill_if_needed(notebook_name=notebook_name)


# --- identity and authorization ---------------------------------------------------------------------------


class ThriveIdentityProvider(IdentityProvider):
    """Users are the warehouse's; the cookie names the user only, everything else is looked up per request."""

    need_token = Bool(False)

    @default("token")
    def _token_default(self):
        return ""

    @property
    def auth_enabled(self) -> bool:
        return True

    @property
    def login_available(self) -> bool:
        return True

    @property
    def warehouse(self):
        return self.parent.thrive_warehouse

    def get_handlers(self):
        base = self.parent.server_url or "/"
        return [
            (f"{base.rstrip('/')}/login", LoginHandler),
            (f"{base.rstrip('/')}/logout", LogoutHandler),
        ]

    def user_to_cookie(self, user: User) -> str:
        identity = getattr(user, "identity", None)
        return json.dumps({"u": user.username, "t": identity.tag if identity else ""})

    def user_from_cookie(self, cookie_value: str) -> User | None:
        data = json.loads(cookie_value)
        identity = auth.lookup(self.warehouse, data["u"])
        if identity is None or identity.tag != data.get("t"):
            return None  # disabled, deleted, or the password changed since this cookie was issued
        return self.user_for(identity)

    @staticmethod
    def user_for(identity: auth.Identity) -> DashboardUser:
        name = identity.name or identity.user
        initials = "".join(part[:1] for part in name.split()[:2]).upper() or None
        return DashboardUser(identity.user, name, name, initials, None, None, identity=identity)

    def get_user_cookie(self, handler):
        raw = handler.get_secure_cookie(self.get_cookie_name(handler), max_age_days=SESSION_DAYS)
        if not raw:
            return None
        try:
            return self.user_from_cookie(raw.decode())
        except (ValueError, KeyError, TypeError):
            return None

    def set_login_cookie(self, handler, user: User) -> None:
        self.cookie_options.setdefault("samesite", "Lax")
        self.cookie_options.setdefault("expires_days", SESSION_DAYS)
        super().set_login_cookie(handler, user)

    def process_login_form(self, handler) -> User | None:  # pragma: no cover - LoginHandler authenticates
        return None


class OwnerAuthorizer(Authorizer):
    """Allow a user their own kernels, and nothing else that asks: the dashboards use no other resource."""

    def is_authorized(self, handler, user, action, resource) -> bool:
        if user is None or resource != "kernels":
            return False
        kernel_id = (getattr(handler, "path_kwargs", None) or {}).get("kernel_id") or getattr(
            handler, "kernel_id", None
        )
        owner = handler.kernel_manager.kernel_owner(kernel_id)
        allowed = owner is not None and owner == user.username
        if not allowed:
            self.log.warning("Denied %s on kernel %s to %s", action, kernel_id, user.username)
        return allowed


# --- handlers ---------------------------------------------------------------------------------------------


class LoginHandler(ErrorPages, LoginFormHandler):
    """The sign-in form (e-mail and password)."""

    def _render(self, message=None, email: str = ""):
        render(
            self,
            "login.html",
            user=None,
            message=message,
            email=email,
            next=self.get_argument("next", default=self.base_url),
        )

    @allow_unauthenticated
    def get(self):
        if self.current_user:
            self._redirect_safe(self.get_argument("next", default=self.base_url))
            return
        message = {"info": "You are signed out."} if self.get_argument("signed_out", "") else None
        self._render(message)

    @allow_unauthenticated
    async def post(self):
        email = self.get_argument("email", default="")
        password = self.get_argument("password", default="")
        warehouse = self.settings["thrive_warehouse"]
        loop = asyncio.get_running_loop()
        # argon2 takes tens of milliseconds on purpose: not on the event loop every page shares.
        identity = await loop.run_in_executor(None, auth.authenticate, warehouse, email, password)
        if identity is None:
            await asyncio.sleep(FAILED_LOGIN_DELAY)
            self.log.warning("Failed sign-in for %r from %s", email[:254], self.request.remote_ip)
            self.set_status(401)
            self._render({"error": "Wrong e-mail or password."}, email=email)
            return
        user = ThriveIdentityProvider.user_for(identity)
        self.current_user = user
        self.identity_provider.set_login_cookie(self, user)
        self.log.info("%s signed in (%s of %s)", identity.user, identity.role, identity.org)
        self._redirect_safe(self.get_argument("next", default=self.base_url))


class LogoutHandler(ErrorPages, JupyterHandler):
    """Sign out: clear the cookie and shut the user's kernels down."""

    @allow_unauthenticated
    async def get(self):
        user = self.current_user
        if user is not None:
            await self.kernel_manager.shutdown_kernels_of(user.username)
        self.identity_provider.clear_login_cookie(self)
        self.redirect(f"{self.base_url}login?signed_out=1")


class LandingHandler(ErrorPages, JupyterHandler):
    """The dashboards and report pages the signed-in user may open."""

    @web.authenticated
    def get(self):
        identity = _identity(self)
        pages = self.settings["thrive_catalog"].for_role(identity.role)
        render(
            self,
            "landing.html",
            dashboards=[d for d in pages if not d.is_report],
            reports=[d for d in pages if d.is_report],
            user=identity,
        )


class DashboardPageHandler(ErrorPages, TornadoVoilaHandler):
    """Voila's page handler, for the pages this user may open, with the server-signed identity."""

    async def prepare(self):
        # Whatever identity header the browser sent is dropped before anything reads the request.
        if auth.IDENTITY_HEADER in self.request.headers:
            del self.request.headers[auth.IDENTITY_HEADER]
        for name in ("template", "theme"):  # no other template or theme (and so no un-preheated kernel)
            self.request.arguments.pop(name, None)
            self.request.query_arguments.pop(name, None)
        await super().prepare()
        identity = getattr(self.current_user, "identity", None)
        if identity is not None:
            self.request.headers[auth.IDENTITY_HEADER] = auth.header_token(_secret(self), identity)

    @web.authenticated
    async def get(self, path=None):
        identity = _identity(self)
        page = self.settings["thrive_catalog"].allowed(path or "", identity.role)
        if page is None:
            raise web.HTTPError(404)
        token = HANDING_TO.set(identity)
        try:
            await super().get(path=path)
        finally:
            HANDING_TO.reset(token)
            if page.is_report and hasattr(self.kernel_manager, "keep_warm"):
                self.kernel_manager.keep_warm(page.path)  # after the page, so its kernel did not compete


class RequestInfoHandler(RequestInfoSocketHandler):
    """Replaces Voila's ``/voila/query/<kernel id>``: a kernel that proves its key collects its request's
    information once; the identity in it is converted into a token bound to that kernel."""

    def check_origin(self, origin: str) -> bool:
        return False  # only the kernel connects, and it sends no Origin; a browser always does

    def open(self, proof: str, kernel_id: str) -> None:
        expected = auth.query_proof(auth.kernel_key(_secret(self), kernel_id))
        if not hmac.compare_digest(expected, proof):
            self.close(code=4403)
            return
        self.kernel_id = kernel_id
        RequestInfoSocketHandler._waiters[kernel_id] = self
        payload = RequestInfoSocketHandler._cache.pop(kernel_id, None)
        if payload is not None:
            self.write_message(payload)

    def on_close(self) -> None:
        kernel_id = getattr(self, "kernel_id", None)
        if kernel_id and RequestInfoSocketHandler._waiters.get(kernel_id) is self:
            del RequestInfoSocketHandler._waiters[kernel_id]

    def write_message(self, message, binary: bool = False):
        if isinstance(message, dict):
            message = self._for_kernel(dict(message))
        return super().write_message(message, binary)

    def _for_kernel(self, payload: dict) -> dict:
        header = payload.pop(auth.IDENTITY_ENV, None)
        owner = self.application.settings["kernel_manager"].kernel_owner(self.kernel_id)
        if header:
            try:
                identity = auth.read_header_token(_secret(self), header)
            except PermissionDeniedError:
                identity = None
            if identity is not None and identity.user == owner:
                payload[auth.IDENTITY_ENV] = auth.kernel_token(_secret(self), identity, self.kernel_id)
        return payload


class ShutdownKernelHandler(ErrorPages, JupyterHandler):
    """Replaces Voila's ``/voila/api/shutdown/<id>`` (any signed-in user could shut any kernel): owner only."""

    @web.authenticated
    async def post(self, kernel_id):
        if self.kernel_manager.kernel_owner(kernel_id) != self.current_user.username:
            raise web.HTTPError(403)
        await self.kernel_manager.shutdown_kernel(kernel_id)
        self.set_status(204)
        self.finish()


class ReportDownloadHandler(ErrorPages, JupyterHandler):
    """``/api/reports/<id>``: a generated report's file, for users of its organisation (and client)."""

    @web.authenticated
    async def get(self, report_id):
        identity = _identity(self)
        warehouse = self.settings["thrive_warehouse"]
        scope = Scope(
            identity.org_id, identity.client_id if identity.role == "client_viewer" else None, identity.role
        )

        def opened():
            from pipelines.delivery import open_download

            with warehouse.session(scope) as session:
                return open_download(session, int(report_id), downloaded_by=identity.user)

        try:
            path, filename, mimetype, checksum = await asyncio.get_running_loop().run_in_executor(
                None, opened
            )
        except (NotFoundError, PermissionDeniedError):
            raise web.HTTPError(404) from None
        except ThriveError as exc:
            self.log.warning("Report %s could not be downloaded by %s: %s", report_id, identity.user, exc)
            raise web.HTTPError(410) from None
        self.set_header("Content-Type", mimetype)
        self.set_header("Content-Disposition", f'attachment; filename="{filename}"')
        self.set_header("X-Content-Type-Options", "nosniff")
        self.set_header("Cache-Control", "private, no-store")
        if checksum:
            self.set_header("X-Checksum-SHA256", checksum)
        with open(path, "rb") as handle:
            while chunk := handle.read(256 * 1024):
                self.write(chunk)
                await self.flush()
        self.finish()
