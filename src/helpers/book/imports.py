"""The package's import graph: the layer contract that ``make test`` holds, and what a chapter depends on.

Layers, bottom to top (``ARCHITECTURE.md`` has the picture)::

    book          build, command line, cache, report, bench        imported by nothing
    chapters      one folder per chapter, the registry, common
    presentation  tables and figures that compute nothing
    stats         one module per method family
    validation    input checks and errors                          imports nothing above it

Rules (:func:`contract_violations`):

1. a module imports only from its own layer or the layers below it;
2. a chapter's folder imports no other chapter and not the registry (only ``helpers.chapters.common``
   and its own modules from the chapters layer);
3. a generator (``helpers/chapters/<id>/simulate*.py``) imports no statistics: the checks that the
   estimators recover the published numbers live in the tests;
4. no module imports another module's private name (``from helpers.x import _name``).

Imports inside functions count as well as those at the top of a module. The same graph gives the
modules a chapter's execution depends on (:func:`dependencies`), which the execution cache hashes.
"""

from __future__ import annotations

import ast
import functools
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable

PACKAGE = "helpers"
LAYERS = ("validation", "stats", "presentation", "chapters", "book")
"""Layers from the bottom up; a module may import its own layer and those before it."""

CHAPTER_SHARED = ("helpers.chapters.common",)
"""Modules of the chapters layer that a chapter folder may import."""


@dataclass(frozen=True)
class Import:
    """One ``import`` of a ``helpers`` module: who imports what, the names taken, and where."""

    importer: str
    module: str
    names: tuple[str, ...]
    line: int


def package_root() -> Path:
    """The folder of the installed ``helpers`` package."""
    return Path(__file__).resolve().parent.parent


def module_name(path: Path, root: Path) -> str:
    """``helpers.x.y`` for ``<root>/x/y.py`` (``root`` is the ``helpers`` folder)."""
    parts = list(path.relative_to(root).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join([PACKAGE, *parts])


def modules(root: Path | None = None) -> dict[str, Path]:
    """Every module of the package: name -> file."""
    root = root or package_root()
    return {module_name(path, root): path for path in sorted(root.rglob("*.py")) if "__pycache__" not in path.parts}


def _resolve(importer: str, is_package: bool, node: ast.ImportFrom) -> str:
    if not node.level:
        return node.module or ""
    base = importer.split(".")
    base = base if is_package else base[:-1]
    base = base[: len(base) - (node.level - 1)]
    return ".".join(base + ([node.module] if node.module else []))


_BODIES = ("body", "orelse", "finalbody", "handlers", "cases")


def _statements(nodes: list) -> Iterable[ast.AST]:
    """Every statement, nested ones included (imports are statements: expressions need not be walked)."""
    for node in nodes:
        yield node
        for field in _BODIES:
            children = getattr(node, field, None)
            if isinstance(children, list):
                yield from _statements(children)


@functools.lru_cache(maxsize=4096)
def _import_statements(path: str, mtime_ns: int, size: int) -> tuple[ast.AST, ...]:
    """The import statements of a file, parsed once per version of the file (a build asks several times)."""
    tree = ast.parse(Path(path).read_text(encoding="utf-8"), filename=path)
    return tuple(node for node in _statements(tree.body) if isinstance(node, (ast.Import, ast.ImportFrom)))


def imports_of(name: str, path: Path, known: Iterable[str] = ()) -> list[Import]:
    """The ``helpers`` imports in one file, including those inside functions.

    ``from helpers.x import y`` where ``helpers.x.y`` is itself a module counts as an import of
    ``helpers.x.y``.
    """
    known = set(known)
    stat = path.stat()
    found = []
    for node in _import_statements(str(path), stat.st_mtime_ns, stat.st_size):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name == PACKAGE or alias.name.startswith(PACKAGE + "."):
                    found.append(Import(name, alias.name, (), node.lineno))
        elif isinstance(node, ast.ImportFrom):
            module = _resolve(name, path.name == "__init__.py", node)
            if module != PACKAGE and not module.startswith(PACKAGE + "."):
                continue
            names = tuple(alias.name for alias in node.names)
            submodules = [f"{module}.{n}" for n in names if f"{module}.{n}" in known]
            if submodules:
                found.extend(Import(name, sub, (), node.lineno) for sub in submodules)
                rest = tuple(n for n in names if f"{module}.{n}" not in known)
                if rest:
                    found.append(Import(name, module, rest, node.lineno))
            else:
                found.append(Import(name, module, names, node.lineno))
    return found


def import_graph(root: Path | None = None) -> dict[str, list[Import]]:
    """Every module's ``helpers`` imports."""
    found = modules(root)
    return {name: imports_of(name, path, found) for name, path in found.items()}


def layer_of(module: str) -> int | None:
    """Index of the module's layer in :data:`LAYERS` (None for the package itself)."""
    parts = module.split(".")
    return LAYERS.index(parts[1]) if len(parts) > 1 and parts[1] in LAYERS else None


def _chapter_folder(module: str) -> str | None:
    parts = module.split(".")
    if len(parts) >= 3 and parts[1] == "chapters" and f"helpers.chapters.{parts[2]}" not in (
            *CHAPTER_SHARED, "helpers.chapters.registry"):
        return parts[2]
    return None


def contract_violations(root: Path | None = None) -> list[str]:
    """Every import that breaks a rule of the module docstring, as ``file:line: what and why``."""
    root = root or package_root()
    files = modules(root)
    problems = []
    for importer, found in import_graph(root).items():
        where = files[importer].relative_to(root.parent)
        own_layer, own_chapter = layer_of(importer), _chapter_folder(importer)
        if own_layer is None and importer != PACKAGE:
            problems.append(f"{where}: {importer} is outside the layers {LAYERS}; move it into one")
        for item in found:
            target = item.module
            target_layer = layer_of(target)
            if own_layer is not None and target_layer is not None and target_layer > own_layer:
                problems.append(f"{where}:{item.line}: {importer} ({LAYERS[own_layer]}) imports {target} "
                                f"({LAYERS[target_layer]}), a higher layer")
            if own_chapter is not None and target.startswith("helpers.chapters") and target != "helpers.chapters":
                other = _chapter_folder(target)
                if other != own_chapter and target not in CHAPTER_SHARED:
                    problems.append(f"{where}:{item.line}: chapter {own_chapter} imports {target}; a chapter imports "
                                    "no other chapter and not the registry")
            if own_chapter is not None and importer.split(".")[-1].startswith("simulate") \
                    and target_layer == LAYERS.index("stats"):
                problems.append(f"{where}:{item.line}: generator {importer} imports the estimator module {target}; "
                                "calibration checks belong in the tests")
            private = [n for n in item.names if n.startswith("_") and not n.startswith("__")]
            if private and target != importer:
                problems.append(f"{where}:{item.line}: {importer} imports the private name(s) {private} from "
                                f"{target}; make it public in one home or keep it where it is used")
    return problems


def dependencies(start: Iterable[str], root: Path | None = None) -> list[str]:
    """The ``helpers`` modules that ``start`` imports, directly or through others (``start`` included),
    with each package's ``__init__`` (which runs on import)."""
    graph = import_graph(root)
    seen: set[str] = set()
    todo = [m for m in start if m in graph]
    while todo:
        module = todo.pop()
        if module in seen:
            continue
        seen.add(module)
        parents = [".".join(module.split(".")[:k]) for k in range(1, len(module.split(".")))]
        todo.extend(p for p in parents if p in graph and p not in seen)
        todo.extend(item.module for item in graph[module] if item.module in graph and item.module not in seen)
    return sorted(seen)


def notebook_imports(source: str) -> list[str]:
    """The ``helpers`` modules imported by a notebook's code (e.g. its jupytext text), for the cache key."""
    names = []
    for line in source.splitlines():
        stripped = line.strip()
        if stripped.startswith(("from helpers", "import helpers")):
            try:
                node = ast.parse(stripped).body[0]
            except SyntaxError:
                continue
            if isinstance(node, ast.ImportFrom) and node.module:
                names.append(node.module)
                names.extend(f"{node.module}.{alias.name}" for alias in node.names)
            elif isinstance(node, ast.Import):
                names.extend(alias.name for alias in node.names)
    return names
