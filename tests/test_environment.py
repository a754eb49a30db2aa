"""The pinned environment: the lock pins everything exactly, and environment.yml stays in step with it."""

from __future__ import annotations

import tomllib

import yaml

from helpers.book.envfile import environment_yaml, read_pins


def test_environment_yml_names_the_same_packages_at_the_same_versions(repo):
    lock = read_pins((repo / "requirements.lock").read_text().splitlines())
    environment = yaml.safe_load((repo / "environment.yml").read_text())
    pip_section = next(item["pip"] for item in environment["dependencies"] if isinstance(item, dict))
    conda = read_pins(pip_section)
    assert conda == lock, (
        "environment.yml and requirements.lock drifted apart; run `make lock`. "
        f"Only in the lock: {sorted(set(lock.items()) - set(conda.items()))[:10]}; "
        f"only in environment.yml: {sorted(set(conda.items()) - set(lock.items()))[:10]}")


def test_drift_is_detected():
    # the comparison above must be able to fail: a changed version gives a different pin set
    lock_text = "numpy==2.4.6\npandas==2.3.3\n"
    drifted = environment_yaml(lock_text).replace("pandas==2.3.3", "pandas==2.2.0")
    assert read_pins(drifted.splitlines()) != read_pins(lock_text.splitlines())


def test_every_direct_dependency_is_pinned_in_the_lock(repo):
    project = tomllib.loads((repo / "pyproject.toml").read_text())["project"]
    direct = project["dependencies"] + project["optional-dependencies"]["test"]
    pins = read_pins((repo / "requirements.lock").read_text().splitlines())
    for requirement in direct:
        name = requirement.split(">")[0].split("<")[0].split("=")[0].split("[")[0].strip().lower().replace("_", "-")
        assert name in pins, f"{name} is a dependency but not pinned in requirements.lock"


def test_jupyter_book_is_version_1(repo):
    # Jupyter Book 2 downloads its theme at build time, which cannot work offline
    pins = read_pins((repo / "requirements.lock").read_text().splitlines())
    assert pins["jupyter-book"].startswith("1.")
