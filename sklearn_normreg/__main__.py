"""The six-case loss x penalty study of the seed article, with the real estimator.

``--model linear`` runs the same cases with the linear model instead.

Run ``python -m sklearn_normreg --help`` for the options. The study lives in
the private subpackage ``sklearn_normreg._study``; this module is its entry point.
"""

import sys

from ._study.cli import cli

if __name__ == "__main__":
    sys.exit(cli())
