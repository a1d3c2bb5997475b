"""The example notebooks (examples/*.ipynb) run top to bottom and are stored without outputs.

Each notebook is executed with nbclient in a fresh IPython kernel of *this* interpreter: the
kernelspec is written into a temporary folder with ``sys.executable`` as its command, so the
``python`` on PATH (or a user's own ``python3`` kernelspec) cannot stand in for the venv.
Figures use matplotlib's inline backend (no display needed); files the notebooks write to
``tempfile`` folders land in pytest's ``tmp_path``.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

import pytest
from conftest import ROOT

nbformat = pytest.importorskip("nbformat", reason="pip install -e '.[test]' (nbformat)")
nbclient = pytest.importorskip("nbclient", reason="pip install -e '.[test]' (nbclient)")
pytest.importorskip("ipykernel", reason="pip install -e '.[test]' (ipykernel)")

from jupyter_client.kernelspec import KernelSpecManager  # noqa: E402  (after the skips)
from jupyter_client.manager import KernelManager  # noqa: E402

EXAMPLES = ROOT / "examples"
NOTEBOOKS = sorted(EXAMPLES.glob("*.ipynb"))
EXPECTED = [
    "01_baseline_vs_hormuz",
    "02_edit_the_graph",
    "03_cost_of_diversification",
    "04_worst_two_losses",
    "05_custom_pyomo_constraint",
]
#: seconds a single cell may take (each notebook runs in well under a minute)
CELL_TIMEOUT = 300
KERNEL = "python3"  # the name ipykernel's own kernelspec has; ours points at sys.executable


def _ids(path: Path) -> str:
    return path.stem


def test_the_examples_are_there_and_listed():
    assert [p.stem for p in NOTEBOOKS] == EXPECTED
    readme = (EXAMPLES / "README.md").read_text(encoding="utf-8")
    for p in NOTEBOOKS:
        assert p.name in readme, f"{p.name} is not listed in examples/README.md"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=_ids)
def test_stored_without_outputs(path: Path):
    nb = nbformat.read(path, as_version=4)
    nbformat.validate(nb)
    first = nb.cells[0]
    assert first.cell_type == "markdown" and first.source.startswith("# "), (
        f"{path.name}: the first cell should be a markdown title ('# ...')"
    )
    for i, cell in enumerate(nb.cells):
        if cell.cell_type != "code":
            continue
        assert cell.get("outputs") == [], (
            f"{path.name}, cell {i}: stored with outputs; clear them before committing "
            f"(jupyter nbconvert --clear-output --inplace {path.name})"
        )
        assert cell.get("execution_count") is None, (
            f"{path.name}, cell {i}: stored with an execution count; clear the outputs"
        )


@pytest.fixture(scope="module")
def kernel_dirs(tmp_path_factory: pytest.TempPathFactory) -> list[str]:
    """A kernelspec folder holding only ``python3`` = this interpreter's ipykernel."""
    root = tmp_path_factory.mktemp("kernels")
    spec = root / KERNEL
    spec.mkdir()
    argv = [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"]
    kernel = {"argv": argv, "display_name": "Python 3 (tests)", "language": "python"}
    (spec / "kernel.json").write_text(json.dumps(kernel), encoding="utf-8")
    return [str(root)]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=_ids)
def test_notebook_runs(
    path: Path, kernel_dirs: list[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    # the kernel inherits this environment: headless inline figures, its temporary folders
    # and IPython's profile under tmp_path, nothing written to the user's home
    monkeypatch.setenv("MPLBACKEND", "module://matplotlib_inline.backend_inline")
    monkeypatch.setenv("TMPDIR", str(tmp_path))
    monkeypatch.setenv("IPYTHONDIR", str(tmp_path / "ipython"))
    monkeypatch.setenv("JUPYTER_RUNTIME_DIR", str(tmp_path / "runtime"))

    nb = nbformat.read(path, as_version=4)
    km = KernelManager(
        kernel_name=KERNEL, kernel_spec_manager=KernelSpecManager(kernel_dirs=kernel_dirs)
    )
    assert km.kernel_spec is not None and km.kernel_spec.argv[0] == sys.executable
    client = nbclient.NotebookClient(
        nb,
        km=km,
        timeout=CELL_TIMEOUT,
        kernel_name=KERNEL,
        resources={"metadata": {"path": str(EXAMPLES)}},
    )
    t0 = time.perf_counter()
    try:
        client.execute()  # a cell that raises fails the test, with the cell and its traceback
    finally:  # nbclient leaves a kernel manager it was given running
        if km.has_kernel:
            km.shutdown_kernel(now=True)
    print(f"{path.name}: {time.perf_counter() - t0:.1f} s")
