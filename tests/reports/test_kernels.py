"""The warm-kernel Papermill engine: reused, reset between notebooks, replaced when it dies or hangs."""

from __future__ import annotations

import os
import signal

import nbformat
import papermill
import pytest
from nbclient.exceptions import CellTimeoutError, DeadKernelError
from papermill.exceptions import PapermillExecutionError

from thrive_analytics.reports.kernels import WarmKernel, ensure_registered

ensure_registered()

LIGHT_WARMUP = (
    "import gc, pandas\nfrom thrive_analytics.reports import kernels\nkernels.snapshot()\ngc.freeze()\n"
)


@pytest.fixture(scope="module")
def kernel():
    with WarmKernel(warmup=LIGHT_WARMUP) as warm:
        yield warm


def notebook(tmp_path, *sources: str, name: str = "nb.ipynb") -> str:
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb.cells = [nbformat.v4.new_code_cell("x = 1", metadata={"tags": ["parameters"]})]
    nb.cells += [nbformat.v4.new_code_cell(s) for s in sources]
    path = tmp_path / name
    nbformat.write(nb, path)
    return str(path)


def run(path: str, kernel: WarmKernel, **kwargs):
    return papermill.execute_notebook(
        path, path + ".out.ipynb", engine_name="thrive-warm", kernel=kernel, progress_bar=False, **kwargs
    )


def outputs(nb) -> list[str]:
    return [
        "".join(o.get("text", "")) or o.get("data", {}).get("text/plain", "")
        for c in nb.cells
        for o in c.get("outputs", [])
    ]


def test_parameters_are_injected_and_the_kernel_is_reused(kernel, tmp_path):
    pid = kernel.pid
    nb = run(notebook(tmp_path, "print(x * 2)"), kernel, parameters={"x": 21})
    assert outputs(nb) == ["42\n"]
    assert nb.cells[1].metadata["tags"] == ["injected-parameters"]
    assert nb.metadata["papermill"]["parameters"] == {"x": 21}
    run(notebook(tmp_path, "print(x)"), kernel, parameters={"x": 5})
    assert kernel.pid == pid


def test_nothing_leaks_from_one_notebook_to_the_next(kernel, tmp_path):
    first = notebook(
        tmp_path,
        "secret = 'client A'\nimport os, sys, pandas as pd\nos.environ['LEAK'] = '1'\nsys.path.append('/leak')\n"
        "pd.set_option('display.max_rows', 3)\nos.chdir('/')",
        name="a.ipynb",
    )
    run(first, kernel)
    second = notebook(
        tmp_path,
        "import os, sys, pandas as pd\nprint('secret' in dir(), 'LEAK' in os.environ, '/leak' in sys.path, "
        "pd.get_option('display.max_rows'), os.getcwd() == '/')",
        name="b.ipynb",
    )
    nb = run(second, kernel)
    assert outputs(nb) == ["False False False 60 False\n"]


def test_a_failing_cell_is_papermills_error_and_the_kernel_stays(kernel, tmp_path):
    pid = kernel.pid
    with pytest.raises(PapermillExecutionError) as caught:
        run(notebook(tmp_path, "1 / 0"), kernel)
    assert (
        caught.value.cell_index == 1 and caught.value.ename == "ZeroDivisionError"
    )  # no parameters: none injected
    assert kernel.pid == pid
    assert outputs(run(notebook(tmp_path, "print('after')"), kernel)) == ["after\n"]


def test_a_hanging_cell_times_out_and_the_kernel_is_replaced(kernel, tmp_path):
    restarts = kernel.restarts
    with pytest.raises(CellTimeoutError):
        run(notebook(tmp_path, "import time\ntime.sleep(60)"), kernel, execution_timeout=2)
    assert kernel.restarts == restarts + 1
    assert outputs(run(notebook(tmp_path, "print('fresh')"), kernel)) == ["fresh\n"]


def test_a_killed_kernel_is_replaced_before_the_next_notebook(kernel, tmp_path):
    with pytest.raises(DeadKernelError):
        run(notebook(tmp_path, "import os, signal\nos.kill(os.getpid(), signal.SIGKILL)"), kernel)
    assert outputs(run(notebook(tmp_path, "print('alive')"), kernel)) == ["alive\n"]
    os.kill(kernel.pid, signal.SIGKILL)  # killed between notebooks: found dead and replaced
    assert outputs(run(notebook(tmp_path, "print('again')"), kernel)) == ["again\n"]


def test_the_kernel_is_recycled_after_its_share_of_notebooks(tmp_path):
    with WarmKernel(warmup=LIGHT_WARMUP, max_reports=2) as warm:
        pids = []
        for i in range(3):
            run(notebook(tmp_path, f"print({i})", name=f"{i}.ipynb"), warm)
            pids.append(warm.pid)
    assert pids[0] == pids[1] != pids[2]
