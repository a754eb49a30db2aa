"""The built book: a page per chapter, nothing loaded from another host, and a headless-browser check.

The site is built once per test session (``built_site`` fixture in conftest.py). The browser test opens
every chapter page from disk in headless Chromium, asserts no console errors, that every image loaded,
that the math rendered and that no request left the machine, and saves a screenshot per page under
``test-output/screenshots/``. Without Chromium it is skipped with the reason printed; ``.ci/run``
installs Chromium when it runs as root, so CI always runs it.
"""

from __future__ import annotations

import json
import os
import re
import shutil
from html.parser import HTMLParser
from pathlib import Path

import pytest
import yaml

from helpers.chapters import registry

pytestmark = pytest.mark.book

# Elements whose attribute makes the browser load something (links a reader clicks are not loads).
LOADING_ATTRIBUTES = {
    "script": ["src"], "img": ["src", "srcset"], "iframe": ["src"], "source": ["src", "srcset"],
    "video": ["src", "poster"], "audio": ["src"], "embed": ["src"], "object": ["data"], "track": ["src"],
}
EXTERNAL = re.compile(r"^\s*(?:[a-z][a-z0-9+.-]*:)?//", re.I)


class _ResourceCollector(HTMLParser):
    def __init__(self):
        super().__init__()
        self.resources: list[str] = []
        self._in_style = False

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        for name in LOADING_ATTRIBUTES.get(tag, []):
            if attributes.get(name):
                self.resources.append(attributes[name])
        if tag == "link" and attributes.get("href"):
            rel = (attributes.get("rel") or "").lower()
            if any(word in rel for word in ("stylesheet", "icon", "preload", "prefetch", "modulepreload",
                                            "preconnect", "dns-prefetch", "manifest")):
                self.resources.append(attributes["href"])
        if attributes.get("style"):
            self.resources.extend(re.findall(r"url\(\s*['\"]?([^'\")]+)", attributes["style"]))
        self._in_style = tag == "style"

    def handle_data(self, data):
        if self._in_style:
            self.resources.extend(re.findall(r"url\(\s*['\"]?([^'\")]+)", data))
            self.resources.extend(re.findall(r"@import\s+['\"]([^'\"]+)", data))

    def handle_endtag(self, tag):
        if tag == "style":
            self._in_style = False


def external_resources(html: str) -> list[str]:
    """Resources a page would load from another host."""
    collector = _ResourceCollector()
    collector.feed(html)
    return [url for url in collector.resources if EXTERNAL.match(url)]


def test_resource_scanner_finds_external_loads():
    page = ('<html><head><script src="https://cdn.example.org/x.js"></script>'
            '<link rel="stylesheet" href="//fonts.example.org/f.css"><style>@import "https://a.example/b.css";'
            'body{background:url(https://img.example/i.png)}</style></head>'
            '<body><a href="https://doi.org/10.1/x">a DOI link is not a load</a>'
            '<img src="_images/local.png"></body></html>')
    assert sorted(external_resources(page)) == sorted([
        "https://cdn.example.org/x.js", "//fonts.example.org/f.css", "https://a.example/b.css",
        "https://img.example/i.png"])


def test_every_toc_page_is_built(built_site: Path, repo: Path):
    toc = yaml.safe_load((repo / "_toc.yml").read_text())
    from helpers.book.build import _toc_files

    for entry in _toc_files(toc):
        assert (built_site / f"{entry}.html").is_file(), f"no page built for {entry}"
    for chapter in registry.CHAPTERS.values():
        assert (built_site / "notebooks" / f"{chapter.notebook}.html").is_file()


def test_no_page_loads_anything_from_another_host(built_site: Path):
    offenders = {}
    for page in built_site.rglob("*.html"):
        found = external_resources(page.read_text(encoding="utf-8"))
        if found:
            offenders[str(page.relative_to(built_site))] = found
    for stylesheet in built_site.rglob("*.css"):
        found = [url for url in re.findall(r"url\(\s*['\"]?([^'\")]+)", stylesheet.read_text(errors="ignore"))
                 if EXTERNAL.match(url)]
        found += re.findall(r"@import\s+(?:url\()?['\"]?((?:https?:)?//[^'\")]+)", stylesheet.read_text(errors="ignore"))
        if found:
            offenders[str(stylesheet.relative_to(built_site))] = found
    assert not offenders, f"pages or styles loading from other hosts: {offenders}"


def test_mathjax_is_served_locally(built_site: Path):
    page = (built_site / "notebooks" / "equivocal-mri.html").read_text(encoding="utf-8")
    match = re.search(r'<script[^>]+src="([^"]*mathjax[^"]*)"', page)
    assert match, "no MathJax script on a page with math"
    assert not EXTERNAL.match(match.group(1))
    assert (built_site / "notebooks" / match.group(1).split("?")[0]).resolve().is_file()


def test_figures_have_alt_text(built_site: Path):
    for chapter in registry.CHAPTERS.values():
        page = (built_site / "notebooks" / f"{chapter.notebook}.html").read_text(encoding="utf-8")
        images = re.findall(r"<img\b[^>]*>", page)
        assert images, f"{chapter.id}: no figures"
        for tag in images:
            alt = re.search(r'alt="([^"]*)"', tag)
            assert alt and len(alt.group(1)) > 20, f"{chapter.id}: figure without alt text: {tag[:120]}"


def test_injected_parameters_are_shown_collapsed(built_site: Path):
    page = (built_site / "notebooks" / "equivocal-mri.html").read_text(encoding="utf-8")
    block = re.search(r'<div class="cell[^"]*tag_injected-parameters[^"]*"', page)
    assert block, "the injected-parameters cell is missing from the page"
    assert "tag_hide-input" in block.group(0), "the injected-parameters cell is not collapsed"


# ------------------------------------------------------------------------------------------------
# Browser
# ------------------------------------------------------------------------------------------------

def _chromium() -> tuple[str, str] | None:
    browser = shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")
    driver = shutil.which("chromedriver")
    return (browser, driver) if browser and driver else None


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    found = _chromium()
    if not found:
        reason = "headless Chromium not installed (Debian packages chromium and chromium-driver); browser test skipped"
        if os.environ.get("SPINEBOOK_REQUIRE_BROWSER"):
            pytest.fail(f"SPINEBOOK_REQUIRE_BROWSER is set but {reason}")
        print(f"\nSKIPPED: {reason}")
        pytest.skip(reason)
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = found[0]
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 "--disable-dev-shm-usage", "--window-size=1280,2000",
                 f"--user-data-dir={tmp_path_factory.mktemp('chromium-profile')}"):
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL", "performance": "ALL"})
    driver = webdriver.Chrome(service=Service(found[1]), options=options)
    driver.set_page_load_timeout(60)
    yield driver
    driver.quit()


def _chapter_pages(site: Path) -> list[Path]:
    return [site / "index.html"] + [site / "notebooks" / f"{c.notebook}.html" for c in registry.CHAPTERS.values()]


@pytest.mark.browser
def test_pages_render_in_headless_chromium(browser, built_site: Path, repo: Path):
    from selenium.webdriver.support.ui import WebDriverWait

    screenshots = repo / "test-output" / "screenshots"
    screenshots.mkdir(parents=True, exist_ok=True)
    for page in _chapter_pages(built_site):
        browser.get_log("browser"), browser.get_log("performance")  # clear earlier entries
        browser.get(page.as_uri())
        WebDriverWait(browser, 30).until(lambda d: d.execute_script("return document.readyState") == "complete")
        has_math = browser.execute_script("return document.querySelectorAll('.math').length") > 0
        if has_math:
            WebDriverWait(browser, 30).until(lambda d: d.execute_script(
                "return !!(window.MathJax && MathJax.startup && MathJax.startup.promise)"))
            browser.execute_async_script("const done = arguments[0]; MathJax.startup.promise.then(() => done(true));")
            rendered = browser.execute_script("return document.querySelectorAll('mjx-container svg').length")
            leftover = browser.execute_script(
                "return Array.from(document.querySelectorAll('.math')).filter(e => !e.querySelector('mjx-container')).length")
            assert rendered > 0 and leftover == 0, f"{page.name}: math not rendered ({leftover} formulas left as text)"
        broken = browser.execute_script(
            "return Array.from(document.images).filter(i => !(i.complete && i.naturalWidth > 0)).map(i => i.src)")
        assert not broken, f"{page.name}: images that did not load: {broken}"
        errors = [entry["message"] for entry in browser.get_log("browser") if entry["level"] == "SEVERE"]
        assert not errors, f"{page.name}: console errors: {errors}"
        requests = []
        for entry in browser.get_log("performance"):
            message = json.loads(entry["message"])["message"]
            if message.get("method") == "Network.requestWillBeSent":
                url = message["params"]["request"]["url"]
                if url.startswith(("http:", "https:", "ws:", "wss:", "ftp:")):
                    requests.append(url)
        assert not requests, f"{page.name}: requests to other hosts: {requests}"
        browser.save_screenshot(str(screenshots / f"{page.stem}.png"))
