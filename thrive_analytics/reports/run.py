"""Generate one white-label report: run its notebook under Papermill, export every format, record the run.

Everything that can be checked before a kernel starts is checked first (organisation, client, report type,
formats, period, brand, template), so a mistake costs one clear sentence, not a notebook run. The notebook
runs once; HTML and PDF come from its outputs through the nbconvert template, Excel and PowerPoint from the
sections it displayed. Each file is written under a temporary name and renamed into place, so a failure
never leaves a half-written file under the final name; every format's run is recorded (generating, then
completed with its checksum, or failed with the error).
"""

from __future__ import annotations

import datetime as dt
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from ..exceptions import ReportError, require
from ..metrics import TIME_RANGES, period_for
from ..settings import database_url as resolve_database_url
from ..warehouse import Scope, Warehouse
from . import store
from .branding import Brand, available_brands, resolve_brand
from .catalog import KPIS, NEEDS_CLIENT, REPORT_TYPES
from .document import sections_from_notebook
from .files import file_digest

FORMATS = ("html", "pdf", "xlsx", "pptx")
NOTEBOOKS_DIR = Path(__file__).resolve().parents[2] / "notebooks" / "reports"


@dataclass
class ReportRequest:
    """What to generate. ``client`` None: a cross-client report. ``template``: a stored report template
    whose type, sections, KPIs, brand and period apply where the request leaves them unset."""

    org: str
    report_type: str | None = None
    client: str | None = None
    formats: Sequence[str] = ("pdf",)
    out: Path = Path("reports")
    brand: str | None = None
    adjust_contrast: bool = False
    template: str | None = None
    period: str | None = None
    end: dt.date | None = None
    kpis: Sequence[str] = ()
    database_url: str | None = None


@dataclass
class ReportOutput:
    report_type: str
    client: str | None
    files: dict[str, Path] = field(default_factory=dict)
    runs: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0


class Exporters:
    """The HTML renderer, the PDF printer and the warm kernel, built once and reused for many reports (a batch
    worker). ``prefetch``: the kernel answers each client's reads from organisation-wide reads, made once per
    organisation, period and data revision (``service.prefetch``): for a worker that runs many clients'
    reports of one organisation."""

    def __init__(
        self,
        template_dirs: Sequence[Path] | None = None,
        template_name: str = "thrive",
        *,
        prefetch: bool = False,
    ):
        from .html import HtmlRenderer

        self.html = HtmlRenderer(list(template_dirs or []), template_name)
        self.prefetch = prefetch
        self._printer = None
        self._kernel = None

    @property
    def kernel(self):
        """The warm kernel report notebooks run on (started and warmed up on first use)."""
        if self._kernel is None:
            from ..service.prefetch import ENV
            from .kernels import WarmKernel

            self._kernel = WarmKernel(env={ENV: "1"} if self.prefetch else None)
        return self._kernel

    @property
    def printer(self):
        if self._printer is None:
            self._printer = _PrinterThread()
        return self._printer

    def close(self) -> None:
        if self._printer is not None:
            self._printer.close()
            self._printer = None
        if self._kernel is not None:
            self._kernel.shutdown()
            self._kernel = None

    def __enter__(self) -> Exporters:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


class _PrinterThread:
    """A :class:`~.pdf.PdfPrinter` on a thread of its own. Playwright's sync API runs an event loop on the
    thread that starts it; kept off this thread, it cannot disturb the kernel client's event loop (which made
    the second kernel of a process lose its messages)."""

    def __init__(self) -> None:
        from concurrent.futures import ThreadPoolExecutor

        from .pdf import PdfPrinter

        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="thrive-pdf")
        self._printer = self._pool.submit(lambda: PdfPrinter().start()).result()

    def print_pdf(self, *args, **kwargs):
        return self._pool.submit(self._printer.print_pdf, *args, **kwargs).result()

    def close(self) -> None:
        try:
            self._pool.submit(self._printer.close).result()
        finally:
            self._pool.shutdown()


@dataclass
class Plan:
    """A request checked and resolved: everything the notebook and the exporters need."""

    request: ReportRequest
    report_type: str
    org_slug: str
    org_id: int
    client_slug: str | None
    client_id: int | None
    client_name: str | None
    brand: Brand
    brand_ref: str | None
    sections: list[str]
    kpis: list[str]
    period: str
    period_start: dt.date
    period_end: dt.date
    template_id: int | None
    database_url: str

    @property
    def who(self) -> str:
        return self.client_name or "all clients"

    def path(self, fmt: str) -> Path:
        folder = self.request.out / self.org_slug / (self.client_slug or "all-clients")
        return folder / f"{self.report_type}-{self.period}-{self.period_end.isoformat()}.{fmt}"

    def parameters(self) -> dict:
        params = {
            "org": self.org_slug,
            "client": self.client_slug,
            "period": self.period,
            "end": self.period_end.isoformat(),
            "brand": self.brand_ref,
            "adjust_contrast": self.request.adjust_contrast,
            "sections": self.sections,
            "database_url": self.database_url,
        }
        if self.report_type == "custom":
            params["kpis"] = self.kpis
        return params


def plan_report(request: ReportRequest, warehouse: Warehouse | None = None) -> Plan:
    """Check ``request`` against the warehouse and resolve it; every mistake is one sentence."""
    bad = [f for f in request.formats if f not in FORMATS]
    if bad or not request.formats:
        raise ReportError(
            f"Unknown report format {bad[0] if bad else ''!r}; formats are {', '.join(FORMATS)}."
        )
    url = resolve_database_url(request.database_url)
    warehouse = warehouse or Warehouse(url)
    scope = warehouse.scope_for(request.org)
    with warehouse.session(scope) as session:
        org = session.organization()
        template = store.get_template(session, request.template) if request.template else None
        client = session.client(request.client) if request.client is not None else None
    report_type = request.report_type or (template.report_type if template else None)
    if report_type not in REPORT_TYPES:
        raise ReportError(f"Unknown report type {report_type!r}; types are {', '.join(REPORT_TYPES)}.")
    if report_type in NEEDS_CLIENT and client is None:
        raise ReportError(f"The {report_type} report is about one client; name it with --client.")
    if template and request.report_type and template.report_type != request.report_type:
        raise ReportError(
            f"Report template {template.name!r} is a {template.report_type} report, not {request.report_type}."
        )
    period = request.period or (template.time_range if template else None) or "30d"
    if period not in TIME_RANGES:
        raise ReportError(f"Unknown period {period!r}; periods are {', '.join(TIME_RANGES)}.")
    kpis = list(request.kpis) or (list(template.metrics) if template else [])
    unknown = [k for k in kpis if k not in KPIS]
    if unknown:
        raise ReportError(f"Unknown KPI {unknown[0]!r}; KPIs are {', '.join(KPIS)}.")
    brand_ref = request.brand or (template.brand if template else None)
    if brand_ref is None and org["slug"] in available_brands():
        brand_ref = org["slug"]  # an organisation's packaged brand is its default
    end = request.end or dt.datetime.now(dt.UTC).date() - dt.timedelta(days=1)  # as the service layer does
    resolved = period_for(period, end)
    return Plan(
        request=request,
        report_type=report_type,
        org_slug=org["slug"],
        org_id=int(org["id"]),
        client_slug=client["slug"] if client else None,
        client_id=int(client["id"]) if client else None,
        client_name=client["name"] if client else None,
        brand=resolve_brand(brand_ref, adjust_contrast=request.adjust_contrast),
        brand_ref=str(Path(brand_ref).resolve()) if brand_ref and Path(brand_ref).exists() else brand_ref,
        sections=list(template.sections) if template else [],
        kpis=kpis,
        period=period,
        period_start=resolved.start,
        period_end=resolved.end,
        template_id=template.id if template else None,
        database_url=url,
    )


def execute(plan: Plan, *, engine_name: str | None = None, timeout: int = 600, **engine_kwargs):
    """Run the report's notebook with the plan's parameters; return the executed notebook.

    ``engine_name="thrive-warm"`` with ``kernel=WarmKernel`` runs it on a warm kernel (see ``kernels``)."""
    papermill = require("papermill", "reports")
    from nbclient.exceptions import CellTimeoutError, DeadKernelError
    from papermill.exceptions import PapermillExecutionError

    from .. import settings

    folder = Path(settings.get("report_notebooks") or NOTEBOOKS_DIR)
    source = folder / f"{plan.report_type}.ipynb"
    if not source.exists():
        raise ReportError(f"The {plan.report_type} report notebook {source} does not exist.")
    with tempfile.TemporaryDirectory(prefix="thrive-report-") as tmp:
        executed = Path(tmp) / source.name
        try:
            return papermill.execute_notebook(
                str(source),
                str(executed),
                parameters=plan.parameters(),
                engine_name=engine_name,
                kernel_name="python3",
                progress_bar=False,
                execution_timeout=timeout,
                # saved once, when it has run (or failed), not after every cell: a report takes seconds, and
                # each save serialises, validates and deep-copies the notebook with its charts
                request_save_on_cell_execute=False,
                **engine_kwargs,
            )
        except CellTimeoutError as exc:
            raise ReportError(
                f"The {plan.report_type} report for {plan.who} timed out: a cell ran longer than {timeout} s."
            ) from exc
        except DeadKernelError as exc:
            raise ReportError(
                f"The {plan.report_type} report for {plan.who} lost its kernel (it died while running a cell)."
            ) from exc
        except PapermillExecutionError as exc:
            line = next((s for s in exc.source.splitlines() if s.strip()), "").strip()
            raise ReportError(
                f"The {plan.report_type} report for {plan.who} failed in cell {exc.cell_index + 1} "
                f"({line}): {exc.ename}: {' '.join(str(exc.evalue).split())}"
            ) from exc


def generate_report(
    request: ReportRequest,
    exporters: Exporters | None = None,
    *,
    warehouse: Warehouse | None = None,
    engine_name: str | None = None,
    **engine_kwargs,
) -> ReportOutput:
    """Generate ``request``'s report in each of its formats; raise :class:`ReportError` on failure (after
    recording every format's run as failed)."""
    started = dt.datetime.now(dt.UTC)
    warehouse = warehouse or Warehouse(resolve_database_url(request.database_url))
    plan = plan_report(request, warehouse)
    output = ReportOutput(plan.report_type, plan.client_slug)
    scope = Scope(plan.org_id)
    with warehouse.session(scope, write=True) as session:
        for fmt in request.formats:
            output.runs[fmt] = store.start_run(
                session,
                report_type=plan.report_type,
                fmt=fmt,
                client_id=plan.client_id,
                template_id=plan.template_id,
                period_start=plan.period_start,
                period_end=plan.period_end,
            )
    own = exporters is None
    exporters = exporters or Exporters()
    if engine_name is None:  # the warm kernel of this worker, reset between reports
        from .kernels import ensure_registered

        ensure_registered()
        engine_name, engine_kwargs = "thrive-warm", {"kernel": exporters.kernel, **engine_kwargs}
    try:
        nb = execute(plan, engine_name=engine_name, **engine_kwargs)
        files = export(plan, nb, exporters)
    except Exception as exc:
        with warehouse.session(scope, write=True) as session:
            for run_id in output.runs.values():
                store.fail_run(session, run_id, exc)
        raise
    finally:
        if own:
            exporters.close()
    with warehouse.session(scope, write=True) as session:
        for fmt, path in files.items():
            digest, size = file_digest(path)
            store.finish_run(session, output.runs[fmt], file=str(path), checksum=digest, size_bytes=size)
    output.files = files
    output.seconds = (dt.datetime.now(dt.UTC) - started).total_seconds()
    return output


def export(plan: Plan, nb, exporters: Exporters) -> dict[str, Path]:
    """Write the executed notebook ``nb`` in each of the plan's formats; return the paths."""
    from .excel import write_xlsx
    from .html import write_html
    from .slides import write_pptx

    meta, sections = sections_from_notebook(nb)
    if meta is None:
        raise ReportError(
            f"The {plan.report_type} report for {plan.who} displayed no report; check its notebook."
        )
    files: dict[str, Path] = {}
    html = None
    for fmt in plan.request.formats:
        path = plan.path(fmt)
        path.parent.mkdir(parents=True, exist_ok=True)
        if fmt in ("html", "pdf") and html is None:
            html = exporters.html.render(nb, brand=plan.brand, report_meta=meta)
        if fmt == "html":
            write_html(html, path)
        elif fmt == "pdf":
            exporters.printer.print_pdf(
                html,
                path,
                title=_title(meta),
                language=meta.get("language", "en"),
                header_html=plan.brand.name,
                footer_html=plan.brand.footer or plan.brand.name,
            )
        elif fmt == "xlsx":
            write_xlsx(meta, sections, path, brand=plan.brand)
        else:
            write_pptx(meta, sections, path, brand=plan.brand)
        files[fmt] = path
    return files


def _title(meta: dict) -> str:
    who = meta.get("client") or meta.get("organization")
    return f"{meta['title']} — {who} — {meta['period_start']} to {meta['period_end']}"


__all__ = ["FORMATS", "Exporters", "Plan", "ReportOutput", "ReportRequest", "generate_report", "plan_report"]
