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


# ------------------------------------------------------------------------------------------------
# Layout and table text at a phone's and a wide screen's width
# ------------------------------------------------------------------------------------------------

SCREENS = [(390, False), (1400, False), (1400, True)]  # (width, dark mode)

LAYOUT_CHECK = r"""
const codeNames = new Set(arguments[0]);
const problems = [];
const scroller = document.scrollingElement;
if (scroller.scrollWidth > window.innerWidth + 1) {
  problems.push(`the page scrolls sideways: ${scroller.scrollWidth} px wide at ${window.innerWidth} px`);
}
const skip = 'mjx-assistive-mml, mjx-assistive-mml *, .visually-hidden, .sr-only, script, style';
function clipper(el) {  // the nearest ancestor that clips or scrolls horizontally, and how
  for (let a = el.parentElement; a && a !== document.documentElement; a = a.parentElement) {
    const o = getComputedStyle(a).overflowX;
    if (o !== 'visible') return [a, o];
  }
  return [null, 'visible'];
}
const root = document.querySelector('.bd-article') || document.body;
for (const el of root.querySelectorAll('*')) {
  if (el.matches(skip)) continue;
  const box = el.getBoundingClientRect();
  if (box.width === 0 || box.height === 0) continue;
  if (getComputedStyle(el.parentElement).display === 'inline') continue;  // inline boxes wrap, not contain
  const parent = el.parentElement.getBoundingClientRect();
  const [clip, how] = clipper(el);
  const scrolls = how === 'auto' || how === 'scroll';
  // a cell tagged full-width reaches into the margin on purpose (the theme's layout): fine inside the window
  const wide = el.closest('.tag_full-width, .full-width') || el.querySelector('.tag_full-width, .full-width');
  if (wide && wide.getBoundingClientRect().right <= window.innerWidth + 1 && box.right <= window.innerWidth + 1) continue;
  const own = getComputedStyle(el).overflowX;
  const spills = own === 'visible' && el.scrollWidth > el.clientWidth + 1 && el.clientWidth > 0 &&
                 getComputedStyle(el).display !== 'inline';
  if (box.right > parent.right + 1 || box.left < parent.left - 1 || spills) {
    if (!scrolls) {
      const text = (el.innerText || el.tagName).trim().slice(0, 60);
      problems.push(`${el.tagName.toLowerCase()}.${el.className} is wider than its container ` +
                    `(${Math.round(Math.max(box.width, el.scrollWidth))} px in ${Math.round(parent.width)} px, ` +
                    `${how}): ${text}`);
    }
  }
}
for (const cell of root.querySelectorAll('table td, table th')) {
  if (cell.querySelector('code')) continue;  // column names a user must type, shown as code on purpose
  const text = cell.innerText.trim();
  let why = null;
  if (text.includes('[T.')) why = 'a model term';
  else if (codeNames.has(text)) why = 'a column name of the data';
  else if (text.split(/[^\w]+/).some(word => word.includes('_') && codeNames.has(word))) why = 'a column name in the text';
  else if (/^(nan|NaN|None|True|False|NaT|<NA>)$/.test(text)) why = 'a raw value';
  else if (/(^|[^\w.])-?\d+\.\d{5,}($|[^\w])/.test(text)) why = 'more than 4 decimals';
  else if (/(^|[^\w.])-?\d+(\.\d+)?[eE][-+]?\d+($|[^\w])/.test(text)) why = 'an exponent';
  else if (/^-0(\.0+)?$/.test(text)) why = 'minus zero';
  if (why) problems.push(`table cell "${text.slice(0, 60)}": ${why}`);
}
function rgb(text) { const m = text.match(/[\d.]+/g); return m ? m.map(Number) : [0, 0, 0, 0]; }
function luminance([r, g, b]) {
  const f = c => { c /= 255; return c <= 0.03928 ? c / 12.92 : Math.pow((c + 0.055) / 1.055, 2.4); };
  return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b);
}
function background(el) {
  for (let a = el; a; a = a.parentElement) {
    const c = rgb(getComputedStyle(a).backgroundColor);
    if (c.length < 4 || c[3] > 0.5) return c;
  }
  return [255, 255, 255];
}
for (const cell of root.querySelectorAll('table td, table th')) {
  if (!cell.innerText.trim()) continue;
  const fg = luminance(rgb(getComputedStyle(cell).color)), bg = luminance(background(cell));
  const contrast = (Math.max(fg, bg) + 0.05) / (Math.min(fg, bg) + 0.05);
  if (contrast < 3) {
    problems.push(`table cell "${cell.innerText.trim().slice(0, 40)}" is hard to read (contrast ${contrast.toFixed(1)})`);
    break;
  }
}
return problems;
"""


def layout_problems(browser, url: str, width: int, code_names: list[str], dark: bool = False) -> list[str]:
    """Open ``url`` at ``width`` CSS pixels and return what a reader would trip over: a page that scrolls
    sideways, an element wider than its container outside a scrolling box, a table cell showing a code name or
    an unformatted number."""
    from selenium.webdriver.support.ui import WebDriverWait

    browser.execute_cdp_cmd("Emulation.setDeviceMetricsOverride",
                            {"width": width, "height": 900, "deviceScaleFactor": 1, "mobile": width < 600})
    browser.get(url)
    WebDriverWait(browser, 30).until(lambda d: d.execute_script("return document.readyState") == "complete")
    if dark:  # pydata-sphinx-theme's dark mode, as its switch sets it
        browser.execute_script("document.documentElement.dataset.theme = 'dark'; document.documentElement.dataset.mode = 'dark';")
    browser.execute_script("return document.fonts ? document.fonts.ready : null")
    if browser.execute_script("return document.querySelectorAll('.math').length") > 0:
        WebDriverWait(browser, 30).until(lambda d: d.execute_script(
            "return !!(window.MathJax && MathJax.startup && MathJax.startup.promise)"))
        browser.execute_async_script("const done = arguments[0]; MathJax.startup.promise.then(() => done(true));")
    return browser.execute_script(LAYOUT_CHECK, code_names)


def _schema_code_names() -> list[str]:
    names = set()
    for chapter in registry.CHAPTERS.values():
        names.update(name for name in chapter.schema.columns if "_" in name)
    return sorted(names)


@pytest.mark.browser
def test_layout_checker_fails_on_a_broken_page(browser, tmp_path: Path):
    broken = tmp_path / "broken.html"
    broken.write_text(
        '<html><body><article class="bd-article"><p style="white-space: nowrap">' + "word " * 400 + "</p>"
        "<div class='cell_output'><table><tr><td>imaging[T.dynamic]</td><td>0.23294008488947307</td>"
        "<td>nan</td><td>mjoa_pre</td><td>True</td><td><code>mjoa_pre</code></td>"
        "<td style='color: #eee; background: #fff'>pale</td></tr></table></div>"
        "</article></body></html>", encoding="utf-8")
    problems = layout_problems(browser, broken.as_uri(), 390, ["mjoa_pre"])
    text = "\n".join(problems)
    assert "scrolls sideways" in text and "wider than its container" in text
    for reason in ("a model term", "more than 4 decimals", "a raw value", "a column name of the data", "hard to read"):
        assert reason in text, f"the checker missed {reason}:\n{text}"
    assert "<code>" not in text and sum("a column name" in p for p in problems) == 1  # code cells are allowed
    fixed = tmp_path / "fixed.html"
    fixed.write_text('<html><head><meta name="viewport" content="width=device-width"></head><body>'
                     '<article class="bd-article"><p>' + "word " * 400 + '</p><div style="overflow-x: auto">'
                     '<table><tr><td style="white-space: nowrap">' + "wide " * 200 + "</td><td>0.233</td></tr>"
                     "</table></div></article></body></html>", encoding="utf-8")
    assert layout_problems(browser, fixed.as_uri(), 390, ["mjoa_pre"]) == []


@pytest.mark.browser
@pytest.mark.parametrize("width, dark", SCREENS)
def test_pages_fit_the_screen_and_tables_read_as_words(browser, built_site: Path, repo: Path, width: int, dark: bool):
    from helpers.book.build import _toc_files

    screenshots = repo / "test-output" / "screenshots"
    screenshots.mkdir(parents=True, exist_ok=True)
    toc = yaml.safe_load((repo / "_toc.yml").read_text())
    pages = [built_site / f"{name}.html" for name in _toc_files(toc)]
    code_names = _schema_code_names()
    found = {}
    for page in pages:
        problems = layout_problems(browser, page.as_uri(), width, code_names, dark=dark)
        browser.save_screenshot(str(screenshots / f"{page.stem}-{width}{'-dark' if dark else ''}.png"))
        if problems:
            found[page.name] = problems[:15] + ([f"... {len(problems) - 15} more"] if len(problems) > 15 else [])
    browser.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})
    assert not found, f"at {width} px{' (dark mode)' if dark else ''}:\n" + "\n".join(f"{name}:\n  " + "\n  ".join(p) for name, p in found.items())


def test_pages_show_no_machine_paths(built_site: Path, repo: Path):
    """The injected-parameters cell and the provenance table name files as a user would (relative to the
    book's root, or a bare file name), never the build's temporary folders or this machine's paths."""
    for chapter in registry.CHAPTERS.values():
        page = (built_site / "notebooks" / f"{chapter.notebook}.html").read_text(encoding="utf-8")
        assert ".staging-" not in page, f"{chapter.id}: a temporary build folder is shown"
        assert str(repo.resolve()) not in page, f"{chapter.id}: a path on this machine is shown"
        synthetic = registry.synthetic_data_path(chapter, repo).resolve().relative_to(repo.resolve()).as_posix()
        assert synthetic in page, f"{chapter.id}: the data file is not named as a user would set it"
