"""The offline bundle: ``make dist`` writes ``dist/spine-mri-outcomes-<version>.zip`` for a machine with no internet.

The zip holds one folder, ``spine-mri-outcomes-<version>/``::

    site/                      the built book: open site/index.html in a browser (no network needed)
    notebooks/                 the chapters (MyST text .md and .ipynb)
    data/synthetic/            the synthetic data of every chapter
    templates/                 per chapter an empty CSV with the expected header and a column-mapping skeleton
    _toc.yml                   marks the folder as the book's root for ``spinebook`` (see ``project_root``)
    spine_mri_outcomes-<version>-py3-none-any.whl    the package ``helpers`` and the ``spinebook`` command
    requirements.lock          the pinned environment
    wheels/                    every package the lock pins, for the platform that built the bundle
    README-offline.md          installing from the wheels, opening the site, running a chapter on a file
    LICENSE, LICENSE-text.md, CITATION.cff, CHANGELOG.md

Usage::

    python -m helpers.book.dist              # build the book if needed, then write dist/<name>.zip
    python -m helpers.book.dist --out DIR    # write the zip into DIR instead
    python -m helpers.book.dist --notes      # print the CHANGELOG section of the current version

Downloaded wheels are kept in ``dist/.wheel-cache`` (``--wheel-cache``), so a second bundle needs no download.
"""

from __future__ import annotations

import argparse
import platform
import re
import shutil
import subprocess
import sys
import sysconfig
import tempfile
import time
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from helpers.chapters import registry
from helpers.validation.errors import InputError

NAME = "spine-mri-outcomes"

ROOT_FILES = ("_toc.yml", "requirements.lock", "LICENSE", "LICENSE-text.md", "CITATION.cff", "CHANGELOG.md")
"""Files copied from the repository's root into the bundle (``_toc.yml`` lets ``spinebook`` find its root)."""

STORED_SUFFIXES = (".whl", ".zip", ".gz", ".png", ".jpg", ".jpeg", ".woff", ".woff2")
"""Files already compressed: stored in the zip as they are (deflating them again costs time, saves nothing)."""


@dataclass(frozen=True)
class Wheels:
    """The wheels of a lock file gathered for the bundle."""

    files: tuple[Path, ...]
    """One file per pinned package."""
    built_from_sdist: tuple[str, ...]
    """``name==version`` of the packages that publish no wheel for this platform; their wheel was built here
    from the source distribution."""


def _echo(message: str) -> None:
    print(message, flush=True)


def bundle_name(version: str) -> str:
    """``spine-mri-outcomes-<version>``: the zip's name without ``.zip`` and its top folder."""
    return f"{NAME}-{version}"


def release_notes(changelog: str, version: str) -> str:
    """The body of the ``## [<version>]`` section of a Keep-a-Changelog file, without its heading.

    Raises
    ------
    InputError
        When the changelog has no section for ``version``.

    Examples
    --------
    >>> text = ("# Changelog\\n\\n## [Unreleased]\\n\\n## [0.2.0] - 2027-01-02\\n### Added\\n- more\\n\\n"
    ...         "## [0.1.0]\\n- first\\n")
    >>> release_notes(text, "0.2.0")
    '### Added\\n- more'
    >>> release_notes(text, "0.1.0")
    '- first'
    """
    heading = re.compile(rf"^## \[{re.escape(version)}\][^\n]*$", re.M)
    found = heading.search(changelog)
    if not found:
        raise InputError(f"CHANGELOG.md has no section '## [{version}]'; add one (Keep a Changelog format) before "
                         "releasing this version.")
    following = re.compile(r"^## ", re.M).search(changelog, found.end())
    body = changelog[found.end(): following.start() if following else len(changelog)]
    body = re.sub(r"^\[[^\]]+\]:\s*\S+\s*$", "", body, flags=re.M)  # link definitions at the end of the file
    return body.strip()


def _pins(lock: Path) -> dict[str, str]:
    """``{canonical name: version}`` of every ``name==version`` line of a lock file."""
    from packaging.utils import canonicalize_name
    from packaging.version import Version

    pins = {}
    for line in lock.read_text(encoding="utf-8").splitlines():
        line = line.split("#", 1)[0].strip()
        if "==" in line:
            name, version = (part.strip() for part in line.split(";", 1)[0].split("==", 1))
            pins[canonicalize_name(name.split("[", 1)[0])] = str(Version(version))
    return pins


def _distributions(folder: Path) -> dict[tuple[str, str], list[Path]]:
    """The wheels and sdists in ``folder`` by (canonical name, version): wheels first, and only wheels
    that install on this interpreter and platform."""
    from packaging.tags import sys_tags
    from packaging.utils import InvalidSdistFilename, InvalidWheelFilename, parse_sdist_filename, parse_wheel_filename

    supported = set(sys_tags())
    found: dict[tuple[str, str], list[Path]] = {}
    for path in sorted(folder.iterdir()) if folder.is_dir() else []:
        try:
            if path.suffix == ".whl":
                name, version, _, tags = parse_wheel_filename(path.name)
                if not tags & supported:
                    continue
                rank = 0
            elif path.name.endswith((".tar.gz", ".zip")):
                name, version = parse_sdist_filename(path.name)
                rank = 1
            else:
                continue
        except (InvalidWheelFilename, InvalidSdistFilename):
            continue
        found.setdefault((name, str(version)), []).append((rank, path))
    return {key: [path for _, path in sorted(ranked)] for key, ranked in found.items()}


def _pip(*arguments: str) -> None:
    command = [sys.executable, "-m", "pip", *arguments]
    finished = subprocess.run(command, capture_output=True, text=True)
    if finished.returncode != 0:
        log = [line for line in (finished.stdout + finished.stderr).splitlines()
               if line.strip() and not line.startswith("WARNING: Location")]
        raise RuntimeError(f"pip {arguments[0]} failed:\n    " + "\n    ".join(log[-20:]))


def gather_wheels(lock: Path, cache: Path, *, echo: Callable[[str], None] = _echo) -> Wheels:
    """One wheel for this platform per package pinned in ``lock``, downloaded into ``cache`` (kept between runs).

    ``pip download --no-deps --prefer-binary`` fetches what is missing: a wheel where the package publishes one
    for this platform, else its source distribution, from which ``pip wheel`` builds a wheel here (so that
    installing the bundle never needs a build backend or a network).
    """
    pins = _pins(lock)
    cache.mkdir(parents=True, exist_ok=True)
    cached = _distributions(cache)
    missing = [f"{name}=={version}" for name, version in pins.items()
               if not any(p.suffix == ".whl" for p in cached.get((name, version), []))]
    if missing:
        echo(f"  downloading {len(missing)} of {len(pins)} pinned packages into {cache}")
        requirements = cache / "missing.txt"
        requirements.write_text("\n".join(missing) + "\n", encoding="utf-8")
        _pip("download", "--no-deps", "--prefer-binary", "--quiet", "-r", str(requirements), "-d", str(cache))
        requirements.unlink()
    available = _distributions(cache)
    for name, version in pins.items():
        files = available.get((name, version), [])
        if not files:
            raise RuntimeError(f"{name}=={version}: no wheel or source distribution was downloaded")
        if files[0].suffix != ".whl":
            echo(f"  {name}=={version} publishes no wheel for this platform: building one from {files[0].name}")
            _pip("wheel", "--no-deps", "--quiet", "-w", str(cache), str(files[0]))
    available = _distributions(cache)
    files, built = [], []
    for name, version in pins.items():
        wheels = [p for p in available.get((name, version), []) if p.suffix == ".whl"]
        if not wheels:
            raise RuntimeError(f"{name}=={version}: building a wheel from its source distribution failed")
        files.append(wheels[0])
        if len(wheels) < len(available[(name, version)]):  # the sdist is kept: pip only fetched it for want of a wheel
            built.append(f"{name}=={version}")
    return Wheels(tuple(files), tuple(built))


def build_helpers_wheel(root: Path, target: Path) -> Path:
    """Build the wheel of this repository (``helpers`` and ``spinebook``) into ``target`` and return it.

    The sources are copied to a scratch folder first, so the build leaves nothing in the repository.
    """
    target.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="spinebook-wheel-") as scratch:
        source = Path(scratch) / "source"
        source.mkdir()
        for name in ("pyproject.toml", "README.md", "LICENSE", "LICENSE-text.md"):
            if (root / name).is_file():
                shutil.copy2(root / name, source / name)
        shutil.copytree(root / "src", source / "src",
                        ignore=shutil.ignore_patterns("__pycache__", "*.egg-info", "*.pyc"))
        before = set(target.glob("*.whl"))
        _pip("wheel", "--no-deps", "--quiet", "-w", str(target), str(source))
    wheels = sorted(target.glob("spine_mri_outcomes-*.whl"))
    built = sorted(set(wheels) - before) or wheels
    if not built:
        raise RuntimeError(f"pip wheel wrote no spine_mri_outcomes wheel into {target}")
    return built[-1]


def offline_readme(version: str, wheels: Wheels, helpers_wheel: str) -> str:
    """The bundle's ``README-offline.md``."""
    chapters = "\n".join(f"| `{chapter.id}` | {chapter.title} | `data/synthetic/{chapter.data_file}` |"
                         for chapter in registry.CHAPTERS.values())
    python = f"{sys.version_info.major}.{sys.version_info.minor}"
    built = (", ".join(f"`{name}`" for name in wheels.built_from_sdist) if wheels.built_from_sdist else "none")
    return f"""# Spine MRI Outcomes {version}: offline copy

This folder holds everything needed to read the book and to re-run its chapters on a machine with **no
internet access**, such as a hospital workstation. Educational material: nothing in it is clinical advice.

## Read the book

Open `site/index.html` in a web browser (double-click it, or drag it onto the browser window). The site
loads nothing from the internet: the pages, figures and the formula renderer are all in `site/`.

## Install the software (once)

The wheels in `wheels/` were built for **{platform.system()} {platform.machine()} with Python {python}**
(`{sysconfig.get_platform()}`); the machine needs that Python (`python3 --version`) and nothing else.
In this folder, in a terminal:

```bash
python3 -m venv .venv
.venv/bin/pip install --no-index --find-links wheels -r requirements.lock
.venv/bin/pip install --no-index --find-links wheels {helpers_wheel}
```

`--no-index` keeps pip off the network: every package comes from `wheels/` ({len(wheels.files)} wheels, pinned
by `requirements.lock`). Packages that publish no wheel for this platform had theirs built from source when
the bundle was made: {built}. The compiled wheels fit only the platform named above; for another one, run
`make dist` in the repository on a machine of that platform.

## Run a chapter on your own file

```bash
.venv/bin/spinebook run equivocal-mri --data my_cohort.csv    # run the chapter on your file
.venv/bin/spinebook run equivocal-mri                          # or on the synthetic data
.venv/bin/spinebook run equivocal-mri --data my_cohort.csv --columns templates/equivocal-mri-columns.yaml
```

Run `spinebook` from this folder (or any folder inside it): it finds the chapters through `_toc.yml` and
`notebooks/` here. From elsewhere, point it at this folder with `SPINEBOOK_ROOT=/path/to/this/folder`.
Each run writes a new folder `runs/<chapter>-<UTC time>/` (or `--out DIR`) with the executed notebook, a
standalone `report.html`, a tidy `results.csv` and `provenance.json`; your file is only read. Columns
named differently in your file can be mapped with `--map theirs=schema` or a mapping file
(`--columns MAP.yaml`, last example); `templates/` holds, per chapter, an empty CSV with the expected
header (`<chapter>-template.csv`) and a mapping skeleton to fill in (`<chapter>-columns.yaml`), as
`spinebook template CHAPTER --out DIR` writes them. The book's page "Using this book"
(`site/book/using.html`) and the data dictionary (`site/book/data-dictionary.html`) describe every column.

| chapter | title | synthetic data |
| --- | --- | --- |
{chapters}

## What else is here

`notebooks/` (the chapters as MyST text and notebooks), `data/synthetic/` (the synthetic data),
`CITATION.cff` and `CHANGELOG.md` (how to cite this version, and what changed), `LICENSE` (code: MIT)
and `LICENSE-text.md` (text and figures: CC BY 4.0).
"""


def _zip_folder(folder: Path, target: Path) -> Path:
    """Zip ``folder`` (as the archive's top folder) into ``target``, files in sorted order."""
    with zipfile.ZipFile(target, "w", allowZip64=True) as archive:
        for path in sorted(folder.rglob("*")):
            if path.is_file():
                compression = zipfile.ZIP_STORED if path.name.endswith(STORED_SUFFIXES) else zipfile.ZIP_DEFLATED
                archive.write(path, path.relative_to(folder.parent).as_posix(), compress_type=compression)
    return target


def build_bundle(root: Path | None = None, *, out: Path | None = None, wheel_cache: Path | None = None,
                 echo: Callable[[str], None] = _echo) -> Path:
    """Write ``<out>/spine-mri-outcomes-<version>.zip`` (default ``out``: ``dist/``) and return its path.

    The book is built first (:func:`helpers.book.build.build_book`: a no-op taking seconds when nothing
    changed), so the bundle always holds the site of the current sources. An existing zip of the same
    version is replaced only once the new one is complete.
    """
    from helpers.book import build, templates

    started = time.perf_counter()
    root = Path(root or registry.project_root()).resolve()
    out = Path(out or root / "dist").resolve()
    wheel_cache = Path(wheel_cache or root / "dist" / ".wheel-cache").resolve()
    version = build.book_version(root)
    name = bundle_name(version)
    missing = [item for item in ROOT_FILES if not (root / item).is_file()]
    if missing:
        raise InputError(f"{', '.join(missing)}: missing from {root}; the bundle ships them.")
    echo(f"Bundling {name} (the book is built first if anything changed)")
    index = build.build_book(root, echo=echo)
    site = index.parent
    out.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".staging-", dir=out))
    try:
        folder = staging / name
        shutil.copytree(site, folder / "site", ignore=shutil.ignore_patterns(".buildinfo", ".doctrees"))
        (folder / "notebooks").mkdir()
        for chapter in registry.CHAPTERS.values():
            for suffix in (".md", ".ipynb"):
                shutil.copy2(root / "notebooks" / f"{chapter.notebook}{suffix}", folder / "notebooks")
        (folder / "data" / "synthetic").mkdir(parents=True)
        for chapter_id in registry.CHAPTERS:
            shutil.copy2(registry.synthetic_data_path(chapter_id, root), folder / "data" / "synthetic")
        for chapter_id in registry.CHAPTERS:
            templates.write_template(chapter_id, folder / "templates")
        for item in ROOT_FILES:
            shutil.copy2(root / item, folder / item)
        echo("  building the wheel of helpers")
        helpers_wheel = build_helpers_wheel(root, folder)
        echo("  gathering the wheels pinned by requirements.lock")
        wheels = gather_wheels(root / "requirements.lock", wheel_cache, echo=echo)
        (folder / "wheels").mkdir()
        for path in wheels.files:
            shutil.copy2(path, folder / "wheels" / path.name)
        (folder / "README-offline.md").write_text(offline_readme(version, wheels, helpers_wheel.name), encoding="utf-8")
        echo("  writing the zip")
        partial = _zip_folder(folder, staging / f"{name}.zip")
        target = out / f"{name}.zip"
        partial.replace(target)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    size = target.stat().st_size / 1e6
    echo(f"Bundle written in {time.perf_counter() - started:.0f} s: {target} ({size:.0f} MB, "
         f"{len(wheels.files)} wheels" + (f"; built from source here: {', '.join(wheels.built_from_sdist)}"
                                         if wheels.built_from_sdist else "") + ")")
    return target


def main(argv: list[str] | None = None) -> int:
    """``python -m helpers.book.dist``: write the offline bundle, or print the release notes (``--notes``)."""
    parser = argparse.ArgumentParser(prog="python -m helpers.book.dist", description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, metavar="DIR", help="folder for the zip (default: dist/)")
    parser.add_argument("--wheel-cache", type=Path, metavar="DIR",
                        help="folder keeping downloaded wheels between runs (default: dist/.wheel-cache)")
    parser.add_argument("--notes", action="store_true",
                        help="print the CHANGELOG.md section of the current version (the release notes) and exit")
    arguments = parser.parse_args(argv)
    try:
        root = registry.project_root()
        if arguments.notes:
            from helpers.book.build import book_version

            print(release_notes((root / "CHANGELOG.md").read_text(encoding="utf-8"), book_version(root)))
            return 0
        build_bundle(root, out=arguments.out, wheel_cache=arguments.wheel_cache)
    except InputError as error:
        print(f"dist: invalid input: {error}", file=sys.stderr)
        return 2
    except (RuntimeError, OSError) as error:
        print(f"dist: failed: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
