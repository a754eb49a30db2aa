"""The benchmark's machinery (the benchmark itself is `make bench`, never a timed test)."""

from __future__ import annotations

import sys

import pytest

from helpers.book import bench


def test_measure_reports_time_and_memory_of_the_process_tree(tmp_path):
    # a child that holds about 200 MB: the sampled peak of the tree must see it
    script = "import time; block = bytearray(200 * 2**20); time.sleep(0.5)"
    seconds, peak = bench.measure([sys.executable, "-c", script], cwd=tmp_path)
    assert seconds >= 0.5
    assert peak > 150


def test_measure_raises_on_failure(tmp_path):
    with pytest.raises(RuntimeError, match="failed"):
        bench.measure([sys.executable, "-c", "raise SystemExit(3)"], cwd=tmp_path)


def test_median_row_takes_the_median_time_and_the_largest_memory():
    row = bench._median_row("x", [(3.0, 10.0), (1.0, 30.0), (2.0, 20.0)])
    assert row["seconds"] == 2.0 and row["peak_memory_mb"] == 30.0 and row["runs"] == 3
    assert list(row) == bench.COLUMNS


def test_command_line_offers_every_part(capsys):
    # one --only option naming every part (two definitions of it made `make bench` fail before measuring)
    with pytest.raises(SystemExit) as exit_:
        bench.main(["--help"])
    assert exit_.value.code == 0
    usage = capsys.readouterr().out
    for part in ("build", "chapters", "matching", "delong", "pool", "r", "imports"):
        assert part in usage
