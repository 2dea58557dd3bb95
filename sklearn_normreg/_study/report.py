"""The study's report: the findings checked against the table, the table itself, and the figure."""

import math

import numpy as np

from .cases import COLUMNS


def findings(rows):
    """The seed's claims, each checked against this run's table."""
    smallest = min(rows, key=lambda row: row["sum |W|"])
    most_robust = min(rows, key=lambda row: row["clean test MAE"])
    seed_smallest = "L1 loss + L2 reg"
    return [
        f"Regularised cases have a smaller sum |W| than the same loss without penalty: {_shrinkage(rows)}.",
        f"L1 loss + L2 regularisation has the smallest sum |W| (the seed's finding): "
        f"{_yes_no(smallest['case'].endswith(seed_smallest))} "
        f"(smallest: case {smallest['case']}, {smallest['sum |W|']:.1f}).",
        f"A regularised network is the most robust to the noise (lowest clean test MAE): "
        f"{_yes_no(most_robust['penalty'] != 'None')} "
        f"(best: case {most_robust['case']}, {most_robust['clean test MAE']:.3f}).",
        f"Robust losses beat the squared loss on clean test MAE with outliers in the training data: "
        f"{_robust(rows)}.",
        f"Proximal L1 gives exact zeros (the seed's subgradient L1 cannot): {_l1_zeros(rows)} "
        "of the weights are exactly 0.",
    ]


def linear_findings(rows):
    """What the losses and penalties do to the linear fits, checked against this run's table."""
    most_robust = min(rows, key=lambda row: row["clean test MAE"])
    l1_rows = [row for row in rows if row["penalty"] == "l1"]
    return [
        f"Penalised fits have a smaller sum |W| than the same loss without penalty: {_shrinkage(rows)}.",
        f"Robust losses beat the squared loss on clean test MAE with outliers in the training data: "
        f"{_robust(rows)}.",
        f"A robust loss gives the lowest clean test MAE: {_yes_no(most_robust['loss'] != 'squared_error')} "
        f"(best: case {most_robust['case']}, {most_robust['clean test MAE']:.3f}).",
        f"L1 gives exact zero coefficients: {_yes_no(any(row['zero weights'] > 0 for row in l1_rows))} "
        f"({_l1_zeros(rows)} of the coefficients are exactly 0).",
    ]


def _by_case(rows):
    """The rows by (loss, penalty)."""
    return {(row["loss"], row["penalty"]): row for row in rows}


def _shrinkage(rows):
    """Whether each penalty shrinks sum |W| below the same loss's unpenalised case: 'yes (4 of 4)'."""
    by_case = _by_case(rows)
    # the pairs this run has (--dask fits no absolute-loss case)
    comparisons = [
        (by_case[(loss, penalty)], by_case[(loss, "None")])
        for loss in ("absolute_error", "squared_error")
        for penalty in ("l1", "l2")
        if (loss, penalty) in by_case and (loss, "None") in by_case
    ]
    smaller = sum(reg["sum |W|"] < plain["sum |W|"] for reg, plain in comparisons)
    return f"{_yes_no(smaller == len(comparisons))} ({smaller} of {len(comparisons)})"


def _robust(rows):
    """Whether each robust case beats the plain squared loss on clean test MAE: 'absolute yes, ...'."""
    by_case = _by_case(rows)
    squared = by_case[("squared_error", "None")]["clean test MAE"]
    robust = [
        (label, by_case[key]["clean test MAE"] < squared)
        for label, key in (
            ("absolute", ("absolute_error", "None")),
            ("huber", ("huber", "l2")),
            ("quantile", ("quantile", "l1")),
        )
        if key in by_case
    ]
    return ", ".join(f"{label} {_yes_no(better)}" for label, better in robust)


def _l1_zeros(rows):
    """The share of exact zeros of the L1 cases: 'case 3 0%, case 6 1%'."""
    return ", ".join(
        f"case {row['case'].split()[0]} {row['zero weights']:.0%}" for row in rows if row["penalty"] == "l1"
    )


def _yes_no(flag):
    return "yes" if flag else "no"


def format_table(rows, columns=COLUMNS):
    """The rows as a text table, one column per (name, format) of COLUMNS; the first three left-aligned."""
    cells = [[fmt.format(row[name]) for name, fmt in columns] for row in rows]
    widths = [max(len(name), *(len(line[i]) for line in cells)) for i, (name, _) in enumerate(columns)]
    lines = ["  ".join(name.ljust(w) for (name, _), w in zip(columns, widths))]
    lines.append("  ".join("-" * w for w in widths))
    lines += [
        "  ".join(cell.ljust(w) if i < 3 else cell.rjust(w) for i, (cell, w) in enumerate(zip(line, widths)))
        for line in cells
    ]
    return "\n".join(lines)


def draw_figure(path, rows, X_train, y_train, title, metric="clean test MAE"):
    """Small multiples of the fitted curves (or predicted vs true), and sum |W|; METRIC in each title."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    # one panel per case and one for the weights: 2 x 4 (network), 3 x 3 (linear model)
    n_rows = 2 if len(rows) < 8 else 3
    n_columns = math.ceil((len(rows) + 1) / n_rows)
    fig, axes = plt.subplots(
        n_rows, n_columns, figsize=(4 * n_columns, 3.75 * n_rows), constrained_layout=True
    )
    one_feature = X_train.shape[1] == 1
    grid = np.linspace(X_train.min(), X_train.max(), 400)[:, np.newaxis] if one_feature else None
    for ax, row in zip(axes.flat, rows):
        model = row["_model"]
        if one_feature:
            ax.scatter(X_train[:, 0], y_train, s=6, color="0.6", label="training data")
            ax.plot(grid[:, 0], model.predict(grid), color="C3", lw=2, label="fit")
        else:
            ax.scatter(y_train, model.predict(X_train), s=6, color="C0")
            low, high = y_train.min(), y_train.max()
            ax.plot([low, high], [low, high], color="0.3", lw=1)
            ax.set_xlabel("true")
            ax.set_ylabel("predicted")
        ax.set_title(f"{row['case']}\n{metric} {row[metric]:.3f}", fontsize=10)
    for ax in axes.flat[len(rows) : -1]:  # panels left over when cases were skipped (--dask)
        ax.set_axis_off()
    ax = axes.flat[-1]
    numbers = [row["case"].split()[0] for row in rows]
    ax.bar(numbers, [row["sum |W|"] for row in rows], color="C0")
    ax.set_xlabel("case")
    ax.set_ylabel("sum |W|", color="C0")
    twin = ax.twinx()
    twin.plot(numbers, [row["zero weights"] for row in rows], "o", color="C3")
    twin.set_ylabel("fraction of exact-zero weights", color="C3")
    twin.set_ylim(0, 1)
    ax.set_title("weights: sum |W| (bars), sparsity (dots)", fontsize=10)
    fig.suptitle(title)
    fig.savefig(path, dpi=80)
    plt.close(fig)


def has_matplotlib():
    """Whether the figure can be drawn."""
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        return False
    return True
