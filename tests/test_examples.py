"""Every script in examples/ runs in its quick mode and does its job."""

import importlib.util
from pathlib import Path

import numpy as np
import pytest

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"


def load(name):
    spec = importlib.util.spec_from_file_location(name, EXAMPLES / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_every_example_is_tested():
    tested = {
        "l1_sparsity_logistic",
        "robust_losses_mlp",
        "grid_search_loss_penalty",
        "out_of_core",
        "dask_grid_search",
        "l1_pruned_classifier_digits",
        "poisson_counts",
    }
    assert {path.stem for path in EXAMPLES.glob("*.py")} == tested


def test_l1_sparsity_logistic(tmp_path):
    pytest.importorskip("matplotlib")
    alphas, sparsity = load("l1_sparsity_logistic").main(["--quick", "--output", str(tmp_path)])
    assert np.all(np.diff(sparsity) >= 0) and sparsity[-1] > sparsity[0]
    assert (tmp_path / "l1_sparsity_logistic.png").stat().st_size > 10_000


def test_robust_losses_mlp(tmp_path):
    pytest.importorskip("matplotlib")
    errors = load("robust_losses_mlp").main(["--quick", "--output", str(tmp_path)])
    assert set(errors) == {"squared_error", "absolute_error", "huber"}
    assert (tmp_path / "robust_losses_mlp.png").stat().st_size > 10_000


def test_l1_pruned_classifier_digits(tmp_path):
    results, constant_pixels = load("l1_pruned_classifier_digits").main(
        ["--quick", "--output", str(tmp_path)]
    )
    dense, pruned = results
    assert dense["sparsity"] == 0 and pruned["sparsity"] > 0.2
    assert pruned["accuracy"] >= dense["accuracy"] - 0.03
    # a pixel that is constant in the data has zero gradient: L1 prunes all its weights
    assert set(constant_pixels) <= set(pruned["pruned_pixels"]) and len(constant_pixels) > 0
    figure = tmp_path / "l1_pruned_classifier_digits.png"
    if importlib.util.find_spec("matplotlib") is not None:
        assert figure.stat().st_size > 10_000
    else:
        assert not figure.exists()


def test_grid_search_loss_penalty():
    search = load("grid_search_loss_penalty").main(["--quick"])
    assert len(search.cv_results_["params"]) == 4
    assert np.isfinite(search.best_score_)


def test_out_of_core():
    assert load("out_of_core").main(["--quick"]) > 0.3


def test_dask_grid_search():
    pytest.importorskip("distributed", reason="dask.distributed is not installed (the [distributed] extra)")
    local, remote = load("dask_grid_search").main(["--quick"])
    assert local.best_params_ == remote.best_params_
    np.testing.assert_allclose(local.cv_results_["mean_test_score"], remote.cv_results_["mean_test_score"])


def test_poisson_counts(tmp_path):
    results = load("poisson_counts").main(["--quick", "--output", str(tmp_path)])
    assert list(results) == ["squared + L2", "Poisson + L2", "Poisson + L1"]
    assert all(np.isfinite(row["deviance"]) and 0 < row["d2"] < 1 for row in results.values())
    assert results["Poisson + L2"]["non_positive"] == results["Poisson + L1"]["non_positive"] == 0
    # L1 keeps a fraction of the words; the Poisson loss explains more of the deviance than the squared
    assert 0 < results["Poisson + L1"]["non_zero"] < results["Poisson + L2"]["non_zero"]
    assert results["Poisson + L2"]["d2"] > results["squared + L2"]["d2"]
    figure = tmp_path / "poisson_counts.png"
    if importlib.util.find_spec("matplotlib") is not None:
        assert figure.stat().st_size > 10_000
    else:
        assert not figure.exists()
