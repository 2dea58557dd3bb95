"""All-or-nothing updates of an estimator's fitted state."""

from contextlib import contextmanager


@contextmanager
def all_or_nothing(estimator):
    """Put back the attributes of ``estimator`` if the block raises, interrupts included.

    The snapshot is shallow: it restores which object each attribute names, so
    the block must never modify those objects in place (it works on copies and
    rebinds the attributes).

    Parameters
    ----------
    estimator : object
        The estimator whose ``__dict__`` the block may change.

    Yields
    ------
    None
    """
    saved = vars(estimator).copy()
    try:
        yield
    except BaseException:
        # KeyboardInterrupt too: an interrupted fit must not leave, say, the new
        # n_features_in_ next to the old coefficients.
        vars(estimator).clear()
        vars(estimator).update(saved)
        raise
