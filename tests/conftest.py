import os

# scikit-learn's estimator checks include numpy-only array-API checks that run
# only when SciPy's array-API mode is on; it must be set before SciPy loads.
# (pytest-xdist workers load this file too, before they collect.)
os.environ.setdefault("SCIPY_ARRAY_API", "1")

# One BLAS / OpenMP thread per pytest-xdist worker (set before numpy loads): -n auto already runs
# a worker per core, and OpenBLAS threads spinning for cores the other worker holds made the suite
# several times slower (the main job's default study: 30 s alone, 218 s on two such workers).
if os.environ.get("PYTEST_XDIST_WORKER"):
    for variable in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ.setdefault(variable, "1")
