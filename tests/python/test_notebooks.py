"""The seed notebooks (examples/notebooks/*.ipynb) run top to bottom with QUICK = True and write
their figures; any error in a cell fails the test."""

import importlib.util
import os
import pathlib
import time

import pytest

nbformat = pytest.importorskip("nbformat")
nbclient = pytest.importorskip("nbclient")
pytest.importorskip("matplotlib")

NOTEBOOKS = sorted(
    (pathlib.Path(__file__).resolve().parents[2] / "examples" / "notebooks").glob("*.ipynb")
)


def test_the_notebooks_are_there_without_outputs():
    assert len(NOTEBOOKS) >= 3
    for path in NOTEBOOKS:
        nb = nbformat.read(path, as_version=4)
        for cell in nb.cells:
            if cell.cell_type == "code":
                assert not cell.outputs, f"{path.name}: outputs are committed (strip them)"
                assert cell.execution_count is None, f"{path.name}: execution counts are committed"
        assert any("QUICK = True" in c.source for c in nb.cells), f"{path.name}: no QUICK cell"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_notebook_runs_and_writes_its_figures(path, tmp_path, monkeypatch):
    # 04 trains PyTorch autoencoders (sparsecode.torch); scripts/test-python.sh installs torch
    # and sets SPARSECODE_REQUIRE_TORCH=1, so that it fails there instead of skipping
    needs_torch = path.stem.startswith("04-")
    if needs_torch and importlib.util.find_spec("torch") is None:
        if os.environ.get("SPARSECODE_REQUIRE_TORCH") == "1":
            pytest.fail(f"{path.name} needs torch (pip install torch)")
        pytest.skip(f"{path.name} needs torch")
    monkeypatch.setenv("SPARSECODE_FIGURES", str(tmp_path))
    monkeypatch.setenv("MPLBACKEND", "Agg")
    nb = nbformat.read(path, as_version=4)
    start = time.perf_counter()
    nbclient.NotebookClient(
        nb, timeout=600, kernel_name="python3", resources={"metadata": {"path": str(tmp_path)}}
    ).execute()
    seconds = time.perf_counter() - start
    figures = list((tmp_path / path.stem).rglob("*.png"))
    assert figures, f"{path.name} wrote no figure"
    assert all(f.stat().st_size > 1000 for f in figures), "empty figures"
    assert seconds < 120, f"{path.name} took {seconds:.0f} s with QUICK = True (budget 120 s)"
