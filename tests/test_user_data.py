"""Every chapter re-run on a user-style copy of its synthetic data gives the same results as the original.

The copy has other column names, other codes (``M``/``F``, ``yes``/``no``, short labels) and another file
format; a mapping file generated from the schema maps it back. The two runs' ``results.csv`` must be equal.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from helpers.book.build import copy_sources
import yaml

from helpers.chapters import registry
from helpers.validation import schema

pytestmark = pytest.mark.book


def user_style_copy(chapter_id: str, folder: Path) -> tuple[Path, Path]:
    """Write a renamed, recoded copy of the chapter's synthetic data and the mapping that undoes it."""
    original = pd.read_csv(registry.synthetic_data_path(chapter_id))
    table = schema.describe_schema(registry.get_chapter(chapter_id).schema).set_index("column")
    renamed, columns, values = original.copy(), {}, {}
    for column in original.columns:
        if column not in table.index:
            continue
        allowed = table.loc[column, "allowed"]
        if allowed.startswith("one of "):
            codes = [code.strip() for code in allowed[len("one of "):].split(",")]
            if sorted(codes) == ["0", "1"]:
                translation = {1: "yes", 0: "no"}
            else:
                translation = {code: f"{code[:2].upper()}{index}" for index, code in enumerate(codes)}
            renamed[column] = original[column].map(lambda v, t=translation: t.get(v, t.get(str(v), v)))
            values[column] = {their: ours for ours, their in translation.items()}
        their_name = f"{column.replace('_', ' ').title()} (export)"
        renamed = renamed.rename(columns={column: their_name})
        columns[their_name] = column
    data = folder / f"{chapter_id} registry export.xlsx"
    renamed.to_excel(data, index=False)
    mapping = folder / f"{chapter_id}-columns.yaml"
    mapping.write_text(yaml.safe_dump({"columns": columns, "values": values}, allow_unicode=True))
    return data, mapping


def shown_text(notebook) -> str:
    """Everything a page shows as text: streams, plain text and HTML (not image bytes, whose base64 can
    contain any short string by chance)."""
    parts = []
    for cell in notebook.cells:
        for output in cell.get("outputs", []):
            parts.append(output.get("text", ""))
            data = output.get("data", {})
            parts.extend(str(data.get(kind, "")) for kind in ("text/plain", "text/html", "text/markdown"))
    return "\n".join(parts)


def spinebook(*arguments: str, root: Path) -> subprocess.CompletedProcess:
    environment = {**os.environ, "SPINEBOOK_ROOT": str(root)}
    return subprocess.run([sys.executable, "-m", "helpers.book.cli", *arguments], cwd=root, env=environment,
                          capture_output=True, text=True, timeout=900)


@pytest.fixture(scope="module")
def project(tmp_path_factory, repo: Path) -> Path:
    root = tmp_path_factory.mktemp("user-data") / "book"
    root.mkdir()
    copy_sources(repo, root)
    return root


@pytest.mark.parametrize("chapter_id", list(registry.CHAPTERS))
def test_mapped_copy_gives_the_same_results(chapter_id: str, project: Path, tmp_path: Path):
    data, mapping = user_style_copy(chapter_id, tmp_path)
    before = data.read_bytes()
    mapped = spinebook("run", chapter_id, "--data", str(data), "--columns", str(mapping),
                       "--out", str(tmp_path / "mapped"), root=project)
    assert mapped.returncode == 0, mapped.stderr[-3000:]
    assert data.read_bytes() == before, "the user's file was modified"
    plain = spinebook("run", chapter_id, "--out", str(tmp_path / "plain"), root=project)
    assert plain.returncode == 0, plain.stderr[-3000:]
    mapped_results = pd.read_csv(tmp_path / "mapped" / "results.csv")
    plain_results = pd.read_csv(tmp_path / "plain" / "results.csv")
    pd.testing.assert_frame_equal(mapped_results, plain_results)
    assert (tmp_path / "mapped" / "column_map.yaml").is_file()
    # pages run on user data show aggregates only: no patient identifier appears in any output
    import nbformat

    executed = nbformat.read(tmp_path / "mapped" / f"{chapter_id}.ipynb", as_version=4)
    shown = shown_text(executed)
    identifiers = pd.read_csv(registry.synthetic_data_path(chapter_id))["patient_id"].astype(str).unique()
    leaked = [identifier for identifier in identifiers if identifier in shown]
    assert not leaked, f"{chapter_id}: patient ids shown on a page run on user data: {leaked[:5]}"
    if chapter_id == "mscc-separation":  # the same check sees ids where example rows are allowed
        shown = shown_text(nbformat.read(tmp_path / "plain" / f"{chapter_id}.ipynb", as_version=4))
        assert any(identifier in shown for identifier in identifiers)


def test_the_copy_really_differs_from_the_original(tmp_path: Path):
    data, mapping = user_style_copy("dynamic-mri", tmp_path)
    copy = pd.read_excel(data)
    original = pd.read_csv(registry.synthetic_data_path("dynamic-mri"))
    assert not set(copy.columns) & set(original.columns)
    assert set(copy["Imaging (export)"]) == {"DY0", "CO1"}
    assert set(copy["Reoperation (export)"]) == {"yes", "no"}
    assert yaml.safe_load(mapping.read_text())["columns"]["Sex (export)"] == "sex"
