"""The report button: generate the white-label report matching the page and offer the file for download.

The report is made exactly as ``thrive report`` makes it (:func:`thrive_analytics.reports.run.generate_report`:
the report notebook under Papermill on a warm kernel, recorded as a run), into a temporary folder of the
signed-in user, and offered as a link whose ``data:`` URI carries the file itself (``<a download>``), so the
download needs no further request to the server and no network. Generation runs on a thread, so the page
keeps answering while the kernel works.
"""

from __future__ import annotations

import atexit
import base64
import html
import re
import tempfile
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path

import ipywidgets as w

from ..exceptions import ThriveError
from ..reports.catalog import TITLES
from ..reports.run import Exporters, ReportOutput, ReportRequest, generate_report

__all__ = ["MIME_TYPES", "ReportButton", "download_link", "user_folder"]

MIME_TYPES = {
    "pdf": "application/pdf",
    "html": "text/html",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
}
FORMAT_LABELS = {"pdf": "PDF", "html": "HTML", "xlsx": "Excel", "pptx": "PowerPoint"}
_exporters: Exporters | None = None
_worker: ThreadPoolExecutor | None = None
_lock = threading.Lock()


def user_folder(user: str) -> Path:
    """A new private temporary folder for ``user``'s reports (mode 0700)."""
    safe = re.sub(r"[^A-Za-z0-9_.-]+", "-", user)[:40] or "user"
    return Path(tempfile.mkdtemp(prefix=f"thrive-reports-{safe}-"))


def download_link(path: Path, fmt: str) -> str:
    """An ``<a download>`` whose ``data:`` URI holds the file."""
    data = base64.b64encode(path.read_bytes()).decode("ascii")
    name = html.escape(path.name, quote=True)
    return (
        f'<a class="thrive-download" download="{name}" href="data:{MIME_TYPES[fmt]};base64,{data}">'
        f"Download {name}</a> ({path.stat().st_size / 1024:,.0f} KB)"
    )


def _shared_exporters() -> Exporters:
    """One warm report kernel (and PDF printer) per dashboard kernel, started on the first report."""
    global _exporters
    if _exporters is None:
        _exporters = Exporters()
        atexit.register(_exporters.close)
    return _exporters


def _shared_worker() -> ThreadPoolExecutor:
    """The one thread reports are made on: the warm kernel's client stays on the thread that started it,
    and the notebook kernel's own event loop (which Papermill cannot run inside) stays free."""
    global _worker
    with _lock:
        if _worker is None:
            _worker = ThreadPoolExecutor(max_workers=1, thread_name_prefix="thrive-report")
        return _worker


class ReportButton(w.VBox):
    """Report type and format pickers, a Generate button and the status line that becomes the link.

    ``request_for(report_type, fmt, out)`` builds the :class:`ReportRequest` for the page's current choices
    (the page fixes the organisation, and the client for a client viewer); ``on_done(output)`` runs after a
    report is made (the page records it in the activity feed)."""

    def __init__(
        self,
        request_for: Callable[[str, str, Path], ReportRequest],
        report_types: Sequence[str],
        *,
        user: str = "user",
        formats: Sequence[str] = ("pdf", "html", "xlsx", "pptx"),
        on_done: Callable[[ReportOutput], None] | None = None,
        background: bool = True,
    ):
        self.request_for, self.on_done, self.background, self.user = request_for, on_done, background, user
        self.kind = w.Dropdown(options=[(TITLES[t], t) for t in report_types], description="Report")
        self.format = w.Dropdown(options=[(FORMAT_LABELS[f], f) for f in formats], description="Format")
        self.button = w.Button(description="Generate report", button_style="primary")
        self.status = w.HTML("")
        self.status.add_class("thrive-dash")
        self.button.on_click(lambda _: self.start())
        self.folder: Path | None = None
        self.output: ReportOutput | None = None
        self.future: Future | None = None
        super().__init__([w.HBox([self.kind, self.format, self.button]), self.status])

    def start(self) -> None:
        """Generate on the report thread (or here, when ``background`` is False)."""
        if self.future is not None and not self.future.done():
            return
        self.button.disabled = True
        self.status.value = (
            f'<p class="thrive-muted">Generating “{html.escape(TITLES[self.kind.value])}”; this takes a few '
            "seconds…</p>"
        )
        if self.background:
            self.future = _shared_worker().submit(self.generate)
        else:
            self.generate()

    def generate(self) -> ReportOutput | None:
        """Make the report for the current choices and put its download link in the status line."""
        fmt = self.format.value
        try:
            self.folder = self.folder or user_folder(self.user)
            request = self.request_for(self.kind.value, fmt, self.folder)
            output = generate_report(request, _shared_exporters())
            self.output = output
            self.status.value = f"<p>{download_link(output.files[fmt], fmt)}</p>"
            if self.on_done is not None:
                self.on_done(output)
            return output
        except ThriveError as exc:
            self.status.value = (
                f'<p class="thrive-muted">The report could not be made: {html.escape(str(exc))}</p>'
            )
        except Exception as exc:
            self.status.value = f'<p class="thrive-muted">The report could not be made ({html.escape(type(exc).__name__)}).</p>'
        finally:
            self.button.disabled = False
        return None
