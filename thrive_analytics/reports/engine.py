"""The ``thrive-warm`` Papermill engine: execute a notebook on a :class:`~.kernels.WarmKernel`.

Loaded by Papermill through the ``papermill.engine`` entry point while papermill itself is being imported, so
this module imports only papermill's engine base and client wrapper at the top; import
:mod:`thrive_analytics.reports.kernels` (and call ``ensure_registered``) rather than this module directly.
"""

from __future__ import annotations

import time

from nbclient.exceptions import CellTimeoutError, DeadKernelError
from papermill.clientwrap import PapermillNotebookClient
from papermill.engines import Engine, NotebookExecutionManager


class ThrottledSaves(NotebookExecutionManager):
    """Papermill's execution manager, saving the output notebook at the start, at the end (also after a
    failure) and at most every ``autosave_cell_every`` seconds in between, instead of at every cell's start
    and end. Each save serialises (and deep-copies) the whole notebook with its charts: for a report of ten
    cells those twenty-odd saves cost more than running the cells. The saved notebook at the end is the same."""

    _final = False
    _saved_once = False

    def save(self, **kwargs):
        due = (
            self._final
            or not self._saved_once
            or (self.autosave_cell_every and time.monotonic() - self._last_write >= self.autosave_cell_every)
        )
        if due:
            super().save(**kwargs)
            self._saved_once, self._last_write = True, time.monotonic()

    def notebook_complete(self, **kwargs):
        self._final = True
        return super().notebook_complete(**kwargs)


class WarmEngine(Engine):
    """Papermill engine: execute on the :class:`WarmKernel` passed as ``kernel=`` (one is started if not)."""

    @classmethod
    def execute_notebook(
        cls,
        nb,
        kernel_name,
        output_path=None,
        progress_bar=True,
        log_output=False,
        autosave_cell_every=30,
        **kw,
    ):
        """As :meth:`Engine.execute_notebook`, with :class:`ThrottledSaves` as the execution manager."""
        nb_man = ThrottledSaves(
            nb,
            output_path=output_path,
            progress_bar=progress_bar,
            log_output=log_output,
            autosave_cell_every=autosave_cell_every,
        )
        nb_man.notebook_start()
        try:
            cls.execute_managed_notebook(nb_man, kernel_name, log_output=log_output, **kw)
        finally:
            nb_man.cleanup_pbar()
            nb_man.notebook_complete()
        return nb_man.nb

    @classmethod
    def execute_managed_notebook(
        cls,
        nb_man,
        kernel_name,
        log_output=False,
        stdout_file=None,
        stderr_file=None,
        start_timeout=60,
        execution_timeout=None,
        kernel=None,
        kernel_cwd=None,
        **kwargs,
    ):
        from .kernels import WarmKernel

        own = kernel is None
        kernel = kernel or WarmKernel(kernel_name, startup_timeout=start_timeout)
        try:
            kernel.prepare(kernel_cwd)
            client = PapermillNotebookClient(
                nb_man,
                km=kernel.km,
                kernel_name=kernel_name,
                timeout=execution_timeout,
                log_output=log_output,
                stdout_file=stdout_file,
                stderr_file=stderr_file,
            )
            client.kc = kernel.kc
            return client.execute()
        except (CellTimeoutError, DeadKernelError):
            if not own:
                kernel.replace()  # a kernel stuck in a cell or gone cannot run the next report
            raise
        finally:
            if own:
                kernel.shutdown()
