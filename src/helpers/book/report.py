"""Standalone HTML reports of executed chapters that open with no network.

nbconvert's templates load require.js, MathJax and mermaid from a CDN; the report instead inlines
the MathJax 3 copy shipped by ``sphinx-mathjax-offline`` (SVG output, so no font files are needed)
and drops the other CDN scripts, which a chapter report does not use.
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

import nbformat

_MATHJAX_CONFIG = """<script>
window.MathJax = {tex: {inlineMath: [['$', '$'], ['\\\\(', '\\\\)']], displayMath: [['$$', '$$'], ['\\\\[', '\\\\]']],
                        processEscapes: true}, svg: {fontCache: 'global'}};
</script>"""


@lru_cache(maxsize=1)
def _mathjax_source() -> str:
    import importlib.util

    spec = importlib.util.find_spec("sphinx-mathjax-offline")
    if spec is None or not spec.submodule_search_locations:
        return ""
    folder = Path(next(iter(spec.submodule_search_locations))) / "static" / "mathjax"
    return (folder / "tex-svg.js").read_text(encoding="utf-8")


def notebook_to_html(notebook_path: str | Path, *, include_code: bool = False) -> str:
    """Render an executed notebook as one self-contained HTML page (images are already embedded)."""
    from nbconvert import HTMLExporter

    exporter = HTMLExporter(template_name="lab")
    exporter.exclude_input = not include_code
    exporter.exclude_input_prompt = True
    exporter.exclude_output_prompt = True
    notebook = nbformat.read(str(notebook_path), as_version=4)
    body, _ = exporter.from_notebook_node(notebook)
    mathjax = _mathjax_source().replace("</script", "<\\/script")
    body = re.sub(r"<!-- Load mathjax -->.*?<!-- End of mathjax configuration -->",
                  lambda _: _MATHJAX_CONFIG + "\n<script>" + mathjax + "</script>", body, flags=re.S)
    body = re.sub(r'<script src="https?://[^"]*"\s*>\s*</script>', "", body)
    body = re.sub(r'<script type="module">(?:(?!</script>).)*?mermaid.*?</script>', "", body, flags=re.S)
    return body
