"""Sphinx configuration of the sklearn-normreg documentation.

Build with ``make -C docs html`` (``-W --keep-going``: any warning fails the build). The build uses
no network: no intersphinx, no linkcheck, no remote icons (only a reader's browser fetches MathJax).
``tests/test_docs.py`` reads ``sphinx_gallery_conf`` and ``reset_argv`` from this file's syntax tree:
keep the first a literal and the second self-contained.
"""

import os
import re
import sys
from pathlib import Path

DOCS = Path(__file__).resolve().parent
ROOT = DOCS.parent
# the package from this checkout (an installed copy, e.g. in CI's venv, is the same source), and
# this directory, so that sphinx-gallery finds ``conf.reset_argv`` by its qualified name
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(DOCS))
# figures are drawn off-screen, by the examples and by sphinx-gallery's scraper alike
os.environ.setdefault("MPLBACKEND", "Agg")

import jupyter_server_mathjax  # noqa: E402

import sklearn_normreg  # noqa: E402

# -- Project ------------------------------------------------------------------------------------
project = "sklearn-normreg"
author = "sklearn-normreg developers"
copyright = "sklearn-normreg developers, BSD-3-Clause"
release = sklearn_normreg.__version__
version = release

# -- General ------------------------------------------------------------------------------------
extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.mathjax",
    "numpydoc",
    "myst_parser",
    "sphinx_gallery.gen_gallery",
    # the user guide draws its figures with ``.. plot::`` (matplotlib, Agg)
    "matplotlib.sphinxext.plot_directive",
]
templates_path = ["_templates"]
exclude_patterns = ["_build", "Thumbs.db", ".DS_Store", "**.ipynb_checkpoints"]
source_suffix = {".rst": "restructuredtext", ".md": "markdown"}
root_doc = "index"
# `single backticks` render as code, as in numpydoc docstrings
default_role = "literal"
pygments_style = "sphinx"

# -- autodoc / autosummary / numpydoc -----------------------------------------------------------
autosummary_generate = True
autosummary_imported_members = False
autodoc_default_options = {"member-order": "groupwise"}
autodoc_typehints = "none"
# numpydoc renders Parameters / Attributes / Examples; the class template lists the methods itself
numpydoc_show_class_members = False
numpydoc_show_inherited_class_members = False
numpydoc_class_members_toctree = False
numpydoc_attributes_as_param_list = True
# no numpydoc style validation: Sphinx's own warnings (broken reST, bad references) are what -W
# enforces; the docstrings' style is the project's (ruff, doctests)
numpydoc_validation_checks = set()
numpydoc_xref_param_type = False

# -- MyST (benchmarks/results/*.md are included by the user guide) ------------------------------
myst_enable_extensions = ["dollarmath"]
myst_heading_anchors = 3


# -- matplotlib's plot directive (user guide figures) -------------------------------------------
plot_include_source = True
plot_html_show_source_link = False
plot_html_show_formats = False
plot_formats = [("png", 100)]
plot_rcparams = {"figure.figsize": (6.4, 3.6)}


# -- sphinx-gallery -----------------------------------------------------------------------------
def reset_argv(gallery_conf, script_vars):
    """Every example runs in its quick mode (``--quick``), as ``tests/test_examples.py`` does."""
    return ["--quick"]


sphinx_gallery_conf = {
    "examples_dirs": "../examples",
    "gallery_dirs": "auto_examples",
    # every script in examples/ is run (the default runs only ``plot_*.py``)
    "filename_pattern": r"\.py$",
    "ignore_pattern": r"__init__\.py",
    # a qualified name, not the function: Sphinx caches its configuration with pickle
    "reset_argv": "conf.reset_argv",
    "image_scrapers": ("matplotlib",),
    "matplotlib_animations": False,
    "download_all_examples": False,
    "remove_config_comments": True,
    "abort_on_example_error": False,
    "show_memory": False,
    "min_reported_time": 1,
    "within_subsection_order": "sphinx_gallery.sorting.FileNameSortKey",
}

# -- HTML ---------------------------------------------------------------------------------------
html_theme = "pydata_sphinx_theme"
html_title = f"sklearn-normreg {release}"
# MathJax served from the site itself (the jupyter-server-mathjax package's MathJax 2, in the docs
# extra), not from a CDN: the formulas render offline too, as the site is built and read in CI.
_MATHJAX = Path(jupyter_server_mathjax.__file__).parent / "static"
html_static_path = [str(_MATHJAX)]
mathjax_path = "MathJax.js?config=TeX-AMS-MML_HTMLorMML-full"
html_theme_options = {
    # no GitHub link, no remote icons, no version switcher: the site builds and reads offline
    "icon_links": [],
    "navbar_start": ["navbar-logo"],
    "navbar_center": ["navbar-nav"],
    "navbar_end": ["theme-switcher"],
    "navbar_persistent": ["search-button"],
    "secondary_sidebar_items": ["page-toc"],
    "footer_start": ["copyright"],
    "footer_end": ["sphinx-version"],
    "show_prev_next": False,
    "use_edit_page_button": False,
}
html_sidebars = {"index": [], "api": []}
html_show_sourcelink = False
html_copy_source = False


# -- scikit-learn's inherited docstrings --------------------------------------------------------
# The estimators inherit methods from scikit-learn (score, get_params, set_output,
# set_fit_request, ...) whose docstrings cross-reference scikit-learn's own documentation with
# :ref: and :term:. Without intersphinx (no network), those targets do not exist here: they become
# plain external links to scikit-learn's site (a known label) or plain text (any other).
SKLEARN_DOCS = "https://scikit-learn.org/stable/"
SKLEARN_LABELS = {
    "metadata_routing": "metadata_routing.html",
    "df_output_transform": "auto_examples/miscellaneous/plot_set_output.html",
    "sphx_glr_auto_examples_miscellaneous_plot_set_output.py": (
        "auto_examples/miscellaneous/plot_set_output.html"
    ),
    "accuracy_score": "modules/model_evaluation.html#accuracy-score",
    "r2_score": "modules/model_evaluation.html#r2-score",
}
_SKLEARN_ROLE = re.compile(r":(ref|term):`([^`<]*?)\s*(?:<([^`>]+)>)?`")


def _sklearn_role_to_link(match):
    role, text, target = match.group(1), match.group(2).strip(), match.group(3)
    target = (target or text).strip()
    text = text or target
    if role == "term":
        anchor = re.sub(r"[^0-9a-z]+", "-", target.lower()).strip("-")
        return f"`{text} <{SKLEARN_DOCS}glossary.html#term-{anchor}>`__"
    if target in SKLEARN_LABELS:
        return f"`{text} <{SKLEARN_DOCS}{SKLEARN_LABELS[target]}>`__"
    return text


def link_sklearn_references(app, what, name, obj, options, lines):
    """Rewrite :ref: and :term: in docstrings inherited from scikit-learn (not in ours)."""
    module = getattr(obj, "__module__", None) or ""
    if module.split(".")[0] != "sklearn":
        return
    lines[:] = [_SKLEARN_ROLE.sub(_sklearn_role_to_link, line) for line in lines]


def setup(app):
    app.connect("autodoc-process-docstring", link_sklearn_references)
