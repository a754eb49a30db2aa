"""Figure of the equivocal-mri chapter: the imaging pathway as a flowchart."""

from __future__ import annotations

import matplotlib.pyplot as plt
from matplotlib.patches import FancyBboxPatch, Polygon

PATHWAY_NODES = {
    # key: (x, y, kind, text)
    "start": (0.50, 0.95, "box", "Suspected cervical myelopathy\n(hand clumsiness, gait instability, UMN signs)"),
    "evident": (0.50, 0.80, "decision", "Myelopathy clinically\nevident?"),
    "refer": (0.86, 0.80, "action", "Refer promptly to a spine surgeon;\ndo not wait for more imaging [2]"),
    "mri_possible": (0.50, 0.64, "decision", "Can MRI be\nperformed?"),
    "ctm_contra": (0.14, 0.64, "action", "CT myelography\n(pacemaker, claustrophobia,\nimplants) [1]"),
    "mri": (0.50, 0.50, "box", "Cervical MRI"),
    "other_dx": (0.50, 0.36, "decision", "Demyelinating,\ninflammatory or ischaemic\ndisease suspected?"),
    "contrast": (0.86, 0.36, "action", "MRI with IV contrast [1];\nadd DWI if ischaemia\nis suspected [1]"),
    "equivocal": (0.50, 0.20, "decision", "MRI equivocal for\ncord compression?"),
    "ctm": (0.14, 0.20, "action", "CT myelography [1]"),
    "correlate": (0.50, 0.05, "box", "Correlate imaging with the clinical picture [1, 2]"),
    "not_next": (0.86, 0.08, "caution", "Not the next step: plain radiographs\nor CT without myelography\n(too little soft-tissue detail) [1]"),
}

PATHWAY_EDGES = [
    ("start", "evident", ""), ("evident", "refer", "yes"), ("evident", "mri_possible", "no / unsure"),
    ("mri_possible", "ctm_contra", "no"), ("mri_possible", "mri", "yes"), ("mri", "other_dx", ""),
    ("other_dx", "contrast", "yes"), ("other_dx", "equivocal", "no"), ("equivocal", "ctm", "yes"),
    ("equivocal", "correlate", "no"),
]

_BOX_WIDTHS = {"start": 0.40, "correlate": 0.40}

_PATHWAY_STYLE = {
    "box": {"facecolor": "#e8eef7", "edgecolor": "#2b4c7e"},
    "decision": {"facecolor": "#fff4d6", "edgecolor": "#9a6b00"},
    "action": {"facecolor": "#e3f3e6", "edgecolor": "#2e7d32"},
    "caution": {"facecolor": "#fbe4e4", "edgecolor": "#b71c1c"},
}


def plot_imaging_pathway(*, title: str = "Imaging pathway when cervical MRI is equivocal for myelopathy"):
    """Draw the book's imaging pathway as a flowchart (matplotlib only: no graphviz, no network).

    Bracketed numbers cite the sources listed under the figure in the chapter. Returns the Figure.
    """
    figure, axes = plt.subplots(figsize=(11, 9.5))
    axes.set_xlim(0, 1)
    axes.set_ylim(-0.02, 1.02)
    axes.axis("off")
    half_width, half_height = 0.13, 0.045
    for key, (x, y, kind, text) in PATHWAY_NODES.items():
        style = _PATHWAY_STYLE[kind]
        if kind == "decision":
            diamond = Polygon([(x - half_width * 1.1, y), (x, y + half_height * 1.45), (x + half_width * 1.1, y),
                               (x, y - half_height * 1.45)], closed=True, linewidth=1.5, **style)
            axes.add_patch(diamond)
        else:
            width = _BOX_WIDTHS.get(key, 2 * half_width)  # wide enough for the text at fontsize 9
            axes.add_patch(FancyBboxPatch((x - width / 2, y - half_height), width, 2 * half_height,
                                          boxstyle="round,pad=0.008", linewidth=1.5, **style))
        axes.text(x, y, text, ha="center", va="center", fontsize=9, wrap=True)
    for source, target, label in PATHWAY_EDGES:
        x0, y0 = PATHWAY_NODES[source][:2]
        x1, y1 = PATHWAY_NODES[target][:2]
        if abs(y0 - y1) < 1e-9:  # horizontal edge
            sign = 1 if x1 > x0 else -1
            start, end = (x0 + sign * half_width * 1.1, y0), (x1 - sign * half_width, y1)
        else:
            bottom = half_height * (1.45 if PATHWAY_NODES[source][2] == "decision" else 1.0)
            top = half_height * (1.45 if PATHWAY_NODES[target][2] == "decision" else 1.0)
            start, end = (x0, y0 - bottom), (x1, y1 + top)
        axes.annotate("", xy=end, xytext=start, arrowprops={"arrowstyle": "-|>", "color": "#333333", "lw": 1.3})
        if label:
            axes.text((start[0] + end[0]) / 2 + (0.012 if start[0] == end[0] else 0),
                      (start[1] + end[1]) / 2 + 0.012, label, fontsize=8.5, style="italic", color="#333333",
                      ha="left" if start[0] == end[0] else "center")
    axes.set_title(title, fontsize=13, pad=10)
    figure.tight_layout()
    return figure
