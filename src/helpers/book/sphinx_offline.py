"""Sphinx extension: keep the built site offline (MathJax served locally; no thebe).

``sphinx-mathjax-offline`` copies MathJax into ``_static/mathjax`` but points pages at the CHTML
output, which loads web fonts; opened from disk (``file://``) fonts can be blocked by the browser.
Its ``setup()`` assigns ``mathjax_path`` directly, which wins over ``_config.yml``, so this extension
re-points it at ``tex-svg.js`` (no font files) once the configuration is read. This is the one place
the book works around that behaviour.

Jupyter Book 1 always loads ``sphinx-thebe`` (live code cells through a remote Jupyter server). Offline it
cannot work, and with sphinx-thebe 0.3.1 and sphinx-book-theme 1.3.0 its configuration script is put on
every page twice, which the browser reports as "Identifier 'THEBE_JS_URL' has already been declared".
This extension drops thebe's scripts and stylesheet from every page.
"""

from __future__ import annotations

MATHJAX_PATH = "mathjax/tex-svg.js"


def _use_svg_output(app, config) -> None:
    config.mathjax_path = MATHJAX_PATH


def _is_thebe(asset) -> bool:
    filename = getattr(asset, "filename", None) or ""
    body = (getattr(asset, "attributes", None) or {}).get("body", "") or ""
    return "thebe" in str(filename) or "THEBE_JS_URL" in str(body)


def _drop_thebe(app, pagename, templatename, context, doctree) -> None:
    for key in ("script_files", "css_files"):
        if key in context:
            context[key] = [asset for asset in context[key] if not _is_thebe(asset)]


def setup(app):
    app.setup_extension("sphinx-mathjax-offline")
    app.connect("config-inited", _use_svg_output, priority=900)
    app.connect("html-page-context", _drop_thebe, priority=900)
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}
