"""Execution cache: a chapter is re-executed only when something it depends on changed.

A chapter's key is the SHA-256 of everything its execution depends on: the committed notebook, its
parameters, its input data, the ``helpers`` modules it uses (its own folder and every module that it
or its notebook imports, directly or not: :func:`chapter_code_digest`), the lock file and the Python
version. Editing the command line or the build machinery therefore re-executes no chapter; editing a
statistics module re-executes exactly the chapters that import it. An entry is a
folder ``<cache>/<chapter>/<key>/`` with the executed notebook, ``results.csv``, ``provenance.json`` and a
``manifest.json`` listing each file's SHA-256, written last and moved into place with one rename, so a
half-written entry never looks complete. On lookup every file is re-hashed and the notebook parsed; an
entry that fails either check is deleted and the chapter re-executed (never published).
"""

from __future__ import annotations

import hashlib
import json
import platform
import shutil
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterable, Mapping

if TYPE_CHECKING:
    from helpers.chapters.common import Chapter

MANIFEST = "manifest.json"


def _file_digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()



def modules_digest(names: Iterable[str], root: Path | None = None) -> str:
    """SHA-256 over the names and bytes of the given ``helpers`` modules (``root``: the package folder)."""
    from helpers.book.imports import modules

    files = modules(root)
    digest = hashlib.sha256()
    for name in sorted(names):
        digest.update(name.encode() + b"\0" + files[name].read_bytes() + b"\0")
    return digest.hexdigest()


def chapter_code_digest(chapter: Chapter, notebook_text: str, root: Path | None = None) -> str:
    """Digest of the code a chapter's execution runs: the modules of its folder and those its notebook
    imports, with everything they import in turn (:func:`helpers.book.imports.dependencies`)."""
    from helpers.book.imports import dependencies, modules, notebook_imports

    own = [name for name in modules(root) if name == chapter.package or name.startswith(chapter.package + ".")]
    return modules_digest(dependencies([*own, *notebook_imports(notebook_text)], root), root)


def chapter_key(*, notebook: Path, data: Path, parameters: Mapping[str, Any], code_digest: str,
                lock: Path | None) -> str:
    """The cache key of one chapter execution (see the module docstring)."""
    parts = {
        "notebook": _file_digest(notebook),
        "data": _file_digest(data) if data.is_file() else "absent",
        "parameters": json.dumps(dict(parameters), sort_keys=True, default=str),
        "code": code_digest,
        "lock": _file_digest(lock) if lock and lock.is_file() else "absent",
        "python": platform.python_version(),
    }
    return hashlib.sha256(json.dumps(parts, sort_keys=True).encode()).hexdigest()


class ExecutionCache:
    """Executed chapters stored by key under ``folder``."""

    def __init__(self, folder: Path):
        self.folder = Path(folder)

    def _entry(self, chapter: str, key: str) -> Path:
        return self.folder / chapter / key

    def lookup(self, chapter: str, key: str) -> Path | None:
        """The folder of a valid entry, or None (a corrupt entry is removed)."""
        entry = self._entry(chapter, key)
        if not entry.is_dir():
            return None
        if self._valid(entry):
            return entry
        shutil.rmtree(entry, ignore_errors=True)
        return None

    @staticmethod
    def _valid(entry: Path) -> bool:
        import nbformat

        try:
            manifest = json.loads((entry / MANIFEST).read_text(encoding="utf-8"))
            files = manifest["files"]
            if not files or any(_file_digest(entry / name) != digest for name, digest in files.items()):
                return False
            notebooks = [name for name in files if name.endswith(".ipynb")]
            if len(notebooks) != 1:
                return False
            nbformat.validate(nbformat.read(entry / notebooks[0], as_version=4))
            return True
        except (OSError, ValueError, KeyError, TypeError, nbformat.ValidationError):
            return False

    def store(self, chapter: str, key: str, outputs: Path) -> Path:
        """Copy an executed chapter's files into the cache (atomically) and drop its older entries."""
        chapter_folder = self.folder / chapter
        chapter_folder.mkdir(parents=True, exist_ok=True)
        scratch = Path(tempfile.mkdtemp(prefix=".tmp-", dir=chapter_folder))
        try:
            files = {}
            for path in sorted(outputs.iterdir()):
                if path.is_file():
                    shutil.copy2(path, scratch / path.name)
                    files[path.name] = _file_digest(scratch / path.name)
            (scratch / MANIFEST).write_text(json.dumps({"key": key, "files": files}, indent=1), encoding="utf-8")
            entry = self._entry(chapter, key)
            shutil.rmtree(entry, ignore_errors=True)
            scratch.rename(entry)
        finally:
            shutil.rmtree(scratch, ignore_errors=True)
        for other in chapter_folder.iterdir():
            if other.name != key:
                shutil.rmtree(other, ignore_errors=True)
        return entry

    @staticmethod
    def restore(entry: Path, target: Path) -> Path:
        """Copy a cached chapter's files (not the manifest) into ``target``."""
        target.mkdir(parents=True, exist_ok=True)
        for path in entry.iterdir():
            if path.name != MANIFEST:
                shutil.copy2(path, target / path.name)
        return target
