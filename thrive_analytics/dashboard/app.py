"""``thrive dashboard``: Voila's standalone app with preheated kernels, sign-in, and owner-only kernels.

:class:`DashboardApp` is a subclass of the standalone ``Voila`` app (not the server extension: that would give
every signed-in user the whole Jupyter API and no kernel pool). It serves one folder of dashboard notebooks
(``notebooks/dashboards/``, one preheated pool per notebook) and the report notebooks (``notebooks/reports/``,
mounted at ``reports/``; their pools are filled once a report is first opened), and replaces or removes the
Voila routes that would bypass the login or the owner check (see ``server.py``). Its pages are rendered with
``templates/voila-page.html``: Voila's page without anything loaded from another host.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from pathlib import Path

import nbformat
from jupyter_server.services.contents.largefilemanager import LargeFileManager
from jupyter_server.utils import url_path_join
from tornado import web
from traitlets import Integer, Unicode
from traitlets.config import Config
from voila.app import Voila
from voila.request_info_handler import RequestInfoSocketHandler
from voila.shutdown_kernel_handler import VoilaShutdownKernelHandler
from voila.static_file_handler import AllowListFileHandler
from voila.tornado.contentshandler import VoilaContentsHandler
from voila.tornado.handler import TornadoVoilaHandler
from voila.tornado.treehandler import TornadoVoilaTreeHandler

from ..exceptions import ConfigurationError
from ..reports.catalog import REPORT_TYPES, TITLES
from ..warehouse import Warehouse, schema
from . import auth, server

DEFAULT_NOTEBOOKS = Path("notebooks") / "dashboards"
REPORTS = "reports"  # where the report notebooks are mounted: /voila/render/reports/<type>.ipynb
PAGE_TEMPLATE = "voila-page.html"  # in server.TEMPLATES: Voila's lab page with nothing from another host
_KERNEL_ID = r"(?P<kernel_id>\w+-\w+-\w+-\w+-\w+)"
ORG_ROLES = tuple(r for r in schema.ROLES if r != "client_viewer")
REVENUE_ROLES = ("admin", "account_manager", "independent_creator")
#: Every role may open every report page: a client viewer's shows only their client (the client-facing report).
REPORT_ROLES = tuple(schema.ROLES)


# --- the dashboards and who may open them -------------------------------------------------------------------


@dataclass(frozen=True)
class Dashboard:
    path: str  # the page's path: "portfolio.ipynb", or "reports/<type>.ipynb" for a report page
    title: str
    description: str
    roles: tuple[str, ...]
    order: int = 100
    group: str = "dashboard"  # "dashboard" or "report"

    @property
    def is_report(self) -> bool:
        return self.group == "report"


def default_roles(stem: str) -> tuple[str, ...]:
    """Who may open a dashboard whose notebook does not say (``metadata.thrive.roles``)."""
    if "revenue" in stem:
        return REVENUE_ROLES
    if ("client" in stem and "cross" not in stem) or "alert" in stem:
        return tuple(schema.ROLES)  # a client viewer sees their own client's page and alerts
    return ORG_ROLES


@dataclass
class Catalog:
    """The pages served: the dashboard notebooks of one folder (top level only) and, if ``reports`` names a
    folder, its report notebooks (``<type>.ipynb`` for each report type), read from their metadata."""

    root: Path
    reports: Path | None = None
    _cache: dict = field(default_factory=dict)

    def dashboards(self) -> list[Dashboard]:
        found = [self._read(path, path.name, _describe) for path in sorted(self.root.glob("*.ipynb"))]
        return sorted(found, key=lambda d: (d.order, d.title))

    def report_pages(self) -> list[Dashboard]:
        """The report notebooks, one page per report type whose notebook exists, in the catalog's order."""
        if self.reports is None:
            return []
        found = []
        for order, report_type in enumerate(REPORT_TYPES):
            path = self.reports / f"{report_type}.ipynb"
            if path.is_file():
                found.append(self._read(path, report_path(report_type), _describe_report, order))
        return sorted(found, key=lambda d: (d.order, d.title))

    def _read(self, path: Path, key: str, describe, *args) -> Dashboard:
        stamp = path.stat().st_mtime_ns
        cached = self._cache.get(key)
        if cached is None or cached[0] != stamp:
            cached = self._cache[key] = (stamp, describe(path, *args))
        return cached[1]

    def for_role(self, role: str) -> list[Dashboard]:
        """Every page ``role`` may open: the dashboards first, then the reports."""
        return [d for d in (*self.dashboards(), *self.report_pages()) if role in d.roles]

    def allowed(self, path: str, role: str) -> Dashboard | None:
        return next((d for d in self.for_role(role) if d.path == path), None)


def report_path(report_type: str) -> str:
    """The page path of a report type's notebook: ``reports/<type>.ipynb``."""
    return f"{REPORTS}/{report_type}.ipynb"


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


def _describe_report(path: Path, order: int) -> Dashboard:
    """A report notebook's page: title and description from ``metadata.thrive`` if given, else the report
    type's title and the notebook's first paragraph; every role may open it unless ``roles`` says otherwise."""
    notebook = json.loads(path.read_text(encoding="utf-8"))
    meta = notebook.get("metadata", {}).get("thrive", {})
    roles = tuple(r for r in meta.get("roles", REPORT_ROLES) if r in schema.ROLES)
    return Dashboard(
        path=report_path(path.stem),
        title=str(meta.get("title") or TITLES[path.stem]),
        description=str(meta.get("description") or _first_paragraph(notebook)),
        roles=roles,
        order=int(meta.get("order", order)),
        group="report",
    )


def _first_paragraph(notebook: dict) -> str:
    for cell in notebook.get("cells", []):
        source = "".join(cell.get("source", "")).strip()
        if cell.get("cell_type") == "markdown" and source and not source.startswith("#"):
            return " ".join(line.strip() for line in source.split("\n\n")[0].splitlines())
    return ""


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


# --- the report notebooks, mounted at reports/ ------------------------------------------------------------


class ServedNotebooks(LargeFileManager):
    """The contents Voila renders pages from: the dashboards folder, plus the report notebooks at
    ``reports/<type>.ipynb`` (one per report type, read from ``reports_dir``; nothing else of that folder)."""

    reports_dir = Unicode("", help="Folder of the report notebooks (<type>.ipynb); empty: none.")

    def get(self, path, content=True, type=None, format=None, require_hash=False):
        source = self.report_source(path)
        if source is None:
            return super().get(path, content=content, type=type, format=format, require_hash=require_hash)
        stat = source.stat()
        model = {
            "name": source.name,
            "path": path.strip("/"),
            "type": "notebook",
            "format": "json" if content else None,
            "mimetype": None,
            "writable": False,
            "size": stat.st_size,
            "created": None,
            "last_modified": None,
            "content": nbformat.read(source, as_version=4) if content else None,
        }
        return model

    def report_source(self, path: str) -> Path | None:
        """The report notebook a ``reports/...`` path names (404 for any other name in the mount); None for a
        path outside the mount."""
        folder, _, name = path.strip("/").partition("/")
        if folder != REPORTS or not self.reports_dir:
            return None
        stem = name.removesuffix(".ipynb")
        source = Path(self.reports_dir) / name
        if name != f"{stem}.ipynb" or stem not in REPORT_TYPES or not source.is_file():
            raise web.HTTPError(404, f"No report notebook {name!r}")
        return source


# --- the app ------------------------------------------------------------------------------------------------


class DashboardApp(Voila):
    """Voila, preheated, behind the warehouse's users (set ``thrive_secret`` and ``thrive_warehouse`` first)."""

    name = "thrive-dashboard"
    thrive_secret: bytes = b""
    thrive_warehouse: Warehouse | None = None

    reports_dir = Unicode(
        "", config=True, help="Folder of the report notebooks served at reports/<type>.ipynb; empty: none."
    )
    report_pool_size = Integer(
        1,
        config=True,
        help="Preheated kernels kept per report page once it has been opened (none before: a report's first "
        "page starts its own kernel); 0: never preheat reports.",
    )

    @property
    def kernel_connect_ip(self) -> str:
        """Where a kernel reaches this server (a wildcard address is reached on loopback)."""
        return "127.0.0.1" if self.ip in ("", "0.0.0.0", "::", "localhost") else self.ip

    def setup_template_dirs(self) -> None:
        """Voila's lab template, with this package's templates first (the page is ``voila-page.html``)."""
        super().setup_template_dirs()
        self.template_paths = [str(server.TEMPLATES), *self.template_paths]

    def init_settings(self) -> dict:
        if not self.thrive_secret or self.thrive_warehouse is None:
            raise ConfigurationError(
                "DashboardApp needs thrive_secret and thrive_warehouse before it starts."
            )
        settings = super().init_settings()
        # Voila's contents manager serves the dashboards folder only: add the report notebooks.
        self.contents_manager = ServedNotebooks(parent=self, reports_dir=self.reports_dir)
        catalog = Catalog(Path(self.root_dir), Path(self.reports_dir) if self.reports_dir else None)
        kernels = self.kernel_manager
        if self.voila_configuration.preheat_kernel:
            # Voila builds its pooled manager class on the fly around ours: add the hand-out recording to it.
            kernels.__class__ = type("ThrivePooledKernelManager", (server.HandOutRecorder, type(kernels)), {})
            # Report pools are not filled at start (Voila fills the dashboards folder's): see keep_warm.
            kernels.kernel_pools_config = {
                **kernels.kernel_pools_config,
                **{d.path: {"pool_size": self.report_pool_size} for d in catalog.report_pages()},
            }
        settings.update(
            contents_manager=self.contents_manager,
            thrive_secret=self.thrive_secret,
            thrive_warehouse=self.thrive_warehouse,
            thrive_catalog=catalog,
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


def default_reports_folder() -> Path | None:
    """The report notebooks ``thrive report`` runs (``THRIVE_REPORT_NOTEBOOKS`` or the packaged folder), if
    that folder exists."""
    from .. import settings
    from ..reports.run import NOTEBOOKS_DIR

    folder = Path(settings.get("report_notebooks") or NOTEBOOKS_DIR)
    return folder.resolve() if folder.is_dir() else None


def dashboard_config(
    notebooks: Path,
    *,
    host: str,
    port: int,
    pool_size: int,
    preheat: bool = True,
    base_url: str = "/",
    reports: Path | None = None,
    report_pool_size: int = 1,
) -> Config:
    cfg = Config()
    cfg.DashboardApp.root_dir = str(notebooks)
    cfg.DashboardApp.reports_dir = str(reports) if reports is not None else ""
    cfg.DashboardApp.report_pool_size = max(report_pool_size, 0)
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
    cfg.VoilaExporter.template_file = PAGE_TEMPLATE
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
    reports: Path | None = None,
    report_pool_size: int = 1,
) -> None:
    """Serve the dashboards of ``notebooks`` and the report notebooks of ``reports`` (default: the folder
    ``thrive report`` uses) until interrupted (SIGINT or SIGTERM)."""
    if not notebooks.is_dir() or not any(notebooks.glob("*.ipynb")):
        raise ConfigurationError(f"No dashboard notebooks in {notebooks}; pass --notebooks DIR.")
    reports = reports if reports is not None else default_reports_folder()
    app = DashboardApp(
        config=dashboard_config(
            notebooks,
            host=host,
            port=port,
            pool_size=pool_size,
            preheat=preheat,
            reports=reports,
            report_pool_size=report_pool_size,
        )
    )
    app.thrive_secret = auth.derive(secret, "root")
    app.cookie_secret = auth.derive(secret, "cookie")
    app.thrive_warehouse = warehouse
    app.initialize([])
    logging.getLogger("tornado.access").setLevel(logging.WARNING)
    app.start()
