"""The one matplotlib style of every equibounds figure: serif, sized for a two-column paper.

Use :func:`figure` to get a figure of the right width and :func:`save` to write the PDF (vector)
and the PNG side by side.  Comparison figures draw the prediction as a line and measurements as
points with confidence-interval bars (:func:`predicted_vs_measured`).
"""

from __future__ import annotations

import logging
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt

# fontTools warns about the timestamps of some fonts when embedding them (pdf.fonttype 42)
logging.getLogger("fontTools").setLevel(logging.ERROR)

#: inches: one column and the full text width of a two-column paper (NeurIPS/ICML-like).
COLUMN, TEXT = 3.25, 6.75
#: Default output folder, relative to the working directory (never inside the package).
OUT = Path("equibounds-figures")

RC = {
    "font.family": "serif",
    "font.serif": ["DejaVu Serif", "Times New Roman", "Times"],
    "mathtext.fontset": "dejavuserif",
    "font.size": 8, "axes.titlesize": 8, "axes.labelsize": 8, "legend.fontsize": 7,
    "xtick.labelsize": 7, "ytick.labelsize": 7, "lines.linewidth": 1.2, "lines.markersize": 3.5,
    "axes.spines.top": False, "axes.spines.right": False, "axes.grid": True,
    "grid.alpha": 0.25, "legend.frameon": False, "savefig.bbox": "tight", "savefig.dpi": 300,
    "pdf.fonttype": 42,
}
COLORS = ["#1b6ca8", "#d1495b", "#2e933c", "#edae49", "#6d597a", "#00798c"]


def figure(ncols: int = 1, width: float = TEXT, aspect: float = 0.75, **kw):
    """A styled figure with ``ncols`` panels side by side; returns (fig, axes)."""
    plt.rcParams.update(RC)
    fig, axes = plt.subplots(1, ncols, figsize=(width, width / ncols * aspect),
                             squeeze=False, **kw)
    return fig, axes[0]


def predicted_vs_measured(ax, x_curve, y_curve, x, y, lo, hi, color, label):
    """Prediction as a line, measurement as points with CI bars, one legend entry."""
    ax.plot(x_curve, y_curve, color=color, lw=1.0, label=f"{label}")
    ax.errorbar(x, y, yerr=[[a - b for a, b in zip(y, lo)], [b - a for a, b in zip(y, hi)]],
                fmt="o", color=color, mfc="white", capsize=1.5, elinewidth=0.8)


def save(fig, name: str, out: Path | None = None) -> list[Path]:
    """Write ``name.pdf`` and ``name.png`` into ``out`` (default ``./equibounds-figures``)."""
    out = Path(out or OUT)
    out.mkdir(parents=True, exist_ok=True)
    paths = [out / f"{name}.pdf", out / f"{name}.png"]
    for p in paths:
        fig.savefig(p)
    plt.close(fig)
    return paths
