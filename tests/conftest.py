import os

# scikit-learn's estimator checks include numpy-only array-API checks that run
# only when SciPy's array-API mode is on; it must be set before SciPy loads.
os.environ.setdefault("SCIPY_ARRAY_API", "1")
