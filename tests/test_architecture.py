"""The package's layout is its architecture: the import contract holds, breaks on a wrong import, and
every chapter is one folder with the same parts (see ARCHITECTURE.md and "Adding a chapter")."""

from __future__ import annotations

import ast
import shutil
from pathlib import Path

import pytest

from helpers.book import imports
from helpers.chapters import registry

ROOT = Path(__file__).resolve().parents[1]
CHAPTER_PARTS = ("__init__.py", "schema.py", "simulate.py", "published.py", "results.py", "labels.py", "glossary.py")


def test_the_import_contract_holds():
    assert imports.contract_violations() == []


@pytest.mark.parametrize("module, line, rule", [
    ("validation/checks.py", "from helpers.stats.roc import roc_auc", "a higher layer"),
    ("stats/roc.py", "from helpers.presentation import privacy", "a higher layer"),
    ("presentation/privacy.py", "from helpers.chapters import registry", "a higher layer"),
    ("chapters/common.py", "import helpers.book.build", "a higher layer"),
    ("chapters/dti_ivim/schema.py", "from helpers.chapters.dynamic_mri import simulate", "no other chapter"),
    ("chapters/dti_ivim/published.py", "from helpers.chapters import registry", "not the registry"),
    ("chapters/dti_ivim/simulate.py", "from helpers.stats.roc import roc_auc", "calibration checks belong in the tests"),
    ("stats/prediction.py", "from helpers.stats.roc import _warn_auc", "private name"),
    ("stats/cox.py", "def f():\n    from helpers.book.cache import chapter_key", "a higher layer"),  # inside a function
])
def test_the_import_contract_fails_on_a_wrong_import(tmp_path, module, line, rule):
    copy = tmp_path / "helpers"
    shutil.copytree(imports.package_root(), copy, ignore=shutil.ignore_patterns("__pycache__"))
    target = copy / module
    target.write_text(target.read_text() + "\n" + line + "\n")
    problems = imports.contract_violations(copy)
    assert len(problems) == 1 and rule in problems[0] and module in problems[0], problems


def test_a_module_outside_the_layers_is_refused(tmp_path):
    copy = tmp_path / "helpers"
    shutil.copytree(imports.package_root(), copy, ignore=shutil.ignore_patterns("__pycache__"))
    (copy / "utilities.py").write_text('"""A grab-bag."""\n')
    assert any("outside the layers" in problem for problem in imports.contract_violations(copy))


def test_dependencies_follow_imports_transitively():
    found = imports.dependencies(["helpers.stats.cox"])
    assert {"helpers.stats.cox", "helpers.stats.survival", "helpers.validation.checks",
            "helpers.validation.errors", "helpers.stats", "helpers.validation"} <= set(found)
    assert not any(name.startswith(("helpers.book", "helpers.chapters", "helpers.presentation")) for name in found)


def test_the_registry_finds_every_chapter_folder_and_each_has_its_parts():
    folders = sorted(path.parent.name for path in (imports.package_root() / "chapters").glob("*/__init__.py"))
    assert sorted(registry.CHAPTER_PACKAGES) == folders
    toc = (ROOT / "_toc.yml").read_text()
    for chapter in registry.CHAPTERS.values():
        folder = imports.package_root() / "chapters" / chapter.package.rsplit(".", 1)[1]
        missing = [part for part in CHAPTER_PARTS if not (folder / part).is_file()]
        assert not missing, f"chapter {chapter.id} lacks {missing}"
        for suffix in (".md", ".ipynb"):
            assert (ROOT / "notebooks" / f"{chapter.notebook}{suffix}").is_file()
        assert f"notebooks/{chapter.notebook}" in toc
        assert chapter.schema.columns  # schema.SCHEMA
        assert callable(chapter.module("simulate").simulate)
        assert callable(chapter.module("results").results)
        published = chapter.module("published")
        assert published.__doc__  # the paper's numbers, or why there are none


# Calls that fit a model. Each may appear in ONE function of the package ("no two functions fit the same
# model"): other functions that need the model call that function (e.g. the bootstrap and the per-visit
# models call helpers.stats.logistic.fit_logistic_arrays through logistic_regression or directly).
FITTERS = {
    "logistic regression": ("Logit(", "families.Binomial(", "smf.logit(", "sm.Logit(", "LogisticRegression("),
    "Cox model": ("CoxPHFitter(",),
    "Kaplan-Meier": ("KaplanMeierFitter(",),
    "mixed model": ("MixedLM(", "smf.mixedlm("),
    "GEE": ("GEE(", "smf.gee("),
    "Mann-Whitney": ("mannwhitneyu(",),
    "Welch t-test": ("equal_var=False",),
    "Wilcoxon signed-rank": ("stats.wilcoxon(",),
}


def _without_docstrings(tree: ast.AST) -> ast.AST:
    for node in ast.walk(tree):
        body = getattr(node, "body", None)
        if isinstance(body, list) and body and isinstance(body[0], ast.Expr) \
                and isinstance(getattr(body[0], "value", None), ast.Constant):
            body[0] = ast.Pass()
    return tree


class _Definitions(ast.NodeTransformer):
    """Collects the code of every function and class, each without the definitions nested in it."""

    def __init__(self) -> None:
        self.code: dict[str, str] = {}
        self.names: list[str] = []

    def _definition(self, node: ast.AST) -> ast.AST:
        self.names.append(node.name)
        self.generic_visit(node)  # nested definitions are collected and replaced by `pass` first
        self.code[".".join(self.names)] = ast.unparse(node)
        self.names.pop()
        return ast.Pass()

    visit_FunctionDef = visit_AsyncFunctionDef = visit_ClassDef = _definition


def _code_by_function(path: Path) -> dict[str, str]:
    """Source of each function (``outer.inner``, ``Class.method``) and class of a module, and of its top
    level (``<module>``), each without docstrings and without the definitions nested in it."""
    collector = _Definitions()
    module = collector.visit(_without_docstrings(ast.parse(path.read_text())))
    return {**collector.code, "<module>": ast.unparse(module)}


def _fitting_functions(root: Path) -> dict[str, list[str]]:
    """Concept -> the functions ("module:function") whose own code contains one of its fitting calls."""
    homes: dict[str, list[str]] = {concept: [] for concept in FITTERS}
    for path in sorted(root.rglob("*.py")):
        if "book" in path.relative_to(root).parts:
            continue
        for function, code in _code_by_function(path).items():
            for concept, calls in FITTERS.items():
                if any(call in code for call in calls):
                    homes[concept].append(f"{path.relative_to(root)}:{function}")
    return homes


def test_the_fitter_scan_sees_functions_in_the_same_module(tmp_path):
    copy_root = tmp_path / "helpers"
    (copy_root / "stats").mkdir(parents=True)
    (copy_root / "stats" / "fits.py").write_text(
        "import statsmodels.api as sm\n\n\ndef core(x, y):\n    return sm.Logit(y, x).fit()\n\n\n"
        "class Model:\n    def fit(self, x, y):\n        def inner():\n            return sm.Logit(y, x).fit()\n"
        "        return inner()\n")
    assert sorted(_fitting_functions(copy_root)["logistic regression"]) == ["stats/fits.py:Model.fit.inner",
                                                                            "stats/fits.py:core"]


@pytest.mark.parametrize("concept", list(FITTERS))
def test_each_model_is_fitted_in_one_module(concept):
    """One module, and in it one function, holds each fitting call."""
    homes = _fitting_functions(imports.package_root())[concept]
    assert len(homes) <= 1, f"{concept} is fitted in {homes}; keep one implementation (one fitting function)"
