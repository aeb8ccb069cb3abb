"""A Papermill engine that runs report notebooks on a warm kernel instead of starting one per report.

Starting a kernel and importing pandas, SQLAlchemy, Altair and the package costs seconds; executing a
report's cells costs a fraction of that. :class:`WarmKernel` starts a kernel once, imports what every report
imports, renders one chart (vl-convert's engine starts on first use), snapshots the process state and
freezes the garbage collector's view of those objects. Between reports it resets the IPython namespace
(``reset(new_session=True)``) and restores the environment, ``sys.path``, the working directory, warning
filters and pandas options, so a report cannot see what the previous one left behind.

:class:`~thrive_analytics.reports.engine.WarmEngine` is registered with Papermill as ``thrive-warm`` through
the ``papermill.engine`` entry point (:func:`ensure_registered` also registers it for a checkout that is not
installed): ``papermill.execute_notebook(..., engine_name="thrive-warm", kernel=warm, kernel_cwd=folder)``. Papermill keeps its
semantics (parameters cell, injected parameters, cell metadata, errors with the cell index). A kernel that
died or timed out is replaced before the next report, and a kernel is recycled after ``max_reports`` reports
or when its memory passes ``max_rss_mb``.
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
import warnings
from pathlib import Path

import nbformat
from jupyter_core.utils import run_sync
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError, DeadKernelError

from ..exceptions import ReportError

WARMUP = """\
import gc, os, sys, warnings
import pandas as pd
import thrive_analytics.reports, thrive_analytics.reports.build, thrive_analytics.charts
import thrive_analytics.dashboard.report_page
from thrive_analytics.exceptions import import_deferred as _import_deferred
_import_deferred()
from thrive_analytics import charts as _charts
from thrive_analytics.reports import kernels as _kernels
_charts.line_figure(pd.DataFrame({"d": pd.date_range("2026-01-01", periods=2), "v": [1, 2]}), "d", "v", title="warm")
_kernels.snapshot()
del _charts, _kernels, _import_deferred
gc.collect()
gc.freeze()
"""
RESET = """\
get_ipython().reset(new_session=True)
from thrive_analytics.reports.kernels import restore as _restore
_restore({cwd!r})
del _restore
"""

_SNAPSHOT: dict = {}
#: pandas options a notebook might change (reset_option("all") would import matplotlib).
PANDAS_OPTIONS = (
    "display.max_rows",
    "display.max_columns",
    "display.precision",
    "display.width",
    "display.float_format",
    "display.max_colwidth",
    "mode.chained_assignment",
)


def snapshot() -> None:
    """Inside the kernel: remember the process state a report may change (see :func:`restore`)."""
    import pandas as pd

    _SNAPSHOT.update(
        environ=dict(os.environ),
        path=list(sys.path),
        cwd=os.getcwd(),
        filters=list(warnings.filters),
        pandas={
            k: pd.get_option(k) for k in ("display.max_rows", "display.max_columns", "display.precision")
        },
    )


def restore(cwd: str | None = None) -> None:
    """Inside the kernel: put back what :func:`snapshot` saw, then change to ``cwd``."""
    import pandas as pd

    if not _SNAPSHOT:
        raise RuntimeError("restore() before snapshot(): the kernel was not warmed up")
    os.environ.clear()
    os.environ.update(_SNAPSHOT["environ"])
    sys.path[:] = _SNAPSHOT["path"]
    warnings.filters[:] = _SNAPSHOT["filters"]
    for key, value in _SNAPSHOT["pandas"].items():
        pd.set_option(key, value)
    os.chdir(cwd or _SNAPSHOT["cwd"])


#: Set by a web server for the request its kernel serves (Voila, CGI-style variables): never the report kernel's.
REQUEST_VARIABLES = ("VOILA_", "HTTP_", "QUERY_STRING", "SCRIPT_NAME", "PATH_INFO", "SERVER_", "REMOTE_")


def _inherited_environment() -> dict[str, str]:
    """This process's environment without the page request's variables: a report kernel started from a
    dashboard kernel must not look like (or learn the identity of) the dashboard's own kernel."""
    return {k: v for k, v in os.environ.items() if not k.startswith(REQUEST_VARIABLES)}


class WarmKernel:
    """One kernel, started and warmed up once, reused for many notebooks (one thread at a time)."""

    def __init__(
        self,
        kernel_name: str = "python3",
        *,
        max_reports: int = 500,
        max_rss_mb: int = 1500,
        startup_timeout: int = 60,
        warmup: str = WARMUP,
        env: dict[str, str] | None = None,
    ) -> None:
        self.kernel_name = kernel_name
        self.env = dict(env or {})  # set in the kernel's environment, over this process's
        self.max_reports, self.max_rss_mb = max_reports, max_rss_mb
        self.startup_timeout, self.warmup = startup_timeout, warmup
        self.km = self.kc = self._ipc_dir = None
        self.reports = 0
        self.restarts = 0
        self.start()

    def start(self) -> None:
        """Start the kernel and warm it up."""
        starter = NotebookClient(
            nbformat.v4.new_notebook(), kernel_name=self.kernel_name, startup_timeout=self.startup_timeout
        )
        for attempt in range(3):
            self.km = starter.create_kernel_manager()
            # Unix sockets in a private folder, not TCP ports on loopback: no port races between kernels started
            # together, nothing another local user can connect to, and no "running over TCP without
            # encryption" warning on every start.
            self._ipc_dir = tempfile.mkdtemp(prefix="thrive-kernel-")
            self.km.transport, self.km.ip = "ipc", os.path.join(self._ipc_dir, "kernel")
            try:
                starter.start_new_kernel(env={**_inherited_environment(), **self.env})
                starter.start_new_kernel_client()
                break
            except Exception:
                shutil.rmtree(self._ipc_dir, ignore_errors=True)
                if attempt == 2:
                    raise
        self.kc = starter.kc
        self.reports = 0
        self.run(self.warmup, timeout=300)

    @property
    def pid(self) -> int | None:
        process = getattr(getattr(self.km, "provisioner", None), "process", None)
        return getattr(process, "pid", None)

    def rss_mb(self) -> float | None:
        try:
            status = Path(f"/proc/{self.pid}/status").read_text()
        except (OSError, TypeError):
            return None
        line = next((x for x in status.splitlines() if x.startswith("VmRSS:")), None)
        return int(line.split()[1]) / 1024 if line else None

    def run(self, source: str, timeout: int = 60) -> None:
        """Execute ``source`` in the kernel; raise :class:`ReportError` if it fails."""
        nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(source)])
        client = NotebookClient(nb, km=self.km, kernel_name=self.kernel_name, timeout=timeout)
        client.kc = self.kc
        try:
            with client.setup_kernel():
                client.execute_cell(nb.cells[0], 0)
        except CellExecutionError as exc:
            raise ReportError(
                f"The report kernel could not run its set-up code: {str(exc).splitlines()[-1]}"
            ) from exc

    def prepare(self, cwd: str | os.PathLike | None = None) -> None:
        """Make the kernel fresh for the next notebook: replace it if it died, grew too large or ran its
        share of reports; otherwise reset its namespace and process state."""
        rss = self.rss_mb()
        if (
            not run_sync(self.km.is_alive)()
            or self.reports >= self.max_reports
            or (rss is not None and rss > self.max_rss_mb)
        ):
            self.replace()
        reset = RESET.format(cwd=str(cwd) if cwd else None)
        try:
            self.run(reset)
        except DeadKernelError:  # died since the last notebook, not yet noticed: start afresh once
            self.replace()
            self.run(reset)
        self.reports += 1

    def replace(self) -> None:
        self.shutdown()
        self.restarts += 1
        self.start()

    def shutdown(self) -> None:
        if self.kc is not None:
            self.kc.stop_channels()
        if self.km is not None and self.km.has_kernel:
            run_sync(self.km.shutdown_kernel)(now=True)
        if self._ipc_dir:
            shutil.rmtree(self._ipc_dir, ignore_errors=True)
        self.km = self.kc = self._ipc_dir = None

    def __enter__(self) -> WarmKernel:
        return self

    def __exit__(self, *exc) -> None:
        self.shutdown()


def ensure_registered() -> None:
    """Make sure Papermill knows the ``thrive-warm`` engine (papermill is imported first: importing it loads
    the entry point, whose module needs papermill's ``Engine`` already defined)."""
    from papermill.engines import papermill_engines

    if "thrive-warm" not in papermill_engines._engines:
        from .engine import WarmEngine

        papermill_engines.register("thrive-warm", WarmEngine)
