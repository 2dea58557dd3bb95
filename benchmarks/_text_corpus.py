"""A real, high-dimensional sparse text classification problem built offline.

The benchmarks need a sparse problem with far more features than samples, like the
text-classification data sets (20 newsgroups, RCV1) that L1-penalised logistic regression
is usually benchmarked on, but without downloading anything. This module builds one from
text that is already on the machine: the docstrings of the Python standard library and of
the installed numpy, scipy and scikit-learn packages. Each module, class and function
docstring is one document, labelled by where it comes from, and the documents are turned
into a TF-IDF matrix of word unigrams and bigrams: about 16,000 documents and 144,000
columns with Python 3.11, numpy 2.4, scipy 1.17 and scikit-learn 1.9. The exact numbers depend
on the installed versions, but are fixed for a given environment.
"""

import ast
import importlib.util
import sysconfig
import warnings
from pathlib import Path

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer

FAMILIES = ("stdlib-packages", "stdlib-modules", "numpy", "scipy", "sklearn")
SCIENTIFIC = ("numpy", "scipy", "sklearn")
SKIPPED_DIRS = {"site-packages", "test", "tests", "idlelib", "_vendor", "externals"}
DOC_NODES = (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)


def _docstrings(path, min_words):
    """Docstrings of the module, classes and functions defined in ``path``."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # invalid escape sequences in old sources
            tree = ast.parse(path.read_bytes())
    except (SyntaxError, ValueError):
        return []
    docs = (ast.get_docstring(node) for node in ast.walk(tree) if isinstance(node, DOC_NODES))
    return [doc for doc in docs if doc and len(doc.split()) >= min_words]


def _family(root, path):
    """Label of a file: the scientific package it belongs to, or a stdlib package/module."""
    parts = path.relative_to(root).parts
    if parts[0] in SCIENTIFIC:
        return parts[0]
    return "stdlib-packages" if len(parts) > 1 else "stdlib-modules"


def _sources(root, top=None):
    """Sorted ``.py`` files under ``root`` (or ``root/top``), outside the skipped directories."""
    paths = sorted((root / top if top else root).rglob("*.py"))
    return [p for p in paths if not SKIPPED_DIRS & set(p.relative_to(root).parts[:-1])]


def load_stdlib_docstrings(min_words=5, min_docs=10_000, binary_family="scipy"):
    """Docstrings of the standard library, numpy, scipy and scikit-learn as TF-IDF features.

    Walks, in sorted order, the ``.py`` files of the running interpreter's standard library
    (skipping ``site-packages``, ``test``, ``tests`` and ``idlelib``) and of the installed
    numpy, scipy and scikit-learn (skipping their ``tests``, ``_vendor`` and ``externals``
    directories). Every module, class and function docstring with at least ``min_words``
    words is one document. Its class is one of five families:

    - ``"stdlib-packages"``: standard library packages (``asyncio``, ``email``, ``tkinter``, ...),
    - ``"stdlib-modules"``: single-file standard library modules (``inspect``, ``tarfile``, ...),
    - ``"numpy"``, ``"scipy"``, ``"sklearn"``: the third-party package it belongs to.

    The documents are vectorised with ``TfidfVectorizer(ngram_range=(1, 2), min_df=2,
    sublinear_tf=True)``. Nothing is random and nothing is cached.

    Parameters
    ----------
    min_words : int, default=5
        Shortest docstring, in whitespace-separated words, kept as a document.
    min_docs : int, default=10_000
        Raise ``RuntimeError`` if fewer documents are found.
    binary_family : str, default="scipy"
        Family that is the positive class of ``y_binary``.

    Returns
    -------
    X : scipy.sparse.csr_matrix of shape (n_documents, n_terms), dtype float64
        TF-IDF features, rows of unit L2 norm.
    y_multiclass : ndarray of shape (n_documents,), dtype int64
        Index of the document's family in ``families``.
    y_binary : ndarray of shape (n_documents,), dtype int64
        1 for documents of ``binary_family``, 0 for all others.
    families : tuple of str
        Family names, in label order.

    Examples
    --------
    >>> from _text_corpus import load_stdlib_docstrings  # doctest: +SKIP
    >>> X, y, y_binary, families = load_stdlib_docstrings()  # doctest: +SKIP
    >>> X.shape[0] >= 10_000 and X.shape[1] >= 100_000  # doctest: +SKIP
    True
    """
    stdlib = Path(sysconfig.get_paths()["stdlib"])
    files = [(stdlib, p) for p in _sources(stdlib)]
    for package in SCIENTIFIC:
        site = Path(importlib.util.find_spec(package).origin).parent.parent
        files += [(site, p) for p in _sources(site, package)]

    docs, labels = [], []
    for root, path in files:
        found = _docstrings(path, min_words)
        docs += found
        labels += [FAMILIES.index(_family(root, path))] * len(found)
    if len(docs) < min_docs:
        raise RuntimeError(f"found {len(docs)} docstrings, fewer than min_docs={min_docs}")

    vectorizer = TfidfVectorizer(ngram_range=(1, 2), min_df=2, sublinear_tf=True, dtype=np.float64)
    X = vectorizer.fit_transform(docs)
    y_multiclass = np.asarray(labels, dtype=np.int64)
    y_binary = (y_multiclass == FAMILIES.index(binary_family)).astype(np.int64)
    return X, y_multiclass, y_binary, FAMILIES
