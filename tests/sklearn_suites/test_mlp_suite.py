"""scikit-learn's own tests (installed mlp suite) run against our estimators through sklearn_normreg.dropin.

See conftest.py and not_applicable.txt / known_gaps.txt.
"""

from ._runner import load

globals().update(load("mlp"))
