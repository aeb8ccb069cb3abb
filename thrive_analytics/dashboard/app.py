"""``thrive dashboard``: Voila's standalone app with preheated kernels, sign-in, and owner-only kernels.

:class:`DashboardApp` is a subclass of the standalone ``Voila`` app (not the server extension: that would give
every signed-in user the whole Jupyter API and no kernel pool). It serves one folder of dashboard notebooks
(``notebooks/dashboards/``), one preheated pool per notebook, and replaces or removes the Voila routes that
would bypass the login or the owner check (see ``server.py``).
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from pathlib import Path

from jupyter_server.utils import url_path_join
from traitlets.config import Config
from voila.app import Voila
from voila.request_info_handler import RequestInfoSocketHandler
from voila.shutdown_kernel_handler import VoilaShutdownKernelHandler
from voila.static_file_handler import AllowListFileHandler
from voila.tornado.contentshandler import VoilaContentsHandler
from voila.tornado.handler import TornadoVoilaHandler
from voila.tornado.treehandler import TornadoVoilaTreeHandler

from ..exceptions import ConfigurationError
from ..warehouse import Warehouse, schema
from . import auth, server

DEFAULT_NOTEBOOKS = Path("notebooks") / "dashboards"
_KERNEL_ID = r"(?P<kernel_id>\w+-\w+-\w+-\w+-\w+)"
ORG_ROLES = tuple(r for r in schema.ROLES if r != "client_viewer")
REVENUE_ROLES = ("admin", "account_manager", "independent_creator")


# --- the dashboards and who may open them -------------------------------------------------------------------


@dataclass(frozen=True)
class Dashboard:
    path: str  # relative to the notebooks folder, e.g. "portfolio.ipynb"
    title: str
    description: str
    roles: tuple[str, ...]
    order: int = 100


def default_roles(stem: str) -> tuple[str, ...]:
    """Who may open a dashboard whose notebook does not say (``metadata.thrive.roles``)."""
    if "revenue" in stem:
        return REVENUE_ROLES
    if ("client" in stem and "cross" not in stem) or "alert" in stem:
        return tuple(schema.ROLES)  # a client viewer sees their own client's page and alerts
    return ORG_ROLES


@dataclass
class Catalog:
    """The dashboard notebooks of one folder (top level only), read from their metadata."""

    root: Path
    _cache: dict = field(default_factory=dict)

    def dashboards(self) -> list[Dashboard]:
        found = []
        for path in sorted(self.root.glob("*.ipynb")):
            stamp = path.stat().st_mtime_ns
            cached = self._cache.get(path.name)
            if cached is None or cached[0] != stamp:
                cached = self._cache[path.name] = (stamp, _describe(path))
            found.append(cached[1])
        return sorted(found, key=lambda d: (d.order, d.title))

    def for_role(self, role: str) -> list[Dashboard]:
        return [d for d in self.dashboards() if role in d.roles]

    def allowed(self, path: str, role: str) -> Dashboard | None:
        return next((d for d in self.for_role(role) if d.path == path), None)


DEFAULT_ORDER = {"portfolio": 10, "cross_client": 20, "client": 30, "revenue": 40, "alerts": 50}


def _describe(path: Path) -> Dashboard:
    """Title and description from ``metadata.thrive`` (title, description, roles, order), else from the
    notebook's first heading and the paragraph after it."""
    notebook = json.loads(path.read_text(encoding="utf-8"))
    meta = notebook.get("metadata", {}).get("thrive", {})
    heading, paragraph = _first_heading(notebook)
    roles = tuple(r for r in meta.get("roles", default_roles(path.stem)) if r in schema.ROLES)
    return Dashboard(
        path=path.name,
        title=str(meta.get("title") or heading or path.stem.replace("_", " ").capitalize()),
        description=str(meta.get("description") or paragraph),
        roles=roles,
        order=int(meta.get("order", DEFAULT_ORDER.get(path.stem, 100))),
    )


def _first_heading(notebook: dict) -> tuple[str, str]:
    for cell in notebook.get("cells", []):
        if cell.get("cell_type") != "markdown":
            continue
        source = "".join(cell.get("source", ""))
        lines = [line.strip() for line in source.splitlines()]
        if lines and lines[0].startswith("# "):
            rest = " ".join(line for line in lines[1:] if line).strip()
            return lines[0][2:].strip(), rest
    return "", ""


# --- the app ------------------------------------------------------------------------------------------------


class DashboardApp(Voila):
    """Voila, preheated, behind the warehouse's users (set ``thrive_secret`` and ``thrive_warehouse`` first)."""

    name = "thrive-dashboard"
    thrive_secret: bytes = b""
    thrive_warehouse: Warehouse | None = None

    @property
    def kernel_connect_ip(self) -> str:
        """Where a kernel reaches this server (a wildcard address is reached on loopback)."""
        return "127.0.0.1" if self.ip in ("", "0.0.0.0", "::", "localhost") else self.ip

    def init_settings(self) -> dict:
        if not self.thrive_secret or self.thrive_warehouse is None:
            raise ConfigurationError(
                "DashboardApp needs thrive_secret and thrive_warehouse before it starts."
            )
        settings = super().init_settings()
        kernels = self.kernel_manager
        if self.voila_configuration.preheat_kernel:
            # Voila builds its pooled manager class on the fly around ours: add the hand-out recording to it.
            kernels.__class__ = type("ThrivePooledKernelManager", (server.HandOutRecorder, type(kernels)), {})
        settings.update(
            thrive_secret=self.thrive_secret,
            thrive_warehouse=self.thrive_warehouse,
            thrive_catalog=Catalog(Path(self.root_dir)),
            # Widget-manager chunks have content-hashed names: cache them instead of revalidating ~60 files
            # on every page (Voila marks them no-cache).
            static_immutable_cache=[url_path_join(self.server_url, "voila/labextensions/")],
        )
        return settings

    def init_handlers(self) -> list:
        base = self.server_url
        removed = (
            RequestInfoSocketHandler,  # unauthenticated, and its cache outlives requests
            VoilaShutdownKernelHandler,  # any signed-in user could shut any kernel down
            TornadoVoilaTreeHandler,  # lists every file of the folder
            VoilaContentsHandler,
            AllowListFileHandler,  # serves files of the folder without a login
            TornadoVoilaHandler,  # replaced by the page handler below
        )
        handlers = [h for h in super().init_handlers() if h[1] not in removed]
        handlers += [
            (base, server.LandingHandler),
            (url_path_join(base, r"/voila/tree/?"), server.LandingHandler),
            (url_path_join(base, r"/voila/render/(.*)"), server.DashboardPageHandler, self._page_kwargs()),
            (url_path_join(base, r"/voila/api/shutdown/" + _KERNEL_ID), server.ShutdownKernelHandler),
            (
                url_path_join(base, r"/thrive/request-info/(?P<proof>[0-9a-f]{64})/" + _KERNEL_ID),
                server.RequestInfoHandler,
            ),
            (url_path_join(base, r"/api/reports/(?P<report_id>[0-9]{1,18})"), server.ReportDownloadHandler),
        ]
        return handlers

    def _page_kwargs(self) -> dict:
        return {
            "template_paths": self.template_paths,
            "config": self.config,
            "voila_configuration": self.voila_configuration,
        }


def dashboard_config(
    notebooks: Path, *, host: str, port: int, pool_size: int, preheat: bool = True, base_url: str = "/"
) -> Config:
    cfg = Config()
    cfg.DashboardApp.root_dir = str(notebooks)
    cfg.DashboardApp.ip = host
    cfg.DashboardApp.port = port
    cfg.DashboardApp.port_retries = 0
    cfg.DashboardApp.open_browser = False
    cfg.DashboardApp.base_url = base_url
    cfg.DashboardApp.config_file_paths = []  # no voila.json from the working folder can change any of this
    cfg.DashboardApp.identity_provider_class = server.ThriveIdentityProvider
    cfg.DashboardApp.authorizer_class = server.OwnerAuthorizer
    cfg.VoilaConfiguration.preheat_kernel = preheat and pool_size > 0
    cfg.VoilaConfiguration.default_pool_size = pool_size if preheat else 0
    cfg.VoilaConfiguration.http_header_envs = [auth.IDENTITY_HEADER]
    cfg.VoilaConfiguration.multi_kernel_manager_class = server.ThriveKernelManager
    cfg.VoilaConfiguration.allow_template_override = "NO"
    cfg.VoilaConfiguration.allow_theme_override = "NO"
    cfg.VoilaConfiguration.show_tracebacks = False
    cfg.VoilaConfiguration.file_allowlist = []
    cfg.VoilaKernelManager.fill_delay = 0.2
    # A page that was closed without shutting its kernel down (a crashed browser) leaves it disconnected:
    # such kernels go after 10 minutes; a connected page's kernel is never culled.
    cfg.ThriveKernelManager.cull_idle_timeout = 600
    cfg.ThriveKernelManager.cull_interval = 60
    cfg.ThriveKernelManager.cull_connected = False
    return cfg


def run_dashboard(
    warehouse: Warehouse,
    secret: bytes,
    notebooks: Path,
    *,
    host: str = "127.0.0.1",
    port: int = 8866,
    pool_size: int = 1,
    preheat: bool = True,
) -> None:
    """Serve the dashboards of ``notebooks`` until interrupted (SIGINT or SIGTERM)."""
    if not notebooks.is_dir() or not any(notebooks.glob("*.ipynb")):
        raise ConfigurationError(f"No dashboard notebooks in {notebooks}; pass --notebooks DIR.")
    app = DashboardApp(
        config=dashboard_config(notebooks, host=host, port=port, pool_size=pool_size, preheat=preheat)
    )
    app.thrive_secret = auth.derive(secret, "root")
    app.cookie_secret = auth.derive(secret, "cookie")
    app.thrive_warehouse = warehouse
    app.initialize([])
    logging.getLogger("tornado.access").setLevel(logging.WARNING)
    app.start()
