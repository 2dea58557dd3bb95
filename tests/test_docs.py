"""The documentation site covers the whole public API and the whole gallery.

- every public name (the ``__all__`` of the package and of its public modules) has an entry in
  ``docs/api.rst``;
- sphinx-gallery's ``filename_pattern`` (read from ``docs/conf.py`` without importing it, so
  without Sphinx) matches every script in ``examples/``, so each one is run and shown;
- once the site is built (``make -C docs html``), each public name has its page under
  ``generated/``; skipped when ``docs/_build/html`` does not exist.
"""

import ast
import importlib
import re
from pathlib import Path

import pytest

import sklearn_normreg

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"
HTML = DOCS / "_build" / "html"

PUBLIC_MODULES = [
    "sklearn_normreg",
    "sklearn_normreg.linear_model",
    "sklearn_normreg.neural_network",
    "sklearn_normreg.preprocessing",
    "sklearn_normreg.datasets",
    "sklearn_normreg.losses",
    "sklearn_normreg.penalties",
    "sklearn_normreg.dropin",
]
# documented under the package itself: the estimators and normalisers it re-exports
PACKAGE_LEVEL = {
    "sklearn_normreg.linear_model",
    "sklearn_normreg.neural_network",
    "sklearn_normreg.preprocessing",
}


def public_names():
    """``{qualified name documented in api.rst: short name}`` over every public module's __all__."""
    names = {}
    for module_name in PUBLIC_MODULES:
        module = importlib.import_module(module_name)
        documented_as = "sklearn_normreg" if module_name in PACKAGE_LEVEL else module_name
        for name in module.__all__:
            if name.startswith("__"):  # __version__: quoted in the text, not a page
                continue
            if documented_as == "sklearn_normreg":
                assert name in sklearn_normreg.__all__, f"{module_name}.{name} is not re-exported"
            names[f"{documented_as}.{name}"] = name
    return names


def autosummary_entries():
    """The qualified names listed in api.rst's autosummary directives (under their currentmodule)."""
    entries, module, in_autosummary = set(), None, False
    for line in (DOCS / "api.rst").read_text(encoding="utf-8").splitlines():
        if match := re.match(r"\.\. currentmodule:: (\S+)", line):
            module, in_autosummary = match.group(1), False
        elif line.startswith(".. autosummary::"):
            in_autosummary = True
        elif in_autosummary and line.strip() and not line.startswith(" "):
            in_autosummary = False
        elif in_autosummary and line.startswith("   ") and not line.strip().startswith(":"):
            entries.add(f"{module}.{line.strip().lstrip('~')}")
    return entries


def conf_definitions():
    """docs/conf.py's ``sphinx_gallery_conf`` (a literal) and ``reset_argv`` (the function alone).

    Read from the file's syntax tree, not by importing it: no Sphinx needed, no side effects.
    """
    tree = ast.parse((DOCS / "conf.py").read_text(encoding="utf-8"))
    conf, namespace = None, {}
    for node in tree.body:
        if isinstance(node, ast.Assign) and [getattr(t, "id", None) for t in node.targets] == [
            "sphinx_gallery_conf"
        ]:
            conf = ast.literal_eval(node.value)
        elif isinstance(node, ast.FunctionDef) and node.name == "reset_argv":
            exec(compile(ast.Module(body=[node], type_ignores=[]), "docs/conf.py", "exec"), namespace)
    assert conf is not None, "docs/conf.py defines no sphinx_gallery_conf"
    return conf, namespace.get("reset_argv")


def test_public_names_are_found():
    names = public_names()
    # the union the issue names: estimators, normalisers, datasets, losses, penalties, registries
    for expected in [
        "sklearn_normreg.NormRegMLPClassifier",
        "sklearn_normreg.l1_normalize",
        "sklearn_normreg.datasets.make_noisy_wave",
        "sklearn_normreg.losses.BaseLoss",
        "sklearn_normreg.losses.LOSSES",
        "sklearn_normreg.penalties.get_penalty",
        "sklearn_normreg.penalties.PENALTIES",
    ]:
        assert expected in names


def test_every_public_name_is_in_api_reference():
    missing = sorted(set(public_names()) - autosummary_entries())
    assert not missing, f"not in docs/api.rst: {missing}"


def test_api_reference_lists_only_public_names():
    unknown = sorted(autosummary_entries() - set(public_names()))
    assert not unknown, f"docs/api.rst lists names that are not public: {unknown}"


def test_gallery_runs_every_example():
    conf, reset_argv = conf_definitions()
    assert conf["examples_dirs"] == "../examples" and conf["gallery_dirs"] == "auto_examples"
    assert (DOCS / conf["examples_dirs"]).resolve() == ROOT / "examples"
    # sphinx-gallery matches the patterns with re.search against the full path
    examples = sorted((ROOT / "examples").glob("*.py"))
    assert examples
    for path in examples:
        assert re.search(conf["filename_pattern"], str(path)), f"{path.name} would not be run"
        assert not re.search(conf["ignore_pattern"], str(path)), f"{path.name} would be ignored"
    # each example runs in its quick mode: sphinx-gallery sets sys.argv[1:] to what the function
    # its "reset_argv" names returns (a qualified name: Sphinx pickles its configuration)
    assert conf["reset_argv"] == "conf.reset_argv" and reset_argv is not None
    assert reset_argv({}, {}) == ["--quick"]


@pytest.mark.skipif(not HTML.is_dir(), reason="the site is not built (make -C docs html)")
def test_built_site_has_a_page_per_public_name():
    missing = [name for name in public_names() if not (HTML / "generated" / f"{name}.html").is_file()]
    assert not missing, f"no page under {HTML / 'generated'}: {missing}"
    assert (HTML / "api.html").is_file() and (HTML / "auto_examples" / "index.html").is_file()
    for path in sorted((ROOT / "examples").glob("*.py")):
        assert (HTML / "auto_examples" / f"{path.stem}.html").is_file(), f"no gallery page for {path.name}"
