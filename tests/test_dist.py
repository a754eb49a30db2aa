"""The release: notes read from CHANGELOG.md, and the offline bundle (``make dist``).

The bundle tests (marked ``book``) build the bundle once into a temporary folder (downloaded wheels are kept
in ``dist/.wheel-cache``), unzip it, open its site in headless Chromium with the network switched off, and
install its wheels into a fresh virtual environment with ``pip install --no-index`` (no package index, no
pip configuration of this machine) to run a chapter on a local file from the unzipped folder.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pandas as pd
import pytest

from helpers.book import dist
from helpers.book.build import book_version
from helpers.chapters import registry
from helpers.validation.errors import InputError


def test_release_notes_are_the_section_of_the_current_version(repo):
    changelog = (repo / "CHANGELOG.md").read_text(encoding="utf-8")
    notes = dist.release_notes(changelog, book_version(repo))
    assert notes.startswith("The first version of the book") and "### Added" in notes
    assert "## [" not in notes and "Unreleased" not in notes
    finished = subprocess.run([sys.executable, "-m", "helpers.book.dist", "--notes"], cwd=repo, capture_output=True,
                              text=True, timeout=120)
    assert finished.returncode == 0, finished.stderr
    assert finished.stdout.strip() == notes


def test_release_notes_refuse_a_version_without_a_section():
    with pytest.raises(InputError, match=r"no section '## \[9.9.9\]'"):
        dist.release_notes("# Changelog\n\n## [Unreleased]\n\n## [0.1.0] - 2026-11-30\n- first\n", "9.9.9")


def test_release_notes_stop_at_the_next_section_and_drop_link_definitions():
    text = ("## [Unreleased]\n- soon\n\n## [1.1.0] - 2027-02-01\n### Fixed\n- a bug\n\n"
            "## [1.0.0] - 2027-01-01\n- old\n\n"
            "[1.1.0]: https://example.org/compare/v1.0.0...v1.1.0\n[1.0.0]: https://example.org/tag/v1.0.0\n")
    assert dist.release_notes(text, "1.1.0") == "### Fixed\n- a bug"
    assert dist.release_notes(text, "1.0.0") == "- old"


# ------------------------------------------------------------------------------------------------
# The bundle
# ------------------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def bundle(built_site: Path, repo: Path, tmp_path_factory) -> Path:
    """The unzipped bundle folder (built from the repository into a temporary folder)."""
    out = tmp_path_factory.mktemp("dist")
    archive = dist.build_bundle(repo, out=out, echo=print)
    assert archive.name == f"spine-mri-outcomes-{book_version(repo)}.zip"
    with zipfile.ZipFile(archive) as opened:
        opened.extractall(out / "unzipped")
    return out / "unzipped" / archive.stem


@pytest.mark.book
def test_the_bundle_holds_site_notebooks_data_templates_and_wheels(bundle: Path, repo: Path):
    assert (bundle / "site" / "index.html").is_file() and (bundle / "site" / "book" / "index.html").is_file()
    assert (bundle / "_toc.yml").is_file(), "spinebook finds its root through _toc.yml and notebooks/"
    for chapter in registry.CHAPTERS.values():
        assert (bundle / "site" / "notebooks" / f"{chapter.notebook}.html").is_file()
        for suffix in (".md", ".ipynb"):
            assert (bundle / "notebooks" / f"{chapter.notebook}{suffix}").read_bytes() == \
                (repo / "notebooks" / f"{chapter.notebook}{suffix}").read_bytes()
        assert (bundle / "data" / "synthetic" / chapter.data_file).read_bytes() == \
            registry.synthetic_data_path(chapter.id, repo).read_bytes()
        assert (bundle / "templates" / f"{chapter.id}-template.csv").is_file()
        assert (bundle / "templates" / f"{chapter.id}-columns.yaml").is_file()
    assert len(list(bundle.glob("spine_mri_outcomes-*-py3-none-any.whl"))) == 1
    pins = [line for line in (bundle / "requirements.lock").read_text().splitlines() if "==" in line]
    assert len(list((bundle / "wheels").glob("*.whl"))) == len(pins)
    assert not [p for p in (bundle / "wheels").iterdir() if p.suffix != ".whl"], "only wheels: no build needed"
    readme = (bundle / "README-offline.md").read_text()
    for command in ("python3 -m venv .venv", "pip install --no-index --find-links wheels -r requirements.lock",
                    "spinebook run equivocal-mri --data", "site/index.html", "SPINEBOOK_ROOT"):
        assert command in readme, f"README-offline.md does not say {command!r}"
    for name in ("LICENSE", "LICENSE-text.md", "CITATION.cff", "CHANGELOG.md"):
        assert (bundle / name).read_bytes() == (repo / name).read_bytes()


def _chromium() -> tuple[str, str] | None:
    browser = shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")
    driver = shutil.which("chromedriver")
    return (browser, driver) if browser and driver else None


@pytest.fixture(scope="module")
def offline_browser(tmp_path_factory):
    """Headless Chromium that cannot reach any host: host names resolve to nothing and DevTools' network
    emulation is offline (pages from the file system still load)."""
    found = _chromium()
    if not found:
        reason = "headless Chromium not installed (Debian packages chromium and chromium-driver); browser test skipped"
        if os.environ.get("SPINEBOOK_REQUIRE_BROWSER"):
            pytest.fail(f"SPINEBOOK_REQUIRE_BROWSER is set but {reason}")
        pytest.skip(reason)
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = found[0]
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 "--disable-dev-shm-usage", "--window-size=1280,2000", "--host-resolver-rules=MAP * ~NOTFOUND",
                 f"--user-data-dir={tmp_path_factory.mktemp('chromium-offline-profile')}"):
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL", "performance": "ALL"})
    driver = webdriver.Chrome(service=Service(found[1]), options=options)
    driver.set_page_load_timeout(60)
    driver.execute_cdp_cmd("Network.enable", {})
    driver.execute_cdp_cmd("Network.emulateNetworkConditions", {"offline": True, "latency": 0,
                                                                 "downloadThroughput": -1, "uploadThroughput": -1})
    yield driver
    driver.quit()


@pytest.mark.book
@pytest.mark.browser
def test_the_bundle_site_opens_offline_in_chromium(offline_browser, bundle: Path, repo: Path):
    from selenium.webdriver.support.ui import WebDriverWait

    browser, version = offline_browser, book_version(repo)
    for page, expected in ((bundle / "site" / "index.html", "book/index.html"),
                           (bundle / "site" / "notebooks" / "equivocal-mri.html", "notebooks/equivocal-mri.html")):
        browser.get_log("browser"), browser.get_log("performance")  # clear earlier entries
        browser.get(page.as_uri())
        WebDriverWait(browser, 30).until(lambda d, expected=expected: d.current_url.endswith(expected)
                                         and d.execute_script("return document.readyState") == "complete")
        footer = browser.execute_script("return document.querySelector('p.book-version').textContent")
        assert f"version {version}" in footer, f"{expected}: footer {footer!r}"
        if browser.execute_script("return document.querySelectorAll('.math').length") > 0:
            browser.execute_async_script("const done = arguments[0]; MathJax.startup.promise.then(() => done(true));")
            leftover = browser.execute_script("return Array.from(document.querySelectorAll('.math'))"
                                              ".filter(e => !e.querySelector('mjx-container')).length")
            assert leftover == 0, f"{expected}: {leftover} formulas not rendered"
        broken = browser.execute_script(
            "return Array.from(document.images).filter(i => !(i.complete && i.naturalWidth > 0)).map(i => i.src)")
        assert not broken, f"{expected}: images that did not load: {broken}"
        errors = [entry["message"] for entry in browser.get_log("browser") if entry["level"] == "SEVERE"]
        assert not errors, f"{expected}: console errors: {errors}"
        requests = [json.loads(entry["message"])["message"]["params"]["request"]["url"]
                    for entry in browser.get_log("performance")
                    if json.loads(entry["message"])["message"].get("method") == "Network.requestWillBeSent"]
        assert requests and all(url.startswith("file:") for url in requests), \
            f"{expected}: requests that are not files: {[u for u in requests if not u.startswith('file:')]}"
    assert browser.execute_script("return document.querySelectorAll('img').length") > 0


@pytest.mark.book
def test_the_bundle_installs_without_an_index_and_runs_a_chapter(bundle: Path, repo: Path, tmp_path: Path):
    # nothing from this machine's pip configuration (its index mirrors and wheel folders) may help
    env = {key: value for key, value in os.environ.items()
           if not key.startswith(("PIP_", "SPINEBOOK_", "VIRTUAL_ENV", "PYTHONPATH"))}
    env.update(PIP_CONFIG_FILE=os.devnull, PIP_DISABLE_PIP_VERSION_CHECK="1")
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, env=env, timeout=300)
    pip = [str(venv / "bin" / "python"), "-m", "pip", "install", "--quiet", "--no-index", "--find-links", "wheels"]
    for target in (["-r", "requirements.lock"], [next(bundle.glob("spine_mri_outcomes-*.whl")).name]):
        finished = subprocess.run(pip + target, cwd=bundle, env=env, capture_output=True, text=True, timeout=1200)
        assert finished.returncode == 0, f"pip install {' '.join(target)} failed:\n{finished.stdout}{finished.stderr}"
    where = subprocess.run([str(venv / "bin" / "python"), "-c", "import helpers; print(helpers.__file__)"],
                           env=env, capture_output=True, text=True, cwd=tmp_path, check=True).stdout
    assert Path(where.strip()).is_relative_to(venv), f"helpers imported from {where}, not from the new venv"

    chapter = registry.get_chapter("equivocal-mri")
    local_file = tmp_path / "my_cohort.csv"
    shutil.copy2(bundle / "data" / "synthetic" / chapter.data_file, local_file)
    finished = subprocess.run([str(venv / "bin" / "spinebook"), "run", chapter.id, "--data", str(local_file),
                               "--out", "runs/offline"], cwd=bundle, env=env, capture_output=True, text=True,
                              timeout=600)
    assert finished.returncode == 0, f"spinebook run failed:\n{finished.stdout}{finished.stderr}"
    run = bundle / "runs" / "offline"
    written = {p.name for p in run.iterdir()}
    assert {"report.html", "results.csv", "provenance.json", f"{chapter.notebook}.ipynb"} <= written
    offline = pd.read_csv(run / "results.csv")
    built = pd.read_csv(repo / "book" / "_build" / "outputs" / chapter.id / "results.csv")
    pd.testing.assert_frame_equal(offline, built, check_exact=False, rtol=1e-12)
    provenance = json.loads((run / "provenance.json").read_text())
    assert provenance["input_file"] == str(local_file.resolve())
    assert provenance["packages"]["spine-mri-outcomes"] == book_version(repo)


def test_gather_wheels_takes_cached_wheels_and_names_those_built_from_source(tmp_path):
    lock = tmp_path / "requirements.lock"
    lock.write_text("# a lock\nfoo-bar==1.0\n    # via x\nBaz==2.0.1\n")
    cache = tmp_path / "cache"
    cache.mkdir()
    for name in ("foo_bar-1.0-py3-none-any.whl", "foo_bar-0.9-py3-none-any.whl",   # an older pin stays out
                 "baz-2.0.1.tar.gz", "baz-2.0.1-py3-none-any.whl",                # built here from the sdist
                 "baz-2.0.1-cp27-cp27m-win32.whl"):                               # not for this platform
        (cache / name).write_bytes(b"")
    wheels = dist.gather_wheels(lock, cache, echo=lambda message: pytest.fail(f"nothing to do, but: {message}"))
    assert [p.name for p in wheels.files] == ["foo_bar-1.0-py3-none-any.whl", "baz-2.0.1-py3-none-any.whl"]
    assert wheels.built_from_sdist == ("baz==2.0.1",)
