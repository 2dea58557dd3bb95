"""The group penalty: the L2,1 norm over groups of coordinates, with an optional L2 part."""

from __future__ import annotations

import copy
from typing import cast

import numpy as np
from numpy.typing import ArrayLike

from ._base import BasePenalty

__all__ = ["GroupElasticNetPenalty", "GroupL1Penalty"]


class GroupL1Penalty(BasePenalty):
    """``alpha * sum_g ||w_g||_2`` over groups of coordinates: whole groups become exactly 0.

    The plain L2,1 norm, every group weighted 1, as scikit-learn's
    ``MultiTaskLasso`` (where a group is one feature's row of coefficients
    across the outputs). Coordinates of group ``-1`` belong to no group and get
    the L2 penalty ``alpha * 0.5 * w^2`` (the deeper layers of an MLP, whose
    first layer carries the groups).

    Parameters
    ----------
    alpha : float, default=1.0
        Strength, ``>= 0``.
    groups : array-like of int
        The group of each coordinate of the (flat) weights; ``-1``: none.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_normreg.penalties import GroupL1Penalty
    >>> pen = GroupL1Penalty(alpha=1.0, groups=[0, 0, 1])
    >>> w = np.array([3.0, 4.0, 0.5])
    >>> pen.value(w)
    5.5
    >>> pen.prox(w, step=1.0)  # group 0 shrinks by 1 in norm, group 1 is zeroed
    array([2.4, 3.2, 0. ])
    """

    name = "group_l1"
    parameters: tuple[str, ...] = ("alpha",)
    separable = False
    grouped = True

    def __init__(self, alpha: float = 1.0, groups: ArrayLike = (), *, l1_ratio: float = 1.0) -> None:
        if not alpha >= 0:
            raise ValueError(f"alpha must be >= 0, got {alpha!r}.")
        if not 0 <= l1_ratio <= 1:
            raise ValueError(f"l1_ratio must be in [0, 1], got {l1_ratio!r}.")
        self.alpha, self.l1_ratio = alpha, l1_ratio
        self.groups = np.asarray(groups, dtype=np.intp).ravel()
        if np.any(self.groups < -1):
            raise ValueError("Group ids must be >= 0 (or -1 for coordinates in no group).")
        self._index()

    def _index(self) -> None:
        """Where the grouped coordinates are, their group ids and the groups' sizes (once: the
        prox runs at every step of an MLP's optimiser). A prefix of grouped coordinates (an
        MLP's first layer) is a slice, so reading it is a view, not a copy."""
        grouped = np.flatnonzero(self.groups >= 0)
        self._n_groups = int(self.groups.max(initial=-1)) + 1
        prefix = grouped.size == 0 or grouped[-1] == grouped.size - 1
        self._grouped = slice(0, grouped.size) if prefix else grouped
        self._ungrouped = slice(grouped.size, None) if prefix else np.flatnonzero(self.groups < 0)
        self._ids = self.groups[self._grouped]
        self._sizes = np.maximum(np.bincount(self._ids, minlength=self._n_groups), 1)

    @property
    def is_zero(self) -> bool:
        return self.alpha == 0

    def _strengths(self) -> tuple[float, float]:
        """The weight of the group norms and of ``0.5 * ||w||^2`` on the grouped coordinates."""
        return self.alpha * self.l1_ratio, self.alpha * (1 - self.l1_ratio)

    def _group_norms(self, w: np.ndarray) -> np.ndarray:
        return np.sqrt(np.bincount(self._ids, np.square(w[self._grouped]), minlength=self._n_groups))

    def value(self, w: np.ndarray) -> float:
        w = np.ravel(w)
        a1, a2 = self._strengths()
        grouped, ungrouped = w[self._grouped], w[self._ungrouped]
        return float(
            a1 * self._group_norms(w).sum()
            + 0.5 * a2 * np.dot(grouped, grouped)
            + 0.5 * self.alpha * np.dot(ungrouped, ungrouped)
        )

    def prox(self, w: np.ndarray, step: ArrayLike, out: np.ndarray | None = None) -> np.ndarray:
        """Group soft-thresholding, then the L2 shrinkage.

        With per-coordinate steps (Adam), a group moves with the mean of its
        coordinates' steps: the group's prox needs one step, and the mean keeps
        the zeroing threshold where the coordinates' own steps put it on average.
        """
        shape = np.shape(w)
        w = np.ravel(w)
        out = np.empty_like(w) if out is None else out.reshape(-1)
        a1, a2 = self._strengths()
        group_step: float | np.ndarray
        ungrouped_step: float | np.ndarray
        if np.ndim(step) == 0:
            group_step, ungrouped_step = float(cast(float, step)), float(cast(float, step))
        else:
            step = np.ravel(step)
            group_step = np.bincount(self._ids, step[self._grouped], minlength=self._n_groups) / self._sizes
            ungrouped_step = step[self._ungrouped]
        norms = self._group_norms(w)
        threshold = group_step * a1
        # 1 - t / ||w_g|| where ||w_g|| > t, else 0: exact zeros for the whole group
        scale = np.divide(norms - threshold, norms, out=np.zeros_like(norms), where=norms > threshold)
        scale /= 1 + group_step * a2
        out[self._grouped] = w[self._grouped] * scale[self._ids].astype(w.dtype, copy=False)
        out[self._ungrouped] = w[self._ungrouped] / np.asarray(1 + ungrouped_step * self.alpha, dtype=w.dtype)
        return out.reshape(shape)

    def subdiff_distance(self, w: np.ndarray, grad: np.ndarray) -> np.ndarray:
        """Per coordinate: ``|grad + a2 w + a1 w_g / ||w_g|| |`` in a non-zero group; in a zero
        group the group's distance ``max(||grad_g|| - a1, 0)``, on each of its coordinates."""
        shape = np.shape(w)
        w, grad = np.ravel(w), np.ravel(grad)
        a1, a2 = self._strengths()
        ids = self._ids
        norms = self._group_norms(w)[ids]
        distance = np.abs(grad + self.alpha * w)  # the ungrouped coordinates' (L2) term
        g = grad[self._grouped] + a2 * w[self._grouped]
        grad_norms = np.sqrt(np.bincount(ids, np.square(g), minlength=self._n_groups))[ids]
        unit = np.divide(w[self._grouped], norms, out=np.zeros_like(g), where=norms > 0)
        distance[self._grouped] = np.where(norms == 0, np.maximum(grad_norms - a1, 0), np.abs(g + a1 * unit))
        return distance.reshape(shape)

    def alpha_max(self, grad: np.ndarray) -> float:
        """``max_g ||grad_g|| / l1_ratio``: the smallest ``alpha`` zeroing every group."""
        if self.l1_ratio == 0:
            return np.inf
        return float(self._group_norms(np.ravel(grad)).max(initial=0.0)) / self.l1_ratio

    def restrict(self, indices: np.ndarray) -> BasePenalty:
        restricted = copy.copy(self)
        restricted.groups = self.groups[indices]
        restricted._index()
        return restricted

    def blocks(self, size: int) -> list[np.ndarray]:
        if size == 0:
            return []
        order = np.argsort(self.groups, kind="stable")
        boundaries = np.flatnonzero(np.diff(self.groups[order])) + 1
        blocks = np.split(order, boundaries)
        # each ungrouped coordinate is a block of its own
        return [single for block in blocks for single in _split_ungrouped(block, self.groups)]

    def coupled(self, indices: np.ndarray) -> np.ndarray:
        indices = np.asarray(indices)
        ids = self.groups[indices]
        members = np.flatnonzero(np.isin(self.groups, ids[ids >= 0]))
        return np.union1d(indices, members)

    def __repr__(self) -> str:
        return f"{type(self).__name__}(alpha={self.alpha!r}, groups=<{self._n_groups} groups>)"


def _split_ungrouped(block: np.ndarray, groups: np.ndarray) -> list[np.ndarray]:
    return [block[i : i + 1] for i in range(block.size)] if groups[block[0]] < 0 else [block]


class GroupElasticNetPenalty(GroupL1Penalty):
    """``alpha * (l1_ratio * sum_g ||w_g||_2 + 0.5 * (1 - l1_ratio) * ||w||_2^2)``.

    The group penalty with an L2 part, as scikit-learn's ``MultiTaskElasticNet``.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_normreg.penalties import GroupElasticNetPenalty
    >>> GroupElasticNetPenalty(alpha=2.0, groups=[0, 0], l1_ratio=0.5).prox(np.array([3.0, 4.0]), 1.0)
    array([1.2, 1.6])
    """

    name = "group_elasticnet"
    parameters = ("alpha", "l1_ratio")

    def __init__(self, alpha: float = 1.0, groups: ArrayLike = (), l1_ratio: float = 0.5) -> None:
        super().__init__(alpha, groups, l1_ratio=l1_ratio)

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}(alpha={self.alpha!r}, l1_ratio={self.l1_ratio!r}, "
            f"groups=<{self._n_groups} groups>)"
        )
