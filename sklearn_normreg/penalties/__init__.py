"""Weight penalties: the public base class, the named penalties and their registry.

A penalty acts on a weight array ``w`` (intercepts and biases are never passed
in) and holds its own strength: :meth:`BasePenalty.value` is the whole penalty
term. The named penalties (the estimators' ``penalty='l1'`` and so on) are

- ``None``: 0
- ``'l2'``: ``alpha * 0.5 * ||w||_2^2``
- ``'l1'``: ``alpha * ||w||_1``
- ``'elasticnet'``: ``alpha * (l1_ratio * ||w||_1 + 0.5 * (1 - l1_ratio) * ||w||_2^2)``
- ``'group_l1'``: ``alpha * sum_g ||w_g||_2`` (whole groups of coordinates become 0), and
  ``'group_elasticnet'`` with an L2 part weighted by ``1 - l1_ratio``
- ``'mcp'``, ``'scad'``: non-convex, L1-like near 0 and flat beyond ``gamma * alpha``

The L1/L2 ones and MCP/SCAD take per-coordinate factors (glmnet's
``penalty.factor``: a coordinate's term times its factor, 0 unpenalised); the
L1/L2 ones take ``positive=True`` (the constraint ``w >= 0``).

What a penalty must give is ``value(w)`` and ``prox(w, step)``, the proximal
operator ``argmin_v 0.5 * ||v - w||^2 + step * value(v)`` with ``step`` a scalar
or an array broadcasting against ``w`` (per-coordinate steps, as in Adam or
coordinate descent). Every algorithm goes through these: FISTA, the MLP's
proximal Adam and SGD, and working-set coordinate descent (:meth:`BasePenalty.scalar_prox`).
The rest is optional and declared:

- ``differentiable`` (with ``gradient``): the whole penalty is smooth;
- ``smooth_part`` / ``nonsmooth_part``: a split solvers use to take the gradient
  of the first and the prox of the second (by default the penalty is all non-smooth);
- ``subdiff_distance(w, grad)``: the KKT term of the certificate; by default the
  prox-gradient fixed-point residual, which is zero exactly at the optimum of a convex penalty;
- ``l1_l2_form``: the penalty is ``l1_strength * ||w||_1 + 0.5 * l2_strength * ||w||_2^2``
  (the named ones are), which unlocks the methods written for that form:
  split-variable L-BFGS-B, the exact linear and quadratic programmes of the
  non-smooth losses, the active-set step of coordinate descent;
- ``alpha_max(grad)``, ``support(w)``;
- for structured penalties, ``restrict(indices)`` (the penalty on a working set of
  coordinates), ``blocks`` and ``coupled`` (its groups, for block coordinate descent
  and working sets that take whole groups), ``convex_start`` (non-convex penalties
  start from a convex one's solution).

Every method takes the weights as one flat array (an estimator's ``coef_.ravel()``:
one row of coefficients per output or class); per-coordinate ``factor`` and
``groups`` arrays follow that layout.

Adding a penalty is one class here plus one line in :data:`PENALTIES` (for a
name); a penalty object can also be passed to any estimator as ``penalty=``.

Examples
--------
A box-constrained L1 penalty written by a user (only ``value`` and ``prox``):

>>> import numpy as np
>>> from sklearn_normreg.penalties import BasePenalty
>>> class BoxL1(BasePenalty):
...     def __init__(self, strength, bound):
...         self.strength, self.bound = strength, bound
...     def value(self, w):
...         inside = np.all(np.abs(w) <= self.bound)
...         return self.strength * np.abs(w).sum() if inside else np.inf
...     def prox(self, w, step, out=None):
...         shrunk = np.sign(w) * np.maximum(np.abs(w) - step * self.strength, 0)
...         return np.clip(shrunk, -self.bound, self.bound, out=out)
>>> BoxL1(0.5, 1.0).prox(np.array([3.0, 0.2, -0.8]), step=1.0)
array([ 1. ,  0. , -0.3])
"""

from __future__ import annotations

from typing import Any

from ._base import BasePenalty, NoPenalty, soft_threshold
from ._group import GroupElasticNetPenalty, GroupL1Penalty
from ._l1l2 import ElasticNetPenalty, L1Penalty, L2Penalty
from ._nonconvex import MCPPenalty, SCADPenalty

__all__ = [
    "PENALTIES",
    "BasePenalty",
    "ElasticNetPenalty",
    "GroupElasticNetPenalty",
    "GroupL1Penalty",
    "L1Penalty",
    "L2Penalty",
    "MCPPenalty",
    "NoPenalty",
    "SCADPenalty",
    "get_penalty",
    "soft_threshold",
]


PENALTIES: dict[str | None, type[BasePenalty]] = {
    None: NoPenalty,
    "l2": L2Penalty,
    "l1": L1Penalty,
    "elasticnet": ElasticNetPenalty,
    "group_l1": GroupL1Penalty,
    "group_elasticnet": GroupElasticNetPenalty,
    "mcp": MCPPenalty,
    "scad": SCADPenalty,
}
"""Registry from penalty name to penalty class."""


def get_penalty(name: str | BasePenalty | None, **params: Any) -> BasePenalty:
    """Build the penalty called ``name``.

    Parameters
    ----------
    name : {None, 'none', 'l2', 'l1', 'elasticnet', 'group_l1', 'group_elasticnet', \
            'mcp', 'scad'} or BasePenalty
        The penalty; ``None`` or ``'none'`` means no penalty. A penalty object
        is returned as it is (it carries its own strength).
    **params
        Penalty parameters: ``alpha`` (strength, ``>= 0``), ``l1_ratio`` (the L1 or
        group share, in ``[0, 1]``), ``gamma`` (MCP / SCAD concavity), ``groups``
        (group penalties), ``factor`` (per-coordinate multipliers) and ``positive``
        (constraint ``w >= 0``). Those the penalty does not use are ignored when
        they are ``None`` (or ``positive=False``), so callers can pass all their
        settings; a ``factor`` or ``positive=True`` the penalty cannot honour is
        an error.

    Returns
    -------
    penalty : BasePenalty

    Examples
    --------
    >>> from sklearn_normreg.penalties import get_penalty
    >>> get_penalty("elasticnet", alpha=0.1, l1_ratio=0.3)
    ElasticNetPenalty(alpha=0.1, l1_ratio=0.3)
    >>> get_penalty(None, alpha=0.1)
    NoPenalty()
    >>> get_penalty("l1", alpha=0.1, factor=[0.0, 1.0], positive=True)
    L1Penalty(alpha=0.1, factor=<2 values>, positive=True)
    """
    if isinstance(name, BasePenalty):
        return name
    key = None if name == "none" else name
    if key not in PENALTIES:
        raise ValueError(f"Unknown penalty {name!r}; expected one of {_names()}.")
    positive, factor = params.get("positive", False), params.get("factor")
    if key is None:
        # no penalty, but the constraint w >= 0: the L1/L2 family with strength 0 carries it
        return L2Penalty(0.0, positive=True) if positive else NoPenalty()
    cls = PENALTIES[key]
    taken = _PARAMETERS[cls]
    for option, asked in (("positive", positive), ("factor", factor is not None)):
        if asked and option not in taken:
            what, where = _OPTIONS[option]
            raise ValueError(f"The {key!r} penalty does not take {what}; they work with {where}.")
    return cls(**{k: params[k] for k in taken if params.get(k) is not None})


_PARAMETERS: dict[type[BasePenalty], tuple[str, ...]] = {
    L2Penalty: ("alpha", "factor", "positive"),
    L1Penalty: ("alpha", "factor", "positive"),
    ElasticNetPenalty: ("alpha", "l1_ratio", "factor", "positive"),
    GroupL1Penalty: ("alpha", "groups"),
    GroupElasticNetPenalty: ("alpha", "groups", "l1_ratio"),
    MCPPenalty: ("alpha", "gamma", "factor"),
    SCADPenalty: ("alpha", "gamma", "factor"),
}
_OPTIONS = {
    "positive": ("positive=True", "None, 'l1', 'l2' and 'elasticnet'"),
    "factor": ("penalty factors", "'l1', 'l2', 'elasticnet', 'mcp' and 'scad'"),
}


def _names() -> str:
    return ", ".join(repr(name) for name in PENALTIES)
