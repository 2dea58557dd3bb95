"""Every script in examples/ runs in its quick mode and does its job.

The examples are sphinx-gallery scripts: their code runs at the top level, step by step, so a test
runs one as a script (``runpy``, with the command line it would get) and reads its results from the
variables it leaves behind. ``dask_grid_search`` is the exception: its cluster's worker processes
import it again, so it keeps its work in ``main()``.
"""

import importlib.util
import runpy
import sys
from pathlib import Path

import numpy as np
import pytest

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"


def load(name):
    spec = importlib.util.spec_from_file_location(name, EXAMPLES / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def run(name, *argv):
    """Run examples/NAME.py as ``python examples/NAME.py ARGV...``; return its global variables."""
    path = str(EXAMPLES / f"{name}.py")
    saved = sys.argv
    sys.argv = [path, *argv]
    try:
        return runpy.run_path(path, run_name="__main__")
    finally:
        sys.argv = saved


def check_figure(path):
    """The figure is written when matplotlib is installed, and not otherwise."""
    if importlib.util.find_spec("matplotlib") is not None:
        assert path.stat().st_size > 10_000
    else:
        assert not path.exists()


def test_every_example_is_tested():
    tested = {
        "l1_sparsity_logistic",
        "robust_losses_mlp",
        "grid_search_loss_penalty",
        "out_of_core",
        "dask_grid_search",
        "dask_linear_fit",
        "l1_pruned_classifier_digits",
        "poisson_counts",
    }
    assert {path.stem for path in EXAMPLES.glob("*.py")} == tested


def test_l1_sparsity_logistic(tmp_path):
    pytest.importorskip("matplotlib")
    example = run("l1_sparsity_logistic", "--quick", "--output", str(tmp_path))
    sparsity = example["sparsity"]
    assert np.all(np.diff(sparsity) >= 0) and sparsity[-1] > sparsity[0]
    assert (tmp_path / "l1_sparsity_logistic.png").stat().st_size > 10_000


def test_robust_losses_mlp(tmp_path):
    pytest.importorskip("matplotlib")
    errors = run("robust_losses_mlp", "--quick", "--output", str(tmp_path))["errors"]
    assert set(errors) == {"squared_error", "absolute_error", "huber"}
    assert (tmp_path / "robust_losses_mlp.png").stat().st_size > 10_000


def test_l1_pruned_classifier_digits(tmp_path):
    example = run("l1_pruned_classifier_digits", "--quick", "--output", str(tmp_path))
    dense, pruned = example["results"]
    constant_pixels = example["constant_pixels"]
    assert dense["sparsity"] == 0 and pruned["sparsity"] > 0.2
    assert pruned["accuracy"] >= dense["accuracy"] - 0.03
    # a pixel that is constant in the data has zero gradient: L1 prunes all its weights
    assert set(constant_pixels) <= set(pruned["pruned_pixels"]) and len(constant_pixels) > 0
    check_figure(tmp_path / "l1_pruned_classifier_digits.png")


def test_grid_search_loss_penalty(tmp_path):
    search = run("grid_search_loss_penalty", "--quick", "--output", str(tmp_path))["search"]
    assert len(search.cv_results_["params"]) == 4
    assert np.isfinite(search.best_score_)
    check_figure(tmp_path / "grid_search_loss_penalty.png")


def test_out_of_core(tmp_path):
    example = run("out_of_core", "--quick", "--output", str(tmp_path))
    assert example["score"] > 0.3
    assert not Path(example["folder"].name).exists()  # the memmap's temporary folder is removed
    check_figure(tmp_path / "out_of_core.png")


def test_dask_grid_search(tmp_path):
    pytest.importorskip("distributed", reason="dask.distributed is not installed (the [distributed] extra)")
    local, remote = load("dask_grid_search").main(["--quick", "--output", str(tmp_path)])
    assert local.best_params_ == remote.best_params_
    np.testing.assert_allclose(local.cv_results_["mean_test_score"], remote.cv_results_["mean_test_score"])
    check_figure(tmp_path / "dask_grid_search.png")


def test_dask_linear_fit(tmp_path):
    pytest.importorskip("distributed", reason="dask.distributed is not installed (the [distributed] extra)")
    model, reference = load("dask_linear_fit").main(["--quick", "--output", str(tmp_path)])
    assert abs(model.objective_ - reference.objective_) <= 1e-8 * reference.objective_
    assert set(np.flatnonzero(model.coef_[0])) >= {0, 1, 2}
    check_figure(tmp_path / "dask_linear_fit.png")


def test_poisson_counts(tmp_path):
    results = run("poisson_counts", "--quick", "--output", str(tmp_path))["results"]
    assert list(results) == ["squared + L2", "Poisson + L2", "Poisson + L1"]
    assert all(np.isfinite(row["deviance"]) and 0 < row["d2"] < 1 for row in results.values())
    assert results["Poisson + L2"]["non_positive"] == results["Poisson + L1"]["non_positive"] == 0
    # L1 keeps a fraction of the words; the Poisson loss explains more of the deviance than the squared
    assert 0 < results["Poisson + L1"]["non_zero"] < results["Poisson + L2"]["non_zero"]
    assert results["Poisson + L2"]["d2"] > results["squared + L2"]["d2"]
    check_figure(tmp_path / "poisson_counts.png")
