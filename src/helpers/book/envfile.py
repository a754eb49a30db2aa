"""Keep ``environment.yml`` (for conda users) in step with ``requirements.lock``.

``python -m helpers.book.envfile requirements.lock environment.yml`` rewrites the conda file so that it names
exactly the packages and versions of the lock (installed by pip inside the conda environment, so the two
resolve to the same wheels). ``make lock`` runs it after re-resolving the lock.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

PIN = re.compile(r"^([A-Za-z0-9_.\-\[\]]+)==([^\s;#]+)")


def read_pins(lines: list[str]) -> dict[str, str]:
    """``{normalised name: version}`` from lines of the form ``name==version`` (comments ignored)."""
    pins = {}
    for line in lines:
        match = PIN.match(line.strip().lstrip("- ").strip())
        if match:
            pins[re.sub(r"[-_.]+", "-", match.group(1)).lower()] = match.group(2)
    return pins


def environment_yaml(lock_text: str, *, python: str = "3.11") -> str:
    """The conda environment file for a lock file's text."""
    pins = read_pins(lock_text.splitlines())
    lines = [
        "# Generated from requirements.lock by `make lock` (python -m helpers.book.envfile); do not edit by hand.",
        "# Conda users: conda env create -f environment.yml && conda activate spine-mri-outcomes",
        "name: spine-mri-outcomes",
        "channels:",
        "  - conda-forge",
        "dependencies:",
        f"  - python={python}",
        "  - pip",
        "  - pip:",
        *(f"      - {name}=={version}" for name, version in sorted(pins.items())),
        "      - -e .",
    ]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    lock, target = (argv or sys.argv[1:]) or ["requirements.lock", "environment.yml"]
    Path(target).write_text(environment_yaml(Path(lock).read_text(encoding="utf-8")), encoding="utf-8")
    print(f"wrote {target}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
