"""The seed article's loss x penalty study behind ``python -m sklearn_normreg``.

``cli``: the command (``main``, ``cli``) and the checks on its arguments;
``parser``: its argument parser; ``csv_input``: reading ``--data``;
``cases``: the cases and the fits; ``counts``: ``--loss poisson``'s cases, data, scores
and findings; ``report``: the findings, the table and
the figure; ``paths``: the checks on the files named on the command line;
``outputs``: writing ``--figure`` and ``--json`` safely; ``grid``: ``--grid``.
"""
