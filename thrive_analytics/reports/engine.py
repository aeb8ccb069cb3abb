"""The ``thrive-warm`` Papermill engine: execute a notebook on a :class:`~.kernels.WarmKernel`.

Loaded by Papermill through the ``papermill.engine`` entry point while papermill itself is being imported, so
this module imports only papermill's engine base and client wrapper at the top; import
:mod:`thrive_analytics.reports.kernels` (and call ``ensure_registered``) rather than this module directly.
"""

from __future__ import annotations

from nbclient.exceptions import CellTimeoutError, DeadKernelError
from papermill.clientwrap import PapermillNotebookClient
from papermill.engines import Engine


class WarmEngine(Engine):
    """Papermill engine: execute on the :class:`WarmKernel` passed as ``kernel=`` (one is started if not)."""

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
